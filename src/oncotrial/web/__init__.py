"""Server-rendered pages for sites, monitors and the sponsor (FastAPI + Jinja2 + htmx).

The pages call the EDC's services, the same ones the JSON API calls; no trial rule
lives in a template or a route. :func:`install` adds them to the application::

    from oncotrial.web import install
    install(app, settings=settings, sessions=sessionmaker, protocol=protocol)

See ``docs/web.md``.
"""

from oncotrial.web._app import install

__all__ = ["install"]
