"""``check_sdtm``, the gate: variants of the demo's own SDTM that used to pass and then gave
wrong results (or a traceback), each now an error or a warning naming file, variable, row and value.

The demo SDTM is the simulator's cohort (seed 7) written as CSV, which passes the check
cleanly; each test changes one thing, as a user's data might differ.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.errors import ValidationFailed
from oncotrial.protocol import load_protocol
from oncotrial.sdtm import SdtmCheck, SdtmPackage, check_sdtm, load_sdtm, read_sdtm, write_sdtm
from oncotrial.simulate import simulate_cohort

runner = CliRunner()
PROTOCOL = load_protocol()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-sdtm")
    write_sdtm(SdtmPackage(simulate_cohort(PROTOCOL, seed=7).sdtm), folder, fmt="csv")
    return folder


def variant(demo: Path, tmp_path: Path, domain: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    """A copy of the demo folder with ``change`` applied to one domain's CSV (text as written)."""
    folder = tmp_path / "sdtm"
    shutil.copytree(demo, folder)
    path = folder / f"{domain}.csv"
    change(pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)
    return folder


def check(folder: Path, **choices: str) -> SdtmCheck:
    return check_sdtm(read_sdtm(folder), protocol=PROTOCOL, **choices)


def messages(found) -> list[str]:
    return [str(p) for p in found]


def first_row(df: pd.DataFrame, **where: str) -> int:
    mask = pd.Series(True, index=df.index)
    for column, value in where.items():
        mask &= df[column] == value
    return int(mask.to_numpy().nonzero()[0][0])


def test_the_demo_sdtm_passes_cleanly(demo):
    result = check(demo)
    assert (result.errors, result.warnings, result.notes) == ((), (), ())


def test_lower_case_test_code_is_an_error_naming_the_term_to_write(demo, tmp_path):
    # Before: 'ldiam' was not a target measure, so every lesion was "not measured": ORR 0, no PFS event.
    def lower(tr):
        tr.loc[tr["TRTESTCD"] == "LDIAM", "TRTESTCD"] = "ldiam"
        return tr

    result = check(variant(demo, tmp_path, "tr", lower))
    row = first_row(pd.read_csv(tmp_path / "sdtm" / "tr.csv", dtype=str), TRTESTCD="ldiam")
    assert messages(result.errors)[0] == (
        f"tr.csv.TRTESTCD[{row}]: 'ldiam' is not a controlled term: write 'LDIAM' (tumour/lesion test code)"
    )
    assert result.errors[0].value == "ldiam"


def test_test_code_outside_cdisc_terminology_is_an_error(demo, tmp_path):
    def saxis(tr):
        tr.loc[tr["TRTESTCD"] == "LPERP", "TRTESTCD"] = "SAXIS"
        return tr

    result = check(variant(demo, tmp_path, "tr", saxis))
    assert (
        "'SAXIS'" not in messages(result.errors)[0]
    )  # the message names the code's place, the value is carried
    assert result.errors[0].value == "SAXIS"
    assert (
        "not a CDISC tumour test code; RECIST 1.1 reads DIAMETER, LDIAM, LPERP, TUMSTATE, SUMDIAM"
        in (messages(result.errors)[0])
    )


def test_lower_case_recorded_response_is_an_error(demo, tmp_path):
    # Before (--response-source rs): 'pd' was no PD: ADRS had 22 PDs, ADTTE counted 3 PFS events.
    def lower(rs):
        rs["RSSTRESC"] = rs["RSSTRESC"].str.lower()
        return rs

    result = check(variant(demo, tmp_path, "rs", lower))
    assert result.errors and all(p.loc[:2] == ("rs.csv", "RSSTRESC") for p in result.errors)
    assert "is not a controlled term: write 'PD' (overall response)" in " ".join(messages(result.errors))


@pytest.mark.parametrize(("variable", "term"), [("DSDECOD", "DEATH"), ("DSSCAT", "END OF TREATMENT")])
def test_lower_case_disposition_term_is_an_error(demo, tmp_path, variable, term):
    # Before: 17 end-of-treatment reasons were relabelled (DSSCAT lower case: the EOT record was lost).
    def lower(ds):
        ds.loc[ds[variable] == term, variable] = term.lower()
        return ds

    result = check(variant(demo, tmp_path, "ds", lower))
    assert f"is not a controlled term: write '{term}'" in messages(result.errors)[0]
    assert result.errors[0].loc[:2] == ("ds.csv", variable)


def test_lower_case_medication_category_is_an_error(demo, tmp_path):
    # Before: every new-therapy date was dropped, so PFS ignored new anti-tumour therapy.
    def lower(cm):
        cm["CMCAT"] = cm["CMCAT"].str.lower()
        return cm

    result = check(variant(demo, tmp_path, "cm", lower))
    assert "write 'SUBSEQUENT ANTI-CANCER THERAPY' (medication category)" in messages(result.errors)[0]


def test_a_tr_row_repeated_value_for_value_is_counted_once_with_a_warning(demo, tmp_path):
    # Before: a lesion counted twice (SD became PD). The repeat carries no new fact.
    def repeat(tr):
        return pd.concat([tr, tr[tr["TRGRPID"] == "TARGET"].iloc[[3]]], ignore_index=True)

    folder = variant(demo, tmp_path, "tr", repeat)
    result = check(folder)
    assert result.errors == ()
    assert messages(result.warnings) == [
        f"tr.csv.VISITNUM[{len(pd.read_csv(folder / 'tr.csv')) - 1}]: 1 tumour records repeat another record "
        "value for value (all but --SEQ); each is counted once"
    ]
    assert len(result.package["TR"]) == len(read_sdtm(demo)["TR"])


def test_two_different_values_for_one_lesion_at_one_visit_are_an_error(demo, tmp_path):
    def conflict(tr):
        extra = tr[tr["TRGRPID"] == "TARGET"].iloc[[3]].copy()
        extra["TRSTRESN"] = extra["TRSTRESC"] = "99"
        extra["TRSEQ"] = "9999"
        return pd.concat([tr, extra], ignore_index=True)

    result = check(variant(demo, tmp_path, "tr", conflict))
    (error,) = result.errors
    assert error.code == "duplicate"
    assert "tumour recorded twice with different values: USUBJID" in str(error)
    assert ", 99 " in str(error) or ", 99)" in str(error)  # both values are shown


def test_a_trailing_space_in_usubjid_is_an_error(demo, tmp_path):
    # Before: the subject lost its tumour data (no match with DM), without a word.
    def spaced(tr):
        tr.loc[0, "USUBJID"] = tr.loc[0, "USUBJID"] + " "
        return tr

    result = check(variant(demo, tmp_path, "tr", spaced))
    found = messages(result.errors)
    assert "tr.csv.USUBJID[0]: has spaces before or after the value" in found
    assert any("is not in DM: give it a DM record" in m for m in found)


@pytest.mark.parametrize("domain", ["tr", "ae", "ex"])
def test_a_subject_missing_from_dm_is_an_error(demo, tmp_path, domain):
    def stranger(df):
        df.loc[df.index[0], "USUBJID"] = "NOBODY-999"
        return df

    result = check(variant(demo, tmp_path, domain, stranger))
    assert f"{domain}.csv.USUBJID[0]: subject 'NOBODY-999' (1 rows) is not in DM: give it a DM record" in (
        messages(result.errors)
    )


def test_a_duplicate_sequence_number_is_an_error(demo, tmp_path):
    def reuse(ae):
        ae.loc[1, "AESEQ"] = ae.loc[0, "AESEQ"]
        ae.loc[1, "USUBJID"] = ae.loc[0, "USUBJID"]
        return ae

    result = check(variant(demo, tmp_path, "ae", reuse))
    assert any(
        m.startswith("ae.csv.AESEQ[1]: ") and "is used by another record" in m
        for m in messages(result.errors)
    )


def test_a_missing_ae_file_is_a_warning(demo, tmp_path):
    folder = tmp_path / "sdtm"
    shutil.copytree(demo, folder)
    (folder / "ae.csv").unlink()
    result = check(folder)
    assert result.errors == ()
    assert messages(result.warnings) == [
        "AE: no AE file: the report will say no adverse events were recorded; give an AE file "
        "(an empty one with its variables says 'none recorded')"
    ]


def test_an_impossible_date_names_file_variable_row_and_value(demo, tmp_path):
    def feb30(ae):
        ae.loc[2, "AESTDTC"] = "2024-02-30"
        return ae

    result = check(variant(demo, tmp_path, "ae", feb30))
    assert messages(result.errors) == ["ae.csv.AESTDTC[2]: no such day in the calendar"]
    assert result.errors[0].value == "2024-02-30"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("24-01-05", "not an ISO 8601 date"),
        ("2024-13", "no such day in the calendar"),
        ("2263-01-01", "year 2263 is not plausible (1900-2200)"),
        ("2024---15", "a date with an unknown month and a known day cannot be used"),
        ("2024-01-05T25:00", "no such time of day"),
    ],
)
def test_dates_that_are_not_dates_are_errors(demo, tmp_path, value, reason):
    def bad(ex):
        ex.loc[0, "EXSTDTC"] = value
        return ex

    result = check(variant(demo, tmp_path, "ex", bad))
    assert messages(result.errors)[0].startswith(f"ex.csv.EXSTDTC[0]: {reason}")


@pytest.mark.parametrize(
    "value", ["2024", "2024-03", "2024-03-05", "2024-03-05T10:30", "2024-03-05T10:30:15Z"]
)
def test_partial_and_timed_iso_dates_are_accepted(demo, tmp_path, value):
    def dated(ae):
        ae.loc[0, "AESTDTC"] = value
        return ae

    assert check(variant(demo, tmp_path, "ae", dated)).errors == ()


def test_an_empty_required_domain_is_an_error(demo, tmp_path):
    result = check(variant(demo, tmp_path, "ex", lambda ex: ex.iloc[0:0]))
    assert "EX: required domain EX has no rows" in messages(result.errors)


@pytest.mark.parametrize(
    ("domain", "change"),
    [
        ("ex", lambda ex: ex.iloc[0:0]),
        ("ae", lambda ae: ae.assign(AESTDTC=["2024-02-30"] * len(ae))),
        ("ex", lambda ex: ex.assign(USUBJID="NOBODY-999")),
    ],
    ids=["empty EX", "2024-02-30", "subject not in DM"],
)
def test_inputs_that_used_to_crash_analyze_exit_2_with_errors_and_no_traceback(
    demo, tmp_path, domain, change
):
    folder = variant(demo, tmp_path, domain, change)
    result = runner.invoke(app, ["analyze", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "error:" in result.output
    assert not (tmp_path / "out" / "report.html").exists()


def test_check_changes_nothing_it_was_given(demo):
    package = read_sdtm(demo)
    before = {name: df.copy() for name, df in package.items()}
    check_sdtm(package, protocol=PROTOCOL, unknown_states="ne", unknown_responses="exclude")
    for name, df in package.items():
        pd.testing.assert_frame_equal(df, before[name])


def test_load_sdtm_raises_every_error_at_once(demo, tmp_path):
    def two(ae):
        ae.loc[0, "AESTDTC"] = "2024-02-30"
        ae.loc[1, "AETOXGR"] = "Grade 3"
        return ae

    with pytest.raises(ValidationFailed) as err:
        load_sdtm(variant(demo, tmp_path, "ae", two), protocol=PROTOCOL)
    assert [p.loc for p in err.value.problems] == [("ae.csv", "AESTDTC", 0), ("ae.csv", "AETOXGR", 1)]


def test_sdtm_check_command_prints_errors_and_warnings_and_exits_2(demo, tmp_path):
    def both(ae):
        ae.loc[0, "AESEV"] = "mild"
        return ae

    folder = variant(demo, tmp_path, "ae", both)
    (folder / "cm.csv").unlink()
    result = runner.invoke(app, ["sdtm", "check", str(folder)], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert (
        "error: " in result.output
        and "ae.csv.AESEV[0]: 'mild' is not a controlled term: write 'MILD'" in (result.output)
    )
