"""Enter a virtual cohort into the EDC through its service layer, as the sites would.

Every form goes through the same services (and so the same edit checks) as the web
forms and the API: screening with the protocol's eligibility rules, enrollment, each
dose against the protocol's limits, each tumour assessment against the RECIST
baseline rules (with the computed response compared with the investigator's), adverse
events, subsequent therapy, end of treatment, survival contacts and deaths. A record a
real site could not store raises :class:`~oncotrial.errors.ValidationFailed`; nothing
is committed here (the caller's unit of work commits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncotrial.edc import (
    Query,
    create_record,
    create_site,
    create_user,
    enroll_subject,
    record_assessment,
    record_dose,
    screen_subject,
    setup_trial,
)
from oncotrial.edc.services.forms import (
    AdverseEventIn,
    DeathIn,
    DoseIn,
    EndOfTreatmentIn,
    EnrollIn,
    LesionIn,
    MeasurementIn,
    ScreeningIn,
    SurvivalContactIn,
    TherapyIn,
    TumourAssessmentIn,
)
from oncotrial.protocol import LoadedProtocol
from oncotrial.simulate._cohort import SimulatedTrial

__all__ = ["EdcEntry", "enter_into_edc"]


@dataclass(frozen=True)
class EdcEntry:
    """What was entered, and the sign-in of each site's investigator."""

    screened: int
    enrolled: int
    forms: int
    open_queries: int
    users: dict[str, str]  # username -> site code

    def to_dict(self) -> dict[str, Any]:
        return {
            "screened": self.screened,
            "enrolled": self.enrolled,
            "forms": self.forms,
            "open_queries": self.open_queries,
            "users": self.users,
        }


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _by_subject(frame: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if frame is None or frame.empty:
        return {}
    return {k: g for k, g in frame.groupby("USUBJID", sort=False)}


def enter_into_edc(
    trial: SimulatedTrial, session: Session, *, loaded: LoadedProtocol, password: str
) -> EdcEntry:
    """Set the trial up in an empty EDC database and enter the whole cohort.

    One investigator per center (``inv<site>``, with ``password``) enters that center's
    patients, in the order they were screened.
    """
    setup_trial(session, loaded)
    sdtm = trial.sdtm
    sites = sorted(trial.screening["SITEID"].unique())
    users = {}
    for code in sites:
        create_site(session, None, code=code, name=f"Center {code}", country="CHN")
        users[code] = create_user(
            session,
            None,
            username=f"inv{code}",
            full_name=f"Investigator, center {code}",
            role="investigator",
            password=password,
            site_codes=[code],
        )
    ds = sdtm["ds"]
    enrolled_on = ds[ds["DSDECOD"] == "ENROLLED"].set_index("USUBJID")["DSSTDTC"]
    consent_on = ds[ds["DSDECOD"] == "INFORMED CONSENT OBTAINED"].set_index("USUBJID")["DSSTDTC"]
    truth = trial.truth.set_index("USUBJID")
    parts = {
        name: _by_subject(sdtm.get(name)) for name in ("ex", "tr", "tu", "rs", "ae", "cm", "ds", "sv", "dm")
    }
    forms = 0
    for row in trial.screening.itertuples(index=False):
        actor = users[row.SITEID]
        subject = screen_subject(
            session,
            actor,
            ScreeningIn(
                site_code=row.SITEID,
                consent_date=_date(consent_on[row.USUBJID]),
                screening_date=_date(row.SCREENDT),
                values=row.VALUES,
                race="ASIAN",
            ),
        )
        forms += 1
        if not row.ELIGIBLE:
            continue
        session.flush()
        subject = enroll_subject(
            session,
            actor,
            subject.id,
            EnrollIn(enrollment_date=_date(enrolled_on[row.USUBJID]), version=subject.version),
        )
        forms += 1
        forms += _enter_subject(session, actor, subject.id, row.USUBJID, parts, truth.loc[row.USUBJID])
    open_queries = session.execute(select(func.count(Query.id))).scalar() or 0
    return EdcEntry(
        screened=len(trial.screening),
        enrolled=int(trial.screening["ELIGIBLE"].sum()),
        forms=forms,
        open_queries=int(open_queries),
        users={u.username: code for code, u in users.items()},
    )


def _enter_subject(session: Session, actor, subject_id: int, usubjid: str, parts, truth) -> int:
    forms = 0
    ex = parts["ex"].get(usubjid)
    for d in ex.itertuples(index=False) if ex is not None else ():
        record_dose(
            session,
            actor,
            subject_id,
            DoseIn(
                drug_code=d.EXCAT,
                cycle=int(d.EXSPID.split()[1]),
                dose_date=_date(d.EXSTDTC),
                dose=float(d.EXDOSE),
                unit=d.EXDOSU,
                adjustment_reason=d.EXADJ or None,
            ),
        )
        forms += 1
    forms += _enter_assessments(session, actor, subject_id, usubjid, parts)
    ae = parts["ae"].get(usubjid)
    for a in ae.itertuples(index=False) if ae is not None else ():
        related = dict(item.rsplit(": ", 1) for item in a.AERELNST.split("; "))
        codes = _drug_codes(parts["ex"].get(usubjid))
        create_record(
            session,
            actor,
            "adverse-events",
            subject_id,
            AdverseEventIn(
                term=a.AETERM,
                grade=int(a.AETOXGR),
                serious=a.AESER == "Y",
                relatedness={codes[name]: value for name, value in related.items()},
                start_date=_date(a.AESTDTC),
                end_date=_date(a.AEENDTC) if a.AEENDTC else None,
                action_taken=a.AEACN,
                outcome=a.AEOUT,
            ),
        )
        forms += 1
    cm = parts["cm"].get(usubjid)
    for c in cm.itertuples(index=False) if cm is not None else ():
        create_record(
            session,
            actor,
            "therapies",
            subject_id,
            TherapyIn(category=c.CMCAT, name=c.CMTRT, start_date=_date(c.CMSTDTC)),
        )
        forms += 1
    ds = parts["ds"][usubjid]
    eot = ds[ds["DSSCAT"] == "END OF TREATMENT"]
    if not eot.empty:
        create_record(
            session,
            actor,
            "end-of-treatment",
            subject_id,
            EndOfTreatmentIn(end_date=_date(eot["DSSTDTC"].iloc[0]), reason_code=truth["EOT_REASON"]),
        )
        forms += 1
    sv = parts["sv"][usubjid]
    for contact in sv[sv["VISIT"] == "SURVIVAL FOLLOW-UP"].itertuples(index=False):
        create_record(
            session,
            actor,
            "survival-contacts",
            subject_id,
            SurvivalContactIn(contact_date=_date(contact.SVSTDTC), status="ALIVE"),
        )
        forms += 1
    dm = parts["dm"][usubjid].iloc[0]
    if dm["DTHFL"] == "Y":
        create_record(session, actor, "death", subject_id, DeathIn(death_date=_date(dm["DTHDTC"])))
        forms += 1
    return forms


def _drug_codes(ex: pd.DataFrame | None) -> dict[str, str]:
    if ex is None:
        return {}
    return dict(zip(ex["EXTRT"], ex["EXCAT"], strict=False))


def _enter_assessments(session: Session, actor, subject_id: int, usubjid: str, parts) -> int:
    tr = parts["tr"].get(usubjid)
    if tr is None:
        return 0
    tu = parts["tu"][usubjid].set_index("TULNKID")
    rs = parts["rs"].get(usubjid)
    reads = {} if rs is None else dict(zip(rs["VISITNUM"], rs["RSSTRESC"], strict=True))
    forms = 0
    for visitnum, visit in tr.groupby("VISITNUM", sort=True):
        measurements = []
        for m in visit.itertuples(index=False):
            lesion = LesionIn(code=m.TRLNKID, category=m.TRGRPID, location=tu.loc[m.TRLNKID, "TULOC"])
            if m.TRGRPID == "TARGET":
                measurements.append(MeasurementIn(lesion=lesion, diameter_mm=float(m.TRSTRESN)))
            else:
                measurements.append(MeasurementIn(lesion=lesion, state=m.TRSTRESC))
        record_assessment(
            session,
            actor,
            subject_id,
            TumourAssessmentIn(
                visit_number=int(visitnum),
                visit=visit["VISIT"].iloc[0],
                assessment_date=_date(visit["TRDTC"].iloc[0]),
                investigator_response=reads.get(visitnum),
                measurements=measurements,
            ),
        )
        forms += 1
    return forms
