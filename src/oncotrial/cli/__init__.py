"""The ``oncotrial`` command: one typer app; each room's commands live in a module here."""

from __future__ import annotations

import typer

from oncotrial import __version__

app = typer.Typer(
    name="oncotrial",
    help="Run a single-arm oncology trial: protocol, EDC, RECIST 1.1, ADaM, statistics, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"oncotrial {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Run a single-arm oncology trial: protocol, EDC, RECIST 1.1, ADaM, statistics, report."""


# Each module adds its commands to `app` when imported: one import line per module, below.
from oncotrial.cli import analyze as _analyze  # noqa: E402,F401
from oncotrial.cli import cdisc as _cdisc  # noqa: E402,F401
from oncotrial.cli import demo as _demo  # noqa: E402,F401
from oncotrial.cli import design as _design  # noqa: E402,F401
from oncotrial.cli import edc as _edc  # noqa: E402,F401
from oncotrial.cli import protocol as _protocol  # noqa: E402,F401
from oncotrial.cli import recist as _recist  # noqa: E402,F401
from oncotrial.cli import users as _users  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()
