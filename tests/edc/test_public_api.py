"""The EDC's users outside ``edc/`` (the web pages, the app, the simulated cohort) use its public names."""

from __future__ import annotations

import ast
from pathlib import Path

import oncotrial
import oncotrial.edc

SRC = Path(oncotrial.__file__).parent
CALLERS = [*sorted((SRC / "web").glob("*.py")), SRC / "app.py", SRC / "simulate" / "_edc.py"]


def _private_edc_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["oncotrial", "edc"] and any(p.startswith("_") for p in parts[2:]):
                found.append(node.module)
            if node.module == "oncotrial.edc":
                found += [f"oncotrial.edc.{a.name}" for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("oncotrial.edc._")]
    return found


def test_no_module_outside_the_edc_imports_a_private_edc_module():
    offenders = {str(p.relative_to(SRC)): _private_edc_imports(p) for p in CALLERS}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_name_the_callers_import_from_the_edc_is_in_its_all():
    names = set()
    for path in CALLERS:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "oncotrial.edc":
                names |= {a.name for a in node.names}
    assert names and names <= set(oncotrial.edc.__all__)
