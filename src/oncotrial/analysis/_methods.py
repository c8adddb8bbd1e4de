"""The methods section: every rule the analysis applied, in words, read from the protocol."""

from __future__ import annotations

from oncotrial.adam import OS_RULES, progression_rules
from oncotrial.analysis._rates import CI_METHOD
from oncotrial.analysis._results import MethodNote, SimonStatus
from oncotrial.analysis._tte import AT_RISK_STEP_MONTHS
from oncotrial.protocol import Protocol

__all__ = ["censoring_rules_text", "methods_notes"]


def censoring_rules_text(protocol: Protocol) -> list[str]:
    """One sentence per PFS/DoR event or censoring rule, then the OS rules, as ADaM applies them."""
    return [*progression_rules(protocol).describe(), *(rule.description for rule in OS_RULES)]


def methods_notes(protocol: Protocol, simon: SimonStatus) -> tuple[MethodNote, ...]:
    """The methods of the analysis, each sentence built from the protocol's values."""
    r = protocol.response
    a = protocol.analysis
    d = protocol.design
    m = protocol.monitoring
    pct = f"{a.conf_level:.0%}"
    notes = [
        MethodNote(
            "Response evaluation",
            f"{r.name}, {r.accepted_evaluator.lower()} assessments. A complete or partial response "
            f"is confirmed by a CR/PR at least {r.confirmation_min_interval} later. Stable disease "
            f"counts as best overall response only when assessed at least {r.sd_min_duration} after "
            f"the {r.reference_start.replace('_', ' ')}.",
        ),
    ]
    for e in protocol.endpoints:
        notes.append(
            MethodNote(
                f"{e.name} ({e.code})",
                f"{e.definition} Population: {protocol.population(e.population).label}.",
            )
        )
    notes += [
        MethodNote(
            "Response rates",
            f"Two-sided {pct} exact ({CI_METHOD.replace('-', '–').title()}) confidence intervals. The primary "
            f"endpoint is tested against p0 = {d.p0:g} with the one-sided exact binomial test. Patients "
            "without a best overall response are non-responders.",
        ),
        MethodNote(
            "Time to event",
            f"Kaplan-Meier estimates; {pct} CI of the median by Brookmeyer & Crowley (1982) with the "
            f"{a.km_conf_type} transformation, and pointwise {a.km_conf_type} CIs at the landmarks "
            f"({', '.join(map(str, a.landmarks))}). Durations are end − start + 1 days; months = days / "
            f"{a.days_per_month:g}. Numbers at risk are shown every {AT_RISK_STEP_MONTHS:g} months.",
        ),
        MethodNote(
            "Censoring",
            f"{progression_rules(protocol).guidance}. " + " ".join(censoring_rules_text(protocol)),
        ),
        MethodNote(
            "Median follow-up",
            "Reverse Kaplan-Meier on overall survival (Schemper & Smith 1996): censoring is the event.",
        ),
        MethodNote(
            "Design",
            f"Simon (1989) two-stage {d.kind} design: p0 = {d.p0:g}, p1 = {d.p1:g}, one-sided alpha = "
            f"{d.alpha:g}, power = {1 - d.beta:g}. Stage 1: stop for futility if at most {simon.r1} of the "
            f"first {simon.n1} patients respond; otherwise enrol to {simon.n}; H0 is rejected when more than "
            f"{simon.r} respond (exact alpha {simon.alpha:.4f}, power {simon.power:.4f}).",
        ),
        MethodNote(
            "Interim monitoring",
            f"Predictive probability (Lee & Liu 2008) with a Beta({m.prior_a:g}, {m.prior_b:g}) prior: "
            f"success if P(p > {d.p0:g} | data) > {m.theta_t:g} at n = {simon.n}; stop for futility when "
            f"the predictive probability is below {m.theta_l:g}"
            + (f", for efficacy above {m.theta_u:g}" if m.theta_u < 1 else ", no early stop for efficacy")
            + f"; first look after {m.first_look} evaluated patients.",
        ),
    ]
    if a.data_cutoff is not None:
        notes.append(MethodNote("Data cut-off", a.data_cutoff.isoformat()))
    return tuple(notes)
