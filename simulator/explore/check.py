"""Running one generated (or shrunk, or replayed) scenario under the invariants' watch.

A seed is a coordinate: `explore_seed(seed, options)` always generates the same scenario and
the run of it always gives the same trace, so its SHA-256 identifies the run on any machine
and in any worker. Everything here is plain data in and out, so it can be shipped to a Dask
worker and back.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from typing import Any

from simulator.explore import plants
from simulator.explore.generate import Generated, Options, generate
from simulator.explore.invariants import Monitor, Spinning, Violation
from simulator.language.schema import Scenario
from simulator.run.runner import Runner


@dataclass
class SeedResult:
    """What one run found: the violations (none when every invariant held) and its hash."""

    seed: int
    violations: list[Violation] = field(default_factory=list)
    sha256: str = ""
    events: int = 0
    scenario: dict[str, Any] = field(default_factory=dict)
    repair_at: float = 0.0
    end_at: float = 0.0
    trace: bytes = field(default=b"", repr=False)  # kept only when asked (reports draw it)

    @property
    def passed(self) -> bool:
        return not self.violations

    @property
    def invariants(self) -> list[str]:
        return [v.invariant for v in self.violations]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "passed": self.passed,
            "sha256": self.sha256,
            "events": self.events,
            "violations": [v.to_dict() for v in self.violations],
        }


class MonitoredRunner(Runner):
    """The runner, with the monitor looking on after every step and connector job.

    `sample` is the runner's own hook for those moments (it records the report's samples);
    the monitor rides on it rather than adding a second notion of "a moment state changed"."""

    monitor: Monitor

    def sample(self) -> None:
        super().sample()
        monitor = getattr(self, "monitor", None)
        if monitor is not None:
            monitor.during(self)


def check(plan: Generated, plant: str | None = None, keep_trace: bool = False) -> SeedResult:
    """Run `plan.scenario` with the monitor; a scenario that does not validate is a bug of
    the generator or the shrinker, and is raised as such (never counted as a finding)."""
    scenario = Scenario.model_validate(plan.scenario)
    result = SeedResult(
        plan.seed, scenario=plan.scenario, repair_at=plan.repair_at, end_at=plan.end_at
    )
    monitor = Monitor(plan)
    with plants.planted(plant):
        runner = MonitoredRunner(scenario)
        runner.monitor = monitor
        try:
            run = runner.run()
        except Spinning as exc:
            monitor.violations.append(Violation("progress", str(exc), runner.world.clock.iso()))
        except Exception as exc:  # noqa: BLE001 - an exception escaping a job is what no_crash is about
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if "site-packages" not in f.filename]
            frame = (ours or frames)[-1]
            where = "/".join(frame.filename.rsplit("/", 2)[-2:])
            monitor.violations.append(
                Violation(
                    "no_crash",
                    f"{type(exc).__name__}: {exc} (at {where}:{frame.lineno})",
                    runner.world.clock.iso(),
                )
            )
        else:
            reports = [json.dumps(run.to_dict(), sort_keys=True).encode()]
            monitor.at_end(runner, run.trace_bytes, reports)
            result.sha256, result.events = run.sha256, run.events
            result.violations = monitor.violations
            if keep_trace:
                result.trace = run.trace_bytes
            return result
        result.sha256 = runner.world.trace.sha256()
        result.events = len(runner.world.trace.events)
        result.violations = monitor.violations
        if keep_trace:
            result.trace = runner.world.trace.data()
        return result


def explore_seed(
    seed: int,
    options: Options | None = None,
    base: dict[str, Any] | None = None,
    plant: str | None = None,
) -> SeedResult:
    """Generate the scenario of `seed` and check it (what a worker runs)."""
    plan = generate(seed, options, base)
    return check(plan, plant)
