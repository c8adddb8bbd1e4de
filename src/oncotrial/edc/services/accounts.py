"""Account administration: deactivate, reactivate, role, sites, password reset, unlock,
second-factor reset, and the list of accounts with their state.

Each action is a sponsor admin's (``actor``), or the CLI's (``actor=None``, audited as
``system``); each goes through the write path with its reason, so it is in the audit
trail; each that changes what a user may do or how they prove who they are ends every
browser session and API token of the user (:func:`~oncotrial.edc.services.sessions.end_sessions`):
deactivation, a role or site change, a password reset, a second-factor reset. Unlocking
and reactivating end nothing (nothing is live). An administrator may not deactivate or
demote themselves, nor leave the trial without an active sponsor admin. Accounts may be
administered while the database is locked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict, NotFound
from oncotrial.edc.services.access import Action, require
from oncotrial.edc.services.admin import sites_by_code
from oncotrial.edc.services.auth import hash_password
from oncotrial.edc.services.sessions import end_sessions
from oncotrial.edc.services.totp import get_credential
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import Role, TotpCredential, User, utcnow
from oncotrial.errors import OncotrialError

__all__ = [
    "AccountState",
    "change_role",
    "change_sites",
    "deactivate_user",
    "find_user",
    "list_accounts",
    "reactivate_user",
    "reset_password",
    "reset_second_factor",
    "unlock_user",
]


@dataclass(frozen=True)
class AccountState:
    """One account as the administrator sees it (no secret in it)."""

    id: int
    username: str
    full_name: str
    role: str
    site_codes: tuple[str, ...]
    active: bool
    locked_at: dt.datetime | None
    last_login_at: dt.datetime | None
    must_change_password: bool
    second_factor: str  # "on", "pending" (enrolment started, not confirmed) or "off"

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["site_codes"] = list(self.site_codes)
        out["locked"] = self.locked
        for key in ("locked_at", "last_login_at"):
            out[key] = out[key].isoformat() if out[key] is not None else None
        return out


def _require_admin(actor: User | None) -> None:
    if actor is not None:
        require(actor, Action.ADMIN)


def find_user(session: Session, actor: User | None, username: str) -> User:
    """The user with this name (404 ``username`` otherwise); sponsor admins only."""
    _require_admin(actor)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound("username", username)
    return user


def list_accounts(session: Session, actor: User | None) -> list[AccountState]:
    """Every account with its state, by user name."""
    _require_admin(actor)
    factors = {c.user_id: c for c in session.execute(select(TotpCredential)).scalars()}
    out = []
    for user in session.execute(select(User).order_by(User.username)).scalars():
        credential = factors.get(user.id)
        factor = "off" if credential is None else ("on" if credential.confirmed_at else "pending")
        out.append(
            AccountState(
                id=user.id,
                username=user.username,
                full_name=user.full_name,
                role=user.role,
                site_codes=tuple(sorted(s.code for s in user.sites)),
                active=user.active,
                locked_at=user.locked_at,
                last_login_at=user.last_login_at,
                must_change_password=user.must_change_password,
                second_factor=factor,
            )
        )
    return out


def _update(session: Session, actor: User | None, user: User, changes: dict, reason: str | None) -> User:
    return _writer.update(
        session, actor, user, changes, subject=None, expected_version=None, reason=reason, check=False
    )


def _not_self(actor: User | None, user: User, what: str) -> None:
    if actor is not None and actor.id == user.id:
        raise Conflict(
            ("username",),
            user.username,
            f"you may not {what} your own account; ask another administrator",
            code="own_account",
        )


def _keep_an_admin(session: Session, user: User, what: str) -> None:
    if user.role != Role.SPONSOR_ADMIN.value or not user.active:
        return
    others = session.execute(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.SPONSOR_ADMIN.value, User.active.is_(True), User.id != user.id)
    ).scalar_one()
    if others == 0:
        raise Conflict(
            ("username",),
            user.username,
            f"is the last active sponsor_admin: add another before you {what} it",
            code="last_admin",
        )


def deactivate_user(session: Session, actor: User | None, username: str, *, reason: str | None) -> User:
    """The user can no longer sign in; their sessions and tokens end. Their data stay."""
    user = find_user(session, actor, username)
    _not_self(actor, user, "deactivate")
    if not user.active:
        raise Conflict(("username",), username, "is already deactivated", code="unchanged")
    _keep_an_admin(session, user, "deactivate")
    _update(session, actor, user, {"active": False}, reason)
    end_sessions(session, user.id, reason="account deactivated")
    return user


def reactivate_user(session: Session, actor: User | None, username: str, *, reason: str | None) -> User:
    """A deactivated user may sign in again (with the password they had)."""
    user = find_user(session, actor, username)
    if user.active:
        raise Conflict(("username",), username, "is already active", code="unchanged")
    return _update(session, actor, user, {"active": True}, reason)


def change_role(
    session: Session, actor: User | None, username: str, role: str, *, reason: str | None
) -> User:
    """Give the user another role; a site-scoped role needs sites assigned first."""
    user = find_user(session, actor, username)
    try:
        role_enum = Role(role)
    except ValueError:
        raise OncotrialError(
            ("role",), role, f"expected one of {[r.value for r in Role]}", code="invalid"
        ) from None
    if role_enum.value == user.role:
        raise Conflict(("role",), role, f"{username} already has this role", code="unchanged")
    _not_self(actor, user, "change the role of")
    if role_enum is not Role.SPONSOR_ADMIN:
        _keep_an_admin(session, user, "change the role of")
    if role_enum.site_scoped and not user.sites:
        raise OncotrialError(
            ("site_codes",),
            [],
            f"a {role} must be assigned to at least one site: assign {username} sites first",
            code="required",
        )
    _update(session, actor, user, {"role": role_enum.value}, reason)
    end_sessions(session, user.id, reason="role changed")
    return user


def change_sites(
    session: Session, actor: User | None, username: str, site_codes: Sequence[str], *, reason: str | None
) -> User:
    """Assign the user exactly these sites (audited as the user's ``sites``)."""
    user = find_user(session, actor, username)
    sites = sites_by_code(session, sorted(set(site_codes)))
    if user.role_enum.site_scoped and not sites:
        raise OncotrialError(
            ("site_codes",),
            list(site_codes),
            f"a {user.role} must be assigned to at least one site",
            code="required",
        )
    if {s.id for s in sites} == set(user.site_ids):
        raise Conflict(
            ("site_codes",), list(site_codes), f"{username} already has these sites", code="unchanged"
        )
    _update(session, actor, user, {"sites": sites}, reason)
    end_sessions(session, user.id, reason="sites changed")
    return user


def reset_password(session: Session, actor: User | None, username: str, *, reason: str | None) -> str:
    """Give the user a temporary password (returned once), to be changed at the next sign-in.

    The account is unlocked too (a reset is how a locked-out user gets back in), and every
    session and token of the user ends. The temporary password is 16 random URL-safe
    characters (96 bits): it passes the password policy by construction.
    """
    user = find_user(session, actor, username)
    temporary = secrets.token_urlsafe(12)
    changes: dict = {"password_hash": hash_password(temporary), "must_change_password": True}
    if user.locked_at is not None:
        changes.update(locked_at=None, unlocked_at=utcnow())
    _update(session, actor, user, changes, reason)
    end_sessions(session, user.id, reason="password reset by an administrator")
    return temporary


def unlock_user(session: Session, actor: User | None, username: str, *, reason: str | None) -> User:
    """Lift a lock after failed sign-ins; failures before now no longer count."""
    user = find_user(session, actor, username)
    if user.locked_at is None:
        raise Conflict(("username",), username, "is not locked", code="unchanged")
    return _update(session, actor, user, {"locked_at": None, "unlocked_at": utcnow()}, reason)


def reset_second_factor(session: Session, actor: User | None, username: str, *, reason: str | None) -> User:
    """Turn the user's second factor off (a lost phone); they set up a new one at the next sign-in.

    The stored secret is replaced by a random one nobody holds and the factor marked
    unconfirmed (an update rather than a delete, so it is allowed while the database is
    locked and stays in the trail); every session and token of the user ends.
    """
    user = find_user(session, actor, username)
    credential = get_credential(session, user.id)
    if credential is None or (credential.confirmed_at is None and credential.last_used_step is None):
        raise Conflict(("username",), username, "has no second factor to reset", code="unchanged")
    _writer.update(
        session,
        actor,
        credential,
        {"secret": pyotp.random_base32(), "confirmed_at": None},
        subject=None,
        expected_version=None,
        reason=reason,
        check=False,
    )
    credential.last_used_step = None  # replay bookkeeping, not audited
    session.flush()
    end_sessions(session, user.id, reason="second factor reset by an administrator")
    return user
