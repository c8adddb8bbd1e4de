"""``oncotrial sdtm check`` and ``oncotrial adam build``: check an SDTM folder, derive and write ADaM."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from oncotrial.cli import app
from oncotrial.cli._common import console, reported_errors

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
def check(folder: Path = typer.Argument(..., help="Folder of SDTM files.")) -> None:
    """Read every domain and check required domains, variables, types and controlled terms."""
    from oncotrial.sdtm import read_sdtm

    with reported_errors():
        sdtm = read_sdtm(folder)
    sizes = ", ".join(f"{name} {len(frame)}" for name, frame in sdtm.items())
    console.print(f"[green]ok[/green] {escape(str(folder))}: {sizes}", highlight=False)


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
) -> None:
    """Derive ADSL, ADRS, ADTR, ADTTE, ADAE and ADEX and write them, with the RS-vs-computed list."""
    from oncotrial.adam import build_adam, write_adam
    from oncotrial.protocol import read_protocol
    from oncotrial.sdtm import read_sdtm

    with reported_errors():
        protocol = read_protocol(protocol_file).protocol
        adam = build_adam(read_sdtm(folder), protocol, response_source=response_source.value)
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
