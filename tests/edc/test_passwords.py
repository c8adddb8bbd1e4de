"""The password policy, on every path that sets a password (issue #4: weak passwords accepted)."""

from __future__ import annotations

import pytest

from oncotrial.edc import (
    MIN_PASSWORD_LENGTH,
    User,
    change_own_password,
    create_user,
    password_problems,
    reset_password,
    set_password,
)
from oncotrial.edc.services.passwords import common_passwords
from oncotrial.errors import ValidationFailed

from .conftest import PASSWORD

# The weak passwords of the issue, and the user name itself in another case.
WEAK = ["12345678", "password", "Password", "qwerty123456", "Password2024!", "iloveyou!!!!!!"]


def _codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[tuple, str]]:
    return [(p.loc, p.code) for p in exc.value.problems]


def test_minimum_length_is_12_and_the_list_is_shipped_with_the_package():
    assert MIN_PASSWORD_LENGTH == 12
    common = common_passwords()
    assert len(common) == 30000 and {"password", "12345678", "qwerty123456"} <= common


@pytest.mark.parametrize("weak", WEAK)
def test_create_user_refuses_a_weak_password_and_stores_nothing(world, weak):
    with world.session() as s:
        with pytest.raises(ValidationFailed) as err:
            create_user(s, None, username="nadia", full_name="N", role="statistician", password=weak)
        assert all(loc == ("password",) for loc, _ in _codes(err))
        assert s.query(User).filter_by(username="nadia").first() is None


def test_the_user_name_is_refused_in_any_case_and_messages_name_field_and_reason(world):
    with world.session() as s, pytest.raises(ValidationFailed) as err:
        create_user(
            s,
            None,
            username="alexandra.smith",
            full_name="A",
            role="statistician",
            password="Alexandra.SMITH",
        )
    assert _codes(err) == [(("password",), "username")]
    assert str(err.value) == "password: must not be the user name"


def test_short_and_common_passwords_say_why():
    problems = password_problems("12345678", username="ines")
    assert [(p.code, p.msg) for p in problems] == [
        ("too_short", "must be at least 12 characters (got 8)"),
        ("common", "is one of the most common passwords; choose another"),
    ]
    assert [p.code for p in password_problems("x" * 129, username="ines")] == ["too_long"]
    assert password_problems("correct horse battery", username="ines") == []


def test_set_password_applies_the_policy(world):
    with world.session() as s:
        user = world.user(s, "coord_a")
        with pytest.raises(ValidationFailed) as err:
            set_password(s, None, user, "password1234", "forgotten")
        assert _codes(err) == [(("password",), "common")]


def test_change_own_password_names_new_password_and_keeps_the_old_one(world):
    with world.session() as s:
        user = world.user(s, "coord_a")
        before = user.password_hash
        with pytest.raises(ValidationFailed) as err:
            change_own_password(s, user, PASSWORD, "coord_a")
        assert _codes(err) == [(("new_password",), "too_short"), (("new_password",), "username")]
        with pytest.raises(ValidationFailed) as err:
            change_own_password(s, user, PASSWORD, PASSWORD)
        assert _codes(err) == [(("new_password",), "unchanged")]
        s.rollback()
        assert world.user(s, "coord_a").password_hash == before


def test_a_reset_gives_a_temporary_password_that_passes_the_policy(world):
    with world.session() as s:
        temporary = reset_password(s, None, "coord_a", reason="forgotten")
        assert len(temporary) == 16 and password_problems(temporary, username="coord_a") == []
