"""Sites and users: created by a sponsor admin (or by the CLI, acting as ``system``).

Every password set here passes the policy of :mod:`oncotrial.edc.services.passwords`.
The rest of an account's life (deactivation, role and sites, resets, unlock) is in
:mod:`oncotrial.edc.services.accounts`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict, NotFound
from oncotrial.edc.services.access import Action, require
from oncotrial.edc.services.auth import hash_password, verify_password
from oncotrial.edc.services.passwords import MIN_PASSWORD_LENGTH, check_password, password_problems
from oncotrial.edc.services.sessions import end_sessions
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import Role, Site, User
from oncotrial.errors import OncotrialError, Problem, ValidationFailed

__all__ = ["MIN_PASSWORD_LENGTH", "change_own_password", "create_site", "create_user", "set_password"]


def _require_admin(actor: User | None) -> None:
    if actor is not None:
        require(actor, Action.ADMIN)


def create_site(session: Session, actor: User | None, *, code: str, name: str, country: str = "") -> Site:
    """Add a site; ``code`` prefixes its subject numbers (``<code>-001``)."""
    _require_admin(actor)
    if not code or not code.isalnum():
        raise OncotrialError(("code",), code, "a site code is letters and digits only", code="invalid")
    if session.execute(select(Site).where(Site.code == code)).scalar_one_or_none():
        raise Conflict(("code",), code, f"site {code} already exists", code="duplicate")
    return _writer.insert(
        session, actor, Site(code=code, name=name, country=country), subject=None, check=False
    )


def sites_by_code(session: Session, site_codes: Sequence[str]) -> list[Site]:
    """The sites with these codes (404 naming the first unknown one)."""
    sites = []
    for code in site_codes:
        site = session.execute(select(Site).where(Site.code == code)).scalar_one_or_none()
        if site is None:
            raise NotFound("site", code)
        sites.append(site)
    return sites


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    site_codes: Sequence[str] = (),
    must_change_password: bool = False,
) -> User:
    """Add a user with a role; site-scoped roles need at least one site.

    ``must_change_password``: the password is a temporary one, to be replaced at the
    first sign-in.
    """
    _require_admin(actor)
    try:
        role_enum = Role(role)
    except ValueError:
        raise OncotrialError(
            ("role",), role, f"expected one of {[r.value for r in Role]}", code="invalid"
        ) from None
    if not username or len(username) > 64 or username != username.strip():
        raise OncotrialError(
            ("username",), username, "must be 1 to 64 characters without surrounding spaces", code="invalid"
        )
    check_password(password, username=username)
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise Conflict(("username",), username, f"user {username} already exists", code="duplicate")
    sites = sites_by_code(session, site_codes)
    if role_enum.site_scoped and not sites:
        raise OncotrialError(
            ("site_codes",),
            list(site_codes),
            f"a {role} must be assigned to at least one site",
            code="required",
        )
    user = User(
        username=username,
        full_name=full_name,
        role=role_enum.value,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    user.sites = sites
    return _writer.insert(session, actor, user, subject=None, check=False)


def set_password(session: Session, actor: User | None, user: User, password: str, reason: str) -> User:
    """An administrator (or the CLI) sets a user's password; every session and token of the user ends.

    For a person, prefer :func:`oncotrial.edc.services.accounts.reset_password`, whose
    temporary password must be changed at the next sign-in.
    """
    _require_admin(actor)
    check_password(password, username=user.username)
    changed = _writer.update(
        session,
        actor,
        user,
        {"password_hash": hash_password(password)},
        subject=None,
        expected_version=None,
        reason=reason,
        check=False,
    )
    end_sessions(session, user.id, reason="password set by an administrator")
    return changed


def change_own_password(
    session: Session, user: User, current: str, new: str, *, keep_web_session: str | None = None
) -> User:
    """A user changes their own password, re-entering the current one (audited, hash masked).

    Every API token and every other browser session of the user ends; the browser session
    ``keep_web_session`` (the one the change was made in) goes on. A temporary password
    (``must_change_password``) is replaced by this change.
    """
    problems = []
    if not verify_password(user, current):
        problems.append(Problem(("current_password",), "is not your current password", "bad_password"))
    problems += password_problems(new, username=user.username, field="new_password")
    if not problems and new == current:
        problems.append(Problem(("new_password",), "must differ from the current password", "unchanged"))
    if problems:
        raise ValidationFailed(problems)
    changed = _writer.update(
        session,
        user,
        user,
        {"password_hash": hash_password(new), "must_change_password": False},
        subject=None,
        expected_version=None,
        reason="password changed by its user",
        check=False,
    )
    end_sessions(session, user.id, reason="password changed", keep_web_session=keep_web_session)
    return changed
