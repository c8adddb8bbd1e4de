"""Authentication for the pages: sign-in, loading the session's user, own password change.

Sign-in and user loading are the EDC's (:mod:`oncotrial.edc._auth`). The EDC has no
service for a user changing their own password yet, so :func:`change_password` checks the
current password with the EDC's ``verify_password`` and writes the new hash through the
EDC's one write path, audited with the user as actor.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from oncotrial.edc import _writer
from oncotrial.edc._admin import MIN_PASSWORD_LENGTH
from oncotrial.edc._auth import authenticate, get_user, hash_password, verify_password
from oncotrial.edc._models import User
from oncotrial.errors import OncotrialError, Problem, ValidationFailed

__all__ = ["authenticate", "change_password", "get_user"]


def change_password(session: Session, user: User, current: str, new: str) -> User:
    """The signed-in user changes their own password: the current one must be re-entered.

    Written through the EDC's one write path with the user as actor (audited, hash masked).
    """
    db_user = session.get(User, user.id)
    problems = []
    if db_user is None or not verify_password(db_user, current):
        problems.append(Problem(("current_password",), "is not your current password", "bad_password"))
    if len(new) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(("new_password",), f"must be at least {MIN_PASSWORD_LENGTH} characters", "too_short")
        )
    if problems:
        raise ValidationFailed(problems)
    if db_user is None:  # pragma: no cover - verify_password already failed
        raise OncotrialError("current_password", None, "no such user")
    return _writer.update(
        session,
        db_user,
        db_user,
        {"password_hash": hash_password(new)},
        subject=None,
        expected_version=None,
        reason="password changed by its user",
        check=False,
    )
