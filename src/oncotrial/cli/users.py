"""``oncotrial user``: add, list, deactivate, reactivate, role, sites, reset-password, unlock,
reset-second-factor.

Passwords never appear on the command line (where ``ps`` and the shell history would keep
them): ``user add`` prompts for one (twice, hidden), reads it from standard input with
``--password-stdin`` (for scripts), or makes a temporary one with ``--temporary-password``;
``user reset-password`` prints a temporary password once. Every change is audited as
``system`` with the ``--reason`` given, and ends the user's sessions where the EDC says so
(``oncotrial.edc.services.accounts``).
"""

from __future__ import annotations

import json
import sys

import typer
from rich.markup import escape
from rich.table import Table

from oncotrial.cli._common import console, reported_errors
from oncotrial.cli.edc import UrlOption, _sessions, user_app

ReasonOption = typer.Option(..., "--reason", help="Why (kept in the audit trail).")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(
        ..., "--role", help="sponsor_admin, investigator, site_coordinator, monitor or statistician."
    ),
    full_name: str = typer.Option("", "--name", help="Full name (default: the username)."),
    sites: list[str] = typer.Option([], "--site", help="Site code (repeat for several)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input (scripts)."
    ),
    temporary: bool = typer.Option(
        False,
        "--temporary-password",
        help="Make a temporary password, print it once; the user must change it at the first sign-in.",
    ),
    database_url: str | None = UrlOption,
) -> None:
    """Add a user with a role, scoped to sites for investigators, coordinators and monitors.

    The password is asked for (twice, hidden) and must pass the password policy: at least
    12 characters, not the user name, not a common password.
    """
    import secrets

    from oncotrial.edc import create_user, unit_of_work

    if password_stdin and temporary:
        raise typer.BadParameter("give --password-stdin or --temporary-password, not both")
    if temporary:
        password = secrets.token_urlsafe(12)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with reported_errors(), unit_of_work(_sessions(database_url)) as session:
        create_user(
            session,
            None,
            username=username,
            full_name=full_name or username,
            role=role,
            password=password,
            site_codes=sites,
            must_change_password=temporary,
        )
    console.print(f"[green]ok[/green] user {escape(username)} ({role}) added", highlight=False)
    if temporary:
        _print_temporary(username, password)


def _print_temporary(username: str, password: str) -> None:
    console.print(f"temporary password for {escape(username)} (shown once): {password}", highlight=False)
    console.print(
        "   give it by a separate channel; it must be changed at the first sign-in", highlight=False
    )


@user_app.command("list")
def user_list(
    as_json: bool = typer.Option(False, "--json", help="Print the accounts as JSON."),
    database_url: str | None = UrlOption,
) -> None:
    """Every account: role, sites, active, locked, sign-in code, last sign-in."""
    from oncotrial.edc import list_accounts

    with reported_errors(), _sessions(database_url)() as session:
        accounts = list_accounts(session, None)
    if as_json:
        typer.echo(json.dumps([a.to_dict() for a in accounts], indent=2))
        return
    table = Table("user", "role", "sites", "state", "sign-in code", "last sign-in (UTC)")
    for a in accounts:
        state = "deactivated" if not a.active else "locked" if a.locked else "active"
        if a.must_change_password:
            state += ", temporary password"
        last = a.last_login_at.strftime("%Y-%m-%d %H:%M") if a.last_login_at else "never"
        table.add_row(a.username, a.role, ", ".join(a.site_codes) or "all", state, a.second_factor, last)
    console.print(table)


def _act(database_url: str | None, done: str, action, *args, reason: str) -> None:
    from oncotrial.edc import unit_of_work

    with reported_errors(), unit_of_work(_sessions(database_url)) as session:
        action(session, None, *args, reason=reason)
    console.print(f"[green]ok[/green] {done}", highlight=False)


@user_app.command("deactivate")
def user_deactivate(
    username: str = typer.Argument(...), reason: str = ReasonOption, database_url: str | None = UrlOption
) -> None:
    """The user can no longer sign in; their sessions and API tokens end."""
    from oncotrial.edc import deactivate_user

    _act(database_url, f"{escape(username)} deactivated", deactivate_user, username, reason=reason)


@user_app.command("reactivate")
def user_reactivate(
    username: str = typer.Argument(...), reason: str = ReasonOption, database_url: str | None = UrlOption
) -> None:
    """A deactivated user may sign in again."""
    from oncotrial.edc import reactivate_user

    _act(database_url, f"{escape(username)} reactivated", reactivate_user, username, reason=reason)


@user_app.command("role")
def user_role(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="The new role."),
    reason: str = ReasonOption,
    database_url: str | None = UrlOption,
) -> None:
    """Give a user another role; their sessions and API tokens end."""
    from oncotrial.edc import change_role

    _act(
        database_url, f"{escape(username)} is now {escape(role)}", change_role, username, role, reason=reason
    )


@user_app.command("sites")
def user_sites(
    username: str = typer.Argument(...),
    sites: list[str] = typer.Option([], "--site", help="Site code (repeat for several): exactly these."),
    reason: str = ReasonOption,
    database_url: str | None = UrlOption,
) -> None:
    """Assign a user exactly these sites; their sessions and API tokens end."""
    from oncotrial.edc import change_sites

    done = f"{escape(username)} has sites {escape(', '.join(sorted(sites))) or '(none)'}"
    _act(database_url, done, change_sites, username, sites, reason=reason)


@user_app.command("reset-password")
def user_reset_password(
    username: str = typer.Argument(...), reason: str = ReasonOption, database_url: str | None = UrlOption
) -> None:
    """A temporary password, printed once, to be changed at the next sign-in; unlocks the account."""
    from oncotrial.edc import reset_password, unit_of_work

    with reported_errors(), unit_of_work(_sessions(database_url)) as session:
        temporary = reset_password(session, None, username, reason=reason)
    console.print(f"[green]ok[/green] password of {escape(username)} reset", highlight=False)
    _print_temporary(username, temporary)


@user_app.command("unlock")
def user_unlock(
    username: str = typer.Argument(...), reason: str = ReasonOption, database_url: str | None = UrlOption
) -> None:
    """Lift the lock set after repeated failed sign-ins."""
    from oncotrial.edc import unlock_user

    _act(database_url, f"{escape(username)} unlocked", unlock_user, username, reason=reason)


@user_app.command("reset-second-factor")
def user_reset_second_factor(
    username: str = typer.Argument(...), reason: str = ReasonOption, database_url: str | None = UrlOption
) -> None:
    """Turn a user's sign-in code off (lost device); they set up a new one; sessions end."""
    from oncotrial.edc import reset_second_factor

    _act(
        database_url,
        f"sign-in code of {escape(username)} reset",
        reset_second_factor,
        username,
        reason=reason,
    )
