"""``oncotrial demo``: a virtual trial from first patient to study report, in one command.

It makes a workspace, generates a multi-center cohort under the protocol, writes it as
SDTM transport files, runs the same analysis as ``oncotrial analyze`` and writes the
report, then prints where everything is and what to open next.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.markup import escape

from oncotrial.cli import app
from oncotrial.cli._common import console, reported_errors
from oncotrial.errors import OncotrialError
from oncotrial.protocol import read_protocol
from oncotrial.sdtm import SdtmPackage, write_sdtm
from oncotrial.simulate import Scenario, SimulatedTrial, simulate_cohort


def write_simulation(trial: SimulatedTrial, folder: Path) -> list[Path]:
    """The scenario, seed and latent truth beside the data, so a reader can check the analysis."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "seed": trial.seed,
                "data_cutoff": trial.data_cutoff.isoformat(),
                "scenario": trial.scenario.to_dict(),
                "sources": {k: v for k, v in trial.scenario.sources.items()},
                "summary": trial.summary(),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    truth = folder / "truth.csv"
    trial.truth.to_csv(truth, index=False)
    screening = folder / "screening.csv"
    trial.screening.drop(columns=["VALUES"]).to_csv(screening, index=False)
    return [scenario, truth, screening]


def analyse(sdtm_dir: Path, out_dir: Path, protocol_file: Path | None) -> dict[str, Path]:
    """Run what ``oncotrial analyze`` runs on an SDTM folder; return its outputs by name."""
    from oncotrial.cli.analyze import run_analysis

    outputs = run_analysis(sdtm_dir, out_dir, protocol_file=protocol_file)
    return {"ADaM": outputs.adam_dir, "results": outputs.results, "report": outputs.report}


def headline(results_path: Path, scenario: Scenario) -> list[str]:
    """The primary and survival estimates beside what the scenario made true."""
    data = json.loads(results_path.read_text(encoding="utf-8"))
    lines = ["\nEstimated (truth of the scenario in brackets):"]
    for code, truth in (("ORR", scenario.orr), ("DCR", scenario.dcr)):
        rate = data.get("rates", {}).get(code)
        if rate:
            r = rate["rate"]
            lines.append(
                f"  {code} {rate['x']}/{rate['n']} = {r['estimate']:.1%} "
                f"({r['low']:.1%}-{r['high']:.1%})  [{truth:.1%}]"
            )
    for code, truth in (("PFS", scenario.median_pfs_months), ("OS", scenario.median_os_months)):
        tte = data.get("time_to_event", {}).get(code)
        if tte:
            m = tte["median"]
            est = "not reached" if m["estimate"] is None else f"{m['estimate']:.1f} months"
            lines.append(f"  median {code} {est}, {tte['n_events']} events in {tte['n']}  [{truth:g} months]")
    return lines


@app.command("demo")
def demo(
    workspace: Path = typer.Option(Path("oncotrial-demo"), "--workspace", help="Folder to create and fill."),
    seed: int = typer.Option(2024, "--seed", help="Seed of the virtual cohort (same seed, same data)."),
    subjects: int = typer.Option(
        None,
        "--subjects",
        min=1,
        help="Patients to enroll. Default: the scenario's (27, as the published trial).",
    ),
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file (TOML). Default: the bundled seed trial.", show_default=False
    ),
) -> None:
    """Generate a virtual multi-center trial, analyse it and write the study report."""
    started = time.perf_counter()
    with reported_errors():
        loaded = read_protocol(protocol_file)
        protocol = loaded.protocol
        scenario = Scenario() if subjects is None else Scenario(n_subjects=subjects)
        if workspace.exists() and not workspace.is_dir():
            raise OncotrialError(("workspace",), str(workspace), "exists and is not a folder")
        workspace.mkdir(parents=True, exist_ok=True)

        console.print(
            f"[bold]1.[/bold] generating {scenario.n_subjects} virtual patients (seed {seed})",
            highlight=False,
        )
        trial = simulate_cohort(protocol, scenario, seed=seed)
        summary = trial.summary()
        console.print(
            f"   {summary['screened']} screened, {summary['screen_failures']} screen failures, "
            f"{summary['enrolled']} enrolled at {summary['centers']} centers; "
            f"{summary['deaths']} deaths by the data cut-off {summary['data_cutoff']}",
            highlight=False,
        )
        sim_dir = workspace / "simulation"
        write_simulation(trial, sim_dir)

        sdtm_dir = workspace / "sdtm"
        console.print(
            f"[bold]2.[/bold] writing SDTM transport files to {escape(str(sdtm_dir))}", highlight=False
        )
        paths = write_sdtm(SdtmPackage(trial.sdtm), sdtm_dir, fmt="xpt")
        console.print(f"   {', '.join(p.name for p in paths)}", highlight=False)

        console.print("[bold]3.[/bold] analysing (SDTM -> RECIST 1.1 -> ADaM -> statistics -> report)")
        outputs = analyse(sdtm_dir, workspace / "analysis", loaded.path)

    elapsed = time.perf_counter() - started
    for line in headline(outputs["results"], trial.scenario):
        console.print(line, highlight=False)
    console.print(f"\n[green]done[/green] in {elapsed:.1f} s. Workspace: {escape(str(workspace.resolve()))}")
    console.print(f"  protocol      {escape(str(loaded.path))}", highlight=False)
    console.print(
        f"  scenario      {escape(str(sim_dir / 'scenario.json'))}  (what is true; truth.csv per patient)",
        highlight=False,
    )
    console.print(f"  SDTM          {escape(str(sdtm_dir))}/*.xpt", highlight=False)
    for name, path in outputs.items():
        console.print(f"  {name:<13} {escape(str(path))}", highlight=False)
    report = outputs.get("report")
    console.print("\nNext:")
    if report is not None:
        console.print(f"  open {escape(str(report))} in a browser", highlight=False)
    console.print(
        f"  oncotrial analyze {escape(str(sdtm_dir))}    # the same analysis on any SDTM folder",
        highlight=False,
    )
    console.print("  oncotrial design                 # the Simon design and its operating characteristics")
    console.print("  oncotrial protocol show          # the trial's rules and their sources")
