"""Passwords (argon2) and API tokens: who is acting.

Only argon2 hashes of passwords and SHA-256 digests of tokens are stored. What a
user may then do is decided in :mod:`oncotrial.edc.services.access`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import NotAuthenticated
from oncotrial.edc.store.models import ApiToken, User, utcnow

__all__ = [
    "authenticate",
    "get_user",
    "hash_password",
    "issue_token",
    "revoke_token",
    "user_for_token",
    "verify_password",
]

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """True when ``password`` is the user's password.

    >>> u = User(username="a", full_name="A", role="monitor", password_hash=hash_password("s3cret!"))
    >>> verify_password(u, "s3cret!"), verify_password(u, "wrong")
    (True, False)
    """
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_user(session: Session, user_id: int) -> User | None:
    """The active user with this id, or None (for a web session whose user was deactivated)."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def authenticate(session: Session, username: str, password: str) -> User:
    """The active, unlocked user with these credentials; :class:`NotAuthenticated` otherwise.

    A bare check of the credentials: no throttling, no failure recorded, no second factor.
    Signing in (web and API) goes through :func:`oncotrial.edc.services.login.sign_in`,
    which adds those. The same message answers an unknown name and a wrong password, so
    names cannot be probed.
    """
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        spend_a_verification(password)  # answer as slowly as for a known user
        raise NotAuthenticated("wrong username or password")
    if not verify_password(user, password) or not user.active or user.locked_at is not None:
        raise NotAuthenticated("wrong username or password")
    return user


_DUMMY_HASH: list[str] = []


def spend_a_verification(password: str) -> None:
    """Verify ``password`` against a throw-away hash: as slow as checking a real user's."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(_hasher.hash(secrets.token_urlsafe(16)))
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DUMMY_HASH[0], password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, *, lifetime_s: int, label: str = "") -> str:
    """A new bearer token for ``user``; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_sha256=_digest(token),
            label=label,
            expires_at=utcnow() + dt.timedelta(seconds=lifetime_s),
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User:
    """The active user holding this unexpired, unrevoked token; :class:`NotAuthenticated` otherwise."""
    row = session.execute(
        select(ApiToken).where(ApiToken.token_sha256 == _digest(token))
    ).scalar_one_or_none()
    if row is None or row.revoked or not row.user.active:
        raise NotAuthenticated("the API token is not valid")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    if expires <= utcnow():
        raise NotAuthenticated("the API token has expired")
    return row.user


def revoke_token(session: Session, token: str) -> None:
    """Revoke a token (logout); unknown tokens are ignored."""
    row = session.execute(
        select(ApiToken).where(ApiToken.token_sha256 == _digest(token))
    ).scalar_one_or_none()
    if row is not None:
        row.revoked = True
        session.flush()
