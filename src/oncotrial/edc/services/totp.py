"""The second factor: time-based one-time codes (TOTP, RFC 6238) with ``pyotp``.

Enrolment is two steps: :func:`begin_enrolment` makes a secret and returns it once, as an
``otpauth://`` URI for an authenticator app (and the bare secret for typing in); the
factor counts only after :func:`confirm_enrolment` has seen a first correct code. A code
is six digits for a 30-second time step; the step before and after are accepted too
(clock drift of up to 30 s), and each step's code is accepted once: the last used step
is stored, and a code of that step or an earlier one is refused (RFC 6238 §5.2).

The secret is stored (a TOTP verifier needs it) and masked in the audit trail; the
enrolment, its confirmation and a reset are audited through the write path.
"""

from __future__ import annotations

import datetime as dt
import hmac

import pyotp
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.models import TotpCredential, User, utcnow
from oncotrial.errors import OncotrialError

__all__ = [
    "DRIFT_STEPS",
    "STEP_S",
    "Enrolment",
    "begin_enrolment",
    "confirm_enrolment",
    "get_credential",
    "has_second_factor",
    "matching_step",
    "use_code",
]

STEP_S = 30
DRIFT_STEPS = 1


class Enrolment:
    """What the user is shown once: the URI for the app and the secret to type in."""

    def __init__(self, uri: str, secret: str) -> None:
        self.uri, self.secret = uri, secret

    def __repr__(self) -> str:  # never print the secret by accident
        return "Enrolment(uri='otpauth://…', secret='…')"


def _step(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_S


def matching_step(secret: str, code: str, now: dt.datetime, *, after: int | None = None) -> int | None:
    """The time step whose code ``code`` is (within the drift), later than ``after``; else None.

    >>> secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    >>> now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> code = pyotp.TOTP(secret).at(now)
    >>> matching_step(secret, code, now) == _step(now)
    True
    >>> matching_step(secret, code, now, after=_step(now)) is None  # already used
    True
    >>> matching_step(secret, "12345", now) is None
    True
    """
    code = code.replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp, current = pyotp.TOTP(secret), _step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def get_credential(session: Session, user_id: int) -> TotpCredential | None:
    """The user's second-factor record (confirmed or not), or None."""
    return session.execute(
        select(TotpCredential).where(TotpCredential.user_id == user_id)
    ).scalar_one_or_none()


def has_second_factor(session: Session, user_id: int) -> bool:
    """True when the user has a confirmed second factor."""
    credential = get_credential(session, user_id)
    return credential is not None and credential.confirmed_at is not None


def begin_enrolment(session: Session, user: User, *, issuer: str = "oncotrial") -> Enrolment:
    """A new secret for ``user``, to confirm with a first code; replaces an unconfirmed one.

    Refused (409 ``already_enrolled``) when a confirmed factor exists: an administrator
    resets it first (:func:`oncotrial.edc.services.accounts.reset_second_factor`).
    """
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    credential = get_credential(session, user.id)
    if credential is None:
        _writer.insert(
            session,
            user,
            TotpCredential(user_id=user.id, secret=secret),
            subject=None,
            reason="second factor: enrolment started",
            check=False,
        )
    elif credential.confirmed_at is not None:
        raise Conflict(
            ("second_factor",),
            user.username,
            "a second factor is already set up; an administrator can reset it",
            code="already_enrolled",
        )
    else:
        _writer.update(
            session,
            user,
            credential,
            {"secret": secret},
            subject=None,
            expected_version=None,
            reason="second factor: enrolment started again",
            check=False,
        )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)
    return Enrolment(uri, secret)


def confirm_enrolment(session: Session, user: User, code: str) -> TotpCredential:
    """Turn the factor on with a first correct code (problem on ``code`` otherwise)."""
    credential = get_credential(session, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise OncotrialError(
            ("code",), None, "no second-factor enrolment is waiting: start it again", code="not_started"
        )
    now = utcnow()
    step = matching_step(credential.secret, code, now)
    if step is None:
        raise OncotrialError(
            ("code",),
            None,
            "is not the current code of your authenticator app (6 digits; check its clock)",
            code="bad_code",
        )
    _writer.update(
        session,
        user,
        credential,
        {"confirmed_at": now},
        subject=None,
        expected_version=None,
        reason="second factor: enrolled",
        check=False,
    )
    _record_step(session, credential.id, step)
    return credential


def use_code(session: Session, user_id: int, code: str) -> bool:
    """True when ``code`` is a current, unused code of the user's confirmed factor.

    The step is recorded in the same statement that checks it was not used, so two
    requests with one code cannot both pass.
    """
    credential = get_credential(session, user_id)
    if credential is None or credential.confirmed_at is None:
        return False
    step = matching_step(credential.secret, code, utcnow(), after=credential.last_used_step)
    return step is not None and _record_step(session, credential.id, step)


def _record_step(session: Session, credential_id: int, step: int) -> bool:
    # Replay bookkeeping, not audited (like a site's number counters): the sign-in is.
    done = session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == credential_id,
            or_(TotpCredential.last_used_step.is_(None), TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return done.rowcount == 1
