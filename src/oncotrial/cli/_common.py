"""Helpers shared by the CLI modules: one way to report domain errors and exit, and the SDTM gate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from oncotrial.errors import OncotrialError, Problem, ValidationFailed

if TYPE_CHECKING:
    from oncotrial.sdtm import SdtmCheck

console = Console()
err_console = Console(stderr=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn domain errors into one line per problem on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except ValidationFailed as exc:
        for line in exc.render().splitlines():
            err_console.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except OncotrialError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


class UnknownStates(StrEnum):
    """What to do with a lesion state or target result the vocabulary does not list."""

    STOP = "stop"
    NE = "ne"


class UnknownResponses(StrEnum):
    """What to do with a recorded overall response (RS) that is not a response."""

    STOP = "stop"
    EXCLUDE = "exclude"


UnknownStatesOpt = typer.Option(
    UnknownStates.STOP,
    "--unknown-states",
    help="A lesion state or target result that is not a listed term: stop (an error), or ne "
    "(read as not evaluable; every such row is listed in the warnings and the report).",
)
UnknownResponsesOpt = typer.Option(
    UnknownResponses.STOP,
    "--unknown-responses",
    help="A recorded overall response (RS) that is not a response: stop (an error), or exclude "
    "(left out; every such row is listed in the warnings and the report).",
)


def print_warnings(warnings: tuple[Problem, ...]) -> None:
    """One line per warning of an SDTM check, on stderr."""
    for problem in warnings:
        err_console.print(
            f"[yellow]warning:[/yellow] {escape(str(problem))}", highlight=False, soft_wrap=True
        )


def checked_sdtm(
    folder: Path, protocol: Any, unknown_states: str = "stop", unknown_responses: str = "stop"
) -> SdtmCheck:
    """Read and check an SDTM folder (the gate of every command that reads SDTM); print the
    warnings; raise with every error."""
    from oncotrial.sdtm import check_sdtm, read_sdtm

    check = check_sdtm(
        read_sdtm(folder),
        protocol=protocol,
        unknown_states=str(unknown_states),
        unknown_responses=str(unknown_responses),
    )
    print_warnings(check.warnings)
    return check.raise_for_errors()


def print_findings(baseline_checks: Any, collected_sums: Any = None, *, shown: int = 20) -> None:
    """The RECIST baseline problems and the collected sums that differ from the computed ones,
    as warnings on stderr: the first ``shown`` of each, then how many more."""
    groups = (
        (
            "baseline problem",
            baseline_checks,
            lambda r: f"{r.USUBJID} {r.TRLNKID or ''}".rstrip() + f": {r.MESSAGE}",
        ),
        (
            "collected sum",
            collected_sums,
            lambda r: f"{r.USUBJID} VISITNUM {r.VISITNUM:g} ({r.VISIT}): {r.MESSAGE}",
        ),
    )
    for what, frame, line in groups:
        if frame is None or not len(frame):
            continue
        for row in frame.head(shown).itertuples():
            err_console.print(
                f"[yellow]{what}:[/yellow] {escape(line(row))}", highlight=False, soft_wrap=True
            )
        if len(frame) > shown:
            err_console.print(f"[yellow]{what}:[/yellow] ... and {len(frame) - shown} more", highlight=False)
