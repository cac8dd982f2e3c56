"""`exchange-twin --help` and `validate` start light: each command imports what it uses,
inside the command (docs/architecture.md). Checked by what a fresh interpreter has loaded
after the command ran — never by timing it (the `cli_start` benchmark measures that).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/sync/first-full-sync.yaml"
# The world itself (its models, its clock) and the libraries only a run needs.
NOT_FOR_READING = (
    "simulator.world.world",
    "simulator.world.clock",
    "simulator.exchange.model",
    "simulator.exchange.session",
    "simulator.intune.service",
    # the models the steps' handlers act on: imported inside the handlers
    "simulator.intune.tenant",
    "simulator.intune.access",
    "simulator.intune.package",
    "simulator.world.directory",
    "simulator.world.accounts",
    "simulator.exchange.addresses",
    "simulator.run",
    "faker",
    "simpy",
    "freezegun",
    "responses",
    "connector",
)


def modules_after(*argv: str) -> tuple[int, set[str]]:
    code = (
        "import json, sys\n"
        "from simulator.cli import main\n"
        f"code = main({list(argv)!r})\n"
        "sys.stdout.flush()\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.returncode, set(json.loads(done.stdout.strip().splitlines()[-1]))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_loads_no_layer_of_the_simulator_nor_any_library_behind_it():
    code, modules = modules_after("--help")
    assert code == 0
    assert (
        loaded(modules, NOT_FOR_READING + ("simulator.language", "pydantic", "yaml", "rich")) == []
    )


def test_validate_reads_the_scenario_without_the_world_simpy_or_faker():
    code, modules = modules_after("validate", SCENARIO)
    assert code == 0
    assert "simulator.language.schema" in modules  # it did read the scenario
    assert loaded(modules, NOT_FOR_READING) == []


def test_the_check_sees_a_command_that_builds_the_world():
    """The same check after a command that needs the world (the shell, one line) finds it:
    the test can fail."""
    code, modules = modules_after("shell", "-c", "Get-ExchangeServer")
    assert code == 0
    assert "simulator.world.world" in modules and "faker" in modules and "simpy" in modules
