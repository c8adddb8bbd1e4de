"""Anchors: the chain's head recorded outside the database, and checked against it later.

An anchor file holds one JSON line per record: when, the head's sequence number and hash,
and (with the audit key) an HMAC of the line, so the file itself cannot be edited unnoticed.
A chain rewritten after an anchor was taken (entries removed, the trail truncated and
rebuilt, every hash recomputed) no longer has that hash at that place: verification finds
it. Anchors are written by ``oncotrial audit anchor`` (run it from cron or a systemd timer),
by the server every ``anchor_interval_s`` when ``anchor_file`` is set, and whenever the
database is locked. Keep the file on another machine, or copy it there (docs/security.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oncotrial.edc.store.audit import GENESIS, AuditKey, ChainBreak, audit_key_of
from oncotrial.edc.store.models import AuditEntry, AuditHead, utcnow
from oncotrial.errors import OncotrialError

__all__ = ["Anchor", "head_anchor", "read_anchors", "record_anchor", "verify_anchors", "write_anchor"]


@dataclass(frozen=True)
class Anchor:
    """One recorded head: ``seq`` and ``hash`` at ``at`` (UTC), ``mac`` under the audit key."""

    at: str
    seq: int
    hash: str
    mac: str | None = None

    def _text(self) -> str:
        return f"{self.at}|{self.seq}|{self.hash}"

    def signed(self, key: AuditKey | None) -> Anchor:
        return Anchor(self.at, self.seq, self.hash, key.mac(self._text()) if key else None)

    def to_line(self) -> str:
        return json.dumps({"at": self.at, "seq": self.seq, "hash": self.hash, "mac": self.mac}) + "\n"


def head_anchor(session: Session) -> Anchor:
    """The chain's current head as an anchor (signed with the session's audit key)."""
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    seq, hash_ = (head.seq, head.hash) if head else (0, GENESIS)
    at = utcnow().isoformat(timespec="seconds")
    return Anchor(at, seq, hash_).signed(audit_key_of(session))


def write_anchor(path: Path, anchor: Anchor) -> Path:
    """Append ``anchor`` to the anchor file (created if missing) and flush it to disk."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(anchor.to_line())
        fh.flush()
        os.fsync(fh.fileno())
    return path


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors of a file; a line that is not an anchor raises naming the line."""
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(Anchor(str(data["at"]), int(data["seq"]), str(data["hash"]), data.get("mac")))
        except (ValueError, KeyError, TypeError):
            raise OncotrialError(("anchor_file", number), line[:80], "not an anchor line") from None
    return out


def verify_anchors(session: Session, anchors: list[Anchor], key: AuditKey | None = None) -> list[ChainBreak]:
    """Each anchor's head must still be in the chain: the entry at its ``seq`` with its hash."""
    key = key or audit_key_of(session)
    breaks = []
    hashes = dict(session.execute(select(AuditEntry.seq, AuditEntry.hash)).all())
    for anchor in anchors:
        where = f"anchor of {anchor.at} (entry {anchor.seq}, {anchor.hash[:12]})"
        if key is not None and anchor.mac is not None and anchor != anchor.signed(key):
            breaks.append(ChainBreak(anchor.seq, "anchor altered", f"the {where} does not match its MAC"))
            continue
        if anchor.seq == 0:
            continue
        found = hashes.get(anchor.seq)
        if found is None:
            breaks.append(
                ChainBreak(
                    anchor.seq, "truncated", f"the {where} is gone: the trail was emptied or cut before it"
                )
            )
        elif found != anchor.hash:
            breaks.append(
                ChainBreak(
                    anchor.seq,
                    "rewritten",
                    f"the {where} now has hash {found[:12]}: the chain was rewritten up to there",
                )
            )
    return breaks


def record_anchor(sessions: sessionmaker[Session], path: Path) -> Anchor:
    """Read the chain's head in a session of ``sessions`` and append it to ``path``."""
    with sessions() as session:
        anchor = head_anchor(session)
    write_anchor(path, anchor)
    return anchor
