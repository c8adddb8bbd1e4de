"""Explain one subject's derived responses: the rows and the rule behind each."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["SubjectExplanation", "explain_subject"]


@dataclass(frozen=True)
class SubjectExplanation:
    """Everything that produced one subject's responses."""

    usubjid: str


def explain_subject(usubjid: str, timepoints: pd.DataFrame, best: pd.DataFrame) -> SubjectExplanation:
    """The timepoint rows and best-response rules of one subject."""
    raise NotImplementedError
