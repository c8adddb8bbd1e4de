"""Turn the services' problems (``{loc, code, msg}``) into inline errors and a summary.

The services validate; this module only places each problem next to its field and
lists it at the top of the form. A problem whose location names no field on the form
is shown in the summary only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oncotrial.errors import OncotrialError, Problem, ValidationFailed

__all__ = ["field_of", "form_values", "problems_for"]


def field_of(problem: Problem, labels: Mapping[str, str]) -> str | None:
    """The form field a problem belongs to: the last part of its location that is a field.

    >>> field_of(Problem(("dose", "cycle"), "too many"), {"cycle": "Cycle"})
    'cycle'
    >>> field_of(Problem(("subject",), "frozen"), {"cycle": "Cycle"}) is None
    True
    """
    for part in reversed(problem.loc):
        if isinstance(part, str) and part in labels:
            return part
    return None


def problems_for(
    exc: ValidationFailed | OncotrialError, labels: Mapping[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The summary list (field, label, msg) and the inline messages by field name.

    >>> summary, inline = problems_for(OncotrialError("age_years", 17, "must be at least 18"), {"age_years": "Age"})
    >>> summary[0]["label"], inline["age_years"]
    ('Age', 'must be at least 18')
    """
    summary: list[dict[str, Any]] = []
    inline: dict[str, str] = {}
    for problem in exc.problems:
        name = field_of(problem, labels)
        summary.append({"field": name, "label": labels.get(name, "") if name else "", "msg": problem.msg})
        if name is not None:
            inline[name] = f"{inline[name]}; {problem.msg}" if name in inline else problem.msg
    return summary, inline


def form_values(form: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """The named fields of a posted form as text, empty strings as ``None``.

    >>> form_values({"a": " 3 ", "b": ""}, ["a", "b", "c"])
    {'a': '3', 'b': None, 'c': None}
    """
    out: dict[str, Any] = {}
    for name in names:
        value = form.get(name)
        text = str(value).strip() if value is not None else ""
        out[name] = text or None
    return out
