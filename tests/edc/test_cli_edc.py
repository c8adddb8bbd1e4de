"""``oncotrial db init``, ``site add``, ``user add`` and ``audit verify`` on a SQLite file."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from oncotrial.cli import app

runner = CliRunner()


def _run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


#: `user add --password-stdin` reads it (passwords never go on the command line).
NEW_PASSWORD = "a long passphrase 42\n"


def test_init_add_and_verify_then_detect_tampering(tmp_path):
    db = tmp_path / "edc.db"
    url = ["--database-url", f"sqlite:///{db}"]
    result = _run("db", "init", *url)
    assert result.exit_code == 0, result.output
    assert "trial PD1NABP-CC2" in result.output
    assert _run("db", "init", *url).exit_code == 0  # idempotent
    assert _run("site", "add", "101", "Site A", "--country", "CHN", *url).exit_code == 0
    added = _run(
        "user",
        "add",
        "ines",
        "--role",
        "investigator",
        "--site",
        "101",
        "--password-stdin",
        *url,
        input=NEW_PASSWORD,
    )
    assert added.exit_code == 0, added.output
    verified = _run("audit", "verify", *url)
    assert verified.exit_code == 0, verified.output
    assert "3 audit entries, chain intact" in verified.output

    with sqlite3.connect(db) as conn:  # someone with file access drops the guard and edits history
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("UPDATE audit_entry SET username = 'someone' WHERE seq = 2")
    broken = _run("audit", "verify", *url)
    assert broken.exit_code == 1
    assert "entry 2: altered" in broken.output


def test_duplicate_site_is_an_error_naming_the_field(tmp_path):
    url = ["--database-url", f"sqlite:///{tmp_path / 'edc.db'}"]
    _run("db", "init", *url)
    _run("site", "add", "101", "Site A", *url)
    result = _run("site", "add", "101", "Again", *url)
    assert result.exit_code == 2
    assert "code: site 101 already exists" in result.output


def test_user_with_unknown_role_is_refused(tmp_path):
    url = ["--database-url", f"sqlite:///{tmp_path / 'edc.db'}"]
    _run("db", "init", *url)
    result = _run("user", "add", "x", "--role", "admin", "--password-stdin", *url, input=NEW_PASSWORD)
    assert result.exit_code == 2
    assert "role: expected one of" in result.output


def test_export_sdtm_writes_the_domains_of_enrolled_subjects(tmp_path):
    import datetime as dt

    from oncotrial.edc import enroll_subject, make_engine, make_sessionmaker, screen_subject, unit_of_work
    from oncotrial.edc.services.forms import EnrollIn, ScreeningIn
    from oncotrial.edc.store.models import User

    from .conftest import ELIGIBLE

    db = tmp_path / "edc.db"
    url = ["--database-url", f"sqlite:///{db}"]
    _run("db", "init", *url)
    _run("site", "add", "101", "Site A", *url)
    _run(
        "user",
        "add",
        "ines",
        "--role",
        "investigator",
        "--site",
        "101",
        "--password-stdin",
        *url,
        input=NEW_PASSWORD,
    )
    engine = make_engine(f"sqlite:///{db}")
    with unit_of_work(make_sessionmaker(engine)) as s:
        inv = s.query(User).filter_by(username="ines").one()
        form = ScreeningIn(
            site_code="101",
            consent_date=dt.date(2024, 1, 2),
            screening_date=dt.date(2024, 1, 3),
            values=ELIGIBLE,
        )
        subject = screen_subject(s, inv, form)
        enroll_subject(
            s, inv, subject.id, EnrollIn(enrollment_date=dt.date(2024, 1, 10), version=subject.version)
        )
    engine.dispose()
    result = _run("export", "sdtm", "--out", str(tmp_path / "sdtm"), "--format", "csv", *url)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "sdtm").iterdir()) == ["dm.csv", "ds.csv"]
    assert "PD1NABP-CC2-101-001" in (tmp_path / "sdtm" / "dm.csv").read_text()


def test_serve_starts_the_api_on_the_database(tmp_path):
    import socket
    import subprocess
    import sys
    import time

    import httpx

    url = f"sqlite:///{tmp_path / 'edc.db'}"
    assert _run("db", "init", "--database-url", url).exit_code == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "oncotrial", "serve", "--port", str(port), "--database-url", url]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, response = time.time() + 30, None
        while time.time() < deadline and response is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/subjects", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert response is not None, "the server did not answer"
        assert response.status_code == 401  # up, and asking for credentials
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["info"]["title"] == "oncotrial EDC"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_refuses_a_database_without_the_schema(tmp_path):
    result = _run("serve", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.exit_code == 2
    assert "run `oncotrial db init` first" in result.output


def _rewrite_site_name(db, new_name: str, key) -> None:
    """What someone with write access to the database file does to forge the trail: drop the
    trigger, change entry 2 (the first site's insert) and the site's row, recompute every hash
    after it (under ``key`` when they hold the audit key, else plain) and the head."""
    import sqlite3

    from oncotrial.edc import AuditEntry, make_engine, make_sessionmaker
    from oncotrial.edc.store.audit import GENESIS, entry_hash
    from oncotrial.edc.store.models import AuditHead

    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("DROP TRIGGER audit_head_forward_only")
        conn.execute("UPDATE site SET name = ? WHERE code = '101'", (new_name,))
    engine = make_engine(f"sqlite:///{db}")
    with make_sessionmaker(engine)() as s:
        prev = GENESIS
        for entry in s.query(AuditEntry).order_by(AuditEntry.seq):
            if entry.seq == 2:
                entry.new_value = entry.new_value.replace("Site A", new_name)
            entry.prev_hash = prev
            entry.key_id = key.key_id if key else None
            entry.hash = prev = entry_hash(entry, key)
        s.get(AuditHead, 1).hash = prev
        s.commit()
    engine.dispose()


def test_a_rewrite_without_the_audit_key_is_caught_by_verify_alone(tmp_path):
    db = tmp_path / "edc.db"
    url = ["--database-url", f"sqlite:///{db}"]
    _run("db", "init", *url)
    _run("site", "add", "101", "Site A", *url)
    _run("site", "add", "102", "Site B", *url)
    _rewrite_site_name(db, "Site Z", key=None)
    caught = _run("audit", "verify", *url)
    assert caught.exit_code == 1
    assert "no entry is keyed with the installation's key" in " ".join(caught.output.split())


def test_recorded_head_anchors_the_chain_against_a_rewrite(tmp_path):
    """Even someone holding the audit key (here: the demo's key file beside the database) who
    rewrites entries, rows and hashes consistently is caught by a head recorded earlier."""
    import json

    from oncotrial.edc.store.keys import read_key

    db = tmp_path / "edc.db"
    url = ["--database-url", f"sqlite:///{db}"]
    _run("db", "init", *url)
    _run("site", "add", "101", "Site A", *url)
    head = json.loads(_run("audit", "verify", "--json", *url).output)["head_hash"]
    anchors = tmp_path / "anchors.jsonl"
    assert _run("audit", "anchor", "--file", str(anchors), *url).exit_code == 0
    _run("site", "add", "102", "Site B", *url)  # the chain grows: the anchor is still in it
    assert _run("audit", "verify", "--anchor", head[:16], "--anchor-file", str(anchors), *url).exit_code == 0

    _rewrite_site_name(db, "Site Z", key=read_key(tmp_path / "audit.key"))
    assert _run("audit", "verify", *url).exit_code == 0  # a consistent forgery...
    caught = _run("audit", "verify", "--anchor", head[:16], *url)
    assert caught.exit_code == 1  # ...caught by the anchor
    assert "the chain was rewritten before it" in caught.output
    caught = _run("audit", "verify", "--anchor-file", str(anchors), *url)
    assert caught.exit_code == 1 and "the chain was rewritten up to there" in caught.output
