"""Anchors: the chain's head recorded outside the database by the server (at start, then on a
schedule) and on every database lock, and checked by verification."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oncotrial.app import create_app
from oncotrial.edc import lock_database, make_sessionmaker
from oncotrial.edc.store.anchors import Anchor, head_anchor, read_anchors, verify_anchors, write_anchor
from oncotrial.edc.store.audit import AuditKey
from oncotrial.errors import OncotrialError
from oncotrial.settings import Settings

KEY = AuditKey(b"a" * 32)


def test_locking_the_database_records_the_head_once_committed(world, tmp_path: Path):
    anchors = tmp_path / "anchors.jsonl"
    sessions = make_sessionmaker(world.engine, audit_key=KEY, anchor_file=anchors)
    with sessions() as s:
        lock_database(s, world.user(s, "admin"), reason="final analysis")
        assert not anchors.exists()  # nothing before the commit: a rolled-back lock leaves no anchor
        s.commit()
        head = head_anchor(s)
    (anchor,) = read_anchors(anchors)
    assert (anchor.seq, anchor.hash) == (head.seq, head.hash)
    with sessions() as s:
        assert verify_anchors(s, [anchor]) == []


def test_a_rolled_back_lock_records_nothing(world, tmp_path: Path):
    anchors = tmp_path / "anchors.jsonl"
    with make_sessionmaker(world.engine, audit_key=KEY, anchor_file=anchors)() as s:
        lock_database(s, world.user(s, "admin"), reason="final analysis")
        s.rollback()
    assert not anchors.exists()


def test_the_server_records_an_anchor_when_it_starts(world, tmp_path: Path):
    anchors = tmp_path / "anchors.jsonl"
    settings = Settings(database_url="sqlite://", secret_key="s" * 32, anchor_file=anchors)
    with TestClient(create_app(settings, engine=world.engine)):
        pass
    (anchor,) = read_anchors(anchors)
    assert anchor.seq > 0


def test_an_edited_anchor_file_is_found(world, tmp_path: Path):
    anchors = tmp_path / "anchors.jsonl"
    with make_sessionmaker(world.engine, audit_key=KEY)() as s:
        write_anchor(anchors, head_anchor(s))
        real = read_anchors(anchors)[0]
        moved = Anchor(real.at, real.seq - 1, real.hash, real.mac)  # pointing the anchor elsewhere
        assert [b.kind for b in verify_anchors(s, [moved])] == ["anchor altered"]


def test_a_line_that_is_not_an_anchor_is_named(tmp_path: Path):
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text('{"at": "2026-01-01T00:00:00+00:00", "seq": 3, "hash": "ab"}\nnot json\n')
    with pytest.raises(OncotrialError, match=r"anchor_file\[2\]: not an anchor line"):
        read_anchors(anchors)
