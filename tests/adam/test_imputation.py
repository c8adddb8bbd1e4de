"""Partial dates imputed by the protocol's rules (analysis.date_imputation), flagged, never
contradicting a known later date; contradictions are listed in ``date_findings``.

Each test names the date the code gave before these rules and why it was wrong.
"""

from __future__ import annotations

import pandas as pd
import pytest

from oncotrial.adam import build_adam, build_adsl
from oncotrial.errors import ValidationFailed
from oncotrial.protocol import Protocol

T = pd.Timestamp
NEW_THERAPY = "SUBSEQUENT ANTI-CANCER THERAPY"


def subject(u: str, **extra) -> dict:
    """Enrolled 2024-01-01, dosed 2024-01-02 and 2024-01-23."""
    return {
        "id": u,
        "entry": "2024-01-01",
        "first_dose": "2024-01-02",
        "doses": [("PD1", "2024-01-02", 200), ("PD1", "2024-01-23", 200)],
        **extra,
    }


def by_subject(frame: pd.DataFrame, paramcd: str | None = None) -> pd.DataFrame:
    rows = frame if paramcd is None else frame[frame["PARAMCD"] == paramcd]
    return rows.set_index("USUBJID")


# --- death ------------------------------------------------------------------------------


def test_partial_death_date_is_never_before_the_last_date_known_alive(make_sdtm, protocol: Protocol) -> None:
    # Known alive on 2024-03-20 (an AE starts then), died "2024-03": the first of the month
    # (what the code gave before) would put death 19 days before a documented contact.
    sdtm = make_sdtm([subject("S-1", death="2024-03", aes=[("Fatigue", "2024-03-20", 1)])])
    adsl = by_subject(build_adsl(sdtm, protocol))
    assert adsl.loc["S-1", "DTHDT"] == T("2024-03-20")
    assert adsl.loc["S-1", "DTHDTF"] == "D"
    assert adsl.loc["S-1", "LSTALVDT"] == T("2024-03-20")


def test_death_with_only_a_year_is_raised_within_the_year_and_flagged_m(
    make_sdtm, protocol: Protocol
) -> None:
    sdtm = make_sdtm([subject("S-1", death="2024", aes=[("Fatigue", "2024-03-20", 1)])])
    adsl = by_subject(build_adsl(sdtm, protocol))
    assert (adsl.loc["S-1", "DTHDT"], adsl.loc["S-1", "DTHDTF"]) == (T("2024-03-20"), "M")


def test_complete_death_date_is_not_flagged_and_not_moved(make_sdtm, protocol: Protocol) -> None:
    sdtm = make_sdtm([subject("S-1", death="2024-03-25", aes=[("Fatigue", "2024-03-20", 1)])])
    adam = build_adam(sdtm, protocol)
    adsl = by_subject(adam.adsl)
    assert (adsl.loc["S-1", "DTHDT"], adsl.loc["S-1", "DTHDTF"]) == (T("2024-03-25"), "")
    assert adam.date_findings.empty


def test_partial_death_month_before_last_alive_is_reported_not_moved(make_sdtm, protocol: Protocol) -> None:
    # "2024-02" cannot be on 2024-03-20: moving it there would invent a date the record
    # denies. The rule's date stands (first of February) and the contradiction is listed.
    sdtm = make_sdtm([subject("S-1", death="2024-02", aes=[("Fatigue", "2024-03-20", 1)])])
    adam = build_adam(sdtm, protocol)
    adsl = by_subject(adam.adsl)
    assert (adsl.loc["S-1", "DTHDT"], adsl.loc["S-1", "DTHDTF"]) == (T("2024-02-01"), "D")
    assert adsl.loc["S-1", "LSTALVDT"] == T("2024-02-01")  # capped at death, as always
    (finding,) = adam.date_findings.to_dict("records")
    assert finding["USUBJID"] == "S-1"
    assert (finding["VARIABLE"], finding["VALUE"], finding["CHECK"]) == (
        "DM.DTHDTC",
        "2024-02",
        "DEATH_BEFORE_LAST_ALIVE",
    )
    assert finding["MESSAGE"] == (
        "death date '2024-02' (imputed 2024-02-01) is before the last date known alive on 2024-03-20 "
        "(AE.AESTDTC); DTHDT is kept at 2024-02-01 and LSTALVDT capped at it: check both records"
    )


def test_complete_death_before_a_later_contact_is_reported(make_sdtm, protocol: Protocol) -> None:
    # Before, LSTALVDT was silently capped at the death date.
    sdtm = make_sdtm([subject("S-1", death="2024-03-01", aes=[("Fatigue", "2024-03-20", 1)])])
    adam = build_adam(sdtm, protocol)
    assert by_subject(adam.adsl).loc["S-1", "DTHDT"] == T("2024-03-01")
    assert adam.date_findings["CHECK"].tolist() == ["DEATH_BEFORE_LAST_ALIVE"]
    assert (
        "death date '2024-03-01' is before the last date known alive on 2024-03-20"
        in (adam.date_findings["MESSAGE"].iat[0])
    )


def test_partial_death_date_is_never_before_a_documented_assessment(make_sdtm, protocol: Protocol) -> None:
    # Scans on 2024-05-12 and "2024-05" (dated 2024-05-13, the day after the previous one);
    # death "2024-05". Last contact from complete dates: 2024-05-12; the later scan raises
    # the death date to 2024-05-13, so death never precedes a scan the subject attended.
    sdtm = make_sdtm([subject("S-1", death="2024-05", rs=[("2024-05-12", "SD"), ("2024-05", "PD")])])
    adam = build_adam(sdtm, protocol)
    ovr = by_subject(adam.adrs, "OVR")
    assert ovr["ADT"].tolist() == [T("2024-05-12"), T("2024-05-13")]
    assert ovr["ADTF"].tolist() == ["", "D"]
    adsl = by_subject(adam.adsl)
    assert (adsl.loc["S-1", "DTHDT"], adsl.loc["S-1", "DTHDTF"]) == (T("2024-05-13"), "D")
    assert adam.date_findings.empty


def test_os_event_carries_the_death_date_flag(make_sdtm, protocol: Protocol) -> None:
    sdtm = make_sdtm([subject("S-1", death="2024-03", aes=[("Fatigue", "2024-03-20", 1)])])
    os_row = by_subject(build_adam(sdtm, protocol).adtte, "OS").loc["S-1"]
    assert (os_row["ADT"], os_row["ADTF"], os_row["SRCVAR"], os_row["CNSR"]) == (
        T("2024-03-20"),
        "D",
        "DTHDT",
        0,
    )


def test_death_date_that_is_not_a_date_is_an_error_naming_the_variable(make_sdtm, protocol: Protocol) -> None:
    # Before, month 13 stopped the build with pandas' "month must be in 1..12" naming no
    # field, and text such as "UNK" was silently read as no death at all.
    for text in ("2024-13", "UNK"):
        sdtm = make_sdtm([subject("S-1", death=text)])
        with pytest.raises(ValidationFailed) as err:
            build_adsl(sdtm, protocol)
        (problem,) = err.value.problems
        assert str(problem) == f"DM.DTHDTC: not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}"
        assert problem.value == text


# --- tumour assessments -----------------------------------------------------------------


def test_partial_progression_date_is_the_first_of_the_month_and_flagged(
    make_sdtm, protocol: Protocol
) -> None:
    sdtm = make_sdtm([subject("S-1", rs=[("2024-02-13", "SD"), ("2024-04-20", "SD"), ("2024-05", "PD")])])
    adam = build_adam(sdtm, protocol)
    pd_row = by_subject(adam.adrs, "OVR").query("AVALC == 'PD'").loc["S-1"]
    assert (pd_row["ADT"], pd_row["ADTF"]) == (T("2024-05-01"), "D")
    pfs = by_subject(adam.adtte, "PFS").loc["S-1"]
    assert (pfs["ADT"], pfs["ADTF"], pfs["SRCDOM"], pfs["CNSR"]) == (T("2024-05-01"), "D", "ADRS", 0)
    assert pfs["SRCSEQ"] == pd_row["ASEQ"]
    assert by_subject(adam.adrs, "PD").loc["S-1", "ADTF"] == "D"  # the PD parameter's date too


def test_partial_rs_date_is_never_on_or_before_the_previous_assessment(make_sdtm, protocol: Protocol) -> None:
    # RS "2024-04" after a scan on 2024-04-20: before, the RS path dated it 2024-04-01, 19 days
    # before the scan it follows (the RECIST engine already did not); now 2024-04-21.
    sdtm = make_sdtm([subject("S-1", rs=[("2024-02-13", "SD"), ("2024-04-20", "SD"), ("2024-04", "PD")])])
    adam = build_adam(sdtm, protocol)
    ovr = by_subject(adam.adrs, "OVR")
    assert ovr["ADT"].tolist() == [T("2024-02-13"), T("2024-04-20"), T("2024-04-21")]
    assert ovr["ADTF"].tolist() == ["", "", "D"]
    assert by_subject(adam.adtte, "PFS").loc["S-1", "ADT"] == T("2024-04-21")
    assert adam.date_findings.empty


def test_partial_assessment_pushed_out_of_its_month_is_reported(make_sdtm, protocol: Protocol) -> None:
    # WEEK 18 "2024-04" follows WEEK 12 on 2024-05-20 (VISITNUM order): no day of April is
    # after it; the date goes after the previous scan, and the contradiction is listed.
    sdtm = make_sdtm([subject("S-1", rs=[("2024-02-13", "SD"), ("2024-05-20", "SD"), ("2024-04", "SD")])])
    adam = build_adam(sdtm, protocol)
    assert by_subject(adam.adrs, "OVR")["ADT"].iat[-1] == T("2024-05-21")
    (finding,) = adam.date_findings.to_dict("records")
    assert (finding["VARIABLE"], finding["VALUE"], finding["CHECK"]) == (
        "RS.RSDTC",
        "2024-04",
        "ASSESSMENT_AFTER_ITS_PERIOD",
    )
    assert finding["MESSAGE"].startswith(
        "WEEK 18: partial date '2024-04' lies before the previous assessment"
    )


# --- adverse events and new anti-cancer therapy ------------------------------------------


def test_adverse_event_start_is_flagged_and_raised_to_the_first_dose_within_its_month(
    make_sdtm, protocol: Protocol
) -> None:
    sdtm = make_sdtm(
        [subject("S-1", aes=[("Rash", "2024-01", 1), ("Cough", "2023-11", 1), ("Pain", "2024-02-03", 2)])]
    )
    adae = build_adam(sdtm, protocol).adae.set_index("AEDECOD")
    assert (adae.loc["Rash", "ASTDT"], adae.loc["Rash", "ASTDTF"]) == (T("2024-01-02"), "D")
    assert (adae.loc["Cough", "ASTDT"], adae.loc["Cough", "ASTDTF"]) == (T("2023-11-01"), "D")
    assert (adae.loc["Pain", "ASTDT"], adae.loc["Pain", "ASTDTF"]) == (T("2024-02-03"), "")
    assert adae.loc["Rash", "TRTEMFL"] == "Y" and adae.loc["Cough", "TRTEMFL"] == ""


def test_new_therapy_partial_date_is_the_first_of_the_month_and_flagged(
    make_sdtm, protocol: Protocol
) -> None:
    sdtm = make_sdtm([subject("S-1", cm=[(NEW_THERAPY, "2024-03")]), subject("S-2")])
    adsl = by_subject(build_adsl(sdtm, protocol))
    assert (adsl.loc["S-1", "NACTDT"], adsl.loc["S-1", "NACTDTF"]) == (T("2024-03-01"), "D")
    assert pd.isna(adsl.loc["S-2", "NACTDT"]) and adsl.loc["S-2", "NACTDTF"] == ""


def test_rules_come_from_the_protocol(protocol: Protocol) -> None:
    rules = protocol.analysis.date_imputation
    assert rules.death.not_before == ["last_known_alive", "tumour_assessment"]
    assert rules.tumour_assessment.not_before == ["previous_assessment"]
    assert rules.adverse_event_start.not_before == ["first_dose"]
    assert rules.source_of("death").is_assumption


def test_death_rule_without_floors_keeps_the_first_of_the_month(make_sdtm, protocol: Protocol) -> None:
    rules = protocol.analysis.date_imputation
    bare = rules.model_copy(update={"death": rules.death.model_copy(update={"not_before": []})})
    changed = protocol.model_copy(
        update={"analysis": protocol.analysis.model_copy(update={"date_imputation": bare})}
    )
    sdtm = make_sdtm([subject("S-1", death="2024-03", aes=[("Fatigue", "2024-03-20", 1)])])
    adam = build_adam(sdtm, changed)
    assert by_subject(adam.adsl).loc["S-1", "DTHDT"] == T("2024-03-01")
    assert adam.date_findings.empty  # no floor asked for, none checked


def test_baseline_tumour_date_flag_is_blank_when_a_record_of_the_day_is_complete(protocol: Protocol) -> None:
    from oncotrial.adam._imputation import baseline_date_flags

    tr = pd.DataFrame(
        {
            "USUBJID": ["S-1", "S-1", "S-2", "S-2", "S-3"],
            "TRDTC": ["2023-12", "2024-01-20", "2023-12", "2023-12-01", "2023-11-20"],
        }
    )
    subjects = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-3"], "REFSTDT": [T("2024-01-02")] * 3})
    rule = protocol.analysis.date_imputation.tumour_assessment
    flags = baseline_date_flags(tr, subjects, "INVESTIGATOR", rule)
    # S-1: baseline "2023-12" (2024-01-20 is after the start); S-2: the complete record of
    # 2023-12-01 makes that day known; S-3: complete
    assert flags.to_dict() == {"S-1": "D", "S-2": "", "S-3": ""}


def test_death_month_before_a_partially_dated_scan_is_reported(make_sdtm, protocol: Protocol) -> None:
    # Died "2024-04", yet scanned in "2024-05" (dated 2024-05-01): no complete record says
    # so (last contact 2024-02-13), only the scan does; the contradiction is listed.
    sdtm = make_sdtm([subject("S-1", death="2024-04", rs=[("2024-02-13", "SD"), ("2024-05", "SD")])])
    adam = build_adam(sdtm, protocol)
    assert by_subject(adam.adsl).loc["S-1", "DTHDT"] == T("2024-04-01")
    (finding,) = adam.date_findings.to_dict("records")
    assert (finding["CHECK"], finding["VALUE"]) == ("DEATH_BEFORE_ASSESSMENT", "2024-04")
    assert finding["MESSAGE"].startswith(
        "death date '2024-04' (imputed 2024-04-01) is before a tumour assessment on 2024-05-01 (ADRS.ADT)"
    )
