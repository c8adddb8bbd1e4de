"""The one write path: every change to trial data and its audit entries, in one transaction.

:func:`insert`, :func:`update` and :func:`delete` each

1. refuse the write when the database is locked or the subject frozen (reading both
   flags ``FOR SHARE``, so that a lock or freeze waits for writes under way),
2. check the version the caller read (optimistic concurrency) and, after first
   entry, that a reason is given,
3. write the change, then lock the audit chain head (serialising the end of every
   write; see :mod:`oncotrial.edc.store.audit`) and append one audit entry per changed
   field (insert and delete: one entry holding the whole record),
4. clear the source-data verification of the form the changed record belongs to
   (audited as the deletion of the mark),
5. void the subject's valid casebook signatures, since signed data changed.

The chain head is taken as late as possible, so writers queue on it only for their
last few statements and the commit.

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from oncotrial.edc.errors import Conflict, Locked
from oncotrial.edc.store.audit import AuditChange, append, encode_value
from oncotrial.edc.store.models import (
    VERIFIED_FORMS,
    Signature,
    SourceVerification,
    Subject,
    Trial,
    User,
    utcnow,
)
from oncotrial.errors import OncotrialError

__all__ = [
    "NOT_AUDITED_COLUMNS",
    "SECRET_COLUMNS",
    "UNAUDITED_TABLES",
    "VIRTUAL_FIELDS",
    "check_writable",
    "delete",
    "insert",
    "mask",
    "record_values",
    "require_reason",
    "update",
]

#: Columns whose values never reach the audit trail (secrets), per table: the trail holds a
#: fingerprint instead (:func:`mask`), enough to tell that the value changed, not what it is.
SECRET_COLUMNS: dict[str, set[str]] = {"app_user": {"password_hash"}, "totp_credential": {"secret"}}
#: Columns not audited, per table ("*": every table): the key and the optimistic-concurrency
#: version, and the sites' number counters, which the services advance as they hand out
#: screening and subject numbers (the numbers themselves are audited on the subjects).
NOT_AUDITED_COLUMNS: dict[str, set[str]] = {
    "*": {"id", "version"},
    "site": {"next_subject_seq", "next_screening_seq"},
    # the time step of the last one-time code accepted (replay bookkeeping; the sign-in is audited)
    "totp_credential": {"last_used_step"},
}
#: Fields that are not columns but are audited with their record: a user's sites (the
#: ``user_site`` rows) as sorted site codes.
VIRTUAL_FIELDS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "app_user": {"sites": lambda user: sorted(site.code for site in user.sites)}
}
#: Tables whose rows are not trial data and are written outside the audit trail, with why;
#: every other table's rows are audited, and ``oncotrial audit verify`` compares them with it.
UNAUDITED_TABLES: dict[str, str] = {
    "audit_entry": "the trail itself",
    "audit_head": "the trail's head",
    "user_site": "audited as the user's sites (app_user.sites)",
    "api_token": "sign-in tokens (only digests); they carry no trial data",
    "web_session": "browser sessions (only digests of their ids); they carry no trial data",
    "idempotency_key": "retry bookkeeping of create requests",
    "alembic_version": "the schema revision",
}

R = TypeVar("R")


def mask(value: Any) -> str | None:
    """What the trail holds for a secret: ``***`` and a fingerprint of the value.

    >>> mask("$argon2id$v=19$abc")
    '***0eb1e6d0dfafc2f8'
    """
    if value is None:
        return None
    return "***" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:16]


def record_values(record: Any) -> dict[str, Any]:
    """The audited values of a record: its columns (secrets masked) and virtual fields."""
    table = record.__tablename__
    skip = NOT_AUDITED_COLUMNS["*"] | NOT_AUDITED_COLUMNS.get(table, set())
    secret = SECRET_COLUMNS.get(table, set())
    out = {}
    for attr in inspect(record).mapper.column_attrs:
        if attr.key in skip:
            continue
        value = getattr(record, attr.key)
        out[attr.key] = mask(value) if attr.key in secret else value
    for name, read in VIRTUAL_FIELDS.get(table, {}).items():
        out[name] = read(record)
    return out


def require_reason(reason: str | None) -> str:
    """A change after first entry needs a reason: return it stripped or raise naming ``reason``."""
    if reason is None or not reason.strip():
        raise OncotrialError(
            ("reason",), reason, "a reason is required to change data after first entry", code="required"
        )
    return reason.strip()


def check_writable(session: Session, subject: Subject | None) -> None:
    """Refuse any write while the database is locked or the subject is frozen.

    The flags are read ``FOR SHARE`` (on PostgreSQL): locking the database or freezing the
    subject (an UPDATE of those rows) waits until this transaction ends, and a lock or
    freeze committed before is seen. SQLite runs one writer at a time anyway.
    """
    stmt = select(Trial.study_id, Trial.locked).order_by(Trial.id).limit(1).with_for_update(read=True)
    row = session.execute(stmt).first()
    if row is not None and row.locked:
        raise Locked("trial", row.study_id, "the database is locked: no data may be written")
    if subject is not None and subject.id is not None:
        frozen = session.execute(
            select(Subject.frozen).where(Subject.id == subject.id).with_for_update(read=True)
        ).scalar_one()
        if frozen:
            raise Locked(
                "subject",
                subject.subject_number or subject.screening_number,
                "the subject is frozen: no data may be written until it is unfrozen",
            )


def _void_signatures(session: Session, actor: User | None, subject: Subject | None, what: str) -> None:
    if subject is None or subject.id is None:
        return
    stmt = select(Signature).where(Signature.subject_id == subject.id, Signature.valid.is_(True))
    for signature in session.execute(stmt).scalars():
        reason = f"signed data changed: {what}"
        signature.valid, signature.voided_at, signature.void_reason = False, utcnow(), reason
        _flush(session, signature)
        append(
            session,
            actor,
            [AuditChange("update", "signature", signature.id, subject.id, "valid", "true", "false")],
            reason,
        )


def _verified_form(record: Any) -> tuple[str, int] | None:
    """The verifiable form a record belongs to: itself, or a measurement's assessment."""
    table = record.__tablename__
    if table == "lesion_measurement":
        return "tumour_assessment", record.assessment_id
    return (table, record.id) if table in VERIFIED_FORMS else None


def _clear_verification(session: Session, actor: User | None, record: Any, subject: Subject | None) -> None:
    form = _verified_form(record)
    if form is None:
        return
    stmt = select(SourceVerification).where(
        SourceVerification.record_table == form[0], SourceVerification.record_id == form[1]
    )
    mark = session.execute(stmt).scalar_one_or_none()
    if mark is None:
        return
    values = encode_value(record_values(mark))
    mark_id = mark.id
    session.delete(mark)
    session.flush()
    what = f"{record.__tablename__} {record.id}"
    append(
        session,
        actor,
        [
            AuditChange(
                "delete", "source_verification", mark_id, subject.id if subject else None, None, values, None
            )
        ],
        f"source-data verification cleared: {what} changed",
    )


def _flush(session: Session, record: Any) -> None:
    # Read what the message needs first: after a failed flush the record cannot be loaded.
    what = f"{record.__tablename__} {inspect(record).identity[0] if inspect(record).identity else ''}"
    version = getattr(record, "version", None)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            ("version",),
            version,
            f"{what.strip()} was changed by someone else; reload it and try again",
            code="stale_version",
        ) from None


def insert(
    session: Session,
    actor: User | None,
    record: R,
    *,
    subject: Subject | None,
    reason: str | None = None,
    check: bool = True,
    void_signatures: bool = True,
) -> R:
    """Add a new record with its audit entry; ``check=False`` only for trial set-up and lock changes.

    ``void_signatures=False`` for records that are not casebook data (queries).
    """
    if check:
        check_writable(session, subject)
    session.add(record)
    session.flush()
    table = record.__tablename__  # type: ignore[attr-defined]
    subject_id = subject.id if subject is not None else None
    if table == "subject":
        subject_id = record.id  # type: ignore[attr-defined]
    change = AuditChange(
        "insert",
        table,
        record.id,
        subject_id,
        None,
        None,
        encode_value(record_values(record)),  # type: ignore[attr-defined]
    )
    append(session, actor, [change], reason)
    if void_signatures:
        _void_signatures(session, actor, subject, f"{table} {record.id} added")  # type: ignore[attr-defined]
    return record


def update(
    session: Session,
    actor: User | None,
    record: R,
    changes: Mapping[str, Any],
    *,
    subject: Subject | None,
    expected_version: int | None,
    reason: str | None,
    check: bool = True,
    void_signatures: bool = True,
) -> R:
    """Change fields of a record read at ``expected_version``; one audit entry per changed field."""
    reason = require_reason(reason)
    if check:
        check_writable(session, subject)
    current = getattr(record, "version", None)
    if expected_version is not None and current != expected_version:
        raise Conflict(
            ("version",),
            expected_version,
            f"{record.__tablename__} {record.id} is at version {current}; "  # type: ignore[attr-defined]
            "it was changed after you read it: reload it and try again",
            code="stale_version",
        )
    diffs = []
    virtual = VIRTUAL_FIELDS.get(record.__tablename__, {})  # type: ignore[attr-defined]
    for name, new in changes.items():
        if name in virtual:  # compared and audited as the field's audit value
            old = virtual[name](record)
            setattr(record, name, new)
            if virtual[name](record) != old:
                diffs.append((name, old, virtual[name](record)))
            continue
        old = getattr(record, name)
        if old != new:
            diffs.append((name, old, new))
            setattr(record, name, new)
    if not diffs:
        return record
    _flush(session, record)
    table = record.__tablename__  # type: ignore[attr-defined]
    subject_id = subject.id if subject is not None else None
    if table == "subject":
        subject_id = record.id  # type: ignore[attr-defined]
    secret = SECRET_COLUMNS.get(table, set())
    append(
        session,
        actor,
        [
            AuditChange(
                "update",
                table,
                record.id,  # type: ignore[attr-defined]
                subject_id,
                name,
                encode_value(mask(old) if name in secret else old),
                encode_value(mask(new) if name in secret else new),
            )
            for name, old, new in diffs
        ],
        reason,
    )
    _clear_verification(session, actor, record, subject)
    if void_signatures:
        fields = ", ".join(name for name, _, _ in diffs)
        _void_signatures(session, actor, subject, f"{table} {record.id} {fields}")  # type: ignore[attr-defined]
    return record


def delete(
    session: Session,
    actor: User | None,
    record: Any,
    *,
    subject: Subject | None,
    expected_version: int | None,
    reason: str | None,
) -> None:
    """Delete a record read at ``expected_version``; the audit entry keeps its last values."""
    reason = require_reason(reason)
    check_writable(session, subject)
    if expected_version is not None and record.version != expected_version:
        raise Conflict(
            ("version",),
            expected_version,
            f"{record.__tablename__} {record.id} is at version {record.version}; "
            "it was changed after you read it: reload it and try again",
            code="stale_version",
        )
    values = encode_value(record_values(record))
    table, record_id = record.__tablename__, record.id
    _clear_verification(session, actor, record, subject)
    session.delete(record)
    _flush(session, record)
    append(
        session,
        actor,
        [AuditChange("delete", table, record_id, subject.id if subject else None, None, values, None)],
        reason,
    )
    _void_signatures(session, actor, subject, f"{table} {record_id} deleted")
