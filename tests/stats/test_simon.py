"""simon_design against published Simon designs (optimal, minimax, admissible).

Where each reference row comes from is stated beside it:

* SIMON_1989: rows of Simon R (1989), Controlled Clinical Trials 10:1-10,
  Table 1 (p1 - p0 = 0.20): r1/n1, r/n, EN(p0) to one decimal and PET(p0) to two,
  transcribed from the widely reproduced table (the paper itself could not be
  consulted where these tests were written). Only rows whose every entry was
  certain are listed: the p0 = 0.40 .. 0.70 rows and the minimax design for
  p0 = 0.30 / alpha 0.05 / beta 0.20 are left out because the transcription of
  one of their entries was in doubt.
* CLINFUN: output printed in the documentation of R's clinfun package
  (veseshan/clinfun on GitHub, ``dev/reference/ph2simon.html`` and
  ``dev/reference/twostage.admissible.html``), EN(p0) and PET(p0) as printed.
  clinfun is not packaged for this Debian release (``apt-cache policy
  r-cran-clinfun`` has no candidate), so it could not be run here.
* SIMON_1989_TABLE_2: the optimal design for p0 = 0.30, p1 = 0.45, alpha 0.05,
  beta 0.10 (r1/n1 = 13/40, r/n = 40/110), as quoted in the project's issue
  "Correctness on real-world tumour data" (point 7) from Simon (1989), Table 2.

Every test here fails on a SimonSearchBoundWarning it does not expect (``pytestmark``).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from oncotrial.errors import OncotrialError
from oncotrial.stats import SimonSearchBoundWarning, simon_design, simon_design_from_spec

pytestmark = pytest.mark.filterwarnings("error::oncotrial.stats.SimonSearchBoundWarning")

# (p0, p1, alpha, beta, kind, r1, n1, r, n, EN(p0), PET(p0)) -- SIMON_1989, Table 1
SIMON_1989 = [
    (0.05, 0.25, 0.10, 0.10, "optimal", 0, 9, 2, 24, 14.5, 0.63),
    (0.05, 0.25, 0.10, 0.10, "minimax", 0, 13, 2, 20, 16.4, 0.51),
    (0.05, 0.25, 0.05, 0.20, "optimal", 0, 9, 2, 17, 12.0, 0.63),
    (0.05, 0.25, 0.05, 0.20, "minimax", 0, 12, 2, 16, 13.8, 0.54),
    (0.05, 0.25, 0.05, 0.10, "optimal", 0, 9, 3, 30, 16.8, 0.63),
    (0.05, 0.25, 0.05, 0.10, "minimax", 0, 15, 3, 25, 20.4, 0.46),
    (0.10, 0.30, 0.10, 0.10, "optimal", 1, 12, 5, 35, 19.8, 0.66),
    (0.10, 0.30, 0.10, 0.10, "minimax", 1, 16, 4, 25, 20.4, 0.51),
    (0.10, 0.30, 0.05, 0.20, "optimal", 1, 10, 5, 29, 15.0, 0.74),
    (0.10, 0.30, 0.05, 0.20, "minimax", 1, 15, 5, 25, 19.5, 0.55),
    (0.10, 0.30, 0.05, 0.10, "optimal", 2, 18, 6, 35, 22.5, 0.73),
    (0.10, 0.30, 0.05, 0.10, "minimax", 2, 22, 6, 33, 26.2, 0.62),
    (0.20, 0.40, 0.10, 0.10, "optimal", 3, 17, 10, 37, 26.0, 0.55),
    (0.20, 0.40, 0.10, 0.10, "minimax", 3, 19, 10, 36, 28.3, 0.46),
    (0.20, 0.40, 0.05, 0.20, "optimal", 3, 13, 12, 43, 20.6, 0.75),
    (0.20, 0.40, 0.05, 0.20, "minimax", 4, 18, 10, 33, 22.3, 0.72),
    (0.20, 0.40, 0.05, 0.10, "optimal", 4, 19, 15, 54, 30.4, 0.67),
    (0.20, 0.40, 0.05, 0.10, "minimax", 5, 24, 13, 45, 31.2, 0.66),
    (0.30, 0.50, 0.10, 0.10, "optimal", 7, 22, 17, 46, 29.9, 0.67),
    (0.30, 0.50, 0.10, 0.10, "minimax", 7, 28, 15, 39, 35.0, 0.36),
    (0.30, 0.50, 0.05, 0.20, "optimal", 5, 15, 18, 46, 23.6, 0.72),
    (0.30, 0.50, 0.05, 0.10, "optimal", 8, 24, 24, 63, 34.7, 0.73),
    (0.30, 0.50, 0.05, 0.10, "minimax", 7, 24, 21, 53, 36.6, 0.56),
]

# (p0, p1, alpha, beta, n_max, kind, r1, n1, r, n, EN(p0), PET(p0), warns) -- CLINFUN ph2simon
# examples. warns: ours, not clinfun's. clinfun's own examples show that 0.2 / 0.35 / 0.05 / 0.05
# has optimal 11/50, 28/109 with nmax 150, so its nmax-100 result is the bound's, not the optimum.
CLINFUN = [
    (0.2, 0.4, 0.1, 0.1, 100, "optimal", 3, 17, 10, 37, 26.02, 0.5489, False),
    (0.2, 0.4, 0.1, 0.1, 100, "minimax", 3, 19, 10, 36, 28.26, 0.4551, False),
    (0.2, 0.35, 0.05, 0.05, 100, "optimal", 11, 53, 26, 99, 69.88, 0.6330, True),
    (0.2, 0.35, 0.05, 0.05, 100, "minimax", 15, 68, 25, 95, 75.44, 0.7244, True),
    (0.2, 0.35, 0.05, 0.05, 150, "optimal", 11, 50, 28, 109, 67.07, 0.7107, False),
]


def _ids(rows):
    return [f"{r[0]}-{r[1]}-a{r[2]}-b{r[3]}-{r[4] if isinstance(r[4], str) else r[5]}" for r in rows]


@pytest.mark.parametrize("row", SIMON_1989, ids=_ids(SIMON_1989))
def test_reproduces_simon_1989_table_1(row):
    p0, p1, alpha, beta, kind, r1, n1, r, n, en0, pet0 = row
    d = simon_design(p0, p1, alpha, beta, kind=kind)
    assert (d.r1, d.n1, d.r, d.n) == (r1, n1, r, n)
    assert round(d.en0, 1) == en0
    assert round(d.pet0, 2) == pet0
    assert d.alpha <= alpha and d.power >= 1 - beta


@pytest.mark.parametrize("row", CLINFUN, ids=_ids(CLINFUN))
def test_reproduces_clinfun_ph2simon_examples(row):
    p0, p1, alpha, beta, n_max, kind, r1, n1, r, n, en0, pet0, warns = row
    if warns:
        with pytest.warns(SimonSearchBoundWarning, match=r"to 109 or more \(got 100\)$"):
            d = simon_design(p0, p1, alpha, beta, kind=kind, n_max=n_max)
    else:
        d = simon_design(p0, p1, alpha, beta, kind=kind, n_max=n_max)
    assert (d.r1, d.n1, d.r, d.n) == (r1, n1, r, n)
    assert round(d.en0, 2) == en0
    assert round(d.pet0, 4) == pet0


def test_admissible_designs_match_clinfun_twostage_admissible():
    # clinfun documentation: twostage.admissible(ph2simon(0.5, 0.7, 0.05, 0.1)), printed to 7 digits.
    expected = [
        ("minimax", 14, 27, 32, 53, 36.11440, 0.6494460),
        ("admissible", 12, 23, 34, 57, 34.51987, 0.6611803),
        ("optimal", 13, 24, 36, 61, 34.01324, 0.7293719),
    ]
    got = simon_design(0.5, 0.7, 0.05, 0.1).admissible
    assert [(d.kind, d.r1, d.n1, d.r, d.n) for d in got] == [e[:5] for e in expected]
    for d, e in zip(got, expected, strict=True):
        assert math.isclose(d.en0, e[5], abs_tol=5e-6) and math.isclose(d.pet0, e[6], abs_tol=5e-8)


def test_minimax_and_optimal_share_one_admissible_list():
    opt = simon_design(0.2, 0.4, 0.05, 0.2)
    mm = simon_design(0.2, 0.4, 0.05, 0.2, kind="minimax")
    assert opt.admissible == mm.admissible
    assert opt.admissible[0] == mm and opt.admissible[-1] == opt


def test_the_bundled_protocol_design_is_built_from_its_design_section_without_a_bound_warning(protocol):
    # pytestmark turns a SimonSearchBoundWarning into an error: the bundled n_max = 100 hides nothing.
    d = simon_design_from_spec(protocol.design)
    assert d.kind == protocol.design.kind
    assert (d.p0, d.p1) == (protocol.design.p0, protocol.design.p1)
    assert d.alpha <= protocol.design.alpha and d.power >= 1 - protocol.design.beta


def test_p1_not_above_p0_is_refused():
    with pytest.raises(OncotrialError, match=r"^p1: must be above p0 \(0\.3\) \(got 0\.2\)$"):
        simon_design(0.3, 0.2, 0.05, 0.2)


def test_no_design_within_n_max_names_n_max_and_how_to_widen_it():
    expected = (
        "n_max: no two-stage design with n <= 40 meets alpha = 0.05 and beta = 0.1: the minimax design "
        "needs a larger n; set design.n_max in the protocol file (or pass n_max=) to a larger value (got 40)"
    )
    with pytest.raises(OncotrialError, match=f"^{re.escape(expected)}$"):
        simon_design(0.2, 0.3, 0.05, 0.1, n_max=40)


# p0 = 0.30, p1 = 0.45, alpha 0.05, beta 0.10: the optimal design (SIMON_1989_TABLE_2) has n = 110.
WIDE = (0.3, 0.45, 0.05, 0.1)
BOUND_WARNING = (
    "n_max: the search for the optimal design stopped at n = 100, and a larger design has a smaller "
    "EN(p0): r1/n1 = 13/40, r/n = 40/110, EN(p0) = 60.77 against 62.29 for r1/n1 = 12/39, r/n = 37/100 "
    "found within it; set design.n_max in the protocol file (or pass n_max=) to 110 or more (got 100)"
)


def test_optimal_design_beyond_the_default_bound_warns_naming_the_bound_and_the_better_design():
    with pytest.warns(SimonSearchBoundWarning) as record:
        d = simon_design(*WIDE)
    assert [str(w.message) for w in record] == [BOUND_WARNING]
    w = record[0].message
    assert (w.loc, w.value) == (("n_max",), 100)
    # What is returned is still the best design within n <= 100 (computed here, no published value).
    assert (d.r1, d.n1, d.r, d.n) == (12, 39, 37, 100)
    assert (w.beyond.kind, w.beyond.r1, w.beyond.n1, w.beyond.r, w.beyond.n) == ("optimal", 13, 40, 40, 110)
    assert w.beyond.alpha <= 0.05 and w.beyond.power >= 0.9


def test_minimax_design_does_not_depend_on_the_bound_but_still_warns_for_its_admissible_list():
    with pytest.warns(
        SimonSearchBoundWarning, match="the minimax design does not depend on the bound"
    ) as rec:
        mm = simon_design(*WIDE, kind="minimax")
    assert len(rec) == 1
    assert mm == simon_design(*WIDE, kind="minimax", n_max=120)
    assert mm.admissible[-1].n == 100  # the list ends at the bound's optimal design, hence the warning


@pytest.mark.parametrize("n_max", [110, 120])
def test_widened_bound_gives_simon_1989_table_2_optimal_design_without_warning(n_max):
    # n_max = 110: the design lies on the bound, but nothing beyond it is better, so no warning.
    d = simon_design(*WIDE, n_max=n_max)
    assert (d.kind, d.r1, d.n1, d.r, d.n) == ("optimal", 13, 40, 40, 110)
    assert d.alpha <= 0.05 and d.power >= 0.9


def test_bound_warning_fires_exactly_when_a_larger_bound_changes_the_optimal_design():
    # 0.2 / 0.4 / 0.05 / 0.2 (SIMON_1989: minimax n = 33, optimal n = 43): bounds 33 .. 45.
    unbounded = simon_design(0.2, 0.4, 0.05, 0.2)
    for n_max in range(33, 46):
        if n_max < unbounded.n:
            with pytest.warns(SimonSearchBoundWarning) as record:
                simon_design(0.2, 0.4, 0.05, 0.2, n_max=n_max)
            beyond = record[0].message.beyond
            assert (beyond.r1, beyond.n1, beyond.r, beyond.n) == (3, 13, 12, 43), n_max
            assert math.isclose(beyond.en0, unbounded.en0, rel_tol=1e-12)
        else:
            assert simon_design(0.2, 0.4, 0.05, 0.2, n_max=n_max) == unbounded


def test_unknown_kind_is_refused():
    with pytest.raises(OncotrialError, match=r"^kind: must be one of 'optimal', 'minimax'"):
        simon_design(0.2, 0.4, 0.05, 0.2, kind="admissible")


def test_design_repr_and_to_dict_are_readable():
    D = simon_design(0.2, 0.4, 0.05, 0.2)
    assert repr(D).startswith("SimonDesign(optimal: r1/n1 = 3/13, r/n = 12/43, EN(p0) = 20.58")
    d = D.to_dict()
    assert d["n"] == 43 and d["admissible"][0]["kind"] == "minimax"
    assert np.isfinite(d["power"])
