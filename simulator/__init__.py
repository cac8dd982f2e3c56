"""The world around the connector: Exchange, Active Directory, hosts, network and Intune,
all on one simulated clock, plus the scenario language and its runner.

Layers (docs/architecture.md): `world/` < `language/` < `run/` < `reports/` < `cli/`,
`plugin/`. The names below are loaded on first use, so that importing `simulator` (as every
`exchange-twin` command does) costs nothing until a command needs them.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up

if TYPE_CHECKING:
    from typing import Any

    from simulator.language.loader import ScenarioError, load_scenario
    from simulator.language.schema import Scenario
    from simulator.run.batch import run_many, run_scenario
    from simulator.run.results import RunResult

_LAZY = {
    "RunResult": "simulator.run.results",
    "run_many": "simulator.run.batch",
    "run_scenario": "simulator.run.batch",
    "Scenario": "simulator.language.schema",
    "ScenarioError": "simulator.language.loader",
    "load_scenario": "simulator.language.loader",
}

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run_many", "run_scenario"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
