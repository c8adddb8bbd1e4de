"""The report's figures; each returns a matplotlib Figure (no pyplot state, drawn by Agg)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from oncotrial.analysis import TimeToEventResult

__all__ = ["BOR_COLOURS", "km_figure", "spider_figure", "swimmer_figure", "waterfall_figure"]

#: Colour of each best overall response (colour-blind safe, Okabe-Ito palette).
BOR_COLOURS = {
    "CR": "#009E73",
    "PR": "#56B4E9",
    "SD": "#E69F00",
    "NON-CR/NON-PD": "#F0E442",
    "PD": "#D55E00",
    "NE": "#999999",
    "NOT ASSESSED": "#CCCCCC",
}
_OTHER = "#666666"


#: Up to this many patients, patient-level figures draw one artist per patient (bars, lines
#: with markers, a label per row); beyond, all patients are one collection, unlabelled, so
#: that a large pooled analysis draws in seconds (matplotlib's cost grows with the artists).
MANY_PATIENTS = 300


def _colour(bor: object) -> str:
    return BOR_COLOURS.get(str(bor), _OTHER)


def _legend_for(ax: Axes, categories: list[str], *, loc: str = "best") -> None:
    present = [c for c in BOR_COLOURS if c in set(categories)]
    ax.legend(
        handles=[Patch(color=_colour(c), label=c) for c in present],
        title="Best response",
        loc=loc,
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )


def _empty(fig: Figure, ax: Axes, message: str) -> Figure:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def km_figure(result: TimeToEventResult, *, ylabel: str | None = None) -> Figure:
    """Kaplan-Meier curve with its CI band, censoring ticks, the median marked and the
    numbers at risk under the time axis (months)."""
    fig = Figure(figsize=(7.5, 4.6), dpi=100)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.96, bottom=0.04)
    grid = fig.add_gridspec(2, 1, height_ratios=[7, 1], hspace=0.36)
    ax = fig.add_subplot(grid[0])
    risk_ax = fig.add_subplot(grid[1], sharex=ax)
    curve = result.curve
    ax.set_ylabel(ylabel or f"{result.name} (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.25)
    if not curve.time:
        _empty(fig, ax, f"No patients in the {result.population} population for {result.code}")
        risk_ax.set_axis_off()
        return fig
    t = np.concatenate([[0.0], np.asarray(curve.time)])
    s = np.concatenate([[1.0], np.asarray(curve.survival)]) * 100
    lo = np.concatenate([[1.0], np.array([np.nan if v is None else v for v in curve.lower])]) * 100
    hi = np.concatenate([[1.0], np.array([np.nan if v is None else v for v in curve.upper])]) * 100
    colour = "#0072B2"
    ax.fill_between(
        t, lo, hi, step="post", alpha=0.18, color=colour, linewidth=0, label=f"{result.conf_level:.0%} CI"
    )
    ax.step(t, s, where="post", color=colour, linewidth=1.8, label="Kaplan-Meier estimate")
    if result.censor_times:
        ct = np.asarray(result.censor_times)
        idx = np.searchsorted(t, ct, side="right") - 1
        ax.plot(ct, s[idx], linestyle="none", marker="|", markersize=8, color=colour, label="Censored")
    median = result.median.estimate
    if median is not None:
        ax.plot([0, median], [50, 50], linestyle="--", color="#444444", linewidth=1)
        ax.plot([median, median], [0, 50], linestyle="--", color="#444444", linewidth=1)
        lo_m, hi_m = result.median.low, result.median.high
        ci = f" ({_fmt(lo_m)}–{_fmt(hi_m)})"
        ax.annotate(
            f"median {median:.1f}{ci} months",
            xy=(median, 50),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=8,
            color="#222222",
        )
    else:
        ax.text(0.99, 0.95, "median not reached", transform=ax.transAxes, ha="right", fontsize=8)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    ticks = [tick for tick, _ in result.at_risk]
    ax.set_xticks(ticks)
    ax.set_xlim(0, max(ticks[-1] if ticks else 0, float(t[-1])) * 1.02 + 0.1)
    ax.set_xlabel("Months")
    ax.tick_params(labelbottom=True)
    risk_ax.set_ylim(0, 1)
    for tick, n in result.at_risk:
        risk_ax.text(tick, 0.5, str(n), ha="center", va="center", fontsize=8)
    risk_ax.set_yticks([])
    risk_ax.set_ylabel("At risk", fontsize=8, rotation=0, ha="right", va="center", labelpad=12)
    risk_ax.tick_params(axis="x", labelbottom=False, length=0)
    for spine in risk_ax.spines.values():
        spine.set_visible(False)
    return fig


def _fmt(value: float | None) -> str:
    return "NE" if value is None else f"{value:.1f}"


def waterfall_figure(best: pd.DataFrame, *, thresholds: tuple[float, ...] = ()) -> Figure:
    """Bars of each patient's best % change in the target-lesion sum, coloured by best response.

    ``thresholds`` draws dotted reference lines (e.g. the response criteria's cut-offs).
    """
    n = len(best)
    fig = Figure(figsize=(max(6.0, min(12.0, 3 + 0.18 * n)), 4.2), dpi=100, layout="constrained")
    ax = fig.subplots()
    if not n:
        return _empty(fig, ax, "No patient has a post-baseline target-lesion measurement")
    x = np.arange(n)
    colours = [_colour(b) for b in best["BOR"]]
    if n <= MANY_PATIENTS:
        ax.bar(x, best["PCHG"], color=colours, width=0.8, edgecolor="none")
    else:  # one collection of lines: the same picture, without one artist per patient
        ax.vlines(x, 0, best["PCHG"].to_numpy(float), colors=colours, linewidth=max(0.2, 300 / n))
    for level in thresholds:
        ax.axhline(level, linestyle=":", color="#444444", linewidth=1)
    ax.axhline(0, color="#222222", linewidth=0.8)
    ax.set_xticks([])
    ax.set_xlabel(f"Patients (n = {n})")
    ax.set_ylabel("Best change from baseline in\nsum of target lesions (%)")
    ax.grid(axis="y", alpha=0.25)
    _legend_for(ax, list(best["BOR"]), loc="upper right")
    return fig


def swimmer_figure(timelines: pd.DataFrame) -> Figure:
    """One bar per patient for time on treatment, a line for follow-up after it, and markers
    for the first confirmed response, progression, death and ongoing treatment."""
    n = len(timelines)
    # Rows shrink past 150 patients so that the page stays a reasonable size.
    fig = Figure(figsize=(9.5, max(2.8, 1.2 + min(0.24 * n, 36.0))), dpi=100, layout="constrained")
    ax = fig.subplots()
    if not n:
        return _empty(fig, ax, "No patient has a post-baseline tumour assessment")
    y = np.arange(n)
    follow = timelines["FOLLOW_UP"].to_numpy(dtype=float)
    treat = timelines["ON_TREATMENT"].to_numpy(dtype=float)
    has_follow = ~np.isnan(follow) & (follow > treat)
    ax.hlines(y[has_follow], treat[has_follow], follow[has_follow], color="#999999", linewidth=1)
    colours = [_colour(b) for b in timelines["BOR"]]
    if n <= MANY_PATIENTS:
        ax.barh(y, treat, color=colours, height=0.6, edgecolor="none")
    else:  # one collection of lines instead of one bar per patient
        ax.hlines(y, 0, treat, colors=colours, linewidth=max(0.2, 2000 / n))
    markers = [
        ("RESPONSE", "^", "#000000", "First confirmed response"),
        ("PD", "X", "#000000", "Progression"),
        ("DEATH", "s", "#000000", "Death"),
    ]
    handles: list = []
    for column, marker, colour, label in markers:
        values = timelines[column].to_numpy(dtype=float)
        shown = ~np.isnan(values)
        if shown.any():
            ax.plot(
                values[shown],
                y[shown],
                linestyle="none",
                marker=marker,
                color=colour,
                markersize=6,
                markerfacecolor="white" if column == "DEATH" else colour,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=marker,
                    color=colour,
                    label=label,
                    markerfacecolor="white" if column == "DEATH" else colour,
                )
            )
    ongoing = timelines["ONGOING"].to_numpy(dtype=bool)
    if ongoing.any():
        ax.plot(
            treat[ongoing] + 0.15, y[ongoing], linestyle="none", marker=">", color="#333333", markersize=6
        )
        handles.append(Line2D([], [], linestyle="none", marker=">", color="#333333", label="On treatment"))
    handles.append(Line2D([], [], color="#999999", label="Follow-up after treatment"))
    present = [c for c in BOR_COLOURS if c in set(timelines["BOR"].astype(str))]
    handles = [Patch(color=_colour(c), label=c) for c in present] + handles
    if n <= MANY_PATIENTS:
        ax.set_yticks(y)
        ax.set_yticklabels(timelines["USUBJID"], fontsize=7 if n <= 60 else 5)
    else:  # thousands of labels could not be read
        ax.set_yticks([])
        ax.set_ylabel(f"Patients (n = {n})")
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlabel("Months since first dose")
    ax.grid(axis="x", alpha=0.25)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def spider_figure(changes: pd.DataFrame, *, thresholds: tuple[float, ...] = ()) -> Figure:
    """% change from baseline in the target-lesion sum over time, one line per patient."""
    fig = Figure(figsize=(7.5, 4.4), dpi=100, layout="constrained")
    ax = fig.subplots()
    if changes.empty:
        return _empty(fig, ax, "No patient has a post-baseline target-lesion measurement")
    groups = changes.groupby("USUBJID", sort=True)
    if groups.ngroups <= MANY_PATIENTS:
        for _, rows in groups:
            colour = _colour(rows["BOR"].iloc[0])
            ax.plot(
                rows["MONTHS"], rows["PCHG"], color=colour, marker="o", markersize=3, linewidth=1.2, alpha=0.9
            )
    else:  # one collection of lines instead of one artist per patient
        lines = [rows[["MONTHS", "PCHG"]].to_numpy(float) for _, rows in groups]
        colours = [_colour(rows["BOR"].iloc[0]) for _, rows in groups]
        ax.add_collection(LineCollection(lines, colors=colours, linewidths=0.5, alpha=0.6))
        ax.autoscale_view()
    for level in thresholds:
        ax.axhline(level, linestyle=":", color="#444444", linewidth=1)
    ax.axhline(0, color="#222222", linewidth=0.8)
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel("Change from baseline in\nsum of target lesions (%)")
    ax.grid(alpha=0.25)
    _legend_for(ax, list(changes["BOR"].astype(str)), loc="best")
    return fig
