"""Runs read back from traces: what the HTML page and its timeline draw (`TraceRun.parse`).

Reports are built from traces only, never from live objects, so that `exchange-twin report`
gives the same page from saved traces as `run --html` gives at the end of a run. The runner
leaves in the trace what the page draws: `run.start` (summary, tags, SPEC ids),
`step`/`step.failed`, `connector.jobs`, `sample` (devices in Exchange and in Intune, the
Intune connection status, each connector service's state), `fault` (one per fault of the
timeline) and `expect` (every expectation with its result and, when timed, its moment).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.run.trace import parse_events

if TYPE_CHECKING:
    from simulator.run.results import RunResult


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class ExpectationResult:
    index: int
    expectation: str
    passed: bool | None  # None: skipped because a step failed
    failures: list[str]
    at: datetime | None  # when checked, for a timed expectation; else the end of the run
    after_failed_step: int | None = None  # checked after this step failed (it may explain it)


@dataclass
class TraceRun:
    """One run as its trace tells it: what the HTML report shows."""

    source: str
    sha256: str
    events: list[dict[str, Any]]
    name: str = "?"
    seed: int | None = None
    profile: str | None = None
    summary: str = ""
    spec: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    path: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    passed: bool | None = None
    expectations: list[ExpectationResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, source: str, path: str | None = None) -> TraceRun:
        """Read a trace; `TraceFileError` (naming the line) when it is not one."""
        events = parse_events(data, source)
        run = cls(source=source, sha256=hashlib.sha256(data).hexdigest(), events=events, path=path)
        times = [parse_time(e["t"]) for e in events if "t" in e]
        run.start = min(times) if times else None
        run.end = max(times) if times else None
        for e in events:
            kind = e["kind"]
            if kind == "run.start":
                run.name = str(e.get("scenario", "?"))
                run.seed = e.get("seed")
                run.profile = e.get("profile")
                run.summary = str(e.get("summary", ""))
                run.spec = list(e.get("spec", []))
                run.tags = list(e.get("tags", []))
                run.start = parse_time(e["t"])
            elif kind == "run.end":
                run.passed = bool(e.get("passed"))
            elif kind == "step.failed" and not e.get("expected"):
                run.failures.append(
                    f"step {e.get('index')} ({e.get('do')}) failed at {e['t']}: {e.get('error')}"
                )
            elif kind == "expect":
                result = ExpectationResult(
                    index=int(e.get("index", len(run.expectations) + 1)),
                    expectation=str(e.get("expectation", "")),
                    passed=e.get("passed"),
                    failures=list(e.get("failures", [])),
                    at=parse_time(e["at"]) if e.get("at") else None,
                    after_failed_step=e.get("after_failed_step"),
                )
                run.expectations.append(result)
                run.failures.extend(result.failures)
        run.expectations.sort(key=lambda x: x.index)
        return run

    @property
    def span_seconds(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return (self.end - self.start).total_seconds()

    def reproducer(self) -> str:
        target = self.path or f"<{self.name}.yaml>"
        return f"exchange-twin run {target}" + (
            f" --seed {self.seed}" if self.seed is not None else ""
        )

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] in kinds]


def runs_from_results(results: Iterable[RunResult]) -> list[TraceRun]:
    """The report's view of results just run (their traces are in memory). A run that broke
    before it had a trace still gets its section, holding the error, so no result is lost."""
    runs = []
    for r in results:
        if r.trace_bytes:
            runs.append(TraceRun.parse(r.trace_bytes, r.path or r.name, path=r.path))
        else:
            runs.append(
                TraceRun(
                    source=r.path or r.name,
                    sha256="-",
                    events=[],
                    name=r.name,
                    seed=r.seed,
                    path=r.path,
                    passed=False,
                    failures=list(r.failures),
                )
            )
    return runs
