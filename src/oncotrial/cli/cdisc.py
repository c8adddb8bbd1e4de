"""``oncotrial sdtm check`` and ``oncotrial adam build``: check an SDTM folder, derive and write ADaM."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from oncotrial.cli import app
from oncotrial.cli._common import (
    UnknownResponses,
    UnknownResponsesOpt,
    UnknownStates,
    UnknownStatesOpt,
    checked_sdtm,
    console,
    reported_errors,
)

sdtm_app = typer.Typer(help="Check SDTM folders (XPT or CSV, one file per domain).", no_args_is_help=True)
adam_app = typer.Typer(help="Derive ADaM datasets from an SDTM folder.", no_args_is_help=True)
app.add_typer(sdtm_app, name="sdtm")
app.add_typer(adam_app, name="adam")


class _Fmt(StrEnum):
    CSV = "csv"
    XPT = "xpt"


class _Source(StrEnum):
    AUTO = "auto"
    RECIST = "recist"
    RS = "rs"


@sdtm_app.command("check")
def check(
    folder: Path = typer.Argument(..., help="Folder of SDTM files."),
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file (its drugs and disposition terms). Default: the bundled one."
    ),
    unknown_states: UnknownStates = UnknownStatesOpt,
    unknown_responses: UnknownResponses = UnknownResponsesOpt,
) -> None:
    """Check an SDTM folder as every command that reads one does first: files, variables,
    types, controlled terms and their case, ISO 8601 dates, keys and duplicates, subjects in DM.

    Errors (exit status 2) and warnings name file, variable, row and value.
    """
    from oncotrial.protocol import read_protocol

    with reported_errors():
        protocol = read_protocol(protocol_file).protocol
        checked = checked_sdtm(folder, protocol, unknown_states, unknown_responses)
    sizes = ", ".join(f"{name} {n}" for name, n in checked.rows_read.items())
    warned = f"; {len(checked.warnings)} warnings" if checked.warnings else ""
    console.print(
        f"[green]ok[/green] {escape(str(folder))}: {sizes}{warned}", highlight=False, soft_wrap=True
    )


@adam_app.command("build")
def build(
    folder: Path = typer.Argument(..., help="Folder of SDTM files."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the ADaM files and discrepancies.csv."),
    fmt: _Fmt = typer.Option(_Fmt.CSV, "--fmt", help="File format of the datasets."),
    response_source: _Source = typer.Option(
        _Source.AUTO,
        "--response-source",
        help="recist (from TU/TR), rs (as recorded), auto (TU/TR when present).",
    ),
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file. Default: the bundled one."
    ),
    unknown_states: UnknownStates = UnknownStatesOpt,
    unknown_responses: UnknownResponses = UnknownResponsesOpt,
) -> None:
    """Check the SDTM folder, derive ADSL, ADRS, ADTR, ADTTE, ADAE and ADEX and write them, with
    the RS-vs-computed list."""
    from oncotrial.adam import build_adam, write_adam
    from oncotrial.protocol import read_protocol

    with reported_errors():
        protocol = read_protocol(protocol_file).protocol
        checked = checked_sdtm(folder, protocol, unknown_states, unknown_responses)
        adam = build_adam(checked.package, protocol, response_source=response_source.value)
        paths = write_adam(adam, out, fmt=fmt.value)
    adam.discrepancies.to_csv(out / "discrepancies.csv", index=False, date_format="%Y-%m-%d")
    adsl = adam.adsl
    pops = ", ".join(
        f"{p.code} {int((adsl[p.flag] == 'Y').sum())}" for p in protocol.populations if p.flag in adsl
    )
    console.print(
        f"[green]ok[/green] {len(paths)} datasets in {escape(str(out))} (responses: {adam.response_source}); "
        f"populations: {pops}; {len(adam.discrepancies)} RS-vs-computed discrepancies",
        highlight=False,
    )
