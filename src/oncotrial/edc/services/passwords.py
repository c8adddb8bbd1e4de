"""The password policy: long enough, not the user's name, not a common password.

One rule set for every way a password is set: a new user (``create_user``), an
administrator's ``set_password``, a user's ``change_own_password``. Temporary passwords
made by :func:`~oncotrial.edc.services.accounts.reset_password` pass it by construction.

- **At least 12 characters** (:data:`MIN_PASSWORD_LENGTH`): OWASP ASVS 4.0.3 V2.1.1.
  NIST SP 800-63B rev. 4 (§3.1.1.2) asks 15 for a password used alone and 8 with a
  second factor; whether a role has a second factor is a setting here, so one minimum
  sits between the two. No composition rules (digits, capitals): NIST forbids them.
- **At most 128 characters** (:data:`MAX_PASSWORD_LENGTH`): ASVS V2.1.2 (64 must be
  allowed, more than 128 refused); long passphrases pass, megabytes never reach the hasher.
- **Not the user name**, in any case, nor the user name reversed.
- **Not a common password**: not one of the 30,000 most common passwords of the list
  shipped in ``data/common-passwords.txt`` (see its PROVENANCE.md), in any case, nor
  such a password with only digits or symbols around it (``Password2024!``).

>>> [p.code for p in password_problems("short", username="ines")]
['too_short']
>>> [p.code for p in password_problems("Ines", username="ines")]
['too_short', 'username']
>>> [p.code for p in password_problems("qwerty123456", username="ines")]
['common']
>>> [p.code for p in password_problems("Password2024!", username="ines")]
['common']
>>> password_problems("correct horse battery", username="ines")
[]
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from oncotrial.errors import Problem, ValidationFailed

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "check_password",
    "common_passwords",
    "password_problems",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128

# Digits, punctuation, symbols and spaces around a word: "Password2024!" -> "password".
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (read once per process)."""
    text = resources.files("oncotrial.edc.services").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def password_problems(password: str, *, username: str, field: str = "password") -> list[Problem]:
    """Every way ``password`` breaks the policy, each a problem on ``field`` (empty: it passes).

    The password itself never appears in a message or a problem's value.
    """
    problems: list[Problem] = []
    loc = (field,)
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                loc, f"must be at least {MIN_PASSWORD_LENGTH} characters (got {len(password)})", "too_short"
            )
        )
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(Problem(loc, f"must be at most {MAX_PASSWORD_LENGTH} characters", "too_long"))
    folded, name = password.casefold(), username.casefold()
    if name and folded in (name, name[::-1]):
        problems.append(Problem(loc, "must not be the user name", "username"))
    common = common_passwords()
    if folded in common:
        problems.append(Problem(loc, "is one of the most common passwords; choose another", "common"))
    else:
        stem = _DECORATION.sub("", folded)
        if stem != folded and (stem in common or (name and stem == name)):
            problems.append(
                Problem(
                    loc,
                    "is a common password or the user name with digits or symbols added; choose another",
                    "common",
                )
            )
    return problems


def check_password(password: str, *, username: str, field: str = "password") -> None:
    """Raise :class:`ValidationFailed` with every problem of ``password``; nothing else happens."""
    problems = password_problems(password, username=username, field=field)
    if problems:
        raise ValidationFailed(problems)
