"""Explain one subject's derived responses: the rows and the rule behind each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from oncotrial.errors import OncotrialError

__all__ = ["SubjectExplanation", "explain_subject"]

_ROW_COLUMNS = (
    "VISITNUM",
    "VISIT",
    "ADT",
    "ADTC",
    "SUMDIAM",
    "PCHG",
    "NADIR",
    "PCHGNAD",
    "TRGRESP",
    "NTRGRESP",
    "NEWLPROG",
    "OVRLRESP",
    "RULE",
)
_BEST_COLUMNS = (
    "BOR",
    "BORDT",
    "CBOR",
    "CBORDT",
    "RSPFL",
    "CRSPFL",
    "DCRFL",
    "FRSPDT",
    "PDDT",
    "LSTADT",
    "BORRULE",
    "CBORRULE",
)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _mm(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _sums(r: dict[str, Any]) -> str:
    """The numbers behind a target response: sum, change from baseline and from the nadir."""
    text = f"sum of diameters {_mm(r['SUMDIAM'])} mm"
    if r.get("PCHG") is not None:
        text += f", {r['PCHG']:+.1f}% from baseline"
    if r.get("NADIR") is not None:
        rel = (
            f"{r['PCHGNAD']:+.1f}%"
            if r.get("PCHGNAD") is not None
            else f"{_mm(r['SUMDIAM'] - r['NADIR'])} mm"
        )
        text += f", {rel} from the nadir {_mm(r['NADIR'])} mm"
    return text


@dataclass(frozen=True)
class SubjectExplanation:
    """Everything that produced one subject's responses (printable; :meth:`to_dict` for JSON).

    Attributes
    ----------
    usubjid
        The subject.
    timepoints
        One dict per assessment: date, sums, responses and the ``RULE`` that produced them.
    best
        Best overall response, its date, flags and the ``BORRULE``/``CBORRULE`` reasons.
    """

    usubjid: str
    timepoints: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    best: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dates as ISO text, missing as ``None``)."""
        return {
            "usubjid": self.usubjid,
            "timepoints": [dict(r) for r in self.timepoints],
            "best": dict(self.best),
        }

    def __str__(self) -> str:
        lines = [f"Subject {self.usubjid}"]
        for r in self.timepoints:
            when = r.get("ADT") or r.get("ADTC")
            lines.append(f"  {r.get('VISIT') or r.get('VISITNUM')} ({when}): {r.get('OVRLRESP')}")
            if r.get("SUMDIAM") is not None:
                lines.append(f"    {_sums(r)}")
            if r.get("RULE"):
                lines.append(f"    because {r['RULE']}")
        if self.best:
            lines.append(
                f"  Best overall response (unconfirmed): {self.best.get('BOR')} - {self.best.get('BORRULE')}"
            )
            lines.append(
                f"  Best overall response (confirmed): {self.best.get('CBOR')} - {self.best.get('CBORRULE')}"
            )
        return "\n".join(lines)


def explain_subject(usubjid: str, timepoints: pd.DataFrame, best: pd.DataFrame) -> SubjectExplanation:
    """The timepoint rows and best-response reasons of one subject.

    Parameters
    ----------
    usubjid
        The subject to explain.
    timepoints, best
        Outputs of :func:`~oncotrial.recist.evaluate_timepoints` and
        :func:`~oncotrial.recist.best_overall_response` (columns absent from them are skipped).

    Examples
    --------
    >>> tp = pd.DataFrame({"USUBJID": ["S1"], "VISIT": ["WEEK 6"], "ADT": pd.to_datetime(["2024-02-12"]),
    ...     "OVRLRESP": ["PR"], "RULE": ["target PR: sum 26 mm is -35.0% from baseline 40 mm"]})
    >>> best = pd.DataFrame({"USUBJID": ["S1"], "BOR": ["PR"], "BORRULE": ["PR: first PR (2024-02-12)"]})
    >>> print(explain_subject("S1", tp, best))
    Subject S1
      WEEK 6 (2024-02-12): PR
        because target PR: sum 26 mm is -35.0% from baseline 40 mm
      Best overall response (unconfirmed): PR - PR: first PR (2024-02-12)
      Best overall response (confirmed): None - None
    """
    rows = timepoints[timepoints["USUBJID"] == usubjid]
    b = best[best["USUBJID"] == usubjid]
    if rows.empty and b.empty:
        raise OncotrialError(("USUBJID",), usubjid, "no timepoint and no best response for this subject")
    sort = [c for c in ("ADT", "VISITNUM") if c in rows.columns]
    rows = rows.sort_values(sort) if sort else rows
    cols = [c for c in _ROW_COLUMNS if c in rows.columns]
    tps = tuple(
        {c: _plain(v) for c, v in zip(cols, rec, strict=True)} for rec in rows[cols].itertuples(index=False)
    )
    best_d = {c: _plain(b.iloc[0][c]) for c in _BEST_COLUMNS if c in b.columns} if len(b) else {}
    return SubjectExplanation(usubjid=usubjid, timepoints=tps, best=best_d)
