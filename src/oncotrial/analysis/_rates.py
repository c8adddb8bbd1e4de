"""Response rates (ORR, DCR) and the best-overall-response distribution from ADSL + ADRS."""

from __future__ import annotations

import pandas as pd

from oncotrial.analysis._datasets import population_ids, require_columns
from oncotrial.analysis._disposition import count_rows
from oncotrial.analysis._results import BorDistribution, Estimate, RateResult
from oncotrial.protocol import Endpoint, Protocol
from oncotrial.stats import binomial_ci, binomial_test

__all__ = [
    "BOR_ORDER",
    "CI_METHOD",
    "NOT_ASSESSED",
    "best_response",
    "compute_bor_distribution",
    "compute_rate",
]

#: Display order of RECIST 1.1 best overall responses.
BOR_ORDER = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
#: Category of a patient in the population with no best overall response recorded.
NOT_ASSESSED = "NOT ASSESSED"
#: Exact interval for response rates (the protocol's stated method for rates).
CI_METHOD = "clopper-pearson"


def best_response(adrs: pd.DataFrame, subjects: pd.Index, *, confirmed: bool) -> pd.Series:
    """Each subject's best overall response (``CBOR`` or ``BOR`` parameter of ADRS).

    Subjects without a record get :data:`NOT_ASSESSED`; the result is indexed by USUBJID.
    """
    require_columns(adrs, "ADRS", ["USUBJID", "PARAMCD", "AVALC"])
    paramcd = "CBOR" if confirmed else "BOR"
    rows = adrs[adrs["PARAMCD"].astype(str).eq(paramcd)]
    rows = rows.assign(USUBJID=rows["USUBJID"].astype(str)).drop_duplicates("USUBJID", keep="last")
    bor = rows.set_index("USUBJID")["AVALC"].astype("string").str.strip().str.upper()
    out = pd.Series(NOT_ASSESSED, index=pd.Index(subjects, name="USUBJID"), dtype="object")
    known = bor[bor.notna() & (bor != "") & (bor != "MISSING")]
    common = out.index.intersection(known.index)
    out.loc[common] = known.loc[common].astype(str)
    return out


def compute_rate(
    adrs: pd.DataFrame, *, adsl: pd.DataFrame, endpoint: Endpoint, protocol: Protocol, test_p0: bool = False
) -> RateResult:
    """A response-rate endpoint: responders over the endpoint's population, exact CI.

    Parameters
    ----------
    adrs : DataFrame
        ADRS with the per-subject ``CBOR`` (confirmed) and ``BOR`` parameters.
    adsl : DataFrame
        ADSL with the population flags.
    endpoint : Endpoint
        A ``response_rate`` endpoint of the protocol: its population, its responses and
        whether they must be confirmed.
    protocol : Protocol
        Supplies the population's ADSL flag, the confidence level and p0.
    test_p0 : bool
        Add the one-sided exact binomial test of H0: p <= p0 (the design's p0).

    Returns
    -------
    RateResult
        Every patient of the population is in the denominator; a patient without a best
        response is a non-responder. Clopper-Pearson interval (Clopper & Pearson 1934).
    """
    pop = protocol.population(endpoint.population)
    subjects = population_ids(adsl, pop.flag)
    bor = best_response(adrs, subjects, confirmed=endpoint.confirmed)
    n = len(bor)
    x = int(bor.isin(endpoint.responses).sum())
    level = protocol.analysis.conf_level
    if n:
        low, high = binomial_ci(x, n, level=level, method=CI_METHOD)
        rate = Estimate(x / n, low, high)
    else:
        rate = Estimate(None, None, None)
    p0 = protocol.design.p0 if test_p0 else None
    p_value = binomial_test(x, n, p0, alternative="greater") if (test_p0 and n) else None
    return RateResult(
        code=endpoint.code,
        name=endpoint.name,
        population=pop.code,
        responses=tuple(endpoint.responses),
        confirmed=endpoint.confirmed,
        n=n,
        x=x,
        rate=rate,
        conf_level=level,
        ci_method=CI_METHOD,
        p0=p0,
        p_value=p_value,
        test="one-sided exact binomial test, H1: p > p0" if test_p0 else None,
    )


def compute_bor_distribution(
    adrs: pd.DataFrame, *, adsl: pd.DataFrame, protocol: Protocol
) -> BorDistribution:
    """Best overall response counts in the primary endpoint's population."""
    primary = protocol.primary_endpoint
    pop = protocol.population(primary.population)
    subjects = population_ids(adsl, pop.flag)
    bor = best_response(adrs, subjects, confirmed=primary.confirmed)
    rows = count_rows(pd.Series(bor.values, dtype="object"), len(bor), [*BOR_ORDER, NOT_ASSESSED])
    return BorDistribution(population=pop.code, n=len(bor), confirmed=primary.confirmed, rows=rows)
