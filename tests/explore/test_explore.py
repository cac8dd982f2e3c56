"""The explorer (issue 16): seeds are coordinates, the invariants fire on planted bugs, and
failures shrink to small scenarios that replay to the same failure."""

from __future__ import annotations

import json

import jsonschema
import pytest

from simulator.explore.check import check, explore_seed
from simulator.explore.generate import Options, generate
from simulator.explore.invariants import INVARIANTS
from simulator.explore.plants import PLANTS
from simulator.explore.shrink import device_count, fault_count, shrink
from simulator.explore.sweep import load_reproducer, parse_seeds, replay, write_reproducer
from simulator.language.schema import json_schema
from simulator.run.engine import run_all

SHORT = Options(days=0.25)


def test_a_seed_is_a_coordinate():
    a, b = explore_seed(11, SHORT), explore_seed(11, SHORT)
    assert a.sha256 == b.sha256 and a.scenario == b.scenario
    assert explore_seed(12, SHORT).sha256 != a.sha256


def test_generated_scenarios_validate_against_the_json_schema():
    schema = json_schema()
    for seed in range(1, 41):
        data = json.loads(json.dumps(generate(seed).scenario))
        jsonschema.validate(data, schema)


@pytest.mark.parametrize("first", [1, 11, 21, 31, 41])
def test_the_connector_holds_every_invariant_on_seeds_1_to_50(first):
    failed = {
        r.seed: [(v.invariant, v.message) for v in r.violations]
        for r in (explore_seed(seed) for seed in range(first, first + 10))
        if not r.passed
    }
    assert failed == {}


def test_every_invariant_has_a_plant_and_a_statement():
    assert set(PLANTS) == set(INVARIANTS) - {"progress"}
    assert all(i.statement.endswith(".") for i in INVARIANTS.values())


def _first_failing(plant: str, limit: int = 200):
    for seed in range(1, limit + 1):
        result = explore_seed(seed, SHORT, plant=plant)
        if plant in result.invariants:
            return result
    return None


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_bug_is_found_shrunk_and_replayed(plant, tmp_path):
    found = _first_failing(plant)
    assert found is not None, f"the {plant} plant was not found in 200 seeds"
    plan = generate(found.seed, SHORT)
    small = shrink(plan, plant, plant=plant, max_runs=25)
    assert plant in small.result.invariants
    assert len(small.plan.scenario["steps"]) <= len(plan.scenario["steps"])
    path = write_reproducer(small, plant, tmp_path, plant)
    again = replay(path)
    assert plant in again.invariants and replay(path).sha256 == again.sha256
    assert load_reproducer(path)[1]["invariant"] == plant
    # without the plant, the shrunk scenario holds that invariant: the bug, not the world
    assert plant not in check(small.plan).invariants


def test_the_shrinker_reaches_a_small_minimum():
    found = _first_failing("convergence")
    plan = generate(found.seed, SHORT)
    small = shrink(plan, "convergence", plant="convergence")
    assert device_count(small.plan) <= 3 and fault_count(small.plan) <= 2


def test_a_dask_cluster_gives_the_serial_hashes():
    seeds = [3, 4, 5, 6]
    serial = run_all(explore_seed, seeds)
    parallel = run_all(explore_seed, seeds, workers=2)
    assert [r.sha256 for r in parallel] == [r.sha256 for r in serial]


@pytest.mark.parametrize(
    ("text", "seeds"),
    [("7", [7]), ("1-3", [1, 2, 3]), ("1-2,2,9", [1, 2, 9])],
)
def test_seed_lists(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["3-1", "x", "1-", ""])
def test_bad_seed_lists_are_refused(text):
    with pytest.raises(ValueError, match="--seeds"):
        parse_seeds(text)


def test_a_sweep_writes_its_reproducer_and_a_page_with_its_timeline(tmp_path):
    from simulator.explore.sweep import sweep
    from simulator.reports.explore import to_html, to_json, to_junit

    seed = _first_failing("no_crash").seed
    swept = sweep([seed], SHORT, plant="no_crash", out=tmp_path, max_shrink_runs=5)
    (repro,) = swept.reproducers
    assert repro.invariant == "no_crash" and (tmp_path / repro.path.split("/")[-1]).exists()
    page = to_html(swept).decode()
    assert "<svg" in page and repro.path in page
    assert json.loads(to_json(swept))["failures_by_invariant"]["no_crash"] == 1
    assert b"<failure" in to_junit(swept)
