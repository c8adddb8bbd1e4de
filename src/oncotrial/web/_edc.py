"""The one place the web pages reach the EDC services.

Pages call these names only, so a change in the EDC's surface is absorbed here. Nothing
here decides a trial rule: each function forwards to the service that owns it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from oncotrial.edc._auth import authenticate, get_user
from oncotrial.edc._models import User

__all__ = ["authenticate", "change_password", "get_user"]


def change_password(session: Session, user: User, current: str, new: str) -> User:
    """Change the signed-in user's password through the EDC (which checks the current one)."""
    from oncotrial.edc import _auth

    service = getattr(_auth, "change_password", None)
    if service is None:  # the EDC has no password-change service yet
        from oncotrial.errors import OncotrialError

        raise OncotrialError("new_password", None, "password change is not available on this server")
    db_user = session.get(User, user.id)
    return service(session, db_user, current, new)
