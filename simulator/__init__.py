"""The world around the connector: Exchange, Active Directory, hosts, network and Intune,
all on one simulated clock, plus the scenario language and its runner.

Layers (docs/architecture.md): `world/` < `language/` < `run/` < `reports/` < `cli/`,
`plugin/`. The names below are loaded on first use, so that importing `simulator` (as every
`exchange-twin` command does) costs nothing until a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.language.schema import Scenario, ScenarioError, load_scenario
    from simulator.run.runner import RunResult, run_many, run_scenario

_LAZY = {
    "RunResult": "simulator.run.runner",
    "run_many": "simulator.run.runner",
    "run_scenario": "simulator.run.runner",
    "Scenario": "simulator.language.schema",
    "ScenarioError": "simulator.language.schema",
    "load_scenario": "simulator.language.schema",
}

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run_many", "run_scenario"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
