"""The trial row: set-up from a protocol file, and the protocol it stores."""

from __future__ import annotations

import tomllib

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Conflict, NotFound
from oncotrial.edc.store.models import Trial
from oncotrial.protocol import LoadedProtocol, Protocol

__all__ = ["get_trial", "setup_trial", "trial_protocol"]


def get_trial(session: Session, *, for_update: bool = False) -> Trial:
    """The trial this database runs; :class:`NotFound` before ``oncotrial db init``."""
    stmt = select(Trial).order_by(Trial.id).limit(1)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    trial = session.execute(stmt).scalar_one_or_none()
    if trial is None:
        raise NotFound("trial", "(none set up; run `oncotrial db init`)")
    return trial


def setup_trial(session: Session, loaded: LoadedProtocol) -> Trial:
    """Create the trial from a validated protocol file, storing the file's text and SHA-256.

    Setting up again with the same file is a no-op; with another file it is refused.
    """
    existing = session.execute(select(Trial)).scalar_one_or_none()
    if existing is not None:
        if existing.protocol_sha256 != loaded.sha256:
            raise Conflict(
                ("protocol_file",),
                str(loaded.path),
                f"the database already runs {existing.study_id} from a protocol with SHA-256 "
                f"{existing.protocol_sha256[:12]}; this file's is {loaded.sha256[:12]}",
                code="protocol_mismatch",
            )
        return existing
    trial = Trial(
        study_id=loaded.protocol.identity.study_id,
        title=loaded.protocol.identity.title,
        protocol_file=str(loaded.path),
        protocol_sha256=loaded.sha256,
        protocol_text=loaded.path.read_text(encoding="utf-8"),
    )
    from oncotrial.edc.store.writer import insert  # the writer reads the trial row: import late

    return insert(session, None, trial, subject=None, reason="trial set-up", check=False)


_parsed: dict[str, Protocol] = {}


def trial_protocol(session: Session) -> Protocol:
    """The protocol stored with the trial, parsed once per file (keyed by its SHA-256)."""
    sha = session.execute(select(Trial.protocol_sha256).order_by(Trial.id).limit(1)).scalar()
    if sha is None:
        raise NotFound("trial", "(none set up; run `oncotrial db init`)")
    protocol = _parsed.get(sha)
    if protocol is None:
        text = session.execute(select(Trial.protocol_text).where(Trial.protocol_sha256 == sha)).scalar_one()
        # The quotations were checked against the registration when the trial was set up.
        protocol = _parsed[sha] = Protocol.model_validate(tomllib.loads(text))
    return protocol
