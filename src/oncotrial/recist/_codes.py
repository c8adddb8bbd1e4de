"""Response codes used inside the engine (integers for speed, text at the edges)."""

from __future__ import annotations

import numpy as np

__all__ = ["CR", "NA", "NE", "NON_CR_NON_PD", "PD", "PR", "RESPONSES", "SD", "decode", "encode"]

NA = -1  # not applicable: no lesion of that kind at baseline
CR, PR, SD, NON_CR_NON_PD, PD, NE = 0, 1, 2, 3, 4, 5
#: Text of each code, in code order (SDTM RS.RSSTRESC terms).
RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
_LOOKUP = {text: code for code, text in enumerate(RESPONSES)}


def encode(values) -> np.ndarray:
    """Text responses to codes; missing (None/NaN/"") is :data:`NA`. Unknown text raises KeyError."""
    out = np.empty(len(values), dtype=np.int8)
    for i, v in enumerate(values):
        out[i] = NA if v is None or v != v or v == "" else _LOOKUP[str(v).upper()]
    return out


def decode(codes: np.ndarray) -> np.ndarray:
    """Codes to text; :data:`NA` becomes ``None``."""
    table = np.array([*RESPONSES, None], dtype=object)
    return table[np.where(codes == NA, len(RESPONSES), codes)]
