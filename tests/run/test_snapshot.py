"""Snapshots (docs/snapshots.md): taken between two steps, resumed by replaying their
coordinate, checked against the state they hold.

The central property, on every scenario of the library: a snapshot taken at the middle step
of the run and resumed with the rest of the original steps gives, byte for byte, the trace of
the run that was never interrupted — and taking the snapshot does not change the run either.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from simulator.language import yamlsafe
from simulator.language.loader import ScenarioError, find_scenarios, load_scenario
from simulator.run.batch import run_scenario
from simulator.run.snapshot.format import (
    FORMAT,
    VERSION,
    SnapshotError,
    read_snapshot,
    write_snapshot,
)
from simulator.run.snapshot.resume import SnapshotDiverged, resume
from simulator.run.snapshot.take import parse_point, run_and_save

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = find_scenarios([ROOT / "scenarios"])


def _rest_of_steps(path: Path, steps_applied: int, out: Path) -> Path:
    """A steps file with the scenario's own steps after the first `steps_applied`, copied
    from its YAML as written."""
    data, _ = yamlsafe.load(path.read_text())
    out.write_text(yaml.safe_dump({"steps": data.get("steps", [])[steps_applied:]}))
    return out


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_a_snapshot_at_the_midpoint_resumes_to_the_uninterrupted_trace(
    path: Path, tmp_path: Path
) -> None:
    scenario = load_scenario(path)
    middle = len(scenario.steps) // 2
    plain = run_scenario(scenario)
    snap = tmp_path / "mid.twin"
    taken, saved = run_and_save(
        load_scenario(path), path.read_text(), parse_point(f"step:{middle}", scenario.start), snap
    )
    assert saved.steps_applied == middle
    assert taken.trace_bytes == plain.trace_bytes  # capturing changes nothing
    steps = _rest_of_steps(path, middle, tmp_path / "rest.yaml")
    resumed = resume(snap, steps)
    assert resumed.result.trace_bytes == plain.trace_bytes
    assert resumed.result.passed == plain.passed
