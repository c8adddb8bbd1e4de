"""Content hashes of the inputs."""

from __future__ import annotations

import hashlib

from oncotrial.analysis import collect_provenance, hash_inputs, input_files
from oncotrial.protocol import read_protocol


def _folder(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_hash_lists_each_file_with_its_own_sha256(tmp_path):
    root = _folder(tmp_path, {"tu.csv": "b", "dm.csv": "a"})
    total, files = hash_inputs(input_files(root), root=root)
    assert files == [
        ("dm.csv", hashlib.sha256(b"a").hexdigest()),
        ("tu.csv", hashlib.sha256(b"b").hexdigest()),
    ]
    assert total == hashlib.sha256(b"ab").hexdigest()  # contents in sorted-name order


def test_hash_changes_with_content_but_not_location(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _folder(tmp_path / "a", {"dm.csv": "x"})
    b = _folder(tmp_path / "b", {"dm.csv": "x"})
    same_a, _ = hash_inputs(input_files(a), root=a)
    same_b, _ = hash_inputs(input_files(b), root=b)
    assert same_a == same_b
    (b / "dm.csv").write_text("y")
    assert hash_inputs(input_files(b), root=b)[0] != same_a


def test_renamed_file_shows_in_the_file_list(tmp_path):
    root = _folder(tmp_path, {"dm.csv": "x"})
    before = hash_inputs(input_files(root), root=root)[1]
    (root / "dm.csv").rename(root / "ds.csv")
    after = hash_inputs(input_files(root), root=root)[1]
    assert before[0][1] == after[0][1] and before[0][0] != after[0][0]


def test_provenance_records_protocol_sha_and_package_version(tmp_path):
    from oncotrial import __version__

    root = _folder(tmp_path, {"dm.csv": "a"})
    loaded = read_protocol()
    prov = collect_provenance(root, loaded)
    assert prov.protocol_sha256 == hashlib.sha256(loaded.path.read_bytes()).hexdigest()
    assert prov.package_version == __version__
    assert prov.input_files[0][0] == "dm.csv"
