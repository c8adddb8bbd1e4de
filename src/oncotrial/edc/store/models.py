"""The EDC's tables (SQLAlchemy 2 declarative models).

Every subject-data record carries a ``version`` (optimistic concurrency: an UPDATE
names the version it read, so a stale write changes nothing) and belongs to one
subject, hence to one site. Tables are created by the Alembic migrations in
``edc/migrations`` (``oncotrial db init``); tests may use ``Base.metadata.create_all``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "VERIFIED_FORMS",
    "AdverseEvent",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Death",
    "Dose",
    "EndOfTreatment",
    "IdempotencyKey",
    "Lesion",
    "LesionMeasurement",
    "LoginFailure",
    "Query",
    "QueryStatus",
    "Role",
    "Signature",
    "Site",
    "SourceVerification",
    "Subject",
    "SubjectStatus",
    "SurvivalContact",
    "Therapy",
    "TotpCredential",
    "Trial",
    "TumourAssessment",
    "User",
    "WebSession",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(StrEnum):
    """What a user may do; site-scoped roles act only on subjects of their sites."""

    SPONSOR_ADMIN = "sponsor_admin"
    INVESTIGATOR = "investigator"
    SITE_COORDINATOR = "site_coordinator"
    MONITOR = "monitor"
    STATISTICIAN = "statistician"

    @property
    def site_scoped(self) -> bool:
        """Investigators, coordinators and monitors see only the sites they are assigned to."""
        return self in (Role.INVESTIGATOR, Role.SITE_COORDINATOR, Role.MONITOR)


class SubjectStatus(StrEnum):
    SCREENING = "screening"
    SCREEN_FAILED = "screen_failed"
    ENROLLED = "enrolled"


class QueryStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


# --- trial set-up, sites, users --------------------------------------------------------


class Trial(Base):
    """The one trial this database runs, set up from a protocol file (kept with its SHA-256)."""

    __tablename__ = "trial"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    protocol_file: Mapped[str] = mapped_column(Text)
    protocol_sha256: Mapped[str] = mapped_column(String(64))
    protocol_text: Mapped[str] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3), default="")
    next_subject_seq: Mapped[int] = mapped_column(Integer, default=1)
    next_screening_seq: Mapped[int] = mapped_column(Integer, default=1)


class UserSite(Base):
    __tablename__ = "user_site"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Accounts (migration 0003): a lock after repeated failed sign-ins, lifted by an
    # administrator (failures before ``unlocked_at`` or the last sign-in no longer count);
    # a password set by an administrator must be changed at the next sign-in.
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    unlocked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sites: Mapped[list[Site]] = relationship(secondary="user_site", lazy="selectin")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def site_ids(self) -> frozenset[int]:
        return frozenset(s.id for s in self.sites)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship(lazy="joined")


class WebSession(Base):
    """A browser session: the cookie holds a random id, only its SHA-256 is stored here.

    ``stage`` is ``ok`` (signed in), ``code`` (password given, one-time code awaited) or
    ``enrol`` (signed in, but the role requires a second factor not set up yet). A session
    ends when revoked, idle longer than the settings allow, or past ``expires_at``.
    """

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    stage: Mapped[str] = mapped_column(String(8), default="ok")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(String(60))


class LoginFailure(Base):
    """One failed sign-in (web or API): the name tried, the client address and why.

    Counted per name and per address to throttle guessing; written through the write
    path, so each is also an audit entry. The password tried is never stored.
    ``locked_account`` marks the failure that locked the name (for a name that is no
    account, it is what keeps the name answering "locked", as an account would).
    """

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    locked_account: Mapped[bool] = mapped_column(Boolean, default=False)


class TotpCredential(Base):
    """A user's TOTP second factor (RFC 6238): unconfirmed until a first code is given.

    ``last_used_step`` is the 30-second time step of the last accepted code: a code is
    accepted once. The secret is masked in the audit trail.
    """

    __tablename__ = "totp_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_step: Mapped[int | None] = mapped_column(Integer)


# --- subject data ----------------------------------------------------------------------


class _Versioned:
    """Optimistic concurrency: SQLAlchemy adds ``WHERE version = :read`` to every UPDATE."""

    version: Mapped[int] = mapped_column(Integer, default=1)


class Subject(_Versioned, Base):
    __tablename__ = "subject"
    __table_args__ = (UniqueConstraint("subject_number", name="uq_subject_subject_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    screening_number: Mapped[str] = mapped_column(String(32), unique=True)
    subject_number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=SubjectStatus.SCREENING.value)
    consent_date: Mapped[dt.date] = mapped_column(Date)
    screening_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    age_years: Mapped[int | None] = mapped_column(Integer)
    race: Mapped[str | None] = mapped_column(String(60))
    screening_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    failing_criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    enrollment_date: Mapped[dt.date | None] = mapped_column(Date)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    site: Mapped[Site] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class Dose(_Versioned, Base):
    __tablename__ = "dose"
    __table_args__ = (UniqueConstraint("subject_id", "drug_code", "cycle", name="uq_dose_cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    drug_code: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer)
    dose_date: Mapped[dt.date] = mapped_column(Date)
    dose: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    adjustment_reason: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class Lesion(_Versioned, Base):
    """A lesion identified at baseline (target / non-target) or later (new)."""

    __tablename__ = "lesion"
    __table_args__ = (UniqueConstraint("subject_id", "code", name="uq_lesion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(100))

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class TumourAssessment(_Versioned, Base):
    __tablename__ = "tumour_assessment"
    __table_args__ = (UniqueConstraint("subject_id", "visit_number", name="uq_assessment_visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    visit_number: Mapped[int] = mapped_column(Integer)
    visit: Mapped[str] = mapped_column(String(60))
    assessment_date: Mapped[dt.date] = mapped_column(Date)
    investigator_response: Mapped[str | None] = mapped_column(String(16))
    computed_response: Mapped[str | None] = mapped_column(String(16))
    computed_rule: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class LesionMeasurement(_Versioned, Base):
    __tablename__ = "lesion_measurement"
    __table_args__ = (UniqueConstraint("assessment_id", "lesion_id", name="uq_measurement_lesion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("tumour_assessment.id"), index=True)
    lesion_id: Mapped[int] = mapped_column(ForeignKey("lesion.id"))
    diameter_mm: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str | None] = mapped_column(String(32))
    not_done: Mapped[bool] = mapped_column(Boolean, default=False)

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class AdverseEvent(_Versioned, Base):
    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    term: Mapped[str] = mapped_column(String(200))
    grade: Mapped[int] = mapped_column(Integer)
    serious: Mapped[bool] = mapped_column(Boolean)
    relatedness: Mapped[dict[str, str]] = mapped_column(JSON)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    action_taken: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class Therapy(_Versioned, Base):
    """Concomitant medication or subsequent anti-tumour therapy."""

    __tablename__ = "therapy"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class EndOfTreatment(_Versioned, Base):
    __tablename__ = "end_of_treatment"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), unique=True)
    end_date: Mapped[dt.date] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class SurvivalContact(_Versioned, Base):
    __tablename__ = "survival_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    contact_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class Death(_Versioned, Base):
    __tablename__ = "death"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), unique=True)
    death_date: Mapped[dt.date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(200), default="")

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


# --- data management ---------------------------------------------------------------------


class Query(_Versioned, Base):
    """A question on one field of one record: opened, answered by the site, closed by the monitor."""

    __tablename__ = "data_query"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    record_table: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    origin: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=QueryStatus.OPEN.value)
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


class Signature(_Versioned, Base):
    """An investigator's electronic signature of a subject's casebook."""

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    meaning: Mapped[str] = mapped_column(Text)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": _Versioned.version}  # noqa: RUF012


#: Tables whose records (forms) a monitor may mark source-data verified; a change of a
#: lesion measurement clears the mark of its tumour assessment.
VERIFIED_FORMS = frozenset(
    {
        "dose",
        "tumour_assessment",
        "adverse_event",
        "therapy",
        "end_of_treatment",
        "survival_contact",
        "death",
    }
)


class SourceVerification(Base):
    """A monitor's mark that one record was checked against the source documents.

    One per record; a later change of the record deletes it through the write path.
    """

    __tablename__ = "source_verification"
    __table_args__ = (UniqueConstraint("record_table", "record_id", name="uq_source_verification_record"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    record_table: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    verified_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """One change: append-only, hash-chained (``hash`` covers this row and ``prev_hash``; an
    HMAC under the installation's audit key when ``key_id`` names one)."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The audit key the hash is an HMAC under (its fingerprint); None: a plain SHA-256.
    key_id: Mapped[str | None] = mapped_column(String(32))


class AuditHead(Base):
    """The chain's last sequence number and hash: one row, locked by every writer."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class IdempotencyKey(Base):
    """A create request's key: a retry with the same key returns the first result."""

    __tablename__ = "idempotency_key"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(60))
    fingerprint: Mapped[str] = mapped_column(String(64))
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
