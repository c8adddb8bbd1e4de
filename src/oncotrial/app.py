"""The FastAPI application: the EDC's HTTP API and, mounted beside it, the web pages.

>>> from oncotrial.settings import Settings
>>> app = create_app(Settings(database_url="sqlite://", secret_key="k" * 32))
>>> "/api/subjects" in app.openapi()["paths"]
True
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from oncotrial import __version__
from oncotrial.edc import make_engine, make_sessionmaker
from oncotrial.edc.http.api import install_error_handlers
from oncotrial.edc.http.api import router as api_router
from oncotrial.edc.http.limits import MAX_BODY_BYTES, BodySizeLimit
from oncotrial.edc.store.anchors import record_anchor
from oncotrial.settings import Settings, get_settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the application for ``settings`` (read from the environment when None).

    ``engine`` overrides the one made from ``settings.database_url`` (tests share theirs).
    The schema must exist (``oncotrial db init``).
    """
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        lifespan=_anchoring(settings),
        title="oncotrial EDC",
        version=__version__,
        description="Electronic data capture for a single-arm oncology trial: subjects, doses, "
        "tumour assessments, adverse events, queries, signatures, audit trail.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(
        engine, audit_key=settings.resolved_audit_key(), anchor_file=settings.anchor_file
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)  # 413 before a body is parsed
    app.include_router(api_router)
    # --- web pages: mount their router below this line -----------------------------------
    from oncotrial.web import install as install_web

    install_web(app)
    return app


def _anchoring(settings: Settings):
    """While the server runs, record the audit chain's head in ``settings.anchor_file`` every
    ``settings.anchor_interval_s`` (when an anchor file is set up): each worker process does,
    which only adds anchors."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.anchor_file is not None:

            async def every_interval() -> None:
                while True:
                    await asyncio.to_thread(record_anchor, app.state.sessions, settings.anchor_file)
                    await asyncio.sleep(settings.anchor_interval_s)

            task = asyncio.create_task(every_interval())
        try:
            yield
        finally:
            if task is not None:
                task.cancel()

    return lifespan
