"""pharmaversesdtm's full oncology package (tu_onco, tr_onco, rs_onco: 205 subjects with
tumour data), which the project had not seen: see tests/data/pharmaverse-onco/PROVENANCE.md.

Before the gate, `sdtm check` said ok and `recist evaluate` returned only NE and PD: every
collected sum (SUMDIAM) was a sixth target "not assessed", UNEQUIVOCAL non-target
progression was read as not evaluated, and DIAMETER was ignored. Now the check names the
package's two real problems, and once a user has fixed them the engine agrees with the
recorded non-target responses everywhere; the target differences left are explained one by one.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.cli.recist import _subjects
from oncotrial.protocol import load_protocol
from oncotrial.recist import (
    RecistSettings,
    best_overall_response,
    check_baseline,
    compare_collected_sums,
    evaluate_timepoints,
)
from oncotrial.sdtm import check_sdtm, read_sdtm

DATA = Path(__file__).parents[1] / "data"
PROTOCOL = load_protocol()
SETTINGS = RecistSettings.from_protocol(PROTOCOL)
DOUBLED = ("01-711-1143", "9.2", "2013-09-22")  # the second of two assessments numbered 9.2


def assemble(folder: Path, *, fix: bool) -> Path:
    """The package in one folder: TU/TR/RS from pharmaverse-onco, DM/EX/DS/AE of the same
    (CDISC pilot) subjects from pharmaverse-recist. ``fix`` renumbers the second 9.2
    assessment of 01-711-1143 to 9.4, as a data manager would."""
    folder.mkdir(parents=True)
    for name in ("dm", "ex", "ds", "ae"):
        shutil.copy(DATA / "pharmaverse-recist" / "sdtm" / f"{name}.xpt", folder)
    for name in ("tu", "tr", "rs"):
        with gzip.open(DATA / "pharmaverse-onco" / f"{name}.csv.gz", "rt", encoding="utf-8") as f:
            df = pd.read_csv(f, dtype=str, keep_default_na=False)
        if fix and name in ("tr", "rs"):
            u, visitnum, date = DOUBLED
            second = (df["USUBJID"] == u) & (df["VISITNUM"] == visitnum) & (df[f"{name.upper()}DTC"] == date)
            df.loc[second, ["VISITNUM", "VISIT"]] = ["9.4", "UNSCHEDULED 9.4"]
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def as_published(tmp_path_factory) -> Path:
    return assemble(tmp_path_factory.mktemp("onco") / "sdtm", fix=False)


@pytest.fixture(scope="module")
def fixed(tmp_path_factory) -> Path:
    return assemble(tmp_path_factory.mktemp("onco-fixed") / "sdtm", fix=True)


@pytest.fixture(scope="module")
def evaluated(fixed):
    checked = check_sdtm(read_sdtm(fixed), protocol=PROTOCOL, unknown_responses="exclude")
    assert checked.errors == ()
    pkg = checked.package
    subjects = _subjects(pkg, "first_dose")
    tp = evaluate_timepoints(pkg["TU"], pkg["TR"], SETTINGS, subjects=subjects)
    return pkg, subjects, tp


def test_the_check_names_the_two_real_problems_of_the_published_package(as_published):
    result = check_sdtm(read_sdtm(as_published), protocol=PROTOCOL)
    found = {(p.loc[0], p.code) for p in result.errors}
    assert found == {("tr.csv", "duplicate"), ("rs.csv", "duplicate"), ("rs.csv", "term")}
    text = "\n".join(str(p) for p in result.errors)
    # two assessments of 01-711-1143 share VISITNUM 9.2: the engine would add their lesions up
    assert (
        "USUBJID 01-711-1143 TREVAL INVESTIGATOR TRLNKID NT01 TRTESTCD TUMSTATE VISITNUM 9.2 (TRDTC 2013-06-22, 2013-09-22;"
        in text
    )
    assert text.count("'CHECK' is not an overall response") == 3
    # what used to be read silently wrong (UNEQUIVOCAL, SUMDIAM, DIAMETER) is read right: no term error in TR
    assert [p for p in result.errors if p.loc[0] == "tr.csv" and p.code != "duplicate"] == []


def test_after_the_users_fix_and_choice_the_check_passes_and_lists_each_excluded_record(fixed):
    result = check_sdtm(read_sdtm(fixed), protocol=PROTOCOL, unknown_responses="exclude")
    assert result.errors == ()
    assert len(result.notes) == 3 and all(
        "'CHECK' is not an overall response; left out" in n for n in result.notes
    )


def test_non_target_responses_agree_with_the_recorded_ones_on_every_timepoint(evaluated):
    pkg, _, tp = evaluated
    rs = pkg["RS"]
    recorded = rs[(rs["RSEVAL"] == "INVESTIGATOR") & (rs["RSTESTCD"] == "NTRGRESP")]
    both = tp.merge(recorded[["USUBJID", "VISITNUM", "RSSTRESC"]], on=["USUBJID", "VISITNUM"])
    assert len(both) == 632
    assert (both["NTRGRESP"] == both["RSSTRESC"]).all()


def test_every_target_difference_is_a_nadir_progression_or_an_unmeasured_lesion(evaluated):
    """The generator (data-raw/rs_onco.R) compares sums with the baseline only and sums
    whatever was measured; RECIST 1.1 measures progression from the nadir (section 4.3.1) and
    makes a target response with a lesion not assessed NE unless it is already PD; after a CR
    (nadir 0 mm) a lesion reappearing at 5 mm or more is PD (docs/recist.md, edge case 3)."""
    pkg, _, tp = evaluated
    rs = pkg["RS"]
    recorded = rs[(rs["RSEVAL"] == "INVESTIGATOR") & (rs["RSTESTCD"] == "TRGRESP")]
    both = tp.merge(recorded[["USUBJID", "VISITNUM", "RSSTRESC"]], on=["USUBJID", "VISITNUM"])
    differ = both[both["TRGRESP"] != both["RSSTRESC"]]
    unmeasured = (differ["TRGRESP"] == "NE") & (differ["NMISS"] > 0)
    above_nadir = (differ["PCHGNAD"] >= 20) | (differ["NADIR"] == 0)  # a lesion reappearing after CR
    from_nadir = (differ["TRGRESP"] == "PD") & above_nadir & (differ["CHGNAD"] >= 5) & (differ["PCHG"] < 20)
    assert len(both) == 633
    assert (unmeasured | from_nadir).all()
    assert (int(unmeasured.sum()), int(from_nadir.sum())) == (20, 55)


def test_collected_sums_agree_with_the_computed_sums_of_diameter(evaluated):
    pkg, _, tp = evaluated
    assert compare_collected_sums(pkg["TR"], tp, SETTINGS).empty


def test_the_collected_sums_of_the_doubled_visit_differ_from_the_merged_assessment(as_published):
    """Without the fix (and without the gate), the two 9.2 assessments are one: 41 + 44 mm."""
    pkg = read_sdtm(as_published)
    subjects = _subjects(pkg, "first_dose")
    tp = evaluate_timepoints(pkg["TU"], pkg["TR"], SETTINGS, subjects=subjects)
    found = compare_collected_sums(pkg["TR"], tp, SETTINGS)
    assert found["MESSAGE"].tolist() == [
        "collected sum 41 mm, computed 85 mm",
        "collected sum 44 mm, computed 85 mm",
    ]


def test_five_targets_at_baseline_not_six(evaluated):
    pkg, subjects, _ = evaluated
    checks = check_baseline(pkg["TU"], pkg["TR"], SETTINGS, subjects=subjects)
    assert "TOO_MANY_TARGETS" not in set(checks["CHECK"])
    assert set(checks["CHECK"]) == {"TARGET_TOO_SMALL"}  # the generator draws diameters of 5-15 mm


def test_best_responses_differ_from_the_recorded_only_where_a_timepoint_difference_explains_it(evaluated):
    pkg, subjects, tp = evaluated
    ours = best_overall_response(tp, subjects, SETTINGS).set_index("USUBJID")
    rs = pkg["RS"]
    ovr = rs[(rs["RSEVAL"] == "INVESTIGATOR") & (rs["RSTESTCD"] == "OVRLRESP")]
    recorded_tp = pd.DataFrame(
        {
            "USUBJID": ovr["USUBJID"],
            "ADT": pd.to_datetime(ovr["RSDTC"]),
            "OVRLRESP": ovr["RSSTRESC"],
            "VISITNUM": ovr["VISITNUM"],
        }
    )
    theirs = best_overall_response(recorded_tp, subjects, SETTINGS).set_index("USUBJID")
    assessed = ours.index[ours["NASSESS"] > 0]
    assert (
        ours.loc[assessed, "BOR"].isin(["CR", "PR"]).sum(),
        theirs.loc[assessed, "BOR"].isin(["CR", "PR"]).sum(),
    ) > (0, 0)
    differ = ours.index[(ours["BOR"] != theirs["BOR"]) | (ours["CBOR"] != theirs["CBOR"])]
    tp_differ = tp.merge(
        recorded_tp[["USUBJID", "VISITNUM", "OVRLRESP"]], on=["USUBJID", "VISITNUM"], suffixes=("", "_RS")
    )
    explained = set(tp_differ.loc[tp_differ["OVRLRESP"] != tp_differ["OVRLRESP_RS"], "USUBJID"])
    assert set(differ) <= explained


def test_analyze_runs_on_the_fixed_package_and_the_report_lists_what_was_left_out(fixed, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["analyze", str(fixed), "--out", str(out), "--unknown-responses", "exclude"],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("&#39;CHECK&#39; is not an overall response; left out by the user&#39;s choice") == 3
    assert "baseline problem:" in result.output  # TARGET_TOO_SMALL, printed and listed
    adrs = pd.read_csv(out / "adam" / "adrs.csv", dtype=str, keep_default_na=False)
    assert (adrs.loc[adrs["PARAMCD"] == "BOR", "AVALC"].isin(["CR", "PR"])).any()
