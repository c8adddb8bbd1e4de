"""Per-request context of a page: the session cookie, the signed-in user, rendering.

Every page handler receives a :class:`Page`. It reads the signed session cookie, asks the
database what its session id stands for (a revoked, idle or expired session, or a
deactivated user, signs the user out), checks the CSRF token on every POST, and renders
templates with the values every page needs (user, navigation, CSRF token, flash message).
The cookie is written back on every response so that an active session stays alive for
its idle lifetime. :meth:`Page.require` also holds a user to the password page while
their password is a temporary one, and to the second-factor page while their role
requires a factor they have not set up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from oncotrial.edc import (
    Conflict,
    LoginPolicy,
    NotAuthenticated,
    NotFound,
    Role,
    User,
    read_web_session,
    trial_protocol,
)
from oncotrial.edc import Forbidden as EdcForbidden
from oncotrial.protocol import Protocol
from oncotrial.settings import Settings
from oncotrial.web._render import environment
from oncotrial.web._security import csrf_problem
from oncotrial.web._session import SESSION_COOKIE, SessionCodec, WebSession

__all__ = [
    "NAV",
    "ROLE_LABELS",
    "CsrfRejected",
    "Forbidden",
    "Page",
    "PageError",
    "RedirectTo",
    "Viewer",
    "WebConfig",
    "load_page",
]

ROLE_LABELS: dict[str, str] = {
    Role.SPONSOR_ADMIN.value: "Sponsor",
    Role.INVESTIGATOR.value: "Investigator",
    Role.SITE_COORDINATOR.value: "Site coordinator",
    Role.MONITOR.value: "Monitor",
    Role.STATISTICIAN.value: "Statistician",
}

#: Navigation per role: (label, href, roles that see it). Pages check roles themselves too.
_SITE = {Role.INVESTIGATOR.value, Role.SITE_COORDINATOR.value, Role.MONITOR.value, Role.SPONSOR_ADMIN.value}
NAV: list[tuple[str, str, set[str]]] = [
    ("Subjects", "/subjects", _SITE),
    ("Screen a patient", "/screening/new", {Role.SITE_COORDINATOR.value, Role.INVESTIGATOR.value}),
    ("Queries", "/queries", _SITE),
    ("Dashboard", "/dashboard", {Role.SPONSOR_ADMIN.value, Role.STATISTICIAN.value}),
    ("Datasets", "/datasets", {Role.SPONSOR_ADMIN.value, Role.STATISTICIAN.value}),
    ("Users", "/admin/users", {Role.SPONSOR_ADMIN.value}),
    ("Password", "/password", set(ROLE_LABELS)),
    ("Sign-in code", "/account/second-factor", set(ROLE_LABELS)),
]

#: Pages a user held to the password or second-factor page may still use.
_ALWAYS_OPEN = ("/password", "/account/second-factor", "/logout")


@dataclass(frozen=True)
class WebConfig:
    """What the pages need from the application: settings and database sessions.

    The protocol is the one stored with the trial in the database (read per request,
    parsed once per file by the EDC).
    """

    settings: Settings
    sessions: sessionmaker[Session]

    @property
    def codec(self) -> SessionCodec:
        return SessionCodec(self.settings.secret_key, max_age_s=self.settings.session_lifetime_s)

    @property
    def policy(self) -> LoginPolicy:
        return LoginPolicy.from_settings(self.settings)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as the templates show them."""

    id: int
    username: str
    display: str
    role: str
    site_ids: frozenset[int]
    site_label: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(
            id=user.id,
            username=user.username,
            display=user.full_name or user.username,
            role=user.role,
            site_ids=user.site_ids,
            site_label=", ".join(sorted(s.code for s in user.sites)),
        )


class RedirectTo(Exception):
    """Raised inside a page to answer with a redirect (e.g. to the login page)."""

    def __init__(self, url: str, flash: str | None = None) -> None:
        super().__init__(url)
        self.url = url
        self.flash = flash


@dataclass
class Page:
    """One request to a page: session, user, database access and rendering."""

    request: Request
    config: WebConfig
    session: WebSession
    protocol: Protocol
    user: User | None = None
    expired: bool = False
    form: Mapping[str, Any] = field(default_factory=dict)
    stage: str | None = None  # the server session's stage: "ok", "enrol"; None signed out
    pending_user_id: int | None = None  # password given, one-time code awaited

    @property
    def address(self) -> str:
        """The client's address as the server sees it (behind a proxy: uvicorn's --forwarded-allow-ips)."""
        return self.request.client.host if self.request.client else "unknown"

    @property
    def viewer(self) -> Viewer | None:
        return Viewer.of(self.user) if self.user is not None else None

    def require(self, *roles: Role, gate: bool = True) -> User:
        """The signed-in user; redirect to login if none; 403 page if the role may not.

        With ``gate`` (every page but the password and second-factor pages), a user whose
        password is temporary is sent to change it, and one whose role requires a second
        factor not set up yet is sent to set it up.
        """
        if self.user is None:
            target = quote(str(self.request.url.path))
            raise RedirectTo(
                f"/login?next={target}",
                "Your session expired; please sign in again." if self.expired else None,
            )
        path = self.request.url.path
        if gate and not path.startswith(_ALWAYS_OPEN):
            if self.user.must_change_password:
                raise RedirectTo("/password", "Your password was set by an administrator: choose your own.")
            if self.stage == "enrol":
                raise RedirectTo(
                    "/account/second-factor", "Your role requires a sign-in code: set it up to continue."
                )
        if roles and self.user.role_enum not in roles:
            raise Forbidden("Your role does not give access to this page.")
        return self.user

    @contextmanager
    def db(self, *, error_pages: bool = True) -> Iterator[Session]:
        """A unit of work: committed when the block succeeds, rolled back otherwise.

        With ``error_pages`` the EDC's not-found, forbidden and conflict errors become
        error pages; without, they reach the caller.
        """
        session = self.config.sessions()
        try:
            yield session
            session.commit()
        except (NotFound, EdcForbidden, NotAuthenticated, Conflict) as exc:
            session.rollback()
            if not error_pages:
                raise
            raise _page_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def nav(self) -> list[dict[str, Any]]:
        if self.user is None:
            return []
        path = self.request.url.path
        return [
            {"label": label, "href": href, "current": path == href or path.startswith(href + "/")}
            for label, href, roles in NAV
            if self.user.role in roles
        ]

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Render a template with the values every page needs; clears the flash message."""
        protocol = self.protocol
        values = {
            "user": self.viewer,
            "nav": self.nav(),
            "csrf_token": self.session.csrf,
            "flash": self.session.flash,
            "study_id": protocol.identity.study_id,
            "study_title": protocol.identity.title,
            "study_short_title": protocol.identity.short_title,
            "request_path": self.request.url.path,
            "problems": [],
            "errors": {},
            **context,
        }
        html = environment().get_template(template).render(values)
        self.session = self.session.with_flash(None)
        return self.finish(HTMLResponse(html, status_code=status_code))

    def redirect(self, url: str, flash: str | None = None) -> RedirectResponse:
        """See-other redirect after a POST (so a reload does not post again)."""
        if flash:
            self.session = self.session.with_flash(flash)
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Any:
        """Write the (renewed) session cookie onto a response.

        A browser-session cookie (no Max-Age): the idle lifetime is enforced by the
        signature's timestamp, so an expired session reaches the server and is told so.
        """
        response.set_cookie(
            SESSION_COOKIE,
            self.config.codec.dumps(self.session),
            httponly=True,
            samesite="strict",
            secure=self.request.url.scheme == "https",
            path="/",
        )
        return response


class PageError(Exception):
    """Answer a page request with an error page (403, 404, 409) naming the reason."""

    def __init__(self, status: int, heading: str, message: str) -> None:
        super().__init__(message)
        self.status, self.heading, self.message = status, heading, message


def _page_error(exc: Exception) -> Exception:
    """The error page (or redirect) that answers an EDC error on a page."""
    reason = getattr(exc, "reason", str(exc))
    if isinstance(exc, NotFound):
        return PageError(404, "Not found", reason)
    if isinstance(exc, EdcForbidden):
        return PageError(403, "Not allowed", reason)
    if isinstance(exc, NotAuthenticated):
        return RedirectTo("/login")
    return PageError(409, "Not saved", reason)


def Forbidden(message: str) -> PageError:  # noqa: N802 - reads as an exception class at raise sites
    return PageError(403, "Not allowed", message)


async def load_page(request: Request, user_loader: Callable[[Session, int], User | None]) -> Page:
    """Build the :class:`Page` of a request; on POST, read the form and check its CSRF token.

    ``user_loader`` gives the active user with an id (None for a deactivated one).
    """
    config: WebConfig = request.app.state.oncotrial_web
    session, why = config.codec.loads(request.cookies.get(SESSION_COOKIE))
    expired = why == "expired"
    user: User | None = None
    stage: str | None = None
    pending: int | None = None
    with config.sessions() as db:
        protocol = trial_protocol(db)
        if session is not None and session.sid is not None:
            state = read_web_session(db, session.sid, idle_s=config.settings.session_lifetime_s)
            if state.live and state.stage == "code":
                pending = state.user_id
            elif state.live and state.user_id is not None:
                user = user_loader(db, state.user_id)
                stage = state.stage
            if user is None and pending is None:
                # Logged out, revoked (password change, deactivation, ...), idle or expired:
                # this cookie signs no one in; a new anonymous one replaces it.
                session, expired = None, True
            if user is not None:
                db.expunge(user)
        db.commit()  # the session's last-seen time
    page = Page(request, config, session or WebSession(), protocol, user, expired, stage=stage)
    page.pending_user_id = pending
    if request.method == "POST":
        page.form = await request.form()
        problem = csrf_problem(
            session.csrf if session else None, page.form, request.headers, request.headers.get("host")
        )
        if problem is not None:
            raise CsrfRejected(problem)
    return page


class CsrfRejected(Exception):
    """A POST without the session's CSRF token: refused, nothing changed."""
