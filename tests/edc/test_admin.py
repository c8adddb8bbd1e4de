"""Sites and users: roles, site scoping, passwords."""

from __future__ import annotations

import pytest

from oncotrial.edc import authenticate, change_own_password, create_user
from oncotrial.errors import ValidationFailed

from .conftest import PASSWORD


def test_site_scoped_role_needs_a_site(world):
    with (
        world.session() as s,
        pytest.raises(ValueError, match="site_codes: a monitor must be assigned to at least one site"),
    ):
        create_user(
            s, world.user(s, "admin"), username="m2", full_name="M", role="monitor", password=PASSWORD
        )


def test_only_a_sponsor_admin_creates_users(world):
    from oncotrial.edc import Forbidden

    with (
        world.session() as s,
        pytest.raises(Forbidden, match="role investigator may not administer sites and users"),
    ):
        create_user(
            s, world.user(s, "inv_a"), username="x", full_name="X", role="statistician", password=PASSWORD
        )


def test_short_password_is_refused(world):
    with (
        world.session() as s,
        pytest.raises(ValueError, match="password: must be at least 12 characters \\(got 5\\)"),
    ):
        create_user(s, None, username="x", full_name="X", role="statistician", password="short")


def test_user_changes_own_password_with_the_current_one(world):
    with world.session() as s:
        user = world.user(s, "coord_a")
        with pytest.raises(ValidationFailed) as err:
            change_own_password(s, user, "wrong", "tiny")
        assert [(p.loc, p.code) for p in err.value.problems] == [
            (("current_password",), "bad_password"),
            (("new_password",), "too_short"),
        ]
        change_own_password(s, user, PASSWORD, "a much longer secret")
        s.commit()
        assert authenticate(s, "coord_a", "a much longer secret").username == "coord_a"
