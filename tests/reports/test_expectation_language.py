"""The expectation language where writing real cases hurt: negations, `any_of`, trace filters
with operators and time windows, a job's duration — each checked both ways (holds / fails)."""

from __future__ import annotations

import json

import pytest

from simulator import ScenarioError, run_scenario
from tests.conftest import make_scenario

HOST = "hosts.CONN01.connector"


def outcome(*expect: dict) -> list[dict]:
    """The `expect` events of a run of the base scenario with these expectations."""
    result = run_scenario(make_scenario(expect=list(expect)))
    return [
        json.loads(x) for x in result.trace_bytes.decode().splitlines() if '"kind":"expect"' in x
    ]


def passed(*expect: dict) -> list[bool]:
    return [e["passed"] for e in outcome(*expect)]


def test_negations_hold_and_fail_as_their_positive_forms_do_not():
    assert passed(
        {"path": "intune.inventory.device_ids", "not_contains": "no-such-device"},
        {"path": "intune.exchange_connection.status", "not_matches": "^Unhealthy$"},
        {"path": "intune.inventory.device_ids", "not_same_as": "intune.inventory.removed_ids"},
        {"path": "intune.inventory.device_ids", "not_same_as": "expected.inventory.device_ids"},
        {"path": "intune.exchange_connection.status", "not_matches": "conn"},
        {"path": "intune.exchange_connection.status", "not_contains": "connected"},
    ) == [True, True, True, False, False, False]


def test_any_of_holds_when_one_alternative_does_and_inherits_the_subject():
    events = outcome(
        {
            "path": "intune.exchange_connection.status",
            "any_of": [{"equals": "x"}, {"equals": "connected"}],
        },
        {
            "any_of": [
                {"path": "intune.connectors", "equals": 5},
                {"trace": "step", "count_at_least": 1},
            ]
        },
        {"path": "intune.connectors", "any_of": [{"equals": 4}, {"at_least": 2}]},
    )
    assert [e["passed"] for e in events] == [True, True, False]
    (failure,) = events[2]["failures"]
    assert failure.startswith("none of the alternatives held:")
    assert "expected equals 4" in failure and "expected at_least 2" in failure


@pytest.mark.parametrize(
    ("expectation", "message"),
    [
        ({"path": "a", "any_of": []}, "any_of needs at least one alternative"),
        (
            {"path": "a", "equals": 1, "any_of": [{"equals": 2}]},
            "put the operators in the alternatives",
        ),
        ({"any_of": [{"equals": 2}]}, "any_of alternative 1 needs exactly one of path or trace"),
        ({"trace": "step", "where": {"do": {"like": "x"}}, "count": 1}, "unknown operator 'like'"),
        ({"trace": "step", "where": {"do": {"in": "x"}}, "count": 1}, "in takes a list"),
        (
            {"trace": "step", "where": {"do": {"matches": "("}}, "count": 1},
            "not a regular expression",
        ),
        ({"path": "a", "not_matches": "["}, "not a regular expression"),
        ({"path": "a", "after": "1h", "equals": 1}, "after goes with trace:, not with path:"),
        ({"trace": "step", "after": "soon", "count": 1}, "after takes a duration from the start"),
    ],
)
def test_bad_expectations_are_refused_when_loaded(expectation, message):
    with pytest.raises(ScenarioError, match="expect") as info:
        make_scenario(expect=[expectation])
    assert message in str(info.value)


def test_trace_filters_take_operators():
    assert passed(
        {
            "trace": "cmdlet",
            "where": {"cmdlet": {"in": ["Get-ActiveSyncDevice", "Get-MobileDevice"]}},
            "count_at_least": 1,
        },
        {"trace": "cmdlet", "where": {"cmdlet": {"matches": "^Get-"}}, "count_at_least": 1},
        {
            "trace": "cmdlet",
            "where": {"cmdlet": {"not_matches": "^(Get|Set|New|Clear|Remove)-"}},
            "count": 0,
        },
        {"trace": "cmdlet", "where": {"cmdlet": {"in": ["Remove-Mailbox"]}}, "count_at_least": 1},
    ) == [True, True, True, False]


def test_no_event_after_a_moment_without_calibrated_counts():
    # the base scenario configures in its first minutes, then only the service runs
    assert passed(
        {"trace": "step", "where": {"do": "configure"}, "after": "30m", "count": 0},
        {"trace": "step", "where": {"do": "configure"}, "before": "30m", "count": 1},
        {"trace": "cmdlet", "before": "30m", "count": 0},  # the first full sync ran
        {"trace": "http", "after": "2016-05-02T08:20:00Z", "count_at_least": 1},
    ) == [True, True, False, True]


def test_a_sync_job_can_be_timed():
    events = outcome(
        {"path": f"{HOST}.last_sync.duration", "at_least": 0.001},
        {"path": f"{HOST}.last_sync.duration", "at_most": 3600},
        {"path": f"{HOST}.last_sync.started", "matches": r"^2016-05-02T08:"},
        {"path": f"{HOST}.last_sync.duration", "at_least": 3600},
    )
    assert [e["passed"] for e in events] == [True, True, True, False]


def test_an_index_past_the_end_of_a_list_is_a_failure_not_a_crash():
    (event,) = outcome({"path": "intune.connections.5.status", "equals": "connected"})
    assert event["passed"] is False
    assert "intune.connections has 1 items; there is no item 5" in event["failures"][0]
