"""The tables against the audit trail: an edit made outside the application is found.

Replaying the trail (inserts give a record's values, updates change one field, deletes
remove it) gives, for every audited record, the values the application last wrote. Each row
of each audited table must hold exactly those: a row changed, added or removed by anyone who
went around the application (``UPDATE dose SET dose = 2000`` in psql, a TRUNCATE of the trail
with its head reset) no longer matches. Tables that are not trial data are listed, with why,
in :data:`~oncotrial.edc.store.writer.UNAUDITED_TABLES`; every other table is checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.store.audit import encode_value
from oncotrial.edc.store.models import AuditEntry, Base
from oncotrial.edc.store.writer import UNAUDITED_TABLES, record_values

__all__ = ["StateBreak", "verify_state"]

#: The value a trail entry recorded before secrets had fingerprints: it says nothing.
_OLD_MASK = "***"


@dataclass(frozen=True)
class StateBreak:
    """One row that does not hold what the trail says the application wrote."""

    table: str
    record_id: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.table} {self.record_id}: {self.kind}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "record_id": self.record_id, "kind": self.kind, "detail": self.detail}


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # an entry written before every value was JSON (a masked secret)
        return text


def _expected(session: Session) -> tuple[dict[tuple[str, int], dict[str, Any]], set[tuple[str, int]]]:
    """Per (table, id), the audited values as last written; and the records the trail deleted."""
    state: dict[tuple[str, int], dict[str, Any]] = {}
    deleted: set[tuple[str, int]] = set()
    stmt = select(
        AuditEntry.action, AuditEntry.table_name, AuditEntry.record_id, AuditEntry.field, AuditEntry.new_value
    ).order_by(AuditEntry.seq)
    for action, table, record_id, name, new_value in session.execute(stmt):
        key = (table, record_id)
        if action == "insert":
            values = _decode(new_value)
            state[key] = dict(values) if isinstance(values, dict) else {}
            deleted.discard(key)
        elif action == "update":
            state.setdefault(key, {})[name] = _decode(new_value)
        elif action == "delete":
            state.pop(key, None)
            deleted.add(key)
    return state, deleted


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def verify_state(session: Session) -> list[StateBreak]:
    """Every row of every audited table against the trail: changed, added or removed outside
    the application. A field the trail never recorded (a column added later) is not compared;
    a secret is compared by its fingerprint."""
    expected, deleted = _expected(session)
    breaks: list[StateBreak] = []
    seen: set[tuple[str, int]] = set()
    mappers = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
    for table_name, model in sorted(mappers.items()):
        if table_name in UNAUDITED_TABLES:
            continue
        for record in session.execute(select(model)).scalars():
            key = (table_name, record.id)
            seen.add(key)
            want = expected.get(key)
            if want is None:
                was = "deleted in the trail" if key in deleted else "never in the trail"
                breaks.append(StateBreak(table_name, record.id, "added outside", f"the row exists; {was}"))
                continue
            have = json.loads(encode_value(record_values(record)) or "{}")
            for name, value in sorted(want.items()):
                if name not in have or value == _OLD_MASK:
                    continue
                if have[name] != value:
                    breaks.append(
                        StateBreak(
                            table_name,
                            record.id,
                            "changed outside",
                            f"{name} is {_show(have[name])} in the table, {_show(value)} in the trail",
                        )
                    )
        session.expunge_all()
    for table_name, record_id in sorted(expected):
        if (
            (table_name, record_id) not in seen
            and table_name in mappers
            and table_name not in UNAUDITED_TABLES
        ):
            breaks.append(
                StateBreak(
                    table_name, record_id, "removed outside", "the trail says it exists; the row is gone"
                )
            )
    return breaks
