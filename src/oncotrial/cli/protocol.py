"""``oncotrial protocol validate|show``: check a protocol file and print what it says."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from oncotrial.cli import app
from oncotrial.cli._common import console, reported_errors
from oncotrial.protocol import read_protocol
from oncotrial.protocol.model import Protocol, SafetySettings, Source, _Sourced

protocol_app = typer.Typer(help="Validate and show trial protocol files.", no_args_is_help=True)
app.add_typer(protocol_app, name="protocol")

FileArg = typer.Argument(
    None, help="Protocol file (TOML). Default: the bundled seed trial.", show_default=False
)
MARK = "[yellow]†[/yellow]"


@protocol_app.command("validate")
def validate(path: Path = typer.Argument(..., help="Protocol file (TOML) to check.")) -> None:
    """Check a protocol file; print one line per problem with its field path."""
    with reported_errors():
        loaded = read_protocol(path)
    p = loaded.protocol
    console.print(
        f"[green]ok[/green] {escape(str(path))}: {escape(p.identity.study_id)}, "
        f"{len(p.regimen.drugs)} drugs, {len(p.eligibility.inclusion)} inclusion / "
        f"{len(p.eligibility.exclusion)} exclusion criteria, {len(p.endpoints)} endpoints, "
        f"{len(p.assumptions())} assumptions to confirm (sha256 {loaded.sha256[:12]})",
        highlight=False,
    )


@protocol_app.command("show")
def show(
    path: Path | None = FileArg,
    as_json: bool = typer.Option(False, "--json", help="Print the validated protocol as JSON."),
) -> None:
    """Print a readable summary of a protocol; assumptions are marked with †."""
    with reported_errors():
        loaded = read_protocol(path)
    if as_json:
        data = loaded.protocol.model_dump(mode="json")
        data["_file"] = {"path": str(loaded.path), "sha256": loaded.sha256}
        data["_assumptions"] = [{"field": loc, "why": src.text} for loc, src in loaded.protocol.assumptions()]
        typer.echo(json.dumps(data, indent=2))
        return
    _print_summary(loaded.protocol, loaded.path, loaded.sha256)


def _mark(section: _Sourced, field: str) -> str:
    return f" {MARK}" if section.source_of(field).is_assumption else ""


def _mark_src(source: Source) -> str:
    return f" {MARK}" if source.is_assumption else ""


def _print_summary(p: Protocol, path: Path, sha256: str) -> None:
    ident = p.identity
    out = console.print
    out(f"[bold]{escape(ident.title)}[/bold]", highlight=False)
    out(
        f"{escape(str(path))}  sha256 {sha256[:12]}   († = assumption the sponsor must confirm)\n",
        style="dim",
        highlight=False,
    )
    out("[bold]Design[/bold]")
    out(
        f"  study {ident.study_id}{_mark(ident, 'study_id')}; phase {ident.phase}, {ident.allocation}, "
        f"{ident.masking}, {'multi-center' if ident.multi_center else 'single-center'}; "
        f"condition: {escape(ident.condition)}; registry id: {ident.registry_id or 'not given'}",
        highlight=False,
    )

    reg = p.regimen
    out(
        f"\n[bold]Regimen[/bold]: every {reg.cycle_length}{_mark(reg, 'cycle_length')}, "
        f"window -{reg.dose_window_days} days{_mark(reg, 'dose_window_days')}, "
        f"longest delay {reg.max_cycle_delay}{_mark(reg, 'max_cycle_delay')}",
        highlight=False,
    )
    for d in reg.drugs:
        limit = (
            f"at most {d.max_cycles} cycles{_mark(d, 'max_cycles')}"
            if d.max_cycles
            else f"at most {d.max_duration} from its first dose{_mark(d, 'max_duration')}"
        )
        levels = (
            f"; reductions {', '.join(f'{v:g}' for v in d.dose_levels)} {d.basis}"
            if d.dose_levels
            else "; no dose reduction"
        )
        days = ",".join(map(str, d.days_of_cycle))
        out(
            f"  {d.code}: {escape(d.name)} {d.dose:g} {d.unit if d.basis == 'flat' else d.basis}"
            f"{_mark(d, 'dose')} {d.route} day {days}{levels}; {limit}",
            highlight=False,
        )
    out(
        "  ends treatment: " + "; ".join(f"{r.label}{_mark_src(r.source)}" for r in p.treatment_end_reasons),
        highlight=False,
    )

    s = p.schedule
    out(f"\n[bold]Schedule[/bold]{_mark(s, 'imaging_interval')}", highlight=False)
    out(
        f"  screening within {s.screening_window} of first dose; baseline imaging within "
        f"{s.baseline_imaging_window}",
        highlight=False,
    )
    out(
        f"  tumour imaging every {s.imaging_interval} ±{s.imaging_window_days} days from {s.imaging_anchor.replace('_', ' ')}; "
        f"survival follow-up every {s.survival_follow_up_interval}; end of study {s.end_of_study}"
        f"{_mark(s, 'end_of_study')} after enrollment",
        highlight=False,
    )

    out("\n[bold]Eligibility[/bold]")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("id")
    table.add_column("criterion")
    table.add_column("rule", style="cyan")
    for c in p.eligibility.inclusion + p.eligibility.exclusion:
        table.add_row(c.id + (" †" if c.source.is_assumption else ""), c.text, str(c.rule))
    out(table)

    r = p.response
    out(
        f"\n[bold]Response[/bold]: {r.name}, {r.accepted_evaluator.lower()} reads{_mark(r, 'accepted_evaluator')}; "
        f"confirmation at least {r.confirmation_min_interval} later{_mark(r, 'confirmation_min_interval')}; "
        f"SD at least {r.sd_min_duration} after {r.reference_start.replace('_', ' ')}{_mark(r, 'sd_min_duration')}",
        highlight=False,
    )

    out("\n[bold]Endpoints[/bold]")
    for e in p.endpoints:
        what = (
            f"{'+'.join(e.responses)}{' confirmed' if e.confirmed else ''}"
            if e.responses
            else f"from {e.origin.replace('_', ' ')} to {' or '.join(e.events)}"
        )
        out(
            f"  {e.code} ({e.role}{_mark_src(e.source)}): {escape(e.name)}, {what}, "
            f"population {e.population}, horizon {e.horizon}",
            highlight=False,
        )
    c = p.censoring
    out(
        f"  censoring{_mark(c, 'guidance')}: {escape(c.guidance)}; no baseline or no post-baseline assessment -> "
        f"censored at start; death within {c.early_death_event_within_missed} intervals before any assessment is an event; "
        f"new anti-tumour therapy -> censored at last adequate assessment; event after "
        f">= {c.missed_assessments_censor} missed assessments -> censored at last adequate assessment",
        highlight=False,
    )

    out("\n[bold]Populations[/bold]")
    for pop in p.populations:
        out(f"  {pop.code} ({pop.flag}){_mark_src(pop.source)}: {escape(pop.definition)}", highlight=False)

    d = p.design
    out(
        f"\n[bold]Statistical design[/bold]{_mark(d, 'p0')}: Simon two-stage ({d.kind}), "
        f"p0 = {d.p0:g}, p1 = {d.p1:g}, one-sided alpha = {d.alpha:g}, beta = {d.beta:g} "
        f"(power {1 - d.beta:g}); stage sizes are computed from these (`oncotrial design`)",
        highlight=False,
    )
    m = p.monitoring
    out(
        f"  monitoring{_mark(m, 'theta_t')}: predictive probability, prior Beta({m.prior_a:g}, {m.prior_b:g}), "
        f"theta_T {m.theta_t:g}, futility below {m.theta_l:g}, from patient {m.first_look}",
        highlight=False,
    )
    a = p.analysis
    out(
        f"  analysis{_mark(a, 'conf_level')}: {a.conf_level:.0%} CIs, KM bands {a.km_conf_type}, landmarks "
        f"{', '.join(map(str, a.landmarks))}; months = days / {a.days_per_month:g}; AVAL = {a.aval_convention}",
        highlight=False,
    )
    if p.safety is not None:
        _print_safety(p.safety)
    out(
        f"\n{len(p.assumptions())} values are assumptions (†); `--json` lists each with its rationale.",
        style="dim",
        highlight=False,
    )


def _print_safety(sf: SafetySettings) -> None:
    out = console.print
    out(
        f"\n[bold]Safety[/bold]: BSA by {sf.bsa_formula.replace('_', ' ').title()}{_mark(sf, 'bsa_formula')}, "
        f"mg within {sf.bsa_dose_tolerance:.0%} of dose x BSA{_mark(sf, 'bsa_dose_tolerance')}; day-1 labs up to "
        f"{sf.day1_lab_window} before the dose{_mark(sf, 'day1_lab_window')}; SAE initial report within "
        f"{sf.sae_initial_report} of awareness{_mark(sf, 'sae_initial_report')}, follow-up every "
        f"{sf.sae_follow_up_interval}{_mark(sf, 'sae_follow_up_interval')}",
        highlight=False,
    )
    out(
        f"  immune-related categories{_mark(sf, 'irae_categories')}: {', '.join(sf.irae_categories)}",
        highlight=False,
    )
    out(
        f"  AEs of special interest{_mark(sf, 'aesi_terms')}: {escape(', '.join(sf.aesi_terms))}",
        highlight=False,
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for name in ("dose rule", "drug", "when", "action"):
        table.add_column(name, style="cyan" if name == "when" else None)
    for r in sf.dose_rules:
        table.add_row(r.id + (" †" if r.source.is_assumption else ""), r.drug, str(r.when), r.action.value)
    out(table)
    out(
        "  the most severe action of the rules that hold wins; reduce with no lower level = discontinue; "
        "a dose later than regimen.max_cycle_delay = discontinue (REGIMEN-MAX-DELAY)",
        style="dim",
        highlight=False,
    )
