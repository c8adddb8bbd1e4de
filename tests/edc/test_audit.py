"""The audit trail: an entry for every change, a verifying chain, and tampering detected."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from oncotrial.edc import AuditEntry, delete_dose, record_dose, update_dose, verify_chain
from oncotrial.edc.services.forms import DoseIn
from oncotrial.edc.store.audit import entry_hash
from oncotrial.edc.store.models import User

from .conftest import ENROLLED, enrolled_subject


def _dose(day: dt.date = ENROLLED, dose: float = 200) -> DoseIn:
    return DoseIn(drug_code="PD1", cycle=1, dose_date=day, dose=dose, unit="mg")


@pytest.fixture
def history(world):
    """Insert, update and delete of a dose by the site's investigator."""
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = record_dose(s, inv, subject.id, _dose())
        update_dose(
            s, inv, dose.id, _dose(ENROLLED + dt.timedelta(days=1)), expected_version=1, reason="date misread"
        )
        delete_dose(s, inv, dose.id, expected_version=2, reason="entered for the wrong subject")
        s.commit()
        return subject.id, dose.id


def test_every_insert_update_and_delete_has_an_entry(world, history):
    subject_id, dose_id = history
    with world.session() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "dose", AuditEntry.record_id == dose_id)
            .order_by(AuditEntry.seq)
        ).all()
    assert [(r.action, r.field, r.username, r.subject_id) for r in rows] == [
        ("insert", None, "inv_a", subject_id),
        ("update", "dose_date", "inv_a", subject_id),
        ("delete", None, "inv_a", subject_id),
    ]
    insert, update, delete = rows
    assert json.loads(insert.new_value)["dose_date"] == "2024-01-10" and insert.reason is None
    assert (update.old_value, update.new_value, update.reason) == (
        '"2024-01-10"',
        '"2024-01-11"',
        "date misread",
    )
    assert json.loads(delete.old_value)["dose_date"] == "2024-01-11"
    assert delete.reason == "entered for the wrong subject"
    assert update.at.replace(tzinfo=None) <= dt.datetime.now(dt.UTC).replace(tzinfo=None)


def test_change_without_reason_is_refused(world):
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = record_dose(s, inv, subject.id, _dose())
        with pytest.raises(ValueError, match="reason: a reason is required to change data after first entry"):
            update_dose(
                s, inv, dose.id, _dose(ENROLLED + dt.timedelta(days=2)), expected_version=1, reason="  "
            )


def test_chain_of_untouched_trail_verifies(world, history):
    with world.session() as s:
        report = verify_chain(s)
    assert report.ok, report.breaks
    assert report.entries > 10


def test_altered_entry_is_detected(world, history):
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET new_value = '\"2024-01-12\"' WHERE field = 'dose_date'"))
        seq = conn.execute(text("SELECT seq FROM audit_entry WHERE field = 'dose_date'")).scalar()
    with world.session() as s:
        report = verify_chain(s)
    assert [(b.seq, b.kind) for b in report.breaks] == [(seq, "altered")]


def test_removed_entry_is_detected(world, history):
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 5"))
    with world.session() as s:
        kinds = [(b.seq, b.kind) for b in verify_chain(s).breaks]
    assert kinds == [(6, "gap"), (6, "broken link")]


def test_removed_last_entry_is_detected_by_the_head(world, history):
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)"))
    with world.session() as s:
        assert [b.kind for b in verify_chain(s).breaks] == ["head mismatch"]


def test_inserted_entry_is_detected_even_with_a_valid_own_hash(world, history):
    with world.session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        forged = AuditEntry(
            seq=last.seq + 1,
            at=last.at,
            user_id=last.user_id,
            username="inv_a",
            action="insert",
            table_name="dose",
            record_id=999,
            subject_id=last.subject_id,
            field=None,
            old_value=None,
            new_value="{}",
            reason=None,
            prev_hash=last.hash,
        )
        forged.hash = entry_hash(forged)
        s.add(forged)
        s.commit()
        assert [b.kind for b in verify_chain(s).breaks] == ["head mismatch"]


def test_entry_inserted_in_the_middle_breaks_the_links(world, history):
    # Shift entries 6.. up by one and slip a forged entry in as 6 with its own hash.
    with world.engine.begin() as conn:
        top = conn.execute(text("SELECT max(seq) FROM audit_entry")).scalar()
        for seq in range(top, 5, -1):
            conn.execute(text("UPDATE audit_entry SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
    with world.session() as s:
        fifth = s.get(AuditEntry, 5)
        forged = AuditEntry(
            seq=6, at=fifth.at, user_id=None, username="system", action="update", table_name="dose",
            record_id=1, subject_id=None, field="dose", old_value="200", new_value="20", reason="x",
            prev_hash=fifth.hash,
        )  # fmt: skip
        forged.hash = entry_hash(forged)
        s.add(forged)
        s.commit()
        kinds = [(b.seq, b.kind) for b in verify_chain(s).breaks]
    assert (7, "broken link") in kinds and (7, "altered") in kinds


def test_passwords_never_reach_the_trail(world):
    """Only a fingerprint of the password hash (enough to see that it changed), never the hash."""
    with world.session() as s:
        values = s.scalars(select(AuditEntry.new_value).where(AuditEntry.table_name == "app_user")).all()
        hashes = s.scalars(select(User.password_hash)).all()
    assert values and all('"password_hash":"***' in v for v in values)
    assert not any(h in v for h in hashes for v in values)
