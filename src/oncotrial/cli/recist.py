"""``oncotrial recist evaluate|explain``: RECIST 1.1 responses from an SDTM folder."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import typer
from rich.markup import escape

from oncotrial.cli import app
from oncotrial.cli._common import (
    UnknownStates,
    UnknownStatesOpt,
    checked_sdtm,
    console,
    print_findings,
    reported_errors,
)
from oncotrial.errors import OncotrialError
from oncotrial.protocol import read_protocol
from oncotrial.recist import (
    RecistSettings,
    best_overall_response,
    check_baseline,
    compare_collected_sums,
    evaluate_timepoints,
    explain_subject,
)
from oncotrial.sdtm import SdtmPackage

recist_app = typer.Typer(help="RECIST 1.1 responses from an SDTM folder (TU, TR, DM).", no_args_is_help=True)
app.add_typer(recist_app, name="recist")

SdtmArg = typer.Argument(
    ..., help="Folder of SDTM files (xpt or csv), one per domain: TU, TR, DM (DS, CM optional)."
)
ProtocolOpt = typer.Option(None, "--protocol", help="Protocol file (TOML). Default: the bundled seed trial.")
EvaluatorOpt = typer.Option(None, "--evaluator", help="TREVAL whose reads count. Default: the protocol's.")
ReaderOpt = typer.Option(None, "--reader", help="TREVALID of one reader (e.g. 'RADIOLOGIST 1').")


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="mixed", errors="coerce")


def _subjects(pkg: SdtmPackage, reference_start: str) -> pd.DataFrame:
    """USUBJID, REFSTDT (first dose = DM.RFSTDTC, or the DS enrolment milestone) and NACTDT (CM)."""
    dm = pkg["DM"]
    subjects = pd.DataFrame({"USUBJID": dm["USUBJID"], "REFSTDT": _dates(dm["RFSTDTC"])})
    if reference_start == "enrollment" and "DS" in pkg:
        ds = pkg["DS"]
        milestone = ds[ds["DSDECOD"].isin(["ENROLLED", "RANDOMIZED"])]
        first = milestone.assign(D=_dates(milestone["DSSTDTC"])).groupby("USUBJID")["D"].min()
        subjects["REFSTDT"] = subjects["USUBJID"].map(first).fillna(subjects["REFSTDT"])
    if "CM" in pkg and "CMCAT" in pkg["CM"].columns:
        cm = pkg["CM"]
        cm = cm[cm["CMCAT"] == "SUBSEQUENT ANTI-CANCER THERAPY"]
        subjects["NACTDT"] = subjects["USUBJID"].map(
            cm.assign(D=_dates(cm["CMSTDTC"])).groupby("USUBJID")["D"].min()
        )
    return subjects


def _derive(
    sdtm_dir: Path,
    protocol: Path | None,
    evaluator: str | None,
    reader: str | None,
    unknown_states: str = "stop",
):
    loaded = read_protocol(protocol)
    settings = RecistSettings.from_protocol(loaded.protocol)
    if evaluator:
        settings = dataclasses.replace(settings, accepted_evaluator=evaluator)
    if reader:
        settings = dataclasses.replace(settings, evaluator_id=reader)
    pkg = checked_sdtm(sdtm_dir, loaded.protocol, unknown_states).package
    for domain in ("TU", "TR", "DM"):
        if domain not in pkg:
            raise OncotrialError((domain,), str(sdtm_dir), "domain is needed for RECIST evaluation")
    subjects = _subjects(pkg, loaded.protocol.response.reference_start)
    timepoints = evaluate_timepoints(pkg["TU"], pkg["TR"], settings, subjects=subjects)
    best = best_overall_response(timepoints, subjects, settings)
    checks = check_baseline(pkg["TU"], pkg["TR"], settings, subjects=subjects)
    sums = compare_collected_sums(pkg["TR"], timepoints, settings)
    return settings, timepoints, best, checks, sums


@recist_app.command("evaluate")
def evaluate(
    sdtm_dir: Path = SdtmArg,
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Folder for timepoints.csv, best.csv, baseline_checks.csv and collected_sums.csv.",
    ),
    protocol: Path | None = ProtocolOpt,
    evaluator: str | None = EvaluatorOpt,
    reader: str | None = ReaderOpt,
    unknown_states: UnknownStates = UnknownStatesOpt,
) -> None:
    """Check the SDTM folder, derive every timepoint response and each subject's best overall
    response, check the baselines and any collected sums; write CSV files."""
    with reported_errors():
        settings, timepoints, best, checks, sums = _derive(
            sdtm_dir, protocol, evaluator, reader, unknown_states
        )
    out.mkdir(parents=True, exist_ok=True)
    timepoints.to_csv(out / "timepoints.csv", index=False, date_format="%Y-%m-%d")
    best.to_csv(out / "best.csv", index=False, date_format="%Y-%m-%d")
    checks.to_csv(out / "baseline_checks.csv", index=False)
    sums.to_csv(out / "collected_sums.csv", index=False)
    print_findings(checks, sums)
    assessed = best[best["NASSESS"] > 0]
    counts = ", ".join(f"{k} {v}" for k, v in assessed["CBOR"].value_counts().items())
    console.print(
        f"{len(timepoints)} assessments of {len(assessed)} subjects ({escape(settings.accepted_evaluator)}); "
        f"confirmed best response: {escape(counts) or 'none'}; {len(checks)} baseline problems; "
        f"{len(sums)} collected sums differ from the computed ones; written to {escape(str(out))}",
        highlight=False,
    )


@recist_app.command("explain")
def explain(
    sdtm_dir: Path = SdtmArg,
    usubjid: str = typer.Argument(..., help="The subject (USUBJID)."),
    protocol: Path | None = ProtocolOpt,
    evaluator: str | None = EvaluatorOpt,
    reader: str | None = ReaderOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON."),
    unknown_states: UnknownStates = UnknownStatesOpt,
) -> None:
    """Show one subject's assessments, the rule behind each response and the best response."""
    with reported_errors():
        _, timepoints, best, _, _ = _derive(sdtm_dir, protocol, evaluator, reader, unknown_states)
        explanation = explain_subject(usubjid, timepoints, best)
    if as_json:
        typer.echo(json.dumps(explanation.to_dict(), indent=2))
    else:
        typer.echo(str(explanation))
