"""Every observation path an expectation can name, found by walking a world's observable state.

Why walk a run instead of keeping a list: the paths are whatever `Runner.observe_root` and
the models' `observe()` return, so a list kept by hand would drift from the code the day a
field is added. `exchange-twin paths [SCENARIO]` runs a scenario (a small built-in one by
default: a connector installed, configured and through its first full sync) and prints each
path with its type and the value it had at the end, collapsing maps of like records
(devices by id, hosts by name) to one `<key>` entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.world.durations import format_time

ROOTS = ("intune", "exchange", "expected", "console", "hosts")

#: The world `paths` walks when no scenario is given: enough happens that every root has
#: its fields set (an installed, configured, synced connector; devices in both systems).
DEFAULT_SCENARIO: dict[str, Any] = {
    "name": "observation-paths",
    "summary": "A connector through its first full sync, so that every path is set.",
    "seed": 7,
    "world": {
        "directory": {
            "accounts": [
                {
                    "name": "CONTOSO\\svc-intune",
                    "password": "P@ssw0rd-svc!",
                    "role_groups": ["Organization Management"],
                }
            ]
        },
        "exchange": {
            "version": "2013 CU12",
            "servers": [{"name": "EX01", "roles": ["ClientAccess", "Mailbox"]}],
        },
        "population": {"users": 6, "devices_per_user": 1.5},
        "hosts": [{"name": "CONN01", "os": "Windows Server 2012 R2"}],
    },
    "steps": [
        {"do": "download_package"},
        {"do": "install", "host": "CONN01"},
        {
            "do": "configure",
            "exchange": {"type": "on_premises", "server": "ex01.contoso.local"},
            "account": {"user": "CONTOSO\\svc-intune", "password": "P@ssw0rd-svc!"},
        },
        {"advance": "2h"},
    ],
}

MAX_LIST_SCALARS = 3
MAX_EXAMPLE = 70


@dataclass(frozen=True)
class PathInfo:
    path: str
    type: str
    example: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "type": self.type, "example": self.example}


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        inner = sorted({_type(v) for v in value})
        return f"list[{' | '.join(inner) if inner else 'any'}]"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, datetime):
        return "time"
    return type(value).__name__


def _example(value: Any) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, list) and value and not isinstance(value[0], dict | list):
        shown = ", ".join(repr(v) for v in value[:MAX_LIST_SCALARS])
        more = f", … ({len(value)} items)" if len(value) > MAX_LIST_SCALARS else ""
        text = f"[{shown}{more}]"
    else:
        text = repr(value)
    return text if len(text) <= MAX_EXAMPLE else text[: MAX_EXAMPLE - 1] + "…"


def _like_records(value: dict[Any, Any]) -> bool:
    """A map of like records (ids or names → records with the same fields): shown once."""
    if len(value) < 2:
        return False
    shapes = {tuple(sorted(map(str, v))) if isinstance(v, dict) else None for v in value.values()}
    return len(shapes) == 1 and None not in shapes and shapes != {()}


def walk(prefix: str, value: Any, out: list[PathInfo]) -> None:
    """Append one PathInfo per leaf (and per container) under `prefix`."""
    out.append(
        PathInfo(
            prefix,
            _type(value),
            _example(value) if not isinstance(value, dict) else f"{len(value)} keys",
        )
    )
    if isinstance(value, dict):
        if _like_records(value):
            key = sorted(value, key=str)[0]
            walk(f"{prefix}.<key>", value[key], out)
            return
        for key in value:
            walk(f"{prefix}.{key}", value[key], out)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        walk(f"{prefix}.<n>", value[0], out)


def observation_paths(observe_root: Any) -> list[PathInfo]:
    """Every path under every root, given the runner's `observe_root`."""
    out: list[PathInfo] = []
    for root in ROOTS:
        walk(root, observe_root(root), out)
    return out


def paths_of_scenario(scenario: Any | None = None) -> list[PathInfo]:
    """Run `scenario` (the built-in one when None) and list the paths at its end."""
    from simulator.language.schema import Scenario
    from simulator.run.runner import Runner

    if scenario is None:
        scenario = Scenario.model_validate(DEFAULT_SCENARIO)
    runner = Runner(scenario)
    runner.run()
    return observation_paths(runner.observe_root)
