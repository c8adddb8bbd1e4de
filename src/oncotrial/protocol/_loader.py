"""Load a protocol file into a :class:`Protocol`, or say exactly what is wrong with it.

TOML was chosen over YAML for protocol files: it is in the standard library
(``tomllib``), it has dates and no implicit typing surprises (YAML reads ``NO`` as
false and ``1.10`` as a float), it allows comments, and indentation carries no meaning,
so a protocol can be edited safely by people who are not programmers.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from oncotrial.errors import Problem, ValidationFailed
from oncotrial.protocol.model import Protocol, Source, SourceKind

__all__ = [
    "DEFAULT_PROTOCOL",
    "LoadedProtocol",
    "ProtocolError",
    "default_protocol_path",
    "load_protocol",
    "read_protocol",
]

DEFAULT_PROTOCOL = "pd1-nab-paclitaxel-cervical.toml"
REGISTRATION_FILE = "registration.txt"


class ProtocolError(ValidationFailed):
    """A protocol file that cannot be used; one :class:`Problem` per defect."""


@dataclass(frozen=True)
class LoadedProtocol:
    """A validated protocol with the file it came from and that file's SHA-256."""

    protocol: Protocol
    path: Path
    sha256: str


def default_protocol_path() -> Path:
    """The bundled seed trial's protocol file."""
    return Path(str(resources.files("oncotrial.protocol") / "data" / DEFAULT_PROTOCOL))


def read_protocol(path: str | Path | None = None) -> LoadedProtocol:
    """Read and validate a protocol file (the bundled default when ``path`` is None).

    Raises :class:`ProtocolError` listing every problem with its field path.
    """
    path = Path(path) if path is not None else default_protocol_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProtocolError([Problem((), f"cannot read file: {exc.strerror}", "io")], str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProtocolError([Problem((), f"not UTF-8 text: {exc.reason}", "encoding")], str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError([Problem((), f"not valid TOML: {exc}", "toml")], str(path)) from None
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(_problems_from(exc), str(path)) from None
    problems = _check_quotations(protocol, path.parent / REGISTRATION_FILE)
    if problems:
        raise ProtocolError(problems, str(path))
    return LoadedProtocol(protocol, path, hashlib.sha256(raw).hexdigest())


def load_protocol(path: str | Path | None = None) -> Protocol:
    """The validated :class:`Protocol` of a file (the bundled default when ``path`` is None).

    >>> load_protocol().regimen.drug("NABP").max_cycles
    6
    """
    return read_protocol(path).protocol


def _problems_from(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling; extra fields are not allowed)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] in ("enum", "literal_error"):
            msg = f"{msg}, got {err.get('input')!r}"
        problems.append(Problem(tuple(err["loc"]), msg, err["type"], err.get("input")))
    return problems


def _check_quotations(protocol: Protocol, registration: Path) -> list[Problem]:
    """Every 'registration' source must quote the registration text verbatim."""
    if not registration.exists():
        return []
    text = " ".join(registration.read_text(encoding="utf-8").split())
    problems = []

    def walk(obj: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(obj, Source):
            if obj.kind is SourceKind.REGISTRATION and " ".join(obj.text.split()) not in text:
                problems.append(
                    Problem(
                        (*loc, "text"),
                        f"quotation not found in {registration.name}: {obj.text!r}",
                        "quotation",
                    )
                )
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name), (*loc, name))
        elif isinstance(obj, dict):
            for key, value in obj.items():
                walk(value, (*loc, key))
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                walk(item, (*loc, i))

    walk(protocol, ())
    return problems
