"""``oncotrial analyze SDTM_DIR --out DIR``: ADaM datasets, results.json and report.html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from oncotrial.cli import app
from oncotrial.cli._common import (
    UnknownResponses,
    UnknownResponsesOpt,
    UnknownStates,
    UnknownStatesOpt,
    console,
    err_console,
    print_findings,
    print_warnings,
    reported_errors,
)
from oncotrial.protocol import read_protocol

__all__ = ["AnalysisOutputs", "ResponseSource", "run_analysis"]


class ResponseSource(StrEnum):
    """Where per-assessment responses come from: RECIST on TU/TR, RS as recorded, or either."""

    AUTO = "auto"
    RECIST = "recist"
    RS = "rs"


@dataclass(frozen=True)
class AnalysisOutputs:
    """The files one run wrote."""

    adam_dir: Path
    adam_files: tuple[Path, ...]
    results: Path
    report: Path


#: Steps of one run, in order; the progress display counts them.
STEPS = (
    "Reading the protocol",
    "Reading and checking SDTM",
    "Deriving ADaM",
    "Writing ADaM datasets",
    "Analysing",
    "Writing results.json",
    "Drawing the report",
)


def _thresholds() -> tuple[float, ...]:
    """The RECIST 1.1 cut-offs drawn on the waterfall and spider plots (% change)."""
    from oncotrial.recist.criteria import PD_MIN_INCREASE, PR_MIN_DECREASE

    return (-100 * PR_MIN_DECREASE, 100 * PD_MIN_INCREASE)


def run_analysis(
    sdtm_dir: str | Path,
    out: str | Path,
    *,
    protocol_file: str | Path | None = None,
    response_source: ResponseSource | str = ResponseSource.AUTO,
    unknown_states: str = "stop",
    unknown_responses: str = "stop",
    step: Callable[[str], None] | None = None,
    warn: Callable[[Any], None] | None = None,
) -> AnalysisOutputs:
    """Check an SDTM folder, derive and write ADaM, analyse, write results.json and report.html.

    ``step`` is called with the name of each step as it starts (for a progress display);
    ``warn`` with the SDTM check (its warnings) and then the ADaM package (its baseline
    problems and collected sums), for a display. Every finding is also in results.json and
    the report. Domain errors (a missing domain or variable, every error of the SDTM check)
    propagate as :mod:`oncotrial.errors`.
    """
    # Imported here, not at the top: every `oncotrial` command loads this module, and the
    # analysis stack (scipy, matplotlib, pandas) would slow them all down.
    from oncotrial.adam import build_adam, write_adam
    from oncotrial.analysis import analyze, collect_data_checks, collect_provenance, write_results
    from oncotrial.report import write_report
    from oncotrial.sdtm import check_sdtm, read_sdtm

    announce = step or (lambda _name: None)
    tell = warn or (lambda _found: None)
    sdtm_dir, out = Path(sdtm_dir), Path(out)
    announce(STEPS[0])
    loaded = read_protocol(protocol_file)
    protocol = loaded.protocol
    announce(STEPS[1])
    checked = check_sdtm(
        read_sdtm(sdtm_dir),
        protocol=protocol,
        unknown_states=unknown_states,
        unknown_responses=unknown_responses,
    )
    tell(checked)
    checked.raise_for_errors()
    announce(STEPS[2])
    adam: Any = build_adam(
        checked.package, protocol=protocol, response_source=ResponseSource(response_source).value
    )
    tell(adam)
    announce(STEPS[3])
    out.mkdir(parents=True, exist_ok=True)
    adam_dir = out / "adam"
    adam_files = tuple(write_adam(adam, adam_dir))
    announce(STEPS[4])
    checks = collect_data_checks(adam, sdtm_warnings=checked.report_lines(), choices=checked.notes)
    results = analyze(
        adam, protocol=protocol, provenance=collect_provenance(sdtm_dir, loaded), data_checks=checks
    )
    announce(STEPS[5])
    results_path = write_results(results, out / "results.json")
    announce(STEPS[6])
    report_path = write_report(
        results, adam, out / "report.html", protocol=protocol, thresholds=_thresholds()
    )
    return AnalysisOutputs(adam_dir, adam_files, results_path, report_path)


@app.command("analyze")
def analyze_command(
    sdtm_dir: Path = typer.Argument(
        ..., metavar="SDTM_DIR", help="Folder of SDTM files (xpt or csv), one per domain."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for adam/, results.json and report.html."),
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file (TOML). Default: the bundled seed trial."
    ),
    response_source: ResponseSource = typer.Option(
        ResponseSource.AUTO,
        "--response-source",
        help="Per-assessment responses: recist (derive from TU/TR), rs (as recorded), auto (TU/TR when present).",
    ),
    unknown_states: UnknownStates = UnknownStatesOpt,
    unknown_responses: UnknownResponses = UnknownResponsesOpt,
) -> None:
    """Check the SDTM folder, derive ADaM, run every analysis and write results.json and report.html.

    Warnings of the check, RECIST baseline problems and collected sums that differ from the
    computed ones are printed here and listed in the report.
    """
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,  # a log or a pipe gets the result lines only
    )
    with reported_errors(), progress:
        task = progress.add_task("Starting", total=len(STEPS))
        started = [False]

        def step(name: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=name)

        def warn(found: Any) -> None:
            if hasattr(found, "warnings"):
                print_warnings(found.warnings)
            else:
                print_findings(found.baseline_checks, getattr(found, "collected_sums", None))

        outputs = run_analysis(
            sdtm_dir,
            out,
            protocol_file=protocol_file,
            response_source=response_source,
            unknown_states=str(unknown_states),
            unknown_responses=str(unknown_responses),
            step=step,
            warn=warn,
        )
        progress.advance(task)
    console.print(
        f"[green]ok[/green] {len(outputs.adam_files)} ADaM datasets in {escape(str(outputs.adam_dir))}",
        highlight=False,
    )
    console.print(f"   results: {escape(str(outputs.results))}", highlight=False)
    console.print(f"   report:  {escape(str(outputs.report))}", highlight=False)
