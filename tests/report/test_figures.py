"""The report's figures draw what they are given."""

from __future__ import annotations

import numpy as np
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


def test_many_patients_are_drawn_as_one_collection_each_with_its_colour():
    """Past MANY_PATIENTS, one artist per patient made a 20,000-patient report take 7 minutes."""
    from oncotrial.report._figures import MANY_PATIENTS

    n = MANY_PATIENTS + 1
    ids = [f"S{i:04d}" for i in range(n)]
    bor = ["PR" if i % 2 else "PD" for i in range(n)]
    best = pd.DataFrame({"USUBJID": ids, "PCHG": np.linspace(-80, 60, n), "BOR": bor})
    ax = waterfall_figure(best).axes[0]
    assert len(ax.patches) == 0 and len(ax.collections[0].get_segments()) == n
    changes = pd.DataFrame(
        {
            "USUBJID": np.repeat(ids, 2),
            "MONTHS": np.tile([0.0, 1.5], n),
            "PCHG": np.tile([0.0, -20.0], n),
            "BOR": np.repeat(bor, 2),
        }
    )
    ax = spider_figure(changes).axes[0]
    assert len(ax.collections[0].get_segments()) == n and not [
        line for line in ax.lines if line.get_marker() == "o"
    ]
    timelines = pd.DataFrame(
        {
            "USUBJID": ids,
            "ON_TREATMENT": 3.0,
            "FOLLOW_UP": 6.0,
            "BOR": bor,
            "RESPONSE": np.nan,
            "PD": np.nan,
            "DEATH": np.nan,
            "ONGOING": False,
        }
    )
    ax = swimmer_figure(timelines).axes[0]
    assert len(ax.get_yticklabels()) == 0 and ax.get_ylabel() == f"Patients (n = {n})"
    colours = {tuple(c) for c in ax.collections[-1].get_colors()}
    assert len(colours) == 2  # PR and PD keep their colours
