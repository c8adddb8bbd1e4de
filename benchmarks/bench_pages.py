"""Page-load latency of the casebook and the dashboard with 100 subjects in the database.

Run by hand (not a test)::

    .venv/bin/python benchmarks/bench_pages.py [--subjects 100] [--requests 200]

Builds a SQLite trial through the EDC services (100 enrolled subjects across two sites,
each with 4 cycles of both drugs, a baseline and two follow-up tumour assessments and an
adverse event), starts the application under uvicorn in its own process, signs in as a
coordinator and as the sponsor, and times whole page requests (server time plus
localhost transfer, as a browser's navigation would see them) with one client at a time:

- casebook: GET /subjects/<id> for random subjects of the coordinator's site;
- dashboard, warm: GET /dashboard while the data do not change (the live analysis is
  kept per audit-chain head hash);
- dashboard, cold: GET /dashboard right after a write (an adverse event recorded through
  the API), so the whole database -> SDTM -> ADaM -> analysis chain runs again;
- the stylesheet: GET /static/app.css, the server's floor for comparison.

Prints p50, p95 and p99 in milliseconds and each p95 as a ratio to the stylesheet's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher
from tests.web._server import running_server
from tests.web.conftest import PASSWORD, seed_trial
from tests.web.helpers import ELIGIBLE

from oncotrial.edc import (
    _auth,
    create_record,
    enroll_subject,
    make_engine,
    make_sessionmaker,
    record_dose,
    screen_subject,
)
from oncotrial.edc.services.forms import (
    AdverseEventIn,
    DoseIn,
    EnrollIn,
    ScreeningIn,
    TumourAssessmentIn,
)
from oncotrial.edc.services.tumour import record_assessment
from oncotrial.edc.store.migrate import upgrade
from oncotrial.edc.store.models import User
from oncotrial.protocol import load_protocol
from oncotrial.protocol.eligibility import check_screening_values


def build_database(folder: Path, n_subjects: int, seed: int = 7) -> str:
    """A migrated SQLite trial with ``n_subjects`` enrolled subjects and their data."""
    _auth._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)  # seeding only
    rng = random.Random(seed)
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    seed_trial(sessions)
    protocol = load_protocol()
    values = check_screening_values(protocol, ELIGIBLE)
    with sessions() as db:
        coords = {
            code: db.query(User).filter_by(username=name).one()
            for code, name in [("A01", "coord_a"), ("B01", "coord_b")]
        }
        for i in range(n_subjects):
            site = "A01" if i % 2 == 0 else "B01"
            user = coords[site]
            start = dt.date(2024, 1, 1) + dt.timedelta(days=3 * i)
            subject = screen_subject(
                db,
                user,
                ScreeningIn(
                    site_code=site,
                    consent_date=start,
                    screening_date=start + dt.timedelta(days=2),
                    values=values,
                ),
            )
            enroll_subject(
                db,
                user,
                subject.id,
                EnrollIn(enrollment_date=start + dt.timedelta(days=5), version=subject.version),
            )
            first = start + dt.timedelta(days=7)
            for cycle in range(1, 5):
                day = first + dt.timedelta(days=21 * (cycle - 1))
                record_dose(
                    db,
                    user,
                    subject.id,
                    DoseIn(drug_code="NABP", cycle=cycle, dose_date=day, dose=260, unit="mg/m2"),
                )
                record_dose(
                    db,
                    user,
                    subject.id,
                    DoseIn(drug_code="PD1", cycle=cycle, dose_date=day, dose=200, unit="mg"),
                )
            base = [40 + rng.randint(0, 30), 15 + rng.randint(0, 20)]
            lesions = [("T01", "TARGET", "LIVER"), ("T02", "TARGET", "LUNG"), ("NT01", "NON-TARGET", "BONE")]
            for visit, (days, factor) in enumerate(
                [(-1, 1.0), (42, rng.uniform(0.5, 1.1)), (84, rng.uniform(0.4, 1.3))], 1
            ):
                measurements = [
                    {"lesion": {"code": c, "category": k, "location": loc},
                     **({"diameter_mm": round(base[j] * factor, 1)} if k == "TARGET" else {"state": "PRESENT"})}
                    for j, (c, k, loc) in enumerate(lesions)
                ]  # fmt: skip
                record_assessment(
                    db,
                    user,
                    subject.id,
                    TumourAssessmentIn(
                        visit_number=visit,
                        visit="BASELINE" if visit == 1 else f"WEEK {6 * (visit - 1)}",
                        assessment_date=first + dt.timedelta(days=days),
                        measurements=measurements,
                    ),
                )
            create_record(
                db,
                user,
                "adverse-events",
                subject.id,
                AdverseEventIn(
                    term="Fatigue", grade=rng.randint(1, 3), serious=False,
                    relatedness={"NABP": "RELATED", "PD1": "NOT RELATED"},
                    start_date=first + dt.timedelta(days=10), action_taken="DOSE NOT CHANGED",
                ),
            )  # fmt: skip
        db.commit()
    engine.dispose()
    return url


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text[:500]
    return client


def timed(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed * 1000


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[94], q[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cold", type=int, default=20, help="dashboard loads after a write")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        url = build_database(folder, args.subjects)
        print(f"seeded {args.subjects} subjects through the EDC services in {time.perf_counter() - t0:.1f} s")
        with running_server(folder, url) as base:
            coord = signed_in(base, "coord_a")
            sponsor = signed_in(base, "sponsor")
            api = httpx.Client(base_url=base, timeout=120)
            token = api.post("/api/auth/login", json={"username": "coord_a", "password": PASSWORD}).json()[
                "token"
            ]
            api.headers["authorization"] = f"Bearer {token}"
            ids = [int(m) for m in re.findall(r'href="/subjects/(\d+)"', coord.get("/subjects").text)]
            rng = random.Random(1)
            results: dict[str, list[float]] = {}
            for _ in range(5):  # warm-up: imports, first analysis
                timed(coord, f"/subjects/{ids[0]}")
                timed(sponsor, "/dashboard")
            results["stylesheet /static/app.css"] = [
                timed(coord, "/static/app.css") for _ in range(args.requests)
            ]
            results["casebook /subjects/<id>"] = [
                timed(coord, f"/subjects/{rng.choice(ids)}") for _ in range(args.requests)
            ]
            results["dashboard, warm"] = [timed(sponsor, "/dashboard") for _ in range(args.requests)]
            cold = []
            for i in range(args.cold):
                api.post(
                    f"/api/subjects/{ids[i % len(ids)]}/adverse-events",
                    json={"term": "Nausea", "grade": 1, "serious": False,
                          "relatedness": {"NABP": "RELATED", "PD1": "NOT RELATED"},
                          "start_date": "2024-06-01", "action_taken": "DOSE NOT CHANGED"},
                ).raise_for_status()  # fmt: skip
                cold.append(timed(sponsor, "/dashboard"))
            results["dashboard, cold (after a write)"] = cold
    floor = percentiles(results["stylesheet /static/app.css"])[1]
    print(f"\n{args.subjects} subjects; one client; milliseconds per whole request\n")
    print(f"{'page':<34} {'n':>5} {'p50':>9} {'p95':>9} {'p99':>9} {'p95 / stylesheet p95':>22}")
    for name, samples in results.items():
        p50, p95, p99 = percentiles(samples)
        print(f"{name:<34} {len(samples):>5} {p50:>9.1f} {p95:>9.1f} {p99:>9.1f} {p95 / floor:>22.1f}")


if __name__ == "__main__":
    main()
