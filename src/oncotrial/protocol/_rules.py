"""Eligibility rules: small boolean expressions over named screening fields.

A rule is written the way a protocol reads, e.g. ``"age_years >= 18"``,
``"ecog in [0, 1]"`` or ``"ast_x_uln <= 2.5 or (liver_metastases and ast_x_uln <= 5)"``.
It is parsed once with Python's own parser and then checked against a short
whitelist of node types (comparisons, and/or/not, arithmetic, literals, names), so
evaluating a rule can never run code. Evaluation uses three-valued logic: a rule
whose answer depends on a missing field is ``None`` (not evaluable), never a guess.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["Rule", "RuleSyntaxError"]

_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_LITERAL_NAMES = {"true": True, "false": False, "True": True, "False": False}


class RuleSyntaxError(ValueError):
    """The rule text is not a valid eligibility expression."""


_MISSING = object()


@dataclass(frozen=True)
class Rule:
    """A parsed eligibility rule.

    >>> rule = Rule.parse("ecog in [0, 1] and age_years >= 18")
    >>> sorted(rule.fields)
    ['age_years', 'ecog']
    >>> rule.evaluate({"ecog": 1, "age_years": 54})
    True
    >>> rule.evaluate({"ecog": 2}) is False   # false whatever the age
    True
    >>> rule.evaluate({"ecog": 1}) is None    # depends on the missing age
    True
    """

    text: str
    tree: ast.Expression = field(repr=False, compare=False)
    fields: frozenset[str] = field(compare=False)

    @classmethod
    def parse(cls, text: str) -> Rule:
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise RuleSyntaxError(f"cannot parse rule {text!r}: {exc.msg}") from None
        names: set[str] = set()
        _check(tree.body, names)
        return cls(text=text.strip(), tree=tree, fields=frozenset(names))

    def evaluate(self, values: Mapping[str, Any]) -> bool | None:
        """True, False, or None when the answer depends on a missing value."""
        result = _eval(self.tree.body, values)
        if result is _MISSING:
            return None
        return bool(result)

    def missing(self, values: Mapping[str, Any]) -> list[str]:
        """Fields this rule reads that have no value."""
        return sorted(f for f in self.fields if values.get(f) is None)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Rule:
            if isinstance(value, Rule):
                return value
            if not isinstance(value, str):
                raise ValueError("a rule is a string such as 'age_years >= 18'")
            return cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


def _check(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        _check(node.operand, names)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise RuleSyntaxError(f"operator {type(op).__name__} is not allowed in a rule")
        _check(node.left, names)
        for comp in node.comparators:
            _check(comp, names)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITH:
            raise RuleSyntaxError(f"operator {type(node.op).__name__} is not allowed in a rule")
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for elt in node.elts:
            if not isinstance(elt, ast.Constant):
                raise RuleSyntaxError("a list in a rule may hold only literal values")
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str, bool)):
            raise RuleSyntaxError(f"literal {node.value!r} is not allowed in a rule")
    elif isinstance(node, ast.Name):
        if node.id not in _LITERAL_NAMES:
            names.add(node.id)
    else:
        raise RuleSyntaxError(
            f"{type(node).__name__} is not allowed in a rule "
            "(use comparisons, and/or/not, + - * /, numbers, strings, lists and field names)"
        )


def _eval(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        is_and = isinstance(node.op, ast.And)
        unknown = False
        for sub in node.values:
            result = _eval(sub, values)
            if result is _MISSING:
                unknown = True
            elif bool(result) is not is_and:  # False short-circuits `and`, True short-circuits `or`
                return not is_and
        return _MISSING if unknown else is_and
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        if operand is _MISSING:
            return _MISSING
        return (not operand) if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, values)
            if left is _MISSING or right is _MISSING:
                return _MISSING
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if left is _MISSING or right is _MISSING:
            return _MISSING
        return _ARITH[type(node.op)](left, right)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [elt.value for elt in node.elts]  # type: ignore[attr-defined]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _LITERAL_NAMES:
            return _LITERAL_NAMES[node.id]
        value = values.get(node.id)
        return _MISSING if value is None else value
    raise RuleSyntaxError(f"{type(node).__name__} is not allowed in a rule")  # pragma: no cover
