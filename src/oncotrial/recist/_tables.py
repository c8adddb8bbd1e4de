"""RECIST 1.1 Tables 1 and 2: target, non-target and new lesions -> overall response."""

from __future__ import annotations

import numpy as np

__all__ = ["overall_response"]


def overall_response(target: np.ndarray, non_target: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Overall timepoint response per row (vectorized Table 1 / Table 2)."""
    raise NotImplementedError
