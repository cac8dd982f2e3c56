"""The dependency rule: the connector knows only its ports, never the simulator."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        out[str(path.relative_to(ROOT))] = names
    return out


def test_connector_source_never_imports_simulator():
    offenders = {
        f: sorted(n for n in names if n.split(".")[0] == "simulator")
        for f, names in imported_modules(ROOT / "connector").items()
    }
    assert {f: n for f, n in offenders.items() if n} == {}


def test_importing_every_connector_module_loads_no_simulator_module():
    modules = sorted(
        "connector." + p.stem for p in (ROOT / "connector").glob("*.py") if p.stem != "__init__"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m == 'simulator' or m.startswith('simulator.')]\n"
        "print(','.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_the_adapters_and_the_runner_import_the_connector():
    """DESIGN: the adapters (ports over the world) and the runner (drives the product: its
    service on the clock, and setup, wizard and configuration for the connector's steps) are
    the only modules that know both sides; world models and steps stay connector-free."""
    allowed = {"simulator/adapters.py", "simulator/runner.py"}
    offenders = {
        f
        for f, names in imported_modules(ROOT / "simulator").items()
        if any(n.split(".")[0] == "connector" for n in names) and f not in allowed
    }
    assert offenders == set()
