"""Server-side browser sessions, and ending every session and token of a user.

A browser holds a random session id (in its signed cookie); the database holds only the
id's SHA-256, with the user, the stage, when it was created and last seen, when it
expires and whether it was revoked. Every page request reads the row, so a session ends
for every application process at once: on logout, when idle longer than the settings
allow, at its absolute expiry, and when :func:`end_sessions` revokes it (a password
change or reset, deactivation, a role or site change, a second-factor reset).

Session rows and API tokens are sign-in bookkeeping, not trial data: they are written
here directly, outside the audit trail; the change that ends them is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from oncotrial.edc.store.models import ApiToken, WebSession, utcnow

__all__ = [
    "STAGES",
    "SessionState",
    "end_sessions",
    "end_web_session",
    "open_web_session",
    "read_web_session",
]

#: ``ok``: signed in; ``code``: the password was right, the one-time code is awaited;
#: ``enrol``: signed in, but only to set up the second factor the role requires.
STAGES = ("ok", "code", "enrol")
#: A session waiting for its one-time code lives this long.
CODE_STAGE_LIFETIME_S = 300
#: ``last_seen_at`` is written at most this often (seconds): a page view is a read, not a write.
_SEEN_GRANULARITY_S = 60


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SessionState:
    """What a session id stands for: the user and the stage, or why it no longer counts."""

    user_id: int | None
    stage: str | None
    ended: str | None = None  # "unknown", "revoked", "idle", "expired"

    @property
    def live(self) -> bool:
        return self.ended is None


def open_web_session(session: Session, user_id: int, *, stage: str, max_lifetime_s: int) -> str:
    """A new session for ``user_id``; the random id is returned once and only its digest stored.

    A ``code`` session (password given, one-time code awaited) expires after
    :data:`CODE_STAGE_LIFETIME_S` whatever ``max_lifetime_s`` says.
    """
    if stage not in STAGES:
        raise ValueError(f"stage: expected one of {STAGES}, got {stage!r}")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = min(max_lifetime_s, CODE_STAGE_LIFETIME_S) if stage == "code" else max_lifetime_s
    session.add(
        WebSession(
            user_id=user_id,
            token_sha256=_digest(token),
            stage=stage,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(seconds=lifetime),
        )
    )
    session.flush()
    return token


def read_web_session(session: Session, token: str, *, idle_s: int) -> SessionState:
    """The state of the session with this id; renews its ``last_seen_at`` (at most once a minute).

    A session idle longer than ``idle_s`` or past its expiry is revoked on the spot, so it
    cannot come back if the settings change.
    """
    row = session.execute(
        select(WebSession).where(WebSession.token_sha256 == _digest(token))
    ).scalar_one_or_none()
    if row is None:
        return SessionState(None, None, "unknown")
    if row.revoked:
        return SessionState(row.user_id, row.stage, "revoked")
    now = utcnow()
    ended = None
    if _aware(row.expires_at) <= now:
        ended = "expired"
    elif (now - _aware(row.last_seen_at)).total_seconds() > idle_s:
        ended = "idle"
    if ended is not None:
        row.revoked, row.revoked_at, row.revoke_reason = True, now, ended
        session.flush()
        return SessionState(row.user_id, row.stage, ended)
    if (now - _aware(row.last_seen_at)).total_seconds() >= _SEEN_GRANULARITY_S:
        row.last_seen_at = now
        session.flush()
    return SessionState(row.user_id, row.stage)


def end_web_session(session: Session, token: str, reason: str) -> None:
    """Revoke one session (logout, or the end of a stage); an unknown id is ignored."""
    session.execute(
        update(WebSession)
        .where(WebSession.token_sha256 == _digest(token), WebSession.revoked.is_(False))
        .values(revoked=True, revoked_at=utcnow(), revoke_reason=reason[:60])
    )


def end_sessions(session: Session, user_id: int, *, reason: str, keep_web_session: str | None = None) -> int:
    """Revoke every web session and every API token of a user; how many were live.

    ``keep_web_session`` names the one browser session that survives: the one in which
    the user just changed their own password (they proved the current password in it).
    Every other session and every API token ends.
    """
    now = utcnow()
    web = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked.is_(False))
    if keep_web_session is not None:
        web = web.where(WebSession.token_sha256 != _digest(keep_web_session))
    ended = session.execute(web.values(revoked=True, revoked_at=now, revoke_reason=reason[:60])).rowcount
    ended += session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False)).values(revoked=True)
    ).rowcount
    return ended
