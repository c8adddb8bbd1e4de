"""Security headers on every page and the CSRF check on every form post.

The Content-Security-Policy allows scripts, styles and images from this origin only: no
inline script or style, so an injected ``<script>`` does not run. htmx is served from
``/static`` and configured (``htmx-config`` meta tag) not to inject its own styles and
not to evaluate code.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "SECURITY_HEADERS", "SecurityHeadersMiddleware", "csrf_problem"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Add :data:`SECURITY_HEADERS` to every HTML page and static file of the web pages.

    Pages carry patient data, so they are also marked ``Cache-Control: no-store``.
    Responses under other prefixes (the JSON API) pass through untouched.
    """

    def __init__(self, app: ASGIApp, *, exclude_prefixes: tuple[str, ...] = ("/api",)) -> None:
        self.app = app
        self.exclude_prefixes = exclude_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exclude_prefixes):
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if not is_static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_problem(
    expected: str | None, form: Mapping[str, object], headers: Mapping[str, str], host: str | None
) -> str | None:
    """Why a state-changing request fails the CSRF check, or ``None`` when it passes.

    The token (form field ``csrf_token`` or header ``X-CSRF-Token``) must equal the one in
    the signed session cookie, and an ``Origin`` header, when the browser sends one, must
    name this host.

    >>> csrf_problem("t", {"csrf_token": "t"}, {}, "h")
    >>> csrf_problem("t", {"csrf_token": "u"}, {}, "h")
    'the form token does not match this session'
    >>> csrf_problem("t", {"csrf_token": "t"}, {"origin": "https://evil.example"}, "h")
    'the request comes from another site (https://evil.example)'
    """
    origin = headers.get("origin")
    if origin and origin != "null" and host and urlsplit(origin).netloc != host:
        return f"the request comes from another site ({origin})"
    sent = form.get(CSRF_FIELD) or headers.get(CSRF_HEADER)
    if not expected or not isinstance(sent, str) or not sent:
        return "the form carries no token"
    if not secrets.compare_digest(sent.encode(), expected.encode()):
        return "the form token does not match this session"
    return None
