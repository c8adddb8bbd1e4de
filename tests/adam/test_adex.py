"""ADEX: cycles per drug and relative dose intensity against the protocol dose and cycle."""

from __future__ import annotations

import pytest

from oncotrial.adam import build_adex, build_adsl
from oncotrial.protocol import Protocol


def test_cycles_cumulative_dose_and_rdi_per_drug(make_sdtm, protocol: Protocol) -> None:
    nabp = protocol.regimen.drug("NABP")  # 260 mg/m2 on day 1 of a 21-day cycle
    doses = [("NABP", "2024-01-01", 260), ("NABP", "2024-01-22", 260), ("NABP", "2024-02-19", 220)]
    doses += [("PD1", "2024-01-01", 200), ("PD1", "2024-01-22", 200)]
    sdtm = make_sdtm([{"id": "S-1", "entry": "2024-01-01", "doses": doses}])
    adex = build_adex(sdtm["EX"], dataset_adsl=build_adsl(sdtm, protocol), protocol=protocol)
    got = adex.set_index(["PARCAT1", "PARAMCD"])["AVAL"]
    assert got[("NABP", "NCYCLES")] == 3 and got[("PD1", "NCYCLES")] == 2
    assert got[("NABP", "CUMDOSE")] == 740
    # time on nab-paclitaxel: 2024-01-01 .. 2024-02-19 is 49 days, + one 21-day cycle = 70 days = 10/3 cycles
    cycles = 70 / protocol.regimen.cycle_length.days
    assert got[("NABP", "RDI")] == pytest.approx(100 * (740 / cycles) / nabp.dose)
    # anti-PD-1 every 21 days on schedule: RDI 100 %
    assert got[("PD1", "RDI")] == pytest.approx(100.0)
    assert set(adex["AVALU"]) == {"CYCLES", "mg/m2", "mg", "%"}
