"""The sponsor's and statistician's pages: enrollment, data status, interim monitoring, datasets."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from oncotrial.adam import write_adam
from oncotrial.edc import (
    Action,
    AdverseEvent,
    Dose,
    Query,
    QueryStatus,
    Role,
    Signature,
    SubjectStatus,
    TumourAssessment,
    list_subjects,
    require,
)
from oncotrial.sdtm import SdtmPackage, write_sdtm
from oncotrial.web import _edc, _live
from oncotrial.web._context import Page, PageError, load_page
from oncotrial.web._subject_pages import subject_label

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_DASHBOARD_ROLES = (Role.SPONSOR_ADMIN, Role.STATISTICIAN)


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _counts_by_subject(db: Any, model: Any, *where: Any) -> Counter[int]:
    rows = db.execute(select(model.subject_id, func.count()).where(*where).group_by(model.subject_id)).all()
    return Counter(dict(rows))


def _months_between(days: list[Any]) -> list[str]:
    """Every calendar month from the first to the last date, as ``YYYY-MM``.

    >>> import datetime as dt
    >>> _months_between([dt.date(2024, 11, 5), dt.date(2025, 2, 1)])
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    if not days:
        return []
    first, last = min(days), max(days)
    year, month, out = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _enrollment(subjects: list[Any]) -> dict[str, Any]:
    """Cumulative enrolled subjects per site at the end of each calendar month."""
    enrolled = [s for s in subjects if s.status == SubjectStatus.ENROLLED.value and s.enrollment_date]
    sites = sorted({s.site.code for s in enrolled})
    months = _months_between([s.enrollment_date for s in enrolled])
    per = defaultdict(Counter)
    for s in enrolled:
        per[s.enrollment_date.strftime("%Y-%m")][s.site.code] += 1
    running: Counter[str] = Counter()
    rows = []
    for month in months:
        running.update(per[month])
        rows.append(
            {"month": month, "by_site": [running[site] for site in sites], "total": sum(running.values())}
        )
    return {"sites": sites, "rows": rows}


def _data_status(db: Any, subjects: list[Any]) -> list[dict[str, Any]]:
    dosed = _counts_by_subject(db, Dose)
    assessed = _counts_by_subject(db, TumourAssessment)
    aes = _counts_by_subject(db, AdverseEvent)
    open_q = _counts_by_subject(db, Query, Query.status == QueryStatus.OPEN.value)
    signed = _counts_by_subject(db, Signature, Signature.valid)
    by_site: dict[str, Counter[str]] = defaultdict(Counter)
    for s in subjects:
        c = by_site[s.site.code]
        c["screened"] += 1
        if s.status != SubjectStatus.ENROLLED.value:
            continue
        c["enrolled"] += 1
        c["dosed"] += dosed[s.id] > 0
        c["assessed"] += assessed[s.id] > 0
        c["aes"] += aes[s.id]
        c["open_queries"] += open_q[s.id]
        c["signed"] += signed[s.id] > 0
    keys = ("screened", "enrolled", "dosed", "assessed", "aes", "open_queries", "signed")
    return [{"site": site, **{k: counts[k] for k in keys}} for site, counts in sorted(by_site.items())]


def _best_responses(live: _live.LiveAnalysis) -> dict[str, str]:
    adam = live.adam
    if adam is None:
        return {}
    adrs = adam["ADRS"]
    rows = adrs[adrs["PARAMCD"].astype(str) == "CBOR"] if "PARAMCD" in adrs else adrs.iloc[0:0]
    return dict(zip(rows["USUBJID"].astype(str), rows["AVALC"].astype(str), strict=False))


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    p = await page(request)
    user = p.require(*_DASHBOARD_ROLES)
    with p.db() as db:
        require(user, Action.EXPORT)
        subjects = list_subjects(db, user)
        live = _live.live_analysis(db, user)
        status = _data_status(db, subjects)
    study = p.protocol.identity.study_id
    best = _best_responses(live)
    enrolled = [
        {
            "label": subject_label(s),
            "site": s.site.code,
            "enrolled": s.enrollment_date,
            "best": best.get(f"{study}-{subject_label(s)}", "–"),
        }
        for s in subjects
        if s.status == SubjectStatus.ENROLLED.value
    ]
    return p.render(
        "dashboard.html",
        page_title="Dashboard",
        enrollment=_enrollment(subjects),
        status=status,
        enrolled=enrolled,
        live=live,
        interim=live.interim,
        survival=[(e, live.survival.get(e.code)) for e in _live.survival_endpoints(p.protocol)],
        design=p.protocol.design,
        monitoring=p.protocol.monitoring,
        primary=p.protocol.primary_endpoint,
    )


@router.get("/dashboard/km/{code}.png")
async def km_png(request: Request, code: str) -> Response:
    p = await page(request)
    user = p.require(*_DASHBOARD_ROLES)
    with p.db() as db:
        live = _live.live_analysis(db, user)
    result = live.survival.get(code)
    if result is None:
        raise PageError(404, "Not found", f"no Kaplan-Meier curve for {code!r}")
    from oncotrial.report import km_figure  # matplotlib loads only when a curve is drawn

    figure = km_figure(result)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return p.finish(Response(buffer.getvalue(), media_type="image/png"))


@router.get("/datasets")
async def datasets(request: Request) -> Response:
    p = await page(request)
    user = p.require(*_DASHBOARD_ROLES)
    require(user, Action.EXPORT)
    with p.db() as db:
        live = _live.live_analysis(db, user)
    return p.render("datasets.html", page_title="Datasets", live=live)


def _zip(folder: Path, paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.relative_to(folder))
    return buffer.getvalue()


@router.get("/datasets/{kind}.zip")
async def download(request: Request, kind: str, fmt: str = "xpt") -> Response:
    p = await page(request)
    user = p.require(*_DASHBOARD_ROLES)
    if kind not in ("sdtm", "adam") or fmt not in ("xpt", "csv"):
        raise PageError(404, "Not found", f"no dataset download {kind}.zip in format {fmt!r}")
    with p.db() as db:
        live = _live.live_analysis(db, user)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if kind == "sdtm":
            paths = write_sdtm(SdtmPackage(live.sdtm), folder, fmt=fmt)
        else:
            if live.adam is None:
                # Not a bare refusal: the page says why, naming each record that stops the analysis.
                return p.render("datasets.html", status_code=409, page_title="Datasets", live=live)
            paths = write_adam(live.adam, folder, fmt=fmt)
        content = _zip(folder, paths)
    name = f"{p.protocol.identity.study_id}-{kind}-{fmt}.zip"
    return p.finish(
        Response(
            content,
            media_type="application/zip",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
    )
