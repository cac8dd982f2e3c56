"""The whole scenario library with `exchange-twin run scenarios --workers 2` (≤ 60 s).

Measured: the command line as a person runs it, in a child process (interpreter start,
imports, loading and validating every scenario, two spawned workers, the summary table).

Floor: the least work of the same job in plain Python — two workers spawned the same way,
each encoding as many JSON trace lines as its share of the library's runs wrote, and hashing
them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Record, progress, timed

ROOT = Path(__file__).resolve().parent.parent
SIZES = {
    "full": (["scenarios"], 2),
    "tiny": (["scenarios", "-k", "winhttp"], 1),  # one short scenario, found by name
}


def encode(events: int) -> str:
    """A run's worth of trace lines, encoded and hashed (the floor's work per scenario)."""
    digest = hashlib.sha256()
    for seq in range(events):
        event = {"seq": seq, "t": "2016-05-02T08:00:00.000Z", "kind": "http", "status": 200}
        digest.update(json.dumps(event, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


def floor(events: list[int], workers: int) -> float:
    def work() -> None:
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            pool.map(encode, events)

    return timed(work)[1]


def run(size: str) -> list[Record]:
    paths, workers = SIZES[size]
    cli = Path(sys.executable).parent / "exchange-twin"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "results.json"
        command = [str(cli), "run", *paths, "--workers", str(workers), "--json", str(report)]
        progress(" ".join(["exchange-twin", *command[1:]]))
        done, seconds = timed(
            lambda: subprocess.run(
                command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
            )
        )
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"the scenario library failed (exit {done.returncode}):\n{detail}")
        results = json.loads(report.read_text())
    entries = results["results"] if isinstance(results, dict) else results
    events = [int(r["events"]) for r in entries]
    progress(f"{len(events)} scenarios, {sum(events)} trace events in {seconds:.2f} s")
    return [Record("library.time", seconds, "s", 60.0, floor(events, workers))]
