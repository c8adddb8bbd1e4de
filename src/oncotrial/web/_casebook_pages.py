"""The subject casebook: a timeline of doses, assessments and adverse events; the CRF forms
(each edit asks for a reason); the investigator's signature with password re-entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from oncotrial.edc import (
    Action,
    AdverseEvent,
    Death,
    Dose,
    EndOfTreatment,
    Query,
    QueryStatus,
    Role,
    SubjectStatus,
    SurvivalContact,
    Therapy,
    User,
    can,
    create_record,
    get_record,
    get_subject,
    list_doses,
    list_queries,
    list_records,
    record_dose,
    sign_casebook,
    signatures,
    source_verifications,
    update_dose,
    update_record,
    verify_source,
    visit_schedule,
)
from oncotrial.edc.services.forms import (
    AdverseEventIn,
    DeathIn,
    DoseIn,
    EndOfTreatmentIn,
    SignIn,
    SurvivalContactIn,
    TherapyIn,
    parse_form,
)
from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.web import _assessments, _crf, _edc
from oncotrial.web._context import Page, load_page
from oncotrial.web._forms import form_values, problems_for
from oncotrial.web._subject_pages import STATUS_LABELS, as_of, subject_label

__all__ = ["SIGN_MEANING", "router"]

router = APIRouter(include_in_schema=False)

#: The meaning proposed on the signature form; the investigator may reword it.
SIGN_MEANING = "I have reviewed this casebook and confirm its data are complete and accurate."

QUERY_STATUS = {
    QueryStatus.OPEN.value: ("Open", "warn"),
    QueryStatus.ANSWERED.value: ("Answered", "ok"),
    QueryStatus.CLOSED.value: ("Closed", ""),
}


async def page(request: Request) -> Page:
    return await load_page(request, _edc.get_user)


def _subject_info(subject: Any) -> dict[str, Any]:
    return {
        "id": subject.id,
        "label": subject_label(subject),
        "site": subject.site.code,
        "status": STATUS_LABELS.get(subject.status, subject.status),
        "screening_number": subject.screening_number,
        "consent_date": subject.consent_date,
        "screening_date": subject.screening_date,
        "enrollment_date": subject.enrollment_date,
        "enrolled": subject.status == SubjectStatus.ENROLLED.value,
    }


def _query_rows(queries: list[Query]) -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "where": f"{q.record_table} #{q.record_id} · {q.field}",
            "text": q.text,
            "status_label": QUERY_STATUS.get(q.status, (q.status, ""))[0],
            "status_kind": QUERY_STATUS.get(q.status, (q.status, ""))[1],
            "answer": q.answer,
        }
        for q in queries
    ]


_ITEM_DEFAULTS: dict[str, Any] = {
    "badge": None,
    "details": "",
    "explain": "",
    "table": None,
    "edit": None,
    "record": None,
}


def _other_items(p: Page, others: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Timeline items of therapies, end of treatment, survival contacts and death."""
    reasons = {r.code: r.label for r in p.protocol.treatment_end_reasons}
    items = []
    for t in others.get("therapies", []):
        items.append(("therapy", t, t.start_date, "Therapy", f"{t.name} ({t.category.lower()})",
                      f"Ended {t.end_date}" if t.end_date else "Ongoing", "therapies"))  # fmt: skip
    for e in others.get("end-of-treatment", []):
        items.append(("end_of_treatment", e, e.end_date, "End of treatment",
                      f"Treatment ended: {reasons.get(e.reason_code, e.reason_code)}", "", "end-of-treatment"))  # fmt: skip
    for c in others.get("survival-contacts", []):
        items.append(("survival_contact", c, c.contact_date, "Survival contact", f"Status: {c.status.lower()}", "",
                      "survival-contacts"))  # fmt: skip
    for d in others.get("death", []):
        items.append(("death", d, d.death_date, "Death", "Died", d.cause or "", "death"))
    return [
        {
            "date": date,
            "order": 4,
            "anchor": f"{ANCHORS[table]}-{record.id}",
            "kind": kind,
            "title": title,
            "details": details,
            "edit": f"/{path}/{record.id}/edit",
            "record": {"table": table, "id": record.id, "fields": _crf.QUERYABLE[table]},
        }
        for table, record, date, kind, title, details, path in items
    ]


def _timeline(
    p: Page, doses: list[Dose], aes: list[AdverseEvent], assessments: list[dict], others: dict[str, list[Any]]
) -> list[dict]:
    drugs = {d.code: d for d in p.protocol.regimen.drugs}
    items: list[dict[str, Any]] = []
    for d in doses:
        drug = drugs.get(d.drug_code)
        items.append(
            {
                "date": d.dose_date,
                "order": 1,
                "anchor": f"dose-{d.id}",
                "kind": "Dose",
                "title": f"Cycle {d.cycle}: {drug.name if drug else d.drug_code} ({d.drug_code}) {d.dose:g} {d.unit}",
                "details": f"Reduced dose: {d.adjustment_reason}" if d.adjustment_reason else "",
                "edit": f"/doses/{d.id}/edit",
                "record": {"table": "dose", "id": d.id, "fields": _crf.QUERYABLE["dose"]},
            }
        )
    for a in aes:
        related = ", ".join(f"{code}: {v.lower()}" for code, v in (a.relatedness or {}).items())
        items.append(
            {
                "date": a.start_date,
                "order": 3,
                "anchor": f"ae-{a.id}",
                "kind": "Adverse event",
                "title": f"{a.term}, grade {a.grade}{' (serious)' if a.serious else ''}",
                "badge": ("Serious", "bad") if a.serious else None,
                "details": f"Ended {a.end_date or 'ongoing'}; action: {a.action_taken.lower()}; {related}",
                "edit": f"/adverse-events/{a.id}/edit",
                "record": {"table": "adverse_event", "id": a.id, "fields": _crf.QUERYABLE["adverse_event"]},
            }
        )
    items += assessments
    items += _other_items(p, others)
    items = [{**_ITEM_DEFAULTS, **item} for item in items]
    items.sort(key=lambda i: (i["date"], i["order"], i["anchor"]))
    return items


_OTHER_FORMS = ("therapies", "end-of-treatment", "survival-contacts", "death")


def _casebook(p: Page, user: User, subject_id: int, **extra: Any) -> Response:
    today = as_of(p.request)
    with p.db() as db:
        subject = get_subject(db, user, subject_id)
        info = _subject_info(subject)
        schedule = visit_schedule(db, user, subject_id, today)
        doses = list_doses(db, user, subject_id)
        aes = list_records(db, user, "adverse-events", subject_id)
        others = {k: list_records(db, user, k, subject_id) for k in _OTHER_FORMS}
        assessments = _assessments.timeline_items(db, user, subject_id)
        queries = _query_rows(list_queries(db, user, subject_id))
        valid = [s for s in signatures(db, user, subject_id) if s.valid]
        signature = None
        if valid:
            signer = db.get(User, valid[-1].signer_id)
            signature = {
                "by": signer.full_name if signer else valid[-1].signer_id,
                "at": valid[-1].signed_at.strftime("%Y-%m-%d %H:%M UTC"),
            }
        timeline = _timeline(p, doses, aes, assessments, others)
        marks = source_verifications(db, user, subject_id)
        verifiers = {m.verified_by for m in marks.values()}
        names = {u.id: u.full_name for u in (db.get(User, uid) for uid in verifiers) if u is not None}
        for item in timeline:
            record = item["record"]
            mark = marks.get((record["table"], record["id"])) if record else None
            item["sdv"] = (
                {
                    "by": names.get(mark.verified_by, mark.verified_by),
                    "at": mark.verified_at.strftime("%Y-%m-%d"),
                }
                if mark
                else None
            )
    return p.render(
        "casebook.html",
        page_title=f"Casebook {info['label']}",
        subject=info,
        timeline=timeline,
        queries=queries,
        signature=signature,
        can_enter=can(user, Action.ENTER_DATA),
        can_query=can(user, Action.OPEN_QUERY),
        can_verify=can(user, Action.VERIFY_SOURCE),
        schedule=schedule,
        schedule_day=today,
        can_sign=can(user, Action.SIGN),
        sign_meaning=extra.pop("sign_meaning", SIGN_MEANING),
        sign_problems=extra.pop("sign_problems", []),
        **extra,
    )


@router.get("/subjects/{subject_id}")
async def casebook(request: Request, subject_id: int) -> Response:
    p = await page(request)
    user = p.require()
    return _casebook(p, user, subject_id)


@router.post("/subjects/{subject_id}/sign")
async def sign(request: Request, subject_id: int) -> Response:
    p = await page(request)
    user = p.require(Role.INVESTIGATOR)
    meaning = str(p.form.get("meaning", "")).strip()
    try:
        form = parse_form(SignIn, {"password": p.form.get("password", ""), "meaning": meaning})
        with p.db() as db:
            sign_casebook(db, user, subject_id, form)
    except (ValidationFailed, OncotrialError) as exc:
        problems = [f"{pr.where}: {pr.msg}" for pr in exc.problems]
        return _casebook(p, user, subject_id, sign_problems=problems, sign_meaning=meaning or SIGN_MEANING)
    return p.redirect(f"/subjects/{subject_id}", "Casebook signed.")


@router.post("/subjects/{subject_id}/sdv")
async def mark_verified(request: Request, subject_id: int) -> Response:
    """A monitor marks one form of the casebook source-data verified."""
    p = await page(request)
    user = p.require()
    table = str(p.form.get("record_table", ""))
    anchor = ""
    try:
        record_id = int(str(p.form.get("record_id", "")))
    except ValueError:
        return p.redirect(f"/subjects/{subject_id}", "Not verified: record_id is not a number.")
    try:
        with p.db() as db:
            mark = verify_source(db, user, table, record_id)
            if mark.subject_id != subject_id:
                raise OncotrialError("record_id", record_id, f"is not a record of subject {subject_id}")
            anchor = f"#{_RECORD_ANCHORS.get(table, table)}-{record_id}"
    except (ValidationFailed, OncotrialError) as exc:
        message = "; ".join(f"{pr.where}: {pr.msg}" for pr in exc.problems)
        return p.redirect(f"/subjects/{subject_id}", f"Not verified: {message}")
    return p.redirect(f"/subjects/{subject_id}{anchor}", "Marked source-data verified.")


# --- CRF forms: create and edit -------------------------------------------------------------


def _crf_page(
    p: Page,
    subject: dict[str, Any],
    *,
    heading: str,
    action: str,
    fields: list[_crf.FieldSpec],
    values: dict[str, Any],
    editing: bool,
    version: int | None = None,
    exc: ValidationFailed | OncotrialError | None = None,
) -> Response:
    problems, errors = ([], {})
    if exc is not None:
        problems, errors = problems_for(exc, {**_crf.labels_of(fields), "reason": "Reason for change"})
    return p.render(
        "crf.html",
        status_code=422 if exc is not None else 200,
        page_title=heading,
        heading=heading,
        subject=subject,
        action=action,
        fields=fields,
        values=values,
        editing=editing,
        version=version,
        submit_label="Save change" if editing else "Save",
        problems=problems,
        errors=errors,
    )


class _Kind:
    """How one CRF is listed, parsed and stored through its service."""

    def __init__(
        self,
        title: str,
        model: type,
        form: type,
        fields: Callable[[Page], list[_crf.FieldSpec]],
        payload: Callable[[Page, dict[str, Any]], dict[str, Any]],
        values: Callable[[Any], dict[str, Any]],
        create: Callable[..., Any],
        update: Callable[..., Any],
    ) -> None:
        self.title, self.model, self.form = title, model, form
        self.fields, self.payload, self.values = fields, payload, values
        self.create, self.update = create, update


def _plain_kind(title: str, model: type, form: type, kind: str, fields: Callable[[Any], list]) -> _Kind:
    """A CRF stored by the EDC's generic ``create_record`` / ``update_record`` (``kind`` in FORMS)."""
    return _Kind(
        title,
        model,
        form,
        lambda p: fields(p.protocol),
        lambda p, v: _crf.plain_payload(fields(p.protocol), v),
        _record_values,
        lambda db, user, sid, f: create_record(db, user, kind, sid, f),
        lambda db, user, rid, f, version, reason: update_record(
            db, user, kind, rid, f, expected_version=version, reason=reason
        ),
    )


def _record_values(record: Any) -> dict[str, Any]:
    return {
        c.key: getattr(record, c.key)
        for c in record.__table__.columns
        if c.key not in ("id", "subject_id", "version")
    }


KINDS: dict[str, _Kind] = {
    "doses": _Kind(
        "dose",
        Dose,
        DoseIn,
        lambda p: _crf.dose_fields(p.protocol),
        lambda p, v: _crf.dose_payload(v),
        _crf.dose_values,
        lambda db, user, sid, form: record_dose(db, user, sid, form),
        lambda db, user, rid, form, version, reason: update_dose(
            db, user, rid, form, expected_version=version, reason=reason
        ),
    ),
    "adverse-events": _Kind(
        "adverse event",
        AdverseEvent,
        AdverseEventIn,
        lambda p: _crf.ae_fields(p.protocol),
        lambda p, v: _crf.ae_payload(v, p.protocol),
        _crf.ae_values,
        lambda db, user, sid, form: create_record(db, user, "adverse-events", sid, form),
        lambda db, user, rid, form, version, reason: update_record(
            db, user, "adverse-events", rid, form, expected_version=version, reason=reason
        ),
    ),
    "therapies": _plain_kind("therapy", Therapy, TherapyIn, "therapies", _crf.therapy_fields),
    "end-of-treatment": _plain_kind(
        "end of treatment", EndOfTreatment, EndOfTreatmentIn, "end-of-treatment", _crf.eot_fields
    ),
    "survival-contacts": _plain_kind(
        "survival contact", SurvivalContact, SurvivalContactIn, "survival-contacts", _crf.contact_fields
    ),
    "death": _plain_kind("death", Death, DeathIn, "death", _crf.death_fields),
}

#: Timeline anchor prefix of each record table.
ANCHORS = {
    "dose": "dose",
    "adverse_event": "ae",
    "therapy": "therapy",
    "end_of_treatment": "eot",
    "survival_contact": "contact",
    "death": "death",
}
#: The casebook anchor of each verifiable form's timeline item.
_RECORD_ANCHORS = {**ANCHORS, "tumour_assessment": "assessment"}


def _kind(name: str) -> _Kind:
    kind = KINDS.get(name)
    if kind is None:
        from oncotrial.web._context import PageError

        raise PageError(404, "Not found", f"no form {name!r}")
    return kind


@router.get("/subjects/{subject_id}/{kind_name}/new")
async def new_form(request: Request, subject_id: int, kind_name: str) -> Response:
    p = await page(request)
    user = p.require()
    kind = _kind(kind_name)
    with p.db() as db:
        subject = _subject_info(get_subject(db, user, subject_id, Action.ENTER_DATA))
    return _crf_page(
        p,
        subject,
        heading=f"Record a{'n' if kind.title[0] in 'aeiou' else ''} {kind.title}",
        action=f"/subjects/{subject_id}/{kind_name}",
        fields=kind.fields(p),
        values={},
        editing=False,
    )


@router.post("/subjects/{subject_id}/{kind_name}")
async def create(request: Request, subject_id: int, kind_name: str) -> Response:
    p = await page(request)
    user = p.require()
    kind = _kind(kind_name)
    fields = kind.fields(p)
    values = form_values(p.form, [f.name for f in fields])
    try:
        form = parse_form(kind.form, kind.payload(p, values))
        with p.db() as db:
            record = kind.create(db, user, subject_id, form)
            anchor = f"{ANCHORS[kind.model.__tablename__]}-{record.id}"
    except (ValidationFailed, OncotrialError) as exc:
        with p.db() as db:
            subject = _subject_info(get_subject(db, user, subject_id))
        return _crf_page(
            p,
            subject,
            heading=f"Record a{'n' if kind.title[0] in 'aeiou' else ''} {kind.title}",
            action=f"/subjects/{subject_id}/{kind_name}",
            fields=fields,
            values=values,
            editing=False,
            exc=exc,
        )
    return p.redirect(f"/subjects/{subject_id}#{anchor}", f"The {kind.title} is saved.")


@router.get("/{kind_name}/{record_id}/edit")
async def edit_form(request: Request, kind_name: str, record_id: int) -> Response:
    p = await page(request)
    user = p.require()
    kind = _kind(kind_name)
    with p.db() as db:
        record, subject = get_record(db, user, kind.model, record_id, Action.ENTER_DATA)
        info, values, version = _subject_info(subject), kind.values(record), record.version
    return _crf_page(
        p,
        info,
        heading=f"Change a {kind.title}",
        action=f"/{kind_name}/{record_id}/edit",
        fields=kind.fields(p),
        values=values,
        editing=True,
        version=version,
    )


@router.post("/{kind_name}/{record_id}/edit")
async def edit(request: Request, kind_name: str, record_id: int) -> Response:
    p = await page(request)
    user = p.require()
    kind = _kind(kind_name)
    fields = kind.fields(p)
    values = form_values(p.form, [f.name for f in fields] + ["reason", "version"])
    try:
        form = parse_form(kind.form, kind.payload(p, values))
        version = int(values["version"] or 0)
        with p.db() as db:
            record = kind.update(db, user, record_id, form, version, values["reason"])
            subject_id = record.subject_id
    except (ValidationFailed, OncotrialError) as exc:
        with p.db() as db:
            record, subject = get_record(db, user, kind.model, record_id)
            info = _subject_info(subject)
        return _crf_page(
            p,
            info,
            heading=f"Change a {kind.title}",
            action=f"/{kind_name}/{record_id}/edit",
            fields=fields,
            values=values,
            editing=True,
            version=int(values["version"] or record.version),
            exc=exc,
        )
    return p.redirect(f"/subjects/{subject_id}", f"The {kind.title} is changed.")
