"""Partial ISO 8601 dates."""

from __future__ import annotations

import pandas as pd
import pytest

from oncotrial.errors import ValidationFailed
from oncotrial.recist._dates import parse_dates


def test_dates_with_time_keep_the_day():
    d, f = parse_dates(pd.Series(["2014-02-11T10:30"]), ("TR", "TRDTC"))
    assert (str(d.iloc[0].date()), f.iloc[0]) == ("2014-02-11", "")


def test_several_bad_dates_are_each_named():
    with pytest.raises(ValidationFailed) as err:
        parse_dates(pd.Series(["2014-02-30", "soon", "2014-02-01"]), ("RS", "RSDTC"))
    assert [p.value for p in err.value.problems] == ["2014-02-30", "soon"]
    assert err.value.problems[0].where == "RS.RSDTC"
