"""Queries on one field of one record: opened by a monitor or by a check, answered by the
site, closed by the monitor. Every step is a write with its audit entry."""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, get_record, get_subject
from oncotrial.edc.services.forms import QueryIn
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import Base, Query, QueryStatus, Subject, User
from oncotrial.errors import OncotrialError

__all__ = ["answer_query", "close_query", "list_queries", "open_query", "raise_check_query"]


def _model_for(table: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == table and (table == "subject" or "subject_id" in mapper.columns):
            return mapper.class_
    raise OncotrialError(("record_table",), table, "is not a table of subject data", code="unknown_table")


def open_query(session: Session, actor: User, form: QueryIn) -> Query:
    """A monitor's query on ``record_table`` / ``record_id`` / ``field``."""
    model = _model_for(form.record_table)
    if model is Subject:
        record = subject = get_subject(session, actor, form.record_id, Action.OPEN_QUERY)
    else:
        record, subject = get_record(session, actor, model, form.record_id, Action.OPEN_QUERY)
    if form.field not in inspect(model).columns:
        raise OncotrialError(
            ("field",), form.field, f"is not a field of {form.record_table}", code="unknown_field"
        )
    query = Query(
        subject_id=subject.id,
        record_table=form.record_table,
        record_id=record.id,
        field=form.field,
        origin="monitor",
        text=form.text,
        opened_by=actor.id,
    )
    return _writer.insert(session, actor, query, subject=subject, reason=None, void_signatures=False)


def raise_check_query(
    session: Session, actor: User, subject: Subject, record: Base, field: str, code: str, text: str
) -> Query:
    """A query opened by an edit check on save (``origin="check"``), in the saving transaction."""
    query = Query(
        subject_id=subject.id,
        record_table=record.__tablename__,
        record_id=record.id,  # type: ignore[attr-defined]
        field=field,
        origin="check",
        code=code,
        text=text,
        opened_by=actor.id,
    )
    return _writer.insert(
        session, actor, query, subject=subject, reason=f"edit check {code}", void_signatures=False
    )


def _transition(
    session: Session,
    actor: User,
    query_id: int,
    action: Action,
    allowed_from: tuple[QueryStatus, ...],
    changes: dict,
    expected_version: int,
    reason: str,
) -> Query:
    query, subject = get_record(session, actor, Query, query_id, action)
    if query.status not in allowed_from:
        raise OncotrialError(
            ("status",),
            query.status,
            f"a query that is {query.status} cannot be {reason}; expected {[s.value for s in allowed_from]}",
            code="query_state",
        )
    # A query is a conversation about the casebook, not its data: signatures stay valid.
    return _writer.update(
        session,
        actor,
        query,
        changes,
        subject=subject,
        expected_version=expected_version,
        reason=reason,
        void_signatures=False,
    )


def answer_query(
    session: Session, actor: User, query_id: int, answer: str, *, expected_version: int
) -> Query:
    """The site answers an open query."""
    if not answer.strip():
        raise OncotrialError(("answer",), answer, "an answer is required", code="required")
    return _transition(
        session,
        actor,
        query_id,
        Action.ANSWER_QUERY,
        (QueryStatus.OPEN,),
        {"answer": answer.strip(), "answered_by": actor.id, "status": QueryStatus.ANSWERED.value},
        expected_version,
        "answered",
    )


def close_query(session: Session, actor: User, query_id: int, *, expected_version: int) -> Query:
    """The monitor closes an open or answered query."""
    return _transition(
        session,
        actor,
        query_id,
        Action.CLOSE_QUERY,
        (QueryStatus.OPEN, QueryStatus.ANSWERED),
        {"closed_by": actor.id, "status": QueryStatus.CLOSED.value},
        expected_version,
        "closed",
    )


def list_queries(session: Session, actor: User, subject_id: int) -> list[Query]:
    subject = get_subject(session, actor, subject_id)
    return list(
        session.execute(select(Query).where(Query.subject_id == subject.id).order_by(Query.id)).scalars()
    )
