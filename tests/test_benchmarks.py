"""The benchmarks run and report well-formed records — at tiny sizes, never timing anything.

Benchmarks measure; tests must not assert timings (a shared CI machine would make them
flaky). What is checked: each benchmark runs end to end through its real path at a tiny
size, and each record has the fields `results.json` promises with `ratio = value / floor`.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import BENCHMARKS
from benchmarks.__main__ import run_benchmark, table
from benchmarks.common import Record

ROOT = Path(__file__).resolve().parent.parent


def _well_formed(record: dict) -> None:
    assert set(record) == {"name", "value", "unit", "target", "floor", "ratio"}
    assert isinstance(record["name"], str) and record["name"]
    assert record["unit"] in ("s", "MiB", "calls/s", "seeds/s", "count")
    for key in ("value", "target", "floor", "ratio"):
        assert isinstance(record[key], float) and math.isfinite(record[key]), key
    assert record["value"] >= 0 if record["unit"] == "count" else record["value"] > 0
    assert record["floor"] > 0 and record["target"] > 0
    assert record["ratio"] == pytest.approx(record["value"] / record["floor"], rel=1e-4)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_runs_at_a_tiny_size(name: str) -> None:
    records = run_benchmark(name, "tiny")
    assert records and all(r.name.startswith(f"{name}.") for r in records)
    for record in records:
        _well_formed(record.to_dict())


def test_the_command_line_runs_a_benchmark_in_a_child_and_writes_the_results(
    tmp_path: Path,
) -> None:
    """`python -m benchmarks NAME` runs the benchmark in a child and gathers its records."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "cas_mailbox", "--size", "tiny", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    records = json.loads(out.read_text())
    assert [r["name"] for r in records] == ["cas_mailbox.rate"]
    _well_formed(records[0])
    assert "cas_mailbox.rate" in done.stdout


def test_an_unknown_benchmark_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "nope", "-o", str(tmp_path / "r.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "unknown benchmark nope" in done.stdout
    assert not (tmp_path / "r.json").exists()


def test_the_table_says_which_targets_hold_in_each_direction() -> None:
    rows = [Record("a.time", 2.0, "s", 5.0, 1.0), Record("b.rate", 10.0, "calls/s", 20.0, 100.0)]
    assert [r.meets for r in rows] == [True, False]
    assert rows[1].ratio == pytest.approx(0.1)
    assert table(rows).row_count == 2
