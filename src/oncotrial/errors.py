"""Domain errors shared by every room.

Each error names *where* the problem is (``loc``, a path of field names), the
offending ``value`` and the ``reason``, so that the CLI, the API's 422 answer and
an EDC query can all say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OncotrialError", "Problem", "ValidationFailed"]


def _format_loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


@dataclass(frozen=True)
class Problem:
    """One problem with one field: ``{loc, code, msg}`` as every edit check speaks it."""

    loc: tuple[str | int, ...]
    msg: str
    code: str = "invalid"
    value: Any = None

    @property
    def where(self) -> str:
        """The field path as one dotted string, e.g. ``regimen.drugs[0].basis``."""
        return _format_loc(self.loc)

    def to_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "code": self.code, "msg": self.msg}

    def __str__(self) -> str:
        return f"{self.where}: {self.msg}"


class OncotrialError(ValueError):
    """A domain error: bad input named by field, value and reason."""

    def __init__(
        self, loc: Sequence[str | int] | str, value: Any, reason: str, code: str = "invalid"
    ) -> None:
        self.loc: tuple[str | int, ...] = (loc,) if isinstance(loc, str) else tuple(loc)
        self.value = value
        self.reason = reason
        self.code = code
        super().__init__(f"{_format_loc(self.loc)}: {reason} (got {value!r})")

    @property
    def problems(self) -> list[Problem]:
        return [Problem(self.loc, self.reason, self.code, self.value)]


@dataclass
class ValidationFailed(ValueError):
    """Several problems found at once; raised so that nothing is stored."""

    problems: list[Problem] = field(default_factory=list)
    source: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @classmethod
    def from_problems(cls, problems: Iterable[Problem], source: str | None = None):
        return cls(list(problems), source)

    def render(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(f"{prefix}{p}" for p in self.problems)
