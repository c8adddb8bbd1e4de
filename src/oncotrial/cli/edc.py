"""EDC commands: ``oncotrial db init``, ``site add``, ``user add``, ``audit verify``, ``serve``,
``export sdtm``.

Each reads :class:`~oncotrial.settings.Settings` (``ONCOTRIAL_DATABASE_URL`` etc.);
``--database-url`` overrides the database for one command.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from sqlalchemy.engine import make_url

from oncotrial.cli import app
from oncotrial.cli._common import console, err_console, reported_errors
from oncotrial.settings import Settings, get_settings

db_app = typer.Typer(help="Create and upgrade the EDC database.", no_args_is_help=True)
site_app = typer.Typer(help="Manage trial sites.", no_args_is_help=True)
user_app = typer.Typer(help="Manage EDC users.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
export_app = typer.Typer(help="Export trial data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(site_app, name="site")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(export_app, name="export")

UrlOption = typer.Option(
    None, "--database-url", help="Database URL (default: settings / ONCOTRIAL_DATABASE_URL)."
)


def _settings(database_url: str | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"database_url": database_url}) if database_url else settings


def _sessions(database_url: str | None):
    from oncotrial.edc import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(_settings(database_url).database_url))


@db_app.command("init")
def db_init(
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file (TOML). Default: settings, else the bundled trial."
    ),
    database_url: str | None = UrlOption,
) -> None:
    """Create or upgrade the schema and set the trial up from its protocol file (idempotent)."""
    from oncotrial.edc import make_engine, make_sessionmaker, setup_trial, unit_of_work
    from oncotrial.edc.store.migrate import current_revision, upgrade
    from oncotrial.protocol import read_protocol

    settings = _settings(database_url)
    with reported_errors():
        loaded = read_protocol(protocol_file or settings.protocol_path)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as session:
            trial = setup_trial(session, loaded)
            study, sha = trial.study_id, trial.protocol_sha256
    console.print(
        f"[green]ok[/green] {escape(engine.url.render_as_string(hide_password=True))}: schema "
        f"{current_revision(engine)}, trial {study} (protocol sha256 {sha[:12]})",
        highlight=False,
    )


@site_app.command("add")
def site_add(
    code: str = typer.Argument(..., help="Site code, prefix of its subject numbers."),
    name: str = typer.Argument(..., help="Site name."),
    country: str = typer.Option("", "--country", help="ISO 3166 alpha-3 country code."),
    database_url: str | None = UrlOption,
) -> None:
    """Add a site."""
    from oncotrial.edc import create_site, unit_of_work

    with reported_errors(), unit_of_work(_sessions(database_url)) as session:
        create_site(session, None, code=code, name=name, country=country)
    console.print(f"[green]ok[/green] site {escape(code)} added", highlight=False)


@user_app.command("add")
def user_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(
        ..., "--role", help="sponsor_admin, investigator, site_coordinator, monitor or statistician."
    ),
    full_name: str = typer.Option("", "--name", help="Full name (default: the username)."),
    sites: list[str] = typer.Option([], "--site", help="Site code (repeat for several)."),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True),
    database_url: str | None = UrlOption,
) -> None:
    """Add a user with a role, scoped to sites for investigators, coordinators and monitors."""
    from oncotrial.edc import create_user, unit_of_work

    with reported_errors(), unit_of_work(_sessions(database_url)) as session:
        create_user(
            session,
            None,
            username=username,
            full_name=full_name or username,
            role=role,
            password=password,
            site_codes=sites,
        )
    console.print(f"[green]ok[/green] user {escape(username)} ({role}) added", highlight=False)


@audit_app.command("verify")
def audit_verify(
    anchor: str | None = typer.Option(
        None,
        "--anchor",
        help="A head hash printed by an earlier run (or its first characters): fail unless that "
        "entry is still in the chain, so a chain rewritten before it is caught.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    database_url: str | None = UrlOption,
) -> None:
    """Recompute the audit chain; exit 1 and list each altered, removed or inserted entry."""
    from sqlalchemy import select

    from oncotrial.edc import AuditEntry, verify_chain

    with reported_errors(), _sessions(database_url)() as session:
        report = verify_chain(session)
        anchored = anchor is None or (
            len(anchor) >= 8
            and session.execute(select(AuditEntry.seq).where(AuditEntry.hash.startswith(anchor))).first()
            is not None
        )
    if as_json:
        typer.echo(json.dumps({**report.to_dict(), "anchor_found": anchored}, indent=2))
    else:
        for brk in report.breaks:
            err_console.print(f"[red]broken:[/red] {escape(str(brk))}", highlight=False)
        if not anchored:
            err_console.print(
                f"[red]broken:[/red] no entry has the recorded hash {escape(anchor or '')} "
                "(give at least 8 characters): the chain was rewritten before it",
                highlight=False,
            )
        if report.ok and anchored:
            console.print(
                f"[green]ok[/green] {report.entries} audit entries, chain intact; head {report.head_hash}",
                highlight=False,
            )
    if not (report.ok and anchored):
        raise typer.Exit(1)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers", help="Worker processes (PostgreSQL only for more than 1)."),
    database_url: str | None = UrlOption,
) -> None:
    """Start the EDC server (HTTP API under /api, OpenAPI at /docs)."""
    import os

    import uvicorn

    from oncotrial.edc import make_engine
    from oncotrial.edc.store.migrate import current_revision, head_revision
    from oncotrial.errors import OncotrialError

    url = _settings(database_url).database_url
    with reported_errors():
        engine = make_engine(url)
        revision = current_revision(engine)
        engine.dispose()
        if revision != head_revision():
            raise OncotrialError(
                ("database_url",),
                make_url(url).render_as_string(hide_password=True),
                f"the schema is at {revision or 'nothing'}, not {head_revision()}: run `oncotrial db init` first",
            )
    if database_url:
        # uvicorn builds the app from the environment: hand the URL over there.
        os.environ["ONCOTRIAL_DATABASE_URL"] = database_url
        get_settings.cache_clear()
    console.print(f"serving on http://{host}:{port}/ (API docs at /docs)", highlight=False)
    uvicorn.run("oncotrial.app:create_app", factory=True, host=host, port=port, workers=workers)


@export_app.command("sdtm")
def export_sdtm(
    out: Path = typer.Option(..., "--out", help="Folder to write the SDTM datasets to."),
    fmt: str = typer.Option("xpt", "--format", help="xpt or csv."),
    database_url: str | None = UrlOption,
) -> None:
    """Extract SDTM (DM, DS, EX, AE, CM, SV, TU, TR, RS) from the EDC database for `oncotrial analyze`."""
    from oncotrial.edc.services.sdtm import export_sdtm as _export

    with reported_errors(), _sessions(database_url)() as session:
        paths = _export(session, out, fmt=fmt)
    console.print(
        f"[green]ok[/green] {', '.join(p.name for p in paths)} in {escape(str(out))}", highlight=False
    )
