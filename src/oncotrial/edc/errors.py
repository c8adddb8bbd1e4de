"""The EDC's domain errors beyond bad input; the API maps each to one HTTP status.

:class:`~oncotrial.errors.OncotrialError` / :class:`~oncotrial.errors.ValidationFailed`
(bad input, a protocol limit) answer 422; the classes here answer 401, 403, 404 and 409.
Each still names the field (``loc``), the value and the reason.
"""

from __future__ import annotations

from oncotrial.errors import OncotrialError

__all__ = ["Conflict", "Forbidden", "Locked", "NotAuthenticated", "NotFound"]


class NotAuthenticated(OncotrialError):
    """No valid credentials (HTTP 401).

    ``code`` says which: ``not_authenticated`` (wrong or no credentials), ``account_locked``,
    ``address_throttled``, ``code_required`` / ``bad_code`` (the second factor),
    ``enrolment_required``, ``password_change_required``; ``loc`` names the field at fault.
    """

    def __init__(
        self,
        reason: str = "sign in or give a valid API token",
        *,
        loc: tuple[str | int, ...] = ("credentials",),
        code: str = "not_authenticated",
    ) -> None:
        super().__init__(loc, None, reason, code=code)


class Forbidden(OncotrialError):
    """The acting user's role may not do this (HTTP 403)."""

    def __init__(self, action: str, role: str) -> None:
        super().__init__(("role",), role, f"role {role} may not {action}", code="forbidden")


class NotFound(OncotrialError):
    """No such record, or not visible to the acting user (HTTP 404; another site's data is not revealed)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__((what,), ident, f"no {what} {ident!r} visible to you", code="not_found")


class Conflict(OncotrialError):
    """A write against a stale version, or a duplicate (HTTP 409)."""

    def __init__(self, loc: tuple[str | int, ...] | str, value: object, reason: str, code: str = "conflict"):
        super().__init__(loc, value, reason, code=code)


class Locked(Conflict):
    """A write refused because the subject is frozen or the database is locked (HTTP 409)."""

    def __init__(self, what: str, value: object, reason: str) -> None:
        super().__init__((what,), value, reason, code="locked")
