"""A sweep: many seeds, run serially or on Dask, failures shrunk and written as scenarios.

`sweep(seeds, options)` runs every seed (through `simulator.run.engine`, so a sweep on a
local cluster or a remote scheduler gives the same per-seed hashes as a serial one), then
shrinks the first failing seed of each invariant to a small scenario and writes it, with the
seed and the command that replays it, into the failures folder. `--promote` copies those
into `scenarios/regressions/`.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.explore.check import SeedResult, check, explore_seed
from simulator.explore.generate import Generated, Options
from simulator.explore.invariants import INVARIANTS
from simulator.explore.shrink import Shrunk, device_count, fault_count, shrink
from simulator.run.engine import run_all
from simulator.run.trace import write_atomic

HEADER = re.compile(r"^# explore: (\{.*\})$", re.MULTILINE)


@dataclass
class Reproducer:
    """A shrunk failure: where it was written and what it still breaks."""

    invariant: str
    seed: int
    path: str
    message: str
    devices: int
    faults: int
    steps: int
    runs: int
    trace: bytes = field(default=b"", repr=False)  # the shrunk run's trace, for its timeline

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "trace"}


@dataclass
class SweepResult:
    results: list[SeedResult]
    reproducers: list[Reproducer] = field(default_factory=list)

    @property
    def failed(self) -> list[SeedResult]:
        return [r for r in self.results if not r.passed]

    def failures_by_invariant(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for r in self.results:
            counts.update(set(r.invariants))
        return {name: counts.get(name, 0) for name in INVARIANTS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": len(self.results),
            "passed": len(self.results) - len(self.failed),
            "failed": len(self.failed),
            "failures_by_invariant": self.failures_by_invariant(),
            "reproducers": [r.to_dict() for r in self.reproducers],
            "results": [r.to_dict() for r in self.results],
        }


def parse_seeds(text: str) -> list[int]:
    """`1-2000`, `7`, `1-10,42,100-105` → the seeds, in order, each once."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if match is None:
            raise ValueError(
                f"--seeds takes N, N-M or a comma-separated list of them; found {part!r}"
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise ValueError(f"--seeds {part}: the range runs backwards")
        if high - low > 1_000_000:
            raise ValueError(f"--seeds {part}: more than a million seeds in one range")
        seeds.extend(range(low, high + 1))
    return list(dict.fromkeys(seeds))


def sweep(
    seeds: list[int],
    options: Options,
    base: dict[str, Any] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    plant: str | None = None,
    out: Path | None = None,
    shrink_failures: bool = True,
    max_shrink_runs: int = 400,
    on_result: Callable[[int, SeedResult], None] | None = None,
) -> SweepResult:
    job = functools.partial(explore_seed, options=options, base=base, plant=plant)
    results = run_all(job, seeds, workers=workers, scheduler=scheduler, on_result=on_result)
    swept = SweepResult(results)
    if not shrink_failures:
        return swept
    done: set[str] = set()
    for result in results:
        for violation in result.violations:
            if violation.invariant in done:
                continue
            done.add(violation.invariant)
            plan = Generated(result.seed, result.scenario, result.repair_at, result.end_at)
            small = shrink(plan, violation.invariant, plant, max_shrink_runs)
            path = write_reproducer(
                small, violation.invariant, out or Path("explore-failures"), plant
            )
            shown = replay(path, plant, keep_trace=True)  # as written: its timeline for the page
            swept.reproducers.append(
                Reproducer(
                    violation.invariant,
                    result.seed,
                    str(path),
                    next(
                        v.message
                        for v in small.result.violations
                        if v.invariant == violation.invariant
                    ),
                    device_count(small.plan),
                    fault_count(small.plan),
                    len(small.plan.scenario["steps"]),
                    small.runs,
                    shown.trace,
                )
            )
    return swept


def write_reproducer(small: Shrunk, invariant: str, folder: Path, plant: str | None = None) -> Path:
    """The shrunk scenario as readable YAML, headed by what it breaks and how to replay it."""
    data = dict(small.plan.scenario)
    data["name"] = f"explore-{invariant.replace('_', '-')}-seed-{small.plan.seed}"
    data["summary"] = (
        f"Shrunk by exchange-twin explore from seed {small.plan.seed}: breaks the invariant "
        f"{invariant} — {INVARIANTS[invariant].statement}"
    )
    path = folder / f"{data['name']}.yaml"
    meta = {
        "seed": small.plan.seed,
        "invariant": invariant,
        "repair_at": small.plan.repair_at,
        "end_at": small.plan.end_at,
        "plant": plant,
    }
    violation = next(v for v in small.result.violations if v.invariant == invariant)
    replay = f"exchange-twin explore --replay {path}" + (f" --plant {plant}" if plant else "")
    text = (
        f"# explore: {json.dumps(meta, sort_keys=True)}\n"
        f"# breaks {invariant}: {violation.message}\n"
        f"#   at {violation.at}\n"
        f"# replay: {replay}\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    )
    write_atomic(path, text.encode())
    return path


def load_reproducer(path: Path) -> tuple[Generated, dict[str, Any]]:
    """A written reproducer back as a plan (its header says when the repair is)."""
    text = path.read_text(encoding="utf-8")
    match = HEADER.search(text)
    if match is None:
        raise ValueError(
            f"{path}: not written by exchange-twin explore (no '# explore: {{...}}' line)"
        )
    meta = json.loads(match.group(1))
    data = yaml.safe_load(text)
    plan = Generated(int(meta["seed"]), data, float(meta["repair_at"]), float(meta["end_at"]))
    return plan, meta


def replay(path: Path, plant: str | None = None, keep_trace: bool = False) -> SeedResult:
    plan, meta = load_reproducer(path)
    return check(plan, plant if plant is not None else meta.get("plant"), keep_trace)


def promote(reproducers: list[Reproducer], library: Path) -> list[Path]:
    """Copy shrunk failures into the library (`scenarios/regressions/`), header and all."""
    out = []
    for r in reproducers:
        src = Path(r.path)
        dst = library / src.name
        write_atomic(dst, src.read_bytes())
        out.append(dst)
    return out
