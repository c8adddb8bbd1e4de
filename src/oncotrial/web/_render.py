"""Jinja2 templates and static files shipped inside the package (no build step).

Autoescaping is on for every template, so values typed by users are shown as text.
Static URLs carry a short content hash, so a browser may cache them safely.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "environment", "static_url"]

_HERE = Path(__file__).parent
TEMPLATE_DIR = _HERE / "templates"
STATIC_DIR = _HERE / "static"


@cache
def _static_hash(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """The URL of a bundled static file, versioned by its content.

    >>> static_url("htmx.min.js").startswith("/static/htmx.min.js?v=")
    True
    """
    return f"/static/{name}?v={_static_hash(name)}"


def _fmt(value: object, digits: int = 1) -> str:
    """Numbers for people: ``None`` as an en dash, floats rounded."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    return f"{100 * value:.{digits}f}%"


@cache
def environment() -> Environment:
    """The one template environment of the web pages."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    env.filters["fmt"] = _fmt
    env.filters["pct"] = _pct
    return env
