"""Observation paths: the run's state as expectations read it (`hosts.CONN01.connector.
last_sync.devices`, `intune.inventory.count`...). The world's models observe themselves
(`observe()`); the connector's side is `HostConnector.observe()` (simulator/run/connector.py), so this
module knows only the world.
"""

from __future__ import annotations

from typing import Any

from simulator.run.connector import HostConnector
from simulator.world.world import World


def observe_root(world: World, connectors: dict[str, HostConnector], root: str) -> Any:
    """The observable state under one root (`intune`, `exchange`, `expected`, `console`,
    `hosts`): what expectations' paths read."""
    if root == "intune":
        return world.intune.observe()
    if root == "exchange":
        return world.observe_exchange()
    if root == "expected":
        return world.expected()
    if root == "console":
        return {
            "exchange_connection": world.console.exchange_connection(),
            "exchange_connections": world.console.exchange_connections(),
        }
    if root == "hosts":
        return {name: _observe_host(world, connectors, name) for name in world.hosts}
    raise KeyError(f"unknown root {root!r}; roots: intune, exchange, expected, console, hosts")


def _observe_host(world: World, connectors: dict[str, HostConnector], name: str) -> dict[str, Any]:
    host = world.hosts[name]
    rt = connectors.get(name)
    out: dict[str, Any] = {
        "services": {s.name: s.state for s in host.services.values()},
        "events": [e.event_id for e in host.event_log],
    }
    if rt is not None:
        out["connector"] = rt.observe()
    return out


def observe(world: World, connectors: dict[str, HostConnector], path: str) -> Any:
    """The value at a dotted path (keys case-insensitive, list items by index); `KeyError`
    naming what is there instead when the path leads nowhere."""
    parts = path.split(".")
    value = observe_root(world, connectors, parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if isinstance(value, dict):
            if part in value:
                value = value[part]
                continue
            lowered = {str(k).lower(): k for k in value}
            if part.lower() in lowered:
                value = value[lowered[part.lower()]]
                continue
            raise KeyError(
                f"{'.'.join(parts[:i])} has no {part!r} (it has: {', '.join(map(str, value)) or 'nothing'})"
            )
        if isinstance(value, list) and part.lstrip("-").isdigit():
            if not -len(value) <= int(part) < len(value):
                raise KeyError(
                    f"{'.'.join(parts[:i])} has {len(value)} items; there is no item {part}"
                )
            value = value[int(part)]
            continue
        if value is None:
            raise KeyError(f"{'.'.join(parts[:i])} is not set")
        raise KeyError(f"{'.'.join(parts[:i])} is a {type(value).__name__}, it has no {part!r}")
    return value
