"""What a results file was computed from: content hashes of the inputs and the protocol."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

from oncotrial import __version__
from oncotrial.analysis._results import Provenance
from oncotrial.protocol import LoadedProtocol

__all__ = ["collect_provenance", "hash_inputs", "input_files"]


def input_files(root: str | Path) -> list[Path]:
    """The regular files under ``root`` (a folder or one file), sorted by relative path."""
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def hash_inputs(
    files: Iterable[Path], *, root: str | Path | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """SHA-256 over the files' bytes in sorted order, and each file's own SHA-256.

    The combined hash reads the files' contents one after the other, sorted by their
    path relative to ``root``; it does not depend on where the folder lives. The list of
    ``(name, sha256)`` pairs also pins the names, so a renamed file is visible there.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "dm.csv").write_text("USUBJID\\n1\\n")
    ...     total, files = hash_inputs(input_files(d), root=d)
    >>> files[0][0], len(total)
    ('dm.csv', 64)
    """
    root_path = Path(root) if root is not None else None
    combined = hashlib.sha256()
    listing = []
    for path in sorted(files, key=lambda p: _name(p, root_path)):
        data = path.read_bytes()
        combined.update(data)
        listing.append((_name(path, root_path), hashlib.sha256(data).hexdigest()))
    return combined.hexdigest(), listing


def _name(path: Path, root: Path | None) -> str:
    if root is not None and root.is_dir():
        return path.relative_to(root).as_posix()
    return path.name


def collect_provenance(inputs: str | Path, loaded: LoadedProtocol) -> Provenance:
    """Provenance of a run on the SDTM folder ``inputs`` with the protocol ``loaded``."""
    total, listing = hash_inputs(input_files(inputs), root=inputs)
    return Provenance(
        package_version=__version__,
        protocol_path=str(loaded.path),
        protocol_sha256=loaded.sha256,
        inputs_sha256=total,
        input_files=tuple(listing),
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )
