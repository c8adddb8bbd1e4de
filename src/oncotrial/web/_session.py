"""The browser's cookie: a signed envelope around a server-side session id and the CSRF token.

The cookie is signed (itsdangerous) with the application's secret key, so it cannot be
forged or altered; it carries no trial data and no user id. Who is signed in is the
database's answer for the session id (:mod:`oncotrial.edc.services.sessions`): logout,
a password change, deactivation and the like revoke the row, so a copy of an old cookie
signs no one in. The signature's timestamp still bounds how long an idle cookie is read
(the server's own idle check is the one that ends a session).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["SESSION_COOKIE", "SessionCodec", "WebSession"]

SESSION_COOKIE = "oncotrial_session"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: the CSRF token always; the server-side session id once signed in."""

    csrf: str = field(default_factory=_new_token)
    sid: str | None = None
    flash: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.sid is not None

    def signed_in_as(self, sid: str) -> WebSession:
        """A fresh cookie for a new server session (new CSRF token: no fixation)."""
        return WebSession(sid=sid, flash=self.flash)

    def with_flash(self, message: str | None) -> WebSession:
        return replace(self, flash=message)

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "s": self.sid, "f": self.flash}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSession:
        return cls(csrf=str(data["c"]), sid=data.get("s"), flash=data.get("f"))

    def __repr__(self) -> str:  # the id is a bearer secret: keep it out of logs
        return f"WebSession(signed_in={self.signed_in}, flash={self.flash!r})"


class SessionCodec:
    """Sign and read session cookies; ``max_age_s`` is the idle lifetime in seconds.

    >>> codec = SessionCodec("k" * 32, max_age_s=60)
    >>> s = WebSession(sid="abc")
    >>> codec.loads(codec.dumps(s)) == (s, None)
    True
    >>> codec.loads("forged")[1]
    'invalid'
    """

    def __init__(self, secret_key: str, *, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="oncotrial.web.session.v2")
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
