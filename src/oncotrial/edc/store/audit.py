"""The audit trail: append-only and hash-chained.

Each entry's ``hash`` is the SHA-256 of its own content and the previous entry's
hash, so altering, removing or inserting an entry breaks the chain at that point.
Appending locks the one-row chain head (``audit_head``) until the transaction ends,
which serialises the ends of writes and keeps sequence numbers contiguous. :func:`verify_chain` walks the whole
chain and reports every break; the head hash it returns can be recorded outside
the database (e.g. in a monitoring report) to anchor the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.store.models import AuditEntry, AuditHead, User, utcnow

__all__ = ["GENESIS", "AuditChange", "ChainBreak", "ChainReport", "append", "encode_value", "verify_chain"]

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditChange:
    """One change to write: ``insert`` / ``delete`` carry the whole record, ``update`` one field."""

    action: str
    table_name: str
    record_id: int
    subject_id: int | None
    field: str | None
    old_value: str | None
    new_value: str | None


def encode_value(value: Any) -> str | None:
    """Audit text of a value: JSON with ISO dates; None stays None.

    >>> encode_value(dt.date(2024, 1, 2)), encode_value({"b": 1, "a": None}), encode_value(None)
    ('"2024-01-02"', '{"a":null,"b":1}', None)
    """
    if value is None:
        return None
    return json.dumps(value, default=_json_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot audit a {type(value).__name__}")


def _utc_text(moment: dt.datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's content and its ``prev_hash``."""
    content = [
        entry.seq,
        _utc_text(entry.at),
        entry.user_id,
        entry.username,
        entry.action,
        entry.table_name,
        entry.record_id,
        entry.subject_id,
        entry.field,
        entry.old_value,
        entry.new_value,
        entry.reason,
        entry.prev_hash,
    ]
    text = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_head(session: Session) -> AuditHead:
    """Lock the chain head for this transaction (creating it on first use); once per transaction."""
    transaction = session.get_transaction()
    held = session.info.get("audit_head")
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1]
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    session.info["audit_head"] = (session.get_transaction(), head)
    return head


def append(
    session: Session, actor: User | None, changes: Iterable[AuditChange], reason: str | None
) -> list[AuditEntry]:
    """Append entries for ``changes`` to the chain, in the caller's transaction."""
    head = lock_head(session)
    now = utcnow()
    out = []
    for change in changes:
        entry = AuditEntry(
            seq=head.seq + 1,
            at=now,
            user_id=actor.id if actor else None,
            username=actor.username if actor else "system",
            action=change.action,
            table_name=change.table_name,
            record_id=change.record_id,
            subject_id=change.subject_id,
            field=change.field,
            old_value=change.old_value,
            new_value=change.new_value,
            reason=reason,
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry)
        session.add(entry)
        head.seq, head.hash = entry.seq, entry.hash
        out.append(entry)
    session.flush()
    return out


@dataclass(frozen=True)
class ChainBreak:
    """Where and how the chain is broken."""

    seq: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify_chain`."""

    entries: int
    head_hash: str
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head_hash,
            "breaks": [{"seq": b.seq, "kind": b.kind, "detail": b.detail} for b in self.breaks],
        }


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash and link; report altered, removed and inserted entries.

    An altered entry no longer matches its hash; a removed one leaves a gap in the
    sequence and a link to a hash that is gone; an inserted one does not link to its
    predecessor or is not what the head records.
    """
    breaks: list[ChainBreak] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows:
        count += 1
        if entry.seq != expected_seq:
            breaks.append(
                ChainBreak(entry.seq, "gap", f"expected entry {expected_seq}: entries are missing (removed)")
            )
        if entry.prev_hash != prev_hash:
            breaks.append(
                ChainBreak(
                    entry.seq,
                    "broken link",
                    f"prev_hash {entry.prev_hash[:12]} does not match the previous entry's hash "
                    f"{prev_hash[:12]} (an entry was removed or inserted before it)",
                )
            )
        recomputed = entry_hash(entry)
        if recomputed != entry.hash:
            breaks.append(
                ChainBreak(entry.seq, "altered", "content does not match its hash (the entry was changed)")
            )
        prev_hash, expected_seq = entry.hash, entry.seq + 1
        session.expunge(entry)
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        breaks.append(
            ChainBreak(
                head_seq,
                "head mismatch",
                f"the chain head records entry {head_seq} ({head_hash[:12]}) but the last entry is "
                f"{expected_seq - 1} ({prev_hash[:12]}): entries were removed from or added to the end",
            )
        )
    return ChainReport(count, head_hash, breaks)
