"""What a snapshot holds of a run between two steps: the state text, its hash and a summary.

Captured from the runner at a step boundary (simulator/run/runner.py calls `between_steps`
there): the steps' process is the one running, every other process waits at a simpy event
and no job is half done in Python, so the world is consistent. The roots are the world (its
clock and simpy queue, fault timeline, directory, network, hosts with their
files — the connector's stored configuration and state among them —, the Exchange
organisations and their fleets, Intune, every seeded generator), the connectors' in-memory
services, and the runner's bookkeeping of the steps (the step that failed first, the last
sample). The trace and the expectations' results are the run's record, not the world's state:
they are summarised in the header instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.intune.tenant import Tenant
from simulator.run.runner import _Late as Late  # a timed expectation's check (run record)
from simulator.run.snapshot.encode import Encoder, redact_text
from simulator.world.accounts import directory_changes
from simulator.world.trace import Trace

if TYPE_CHECKING:
    from simulator.run.runner import Runner


@dataclass(frozen=True)
class Captured:
    """The state at one step boundary, as the snapshot file holds it."""

    steps_applied: int
    seconds: float
    time: str
    state_text: str
    summary: dict[str, Any]


def _trace(trace: Trace) -> dict[str, Any]:
    """The trace is the run's record, not the world's state: the resumed run writes it again
    (its length and hash are in the summary), a fork with other expectations records other
    checks before the snapshot without the world being any different, and its registered
    secrets must not be written."""
    return {"$trace": "the run's record (summary: trace_events, trace_sha256)"}


def _synced_from(stamp: Any) -> Any:
    """Intune's note of what its last directory synchronisation read: the directory and the
    process-wide count of directory changes then (world/accounts.py). The count's absolute
    value depends on what else the process built before, so it is written as the number of
    changes since, which is what the next cycle compares."""
    if stamp is None:
        return None
    return {"changes_since": directory_changes() - stamp[1]}


def capture(runner: Runner, steps_applied: int) -> Captured:
    """The runner's world and bookkeeping now, encoded, redacted and summarised."""
    world = runner.world
    roots = {
        "world": world,
        "connectors": runner.connectors,
        # the steps' bookkeeping; the expectations' (checked, failures) is the run's record,
        # like the trace: a fork may replace the expectations
        "run": {
            "steps_applied": steps_applied,
            "failed_step": runner.failed_step,
            "step_failed": runner.step_failed,
            "last_sample": runner._last_sample,
        },
    }
    encoder = Encoder({Trace: _trace}, {(Tenant, "_synced_from"): _synced_from})
    encoder.skip_events = (Late,)
    state = encoder.encode(roots)
    text = json.dumps(state, separators=(",", ":"))
    text = redact_text(text, set(world.trace.secret_values()))
    return Captured(
        steps_applied=steps_applied,
        seconds=world.clock.seconds,
        time=world.clock.iso(),
        state_text=text,
        summary=_summary(runner, state, steps_applied),
    )


def _summary(runner: Runner, state: dict[str, Any], steps_applied: int) -> dict[str, Any]:
    """What `snapshot show` prints first: the run's position and the world in a few numbers,
    read through the same public calls the runner's samples make (none of them changes
    anything), then the count of objects per class."""
    world = runner.world
    conn = world.intune.exchange_connection()
    now = world.clock.now()
    steps = runner.scenario.steps
    return {
        "time": world.clock.iso(),
        "steps_applied": steps_applied,
        "next_step": _describe(steps[steps_applied]) if steps_applied < len(steps) else None,
        "exchange_devices": world.org.device_count(),
        "intune_devices": len(world.intune.inventory),
        "connection": conn.status_at(now) if conn is not None else None,
        "hosts": sorted(world.hosts),
        "connectors": {
            name: {
                "service": (runner._last_sample or {}).get("connectors", {}).get(name),
                "last_error": rt.last_error,
            }
            for name, rt in sorted(runner.connectors.items())
        },
        "faults_active": sorted(
            f.kind for f in world.faults.faults if f.start <= world.clock.seconds < (f.end or 1e300)
        ),
        "failures": len(runner.failures),
        "trace_events": len(world.trace.events),
        "trace_sha256": world.trace.sha256(),
        "objects": {name: len(t["rows"]) for name, t in sorted(state["objects"].items())},
        "not_captured": state["foreign"],
    }


def _describe(step: Any) -> str:
    """A step in a word or two: its action, or the clock step."""
    for clock in ("advance", "at"):
        if hasattr(step, clock):
            return f"{clock}: {getattr(step, clock)}"
    return str(getattr(step, "do", "?"))
