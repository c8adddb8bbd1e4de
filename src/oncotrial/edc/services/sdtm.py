"""SDTM extraction from the EDC database, so that ``oncotrial analyze`` runs on live trial data.

:func:`extract_sdtm` reads the enrolled subjects' data into the project's SDTM
conventions (DM, DS, EX, AE, CM, SV, TU, TR, RS); :func:`export_sdtm` writes them
with :func:`oncotrial.sdtm.write_sdtm`. Screen failures are not exported.
RS holds the investigator's responses as recorded; TU/TR hold the lesions from which
the RECIST engine derives its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, require
from oncotrial.edc.services.trial import trial_protocol
from oncotrial.edc.services.tumour import EDC_EVALUATOR, stored_rows, tu_tr_frames, usubjid
from oncotrial.edc.store.models import (
    AdverseEvent,
    Death,
    Dose,
    EndOfTreatment,
    Subject,
    SubjectStatus,
    SurvivalContact,
    Therapy,
    TumourAssessment,
    User,
)

__all__ = ["SURVIVAL_VISIT", "export_sdtm", "extract_sdtm"]

SURVIVAL_VISIT = "SURVIVAL FOLLOW-UP"
#: VISITNUM of survival contacts: 1000 + contact number, after every scheduled visit.
SURVIVAL_VISITNUM = 1000
_ROUTES = {"IV": "INTRAVENOUS", "PO": "ORAL", "SC": "SUBCUTANEOUS"}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _frame(rows: list[dict[str, Any]], domain: str, study_id: str, seq: str | None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df.insert(0, "STUDYID", study_id)
    df.insert(1, "DOMAIN", domain)
    if seq:
        df[seq] = df.groupby("USUBJID").cumcount().astype(float) + 1
    return df


def extract_sdtm(session: Session, actor: User | None = None) -> dict[str, pd.DataFrame]:
    """The trial's SDTM domains from the database (``actor`` must be allowed to export, if given).

    Returns a dict of DataFrames keyed DM, DS, EX, AE, CM, SV, TU, TR, RS (CM, AE, TU, TR,
    RS and SV may be empty).
    """
    if actor is not None:
        require(actor, Action.EXPORT)
    protocol = trial_protocol(session)
    study = protocol.identity.study_id
    subjects = list(
        session.execute(
            select(Subject)
            .where(Subject.status == SubjectStatus.ENROLLED.value)
            .order_by(Subject.subject_number)
        ).scalars()
    )
    ids = [s.id for s in subjects]
    uid = {s.id: usubjid(study, s) for s in subjects}

    def rows_of(model: Any, *order: Any) -> dict[int, list[Any]]:
        # A total order (ending with the id) so that every backend returns the same rows in the same order.
        stmt = select(model).where(model.subject_id.in_(ids)).order_by(model.subject_id, *order, model.id)
        out: dict[int, list[Any]] = defaultdict(list)
        for r in session.execute(stmt).scalars():
            out[r.subject_id].append(r)
        return out

    doses = rows_of(Dose, Dose.dose_date, Dose.drug_code, Dose.cycle)
    eots = {r.subject_id: r for rs in rows_of(EndOfTreatment).values() for r in rs}
    deaths = {r.subject_id: r for rs in rows_of(Death).values() for r in rs}
    aes = rows_of(AdverseEvent, AdverseEvent.start_date)
    therapies = rows_of(Therapy, Therapy.start_date)
    contacts = rows_of(SurvivalContact, SurvivalContact.contact_date)
    assessments = rows_of(TumourAssessment, TumourAssessment.assessment_date)
    reasons = {r.code: r for r in protocol.treatment_end_reasons}
    names = {d.code: d.name for d in protocol.regimen.drugs}
    arm = protocol.identity.intervention
    cycle_days = int(protocol.regimen.cycle_length.days)
    freq = f"Q{cycle_days // 7}W" if cycle_days % 7 == 0 else f"Q{cycle_days}D"

    dm, ds, ex, ae, cm, sv, rs = [], [], [], [], [], [], []
    for s in subjects:
        u = uid[s.id]
        dates = [d.dose_date for d in doses[s.id]]
        death = deaths.get(s.id)
        dm.append(
            {
                "USUBJID": u, "SUBJID": s.subject_number, "RFSTDTC": _iso(min(dates) if dates else None),
                "RFENDTC": _iso(max(dates) if dates else None), "RFXSTDTC": _iso(min(dates) if dates else None),
                "RFXENDTC": _iso(max(dates) if dates else None), "RFICDTC": _iso(s.consent_date),
                "DTHDTC": _iso(death.death_date if death else None), "DTHFL": "Y" if death else "",
                "SITEID": s.site.code, "AGE": float(s.age_years) if s.age_years is not None else float("nan"),
                "AGEU": "YEARS", "SEX": s.sex or "", "RACE": s.race or "", "ARM": arm, "ACTARM": arm if dates else "",
                "COUNTRY": s.site.country,
            }
        )  # fmt: skip
        ds.append(
            {
                "USUBJID": u,
                "DSTERM": "INFORMED CONSENT OBTAINED",
                "DSDECOD": "INFORMED CONSENT OBTAINED",
                "DSCAT": "PROTOCOL MILESTONE",
                "DSSCAT": "",
                "DSSTDTC": _iso(s.consent_date),
            }
        )
        ds.append(
            {
                "USUBJID": u,
                "DSTERM": "ENROLLED",
                "DSDECOD": "ENROLLED",
                "DSCAT": "PROTOCOL MILESTONE",
                "DSSCAT": "",
                "DSSTDTC": _iso(s.enrollment_date),
            }
        )
        eot = eots.get(s.id)
        if eot is not None:
            reason = reasons.get(eot.reason_code)
            ds.append(
                {"USUBJID": u, "DSTERM": reason.label if reason else eot.reason_code, "DSDECOD": reason.dsdecod if reason else "OTHER",
                 "DSCAT": "DISPOSITION EVENT", "DSSCAT": "END OF TREATMENT", "DSSTDTC": _iso(eot.end_date)}
            )  # fmt: skip
        if death is not None:
            ds.append(
                {
                    "USUBJID": u,
                    "DSTERM": death.cause or "DEATH",
                    "DSDECOD": "DEATH",
                    "DSCAT": "DISPOSITION EVENT",
                    "DSSCAT": "END OF STUDY",
                    "DSSTDTC": _iso(death.death_date),
                }
            )
        for d in doses[s.id]:
            drug = protocol.regimen.drug(d.drug_code)
            ex.append(
                {"USUBJID": u, "EXSPID": f"CYCLE {d.cycle}", "EXTRT": drug.name, "EXCAT": drug.code, "EXDOSE": float(d.dose),
                 "EXDOSU": d.unit, "EXDOSFRQ": freq, "EXROUTE": _ROUTES.get(drug.route, drug.route), "EXADJ": d.adjustment_reason or "",
                 "VISITNUM": float(d.cycle), "VISIT": f"CYCLE {d.cycle}", "EXSTDTC": _iso(d.dose_date), "EXENDTC": _iso(d.dose_date)}
            )  # fmt: skip
        for a in aes[s.id]:
            related = [code for code, rel in sorted(a.relatedness.items()) if rel == "RELATED"]
            ae.append(
                {"USUBJID": u, "AETERM": a.term, "AEDECOD": a.term, "AEBODSYS": "", "AESEV": "", "AETOXGR": str(a.grade),
                 "AESER": "Y" if a.serious else "N", "AEREL": "Y" if related else "N",
                 "AERELNST": "; ".join(f"{names.get(code, code)}: {rel}" for code, rel in sorted(a.relatedness.items())),
                 "AEACN": a.action_taken, "AEOUT": a.outcome or "", "AESTDTC": _iso(a.start_date), "AEENDTC": _iso(a.end_date)}
            )  # fmt: skip
        for t in therapies[s.id]:
            cm.append(
                {
                    "USUBJID": u,
                    "CMTRT": t.name,
                    "CMCAT": t.category,
                    "CMSTDTC": _iso(t.start_date),
                    "CMENDTC": _iso(t.end_date),
                }
            )
        for a in assessments[s.id]:
            sv.append(
                {
                    "USUBJID": u,
                    "VISITNUM": float(a.visit_number),
                    "VISIT": a.visit,
                    "SVSTDTC": _iso(a.assessment_date),
                    "SVENDTC": _iso(a.assessment_date),
                }
            )
            if a.investigator_response:
                rs.append(
                    {"USUBJID": u, "RSTESTCD": "OVRLRESP", "RSTEST": "Overall Response", "RSORRES": a.investigator_response,
                     "RSSTRESC": a.investigator_response, "RSEVAL": EDC_EVALUATOR, "RSEVALID": "", "RSACPTFL": "Y",
                     "VISITNUM": float(a.visit_number), "VISIT": a.visit, "RSDTC": _iso(a.assessment_date)}
                )  # fmt: skip
        for i, c in enumerate(contacts[s.id], start=1):
            sv.append(
                {
                    "USUBJID": u,
                    "VISITNUM": float(SURVIVAL_VISITNUM + i),
                    "VISIT": SURVIVAL_VISIT,
                    "SVSTDTC": _iso(c.contact_date),
                    "SVENDTC": _iso(c.contact_date),
                }
            )

    tu, tr = tu_tr_frames(stored_rows(session, ids, study))
    visits = {(r["USUBJID"], r["VISITNUM"]): r["VISIT"] for r in sv}
    out = {
        "DM": _frame(dm, "DM", study, None),
        "DS": _frame(ds, "DS", study, "DSSEQ"),
        "EX": _frame(ex, "EX", study, "EXSEQ"),
        "AE": _frame(ae, "AE", study, "AESEQ"),
        "CM": _frame(cm, "CM", study, "CMSEQ"),
        "SV": _frame(sv, "SV", study, None),
        "RS": _frame(rs, "RS", study, "RSSEQ"),
    }
    if not tu.empty:
        tu = tu.assign(
            TUTESTCD="TUMIDENT",
            VISIT=[visits.get((u, float(v)), "") for u, v in zip(tu["USUBJID"], tu["VISITNUM"], strict=True)],
        )
        tu["VISITNUM"] = tu["VISITNUM"].astype(float)
        tr["VISITNUM"] = tr["VISITNUM"].astype(float)
        tr["TRSTAT"] = tr["TRSTAT"].fillna("")
        tr["TRSTRESC"] = tr["TRSTRESC"].fillna("")
        tr["TRSTRESU"] = ["mm" if g == "TARGET" else "" for g in tr["TRGRPID"]]
        out["TU"] = _frame(tu.to_dict("records"), "TU", study, "TUSEQ")
        out["TR"] = _frame(tr.to_dict("records"), "TR", study, "TRSEQ")
    return {k: v for k, v in out.items() if not v.empty}


def export_sdtm(
    session: Session, out: str | Path, *, fmt: str = "xpt", actor: User | None = None
) -> list[Path]:
    """Extract and write the SDTM domains to ``out`` (XPT or CSV); return the written paths."""
    from oncotrial.sdtm import SdtmPackage, write_sdtm

    return write_sdtm(SdtmPackage(extract_sdtm(session, actor)), out, fmt=fmt)  # type: ignore[arg-type]
