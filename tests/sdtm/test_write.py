"""Writing SDTM: transport v5 files that read back to the same tables, and the v5 limits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.sdtm import SdtmPackage, read_sdtm, write_sdtm


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_hand_built_package_round_trips(small_package: SdtmPackage, tmp_path: Path, fmt: str) -> None:
    write_sdtm(small_package, tmp_path, fmt=fmt)
    back = read_sdtm(tmp_path)
    for name, frame in small_package.items():
        # text is read back as str objects (the package's shape) whatever pandas' default text dtype
        text = {c: object for c in frame.columns if pd.api.types.is_string_dtype(frame[c])}
        pd.testing.assert_frame_equal(back[name], frame.astype(text), check_dtype=True)


def test_reference_package_round_trips_through_xpt(reference_sdtm: Path, tmp_path: Path) -> None:
    original = read_sdtm(reference_sdtm)
    write_sdtm(original, tmp_path, fmt="xpt")
    back = read_sdtm(tmp_path)
    for name in original:
        pd.testing.assert_frame_equal(back[name], original[name])


def test_xpt_is_version_5_with_labels(small_package: SdtmPackage, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="xpt")
    head = (tmp_path / "dm.xpt").read_bytes()[:80]
    assert head.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")
    _, meta = pyreadstat.read_xport(str(tmp_path / "dm.xpt"))
    assert meta.table_name == "DM"
    assert meta.file_label == "Demographics"
    assert meta.column_names_to_labels["RFSTDTC"] == "Subject Reference Start Date/Time"


def test_text_longer_than_200_bytes_is_refused(small_package: SdtmPackage, tmp_path: Path) -> None:
    ae = small_package["AE"].copy()
    ae.loc[1, "AETERM"] = "x" * 201
    with pytest.raises(ValidationFailed) as err:
        write_sdtm(SdtmPackage({"AE": ae}), tmp_path)
    (problem,) = err.value.problems
    assert problem.loc == ("AE", "AETERM", 1)
    assert problem.msg == "character value longer than 200 bytes (201)"
    assert not (tmp_path / "ae.xpt").exists()


def test_text_longer_than_200_bytes_in_a_string_dtype_column_is_refused(
    small_package: SdtmPackage, tmp_path: Path
) -> None:
    ae = small_package["AE"].assign(AENOTE=pd.Series(["ok", "y" * 250], dtype="string"))
    with pytest.raises(ValidationFailed) as err:
        write_sdtm(SdtmPackage({"AE": ae}), tmp_path)
    (problem,) = err.value.problems
    assert problem.loc == ("AE", "AENOTE", 1)
    assert problem.msg == "character value longer than 200 bytes (250)"


def test_long_variable_name_is_refused(small_package: SdtmPackage, tmp_path: Path) -> None:
    dm = small_package["DM"].assign(TOOLONGNAME="a")
    with pytest.raises(
        ValidationFailed, match=r"DM\.TOOLONGNAME: variable name must be at most 8 characters"
    ):
        write_sdtm(SdtmPackage({"DM": dm}), tmp_path)


def test_unknown_format_is_refused(small_package: SdtmPackage, tmp_path: Path) -> None:
    with pytest.raises(OncotrialError, match="expected 'xpt' or 'csv'"):
        write_sdtm(small_package, tmp_path, fmt="sas7bdat")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_empty_domain_round_trips_with_its_variables(tmp_path: Path, fmt: str) -> None:
    ae = pd.DataFrame(columns=["STUDYID", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AESTDTC"])
    write_sdtm(SdtmPackage({"AE": ae}), tmp_path, fmt=fmt)
    files = list(tmp_path.iterdir())
    assert [p.name for p in files] == [f"ae.{fmt}"]
    from oncotrial.sdtm._read import _read_csv
    from oncotrial.sdtm._xport import read_xpt

    back = read_xpt(files[0])[0] if fmt == "xpt" else _read_csv(files[0], None)
    assert list(back.columns) == list(ae.columns) and back.empty
