"""Concurrent writers: the audit chain stays one unbroken line, and a key creates once.

Real threads with their own sessions: on PostgreSQL (several connections) and on a
SQLite file (one writer at a time, the others queue on BEGIN IMMEDIATE).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from oncotrial.edc import (
    AuditEntry,
    Base,
    Dose,
    idempotent_create,
    make_engine,
    make_sessionmaker,
    record_dose,
    unit_of_work,
    verify_chain,
)
from oncotrial.edc.services.forms import DoseIn
from oncotrial.edc.store.models import User

from .conftest import ENROLLED, _empty, enrolled_subject, make_world

THREADS = 6
WRITES_PER_THREAD = 4


@pytest.fixture(params=["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite-file":
        engine = make_engine(f"sqlite:///{tmp_path / 'edc.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("_pg_engine")
        _empty(engine)
        yield engine


def _run_threads(target, n: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def wrapped(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_dose_writes_keep_the_audit_chain_unbroken(shared_engine):
    world = make_world(shared_engine)
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subjects = [enrolled_subject(s, inv).id for _ in range(THREADS)]
        s.commit()
    sessions = make_sessionmaker(shared_engine)

    def writer(i: int) -> None:
        for cycle in range(1, WRITES_PER_THREAD + 1):
            day = ENROLLED + dt.timedelta(days=21 * (cycle - 1))
            with unit_of_work(sessions) as s:
                actor = s.get(User, world.users["inv_a"])
                record_dose(
                    s,
                    actor,
                    subjects[i],
                    DoseIn(drug_code="PD1", cycle=cycle, dose_date=day, dose=200, unit="mg"),
                )

    assert _run_threads(writer, THREADS) == []
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Dose)) == THREADS * WRITES_PER_THREAD
        report = verify_chain(s)
        seqs = s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert report.ok, report.breaks
    assert seqs == list(range(1, len(seqs) + 1))


def test_concurrent_requests_with_one_idempotency_key_create_once(shared_engine):
    world = make_world(shared_engine)
    with world.session() as s:
        subject_id = enrolled_subject(s, world.user(s, "inv_a")).id
        s.commit()
    sessions = make_sessionmaker(shared_engine)
    form = DoseIn(drug_code="PD1", cycle=1, dose_date=ENROLLED, dose=200, unit="mg")
    outcomes: list[str] = []

    def request(_i: int) -> None:
        from sqlalchemy.exc import IntegrityError

        try:
            with unit_of_work(sessions) as s:
                actor = s.get(User, world.users["inv_a"])
                _, created = idempotent_create(
                    s,
                    actor,
                    "retry-key",
                    "record_dose",
                    form,
                    Dose,
                    lambda: record_dose(s, actor, subject_id, form),
                )
            outcomes.append("created" if created else "replayed")
        except IntegrityError:
            outcomes.append("conflict")  # the API answers 409: the other request won the race
        except ValueError as exc:  # the duplicate-cycle rule, seen after the winner committed
            assert "already recorded" in str(exc)
            outcomes.append("refused")

    assert _run_threads(request, 4) == []
    assert outcomes.count("created") == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Dose)) == 1
