"""Scenario files for the report tests, written from `tests.conftest.BASE` with small changes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import BASE


def scenario_dict(name: str, **overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["name"] = name
    data["world"]["population"] = {"users": 4, "devices_per_user": 1.5}
    data.update(copy.deepcopy(overrides))
    return data


def write_scenario(folder: Path, name: str, **overrides: Any) -> Path:
    """`folder/<name>.yaml` holding BASE with `overrides`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(name, **overrides), sort_keys=False))
    return path


def suite(folder: Path) -> list[Path]:
    """Three small scenarios with distinct tags, one of which fails an expectation."""
    return [
        write_scenario(
            folder / "sync",
            "alpha-sync",
            tags=["sync", "smoke"],
            expect=[{"path": "intune.exchange_connection.status", "equals": "connected"}],
        ),
        write_scenario(
            folder / "sync",
            "beta-sync",
            tags=["sync"],
            seed=11,
            expect=[{"path": "intune.inventory.count", "at_least": 1}],
        ),
        write_scenario(
            folder / "proxy",
            "gamma-proxy",
            tags=["proxy"],
            expect=[{"path": "intune.exchange_connection.status", "equals": "disconnected"}],
        ),
    ]
