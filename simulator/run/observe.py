"""Observation paths: the run's state as expectations read it (`hosts.CONN01.connector.
last_sync.devices`, `intune.inventory.count`...). The world's models observe themselves
(`observe()`); the connector's side is read here from its host, its log and its findings —
so, with the runner and the adapters, this module knows both sides.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from connector.errors import Finding
from connector.install import lingering_certificate
from connector.log import ConnectorLog
from simulator.run.connector import HostConnector
from simulator.world.durations import format_time
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
        svc = rt.service
        records = ConnectorLog(rt.platform).records()
        out["connector"] = {
            "installed": rt.platform.service_state("WIEC") is not None,
            "service_state": rt.platform.service_state("WIEC"),
            "configured": svc is not None and svc.config is not None,
            "retired": svc.retired if svc else None,
            "last_error": rt.last_error,
            "last_sync": None
            if svc is None or svc.last_result is None
            else {
                "type": svc.last_result.sync_type,
                "devices": svc.last_result.devices,
                "users": svc.last_result.users,
                "started": format_time(svc.last_result.started),
                "finished": format_time(svc.last_result.finished),
                # simulated seconds the job took: what parallel runspaces shorten
                "duration": (svc.last_result.finished - svc.last_result.started).total_seconds(),
            },
            "log": {
                "records": len(records),
                "errors": sum(1 for r in records if r["level"] == "Error"),
                "events": dict(sorted(Counter(str(r["event"]) for r in records).items())),
                "codes": dict(
                    sorted(Counter(str(r["code"]) for r in records if r.get("code")).items())
                ),
                "error_messages": [r["message"] for r in records if r["level"] == "Error"],
            },
            "findings": [
                {
                    "requirement": f.requirement,
                    "title": f.title,
                    "severity": f.severity,
                    "found": f.found,
                    "needed": f.needed,
                }
                for f in rt.findings
            ],
            "blockers": _requirements(rt.findings, "blocker"),
            "warnings": _requirements(rt.findings, "warning"),
            "checked": sorted({f.requirement for f in rt.findings}, key=_spec_order),
            "security_findings": [
                f.describe() for f in (lingering_certificate(rt.platform),) if f is not None
            ],
        }
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


def _spec_order(requirement: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", requirement)]


def _requirements(findings: list[Finding], severity: str) -> list[str]:
    return sorted({f.requirement for f in findings if f.severity == severity}, key=_spec_order)
