"""`at:` expectations: checked at that simulated moment during the run, not at the end."""

from __future__ import annotations

import json

import pytest

from simulator import ScenarioError, run_scenario
from simulator.language.loader import parse_scenario
from tests.conftest import make_scenario

STEPS_THEN_CONFIGURE = [
    {"do": "download_package"},
    {"do": "install"},
    {"advance": "1h"},
    {
        "do": "configure",
        "exchange": {"server": "ex01.contoso.local"},
        "account": {"user": "CONTOSO\\svc-intune", "password": "P@ssw0rd-svc!"},
    },
    {"advance": "1h"},
]


def expects(result) -> list[dict]:
    return [
        json.loads(x) for x in result.trace_bytes.decode().splitlines() if '"kind":"expect"' in x
    ]


def test_a_timed_expectation_sees_the_world_at_its_moment():
    result = run_scenario(
        make_scenario(
            steps=STEPS_THEN_CONFIGURE,
            expect=[
                {"path": "intune.connectors", "equals": 0, "at": "30m"},
                {"path": "intune.connectors", "equals": 1},
                {"path": "intune.connectors", "equals": 1, "at": "2016-05-02T09:30:00Z"},
            ],
        )
    )
    assert result.passed, result.failures
    timed, end, absolute = sorted(expects(result), key=lambda e: e["index"])
    assert timed["t"] == timed["at"] == "2016-05-02T08:30:00.000Z"
    assert "at" not in end and end["t"] == result.trace_bytes.decode().splitlines()[-1][-26:-2]
    assert absolute["at"] == "2016-05-02T09:30:00.000Z"
    assert timed["expectation"] == "intune.connectors equals 0 at 30m"
    # events are in the order they happened: the 30m check before the configure step
    kinds = [json.loads(x)["kind"] for x in result.trace_bytes.decode().splitlines()]
    assert kinds.index("expect") < kinds.index("connector.configured")


def test_a_failed_timed_expectation_says_path_expected_found_and_when():
    result = run_scenario(
        make_scenario(
            steps=STEPS_THEN_CONFIGURE,
            expect=[{"path": "intune.connectors", "equals": 1, "at": "45m"}],
        )
    )
    assert not result.passed
    assert result.failures == [
        "intune.connectors: expected equals 1, found 0 at 2016-05-02T08:45:00.000Z"
    ]


def test_a_timed_expectation_sees_what_happens_at_that_very_instant():
    """A check due at the same instant as a step runs after it (simpy would otherwise run
    whichever was scheduled first, here the check)."""
    result = run_scenario(
        make_scenario(
            steps=[{"advance": "1h"}, {"do": "download_package"}],
            expect=[{"trace": "package.downloaded", "count": 1, "at": "1h"}],
        )
    )
    assert result.passed, result.failures


def test_a_moment_after_the_end_of_the_run_fails_saying_so():
    result = run_scenario(
        make_scenario(expect=[{"path": "intune.connectors", "equals": 1, "at": "2d"}])
    )
    assert not result.passed
    (failure,) = result.failures
    assert failure.startswith("intune.connectors equals 1 at 2d: never checked, the run ended at")
    assert failure.endswith("before 2016-05-04T08:00:00.000Z")


def test_expectations_after_a_failed_step_are_still_checked_and_marked():
    """One run shows every problem: the steps after a failed one still run, and every
    expectation is checked, each marked with the step that failed before it."""
    steps = [*STEPS_THEN_CONFIGURE]
    steps[3] = {**steps[3], "account": {"user": "CONTOSO\\svc-intune", "password": "wrong"}}
    result = run_scenario(
        make_scenario(
            steps=[*steps, {"advance": "1h"}],
            expect=[
                {"path": "intune.connectors", "equals": 0, "at": "10m"},
                {"path": "intune.connectors", "equals": 1, "at": "90m"},
                {"path": "intune.connectors", "equals": 0},
            ],
        )
    )
    assert not result.passed
    step_failure, late = result.failures
    assert step_failure.startswith("step 4 (configure) failed")
    assert late.endswith("(checked after step 4 failed)")
    first, second, last = sorted(expects(result), key=lambda e: e["index"])
    assert first["passed"] is True and "after_failed_step" not in first
    assert second["passed"] is False and second["after_failed_step"] == 4
    assert last["passed"] is True and last["after_failed_step"] == 4
    events = [json.loads(x) for x in result.trace_bytes.decode().splitlines()]
    assert [e["index"] for e in events if e["kind"] == "step"][-1] == 6  # ran after step 4


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("soon", "at takes a duration from the start (90s, 2h, 1d6h) or a time"),
        (
            "2016-05-01T08:00:00Z",
            "expect 1: at 2016-05-01T08:00:00.000Z is before the scenario's start",
        ),
        ("2016-05-02T10:00:00", "at needs a timezone"),
        (-5, "at must not be negative"),
    ],
)
def test_bad_moments_are_refused_before_the_run(at, message):
    text = (
        "name: bad\nexpect:\n  - path: intune.connectors\n    equals: 1\n"
        f"    at: {json.dumps(at) if isinstance(at, str) else at}\n"
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("bad.yaml:")


def test_unquoted_yaml_times_and_plain_seconds_are_moments():
    scenario = parse_scenario(
        "name: ok\nexpect:\n  - {path: a, equals: 1, at: 2016-05-02T09:00:00Z}\n"
        "  - {path: a, equals: 1, at: 90}\n",
        "ok.yaml",
    )
    start = scenario.start
    assert [e.at_seconds(start) for e in scenario.expect] == [3600.0, 90.0]
