"""Who may do what, and on which sites' subjects.

Every subject query goes through :func:`visible_subjects` / :func:`get_subject`,
which require the acting user and apply the site filter; a subject of another
site is answered as not found, so its existence is not revealed.

Roles (``Action`` granted):

================  ====  =====  =====  ======  =====  ===  ====  ======  ====  ======  =====
role              read  enter  query  answer  close  sdv  sign  freeze  lock  export  admin
================  ====  =====  =====  ======  =====  ===  ====  ======  ====  ======  =====
sponsor_admin     all                                           yes     yes   yes     yes
investigator      own   yes           yes               yes
site_coordinator  own   yes           yes
monitor           own          yes           yes    yes         yes
statistician      all                                                         yes
================  ====  =====  =====  ======  =====  ===  ====  ======  ====  ======  =====

"own" = the sites the user is assigned to.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from oncotrial.edc.errors import Forbidden, NotFound
from oncotrial.edc.store.models import Role, Site, Subject, User

__all__ = [
    "PERMISSIONS",
    "Action",
    "can",
    "get_record",
    "get_site",
    "get_subject",
    "require",
    "visible_subjects",
]


class Action(StrEnum):
    READ = "read trial data"
    ENTER_DATA = "enter or change data"
    OPEN_QUERY = "open queries"
    ANSWER_QUERY = "answer queries"
    CLOSE_QUERY = "close queries"
    VERIFY_SOURCE = "mark records source-data verified"
    SIGN = "sign casebooks"
    FREEZE = "freeze subjects"
    LOCK = "lock the database"
    EXPORT = "export datasets"
    ADMIN = "administer sites and users"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.SPONSOR_ADMIN: frozenset({Action.READ, Action.FREEZE, Action.LOCK, Action.EXPORT, Action.ADMIN}),
    Role.INVESTIGATOR: frozenset({Action.READ, Action.ENTER_DATA, Action.ANSWER_QUERY, Action.SIGN}),
    Role.SITE_COORDINATOR: frozenset({Action.READ, Action.ENTER_DATA, Action.ANSWER_QUERY}),
    Role.MONITOR: frozenset(
        {Action.READ, Action.OPEN_QUERY, Action.CLOSE_QUERY, Action.VERIFY_SOURCE, Action.FREEZE}
    ),
    Role.STATISTICIAN: frozenset({Action.READ, Action.EXPORT}),
}


def can(actor: User, action: Action) -> bool:
    """Whether the actor's role grants ``action`` (sites are checked separately)."""
    return actor.active and action in PERMISSIONS[actor.role_enum]


def require(actor: User, action: Action) -> None:
    """Raise :class:`Forbidden` unless the actor's role grants ``action``.

    >>> require(User(username="m", full_name="M", role="monitor", active=True), Action.ENTER_DATA)
    Traceback (most recent call last):
    ...
    oncotrial.edc.errors.Forbidden: role: role monitor may not enter or change data (got 'monitor')
    """
    if not can(actor, action):
        raise Forbidden(action.value, actor.role)


def _site_filter(actor: User, stmt: Select[Any]) -> Select[Any]:
    if actor.role_enum.site_scoped:
        return stmt.where(Subject.site_id.in_(sorted(actor.site_ids) or [-1]))
    return stmt


def visible_subjects(actor: User) -> Select[tuple[Subject]]:
    """``SELECT`` of the subjects the actor may see (their sites; all sites for sponsor roles)."""
    require(actor, Action.READ)
    return _site_filter(actor, select(Subject)).order_by(Subject.id)


def get_subject(session: Session, actor: User, subject_id: int, action: Action = Action.READ) -> Subject:
    """The subject if visible to the actor and the actor may do ``action``; 404 / 403 otherwise."""
    require(actor, action)
    stmt = _site_filter(actor, select(Subject).where(Subject.id == subject_id))
    subject = session.execute(stmt).scalar_one_or_none()
    if subject is None:
        raise NotFound("subject", subject_id)
    return subject


def get_site(session: Session, actor: User, site_code: str, action: Action = Action.READ) -> Site:
    """A site the actor belongs to (any site for sponsor roles); 404 otherwise."""
    require(actor, action)
    site = session.execute(select(Site).where(Site.code == site_code)).scalar_one_or_none()
    if site is None or (actor.role_enum.site_scoped and site.id not in actor.site_ids):
        raise NotFound("site", site_code)
    return site


M = TypeVar("M")


def get_record(
    session: Session, actor: User, model: type[M], record_id: int, action: Action = Action.READ
) -> tuple[M, Subject]:
    """A subject-data record and its subject, through the subject's site filter."""
    require(actor, action)
    record = session.get(model, record_id)
    what = getattr(model, "__tablename__", model.__name__)
    if record is None:
        raise NotFound(what, record_id)
    try:
        subject = get_subject(session, actor, record.subject_id, action)  # type: ignore[attr-defined]
    except NotFound:
        raise NotFound(what, record_id) from None
    return record, subject
