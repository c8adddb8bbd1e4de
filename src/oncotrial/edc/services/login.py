"""Signing in, for the web pages and the API alike: throttling, lockout, second factor, audit.

:func:`sign_in` checks, in this order, and answers the same on ``/login`` and
``/api/auth/login``:

1. **the client address**: more than ``max_failures_per_address`` failed sign-ins from it
   within ``failure_window_s`` → refused (``address_throttled``) until older failures
   leave the window (a cooling-off period as long as the window);
2. **the user name**: locked → refused (``account_locked``) until an administrator
   unlocks it, whatever the password; a name that is no account locks the same way,
   so the answer never tells whether a name exists;
3. **the password** (argon2; for an unknown name a dummy verification takes the same time);
4. **the second factor**, for a user who has one (or whose role requires one).

A failure is written in a transaction of its own, so it is stored although the sign-in
fails: one ``login_failure`` row (name tried, address, channel, reason; never the
password) through the write path, hence one audit entry. The
``max_failures_per_account``-th counted failure of a name within the window (counting
from the user's last sign-in or unlock, if later) locks it: ``app_user.locked_at`` for
an account (audited), a mark on the failure for a name that is no account. Counted:
wrong password, unknown name, deactivated account, wrong one-time code. Not counted
(but recorded): refusals while locked or throttled, a missing code, a second factor not
yet set up, a password that must be changed first. A successful sign-in writes
``last_login_at`` (audited, with channel and address) and so restarts the count.

Limits: requests already past the checks when a lock lands still have their password
verified (at most one per concurrent request).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from oncotrial.edc.errors import NotAuthenticated
from oncotrial.edc.services import totp as _totp
from oncotrial.edc.services.auth import spend_a_verification, verify_password
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.db import unit_of_work
from oncotrial.edc.store.models import LoginFailure, User, utcnow

if TYPE_CHECKING:
    from oncotrial.settings import Settings

__all__ = ["COUNTED_REASONS", "LoginPolicy", "SignInResult", "sign_in", "sign_in_code"]

#: Failure reasons that count towards locking a name (each is a guess of a secret).
COUNTED_REASONS = frozenset({"bad_password", "unknown_user", "inactive_user", "bad_code"})


@dataclass(frozen=True)
class LoginPolicy:
    """The throttling limits and the roles that need a second factor (from the settings)."""

    max_failures_per_account: int = 5
    max_failures_per_address: int = 50
    failure_window_s: int = 900
    totp_required_roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_address=settings.login_max_failures_per_address,
            failure_window_s=settings.login_failure_window_s,
            totp_required_roles=frozenset(settings.totp_required_roles),
        )

    def requires_second_factor(self, role: str) -> bool:
        return role in self.totp_required_roles


@dataclass(frozen=True)
class SignInResult:
    """A sign-in that got past the password: who, and what comes next.

    ``next_step``: ``done``; ``code`` (web: ask for the one-time code, then
    :func:`sign_in_code`); ``enrol`` (web: signed in only to set up the second factor
    the role requires). ``must_change_password``: a password set by an administrator.
    """

    user_id: int
    username: str
    role: str
    next_step: str
    must_change_password: bool


class _Refused(Exception):
    def __init__(self, reason: str, error: NotAuthenticated) -> None:
        super().__init__(reason)
        self.reason, self.error = reason, error


def _bad_credentials() -> NotAuthenticated:
    return NotAuthenticated("wrong username or password")


def _locked() -> NotAuthenticated:
    return NotAuthenticated(
        "this user name is locked after too many failed sign-ins; an administrator must unlock it",
        code="account_locked",
    )


def _throttled(policy: LoginPolicy) -> NotAuthenticated:
    minutes = max(1, policy.failure_window_s // 60)
    return NotAuthenticated(
        f"too many failed sign-ins from this address; try again in {minutes} minutes",
        loc=("address",),
        code="address_throttled",
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _window_start(policy: LoginPolicy, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=policy.failure_window_s)


def _address_throttled(session: Session, address: str, policy: LoginPolicy, now: dt.datetime) -> bool:
    count = session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at > _window_start(policy, now))
    ).scalar_one()
    return count >= policy.max_failures_per_address


def _name_locked(session: Session, username: str, user: User | None) -> bool:
    if user is not None:
        return user.locked_at is not None
    marked = session.execute(
        select(LoginFailure.id)
        .where(LoginFailure.username == username, LoginFailure.locked_account.is_(True))
        .limit(1)
    ).first()
    return marked is not None


def _find_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _record_failure(
    factory: sessionmaker[Session],
    username: str,
    address: str,
    channel: str,
    reason: str,
    policy: LoginPolicy,
) -> None:
    """Store one failure (and the lock it may cause) in a transaction of its own."""
    with unit_of_work(factory) as session:
        now = utcnow()
        # The user's row, locked on PostgreSQL, serialises the failures of one account.
        user = session.execute(
            select(User).where(User.username == username).with_for_update()
        ).scalar_one_or_none()
        failure = LoginFailure(
            at=now, username=username[:64], address=address[:64], channel=channel, reason=reason
        )
        if reason in COUNTED_REASONS and not _name_locked(session, failure.username, user):
            since = _window_start(policy, now)
            if user is not None:
                since = max(t for t in (since, _aware(user.last_login_at), _aware(user.unlocked_at)) if t)
            earlier = session.execute(
                select(func.count())
                .select_from(LoginFailure)
                .where(
                    LoginFailure.username == failure.username,
                    LoginFailure.reason.in_(COUNTED_REASONS),
                    LoginFailure.at > since,
                )
            ).scalar_one()
            if earlier + 1 >= policy.max_failures_per_account:
                failure.locked_account = True
                if user is not None:
                    _writer.update(
                        session,
                        None,
                        user,
                        {"locked_at": now},
                        subject=None,
                        expected_version=None,
                        reason=f"locked after {policy.max_failures_per_account} failed sign-ins within "
                        f"{policy.failure_window_s // 60} minutes",
                        check=False,
                    )
        _writer.insert(
            session, None, failure, subject=None, reason=f"failed sign-in ({channel}): {reason}", check=False
        )


def _signed_in(session: Session, user: User, channel: str, address: str) -> None:
    _writer.update(
        session,
        user,
        user,
        {"last_login_at": utcnow()},
        subject=None,
        expected_version=None,
        reason=f"signed in ({channel}) from {address}",
        check=False,
    )


def _attempt(
    session: Session,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    address: str,
    channel: str,
    policy: LoginPolicy,
) -> SignInResult:
    now = utcnow()
    if _address_throttled(session, address, policy, now):
        raise _Refused("address_throttled", _throttled(policy))
    user = _find_user(session, username)
    if _name_locked(session, username[:64], user):
        raise _Refused("account_locked", _locked())
    if user is None:
        spend_a_verification(password)  # answer as slowly as for a known user
        raise _Refused("unknown_user", _bad_credentials())
    if not verify_password(user, password):
        raise _Refused("bad_password", _bad_credentials())
    if not user.active:
        raise _Refused("inactive_user", _bad_credentials())
    step = "done"
    if _totp.has_second_factor(session, user.id):
        if totp_code is None and channel == "web":
            step = "code"
        elif totp_code is None:
            raise _Refused(
                "code_required",
                NotAuthenticated(
                    "a one-time code from your authenticator app is required",
                    loc=("totp_code",),
                    code="code_required",
                ),
            )
        elif not _totp.use_code(session, user.id, totp_code):
            raise _Refused("bad_code", _bad_code())
    elif policy.requires_second_factor(user.role):
        if channel != "web":
            raise _Refused(
                "enrolment_required",
                NotAuthenticated(
                    f"role {user.role} requires a second factor: set it up on the web page "
                    "/account/second-factor first",
                    loc=("totp_code",),
                    code="enrolment_required",
                ),
            )
        step = "enrol"
    if user.must_change_password and channel != "web":
        raise _Refused(
            "password_change_required",
            NotAuthenticated(
                "the password was set by an administrator: change it on the web page /password first",
                loc=("password",),
                code="password_change_required",
            ),
        )
    if step != "code":
        _signed_in(session, user, channel, address)
    return SignInResult(user.id, user.username, user.role, step, user.must_change_password)


def _bad_code() -> NotAuthenticated:
    return NotAuthenticated(
        "the one-time code is not valid (wrong, expired or already used)", loc=("totp_code",), code="bad_code"
    )


def sign_in(
    factory: sessionmaker[Session],
    *,
    username: str,
    password: str,
    address: str,
    channel: str,
    policy: LoginPolicy,
    totp_code: str | None = None,
) -> SignInResult:
    """Check a sign-in (see the module's docstring); :class:`NotAuthenticated` when refused.

    ``channel`` is ``web`` or ``api``. Opens its own units of work on ``factory``: the
    check (and, on success, ``last_login_at``) in one, a failure in another.
    """
    try:
        with unit_of_work(factory) as session:
            return _attempt(
                session,
                username=username,
                password=password,
                totp_code=totp_code,
                address=address,
                channel=channel,
                policy=policy,
            )
    except _Refused as refused:
        _record_failure(factory, username, address, channel, refused.reason, policy)
        raise refused.error from None


def sign_in_code(
    factory: sessionmaker[Session], *, user_id: int, code: str, address: str, policy: LoginPolicy
) -> SignInResult:
    """The web's second step: the one-time code of a user whose password was just accepted."""
    username = ""
    try:
        with unit_of_work(factory) as session:
            user = session.get(User, user_id)
            if user is None:
                raise _Refused("unknown_user", _bad_credentials())
            username = user.username
            if _address_throttled(session, address, policy, utcnow()):
                raise _Refused("address_throttled", _throttled(policy))
            if user.locked_at is not None:
                raise _Refused("account_locked", _locked())
            if not user.active:
                raise _Refused("inactive_user", _bad_credentials())
            if not _totp.use_code(session, user.id, code):
                raise _Refused("bad_code", _bad_code())
            _signed_in(session, user, "web", address)
            return SignInResult(user.id, user.username, user.role, "done", user.must_change_password)
    except _Refused as refused:
        _record_failure(factory, username, address, "web", refused.reason, policy)
        raise refused.error from None
