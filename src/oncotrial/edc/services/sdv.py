"""Source-data verification: a monitor marks a form (one record) as checked against the source.

The mark is written through the one write path (audited, refused while the database is
locked or the subject frozen) and does not void signatures. Any later change of the
record (or, for a tumour assessment, of one of its measurements) deletes the mark in
the same transaction, audited (see :mod:`oncotrial.edc.store.writer`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict
from oncotrial.edc.services.access import Action, get_record, get_subject
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import (
    VERIFIED_FORMS,
    AdverseEvent,
    Death,
    Dose,
    EndOfTreatment,
    SourceVerification,
    SurvivalContact,
    Therapy,
    TumourAssessment,
    User,
    utcnow,
)
from oncotrial.errors import OncotrialError

__all__ = ["source_verifications", "verify_source"]

_MODELS: dict[str, type[Any]] = {
    m.__tablename__: m
    for m in (Dose, TumourAssessment, AdverseEvent, Therapy, EndOfTreatment, SurvivalContact, Death)
}
assert set(_MODELS) == VERIFIED_FORMS


def verify_source(session: Session, actor: User, record_table: str, record_id: int) -> SourceVerification:
    """Mark one record source-data verified by ``actor`` (a monitor of the subject's site), now."""
    model = _MODELS.get(record_table)
    if model is None:
        raise OncotrialError(
            ("record_table",),
            record_table,
            f"not a form that can be source-data verified; one of {', '.join(sorted(_MODELS))}",
            code="unknown_form",
        )
    record, subject = get_record(session, actor, model, record_id, Action.VERIFY_SOURCE)
    existing = session.execute(
        select(SourceVerification).where(
            SourceVerification.record_table == record_table, SourceVerification.record_id == record.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            ("record_id",),
            record_id,
            f"{record_table} {record_id} is already source-data verified (on {existing.verified_at:%Y-%m-%d})",
            code="already_verified",
        )
    mark = SourceVerification(
        subject_id=subject.id,
        record_table=record_table,
        record_id=record.id,
        verified_by=actor.id,
        verified_at=utcnow(),
    )
    return _writer.insert(session, actor, mark, subject=subject, void_signatures=False)


def source_verifications(
    session: Session, actor: User, subject_id: int
) -> dict[tuple[str, int], SourceVerification]:
    """The subject's current marks by ``(record_table, record_id)`` (through the site filter)."""
    subject = get_subject(session, actor, subject_id)
    stmt = select(SourceVerification).where(SourceVerification.subject_id == subject.id)
    return {(m.record_table, m.record_id): m for m in session.execute(stmt).scalars()}
