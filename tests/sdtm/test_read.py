"""Reading an SDTM folder: the reference package, and the errors for missing parts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from oncotrial.errors import OncotrialError, ValidationFailed
from oncotrial.sdtm import SdtmPackage, load_sdtm, read_sdtm, write_sdtm


def test_reference_package_reads_every_domain_with_spec_types(reference_sdtm: Path) -> None:
    pkg = read_sdtm(reference_sdtm)
    assert sorted(pkg) == ["AE", "DM", "DS", "EX", "RS", "TR", "TU"]
    # sizes from tests/data/pharmaverse-recist/PROVENANCE.md and the pilot files
    assert len(pkg["DM"]) == 306 and len(pkg["TR"]) == 546 and len(pkg["RS"]) == 66
    assert pkg["TR"]["TRSTRESN"].dtype == "float64"
    assert pkg["TR"]["VISITNUM"].dtype == "float64"
    assert pkg["DM"]["RFSTDTC"].map(type).eq(str).all()
    # SAS missing text is "" (screen failures have no first dose)
    assert (pkg["DM"]["RFSTDTC"] == "").sum() > 0


def test_upper_case_file_names_are_read(reference_sdtm: Path, tmp_path: Path) -> None:
    for path in reference_sdtm.iterdir():
        shutil.copy(path, tmp_path / path.name.upper())
    pkg = read_sdtm(tmp_path)
    assert len(pkg["AE"]) == 1191


def test_missing_required_domain_names_the_file(reference_sdtm: Path, tmp_path: Path) -> None:
    for path in reference_sdtm.iterdir():
        if path.stem != "ex":
            shutil.copy(path, tmp_path / path.name)
    with pytest.raises(ValidationFailed) as err:
        read_sdtm(tmp_path)
    assert [p.loc for p in err.value.problems] == [("ex.xpt",)]
    assert "required domain EX is missing: expected ex.xpt or ex.csv" in str(err.value)


def test_missing_required_variable_names_file_and_variable(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    ae = pd.read_csv(tmp_path / "ae.csv", dtype=str).drop(columns=["AEDECOD"])
    ae.to_csv(tmp_path / "ae.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        read_sdtm(tmp_path)
    (problem,) = err.value.problems
    assert problem.loc == ("ae.csv", "AEDECOD")
    assert (
        str(problem)
        == "ae.csv.AEDECOD: required variable AEDECOD (Dictionary-Derived Term) is missing from ae.csv"
    )


def test_text_in_a_numeric_variable_names_the_row(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    ex = pd.read_csv(tmp_path / "ex.csv", dtype=str)
    ex.loc[1, "EXDOSE"] = "260 mg"
    ex.to_csv(tmp_path / "ex.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        read_sdtm(tmp_path)
    (problem,) = err.value.problems
    assert problem.loc == ("ex.csv", "EXDOSE", 1) and problem.value == "260 mg"


def test_tumour_data_needs_tu_with_tr_or_rs(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    (tmp_path / "rs.csv").unlink()
    with pytest.raises(ValidationFailed, match="no tumour data: give tu and tr"):
        read_sdtm(tmp_path)


def test_same_domain_twice_is_an_error(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    write_sdtm(small_package, tmp_path, fmt="xpt")
    with pytest.raises(ValidationFailed, match="domain AE is given twice"):
        read_sdtm(tmp_path)


def test_cp1252_csv_is_decoded(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    ae = pd.read_csv(tmp_path / "ae.csv", dtype=str, keep_default_na=False)
    ae.to_csv(tmp_path / "ae.csv", index=False, encoding="cp1252")
    assert read_sdtm(tmp_path)["AE"]["AETERM"].tolist() == ["Tiredness", "Naus\u00e9e"]


def test_not_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OncotrialError, match="not a directory with SDTM files"):
        read_sdtm(tmp_path / "nowhere")


def test_value_outside_the_controlled_terms_names_file_variable_and_row(
    small_package, tmp_path: Path
) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    ae = pd.read_csv(tmp_path / "ae.csv", dtype=str, keep_default_na=False)
    ae.loc[0, "AETOXGR"] = "Grade 2"
    ae.to_csv(tmp_path / "ae.csv", index=False)
    read_sdtm(tmp_path)  # the reader checks structure; controlled terms are the check's
    with pytest.raises(ValidationFailed) as err:
        load_sdtm(tmp_path)
    (problem,) = err.value.problems
    assert str(problem) == "ae.csv.AETOXGR[0]: not one of ['1', '2', '3', '4', '5'] (CTCAE grade)"
    assert problem.value == "Grade 2"


def test_test_code_longer_than_8_characters_is_an_error(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    rs = pd.read_csv(tmp_path / "rs.csv", dtype=str, keep_default_na=False)
    rs.loc[1, "RSTESTCD"] = "OVERALLRESP"
    rs.to_csv(tmp_path / "rs.csv", index=False)
    with pytest.raises(ValidationFailed, match=r"rs.csv.RSTESTCD\[1\]: longer than 8 characters"):
        read_sdtm(tmp_path)


def test_subject_twice_in_dm_is_an_error(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    dm = pd.read_csv(tmp_path / "dm.csv", dtype=str, keep_default_na=False)
    pd.concat([dm, dm.iloc[[0]]]).to_csv(tmp_path / "dm.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        read_sdtm(tmp_path)
    (problem,) = err.value.problems
    assert (problem.where, problem.msg, problem.value) == (
        "dm.csv.USUBJID[2]",
        "subject is in DM more than once",
        "S-001",
    )


def test_csv_with_a_byte_order_mark_is_read(small_package, tmp_path: Path) -> None:
    write_sdtm(small_package, tmp_path, fmt="csv")
    dm = pd.read_csv(tmp_path / "dm.csv", dtype=str, keep_default_na=False)
    dm.to_csv(tmp_path / "dm.csv", index=False, encoding="utf-8-sig")
    assert read_sdtm(tmp_path)["DM"].columns[0] == "STUDYID"


def test_absent_ae_reads_as_no_adverse_events(reference_sdtm: Path, tmp_path: Path) -> None:
    for path in reference_sdtm.iterdir():
        if path.stem != "ae":
            shutil.copy(path, tmp_path / path.name)
    pkg = read_sdtm(tmp_path)
    assert "AE" not in pkg
    ae = pkg.table("AE")
    assert ae.empty and {"USUBJID", "AETERM", "AETOXGR", "AESTDTC"} <= set(ae.columns)
    with pytest.raises(KeyError, match="domain EX is not in the SDTM package"):
        SdtmPackage({}).table("EX")
