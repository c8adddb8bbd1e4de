"""Serve the bundled static files (stylesheet, htmx and its licence) by name only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from oncotrial.web._render import STATIC_DIR

__all__ = ["router"]

router = APIRouter()

_TYPES = {".css": "text/css", ".js": "text/javascript", ".htmx": "text/plain", ".txt": "text/plain"}
_FILES = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file()}


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> FileResponse:
    """One bundled file; a name that is not bundled (or tries to leave the folder) is 404."""
    path = _FILES.get(name)
    if path is None:
        raise HTTPException(404, f"no static file {name!r}")
    return FileResponse(
        path,
        media_type=_TYPES.get(path.suffix, "text/plain"),
        headers={"cache-control": "public, max-age=86400"},
    )
