"""EDC commands: ``oncotrial db init|backup|restore``, ``site add``, ``user ...``,
``audit verify|anchor``, ``serve``, ``export sdtm``.

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
    """Sessions of the configured database, writing under the installation's audit key."""
    from oncotrial.edc import make_engine, make_sessionmaker

    settings = _settings(database_url)
    return make_sessionmaker(
        make_engine(settings.database_url),
        audit_key=settings.resolved_audit_key(),
        anchor_file=settings.anchor_file,
    )


@db_app.command("init")
def db_init(
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file (TOML). Default: settings, else the bundled trial."
    ),
    app_role: str | None = typer.Option(
        None,
        "--app-role",
        help="PostgreSQL: the (existing) role the servers connect as; it gets the application's "
        "privileges only (no UPDATE/DELETE of the audit trail, no ownership). Run init as the owner role.",
    ),
    audit_key_file: Path | None = typer.Option(
        None,
        "--audit-key-file",
        help="Where to make the audit key if none is set up (default: settings; for SQLite, audit.key "
        "beside the database). Keep it off the database host; give it to every server.",
    ),
    database_url: str | None = UrlOption,
) -> None:
    """Create or upgrade the schema, set the audit key up, set the trial up from its protocol
    file and, on PostgreSQL, grant the application role its privileges (idempotent)."""
    from oncotrial.edc import make_engine, make_sessionmaker, setup_trial, unit_of_work
    from oncotrial.edc.store.audit import seal
    from oncotrial.edc.store.keys import create_key_file, default_key_file
    from oncotrial.edc.store.migrate import current_revision, upgrade
    from oncotrial.edc.store.roles import grant_app_role
    from oncotrial.protocol import read_protocol

    settings = _settings(database_url)
    with reported_errors():
        loaded = read_protocol(protocol_file or settings.protocol_path)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        key_path = audit_key_file or settings.audit_key_file or default_key_file(settings.database_url)
        if settings.audit_key is None and key_path is not None:
            create_key_file(key_path)
            settings = settings.model_copy(update={"audit_key_file": key_path})
        key = settings.resolved_audit_key()
        with unit_of_work(make_sessionmaker(engine, audit_key=key)) as session:
            trial = setup_trial(session, loaded)
            study, sha = trial.study_id, trial.protocol_sha256
            seal(session)  # a trail written before the key existed is sealed under it
        granted = grant_app_role(engine, app_role) if app_role else []
    console.print(
        f"[green]ok[/green] {escape(engine.url.render_as_string(hide_password=True))}: schema "
        f"{current_revision(engine)}, trial {study} (protocol sha256 {sha[:12]})",
        highlight=False,
    )
    if key is None:
        err_console.print(
            "[yellow]warning:[/yellow] no audit key: entries are hashed, not keyed, so anyone who can write "
            "to the database can also forge them; give --audit-key-file (docs/security.md)",
            highlight=False,
        )
    elif key_path is not None:
        console.print(f"   audit key: {escape(str(key_path))} ({key.key_id})", highlight=False)
    if granted:
        console.print(
            f"   role {escape(app_role or '')}: {len(granted)} grants (docs/security.md)", highlight=False
        )


@db_app.command("backup")
def db_backup(
    out: Path = typer.Option(..., "--out", help="The backup file to write (never overwritten)."),
    database_url: str | None = UrlOption,
) -> None:
    """Back the database up (SQLite: online backup; PostgreSQL: pg_dump). The audit key and
    the anchor file are not in it: keep them beside it."""
    from oncotrial.edc.store.backup import backup_database

    with reported_errors():
        path = backup_database(_settings(database_url).database_url, out)
    console.print(f"[green]ok[/green] backup written to {escape(str(path))}", highlight=False)


@db_app.command("restore")
def db_restore(
    backup: Path = typer.Argument(..., help="A file written by `oncotrial db backup`."),
    database_url: str | None = UrlOption,
    anchor_file: Path | None = typer.Option(
        None, "--anchor-file", help="Anchors to check the restored chain against."
    ),
) -> None:
    """Restore a backup into a new, empty database, then verify its audit trail (and anchors)."""
    from oncotrial.edc.store.backup import restore_database

    settings = _settings(database_url)
    with reported_errors():
        restore_database(backup, settings.database_url)
    console.print(
        f"[green]ok[/green] restored into {escape(make_url(settings.database_url).render_as_string(hide_password=True))}",
        highlight=False,
    )
    audit_verify(
        anchor=None, anchor_file=anchor_file, as_json=False, no_state=False, database_url=database_url
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


@audit_app.command("verify")
def audit_verify(
    anchor: str | None = typer.Option(
        None,
        "--anchor",
        help="A head hash printed by an earlier run (or its first characters): fail unless that "
        "entry is still in the chain, so a chain rewritten before it is caught.",
    ),
    anchor_file: Path | None = typer.Option(
        None,
        "--anchor-file",
        help="An anchor file (default: settings): every head recorded there must be in the chain.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    no_state: bool = typer.Option(
        False, "--no-state", help="Check the chain only, not the tables against it (quicker, less)."
    ),
    database_url: str | None = UrlOption,
) -> None:
    """Recompute the audit chain (under the audit key), check every audited table against it and
    the chain against the anchors; exit 1 and list each altered, removed, inserted or forged
    entry, each row changed outside the application and each anchor the chain no longer holds."""
    from sqlalchemy import select

    from oncotrial.edc import AuditEntry, verify_chain
    from oncotrial.edc.store.anchors import read_anchors, verify_anchors
    from oncotrial.edc.store.audit_state import verify_state

    anchor_file = anchor_file or _settings(database_url).anchor_file
    with reported_errors(), _sessions(database_url)() as session:
        report = verify_chain(session)
        state = [] if no_state else verify_state(session)
        anchored = (
            verify_anchors(session, read_anchors(anchor_file)) if anchor_file and anchor_file.exists() else []
        )
        anchor_found = anchor is None or (
            len(anchor) >= 8
            and session.execute(select(AuditEntry.seq).where(AuditEntry.hash.startswith(anchor))).first()
            is not None
        )
    ok = report.ok and not state and not anchored and anchor_found
    if as_json:
        typer.echo(
            json.dumps(
                {
                    **report.to_dict(),
                    "ok": ok,
                    "anchor_found": anchor_found,
                    "state": [b.to_dict() for b in state],
                    "anchors": [{"seq": b.seq, "kind": b.kind, "detail": b.detail} for b in anchored],
                },
                indent=2,
            )
        )
    else:
        for brk in [*report.breaks, *anchored, *state]:
            err_console.print(f"[red]broken:[/red] {escape(str(brk))}", highlight=False, soft_wrap=True)
        if not anchor_found:
            err_console.print(
                f"[red]broken:[/red] no entry has the recorded hash {escape(anchor or '')} "
                "(give at least 8 characters): the chain was rewritten before it",
                highlight=False,
            )
        if ok:
            what = "" if no_state else ", every audited table matches it"
            console.print(
                f"[green]ok[/green] {report.entries} audit entries, chain intact{what}; head {report.head_hash}",
                highlight=False,
            )
    if not ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    anchor_file: Path | None = typer.Option(
        None, "--file", help="The anchor file to append to (default: settings ONCOTRIAL_ANCHOR_FILE)."
    ),
    database_url: str | None = UrlOption,
) -> None:
    """Record the audit chain's head in an anchor file (run it on a schedule; keep the file elsewhere)."""
    from oncotrial.edc.store.anchors import record_anchor
    from oncotrial.errors import OncotrialError

    path = anchor_file or _settings(database_url).anchor_file
    with reported_errors():
        if path is None:
            raise OncotrialError(("anchor_file",), None, "give --file or set ONCOTRIAL_ANCHOR_FILE")
        anchor = record_anchor(_sessions(database_url), path)
    console.print(
        f"[green]ok[/green] entry {anchor.seq} ({anchor.hash[:12]}) recorded in {escape(str(path))}",
        highlight=False,
    )


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
