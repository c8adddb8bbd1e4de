"""EFFFL and RESPFL on hand-built ADSL, baseline findings and ADRS."""

from __future__ import annotations

import pandas as pd

from oncotrial.adam import derive_vars_response_flags

T = pd.Timestamp


def _baseline(rows: dict[str, tuple[str | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"USUBJID": u, "BLTADT": T(d) if d else pd.NaT, "MEASDFL": m} for u, (d, m) in rows.items()]
    )


def test_efficacy_evaluable_needs_fas_measurable_disease_and_follow_up(make_adsl, make_ovr) -> None:
    adsl = make_adsl(
        [
            {"id": "A"},  # measurable, one NE scan: evaluable
            {"id": "B"},  # measurable, no scan, alive: not evaluable
            {"id": "C", "death": "2024-01-20"},  # measurable, died before the first scan: evaluable
            {"id": "D"},  # non-measurable only, scanned: not evaluable
            {"id": "E", "fas": "N"},  # not in FAS
            {"id": "F"},  # no baseline assessment at all
        ]
    )
    adrs = make_ovr(
        {
            "A": [("2024-02-12", "NE")],
            "D": [("2024-02-12", "NON-CR/NON-PD")],
            "E": [("2024-02-12", "SD")],
            "F": [("2024-02-12", "SD")],
        }
    )
    base = _baseline(
        {
            "A": ("2023-12-20", "Y"),
            "B": ("2023-12-20", "Y"),
            "C": ("2023-12-20", "Y"),
            "D": ("2023-12-20", "N"),
            "E": ("2023-12-20", "Y"),
        }
    )
    out = derive_vars_response_flags(adsl, baseline=base, dataset_adrs=adrs).set_index("USUBJID")
    assert out["EFFFL"].to_dict() == {"A": "Y", "B": "N", "C": "Y", "D": "N", "E": "N", "F": "N"}
    assert out["BLTAFL"].to_dict() == {"A": "Y", "B": "Y", "C": "Y", "D": "Y", "E": "Y", "F": "N"}
    assert out.loc["F", "MEASDFL"] == "N"


def test_responders_are_fas_subjects_with_a_confirmed_response(make_adsl, make_ovr) -> None:
    adsl = make_adsl([{"id": "A"}, {"id": "B"}, {"id": "C", "fas": "N"}])
    adrs = make_ovr(
        {"A": [("2024-02-12", "PR")], "B": [("2024-02-12", "PR")]},
        crsp={"A": "2024-02-12", "C": "2024-02-12"},
    )
    out = derive_vars_response_flags(adsl, baseline=None, dataset_adrs=adrs).set_index("USUBJID")
    assert out["RESPFL"].to_dict() == {"A": "Y", "B": "N", "C": "N"}


def test_without_tumour_measurements_measurable_disease_is_unknown_not_absent(make_adsl, make_ovr) -> None:
    adsl = make_adsl([{"id": "A"}])
    out = derive_vars_response_flags(
        adsl, baseline=None, dataset_adrs=make_ovr({"A": [("2024-02-12", "SD")]})
    )
    assert out.loc[0, ["BLTAFL", "MEASDFL", "EFFFL"]].tolist() == ["", "", "Y"]


def test_measurable_disease_follows_the_recist_baseline_checks() -> None:
    """Before, MEASDFL was "Y" whenever a target was measured, also at 6 mm or a year before
    the first dose; the baseline problems were computed and never used."""
    from oncotrial.adam._readers import derive_var_measdfl

    baseline = pd.DataFrame(
        {
            "USUBJID": ["OK", "SMALL", "ONE-SMALL", "EARLY", "NONE"],
            "BLTADT": T("2024-01-01"),
            "NTARGET": [2, 1, 2, 1, 0],
            "NNTARGET": [1, 1, 0, 0, 2],
        }
    )
    checks = pd.DataFrame(
        {
            "USUBJID": ["SMALL", "ONE-SMALL", "EARLY"],
            "TRLNKID": ["T01", "T02", None],
            "CHECK": ["TARGET_TOO_SMALL", "TARGET_TOO_SMALL", "BASELINE_TOO_EARLY"],
        }
    )
    out = derive_var_measdfl(baseline, checks).set_index("USUBJID")
    assert out["MEASDFL"].to_dict() == {"OK": "Y", "SMALL": "N", "ONE-SMALL": "Y", "EARLY": "N", "NONE": "N"}
    assert out["NMEASTGT"].to_dict() == {"OK": 2, "SMALL": 0, "ONE-SMALL": 1, "EARLY": 0, "NONE": 0}
    assert out.loc["SMALL", "MEASDRSN"] == "no target lesion measurable at baseline"
    assert out.loc["EARLY", "MEASDRSN"] == "no baseline scan within the protocol's window"
    assert out.loc["NONE", "MEASDRSN"] == "no target lesion measured at baseline"
