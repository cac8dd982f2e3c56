"""What a run gives back: pass or fail, the failures, the trace and its hash, the spans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.world.durations import format_span, format_time


@dataclass
class RunResult:
    name: str
    path: str | None
    seed: int
    passed: bool
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    sha256: str = ""
    trace_bytes: bytes = b""
    start: datetime | None = None
    end: datetime | None = None
    events: int = 0
    wall_seconds: float = 0.0

    @property
    def simulated_span(self) -> str:
        if not self.start or not self.end:
            return "-"
        return format_span((self.end - self.start).total_seconds())

    def reproducer(self) -> str:
        return f"exchange-twin run {self.path or '<scenario>'} --seed {self.seed}"

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the `--json` report's entries).

        The wall-clock duration is left out on purpose: with it, two runs of the same suite
        would never give the same report, and the report is meant to be diffed."""
        return {
            "name": self.name,
            "path": self.path,
            "seed": self.seed,
            "passed": self.passed,
            "failures": list(self.failures),
            "error": self.error,
            "sha256": self.sha256,
            "start": format_time(self.start) if self.start else None,
            "end": format_time(self.end) if self.end else None,
            "simulated": self.simulated_span,
            "events": self.events,
            "reproducer": self.reproducer(),
        }
