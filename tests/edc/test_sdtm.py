"""SDTM from the EDC database: the project's conventions, and ``oncotrial analyze`` runs on it."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import create_record, record_assessment, record_dose
from oncotrial.edc.services.forms import (
    AdverseEventIn,
    DeathIn,
    DoseIn,
    EndOfTreatmentIn,
    SurvivalContactIn,
    TherapyIn,
    TumourAssessmentIn,
)
from oncotrial.edc.services.sdtm import export_sdtm, extract_sdtm

from .conftest import ENROLLED, enrolled_subject

D = dt.timedelta


def _assess(n, day, t1, t2, response):
    return TumourAssessmentIn.model_validate(
        {
            "visit_number": n,
            "visit": "BASELINE" if n == 1 else f"WEEK {6 * (n - 1)}",
            "assessment_date": day,
            "investigator_response": response,
            "measurements": [
                {"lesion": {"code": "T01", "category": "TARGET", "location": "LIVER"}, "diameter_mm": t1},
                {
                    "lesion": {"code": "T02", "category": "TARGET", "location": "LYMPH NODE"},
                    "diameter_mm": t2,
                },
            ],
        }
    )


def _cohort(world):
    """Two subjects at site 101: a confirmed responder alive, a progressor who died."""
    with world.session() as s:
        inv = world.user(s, "inv_a")
        ids = []
        for shrink, fate in ((0.5, "alive"), (1.3, "dead")):
            subject = enrolled_subject(s, inv)
            ids.append(subject.id)
            record_assessment(s, inv, subject.id, _assess(1, ENROLLED - D(2), 40, 20, None))
            for c in range(1, 4):
                day = ENROLLED + D(21 * (c - 1))
                record_dose(
                    s,
                    inv,
                    subject.id,
                    DoseIn(drug_code="NABP", cycle=c, dose_date=day, dose=260, unit="mg/m2"),
                )
                record_dose(
                    s, inv, subject.id, DoseIn(drug_code="PD1", cycle=c, dose_date=day, dose=200, unit="mg")
                )
            for n in (2, 3):
                factor = shrink ** (n - 1)
                resp = "PR" if shrink < 1 else "PD"
                record_assessment(
                    s, inv, subject.id, _assess(n, ENROLLED + D(42 * (n - 1)), 40 * factor, 20 * factor, resp)
                )
            create_record(s, inv, "adverse-events", subject.id, AdverseEventIn(
                term="Neutropenia", grade=3, serious=False, relatedness={"NABP": "RELATED", "PD1": "NOT RELATED"},
                start_date=ENROLLED + D(10), action_taken="DOSE REDUCED"))  # fmt: skip
            if fate == "dead":
                create_record(
                    s,
                    inv,
                    "end-of-treatment",
                    subject.id,
                    EndOfTreatmentIn(end_date=ENROLLED + D(90), reason_code="PROGRESSIVE_DISEASE"),
                )
                create_record(
                    s,
                    inv,
                    "therapies",
                    subject.id,
                    TherapyIn(
                        category="SUBSEQUENT ANTI-CANCER THERAPY",
                        name="bevacizumab",
                        start_date=ENROLLED + D(100),
                    ),
                )
                create_record(
                    s,
                    inv,
                    "death",
                    subject.id,
                    DeathIn(death_date=ENROLLED + D(200), cause="disease progression"),
                )
            else:
                create_record(
                    s,
                    inv,
                    "survival-contacts",
                    subject.id,
                    SurvivalContactIn(contact_date=ENROLLED + D(300), status="ALIVE"),
                )
        s.commit()
    return ids


def test_extracted_domains_follow_the_conventions(world):
    _cohort(world)
    with world.session() as s:
        sdtm = extract_sdtm(s)
    assert sorted(sdtm) == ["AE", "CM", "DM", "DS", "EX", "RS", "SV", "TR", "TU"]
    dm = sdtm["DM"]
    assert dm["USUBJID"].tolist() == ["PD1NABP-CC2-101-001", "PD1NABP-CC2-101-002"]
    assert dm["RFSTDTC"].tolist() == ["2024-01-10"] * 2 and dm["DTHFL"].tolist() == ["", "Y"]
    ex = sdtm["EX"]
    assert set(ex["EXCAT"]) == {"NABP", "PD1"} and set(ex["EXTRT"]) == {
        "albumin-bound paclitaxel",
        "anti-PD-1 antibody",
    }
    assert ex["EXDOSFRQ"].unique().tolist() == ["Q3W"] and ex["EXSPID"].iloc[0] == "CYCLE 1"
    ds = sdtm["DS"]
    eot = ds[ds["DSSCAT"] == "END OF TREATMENT"]
    assert eot[["DSDECOD", "DSCAT"]].values.tolist() == [["PROGRESSIVE DISEASE", "DISPOSITION EVENT"]]
    assert "ENROLLED" in set(ds["DSDECOD"])
    tr = sdtm["TR"]
    assert set(tr["TRTESTCD"]) == {"LDIAM", "LPERP"} and set(tr["TREVAL"]) == {"INVESTIGATOR"}
    assert sdtm["CM"]["CMCAT"].tolist() == ["SUBSEQUENT ANTI-CANCER THERAPY"]
    assert sdtm["AE"][["AETOXGR", "AEREL", "AERELNST"]].values.tolist()[0] == [
        "3",
        "Y",
        "albumin-bound paclitaxel: RELATED; anti-PD-1 antibody: NOT RELATED",
    ]
    assert "SURVIVAL FOLLOW-UP" in set(sdtm["SV"]["VISIT"])


def test_statistician_may_export_and_a_coordinator_may_not(world):
    from oncotrial.edc import Forbidden

    with world.session() as s:
        extract_sdtm(s, world.user(s, "stat"))
        with pytest.raises(Forbidden):
            extract_sdtm(s, world.user(s, "coord_a"))


def test_analysis_runs_on_the_exported_live_data(world, tmp_path):
    from oncotrial.cli.analyze import run_analysis

    _cohort(world)
    with world.session() as s:
        paths = export_sdtm(s, tmp_path / "sdtm", fmt="xpt")
    assert {p.name for p in paths} >= {"dm.xpt", "ex.xpt", "tu.xpt", "tr.xpt", "ds.xpt"}
    outputs = run_analysis(tmp_path / "sdtm", tmp_path / "analysis")
    assert outputs.results.exists() and outputs.report.exists()


def test_domain_export_over_http_is_for_exporters_only(api, world):
    _cohort(world)
    ok = api("stat", "GET", "/api/export/sdtm/dm.csv")
    assert ok.status_code == 200 and ok.text.splitlines()[0].startswith("STUDYID,DOMAIN,USUBJID")
    assert api("inv_a", "GET", "/api/export/sdtm/dm.csv").status_code == 403
    assert api("stat", "GET", "/api/export/sdtm/xx.csv").status_code == 404


@pytest.mark.postgres
def test_sqlite_and_postgresql_extract_identical_sdtm(_pg_engine):
    import pandas as pd

    from oncotrial.edc import Base, make_engine

    from .conftest import _empty, make_world

    sqlite = make_engine("sqlite://")
    Base.metadata.create_all(sqlite)
    _empty(_pg_engine)
    extracted = []
    for engine in (sqlite, _pg_engine):
        world = make_world(engine)
        _cohort(world)
        with world.session() as s:
            extracted.append(extract_sdtm(s))
    lite, pg = extracted
    assert sorted(lite) == sorted(pg)
    for name in lite:
        pd.testing.assert_frame_equal(lite[name], pg[name], check_dtype=True, obj=name)
