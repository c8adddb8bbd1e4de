"""Authentication for the pages: loading the session's user, own password change.

Both are the EDC's public services; this module only adapts the page's user (read in an
earlier unit of work) to the session of the current one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from oncotrial.edc import User, change_own_password, get_user
from oncotrial.errors import OncotrialError

__all__ = ["change_password", "get_user"]


def change_password(
    session: Session, user: User, current: str, new: str, *, keep_web_session: str | None = None
) -> User:
    """The signed-in user changes their own password through the EDC's ``change_own_password``.

    ``keep_web_session`` is the id of the browser session the change is made in: it
    survives; every other session and API token of the user ends.
    """
    db_user = session.get(User, user.id)
    if db_user is None:
        raise OncotrialError("current_password", None, "no such user")
    return change_own_password(session, db_user, current, new, keep_web_session=keep_web_session)
