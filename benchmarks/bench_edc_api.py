"""Sustained writes through the EDC's HTTP API on PostgreSQL, next to pgbench on the same server.

Each API request records one anti-PD-1 dose (``POST /api/subjects/{id}/doses``): the
route authenticates the bearer token, applies the site filter, checks every protocol
limit, inserts the dose and its audit entry (hash-chained, so each write takes the
chain head's row lock) and commits. The API runs at 1, 8 and 32 concurrent clients
(asyncio + httpx, keep-alive), measuring throughput and p50/p99 latency. Then pgbench
runs a transaction of the same inserts (lock and advance the chain head, insert the
dose, insert the audit entry) at the same client counts, on the same server, in the
same run; the ratio API / pgbench is how much of the database's own write rate the
whole application stack keeps.

Everything happens in a fresh database (``oncotrial_bench_<random>``) created with
the URL's role and dropped at the end. At the end of the API phase the dose count is
checked against the successful requests and the audit chain is verified.

Usage (from the repository root; PostgreSQL URL from the option or
``ONCOTRIAL_TEST_DATABASE_URL``)::

    .venv/bin/python benchmarks/bench_edc_api.py
    .venv/bin/python benchmarks/bench_edc_api.py --requests 2000 --workers 2 --clients 1 8 32

Both the server and the load generator share the machine; on a shared machine the
figures vary with what else runs, so compare the ratio column rather than absolute
rates across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from oncotrial.edc import (
    Dose,
    create_site,
    create_user,
    enroll_subject,
    issue_token,
    make_engine,
    make_sessionmaker,
    screen_subject,
    setup_trial,
    unit_of_work,
    verify_chain,
)
from oncotrial.edc.services.forms import EnrollIn, ScreeningIn
from oncotrial.edc.store.migrate import upgrade
from oncotrial.protocol import load_protocol, read_protocol

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ENROLLED = dt.date(2024, 1, 10)
ELIGIBLE = {
    "age_years": 52, "sex": "F", "histology_confirmed": True, "disease_status": "recurrent",
    "measurable_lesions": 2, "ecog": 1, "life_expectancy_weeks": 24, "prior_anti_pd1_pdl1": False,
    "prior_taxane_progression_6m": False, "anc_10e9_l": 2.1, "platelets_10e9_l": 210, "hemoglobin_g_l": 118,
    "bilirubin_x_uln": 0.8, "ast_x_uln": 1.1, "alt_x_uln": 0.9, "liver_metastases": False,
    "creatinine_x_uln": 0.9, "creatinine_clearance_ml_min": 85, "active_autoimmune_disease": False,
    "systemic_steroids": False, "untreated_cns_metastases": False, "neuropathy_grade": 0,
    "pregnant_or_breastfeeding": False,
}  # fmt: skip

# The same writes as the API's transaction: lock the chain head, insert the dose, insert its
# audit entry (hash of the previous hash and the entry), advance the head. The JSON has a
# space after each colon so that pgbench does not read ":null" as a variable.
PGBENCH_SCRIPT = """\
\\set sid random({first_sid}, {last_sid})
BEGIN;
SELECT seq + 1 AS seq FROM audit_head WHERE id = 1 FOR UPDATE \\gset
INSERT INTO dose (subject_id, drug_code, cycle, dose_date, dose, unit, adjustment_reason, version) VALUES (:sid, 'PD1', nextval('bench_cycle'), DATE '2024-01-10', 200, 'mg', NULL, 1) RETURNING id \\gset
INSERT INTO audit_entry (seq, at, user_id, username, action, table_name, record_id, subject_id, field, old_value, new_value, reason, prev_hash, hash) SELECT :seq, now(), 1, 'inv', 'insert', 'dose', :id, :sid, NULL, NULL, '{new_value}', NULL, h.hash, encode(sha256(convert_to(h.hash || '{new_value}' || :seq, 'UTF8')), 'hex') FROM audit_head h WHERE h.id = 1;
UPDATE audit_head SET seq = :seq, hash = (SELECT hash FROM audit_entry WHERE seq = :seq) WHERE id = 1;
END;
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(url: str) -> tuple[str, str]:
    """A fresh database next to ``url``'s; returns (its URL, its name)."""
    name = f"oncotrial_bench_{secrets.token_hex(4)}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False), name


def drop_database(url: str, name: str) -> None:
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def populate(db_url: str, n_subjects: int) -> tuple[str, list[int]]:
    """Schema, trial, one site, one investigator (token returned) and enrolled subjects."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        setup_trial(s, read_protocol())
        create_site(s, None, code="101", name="Benchmark site")
        inv = create_user(
            s, None, username="inv", full_name="Investigator", role="investigator",
            password=secrets.token_urlsafe(12), site_codes=["101"],
        )  # fmt: skip
        token = issue_token(s, inv, lifetime_s=86400)
        ids = []
        for _ in range(n_subjects):
            form = ScreeningIn(
                site_code="101", consent_date=ENROLLED - dt.timedelta(days=8),
                screening_date=ENROLLED - dt.timedelta(days=7), values=ELIGIBLE,
            )  # fmt: skip
            subject = screen_subject(s, inv, form)
            enroll_subject(s, inv, subject.id, EnrollIn(enrollment_date=ENROLLED, version=subject.version))
            ids.append(subject.id)
        s.execute(text("CREATE SEQUENCE bench_cycle START 1000000"))
    engine.dispose()
    return token, ids


def dose_jobs(subject_ids: list[int], cycles_per_subject: int):
    """(subject, cycle, date) for anti-PD-1 doses every cycle length, within the protocol's limits."""
    protocol = load_protocol()
    cycle_days = int(protocol.regimen.cycle_length.days)
    for sid in subject_ids:
        for cycle in range(1, cycles_per_subject + 1):
            yield sid, cycle, ENROLLED + dt.timedelta(days=cycle_days * (cycle - 1))


def max_cycles_within_limit() -> int:
    """How many q-cycle doses of the drug with a duration limit fit in that limit."""
    protocol = load_protocol()
    drug = next(d for d in protocol.regimen.drugs if d.max_duration is not None)
    last = drug.max_duration.after(ENROLLED)
    return (last - ENROLLED).days // int(protocol.regimen.cycle_length.days) + 1


async def run_clients(base: str, token: str, jobs, n_requests: int, clients: int) -> dict:
    latencies: list[float] = []
    errors: dict[int, int] = {}
    jobs = iter(jobs)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    remaining = [n_requests]

    async def client(http: httpx.AsyncClient) -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            sid, cycle, day = next(jobs)
            body = {
                "drug_code": "PD1",
                "cycle": cycle,
                "dose_date": day.isoformat(),
                "dose": 200,
                "unit": "mg",
            }
            t0 = time.perf_counter()
            response = await http.post(f"/api/subjects/{sid}/doses", json=body, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 201:
                errors[response.status_code] = errors.get(response.status_code, 0) + 1

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    lat = np.array(latencies) * 1000
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
    }


def run_pgbench(db_url: str, script: str, clients: int, seconds: int, workdir: Path) -> dict:
    url = make_url(db_url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    script_path = workdir / "dose_with_audit.sql"
    script_path.write_text(script)
    prefix = workdir / f"pgbench_c{clients}"
    cmd = [
        "pgbench", "-n", "-f", str(script_path), "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)),
        "-T", str(seconds), "-l", f"--log-prefix={prefix}", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
        "-U", url.username or "postgres", url.database or "",
    ]  # fmt: skip
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=workdir)
    if run.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{run.stderr}")
    out = run.stdout
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))
    failed = int(re.search(r"number of failed transactions: (\d+)", out).group(1))
    lat = []
    for log in workdir.glob(f"{prefix.name}.*"):
        lat += [int(line.split()[2]) / 1000 for line in log.read_text().splitlines() if line.strip()]
        log.unlink()
    arr = np.array(lat)
    return {
        "clients": clients,
        "transactions": len(lat),
        "failed": failed,
        "rate": tps,
        "p50_ms": float(np.percentile(arr, 50)),
        "p99_ms": float(np.percentile(arr, 99)),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def start_server(db_url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "ONCOTRIAL_DATABASE_URL": db_url, "ONCOTRIAL_SECRET_KEY": secrets.token_urlsafe(32)}
    cmd = [
        sys.executable, "-m", "uvicorn", "oncotrial.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir())
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("ONCOTRIAL_TEST_DATABASE_URL"))
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=1500, help="API requests per client count")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (see docs/edc.md)")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("give --database-url or set ONCOTRIAL_TEST_DATABASE_URL (PostgreSQL)")
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is not installed")

    db_url, db_name = create_database(args.database_url)
    server = None
    try:
        per_subject = max_cycles_within_limit()
        total = args.requests * len(args.clients)
        n_subjects = -(-total // per_subject)
        t0 = time.perf_counter()
        token, ids = populate(db_url, n_subjects)
        print(f"set up {n_subjects} enrolled subjects in {time.perf_counter() - t0:.1f} s; "
              f"{per_subject} anti-PD-1 cycles each fit the protocol's limit")  # fmt: skip
        port = _free_port()
        server = start_server(db_url, port, args.workers)
        jobs = dose_jobs(ids, per_subject)
        api = []
        for clients in args.clients:
            cpu0 = cpu_seconds(server.pid)
            result = asyncio.run(run_clients(f"http://127.0.0.1:{port}", token, jobs, args.requests, clients))
            result["server_cpu_ms_per_request"] = 1000 * (cpu_seconds(server.pid) - cpu0) / result["requests"]
            api.append(result)
            print(f"API  {clients:>3} clients: {result['rate']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                  f"p99 {result['p99_ms']:7.2f} ms  server CPU {result['server_cpu_ms_per_request']:.1f} ms/request  "
                  f"errors {result['errors'] or 0}")  # fmt: skip
        server.terminate()
        server.wait(timeout=30)
        server = None

        engine = make_engine(db_url)
        with make_sessionmaker(engine)() as s:
            stored = s.scalar(select(func.count()).select_from(Dose))
            report = verify_chain(s)
        engine.dispose()
        ok = sum(r["requests"] - sum(r["errors"].values()) for r in api)
        print(f"check: {stored} doses stored for {ok} successful requests; audit chain "
              f"{'intact' if report.ok else 'BROKEN'} ({report.entries} entries)")  # fmt: skip

        new_value = json.dumps(
            {"adjustment_reason": None, "cycle": 1, "dose": 200.0, "dose_date": "2024-01-10",
             "drug_code": "PD1", "subject_id": 1, "unit": "mg"}, sort_keys=True,
        )  # fmt: skip
        script = PGBENCH_SCRIPT.format(first_sid=min(ids), last_sid=max(ids), new_value=new_value)
        pg = []
        with tempfile.TemporaryDirectory() as tmp:
            for clients in args.clients:
                result = run_pgbench(db_url, script, clients, args.pgbench_seconds, Path(tmp))
                pg.append(result)
                print(f"pgbench {clients:>3} clients: {result['rate']:8.1f} tps  p50 {result['p50_ms']:7.2f} ms  "
                      f"p99 {result['p99_ms']:7.2f} ms  failed {result['failed']}")  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_database(args.database_url, db_name)

    print()
    print(
        "| clients | API req/s | API p50 ms | API p99 ms | pgbench tps | pgbench p50 ms | pgbench p99 ms | API / pgbench |"
    )
    print(
        "|--------:|----------:|-----------:|-----------:|------------:|---------------:|---------------:|--------------:|"
    )
    for a, p in zip(api, pg, strict=True):
        print(f"| {a['clients']:>7} | {a['rate']:9.1f} | {a['p50_ms']:10.2f} | {a['p99_ms']:10.2f} | "
              f"{p['rate']:11.1f} | {p['p50_ms']:14.2f} | {p['p99_ms']:14.2f} | {a['rate'] / p['rate']:13.3f} |")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"edc_api_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"api": api, "pgbench": pg, "workers": args.workers,
                               "cpu_count": os.cpu_count(), "audit_chain_ok": report.ok}, indent=2))  # fmt: skip
    print(f"\nresults: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
