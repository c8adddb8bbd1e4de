"""The tables against the audit trail, and the keyed chain (SQLite and PostgreSQL).

Before: ``UPDATE dose SET dose = 2000`` made outside the application, then
``oncotrial audit verify``, answered ok: the chain was intact, and nothing compared the rows
with it. A forged entry appended with a valid SHA-256 passed as well.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from oncotrial.edc import AuditEntry, make_sessionmaker, record_dose, update_dose, verify_chain
from oncotrial.edc.services.forms import DoseIn
from oncotrial.edc.store.audit import AuditKey, entry_hash
from oncotrial.edc.store.audit_state import verify_state
from oncotrial.edc.store.models import AuditHead

from .conftest import ENROLLED, enrolled_subject

KEY = AuditKey(b"k" * 32)


@pytest.fixture
def dosed(world):
    """An enrolled subject with one dose (updated once), written under the audit key."""
    with make_sessionmaker(world.engine, audit_key=KEY)() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = record_dose(
            s, inv, subject.id, DoseIn(drug_code="PD1", cycle=1, dose_date=ENROLLED, dose=200, unit="mg")
        )
        update_dose(
            s,
            inv,
            dose.id,
            DoseIn(
                drug_code="PD1",
                cycle=1,
                dose_date=ENROLLED,
                dose=190,
                unit="mg",
                adjustment_reason="infusion stopped early",
            ),
            expected_version=1,
            reason="weighed again",
        )
        s.commit()
        return subject.id, dose.id


def _state(world) -> list[str]:
    with make_sessionmaker(world.engine, audit_key=KEY)() as s:
        return [str(b) for b in verify_state(s)]


def test_tables_written_by_the_application_match_the_trail(world, dosed):
    assert _state(world) == []


def test_a_row_changed_outside_the_application_is_found(world, dosed):
    _, dose_id = dosed
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE dose SET dose = 2000 WHERE id = :i"), {"i": dose_id})
    assert _state(world) == [
        f"dose {dose_id}: changed outside: dose is 2000.0 in the table, 190.0 in the trail"
    ]


def test_a_row_added_or_removed_outside_the_application_is_found(world, dosed):
    subject_id, dose_id = dosed
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM dose WHERE id = :i"), {"i": dose_id})
        conn.execute(
            text(
                "INSERT INTO dose (id, subject_id, drug_code, cycle, dose_date, dose, unit, version) "
                "VALUES (:i, :s, 'PD1', 2, '2024-01-31', 200, 'mg', 1)"
            ),
            {"i": dose_id + 100, "s": subject_id},
        )
    assert _state(world) == [
        f"dose {dose_id + 100}: added outside: the row exists; never in the trail",
        f"dose {dose_id}: removed outside: the trail says it exists; the row is gone",
    ]


def test_a_password_hash_swapped_outside_the_application_is_found(world, dosed):
    """Secrets are compared by fingerprint: someone who copies a known hash into another
    user's row (to sign in as them) is seen, and the trail never holds the hash itself."""
    with world.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE app_user SET password_hash = (SELECT password_hash FROM app_user WHERE username = 'admin') "
                "WHERE username = 'inv_a'"
            )
        )
    (found,) = _state(world)
    assert found.startswith(f'app_user {world.users["inv_a"]}: changed outside: password_hash is "***')


def test_a_keyed_chain_verifies_only_under_its_key(world, dosed):
    with make_sessionmaker(world.engine)() as s:
        assert verify_chain(s, KEY).ok
        assert [b.kind for b in verify_chain(s).breaks] == ["unverifiable"]
        assert [b.kind for b in verify_chain(s, AuditKey(b"x" * 32)).breaks] == ["unverifiable"]


def test_a_forged_entry_with_a_valid_sha256_is_found_without_the_key(world, dosed):
    with make_sessionmaker(world.engine)() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        forged = AuditEntry(
            seq=last.seq + 1,
            at=dt.datetime.now(dt.UTC),
            user_id=None,
            username="system",
            action="update",
            table_name="dose",
            record_id=1,
            subject_id=None,
            field="dose",
            old_value="190.0",
            new_value="2000.0",
            reason="x",
            prev_hash=last.hash,
            key_id=None,
        )
        forged.hash = entry_hash(forged)
        s.add(forged)
        head = s.get(AuditHead, 1)
        head.seq, head.hash = forged.seq, forged.hash
        s.commit()
        report = verify_chain(s, KEY)
    assert [(b.seq, b.kind) for b in report.breaks] == [(forged.seq, "unkeyed")]


def test_a_forged_entry_claiming_the_key_is_altered(world, dosed):
    with make_sessionmaker(world.engine)() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        forged = AuditEntry(
            seq=last.seq + 1,
            at=dt.datetime.now(dt.UTC),
            user_id=None,
            username="system",
            action="update",
            table_name="dose",
            record_id=1,
            subject_id=None,
            field="dose",
            old_value="190.0",
            new_value="2000.0",
            reason="x",
            prev_hash=last.hash,
            key_id=None,
        )
        guess = AuditKey(b"guess" * 8)  # the key id is public, the key is not
        forged.key_id = guess.key_id
        forged.hash = entry_hash(forged, guess)
        forged.key_id = KEY.key_id
        s.add(forged)
        head = s.get(AuditHead, 1)
        head.seq, head.hash = forged.seq, forged.hash
        s.commit()
        report = verify_chain(s, KEY)
    assert [(b.seq, b.kind) for b in report.breaks] == [(forged.seq, "altered")]


def test_a_trail_written_before_the_key_is_sealed_under_it_and_stays_verifiable(world):
    """A database upgraded from before audit keys: its unkeyed entries are sealed by a keyed
    entry (oncotrial db init does it); rewriting them afterwards breaks the seal's link."""
    from oncotrial.edc.store.audit import GENESIS, seal

    with make_sessionmaker(world.engine, audit_key=KEY)() as s:
        sealed = seal(s)
        s.commit()
        assert sealed is not None and sealed.action == "seal"
        assert seal(s) is None  # once
        assert verify_chain(s, KEY).ok
    with make_sessionmaker(world.engine)() as s:  # rewrite the unkeyed part consistently
        prev = GENESIS
        for entry in s.scalars(
            select(AuditEntry).where(AuditEntry.key_id.is_(None)).order_by(AuditEntry.seq)
        ):
            if entry.seq == 2:
                entry.reason = "rewritten"
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(entry)
        s.commit()
        assert [b.kind for b in verify_chain(s, KEY).breaks] == ["broken link"]
