"""Scenarios travel to `--workers` processes by pickling, faults included."""

from __future__ import annotations

import pickle

from simulator.language.loader import load_scenario


def test_a_scenario_with_faults_survives_pickling() -> None:
    scenario = load_scenario("scenarios/faults/intune-outage.yaml")
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy == scenario and copy.faults[0].kind == "intune_unreachable"
