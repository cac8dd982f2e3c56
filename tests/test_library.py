"""The scenario library covers the SPEC and the customer problems, and every file says what it
shows: a requirement or an expressible customer problem without a scenario fails here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.language.coverage import (
    CUSTOMER_ISSUES,
    CUSTOMER_TAG,
    NOT_EXPRESSIBLE,
    SPEC_IDS,
    expressible_customer_issues,
)
from simulator.language.loader import find_scenarios
from simulator.language.schema import Scenario
from tests.conftest import ROOT

THEMES = {
    "install",
    "package",
    "configure",
    "replacement",
    "proxy",
    "sync",
    "access",
    "notifications",
    "faults",
    "customer-issues",
    "labs",
    "regressions",  # explore findings, fixed (exchange-twin explore --promote)
}
LIBRARY = find_scenarios([ROOT / "scenarios"])


@pytest.fixture(scope="module")
def library() -> list[Scenario]:
    return [load_scenario(p) for p in LIBRARY]


def test_the_library_has_at_least_thirty_scenarios_in_the_themes(library):
    assert len(library) >= 30
    assert {Path(s.path or "").parent.name for s in library} == THEMES


def test_every_spec_requirement_has_a_scenario(library):
    covered = {spec_id for s in library for spec_id in s.spec}
    assert [r for r in SPEC_IDS if r not in covered] == []


def test_scenarios_cite_only_real_spec_ids(library):
    unknown = {s.name: [r for r in s.spec if r not in SPEC_IDS] for s in library}
    assert {k: v for k, v in unknown.items() if v} == {}


def test_every_expressible_customer_problem_has_a_scenario(library):
    tagged = {t for s in library for t in s.tags if CUSTOMER_TAG.fullmatch(t)}
    assert [c for c in expressible_customer_issues() if c not in tagged] == []
    assert tagged <= set(CUSTOMER_ISSUES), "a tag names a problem the catalogue does not have"
    assert not tagged & set(NOT_EXPRESSIBLE), "a problem listed as not expressible is tagged"


def test_every_scenario_says_what_it_shows(library):
    lacking = [s.name for s in library if not s.summary.strip() or not s.spec or not s.expect]
    assert lacking == []


def test_customer_issue_scenarios_carry_their_id(library):
    untagged = [
        s.name
        for s in library
        if Path(s.path or "").parent.name == "customer-issues"
        and not any(CUSTOMER_TAG.fullmatch(t) for t in s.tags)
    ]
    assert untagged == []


def test_names_are_unique_and_match_their_files(library):
    """Traces are written as <name>.jsonl: two scenarios of one name would overwrite each
    other's trace in a suite run."""
    assert [n for n, k in Counter(s.name for s in library).items() if k > 1] == []
    assert [s.name for s in library if Path(s.path or "").stem != s.name] == []


def test_every_scenario_pickles_for_workers(library):
    """`--workers` sends scenarios to spawned processes: faults and steps must pickle."""
    import pickle

    for scenario in library:
        assert pickle.loads(pickle.dumps(scenario)) == scenario, scenario.name


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_scenario_passes(path: Path) -> None:
    """CI runs `make test` only: the library's scenarios run here too, one test each."""
    from simulator import run_scenario

    result = run_scenario(load_scenario(path))
    assert result.passed, "\n".join([*result.failures, result.reproducer()])
