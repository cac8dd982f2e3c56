"""How fast `exchange-twin` starts: `--help`, and `validate` of one scenario (target ≤ 3×
the floor each).

Measured: the installed `exchange-twin` console script in a fresh child process, as a person
runs it — interpreter start, the command's imports, parsing, and for `validate` loading and
checking `scenarios/sync/first-full-sync.yaml` — the best of several runs (on a shared
machine a slower run measures the machine, never a faster code path).

Floor: `python -c pass` with the same interpreter, best of as many runs: what starting Python
costs on this machine at this moment. What the commands must not do to stay near it — load
the world, simpy or Faker for a command that needs none of them — is a test
(tests/test_cli_start.py), not a timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.common import Record, best_of, progress

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/sync/first-full-sync.yaml"
TARGET_RATIO = 3.0
SIZES = {"full": 10, "tiny": 2}  # runs of each command; the best counts


def _start(command: list[str], repeats: int) -> float:
    """Best wall seconds of `command` run to completion in a child process."""

    def once() -> None:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode}):\n{detail}")

    return best_of(repeats, once)[1]


def run(size: str) -> list[Record]:
    repeats = SIZES[size]
    cli = str(Path(sys.executable).parent / "exchange-twin")
    floor = _start([sys.executable, "-c", "pass"], repeats)
    progress(f"floor (python -c pass): {floor * 1000:.0f} ms")
    records = []
    for name, args in (("help", ["--help"]), ("validate", ["validate", SCENARIO])):
        seconds = _start([cli, *args], repeats)
        progress(f"exchange-twin {' '.join(args)}: {seconds * 1000:.0f} ms")
        records.append(Record(f"cli_start.{name}", seconds, "s", TARGET_RATIO * floor, floor))
    return records
