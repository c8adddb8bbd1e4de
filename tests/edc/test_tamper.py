"""Tampering, on PostgreSQL as deployed: an owner role runs the migrations, the servers connect
as an application role (``oncotrial db init --app-role``), the audit key lives outside the
database and an anchor file records the chain's head.

Every case of the security issue's first defect, each detected: edits of a dose, an adverse
event, a subject, a user's role and the lock flag made in psql by the owner (the application
role may write data rows, so the same edit could come from it: the table state no longer
matches the trail); a TRUNCATE of the trail with its head reset ("ok 0 entries" before); and a
forged entry appended with a valid hash. And what the application role cannot do at all.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from oncotrial.cli import app
from oncotrial.edc import create_site, create_user, make_engine, make_sessionmaker, record_dose, unit_of_work
from oncotrial.edc.services.clinical import create_record
from oncotrial.edc.services.forms import AdverseEventIn, DoseIn
from oncotrial.edc.store.audit import GENESIS, entry_hash
from oncotrial.edc.store.keys import create_key_file
from oncotrial.settings import get_settings

from .conftest import ENROLLED, enrolled_subject

pytestmark = pytest.mark.postgres
runner = CliRunner()
PASSWORD = "tamper-test-Passw0rd!x"


@dataclass
class Deployment:
    owner_url: str
    app_url: str
    app_role: str
    key_file: Path
    anchor_file: Path
    owner: Engine
    app: Engine

    def verify(self) -> tuple[int, str]:
        get_settings.cache_clear()  # the CLI reads its settings (the key file) from this env
        result = runner.invoke(
            app,
            ["audit", "verify", "--database-url", self.app_url, "--anchor-file", str(self.anchor_file)],
            env={"ONCOTRIAL_AUDIT_KEY_FILE": str(self.key_file), "COLUMNS": "300"},
        )
        return result.exit_code, result.output

    def owner_sql(self, *statements: str) -> None:
        with self.owner.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))


@pytest.fixture
def deployment(postgres_url: str, tmp_path: Path) -> Iterator[Deployment]:
    suffix = secrets.token_hex(4)
    database, role = f"oncotrial_tamper_{suffix}", f"oncotrial_app_{suffix}"
    base = make_url(postgres_url)
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'"))
        conn.execute(text(f"GRANT {role} TO CURRENT_USER"))  # so that teardown may end its connections
    owner_url = base.set(database=database).render_as_string(hide_password=False)
    app_url = base.set(database=database, username=role, password=PASSWORD).render_as_string(
        hide_password=False
    )
    key_file, anchor_file = tmp_path / "audit.key", tmp_path / "anchors.jsonl"
    init = runner.invoke(
        app,
        ["db", "init", "--database-url", owner_url, "--app-role", role, "--audit-key-file", str(key_file)],
    )
    assert init.exit_code == 0, init.output
    owner, app_engine = make_engine(owner_url), make_engine(app_url)
    yield Deployment(owner_url, app_url, role, key_file, anchor_file, owner, app_engine)
    owner.dispose()
    app_engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE {role}"))
    admin.dispose()


@pytest.fixture
def trial(deployment: Deployment) -> Deployment:
    """A site, an investigator and an enrolled subject with a dose and an AE, written by the
    application role under the audit key; then an anchor."""
    sessions = make_sessionmaker(deployment.app, audit_key=create_key_file(deployment.key_file))
    with unit_of_work(sessions) as s:
        create_site(s, None, code="101", name="Site A")
        inv = create_user(
            s,
            None,
            username="inv",
            full_name="Inv",
            role="investigator",
            password=PASSWORD,
            site_codes=["101"],
        )
        subject = enrolled_subject(s, inv)
        record_dose(
            s, inv, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=ENROLLED, dose=200, unit="mg")
        )
        create_record(
            s,
            inv,
            "adverse-events",
            subject.id,
            AdverseEventIn(
                term="Fatigue",
                grade=2,
                serious=False,
                relatedness={"NABP": "RELATED", "PD1": "NOT RELATED"},
                start_date=ENROLLED,
                action_taken="DOSE NOT CHANGED",
            ),
        )
    get_settings.cache_clear()
    anchored = runner.invoke(
        app,
        ["audit", "anchor", "--file", str(deployment.anchor_file), "--database-url", deployment.app_url],
        env={"ONCOTRIAL_AUDIT_KEY_FILE": str(deployment.key_file)},
    )
    assert anchored.exit_code == 0, anchored.output
    code, output = deployment.verify()
    assert code == 0, output
    return deployment


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        (
            "UPDATE dose SET dose = 2000",
            "dose 1: changed outside: dose is 2000.0 in the table, 200.0 in the trail",
        ),
        (
            "UPDATE adverse_event SET grade = 1",
            "adverse_event 1: changed outside: grade is 1 in the table, 2 in the trail",
        ),
        (
            "UPDATE subject SET sex = 'M'",
            'subject 1: changed outside: sex is "M" in the table, "F" in the trail',
        ),
        (
            "UPDATE app_user SET role = 'sponsor_admin'",
            'changed outside: role is "sponsor_admin" in the table, "investigator" in the trail',
        ),
        (
            "UPDATE trial SET locked = true",
            "trial 1: changed outside: locked is true in the table, false in the trail",
        ),
    ],
    ids=["dose", "adverse event", "subject", "user role", "lock flag"],
)
def test_an_edit_of_a_row_in_psql_is_found(trial: Deployment, statement: str, found: str):
    trial.owner_sql(statement)
    code, output = trial.verify()
    assert code == 1 and found in " ".join(output.split())


def test_a_site_given_to_a_user_in_psql_is_found(trial: Deployment):
    trial.owner_sql(
        "INSERT INTO site (code, name, country, next_subject_seq, next_screening_seq) VALUES ('999', 'X', '', 1, 1)"
    )
    trial.owner_sql(
        "INSERT INTO user_site (user_id, site_id) SELECT u.id, s.id FROM app_user u, site s WHERE u.username = 'inv' AND s.code = '999'"
    )
    code, output = trial.verify()
    text_ = " ".join(output.split())
    assert code == 1
    assert 'changed outside: sites is ["101", "999"] in the table, ["101"] in the trail' in text_
    assert "added outside: the row exists; never in the trail" in text_


def test_truncating_the_trail_and_resetting_its_head_is_found(trial: Deployment):
    # The owner can disable the triggers (the application role cannot: see below).
    trial.owner_sql(
        "ALTER TABLE audit_entry DISABLE TRIGGER ALL",
        "ALTER TABLE audit_head DISABLE TRIGGER ALL",
        "TRUNCATE audit_entry",
        f"UPDATE audit_head SET seq = 0, hash = '{GENESIS}'",
    )
    code, output = trial.verify()
    text_ = " ".join(output.split())
    assert code == 1
    assert "truncated: the anchor of" in text_ and "the trail was emptied or cut before it" in text_
    assert "added outside: the row exists; never in the trail" in text_


def test_a_forged_entry_appended_with_a_valid_hash_is_found(trial: Deployment):
    with trial.owner.begin() as conn:
        last = conn.execute(text("SELECT seq, hash, key_id FROM audit_entry ORDER BY seq DESC LIMIT 1")).one()
    from oncotrial.edc.store.models import AuditEntry

    forged = AuditEntry(
        seq=last.seq + 1,
        at=dt.datetime.now(dt.UTC),
        user_id=None,
        username="inv",
        action="update",
        table_name="dose",
        record_id=1,
        subject_id=1,
        field="dose",
        old_value="200.0",
        new_value="2000.0",
        reason="forged",
        prev_hash=last.hash,
        key_id=None,
    )
    forged.hash = entry_hash(forged)  # a valid SHA-256: all that someone without the key can make
    trial.owner_sql("UPDATE dose SET dose = 2000")
    with make_sessionmaker(trial.owner)() as s:
        s.add(forged)
        s.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": forged.seq, "h": forged.hash})
        s.commit()
    code, output = trial.verify()
    assert code == 1
    assert "written without the audit key after keyed entries" in " ".join(output.split())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET reason = 'x'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
        "ALTER TABLE audit_entry DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_entry_append_only ON audit_entry",
        "UPDATE audit_head SET seq = 0",
        "DELETE FROM audit_head",
        "ALTER TABLE dose ADD COLUMN x int",
        "UPDATE alembic_version SET version_num = '0001'",
    ],
)
def test_the_application_role_cannot_rewrite_history_or_the_schema(trial: Deployment, statement: str):
    with pytest.raises(DBAPIError) as err, trial.app.begin() as conn:
        conn.execute(text(statement))
    message = str(err.value.orig)
    assert any(
        reason in message
        for reason in (
            "permission denied",
            "must be owner",
            "append-only",
            "only moves forward",
            "cannot be deleted",
        )
    ), message


def test_the_grants_are_what_docs_say(trial: Deployment):
    with trial.owner.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) FROM "
                "information_schema.role_table_grants WHERE grantee = :r GROUP BY table_name"
            ),
            {"r": trial.app_role},
        ).all()
    grants = dict(rows)
    assert grants["audit_entry"] == "INSERT,SELECT"
    assert grants["audit_head"] == "SELECT,UPDATE"
    assert grants["alembic_version"] == "SELECT"
    assert grants["dose"] == "DELETE,INSERT,SELECT,UPDATE"
    with trial.owner.connect() as conn:
        tables = set(
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        )
    assert set(grants) == tables  # every table has its grant: none left out
