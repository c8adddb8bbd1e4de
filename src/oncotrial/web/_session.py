"""The browser session: one signed cookie holding who is signed in and the CSRF token.

The cookie is signed (itsdangerous) with the application's secret key, so it cannot be
forged or altered; it carries no trial data. A session ends when it has been idle longer
than the configured lifetime (the signature's timestamp is renewed on every page), on
logout, and when the user's password changes (the cookie carries a fingerprint of the
password hash, compared on every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["SESSION_COOKIE", "SessionCodec", "WebSession", "password_fingerprint"]

SESSION_COOKIE = "oncotrial_session"


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a stored password hash: changes when the password changes.

    >>> password_fingerprint("$argon2id$v=19$abc") == password_fingerprint("$argon2id$v=19$abc")
    True
    >>> len(password_fingerprint("x"))
    16
    """
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: the CSRF token always; the user once signed in."""

    csrf: str = field(default_factory=_new_token)
    user_id: int | None = None
    pwfp: str | None = None
    flash: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def signed_in_as(self, user_id: int, pwfp: str) -> WebSession:
        """A fresh session for a user who just signed in (new CSRF token: no fixation)."""
        return WebSession(user_id=user_id, pwfp=pwfp)

    def with_flash(self, message: str | None) -> WebSession:
        return replace(self, flash=message)

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.user_id, "p": self.pwfp, "f": self.flash}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSession:
        return cls(csrf=str(data["c"]), user_id=data.get("u"), pwfp=data.get("p"), flash=data.get("f"))


class SessionCodec:
    """Sign and read session cookies; ``max_age_s`` is the idle lifetime in seconds.

    >>> codec = SessionCodec("k" * 32, max_age_s=60)
    >>> s = WebSession(user_id=3, pwfp="ab")
    >>> codec.loads(codec.dumps(s)) == (s, None)
    True
    >>> codec.loads("forged")[1]
    'invalid'
    """

    def __init__(self, secret_key: str, *, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="oncotrial.web.session")
        self.max_age_s = max_age_s

    def dumps(self, session: WebSession) -> str:
        return self._serializer.dumps(session.to_dict())

    def loads(self, cookie: str | None) -> tuple[WebSession | None, str | None]:
        """The session in the cookie and, when there is none, why: ``expired`` or ``invalid``."""
        if not cookie:
            return None, None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_s)
        except SignatureExpired:
            return None, "expired"
        except (BadSignature, KeyError, TypeError, ValueError):
            return None, "invalid"
        try:
            return WebSession.from_dict(data), None
        except (KeyError, TypeError):
            return None, "invalid"
