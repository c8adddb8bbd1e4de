"""The trial rules the RECIST engine needs, read once from the protocol."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["RecistSettings"]


@dataclass(frozen=True)
class RecistSettings:
    """Trial-level settings for RECIST 1.1 evaluation (frozen).

    Parameters
    ----------
    confirmation_min_days
        A CR/PR is confirmed by a later assessment at least this many days after it
        (protocol ``response.confirmation_min_interval``).
    sd_min_days
        SD (and NON-CR/NON-PD) counts as best response only at an assessment at least this
        many days after the reference start (protocol ``response.sd_min_duration``).
    accepted_evaluator
        ``TREVAL`` whose reads count, e.g. ``"INVESTIGATOR"`` (``response.accepted_evaluator``).
    baseline_window_days
        The baseline scan is at most this many days before the reference start
        (protocol ``schedule.baseline_imaging_window``).
    evaluator_id
        Optional ``TREVALID`` of one reader (e.g. ``"RADIOLOGIST 1"``). When ``None`` and the
        accepted evaluator has several readers, the rows flagged ``TRACPTFL = "Y"`` count.
    max_ne_between
        How many NE assessments may lie between a response and its confirmation; ``None``
        means any number (protocol ``response.max_ne_between``, where ``"unlimited"`` is
        ``None``; see docs/recist.md, "NE between responses"). The default ``None`` serves
        settings built by hand; :meth:`from_protocol` always takes the protocol's value.

    Partial assessment dates are imputed by the engine's one rule (first day of the period,
    never on or before the previous assessment), which the protocol states as
    ``analysis.date_imputation.tumour_assessment``; its model accepts no other rule.

    Examples
    --------
    >>> from oncotrial.protocol import load_protocol
    >>> s = RecistSettings.from_protocol(load_protocol())
    >>> (s.confirmation_min_days, s.sd_min_days, s.accepted_evaluator, s.max_ne_between)
    (28, 35, 'INVESTIGATOR', 1)
    """

    confirmation_min_days: int
    sd_min_days: int
    accepted_evaluator: str
    baseline_window_days: int
    evaluator_id: str | None = None
    max_ne_between: int | None = None

    @classmethod
    def from_protocol(cls, protocol: Any) -> RecistSettings:
        """Read the settings from a loaded protocol (``oncotrial.protocol.load_protocol()``)."""
        response = protocol.response
        return cls(
            confirmation_min_days=int(response.confirmation_min_interval.days),
            sd_min_days=int(response.sd_min_duration.days),
            accepted_evaluator=response.accepted_evaluator,
            baseline_window_days=int(protocol.schedule.baseline_imaging_window.days),
            max_ne_between=response.max_ne_between,
        )

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (for reports and explanations)."""
        return asdict(self)
