"""Idempotency keys: a retried create request returns what the first one created."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict
from oncotrial.edc.store.models import IdempotencyKey, User

__all__ = ["idempotent_create"]

R = TypeVar("R")


def _fingerprint(operation: str, payload: Any) -> str:
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    text = json.dumps([operation, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent_create(
    session: Session,
    actor: User,
    key: str | None,
    operation: str,
    payload: Any,
    model: type[R],
    create: Callable[[], R],
) -> tuple[R, bool]:
    """Run ``create`` once per (user, key); a retry returns ``(first record, False)``.

    A key reused for a different request is a :class:`Conflict`. Without a key, ``create``
    simply runs. Two concurrent requests with one key cannot both commit: the key is the
    primary key of ``idempotency_key``.
    """
    if not key:
        return create(), True
    fingerprint = _fingerprint(operation, payload)
    seen = session.get(IdempotencyKey, (actor.id, key))
    if seen is not None:
        if seen.fingerprint != fingerprint or seen.operation != operation:
            raise Conflict(
                ("Idempotency-Key",),
                key,
                f"this key was already used for another request ({seen.operation})",
                code="idempotency_key_reused",
            )
        record = session.get(model, seen.record_id)
        if record is None:  # created, then deleted: the retry must still not create again
            raise Conflict(
                ("Idempotency-Key",), key, "the record this key created has since been deleted", code="gone"
            )
        return record, False
    record = create()
    session.add(
        IdempotencyKey(
            user_id=actor.id,
            key=key,
            operation=operation,
            fingerprint=fingerprint,
            table_name=record.__tablename__,  # type: ignore[attr-defined]
            record_id=record.id,  # type: ignore[attr-defined]
        )
    )
    session.flush()
    return record, True
