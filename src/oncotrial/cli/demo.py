"""``oncotrial demo``: a virtual trial from first patient to study report, in one command.

It makes a workspace, generates a multi-center cohort under the protocol, enters it into
a new EDC database (SQLite) through the EDC's services, so every edit check a site's
data must pass is passed, exports the SDTM datasets from the EDC, runs the same analysis
as ``oncotrial analyze``, writes the report, then prints where everything is and what to
open next. The generator's own SDTM tables are kept beside it for comparison.
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
from oncotrial.protocol import LoadedProtocol, read_protocol
from oncotrial.sdtm import SdtmPackage, write_sdtm
from oncotrial.simulate import Scenario, SimulatedTrial, simulate_cohort
from oncotrial.simulate._edc import EdcEntry, enter_into_edc


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


#: Password of the demo database's users (printed by the demo; a throw-away local database).
DEMO_PASSWORD = "demo-password"


def build_edc(trial: SimulatedTrial, database: Path, loaded: LoadedProtocol) -> tuple[str, EdcEntry]:
    """Create the EDC database at ``database`` (SQLite) and enter the cohort; return its URL."""
    from oncotrial.edc import create_user, make_engine, make_sessionmaker, unit_of_work
    from oncotrial.edc.store.migrate import upgrade

    if database.exists():
        database.unlink()
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as session:
            entry = enter_into_edc(trial, session, loaded=loaded, password=DEMO_PASSWORD)
            create_user(
                session,
                None,
                username="sponsor",
                full_name="Sponsor administrator",
                role="sponsor_admin",
                password=DEMO_PASSWORD,
            )
    finally:
        engine.dispose()
    return url, entry


def export_from_edc(url: str, folder: Path) -> list[Path]:
    """Write the SDTM datasets the EDC holds (what ``oncotrial export sdtm`` writes)."""
    from oncotrial.edc import make_engine, make_sessionmaker
    from oncotrial.edc.services.sdtm import export_sdtm

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return export_sdtm(session, folder, fmt="xpt")
    finally:
        engine.dispose()


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
    # seed 2: a cohort typical of the scenario (every estimate near its truth); any seed works
    seed: int = typer.Option(2, "--seed", help="Seed of the virtual cohort (same seed, same data)."),
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
        generated = write_sdtm(SdtmPackage(trial.sdtm), sim_dir / "sdtm", fmt="xpt")

        database = workspace / "trial.db"
        console.print(
            f"[bold]2.[/bold] entering it into the EDC database {escape(str(database))}", highlight=False
        )
        url, entry = build_edc(trial, database.resolve(), loaded)
        console.print(
            f"   {entry.forms} forms through the EDC's edit checks, {entry.open_queries} open queries; "
            f"investigators {', '.join(entry.users)}",
            highlight=False,
        )

        sdtm_dir = workspace / "sdtm"
        console.print(
            f"[bold]3.[/bold] exporting SDTM from the EDC to {escape(str(sdtm_dir))}", highlight=False
        )
        paths = export_from_edc(url, sdtm_dir)
        console.print(f"   {', '.join(p.name for p in paths)}", highlight=False)

        console.print("[bold]4.[/bold] analysing (SDTM -> RECIST 1.1 -> ADaM -> statistics -> report)")
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
    console.print(f"  EDC database  {escape(str(database))}", highlight=False)
    console.print(f"  SDTM          {escape(str(sdtm_dir))}/*.xpt  (exported from the EDC)", highlight=False)
    console.print(
        f"  generated     {escape(str(generated[0].parent))}/*.xpt  (the generator's own tables)",
        highlight=False,
    )
    for name, path in outputs.items():
        console.print(f"  {name:<13} {escape(str(path))}", highlight=False)
    report = outputs.get("report")
    console.print("\nNext:")
    if report is not None:
        console.print(f"  open {escape(str(report))} in a browser", highlight=False)
    console.print(
        f"  oncotrial analyze {escape(str(sdtm_dir))} --out DIR   # the same analysis on any SDTM folder",
        highlight=False,
    )
    console.print(
        f"  oncotrial serve --database-url {escape(url)}   # the EDC in a browser: "
        f"user sponsor (all centers) or inv101..., password {DEMO_PASSWORD}",
        highlight=False,
    )
    console.print("  oncotrial design                 # the Simon design and its operating characteristics")
    console.print("  oncotrial protocol show          # the trial's rules and their sources")
