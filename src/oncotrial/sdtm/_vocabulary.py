"""Controlled terms the engines read, loaded from ``data/vocabulary.toml`` (listed once, with sources).

Each :class:`Vocabulary` maps every accepted spelling of a term to the term itself (e.g. the
CDISC ``UNEQUIVOCAL`` and RECIST's ``UNEQUIVOCAL PROGRESSION`` to one non-target state), and
classifies anything else: a near miss (the same text in another case or with surrounding
spaces) is always refused with the spelling to use; an unknown value is refused in a closed
vocabulary and kept as written in an open one (CDISC extensible and sponsor-defined lists).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Match", "Spelling", "Term", "Vocabulary", "all_vocabularies", "vocabulary"]


class Match(IntEnum):
    """How one value relates to a vocabulary (integers, so that arrays of them compare fast)."""

    BLANK = 0  # empty: no value (whether that is allowed is the caller's rule)
    TERM = 1  # one of the accepted spellings of a term
    KNOWN = 2  # a valid term that no engine reads
    OTHER = 3  # not listed; allowed as written in an open vocabulary
    NEAR = 4  # a listed term in another case or with surrounding spaces: refused
    UNKNOWN = 5  # not listed, in a closed vocabulary: refused (or the user's choice)


@dataclass(frozen=True)
class Spelling:
    text: str
    source: str


@dataclass(frozen=True)
class Term:
    value: str
    spellings: tuple[Spelling, ...]


@dataclass(frozen=True)
class Vocabulary:
    """One controlled vocabulary: its terms with their accepted spellings, and valid terms no engine reads.

    >>> v = vocabulary("non_target_state")
    >>> v.canonical("UNEQUIVOCAL"), v.match("unequivocal"), v.suggestion("unequivocal")
    ('UNEQUIVOCAL PROGRESSION', <Match.NEAR: 4>, 'UNEQUIVOCAL')
    """

    name: str
    label: str
    applies_to: str
    closed: bool
    terms: tuple[Term, ...]
    known: tuple[str, ...] = ()
    known_source: str = ""
    choice: str | None = None
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _folded: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {s.text: t.value for t in self.terms for s in t.spellings}
        folded = {text.strip().upper(): text for text in [*lookup, *self.known]}
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_folded", folded)

    @property
    def values(self) -> tuple[str, ...]:
        """The terms, in the file's order."""
        return tuple(t.value for t in self.terms)

    @property
    def spellings(self) -> tuple[str, ...]:
        return tuple(self._lookup)

    def canonical(self, text: str) -> str | None:
        """The term an accepted spelling stands for; ``None`` for anything else."""
        return self._lookup.get(text)

    def match(self, text: Any) -> Match:
        if text is None or (isinstance(text, float) and text != text) or text == "":
            return Match.BLANK
        text = str(text)
        if text in self._lookup:
            return Match.TERM
        if text in self.known:
            return Match.KNOWN
        if text.strip().upper() in self._folded:
            return Match.NEAR
        return Match.OTHER if not self.closed else Match.UNKNOWN

    def suggestion(self, text: str) -> str | None:
        """The listed spelling that ``text`` is a near miss of (other case, surrounding spaces)."""
        return self._folded.get(str(text).strip().upper())

    def with_terms(self, values: list[str] | tuple[str, ...], source: str) -> Vocabulary:
        """This vocabulary with more terms (e.g. the protocol's own disposition terms)."""
        new = tuple(Term(v, (Spelling(v, source),)) for v in values if v and v not in self._lookup)
        return Vocabulary(
            self.name,
            self.label,
            self.applies_to,
            self.closed,
            self.terms + new,
            self.known,
            self.known_source,
            self.choice,
        )

    def classify(self, values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per value: its :class:`Match` (int8 array) and its term (the value itself unless a
        spelling maps to another term). Each distinct text is looked up once."""
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        u_match, u_term = self.classify_distinct(uniques)
        return u_match[codes], u_term[codes]

    def classify_distinct(self, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`classify` of distinct values, with one more entry at the end for a missing
        value (so that ``result[codes]`` works with pandas' code -1 for missing)."""
        u_match = np.array([self.match(u) for u in uniques] + [Match.BLANK], dtype=np.int8)
        u_term = np.array([self._lookup.get(u, u) for u in uniques] + [""], dtype=object)
        return u_match, u_term

    def describe(self) -> str:
        """The accepted spellings, for messages: ``ABSENT, PRESENT, UNEQUIVOCAL (= ...)``."""
        parts = []
        for t in self.terms:
            others = [s.text for s in t.spellings if s.text != t.value]
            parts.append(f"{t.value}" + (f" (or {', '.join(others)})" if others else ""))
        return ", ".join(parts)


def _load() -> dict[str, Vocabulary]:
    raw = tomllib.loads(resources.files("oncotrial.sdtm").joinpath("data/vocabulary.toml").read_text("utf-8"))
    out = {}
    for v in raw["vocabulary"]:
        terms = tuple(
            Term(t["value"], tuple(Spelling(s["text"], s["source"]) for s in t["spellings"]))
            for t in v["term"]
        )
        out[v["name"]] = Vocabulary(
            v["name"],
            v["label"],
            v["applies_to"],
            v["closed"],
            terms,
            tuple(v.get("known", ())),
            v.get("known_source", ""),
            v.get("choice"),
        )
    return out


@cache
def _all() -> dict[str, Vocabulary]:
    return _load()


def vocabulary(name: str) -> Vocabulary:
    """A vocabulary by name (``lesion_group``, ``non_target_state``, ... as in ``data/vocabulary.toml``)."""
    try:
        return _all()[name]
    except KeyError:
        raise KeyError(f"unknown vocabulary {name!r}; known: {sorted(_all())}") from None


def all_vocabularies() -> tuple[Vocabulary, ...]:
    """Every vocabulary, in the file's order (for documentation and tests)."""
    return tuple(_all().values())
