"""``oncotrial design``: the protocol's Simon two-stage design with exact and simulated
operating characteristics side by side."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from oncotrial.cli import app
from oncotrial.cli._common import console, err_console, reported_errors
from oncotrial.protocol import Protocol, read_protocol
from oncotrial.simulate import Scenario
from oncotrial.simulate._oc import (
    OperatingCharacteristics,
    SimonRule,
    exact_operating_characteristics,
    rate_grid,
    simulate_operating_characteristics,
)
from oncotrial.simulate._patient_level import simulate_patient_responses
from oncotrial.stats import SimonDesign, SimonSearchBoundWarning, simon_design_from_spec

CHUNK = 20_000  # binomial trials per progress step
PATIENT_CHUNK = 50  # patient-level trials per progress step


def _design_and_bound_warnings(spec: Any) -> tuple[SimonDesign, list[str]]:
    """The protocol's design and, as text located in the protocol file, any warning that the
    search bound ``design.n_max`` hid a better design (other warnings pass through)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SimonSearchBoundWarning)
        found = simon_design_from_spec(spec)
    said = []
    for w in caught:
        if isinstance(w.message, SimonSearchBoundWarning):
            said.append(f"design.{w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return found, said


def _simulate(
    rule: SimonRule,
    rates: list[float],
    *,
    sims: int,
    patient_trials: int,
    seed: int,
    protocol: Protocol,
    progress: Progress,
) -> tuple[list[OperatingCharacteristics], list[OperatingCharacteristics]]:
    conf = protocol.analysis.conf_level
    streams = np.random.SeedSequence(seed).spawn(2 * len(rates))
    binomial, patients = [], []
    steps = len(rates) * (-(-sims // CHUNK))
    task = progress.add_task("binomial trials", total=steps)
    for i, p in enumerate(rates):
        rng = np.random.default_rng(streams[i])
        x1_parts, x2_parts = [], []
        for start in range(0, sims, CHUNK):
            size = min(CHUNK, sims - start)
            x1_parts.append(rng.binomial(rule.n1, p, size))
            x2_parts.append(rng.binomial(rule.n2, p, size))
            progress.advance(task)
        responses = _counts_as_responses(rule, np.concatenate(x1_parts), np.concatenate(x2_parts))
        binomial.append(
            simulate_operating_characteristics(
                rule, p, n_trials=sims, rng=rng, conf_level=conf, responses=responses
            )
        )
    if patient_trials:
        task = progress.add_task(
            "patient-level trials (RECIST)", total=len(rates) * (-(-patient_trials // PATIENT_CHUNK))
        )
        for i, p in enumerate(rates):
            rng = np.random.default_rng(streams[len(rates) + i])
            scenario = Scenario(orr=p, dcr=max(Scenario().dcr, p))
            parts = []
            for start in range(0, patient_trials, PATIENT_CHUNK):
                size = min(PATIENT_CHUNK, patient_trials - start)
                parts.append(
                    simulate_patient_responses(protocol, scenario, n_trials=size, n_patients=rule.n, rng=rng)
                )
                progress.advance(task)
            patients.append(
                simulate_operating_characteristics(
                    rule,
                    p,
                    n_trials=patient_trials,
                    rng=rng,
                    conf_level=conf,
                    responses=np.concatenate(parts),
                )
            )
    return binomial, patients


def _counts_as_responses(rule: SimonRule, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Responder counts per stage as a boolean patient matrix (responders first in each stage)."""
    idx1 = np.arange(rule.n1)[None, :]
    idx2 = np.arange(rule.n2)[None, :]
    return np.concatenate([idx1 < x1[:, None], idx2 < x2[:, None]], axis=1)


def _table(title: str, exact: list[OperatingCharacteristics], sims: list[OperatingCharacteristics]) -> Table:
    """One row per true rate; each cell is ``exact/simulated``."""
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("true\nORR", justify="right")
    for name in ("P(promising)", "P(stop early)", "E[N]", "bias of ORR", "CI coverage"):
        table.add_column(f"{name}\nexact/sim", justify="right")
    for e, s in zip(exact, sims, strict=True):
        table.add_row(
            f"{e.p:.2f}",
            f"{e.promising:.3f}/{s.promising:.3f}",
            f"{e.early_stop:.3f}/{s.early_stop:.3f}",
            f"{e.expected_n:.1f}/{s.expected_n:.1f}",
            f"{e.bias:+.3f}/{s.bias:+.3f}",
            f"{e.coverage:.3f}/{s.coverage:.3f}",
        )
    return table


@app.command("design")
def design(
    protocol_file: Path | None = typer.Option(
        None, "--protocol", help="Protocol file (TOML). Default: the bundled seed trial.", show_default=False
    ),
    sims: int = typer.Option(100_000, "--sims", min=1, help="Virtual trials per true rate (binomial level)."),
    patient_trials: int = typer.Option(
        0,
        "--patient-level",
        min=0,
        help="Also simulate this many patient-level trials per rate, read through RECIST.",
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the simulation."),
    as_json: bool = typer.Option(False, "--json", help="Print the design and the tables as JSON."),
) -> None:
    """Print the protocol's Simon design with exact and simulated operating characteristics."""
    with reported_errors():
        protocol = read_protocol(protocol_file).protocol
        found, bound_warnings = _design_and_bound_warnings(protocol.design)
        for text in bound_warnings:
            err_console.print(f"[yellow]warning:[/yellow] {text}", highlight=False, soft_wrap=True)
        rule = SimonRule.of(found)
        spec = protocol.design
        rates = rate_grid(spec.p0, spec.p1)
        conf = protocol.analysis.conf_level
        exact = [exact_operating_characteristics(rule, p, conf_level=conf) for p in rates]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as progress:
            binomial, patients = _simulate(
                rule,
                rates,
                sims=sims,
                patient_trials=patient_trials,
                seed=seed,
                protocol=protocol,
                progress=progress,
            )
    if as_json:
        out = {
            "design": {
                "kind": spec.kind,
                "p0": spec.p0,
                "p1": spec.p1,
                "alpha": spec.alpha,
                "beta": spec.beta,
            }
            | {"r1": rule.r1, "n1": rule.n1, "r": rule.r, "n": rule.n},
            "exact": [e.to_dict() for e in exact],
            "simulated": [s.to_dict() for s in binomial],
            "patient_level": [s.to_dict() for s in patients],
            "warnings": bound_warnings,
        }
        typer.echo(json.dumps(out, indent=2))
        return
    at_p0, at_p1 = (exact_operating_characteristics(rule, p, conf_level=conf) for p in (spec.p0, spec.p1))
    console.print(
        f"[bold]Simon two-stage design ({spec.kind})[/bold]: p0 = {spec.p0:g}, p1 = {spec.p1:g}, "
        f"one-sided alpha = {spec.alpha:g}, power = {1 - spec.beta:g}",
        highlight=False,
    )
    console.print(
        f"  stage 1: treat {rule.n1}; stop for futility if {rule.r1} or fewer respond\n"
        f"  stage 2: treat {rule.n2} more ({rule.n} in all); promising if more than {rule.r} respond\n"
        f"  exact: alpha {at_p0.promising:.4f}, power {at_p1.promising:.4f}, "
        f"P(stop early | p0) {at_p0.early_stop:.4f}, E[N | p0] {at_p0.expected_n:.2f}",
        highlight=False,
    )
    console.print(
        _table(f"Operating characteristics: exact vs {sims:,} simulated trials per rate", exact, binomial)
    )
    worst = max(
        abs(e.promising - s.promising) / max(s.promising_se, 1e-12)
        for e, s in zip(exact, binomial, strict=True)
    )
    console.print(
        f"  largest |exact - simulated| P(promising) is {worst:.1f} Monte Carlo SE; ORR estimate = "
        f"responders / patients treated; CI = {conf:.0%} Clopper-Pearson",
        style="dim",
        highlight=False,
    )
    if patients:
        console.print(
            _table(
                f"Patient-level: {patient_trials:,} virtual trials per rate, tumours read by RECIST 1.1",
                exact,
                patients,
            )
        )
        console.print(
            "  simulated column: virtual patients with measurement noise, missed scans and deaths; "
            "exact column: the binomial model",
            style="dim",
            highlight=False,
        )
