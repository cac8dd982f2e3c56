"""What every benchmark shares: the record it reports, the clock and memory it reads, and
the set-up of a benchmark-sized organisation in code.

Measuring rules (issue 7):

* **Wall time** is `time.perf_counter()` around the measured job only (never the world's own
  clock: a run must not read the wall clock, a benchmark may, hence the `# wall-clock-ok`).
* **Peak memory** is the child process's maximum resident set size
  (`resource.getrusage(RUSAGE_SELF).ru_maxrss`). Each benchmark runs in a fresh child, so the
  figure is that benchmark's alone. RSS rather than `tracemalloc` because the targets are
  about what the machine must hold (interpreter, C-level buffers and allocator slack
  included), and because `tracemalloc` slows allocation-heavy code several times over, which
  would spoil the timing taken in the same run. The floor runs first in the same process and
  its high-water mark is read before the job starts; the job's mark is read after it.
* **The floor** is the least work the same job needs in plain Python (dicts, tuples, `json`),
  measured in the same process and run, so that `ratio = value / floor` says how far the
  twin is from what Python itself costs on this machine at this moment (the machine may be
  shared: the ratio is steadier than the raw figure).
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml

from simulator.exchange.population import gc_paused
from simulator.language.loader import parse_scenario
from simulator.language.schema import Scenario

__all__ = ["gc_paused"]  # floors pause the collector as the twin's bulk generation does

T = TypeVar("T")
SIZES = ("full", "tiny")
HIGHER_IS_BETTER = frozenset({"calls/s", "seeds/s"})
# The real clock, kept where freezegun does not look: a run freezes `time.perf_counter` (and
# every module-level reference to it) to simulated time while the world is live.
_WALL_CLOCK: dict[str, Callable[[], float]] = {"perf_counter": time.perf_counter}
SERVICE_ACCOUNT = "CONTOSO\\svc-intune"
SERVICE_PASSWORD = "P@ssw0rd-svc!"
ADMIN = "admin@contoso.onmicrosoft.com"


@dataclass(frozen=True)
class Record:
    """One measured figure: `ratio = value / floor` (for a rate, the share of the floor's rate)."""

    name: str
    value: float
    unit: str
    target: float
    floor: float

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")

    @property
    def higher_is_better(self) -> bool:
        return self.unit in HIGHER_IS_BETTER

    @property
    def meets(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _significant(self.value),
            "unit": self.unit,
            "target": self.target,
            "floor": _significant(self.floor),
            "ratio": _significant(self.ratio),
        }


def _significant(value: float) -> float:
    """Six significant digits: more than any of these figures can honestly claim."""
    return float(f"{value:.6g}")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """(fn(), wall seconds it took)."""
    clock = _WALL_CLOCK["perf_counter"]
    start = clock()  # wall-clock-ok: a benchmark measures wall time
    result = fn()
    return result, clock() - start  # wall-clock-ok


def best_of(
    repeats: int,
    fn: Callable[[], T],
    keep: Callable[[T], Any] = lambda _: None,
    release: Callable[[], None] = lambda: None,
) -> tuple[Any, float]:
    """(`keep` of the last result, least wall seconds of `repeats` runs of `fn`).

    The least, as `timeit` advises: on a shared machine a slower run measures what else the
    machine was doing, never a faster code path. Each result is let go (and `release` run,
    untimed) before the next run starts, so the peak memory stays that of one run."""
    best, kept = float("inf"), None
    for _ in range(repeats):
        result, seconds = timed(fn)
        best = min(best, seconds)
        kept = keep(result)
        del result
        release()
    return kept, best


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def progress(message: str) -> None:
    """A line on stderr (the parent shows it while the child works)."""
    print(f"  {message}", file=sys.stderr, flush=True)


def organisation(name: str, users: int, **options: Any) -> Scenario:
    """A benchmark-sized scenario built in code (see `organisation_source`)."""
    return parse_scenario(organisation_source(name, users, **options), f"<benchmark {name}>")


def organisation_source(
    name: str,
    users: int,
    *,
    seed: int = 7,
    fleet: bool = True,
    faults: list[dict[str, Any]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    throttling: dict[str, Any] | None = None,
) -> str:
    """The YAML text of a benchmark-sized scenario: one Exchange 2013 CAS/Mailbox server,
    `users` users with 1.5 devices each, the service account in Organization Management,
    one connector host; with `steps`, the connector set up as an administrator would."""
    exchange: dict[str, Any] = {"version": "2013 CU12", "servers": [{"name": "EX01"}]}
    if throttling is not None:
        exchange["throttling"] = throttling
    data: dict[str, Any] = {
        "name": name,
        "summary": f"Benchmark organisation: {users} users with 1.5 devices each.",
        "seed": seed,
        "world": {
            "tenant": {"name": "contoso", "admins": [ADMIN]},
            "directory": {
                "domain": "contoso.local",
                "accounts": [
                    {
                        "name": SERVICE_ACCOUNT,
                        "password": SERVICE_PASSWORD,
                        "role_groups": ["Organization Management"],
                    }
                ],
            },
            "exchange": exchange,
            "population": {
                "users": users,
                "devices_per_user": 1.5,
                "behaviour": {"enabled": fleet},
            },
            "hosts": [{"name": "CONN01", "ram_gb": 16}],
        },
        "faults": faults or [],
        "steps": steps or [],
    }
    return yaml.safe_dump(data, sort_keys=False)


SETUP_STEPS: list[dict[str, Any]] = [
    {"do": "download_package"},
    {"do": "install", "host": "CONN01"},
    {
        "do": "configure",
        "host": "CONN01",
        "exchange": {"type": "on_premises", "server": "ex01.contoso.local"},
        "account": {"user": SERVICE_ACCOUNT, "password": SERVICE_PASSWORD},
    },
]
