"""The study report: one self-contained HTML page (tables, figures inline as PNG, no scripts)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from matplotlib.figure import Figure

from oncotrial.analysis import Estimate, StudyResults
from oncotrial.protocol import Protocol
from oncotrial.report._figures import km_figure, spider_figure, swimmer_figure, waterfall_figure
from oncotrial.report._patients import best_change, change_over_time, treatment_timelines

__all__ = ["ReportFigure", "build_figures", "render_report", "write_report"]


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the report: a PNG with its title, caption and alt text."""

    id: str
    section: str
    title: str
    caption: str
    alt: str
    png_base64: str
    width: int
    height: int
    number: int = 0


def _png(fig: Figure) -> tuple[str, int, int]:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    width, height = (round(v) for v in fig.get_size_inches() * 100)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), width, height


def _figure(fig_id: str, section: str, title: str, caption: str, alt: str, fig: Figure) -> ReportFigure:
    data, width, height = _png(fig)
    return ReportFigure(fig_id, section, title, caption, alt, data, width, height)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _median_text(est: Estimate) -> str:
    if est.estimate is None:
        return "not reached"
    lo = "NE" if est.low is None else f"{est.low:.1f}"
    hi = "NE" if est.high is None else f"{est.high:.1f}"
    return f"{est.estimate:.1f} months ({lo}–{hi})"


def build_figures(
    results: StudyResults, adam: Any, *, protocol: Protocol, thresholds: tuple[float, ...] = ()
) -> list[ReportFigure]:
    """Every figure of the report, numbered in page order.

    ``thresholds`` are the % changes drawn as reference lines on the waterfall and spider
    plots (the response criteria's cut-offs).
    """
    level = f"{results.conf_level:.0%}"
    figures = []
    for t in results.time_to_event.values():
        figures.append(
            _figure(
                f"km-{t.code.lower()}",
                "time-to-event",
                f"Kaplan-Meier estimate of {t.name.lower()}",
                f"{t.population} population, n = {t.n}, {_count(t.n_events, 'event')}. Shaded: pointwise {level} "
                f"CI ({t.conf_type}); ticks: censored patients; dashed: the median, {_median_text(t.median)}. "
                "Numbers at risk under the time axis.",
                f"Kaplan-Meier curve of {t.name} in months for {t.n} patients with {_count(t.n_events, 'event')}; "
                f"median {_median_text(t.median)}.",
                km_figure(t),
            )
        )
    best = best_change(adam, protocol=protocol)
    lines = ", ".join(f"{v:+g}%" for v in thresholds)
    ref = f" Dotted lines: {lines}." if thresholds else ""
    figures.append(
        _figure(
            "waterfall",
            "response",
            "Best change in the sum of target lesions",
            f"One bar per patient with a post-baseline target-lesion measurement (n = {len(best)}), "
            f"coloured by {'confirmed ' if protocol.primary_endpoint.confirmed else ''}best overall response.{ref}",
            f"Waterfall plot of the best percentage change from baseline in the sum of target lesions for "
            f"{len(best)} patients, coloured by best overall response.",
            waterfall_figure(best, thresholds=thresholds),
        )
    )
    timelines = treatment_timelines(adam, protocol=protocol)
    figures.append(
        _figure(
            "swimmer",
            "response",
            "Time on treatment",
            f"One row per patient with a post-baseline tumour assessment or a death (n = {len(timelines)}): "
            "bar = time on treatment, coloured by best overall response; grey line = follow-up after "
            "treatment; ▲ first confirmed response; ✕ progression; □ death; ▶ still on treatment.",
            f"Swimmer plot of time on treatment in months for {len(timelines)} patients with response, "
            "progression and death markers.",
            swimmer_figure(timelines),
        )
    )
    changes = change_over_time(adam, protocol=protocol)
    n_spider = changes["USUBJID"].nunique() if len(changes) else 0
    figures.append(
        _figure(
            "spider",
            "response",
            "Change in the sum of target lesions over time",
            f"One line per patient (n = {n_spider}) from baseline (0%), coloured by best overall response.{ref}",
            f"Spider plot of the percentage change from baseline in the sum of target lesions over months "
            f"since first dose for {n_spider} patients.",
            spider_figure(changes, thresholds=thresholds),
        )
    )
    order = {"response": 0, "time-to-event": 1}
    figures.sort(key=lambda f: order[f.section])
    return [ReportFigure(**{**f.__dict__, "number": i}) for i, f in enumerate(figures, start=1)]


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("oncotrial.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    return env


def _pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.1f}" if d else "–"


def _fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _fmt_p(value: float) -> str:
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


def _fmt_est(est: Estimate, scale: float, digits: int) -> str:
    def one(v: float | None) -> str:
        return "NE" if v is None else f"{v * scale:.{digits}f}"

    if est.estimate is None:
        return "NE"
    return f"{one(est.estimate)} ({one(est.low)}–{one(est.high)})"


def render_report(
    results: StudyResults, adam: Any, *, protocol: Protocol, thresholds: tuple[float, ...] = ()
) -> str:
    """The report page as HTML text (self-contained: no external URL, no script)."""
    figures = build_figures(results, adam, protocol=protocol, thresholds=thresholds)
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=results,
        p=results.provenance,
        d=results.disposition,
        figures=figures,
        level=f"{results.conf_level:.0%}",
        landmark_labels=[str(lm) for lm in protocol.analysis.landmarks],
        definitions={pop.code: pop.definition for pop in protocol.populations},
        pct=_pct,
        fmt_pct=_fmt_pct,
        fmt_rate=_fmt_rate,
        fmt_p=_fmt_p,
        fmt_est=_fmt_est,
    )


def write_report(
    results: StudyResults,
    adam: Any,
    path: str | Path,
    *,
    protocol: Protocol,
    thresholds: tuple[float, ...] = (),
) -> Path:
    """Write the study report page.

    Parameters
    ----------
    results : StudyResults
        From :func:`oncotrial.analysis.analyze`.
    adam : AdamPackage, mapping or object
        The package the results came from (the patient-level figures read ADSL, ADRS, ADTR).
    path : str or Path
        Where to write the page (UTF-8).
    protocol : Protocol
        The protocol the results were computed under.
    thresholds : tuple of float
        % changes drawn as dotted lines on the waterfall and spider plots.

    Returns
    -------
    Path
        ``path``; the page is self-contained (inline CSS and PNG figures, no script,
        no external URL).
    """
    path = Path(path)
    path.write_text(render_report(results, adam, protocol=protocol, thresholds=thresholds), encoding="utf-8")
    return path
