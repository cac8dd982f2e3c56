"""Shared helpers: small scenarios built in code, so each test states only what it varies."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.language.loader import parse_scenario
from simulator.language.schema import Scenario
from simulator.plugin.twin import DEFAULT_SCENARIO

ROOT = Path(__file__).resolve().parent.parent
SVC = {"user": "CONTOSO\\svc-intune", "password": "P@ssw0rd-svc!"}

BASE: dict[str, Any] = {
    "name": "test",
    "seed": 7,
    # the pytest plugin's default world (one of everything), with a few more users
    "world": {
        **copy.deepcopy(DEFAULT_SCENARIO["world"]),
        "population": {"users": 12, "devices_per_user": 1.5},
    },
    "steps": [
        {"do": "download_package"},
        {"do": "install", "host": "CONN01"},
        {
            "do": "configure",
            "host": "CONN01",
            "exchange": {"server": "ex01.contoso.local"},
            "account": SVC,
        },
        {"advance": "1h"},
    ],
    "expect": [],
}


def make_scenario(**overrides: Any) -> Scenario:
    """BASE with top-level keys replaced (deep-copied so tests never share state)."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(overrides))
    return parse_scenario(yaml.safe_dump(data), "test.yaml")


@pytest.fixture
def first_full_sync() -> Path:
    return ROOT / "scenarios" / "sync" / "first-full-sync.yaml"
