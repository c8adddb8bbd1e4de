"""Server-side sessions and their end (issue #3: a password change left API tokens valid)."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.edc import (
    NotAuthenticated,
    WebSession,
    change_own_password,
    end_sessions,
    end_web_session,
    issue_token,
    open_web_session,
    read_web_session,
    user_for_token,
)

from .conftest import PASSWORD

NEW = "a brand new passphrase"


def test_a_password_change_ends_every_api_token_and_other_session_but_this_one(world):
    with world.session() as s:
        user = world.user(s, "coord_a")
        token = issue_token(s, user, lifetime_s=3600)
        here = open_web_session(s, user.id, stage="ok", max_lifetime_s=3600)
        there = open_web_session(s, user.id, stage="ok", max_lifetime_s=3600)
        change_own_password(s, user, PASSWORD, NEW, keep_web_session=here)
        s.commit()
        with pytest.raises(NotAuthenticated, match="the API token is not valid"):
            user_for_token(s, token)
        assert read_web_session(s, here, idle_s=3600).live
        assert read_web_session(s, there, idle_s=3600).ended == "revoked"


def test_a_token_is_refused_over_the_api_after_its_user_changed_password(api, world):
    assert api("coord_a", "GET", "/api/me").status_code == 200
    with world.session() as s:
        change_own_password(s, world.user(s, "coord_a"), PASSWORD, NEW)
        s.commit()
    assert api("coord_a", "GET", "/api/me").status_code == 401


def test_web_session_stores_only_a_digest_and_ends_on_logout(world):
    with world.session() as s:
        token = open_web_session(s, world.users["coord_a"], stage="ok", max_lifetime_s=3600)
        row = s.query(WebSession).one()
        assert token not in (row.token_sha256, str(row.id)) and len(row.token_sha256) == 64
        end_web_session(s, token, "logout")
        state = read_web_session(s, token, idle_s=3600)
        assert (state.live, state.ended) == (False, "revoked")
        assert row.revoke_reason == "logout"


def test_idle_and_expired_sessions_end_and_stay_ended(world):
    with world.session() as s:
        idle = open_web_session(s, world.users["coord_a"], stage="ok", max_lifetime_s=3600)
        old = open_web_session(s, world.users["coord_a"], stage="ok", max_lifetime_s=3600)
        rows = {r.id: r for r in s.query(WebSession)}
        first, second = sorted(rows)
        rows[first].last_seen_at -= dt.timedelta(minutes=61)
        rows[second].expires_at = rows[second].created_at
        s.flush()
        assert read_web_session(s, idle, idle_s=3600).ended == "idle"
        assert read_web_session(s, old, idle_s=3600).ended == "expired"
        assert read_web_session(s, idle, idle_s=10**6).ended == "revoked"  # longer settings do not revive it
        assert read_web_session(s, "made-up", idle_s=3600).ended == "unknown"


def test_a_code_stage_session_lives_five_minutes(world):
    with world.session() as s:
        open_web_session(s, world.users["coord_a"], stage="code", max_lifetime_s=3600)
        row = s.query(WebSession).one()
        assert (row.expires_at - row.created_at) == dt.timedelta(seconds=300)


def test_end_sessions_counts_what_it_ended(world):
    with world.session() as s:
        user = world.user(s, "inv_a")
        issue_token(s, user, lifetime_s=3600)
        open_web_session(s, user.id, stage="ok", max_lifetime_s=3600)
        assert end_sessions(s, user.id, reason="test") == 2
        assert end_sessions(s, user.id, reason="test") == 0
