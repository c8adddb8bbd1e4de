"""The report's figures draw what they are given."""

from __future__ import annotations

import pandas as pd
from matplotlib.colors import to_hex

from oncotrial.analysis import compute_time_to_event
from oncotrial.report import (
    BOR_COLOURS,
    best_change,
    change_over_time,
    km_figure,
    spider_figure,
    swimmer_figure,
    treatment_timelines,
    waterfall_figure,
)


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_km_figure_marks_the_median_and_prints_numbers_at_risk(adam, protocol):
    pfs = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("PFS"), protocol=protocol
    )
    fig = km_figure(pfs)
    texts = _texts(fig)
    assert any(t.startswith("median 4.9 (1.4–NE) months") for t in texts)  # 150 and 44 days
    risk_axis = fig.axes[1]
    assert [t.get_text() for t in risk_axis.texts] == [str(n) for _, n in pfs.at_risk]
    assert risk_axis.get_ylabel() == "At risk"


def test_km_figure_says_when_the_median_is_not_reached(adam, protocol):
    os_ = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("OS"), protocol=protocol
    )
    assert "median not reached" in _texts(km_figure(os_))


def test_waterfall_bars_are_coloured_by_best_response(adam, protocol):
    best = best_change(adam, protocol=protocol)
    fig = waterfall_figure(best, thresholds=(-30.0, 20.0))
    ax = fig.axes[0]
    bars = ax.patches[: len(best)]
    heights = [b.get_height() for b in bars]
    assert heights == list(best["PCHG"])
    colours = [to_hex(b.get_facecolor()).upper() for b in bars]
    assert colours == [BOR_COLOURS[c] for c in best["BOR"]]
    assert {line.get_ydata()[0] for line in ax.lines} >= {-30.0, 20.0}


def test_swimmer_has_one_row_per_patient_and_marks_events(adam, protocol):
    timelines = treatment_timelines(adam, protocol=protocol)
    fig = swimmer_figure(timelines)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(timelines["USUBJID"])
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"First confirmed response", "Progression", "Death", "On treatment"} <= labels


def test_spider_draws_one_line_per_patient(adam, protocol):
    changes = change_over_time(adam, protocol=protocol)
    fig = spider_figure(changes)
    drawn = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert len(drawn) == changes["USUBJID"].nunique() == 4


def test_figures_without_data_say_so():
    empty = pd.DataFrame(columns=["USUBJID", "PCHG", "BOR", "MONTHS"])
    assert "No patient has a post-baseline target-lesion measurement" in _texts(waterfall_figure(empty))
    assert "No patient has a post-baseline target-lesion measurement" in _texts(spider_figure(empty))


def test_km_figure_for_an_empty_population_says_so(adam, protocol):
    adam.adsl["RESPFL"] = "N"
    dor = compute_time_to_event(
        adam.adtte, adsl=adam.adsl, endpoint=protocol.endpoint("DOR"), protocol=protocol
    )
    assert "No patients in the RESP population for DOR" in _texts(km_figure(dor))
