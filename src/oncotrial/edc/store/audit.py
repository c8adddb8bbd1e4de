"""The audit trail: append-only and hash-chained, each link keyed.

Each entry's ``hash`` covers its own content and the previous entry's hash, so altering,
removing or inserting an entry breaks the chain at that point. With an audit key (the
installation's secret, kept outside the database: :class:`AuditKey`), the hash is an
HMAC-SHA256 under that key and the entry names the key (``key_id``): someone who can write
to the database but does not hold the key cannot append a valid entry, nor recompute the
chain after rewriting it. Entries written before a key existed keep their plain SHA-256.

Appending locks the one-row chain head (``audit_head``) until the transaction ends, which
serialises the ends of writes and keeps sequence numbers contiguous. :func:`verify_chain`
walks the whole chain and reports every break; the current state of every audited table is
checked against the chain by :mod:`oncotrial.edc.store.audit_state`, and heads recorded
outside the database by :mod:`oncotrial.edc.store.anchors`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.store.models import AuditEntry, AuditHead, User, utcnow

__all__ = [
    "GENESIS",
    "AuditChange",
    "AuditKey",
    "ChainBreak",
    "ChainReport",
    "append",
    "audit_key_of",
    "encode_value",
    "seal",
    "verify_chain",
]

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


@dataclass(frozen=True)
class AuditKey:
    """The installation's audit key: an HMAC key kept outside the database.

    ``key_id`` is what an entry records: a fingerprint of the key (never the key), so that
    verification can tell an entry made under another key from an altered one.

    >>> k = AuditKey(b"0" * 32)
    >>> k.key_id, len(k.mac("text"))
    ('hmac-sha256:6d8579e0b6ff', 64)
    """

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError("an audit key has at least 32 bytes")

    @property
    def key_id(self) -> str:
        return "hmac-sha256:" + hashlib.sha256(b"oncotrial audit key id" + self.secret).hexdigest()[:12]

    def mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def audit_key_of(session: Session) -> AuditKey | None:
    """The audit key a session's writes are made under (``session.info["audit_key"]``, set by
    :func:`oncotrial.edc.store.db.make_sessionmaker`), or ``None``."""
    key = session.info.get("audit_key")
    return key if isinstance(key, AuditKey) else None


def entry_hash(entry: AuditEntry, key: AuditKey | None = None) -> str:
    """The hash of an entry's content and its ``prev_hash``: an HMAC under ``key`` when the
    entry names a key (``key_id``), else the plain SHA-256 (entries made without a key)."""
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
    if entry.key_id:
        content.append(entry.key_id)
    text = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    if entry.key_id:
        if key is None or key.key_id != entry.key_id:
            raise KeyError(entry.key_id)
        return key.mac(text)
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
    """Append entries for ``changes`` to the chain, in the caller's transaction (keyed with the
    session's audit key when it has one)."""
    head = lock_head(session)
    key = audit_key_of(session)
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
            key_id=key.key_id if key else None,
        )
        entry.hash = entry_hash(entry, key)
        session.add(entry)
        head.seq, head.hash = entry.seq, entry.hash
        out.append(entry)
    session.flush()
    return out


def seal(session: Session, actor: User | None = None) -> AuditEntry | None:
    """Append a keyed ``seal`` entry when the chain ends in unkeyed entries (a trail written
    before the installation had an audit key): from then on, verification under the key
    accepts unkeyed entries only before the first keyed one, which links to them. Nothing
    happens without a key or when the last entry is keyed already."""
    key = audit_key_of(session)
    if key is None:
        return None
    last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if last is None or last.key_id:
        return None
    values = encode_value({"sealed_up_to": last.seq, "hash": last.hash, "key_id": key.key_id})
    (entry,) = append(
        session,
        actor,
        [AuditChange("seal", "audit_entry", last.seq, None, None, None, values)],
        "entries written before the audit key, sealed under it",
    )
    return entry


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


def verify_chain(session: Session, key: AuditKey | None = None) -> ChainReport:
    """Recompute every hash and link; report altered, removed and inserted entries.

    An altered entry no longer matches its hash; a removed one leaves a gap in the
    sequence and a link to a hash that is gone; an inserted one does not link to its
    predecessor or is not what the head records. A keyed entry is checked under ``key``
    (default: the session's audit key): without the key, or under another key, it cannot be
    verified, which is a break too; an entry without a key after keyed ones was written by
    someone without the key (a forgery, unless a process runs without the installation's key).
    """
    key = key or audit_key_of(session)
    breaks: list[ChainBreak] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    keyed_from: int | None = None
    unverifiable: dict[str, int] = {}
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
        if entry.key_id:
            keyed_from = entry.seq if keyed_from is None else keyed_from
        elif keyed_from is not None:
            breaks.append(
                ChainBreak(
                    entry.seq,
                    "unkeyed",
                    f"written without the audit key after keyed entries (from entry {keyed_from}): "
                    "forged, or written by a process that does not hold the installation's key",
                )
            )
        try:
            recomputed = entry_hash(entry, key)
        except KeyError:
            unverifiable.setdefault(entry.key_id or "", entry.seq)
            recomputed = None
        if recomputed is not None and recomputed != entry.hash:
            breaks.append(
                ChainBreak(entry.seq, "altered", "content does not match its hash (the entry was changed)")
            )
        prev_hash, expected_seq = entry.hash, entry.seq + 1
        session.expunge(entry)
    if key is not None and count and keyed_from is None:
        breaks.append(
            ChainBreak(
                expected_seq - 1,
                "unkeyed",
                f"no entry is keyed with the installation's key {key.key_id}: the trail was rewritten "
                "without the key, or never sealed under it (oncotrial db init seals it)",
            )
        )
    for key_id, first in unverifiable.items():
        have = f"the key given is {key.key_id}" if key else "no audit key was given"
        breaks.append(
            ChainBreak(
                first,
                "unverifiable",
                f"entries from {first} are keyed with {key_id}, and {have}: their content cannot be checked",
            )
        )
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
