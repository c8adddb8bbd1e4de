"""A virtual multi-center cohort under a protocol, as SDTM tables.

One call, :func:`simulate_cohort`, draws screening (with failures named by the
protocol's criterion ids), baseline characteristics and lesions, each patient's tumour
course, dosing with adverse events, disposition, subsequent therapy, survival
follow-up and deaths up to a data cut-off, and writes them as SDTM-shaped DataFrames
following the project's conventions (docs/simulate.md). The same seed gives the same
tables, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from oncotrial.errors import OncotrialError
from oncotrial.protocol import Duration, Protocol, evaluate_eligibility
from oncotrial.recist import RecistSettings, evaluate_timepoints
from oncotrial.simulate._latent import draw_latent
from oncotrial.simulate._scenario import Scenario
from oncotrial.simulate._screening import screen_failure_values, typical_values
from oncotrial.simulate._treatment import Course, ae_catalogue, simulate_course
from oncotrial.simulate._tumour import MAX_TARGETS, NODE, ORGANS, draw_lesions, read_scans
from oncotrial.simulate._visits import (
    EOT_VISIT,
    SCREENING_VISIT,
    cycle_visit,
    imaging_visit,
    survival_visit,
)

__all__ = ["SimulatedTrial", "simulate_cohort"]

ARMCD = "PD1NABP"
SUBSEQUENT = ("GEMCITABINE", "IRINOTECAN", "PEMETREXED", "BEVACIZUMAB + PACLITAXEL", "TISOTUMAB VEDOTIN")
ROUTES = {"IV": "INTRAVENOUS", "PO": "ORAL", "SC": "SUBCUTANEOUS"}
HISTOLOGY = ("SQUAMOUS CELL CARCINOMA", "ADENOCARCINOMA", "ADENOSQUAMOUS CARCINOMA")


@dataclass(frozen=True)
class SimulatedTrial:
    """A generated cohort: SDTM tables, what was true, and how it was made.

    ``sdtm`` maps lower-case domain names (dm, ex, tu, tr, rs, ae, ds, sv, cm, ie, sc)
    to DataFrames; a domain without records (say, no screen failure: no IE) is absent. ``truth`` has one row per enrolled patient with the latent class
    and times (days from first dose). ``screening`` has one row per screened patient
    with the values entered and the eligibility outcome.
    """

    scenario: Scenario
    seed: int
    data_cutoff: dt.date
    sdtm: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    screening: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """Counts a person checks first."""
        dm = self.sdtm["dm"]
        return {
            "screened": len(self.screening),
            "screen_failures": int((~self.screening["ELIGIBLE"]).sum()),
            "enrolled": int((dm["ARMCD"] == ARMCD).sum()),
            "centers": int(dm["SITEID"].nunique()),
            "deaths": int((dm["DTHFL"] == "Y").sum()),
            "data_cutoff": self.data_cutoff.isoformat(),
        }


def _iso(date: np.datetime64 | dt.date | None) -> str:
    if date is None:
        return ""
    return str(np.datetime64(date, "D"))


def _accrual(scenario: Scenario, rng: np.random.Generator, n_screened: int, days_per_month: float):
    """Screening dates and centers: centers open in turn over the first third of accrual."""
    span = scenario.enrollment_months * days_per_month
    opens = np.sort(rng.uniform(0.0, span / 3.0, scenario.n_centers))
    opens[0] = 0.0
    weight = rng.gamma(4.0, 1.0, scenario.n_centers)
    # a patient's center is drawn among open centers, weighted by the time each is open
    screen_day = np.sort(rng.uniform(0.0, span, n_screened))
    center = np.empty(n_screened, int)
    for i, day in enumerate(screen_day):
        w = np.where(opens <= day, weight, 0.0)
        center[i] = rng.choice(scenario.n_centers, p=w / w.sum())
    return np.round(screen_day).astype(int), center


def simulate_cohort(protocol: Protocol, scenario: Scenario | None = None, *, seed: int = 0) -> SimulatedTrial:
    """Generate a virtual cohort under ``protocol`` and ``scenario``.

    Parameters
    ----------
    protocol
        The trial's rules (schedule, caps, eligibility, end-of-treatment reasons).
    scenario
        What is true; :class:`Scenario` defaults when None.
    seed
        Seed of the random streams; the same seed gives identical tables.

    Examples
    --------
    >>> from oncotrial.protocol import load_protocol
    >>> trial = simulate_cohort(load_protocol(), Scenario(n_subjects=5), seed=1)
    >>> trial.summary()["enrolled"], sorted(trial.sdtm)[:3]
    (5, ['ae', 'cm', 'dm'])
    """
    scenario = scenario or Scenario()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    rng_screen, rng_latent, rng_scan, rng_course, rng_follow, rng_base = streams
    study = protocol.identity.study_id
    sched = protocol.schedule
    dpm = protocol.analysis.days_per_month
    interval = sched.imaging_interval.days
    n = scenario.n_subjects

    # --- screening: Bernoulli failures until n patients are enrolled -----------------
    outcomes: list[bool] = []
    while sum(outcomes) < n:
        outcomes.append(bool(rng_screen.random() >= scenario.screen_failure_rate))
    screen_day, center = _accrual(scenario, rng_screen, len(outcomes), dpm)
    first_day = np.datetime64(scenario.first_enrollment, "D")
    site_ids = [f"{101 + j}" for j in range(scenario.n_centers)]

    lesions = draw_lesions(rng_base, n)
    age = np.clip(
        np.round(rng_base.normal(scenario.age_mean, (scenario.age_max - scenario.age_min) / 4.5, n)),
        scenario.age_min,
        scenario.age_max,
    ).astype(int)
    ecog = (rng_base.random(n) >= scenario.ecog0_share).astype(int)
    hist = np.where(rng_base.random(n) < scenario.squamous_share, 0, np.where(rng_base.random(n) < 0.8, 1, 2))
    prior_lines = 1 + rng_base.choice(3, n, p=[0.6, 0.3, 0.1])
    cps = np.where(
        rng_base.random(n) < 0.35, 0, np.round(rng_base.lognormal(np.log(10), 1.0, n)).clip(1, 100)
    )
    liver = (lesions.target_organ == ORGANS.index("LIVER")).any(axis=1) | (
        lesions.nontarget_organ == ORGANS.index("LIVER")
    ).any(axis=1)

    screening_rows: list[dict[str, Any]] = []
    enrolled: list[dict[str, Any]] = []
    per_site = dict.fromkeys(site_ids, 0)
    for i, ok in enumerate(outcomes):
        site = site_ids[center[i]]
        per_site[site] += 1
        subjid = f"{site}{per_site[site]:03d}"
        k = len(enrolled)
        date = first_day + np.timedelta64(int(screen_day[i]), "D")
        if ok:
            known = {
                "age_years": int(age[k]),
                "ecog": int(ecog[k]),
                "measurable_lesions": int(lesions.n_targets[k]),
                "liver_metastases": bool(liver[k]),
            }
            values = typical_values(protocol, rng_screen, known)
            result = evaluate_eligibility(protocol, values)
            if not result.eligible:  # a typical patient should pass; another protocol may differ
                raise OncotrialError(
                    ("eligibility", result.failing[0].criterion.id),
                    result.failing[0].explanation,
                    "the scenario's typical patient fails this criterion, so no virtual patient "
                    "can enrol; change the scenario (e.g. age_mean) or the criterion",
                )
        else:
            other_age = int(np.clip(round(rng_screen.normal(scenario.age_mean, 9)), 18, 85))
            values = typical_values(
                protocol,
                rng_screen,
                {"age_years": other_age, "ecog": int(rng_screen.random() > 0.3), "measurable_lesions": 2},
            )
            values, result = screen_failure_values(protocol, rng_screen, values)
        screening_rows.append(
            {
                "USUBJID": f"{study}-{subjid}",
                "SUBJID": subjid,
                "SITEID": site,
                "SCREENDT": _iso(date),
                "ELIGIBLE": result.eligible,
                "FAILED": " ".join(r.criterion.id for r in result.failing),
                "VALUES": values,
            }
        )
        if ok:
            enrolled.append(
                {"index": k, "usubjid": f"{study}-{subjid}", "subjid": subjid, "site": site, "screen": date}
            )

    screening = pd.DataFrame(screening_rows)
    consent_lag = rng_follow.integers(0, 3, len(screening))
    enrol_lag = rng_follow.integers(3, max(4, int(sched.screening_window.days) - 7), n)
    dose_lag = rng_follow.integers(0, 4, n)
    enrol_date = np.array([e["screen"] for e in enrolled]) + enrol_lag.astype("timedelta64[D]")
    first_dose = enrol_date + dose_lag.astype("timedelta64[D]")
    cutoff = first_dose.max() + np.timedelta64(round(scenario.follow_up_months * dpm), "D")

    # --- latent truth and tumour course ------------------------------------------------
    latent = draw_latent(
        scenario,
        rng_latent,
        n,
        imaging_interval_days=interval,
        days_per_month=dpm,
        baseline_sum_mm=lesions.baseline_sum,
    )
    eos = np.array([np.datetime64(sched.end_of_study.after(d.astype(dt.date)), "D") for d in enrol_date])
    t_cut = (cutoff - first_dose).astype(int)
    t_eos = (eos - first_dose).astype(int)
    per_day = 1.0 / Duration(1, "years").days
    # every patient is dosed on day 0, so nothing ends her participation before day 1
    t_wd = 1.0 + rng_follow.exponential(1.0 / max(scenario.withdrawal_per_year * per_day, 1e-12), n)
    t_ltfu = 1.0 + rng_follow.exponential(1.0 / max(scenario.lost_to_follow_up_per_year * per_day, 1e-12), n)
    t_death = np.maximum(np.floor(latent.t_death), 1.0)
    t_off = np.minimum.reduce([t_wd, t_ltfu, t_death, t_cut.astype(float), t_eos.astype(float)])
    n_scans = int(np.ceil(sched.end_of_study.days / interval)) + 1
    scans = read_scans(
        latent,
        lesions,
        rng_scan,
        interval_days=interval,
        window_days=sched.imaging_window_days,
        stop_day=np.floor(t_off) - 1,
        n_scans=n_scans,
        missed_rate=scenario.missed_visit_rate,
        measurement_cv=scenario.measurement_cv,
        new_lesion_share=scenario.new_lesion_share_of_pd,
    )
    pd_day = np.where(scans.pd_scan >= 0, scans.day[np.arange(n), np.maximum(scans.pd_scan, 0)], np.inf)

    catalogue = ae_catalogue(scenario)
    tables: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("dm", "ex", "tu", "tr", "rs", "ae", "ds", "sv", "cm", "ie", "sc")
    }
    truth_rows = []
    evaluator = protocol.response.accepted_evaluator
    fu_days = int(sched.survival_follow_up_interval.days)
    for k, e in enumerate(enrolled):
        fd = first_dose[k]
        when = {
            "PROGRESSIVE_DISEASE": pd_day[k],
            "DEATH": t_death[k],
            "WITHDRAWAL": np.floor(t_wd[k]),
            "LOST_TO_FOLLOW_UP": np.floor(t_ltfu[k]),
            None: float(t_cut[k]),
        }
        stop_reason = min(when, key=lambda r: when[r])
        stop_day = int(when[stop_reason])
        course = simulate_course(
            protocol,
            scenario,
            catalogue,
            rng_course,
            first_dose=fd,
            stop_day=stop_day,
            stop_reason=stop_reason,
            cutoff_day=int(t_cut[k]),
        )
        # end of study: death, withdrawal, lost, or the end-of-study date, whichever first
        ends = {
            "DEATH": t_death[k],
            "WITHDRAWAL": t_wd[k],
            "LOST_TO_FOLLOW_UP": t_ltfu[k],
            "COMPLETED": float(t_eos[k]),
        }
        eos_reason = min(ends, key=lambda r: ends[r])
        eos_day = int(np.floor(ends[eos_reason]))
        if eos_day > t_cut[k]:
            eos_reason, eos_day = None, None
        died = eos_reason == "DEATH"
        last_scan_day = int(scans.day[k][scans.done[k]].max()) if scans.done[k].any() else None
        nact_day = None
        if np.isfinite(pd_day[k]) and rng_follow.random() < scenario.new_therapy_after_pd:
            candidate = int(pd_day[k]) + int(rng_follow.integers(14, 57))
            if candidate < min(t_off[k], t_cut[k]):
                nact_day = candidate
        _rows_for_patient(
            tables,
            protocol,
            scenario,
            rng_follow,
            e,
            k,
            fd=fd,
            enrol=enrol_date[k],
            consent=e["screen"] - np.timedelta64(int(consent_lag[e["index"]]), "D"),
            lesions=lesions,
            scans=scans,
            course=course,
            eos_reason=eos_reason,
            eos_day=eos_day,
            died=died,
            nact_day=nact_day,
            fu_days=fu_days,
            cut_day=int(t_cut[k]),
            evaluator=evaluator,
            baseline_extra={
                "age": int(age[k]),
                "ecog": int(ecog[k]),
                "hist": HISTOLOGY[hist[k]],
                "lines": int(prior_lines[k]),
                "cps": int(cps[k]),
            },
        )
        truth_rows.append(
            {
                "USUBJID": e["usubjid"],
                "CLASS": str(latent.klass[k]),
                "T_PROG": float(latent.t_prog[k]),
                "T_DEATH": float(latent.t_death[k]),
                "PD_DAY": float(pd_day[k]) if np.isfinite(pd_day[k]) else None,
                "LAST_SCAN_DAY": last_scan_day,
                "DIED": died,
                "EOT_REASON": course.end_reason,
            }
        )
    for i, row in enumerate(screening_rows):
        if not row["ELIGIBLE"]:
            _rows_for_screen_failure(
                tables,
                protocol,
                row,
                np.datetime64(row["SCREENDT"]) - np.timedelta64(int(consent_lag[i]), "D"),
            )

    # a domain with no records is left out, as an SDTM package would (e.g. no CM, no IE)
    sdtm = {name: _frame(name, rows, study) for name, rows in tables.items() if rows}
    sdtm["rs"] = _investigator_reads(sdtm, protocol, scenario, rng_follow)
    return SimulatedTrial(scenario, seed, cutoff.astype(dt.date), sdtm, pd.DataFrame(truth_rows), screening)


def _investigator_reads(
    sdtm: dict[str, pd.DataFrame], protocol: Protocol, scenario: Scenario, rng: np.random.Generator
) -> pd.DataFrame:
    """RS as the investigator records it: the RECIST 1.1 engine's overall response of each
    assessment, and, at the scenario's ``investigator_disagreement`` rate, a neighbouring
    category instead (never on a progression, which ends the patient's scans)."""
    settings = RecistSettings.from_protocol(protocol)
    timepoints = evaluate_timepoints(sdtm["tu"], sdtm["tr"], settings)
    rs = sdtm["rs"]
    read = rs[["USUBJID", "VISITNUM"]].merge(
        timepoints[["USUBJID", "VISITNUM", "OVRLRESP"]],
        on=["USUBJID", "VISITNUM"],
        how="left",
        validate="1:1",
    )["OVRLRESP"]
    if read.isna().any():  # pragma: no cover - every RS row has its TR rows
        raise AssertionError("an assessment has no RECIST read")
    values = read.to_numpy(dtype=object)
    if scenario.investigator_disagreement > 0:
        neighbours = {"CR": "PR", "PR": "SD", "SD": "PR", "NE": "NE", "PD": "PD"}
        flip = rng.random(len(values)) < scenario.investigator_disagreement
        values = np.where(flip, [neighbours[v] for v in values], values)
    rs = rs.copy()
    rs["RSORRES"] = values
    rs["RSSTRESC"] = values
    return rs


def _frame(name: str, rows: list[dict[str, Any]], study: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame.insert(0, "DOMAIN", name.upper())
    frame.insert(0, "STUDYID", study)
    sort = [c for c in ("USUBJID", f"{name.upper()}STDTC", f"{name.upper()}DTC", "VISITNUM") if c in frame]
    frame = frame.sort_values(sort, kind="stable").reset_index(drop=True) if name != "dm" else frame
    if name != "dm":
        frame[f"{name.upper()}SEQ"] = frame.groupby("USUBJID").cumcount() + 1
    return frame


def _rows_for_screen_failure(tables, protocol: Protocol, row: dict[str, Any], consent) -> None:
    usubjid = row["USUBJID"]
    tables["dm"].append(
        _dm(
            usubjid,
            row["SUBJID"],
            row["SITEID"],
            int(row["VALUES"].get("age_years") or 0),
            "SCRNFAIL",
            "Screen Failure",
        )
        | {"RFICDTC": _iso(consent)}
    )
    tables["ds"].append(
        _ds(
            usubjid,
            "PROTOCOL MILESTONE",
            "",
            "INFORMED CONSENT OBTAINED",
            "INFORMED CONSENT OBTAINED",
            consent,
        )
    )
    failed = row["FAILED"].split()
    tables["ds"].append(
        _ds(
            usubjid,
            "DISPOSITION EVENT",
            "END OF STUDY",
            "SCREEN FAILURE",
            f"SCREEN FAILURE: {', '.join(failed)}",
            np.datetime64(row["SCREENDT"]),
        )
    )
    criteria = {c.id: (c, "INCLUSION") for c in protocol.eligibility.inclusion} | {
        c.id: (c, "EXCLUSION") for c in protocol.eligibility.exclusion
    }
    for cid in failed:
        criterion, cat = criteria[cid]
        tables["ie"].append(
            {
                "USUBJID": usubjid,
                "IETESTCD": cid,
                "IETEST": criterion.text[:200],
                "IECAT": cat,
                "IEORRES": "N" if cat == "INCLUSION" else "Y",
                "IESTRESC": "N" if cat == "INCLUSION" else "Y",
                "VISITNUM": SCREENING_VISIT[0],
                "VISIT": SCREENING_VISIT[1],
                "IEDTC": row["SCREENDT"],
            }
        )
    tables["sv"].append(
        {
            "USUBJID": usubjid,
            "VISITNUM": SCREENING_VISIT[0],
            "VISIT": SCREENING_VISIT[1],
            "SVSTDTC": row["SCREENDT"],
        }
    )


def _dm(usubjid: str, subjid: str, site: str, age: int, armcd: str, arm: str) -> dict[str, Any]:
    return {
        "USUBJID": usubjid,
        "SUBJID": subjid,
        "SITEID": site,
        "AGE": age,
        "AGEU": "YEARS",
        "SEX": "F",
        "RACE": "ASIAN",
        "COUNTRY": "CHN",
        "ARMCD": armcd,
        "ARM": arm,
        "ACTARMCD": armcd,
        "ACTARM": arm,
        "RFICDTC": "",
        "RFSTDTC": "",
        "RFENDTC": "",
        "RFXSTDTC": "",
        "RFXENDTC": "",
        "DTHDTC": "",
        "DTHFL": "",
    }


def _ds(usubjid, cat, scat, decod, term, date) -> dict[str, Any]:
    return {
        "USUBJID": usubjid,
        "DSCAT": cat,
        "DSSCAT": scat,
        "DSDECOD": decod,
        "DSTERM": term,
        "DSSTDTC": _iso(date),
    }


def _rows_for_patient(tables, protocol: Protocol, scenario: Scenario, rng, e, k, **kw) -> None:
    fd = kw["fd"]
    course: Course = kw["course"]
    scans = kw["scans"]
    lesions = kw["lesions"]
    usubjid = e["usubjid"]

    def on(day: float | int) -> np.datetime64:
        return fd + np.timedelta64(int(day), "D")

    # --- disposition -----------------------------------------------------------------
    consent = kw["consent"]
    tables["ds"].append(
        _ds(
            usubjid,
            "PROTOCOL MILESTONE",
            "",
            "INFORMED CONSENT OBTAINED",
            "INFORMED CONSENT OBTAINED",
            consent,
        )
    )
    tables["ds"].append(_ds(usubjid, "PROTOCOL MILESTONE", "", "ENROLLED", "ENROLLED", kw["enrol"]))
    if course.end_reason is not None:
        reason = protocol.treatment_end_reason(course.end_reason)
        tables["ds"].append(
            _ds(
                usubjid,
                "DISPOSITION EVENT",
                "END OF TREATMENT",
                reason.dsdecod,
                reason.label.upper(),
                on(course.end_day),
            )
        )
    eos_terms = {
        "DEATH": "DEATH",
        "WITHDRAWAL": "WITHDRAWAL BY SUBJECT",
        "LOST_TO_FOLLOW_UP": "LOST TO FOLLOW-UP",
        "COMPLETED": "COMPLETED",
    }
    if kw["eos_reason"] is not None:
        decod = eos_terms[kw["eos_reason"]]
        tables["ds"].append(
            _ds(usubjid, "DISPOSITION EVENT", "END OF STUDY", decod, decod, on(kw["eos_day"]))
        )

    # --- visits ------------------------------------------------------------------------
    sv = tables["sv"]
    sv.append(
        {
            "USUBJID": usubjid,
            "VISITNUM": SCREENING_VISIT[0],
            "VISIT": SCREENING_VISIT[1],
            "SVSTDTC": _iso(e["screen"]),
        }
    )
    for cycle, day in sorted({(c, d) for c, d, *_ in course.doses}):
        num, name = cycle_visit(cycle)
        sv.append({"USUBJID": usubjid, "VISITNUM": num, "VISIT": name, "SVSTDTC": _iso(on(day))})
    interval_weeks = protocol.schedule.imaging_interval.days / 7
    for j in np.flatnonzero(scans.done[k]):
        num, name = imaging_visit(int(j) + 1, interval_weeks)
        sv.append({"USUBJID": usubjid, "VISITNUM": num, "VISIT": name, "SVSTDTC": _iso(on(scans.day[k, j]))})
    last_contact = max(
        course.doses[-1][1], int(scans.day[k][scans.done[k]].max()) if scans.done[k].any() else 0
    )
    if course.end_reason is not None:
        sv.append(
            {
                "USUBJID": usubjid,
                "VISITNUM": EOT_VISIT[0],
                "VISIT": EOT_VISIT[1],
                "SVSTDTC": _iso(on(course.end_day)),
            }
        )
        last_contact = max(last_contact, course.end_day)
        if course.end_reason not in ("DEATH", "WITHDRAWAL", "LOST_TO_FOLLOW_UP"):
            limit = kw["eos_day"] if kw["eos_day"] is not None else kw["cut_day"]
            day, j = course.end_day + kw["fu_days"], 1
            while day < limit:
                num, name = survival_visit(j)
                sv.append({"USUBJID": usubjid, "VISITNUM": num, "VISIT": name, "SVSTDTC": _iso(on(day))})
                last_contact = max(last_contact, day)
                day, j = day + kw["fu_days"], j + 1
    if kw["died"]:
        last_contact = kw["eos_day"]

    # --- demographics and characteristics ------------------------------------------------
    extra = kw["baseline_extra"]
    dm = _dm(usubjid, e["subjid"], e["site"], extra["age"], ARMCD, "Anti-PD-1 + nab-paclitaxel")
    last_dose = on(course.last_dose_day)
    dm |= {
        "RFICDTC": _iso(consent),
        "RFSTDTC": _iso(fd),
        "RFENDTC": _iso(on(kw["eos_day"])) if kw["eos_day"] is not None else _iso(on(last_contact)),
        "RFXSTDTC": _iso(fd),
        "RFXENDTC": _iso(last_dose),
        "DTHDTC": _iso(on(kw["eos_day"])) if kw["died"] else "",
        "DTHFL": "Y" if kw["died"] else "",
    }
    tables["dm"].append(dm)
    sc_date = _iso(e["screen"])
    for code, test, value in (
        ("ECOG", "ECOG Performance Status", str(extra["ecog"])),
        ("HISTTYP", "Histologic Type", extra["hist"]),
        ("PRTHLN", "Prior Lines of Systemic Therapy", str(extra["lines"])),
        ("PDL1CPS", "PD-L1 Combined Positive Score", str(extra["cps"])),
    ):
        tables["sc"].append(
            {
                "USUBJID": usubjid,
                "SCTESTCD": code,
                "SCTEST": test,
                "SCORRES": value,
                "SCSTRESC": value,
                "SCDTC": sc_date,
            }
        )

    # --- exposure ------------------------------------------------------------------------
    cycle_days = int(protocol.regimen.cycle_length.days)
    freq = f"Q{cycle_days // 7}W" if cycle_days % 7 == 0 else f"EVERY {cycle_days} DAYS"
    for cycle, day, code, dose, why in course.doses:
        drug = protocol.regimen.drug(code)
        num, name = cycle_visit(cycle)
        tables["ex"].append(
            {
                "USUBJID": usubjid,
                "EXTRT": drug.name,
                "EXCAT": drug.code,
                "EXDOSE": dose,
                "EXDOSU": drug.unit if drug.basis == "flat" else str(drug.basis),
                "EXDOSFRQ": freq,
                "EXROUTE": ROUTES[drug.route],
                "EXSTDTC": _iso(on(day)),
                "EXENDTC": _iso(on(day)),
                "EXSPID": f"CYCLE {cycle}",
                "EXADJ": why,
                "VISITNUM": num,
                "VISIT": name,
            }
        )

    # --- adverse events ------------------------------------------------------------------
    names = {d.code: d.name for d in protocol.regimen.drugs}
    for ae in course.adverse_events:
        serious = ae.grade >= 4 or (ae.grade >= 3 and ae.spec.soc.startswith(("Infections", "Respiratory")))
        tables["ae"].append(
            {
                "USUBJID": usubjid,
                "AETERM": ae.spec.term,
                "AEDECOD": ae.spec.term,
                "AEBODSYS": ae.spec.soc,
                "AETOXGR": str(ae.grade),
                "AESER": "Y" if serious else "N",
                "AEREL": "Y" if any(ae.related.values()) else "N",
                "AERELNST": "; ".join(
                    f"{names[c]}: {'RELATED' if r else 'NOT RELATED'}" for c, r in ae.related.items()
                ),
                "AEACN": ae.action,
                "AESTDTC": _iso(on(ae.start_day)),
                "AEENDTC": _iso(on(ae.end_day)) if ae.end_day is not None else "",
                "AEOUT": "RECOVERED/RESOLVED" if ae.end_day is not None else "NOT RECOVERED/NOT RESOLVED",
            }
        )

    # --- subsequent therapy --------------------------------------------------------------
    if kw["nact_day"] is not None:
        tables["cm"].append(
            {
                "USUBJID": usubjid,
                "CMTRT": SUBSEQUENT[int(rng.integers(len(SUBSEQUENT)))],
                "CMCAT": "SUBSEQUENT ANTI-CANCER THERAPY",
                "CMSTDTC": _iso(on(kw["nact_day"])),
            }
        )

    # --- tumours -------------------------------------------------------------------------
    _tumour_rows(
        tables, protocol, scenario, rng, usubjid, k, lesions, scans, on, e["screen"], fd, kw["evaluator"]
    )


def _tumour_rows(
    tables, protocol, scenario, rng, usubjid, k, lesions, scans, on, screen, fd, evaluator
) -> None:
    window = int(protocol.schedule.baseline_imaging_window.days)
    base_date = max(screen, fd - np.timedelta64(int(rng.integers(1, max(2, window - 3))), "D"))
    interval_weeks = protocol.schedule.imaging_interval.days / 7
    ids = []
    for t in range(MAX_TARGETS):
        if np.isnan(lesions.target_mm[k, t]):
            continue
        organ = int(lesions.target_organ[k, t])
        ids.append((f"T{len(ids) + 1:02d}", t, organ))
    nts = [(f"NT{j + 1:02d}", int(o)) for j, o in enumerate(lesions.nontarget_organ[k]) if o >= 0]
    base_num, base_name = SCREENING_VISIT

    def tu(linkid, role, organ, date, num, name):
        tables["tu"].append(
            {
                "USUBJID": usubjid,
                "TULNKID": linkid,
                "TUTESTCD": "TUMIDENT",
                "TUTEST": "Tumor Identification",
                "TUORRES": role,
                "TUSTRESC": role,
                "TULOC": ORGANS[organ],
                "TUMETHOD": "CT SCAN",
                "TUEVAL": evaluator,
                "TUEVALID": "",
                "TUACPTFL": "Y",
                "TUDTC": _iso(date),
                "VISITNUM": num,
                "VISIT": name,
            }
        )

    def tr(group, linkid, testcd, value, date, num, name):
        numeric = isinstance(value, float)
        text = f"{value:g}" if numeric else value
        tables["tr"].append(
            {
                "USUBJID": usubjid,
                "TRGRPID": group,
                "TRLNKID": linkid,
                "TRTESTCD": testcd,
                "TRTEST": {
                    "LDIAM": "Longest Diameter",
                    "LPERP": "Longest Perpendicular",
                    "TUMSTATE": "Tumor State",
                }[testcd],
                "TRORRES": text,
                "TRORRESU": "mm" if numeric else "",
                "TRSTRESC": text,
                "TRSTRESN": value if numeric else np.nan,
                "TRSTRESU": "mm" if numeric else "",
                "TRSTAT": "",
                "TREVAL": evaluator,
                "TREVALID": "",
                "TRACPTFL": "Y",
                "TRMETHOD": "CT SCAN",
                "TRDTC": _iso(date),
                "VISITNUM": num,
                "VISIT": name,
            }
        )

    for linkid, t, organ in ids:
        tu(linkid, "TARGET", organ, base_date, base_num, base_name)
        tr(
            "TARGET",
            linkid,
            "LPERP" if organ == NODE else "LDIAM",
            float(lesions.target_mm[k, t]),
            base_date,
            base_num,
            base_name,
        )
    for linkid, organ in nts:
        tu(linkid, "NON-TARGET", organ, base_date, base_num, base_name)
        tr("NON-TARGET", linkid, "TUMSTATE", "PRESENT", base_date, base_num, base_name)
    new_seen = False
    responses = ("CR", "PR", "SD", "PD")
    for j in np.flatnonzero(scans.done[k]):
        date = on(scans.day[k, j])
        num, name = imaging_visit(int(j) + 1, interval_weeks)
        for linkid, t, organ in ids:
            tr(
                "TARGET",
                linkid,
                "LPERP" if organ == NODE else "LDIAM",
                float(scans.target_mm[k, j, t]),
                date,
                num,
                name,
            )
        for linkid, _organ in nts:
            tr(
                "NON-TARGET",
                linkid,
                "TUMSTATE",
                "ABSENT" if scans.nontarget_absent[k, j] else "PRESENT",
                date,
                num,
                name,
            )
        if scans.new_lesion[k, j]:
            if not new_seen:
                organ = int(
                    rng.choice([ORGANS.index("LIVER"), ORGANS.index("LUNG"), ORGANS.index("BONE"), NODE])
                )
                tu("NEW01", "NEW", organ, date, num, name)
                new_seen = True
            tr("NEW", "NEW01", "TUMSTATE", "UNEQUIVOCAL", date, num, name)
        read = str(scans.response[k, j])  # replaced by the RECIST engine's read in _investigator_reads
        assert read in responses
        tables["rs"].append(
            {
                "USUBJID": usubjid,
                "RSTESTCD": "OVRLRESP",
                "RSTEST": "Overall Response",
                "RSCAT": protocol.response.name,
                "RSORRES": read,
                "RSSTRESC": read,
                "RSEVAL": evaluator,
                "RSEVALID": "",
                "RSACPTFL": "Y",
                "RSDTC": _iso(date),
                "VISITNUM": num,
                "VISIT": name,
            }
        )
