"""The gate on tumour data: lesion states, test codes, results, units and recorded responses.

Small hand-made tables; each test says what the old engine read silently and what happens now.
Accepted spellings are those of data/vocabulary.toml (docs/sdtm.md lists them with sources).
"""

from __future__ import annotations

import pandas as pd
import pytest

from oncotrial.protocol import load_protocol
from oncotrial.recist import RecistSettings, best_overall_response, evaluate_timepoints
from oncotrial.sdtm import SdtmPackage, check_sdtm

PROTOCOL = load_protocol()
SETTINGS = RecistSettings.from_protocol(PROTOCOL)
S = "S-001"


def package(
    tr_rows: list[dict], rs_rows: list[dict] | None = None, tu_rows: list[dict] | None = None
) -> SdtmPackage:
    """One subject (first dose 2024-01-10) with the given TR (and RS, TU) rows."""
    base = {"STUDYID": "S", "USUBJID": S}
    tu = tu_rows or [
        {**base, "TULNKID": "T01", "TUSTRESC": "TARGET", "TULOC": "LIVER"},
        {**base, "TULNKID": "NT01", "TUSTRESC": "NON-TARGET", "TULOC": "LUNG"},
    ]
    domains = {
        "DM": pd.DataFrame([{**base, "SUBJID": "001", "SITEID": "01", "RFSTDTC": "2024-01-10", "SEX": "F"}]),
        "EX": pd.DataFrame(
            [
                {
                    **base,
                    "EXTRT": "anti-PD-1 antibody",
                    "EXCAT": "PD1",
                    "EXDOSE": 200.0,
                    "EXSTDTC": "2024-01-10",
                }
            ]
        ),
        "DS": pd.DataFrame(
            [{**base, "DSDECOD": "ENROLLED", "DSCAT": "PROTOCOL MILESTONE", "DSSTDTC": "2024-01-09"}]
        ),
        "AE": pd.DataFrame(columns=["STUDYID", "USUBJID", "AETERM", "AEDECOD", "AESTDTC"]),
        "TU": pd.DataFrame(tu),
        "TR": pd.DataFrame([{**base, **r} for r in tr_rows]),
    }
    if rs_rows:
        domains["RS"] = pd.DataFrame([{**base, **r} for r in rs_rows])
    return SdtmPackage(domains, files={"TR": "tr.csv", "RS": "rs.csv", "TU": "tu.csv"})


def visit(n: int, date: str, target: float | None, nt_state: str, **extra) -> list[dict]:
    common = {"VISITNUM": float(n), "VISIT": f"V{n}", "TRDTC": date, "TREVAL": "INVESTIGATOR"}
    rows = [
        {
            **common,
            "TRGRPID": "TARGET",
            "TRLNKID": "T01",
            "TRTESTCD": "LDIAM",
            "TRSTRESN": target,
            "TRSTRESC": "" if target is None else f"{target:g}",
            "TRSTRESU": "mm",
        },
        {
            **common,
            "TRGRPID": "NON-TARGET",
            "TRLNKID": "NT01",
            "TRTESTCD": "TUMSTATE",
            "TRSTRESN": None,
            "TRSTRESC": nt_state,
            "TRSTRESU": "",
        },
    ]
    if "new" in extra:
        rows.append(
            {
                **common,
                "TRGRPID": "NEW",
                "TRLNKID": "NEW01",
                "TRTESTCD": "TUMSTATE",
                "TRSTRESN": None,
                "TRSTRESC": extra["new"],
                "TRSTRESU": "",
            }
        )
    return rows


def responses(pkg: SdtmPackage, column: str = "OVRLRESP") -> list[str]:
    subjects = pd.DataFrame({"USUBJID": [S], "REFSTDT": [pd.Timestamp("2024-01-10")]})
    return evaluate_timepoints(pkg["TU"], pkg["TR"], SETTINGS, subjects=subjects)[column].tolist()


@pytest.mark.parametrize("spelling", ["UNEQUIVOCAL PROGRESSION", "UNEQUIVOCAL"])
def test_non_target_progression_in_either_accepted_spelling_is_pd(spelling):
    # Before: 'UNEQUIVOCAL' (CDISC CT, pharmaversesdtm) was read as not evaluated: SD, not PD.
    pkg = package([*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, spelling)])
    result = check_sdtm(pkg, protocol=PROTOCOL)
    assert result.errors == ()
    assert responses(result.package) == ["PD"]


@pytest.mark.parametrize("spelling", ["NOT EVALUABLE", "NE", "NOT ASSESSABLE", "NOT DONE"])
def test_non_target_not_evaluated_in_each_accepted_spelling_is_ne(spelling):
    pkg = package([*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, spelling)])
    result = check_sdtm(pkg, protocol=PROTOCOL)
    assert result.errors == ()
    assert responses(result.package, "NTRGRESP") == ["NE"]
    assert responses(result.package) == ["SD"]  # SD targets, non-target not all evaluated: SD (Table 1)


def test_lower_case_state_is_an_error_with_the_spelling_to_write():
    pkg = package([*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, "unequivocal")])
    (error,) = check_sdtm(pkg, protocol=PROTOCOL).errors
    assert (
        str(error)
        == "tr.csv.TRSTRESC[3]: 'unequivocal' is not a controlled term: write 'UNEQUIVOCAL' (non-target lesion state)"
    )


def test_an_unknown_state_stops_unless_the_user_chooses_ne():
    pkg = package([*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, "PROGRESSION")])
    (error,) = check_sdtm(pkg, protocol=PROTOCOL).errors
    assert str(error) == (
        "tr.csv.TRSTRESC[3]: S-001 VISITNUM 2 NT01: 'PROGRESSION' is not a non-target lesion state (ABSENT, "
        "PRESENT, UNEQUIVOCAL PROGRESSION (or UNEQUIVOCAL), NOT EVALUABLE (or NE, NOT ASSESSABLE, NOT DONE)); "
        "fix the data, or choose --unknown-states ne to read such a state as not evaluable"
    )
    chosen = check_sdtm(pkg, protocol=PROTOCOL, unknown_states="ne")
    assert chosen.errors == ()
    assert [str(w) for w in chosen.warnings] == [
        "tr.csv.TRSTRESC[3]: S-001 VISITNUM 2 NT01: 'PROGRESSION' is not a non-target lesion state; "
        "read as NOT EVALUABLE (--unknown-states ne)"
    ]
    assert chosen.notes == (
        "tr.csv row 3: S-001 VISITNUM 2 NT01: TRSTRESC 'PROGRESSION' is not a non-target lesion state; read as "
        "not evaluable by the user's choice",
    )
    assert responses(chosen.package, "NTRGRESP") == ["NE"]


def test_the_engine_itself_refuses_an_unknown_state_instead_of_reading_ne():
    pkg = package([*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, "PROGRESSION")])
    with pytest.raises(ValueError, match="'PROGRESSION' is not a non-target lesion state"):
        responses(pkg)


def test_new_lesion_states_equivocal_unequivocal_and_a_blank_state():
    base = [*visit(1, "2024-01-05", 40, "PRESENT")]
    assert responses(package([*base, *visit(2, "2024-02-20", 38, "PRESENT", new="UNEQUIVOCAL")])) == ["PD"]
    assert responses(package([*base, *visit(2, "2024-02-20", 38, "PRESENT", new="EQUIVOCAL")])) == ["SD"]
    assert responses(package([*base, *visit(2, "2024-02-20", 38, "PRESENT", new="ABSENT")])) == ["SD"]
    # Before: a new-lesion record without a state was read as an unequivocal new lesion (PD).
    blank = package([*base, *visit(2, "2024-02-20", 38, "PRESENT", new="")])
    (error,) = check_sdtm(blank, protocol=PROTOCOL).errors
    assert "S-001 VISITNUM 2 NEW01: '' is not a new lesion state" in str(error)


def test_a_target_result_given_as_text_is_read_only_if_it_is_a_listed_term():
    rows = [*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", None, "PRESENT")]
    rows[2]["TRSTRESC"] = "TOO SMALL TO MEASURE"
    (error,) = check_sdtm(package(rows), protocol=PROTOCOL).errors
    assert "'TOO SMALL TO MEASURE' is not a target lesion result without a number" in str(error)
    rows[2]["TRSTRESC"] = "12"  # a number in TRSTRESC with TRSTRESN empty: the engine reads TRSTRESN
    (error,) = check_sdtm(package(rows), protocol=PROTOCOL).errors
    assert str(error) == "tr.csv.TRSTRESN[2]: empty, but TRSTRESC holds a number: the engine reads TRSTRESN"


def test_a_measurement_in_cm_or_negative_is_an_error_and_no_unit_is_a_warning():
    rows = [*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 3.8, "PRESENT")]
    rows[2]["TRSTRESU"] = "cm"
    (error,) = check_sdtm(package(rows), protocol=PROTOCOL).errors
    assert str(error) == "tr.csv.TRSTRESU[2]: lesion measurements must be in mm (TRSTRESN in standard units)"
    rows[2]["TRSTRESU"], rows[2]["TRSTRESN"] = "mm", -3.0
    (error,) = check_sdtm(package(rows), protocol=PROTOCOL).errors
    assert str(error) == "tr.csv.TRSTRESN[2]: a diameter cannot be negative"
    rows[2]["TRSTRESU"], rows[2]["TRSTRESN"] = "", 38.0
    result = check_sdtm(package(rows), protocol=PROTOCOL)
    assert result.errors == ()
    assert [str(w) for w in result.warnings] == [
        "tr.csv.TRSTRESU[2]: 1 measurements have no unit; they are read as mm"
    ]


def test_lesion_group_must_be_given_and_known():
    rows = [*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, "PRESENT")]
    rows[2]["TRGRPID"] = "TARGET LESION"
    rows[3]["TRGRPID"] = ""
    found = [str(e) for e in check_sdtm(package(rows), protocol=PROTOCOL).errors]
    assert found == [
        "tr.csv.TRGRPID[3]: empty: every row needs its lesion group",
        "tr.csv.TRGRPID[2]: not a lesion group: expected TARGET, NON-TARGET, NEW",
    ]


def test_a_non_target_lesion_measured_without_a_state_is_an_error():
    rows = [*visit(1, "2024-01-05", 40, "PRESENT"), *visit(2, "2024-02-20", 38, "PRESENT")]
    rows[3].update(TRTESTCD="LDIAM", TRSTRESN=12.0, TRSTRESC="12", TRSTRESU="mm")
    (error,) = check_sdtm(package(rows), protocol=PROTOCOL).errors
    assert str(error) == (
        "tr.csv.TRTESTCD[3]: S-001 VISITNUM 2 NT01: a non-target lesion measured without a state (TUMSTATE) "
        "record at this assessment; RECIST reads it by its state"
    )


@pytest.mark.parametrize("location", ["lymph node", "PELVIC NODE", "Lymph nodes, pelvic"])
def test_a_node_location_that_is_not_a_cdisc_lymph_node_term_is_an_error(location):
    # Before: a node at "pelvic node" was read as non-nodal: measured by its long axis, no 10 mm CR rule.
    tu = [{"STUDYID": "S", "USUBJID": S, "TULNKID": "T01", "TUSTRESC": "TARGET", "TULOC": location}]
    rows = [r for r in visit(1, "2024-01-05", 40, "PRESENT") if r["TRGRPID"] == "TARGET"]
    (error,) = check_sdtm(package(rows, tu_rows=tu), protocol=PROTOCOL).errors
    assert error.loc == ("tu.csv", "TULOC", 0) and error.value == location


def test_a_cdisc_lymph_node_location_is_a_node_measured_by_its_short_axis():
    tu = [
        {"STUDYID": "S", "USUBJID": S, "TULNKID": "T01", "TUSTRESC": "TARGET", "TULOC": "PELVIC LYMPH NODE"}
    ]
    common = {"TRGRPID": "TARGET", "TRLNKID": "T01", "TREVAL": "INVESTIGATOR", "TRSTRESU": "mm"}
    rows = []
    for n, date, long_axis, short_axis in ((1, "2024-01-05", 30, 20), (2, "2024-02-20", 14, 8)):
        for test, value in (("LDIAM", long_axis), ("LPERP", short_axis)):
            rows.append(
                {
                    **common,
                    "TRTESTCD": test,
                    "TRSTRESN": float(value),
                    "TRSTRESC": str(value),
                    "VISITNUM": float(n),
                    "VISIT": f"V{n}",
                    "TRDTC": date,
                }
            )
    result = check_sdtm(package(rows, tu_rows=tu), protocol=PROTOCOL)
    assert result.errors == ()
    # short axis 20 -> 8 mm: a node below 10 mm is CR (by the long axis it would be a PR)
    assert responses(result.package) == ["CR"]


def rs_rows(values: list[tuple[str, str, str]]) -> list[dict]:
    return [
        {
            "RSTESTCD": "OVRLRESP",
            "RSSTRESC": v,
            "RSSTAT": stat,
            "RSEVAL": "INVESTIGATOR",
            "VISITNUM": float(i + 2),
            "VISIT": f"WEEK {6 * (i + 1)}",
            "RSDTC": d,
        }
        for i, (d, v, stat) in enumerate(values)
    ]


def test_a_recorded_response_that_is_not_a_response_names_file_row_subject_date_and_value():
    # Before: "timepoints.OVRLRESP: not a response", with no location.
    rows = [*visit(1, "2024-01-05", 40, "PRESENT")]
    rs = rs_rows([("2024-02-20", "PR", ""), ("2024-03-20", "CHECK", ""), ("2024-04-20", "PR", "")])
    (error,) = check_sdtm(package(rows, rs), protocol=PROTOCOL).errors
    assert str(error) == (
        "rs.csv.RSSTRESC[1]: S-001 on 2024-03-20 (WEEK 12): 'CHECK' is not an overall response (CR, PR, SD, "
        "NON-CR/NON-PD, PD, NE (or NOT EVALUABLE, NOT ASSESSABLE)); fix the data, or choose "
        "--unknown-responses exclude to leave such records out"
    )
    assert error.value == "CHECK"


def test_excluding_unknown_responses_leaves_them_out_and_lists_each():
    rows = [*visit(1, "2024-01-05", 40, "PRESENT")]
    rs = rs_rows([("2024-02-20", "PR", ""), ("2024-03-20", "CHECK", ""), ("2024-04-20", "PR", "")])
    result = check_sdtm(package(rows, rs), protocol=PROTOCOL, unknown_responses="exclude")
    assert result.errors == ()
    assert result.package["RS"]["RSSTRESC"].tolist() == ["PR", "PR"]
    assert result.notes == (
        "rs.csv row 1: S-001 on 2024-03-20 (WEEK 12): RSSTRESC 'CHECK' is not an overall response; left out by "
        "the user's choice",
    )
    subjects = pd.DataFrame({"USUBJID": [S], "REFSTDT": [pd.Timestamp("2024-01-10")]})
    tp = result.package["RS"].assign(
        ADT=lambda d: pd.to_datetime(d["RSDTC"]), OVRLRESP=lambda d: d["RSSTRESC"]
    )
    assert best_overall_response(tp, subjects, SETTINGS)["CBOR"].tolist() == ["PR"]


def test_recorded_not_evaluable_spellings_and_not_done_become_ne():
    rows = [*visit(1, "2024-01-05", 40, "PRESENT")]
    rs = rs_rows(
        [("2024-02-20", "NOT EVALUABLE", ""), ("2024-03-20", "", "NOT DONE"), ("2024-04-20", "", "")]
    )
    result = check_sdtm(package(rows, rs), protocol=PROTOCOL, unknown_responses="exclude")
    # an empty response without RSSTAT = NOT DONE is not a response: left out by the choice
    assert result.package["RS"]["RSSTRESC"].tolist() == ["NE", "NE"]
    assert len(result.notes) == 1 and "RSSTRESC '' is not an overall response" in result.notes[0]
