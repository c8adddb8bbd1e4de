"""Sites and users: created by a sponsor admin (or by the CLI, acting as ``system``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict, NotFound
from oncotrial.edc.services.access import Action, require
from oncotrial.edc.services.auth import hash_password, verify_password
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import Role, Site, User
from oncotrial.errors import OncotrialError, Problem, ValidationFailed

__all__ = ["MIN_PASSWORD_LENGTH", "change_own_password", "create_site", "create_user", "set_password"]

MIN_PASSWORD_LENGTH = 8


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


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    site_codes: Sequence[str] = (),
) -> User:
    """Add a user with a role; site-scoped roles need at least one site."""
    _require_admin(actor)
    try:
        role_enum = Role(role)
    except ValueError:
        raise OncotrialError(
            ("role",), role, f"expected one of {[r.value for r in Role]}", code="invalid"
        ) from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OncotrialError(
            ("password",), "***", f"must be at least {MIN_PASSWORD_LENGTH} characters", code="too_short"
        )
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise Conflict(("username",), username, f"user {username} already exists", code="duplicate")
    sites = []
    for code in site_codes:
        site = session.execute(select(Site).where(Site.code == code)).scalar_one_or_none()
        if site is None:
            raise NotFound("site", code)
        sites.append(site)
    if role_enum.site_scoped and not sites:
        raise OncotrialError(
            ("site_codes",),
            list(site_codes),
            f"a {role} must be assigned to at least one site",
            code="required",
        )
    user = User(
        username=username, full_name=full_name, role=role_enum.value, password_hash=hash_password(password)
    )
    user.sites = sites
    return _writer.insert(session, actor, user, subject=None, check=False)


def set_password(session: Session, actor: User | None, user: User, password: str, reason: str) -> User:
    """Change a user's password (by an admin, or by the CLI)."""
    _require_admin(actor)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OncotrialError(
            ("password",), "***", f"must be at least {MIN_PASSWORD_LENGTH} characters", code="too_short"
        )
    return _writer.update(
        session,
        actor,
        user,
        {"password_hash": hash_password(password)},
        subject=None,
        expected_version=None,
        reason=reason,
        check=False,
    )


def change_own_password(session: Session, user: User, current: str, new: str) -> User:
    """A user changes their own password, re-entering the current one (audited, hash masked)."""
    problems = []
    if not verify_password(user, current):
        problems.append(Problem(("current_password",), "is not your current password", "bad_password"))
    if len(new) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(("new_password",), f"must be at least {MIN_PASSWORD_LENGTH} characters", "too_short")
        )
    if problems:
        raise ValidationFailed(problems)
    return _writer.update(
        session,
        user,
        user,
        {"password_hash": hash_password(new)},
        subject=None,
        expected_version=None,
        reason="password changed by its user",
        check=False,
    )
