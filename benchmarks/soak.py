"""30 simulated days of a 10,000-device organisation (≤ 30 s wall: ≥ 86,400× real time).

The scenario: the connector downloaded, installed and configured, then 30 days with its
default schedule (command polling every 5 minutes, heartbeat every 15, quick sync every 2
hours, full sync daily), the device fleet's default life (syncs, new partnerships, devices
going offline and stale) and one fault a day, cycling through kinds that hit each port:
Intune unreachable, Exchange down, latency, throttling, a DNS failure, the service account
locked, a service restart. Measured: the whole run (`Runner(...).run()`, world included).

Floor: as many plain loop iterations as the fleet had events (device syncs, new
partnerships, devices going offline or stale), each updating one device's row.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import SERVICE_ACCOUNT, SETUP_STEPS, Record, organisation, progress, timed
from simulator.run.runner import Runner

SIZES = {"full": (6_667, 30), "tiny": (100, 1)}  # users (1.5 devices each), days
_FAULTS: list[dict[str, Any]] = [
    {"kind": "intune_unreachable"},
    {"kind": "exchange_down", "server": "EX01"},
    {"kind": "latency", "seconds": 2.0},
    {"kind": "throttling", "max_cmdlets": 5, "period": 60.0},
    {"kind": "dns_failure", "name": "ex01.contoso.local"},
    {"kind": "account_locked", "account": SERVICE_ACCOUNT},
    {"kind": "service_restart", "host": "CONN01"},
]


def faults(days: int) -> list[dict[str, Any]]:
    """One fault a day, an hour long, at an hour that moves through the day."""
    out = []
    for day in range(days):
        fault = dict(_FAULTS[day % len(_FAULTS)])
        hour = 2 + (5 + 7 * day) % 20
        fault["at"] = f"{day}d{hour}h"
        if fault["kind"] != "service_restart":  # an instant event: no end
            fault["until"] = f"{day}d{hour + 1}h"
        out.append(fault)
    return out


def floor(events: int, devices: int) -> float:
    """Wall seconds of `events` plain loop iterations over `devices` rows."""
    rows = [[0.0, 0] for _ in range(devices)]

    def loop() -> None:
        n = len(rows)
        for i in range(events):
            row = rows[i % n]
            row[0] = float(i)
            row[1] += 1

    return timed(loop)[1]


def run(size: str) -> list[Record]:
    users, days = SIZES[size]
    scenario = organisation(
        "bench-soak",
        users,
        faults=faults(days),
        steps=[*SETUP_STEPS, {"advance": f"{days}d"}],
    )
    progress(f"twin: {days} days of {users} users, one fault a day")

    def soak() -> tuple[Runner, Any]:
        runner = Runner(scenario)
        return runner, runner.run()

    (runner, result), seconds = timed(soak)
    if not result.passed:
        raise RuntimeError(f"the soak scenario failed: {result.failures}")
    fleet = runner.world.fleet
    assert fleet is not None
    events = sum(fleet.stats.values())
    progress(f"{events} fleet events, {result.events} trace events in {seconds:.2f} s")
    floor_seconds = floor(events, len(fleet.devices))
    return [Record("soak.time", seconds, "s", 30.0, floor_seconds)]
