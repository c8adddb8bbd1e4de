"""What `sdtm check` finds: errors and warnings, each naming file, variable, row and value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oncotrial.errors import Problem

__all__ = ["Findings"]

#: Rows named per file, variable and reason before the rest are counted.
ROWS_SHOWN = 5


@dataclass
class Findings:
    """Collects problems; ``errors`` stop every command, ``warnings`` are printed and reported."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem, *, warning: bool = False) -> None:
        (self.warnings if warning else self.errors).append(problem)

    def rows(
        self,
        file: str,
        variable: str,
        rows: np.ndarray | Sequence[int],
        values: Sequence[Any],
        reason: str | Sequence[str],
        code: str,
        *,
        warning: bool = False,
        shown: int = ROWS_SHOWN,
    ) -> None:
        """One problem per row (``reason`` one text, or one per row) for the first ``shown`` rows,
        then one line counting the others."""
        rows = np.asarray(rows)
        if len(rows) == 0:
            return
        reasons = [reason] * len(rows) if isinstance(reason, str) else list(reason)
        for row, value, why in zip(rows[:shown], values[:shown], reasons[:shown], strict=False):
            self.add(Problem((file, variable, int(row)), why, code, value), warning=warning)
        if len(rows) > shown:
            self.add(
                Problem((file, variable), f"... and {len(rows) - shown} more rows with this problem", code),
                warning=warning,
            )
