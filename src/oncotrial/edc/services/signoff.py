"""Casebook signatures, subject freeze and database lock."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.services.access import Action, get_subject, require
from oncotrial.edc.services.auth import verify_password
from oncotrial.edc.services.forms import SignIn
from oncotrial.edc.services.trial import get_trial
from oncotrial.edc.store import writer as _writer
from oncotrial.edc.store.anchors import head_anchor, write_anchor
from oncotrial.edc.store.audit import AuditChange, append, encode_value
from oncotrial.edc.store.models import Signature, Subject, SubjectStatus, Trial, User, utcnow
from oncotrial.errors import OncotrialError

__all__ = ["freeze_subject", "lock_database", "sign_casebook", "signatures", "unlock_database"]


def sign_casebook(session: Session, actor: User, subject_id: int, form: SignIn) -> Signature:
    """The investigator signs a subject's casebook, re-entering the password; the meaning is recorded.

    The signature stays valid until any data of the subject changes.
    """
    subject = get_subject(session, actor, subject_id, Action.SIGN)
    if not verify_password(actor, form.password):
        raise OncotrialError(
            ("password",), "***", "does not match: re-enter your own password to sign", code="bad_password"
        )
    if subject.status != SubjectStatus.ENROLLED:
        raise OncotrialError(
            ("subject_id",), subject_id, "only an enrolled subject's casebook is signed", code="not_enrolled"
        )
    signature = Signature(subject_id=subject.id, signer_id=actor.id, meaning=form.meaning, signed_at=utcnow())
    # The signature itself is not a change of signed data: insert without voiding.
    _writer.check_writable(session, subject)
    session.add(signature)
    session.flush()
    values = encode_value(_writer.record_values(signature))
    append(
        session,
        actor,
        [AuditChange("insert", "signature", signature.id, subject.id, None, None, values)],
        "casebook signed",
    )
    return signature


def signatures(session: Session, actor: User, subject_id: int) -> list[Signature]:
    subject = get_subject(session, actor, subject_id)
    stmt = select(Signature).where(Signature.subject_id == subject.id).order_by(Signature.id)
    return list(session.execute(stmt).scalars())


def freeze_subject(
    session: Session, actor: User, subject_id: int, *, frozen: bool, expected_version: int, reason: str | None
) -> Subject:
    """Freeze (or unfreeze) a subject: while frozen, every write to its data is refused."""
    subject = get_subject(session, actor, subject_id, Action.FREEZE)
    return _writer.update(
        session,
        actor,
        subject,
        {"frozen": frozen},
        subject=None,
        expected_version=expected_version,
        reason=reason,
        void_signatures=False,
    )


def _set_lock(session: Session, actor: User, locked: bool, reason: str | None) -> Trial:
    require(actor, Action.LOCK)
    trial = get_trial(session, for_update=True)
    return _writer.update(
        session,
        actor,
        trial,
        {"locked": locked, "locked_at": utcnow() if locked else None},
        subject=None,
        expected_version=None,
        reason=reason,
        check=False,
        void_signatures=False,
    )


def lock_database(session: Session, actor: User, *, reason: str | None) -> Trial:
    """Lock the database: every write to trial data is refused until it is unlocked.

    Once the lock is committed, the audit chain's head is recorded in the installation's
    anchor file (when one is set up: ``session.info["anchor_file"]``).
    """
    trial = _set_lock(session, actor, True, reason)
    path = session.info.get("anchor_file")
    if path is not None:
        anchor = head_anchor(session)  # the head as this transaction leaves it
        session.info.setdefault("after_commit", []).append(lambda: write_anchor(path, anchor))
    return trial


def unlock_database(session: Session, actor: User, *, reason: str | None) -> Trial:
    """Unlock the database (audited, with its reason)."""
    return _set_lock(session, actor, False, reason)
