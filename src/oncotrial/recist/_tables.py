"""RECIST 1.1 Tables 1 and 2: target, non-target and new lesions -> overall response."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from oncotrial.recist._codes import CR, NA, NE, NON_CR_NON_PD, PD, PR, SD, decode, encode

__all__ = ["overall_codes", "overall_response"]


def overall_codes(target: np.ndarray, non_target: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Vectorized Tables 1 and 2 on response codes (see :func:`overall_response`)."""
    t = np.asarray(target)
    nt = np.asarray(non_target)
    new = np.asarray(new, dtype=bool)
    out = np.full(t.shape, NE, dtype=np.int8)
    has_t = t != NA
    # Table 1 (target lesions at baseline, with or without non-target lesions).
    out[has_t & (t == CR) & ((nt == CR) | (nt == NA))] = CR
    out[has_t & (t == CR) & ((nt == NON_CR_NON_PD) | (nt == NE))] = PR
    out[has_t & (t == PR)] = PR
    out[has_t & (t == SD)] = SD
    # Table 2 (non-target lesions only).
    nt_only = ~has_t & (nt != NA)
    out[nt_only & (nt == CR)] = CR
    out[nt_only & (nt == NON_CR_NON_PD)] = NON_CR_NON_PD
    # PD wins in both tables: target PD, unequivocal non-target progression or a new lesion.
    out[(t == PD) | (nt == PD) | new] = PD
    return out


def overall_response(
    target: Sequence[str | None], non_target: Sequence[str | None], new: Sequence[bool]
) -> np.ndarray:
    """Overall timepoint response by RECIST 1.1 Table 1 (target lesions) and Table 2 (non-target only).

    Parameters
    ----------
    target, non_target
        Target and non-target response per timepoint (``CR``, ``PR``, ``SD``, ``NON-CR/NON-PD``,
        ``PD``, ``NE``); ``None`` when the patient had no such lesion at baseline.
    new
        Whether an unequivocal new lesion was seen at that timepoint.

    Returns
    -------
    numpy.ndarray of str
        ``CR``, ``PR``, ``SD``, ``NON-CR/NON-PD``, ``PD`` or ``NE``; with no lesion of either kind
        at baseline, ``PD`` if a new lesion appears, else ``NE``.

    Examples
    --------
    >>> overall_response(["CR", "CR", None], ["NON-CR/NON-PD", None, "CR"], [False, False, False]).tolist()
    ['PR', 'CR', 'CR']
    """
    return decode(overall_codes(encode(target), encode(non_target), np.asarray(new, dtype=bool)))
