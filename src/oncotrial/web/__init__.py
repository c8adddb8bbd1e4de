"""Server-rendered pages for sites, monitors and the sponsor (FastAPI + Jinja2 + htmx).

The pages call the EDC's services, the same ones the JSON API calls; no trial rule
lives in a template or a route. :func:`install` adds them to the application that
:func:`oncotrial.app.create_app` builds (it reads ``app.state.settings`` and
``app.state.sessions``)::

    from oncotrial.web import install
    install(app)

See ``docs/web.md``.
"""

from oncotrial.web._app import install

__all__ = ["install"]
