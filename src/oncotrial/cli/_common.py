"""Helpers shared by the CLI modules: one way to report domain errors and exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from oncotrial.errors import OncotrialError, ValidationFailed

console = Console()
err_console = Console(stderr=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn domain errors into one line per problem on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except ValidationFailed as exc:
        for line in exc.render().splitlines():
            err_console.print(f"[red]error:[/red] {line}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(2) from None
    except OncotrialError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
