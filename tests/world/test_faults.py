"""The fault registry, the timeline, the scenario's `faults:` section (validated with file
and line) and the trace of every fault's start and end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from simulator import run_scenario
from simulator.language.loader import ScenarioError, parse_scenario
from simulator.world.faults import FAULT_KINDS, FaultTimeline
from tests.conftest import BASE, ROOT, make_scenario

DESIGN_KINDS = {
    "proxy_down",
    "proxy_credentials_changed",
    "proxy_moved",
    "exchange_down",
    "intune_unreachable",
    "throttling",
    "account_locked",
    "password_expired",
    "certificate_expired",
    "dns_failure",
    "latency",
}


def test_the_registry_has_every_kind_the_design_names():
    assert set(FAULT_KINDS) >= DESIGN_KINDS
    assert all(kind.description for kind in FAULT_KINDS.values())


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("latency", {}, "needs the parameter seconds"),
        ("latency", {"seconds": "slow"}, "seconds must be a number"),
        ("proxy_down", {"adress": "p"}, "does not take adress (parameters: address)"),
        ("certificate_expired", {"certificate": "root"}, "must be one of account, connector"),
        ("service_restart", {"host": 3}, "host must be text"),
    ],
)
def test_parameters_are_checked_by_kind(kind, params, message):
    with pytest.raises(ValueError) as exc:
        FaultTimeline().schedule(kind, 0, **params)
    assert message in str(exc.value)


def test_a_fault_is_active_from_its_start_until_its_end_and_matches_its_target():
    timeline = FaultTimeline(datetime(2016, 5, 2, tzinfo=UTC))
    timeline.schedule("exchange_down", 10, 20, server="EX0*")
    timeline.schedule("intune_unreachable", 30)
    assert timeline.active("exchange_down", 9.99, server="EX01") is None
    assert timeline.active("exchange_down", 10, server="ex01") is not None
    assert timeline.active("exchange_down", 15, server="EX11") is None
    assert timeline.active("exchange_down", 20, server="EX01") is None
    assert timeline.active("intune_unreachable", datetime(2016, 5, 3, tzinfo=UTC)) is not None
    with pytest.raises(ValueError, match="no parameter 'host'"):
        timeline.active("exchange_down", 15, host="EX01")


def test_edges_come_in_time_order_ends_first_at_the_same_instant():
    timeline = FaultTimeline()
    timeline.schedule("proxy_down", 100, 200)
    timeline.schedule("dns_failure", 200, 300)
    edges = [(t, edge, f.kind) for t, edge, f in timeline.edges()]
    assert edges == [
        (100, "start", "proxy_down"),
        (200, "end", "proxy_down"),
        (200, "start", "dns_failure"),
        (300, "end", "dns_failure"),
    ]


def test_instant_faults_take_no_end():
    with pytest.raises(ValueError, match="one instant"):
        FaultTimeline().schedule("service_restart", 0, 10, host="CONN01")


def scenario_text(faults) -> str:
    data = dict(BASE, faults=faults)
    return yaml.safe_dump(data, sort_keys=False)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("fault", "needle", "message"),
    [
        ({"kind": "proxy_dwn", "at": "2h"}, "proxy_dwn", "did you mean proxy_down"),
        (
            {"kind": "latency", "at": "2h", "seconds": 3, "targt": "x"},
            "targt",
            "did you mean target",
        ),
        ({"kind": "latency", "at": "2x", "seconds": 3}, "2x", "invalid duration"),
        ({"kind": "latency", "at": "2h", "until": "1h", "seconds": 3}, "until: 1h", "after at"),
        (
            {"kind": "account_locked", "at": "1h", "account": "CONTOSO\\nobody"},
            "nobody",
            "unknown account",
        ),
        (
            {"kind": "service_restart", "at": "1h", "until": "2h", "host": "CONN01"},
            "until: 2h",
            "one instant",
        ),
        (
            {"kind": "intune_unreachable", "at": "2016-05-01T00:00:00Z"},
            "2016-05-01",
            "before the scenario",
        ),
    ],
)
def test_bad_fault_entries_are_refused_with_file_line_and_field(fault, needle, message):
    text = scenario_text([{"kind": "dns_failure", "at": "1h"}, fault])
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "lab.yaml")
    assert exc.value.file == "lab.yaml"
    assert message in exc.value.message
    assert exc.value.line == line_of(text, needle)
    assert exc.value.field.startswith("faults[1]")


def test_faults_take_durations_seconds_or_aware_times():
    scenario = parse_scenario(
        scenario_text(
            [
                {"kind": "intune_unreachable", "at": "1h30m", "until": 7200},
                {"kind": "dns_failure", "at": datetime(2016, 5, 2, 12, tzinfo=UTC)},
            ]
        )
    )
    assert [f.kind for f in scenario.faults] == ["intune_unreachable", "dns_failure"]


def test_fault_edges_are_traced_and_secrets_redacted():
    scenario = make_scenario(
        world={**BASE["world"], "population": {"users": 2}},
        steps=[*BASE["steps"][:3], {"advance": "4h"}],
        faults=[
            {"kind": "intune_unreachable", "at": "2h", "until": "3h"},
            {
                "kind": "password_changed",
                "at": "90m",
                "account": "CONTOSO\\svc-intune",
                "password": "N3w-Secret!",
            },
        ],
    )
    result = run_scenario(scenario)
    assert result.passed, result.failures
    events = [
        e
        for e in (__import__("json").loads(x) for x in result.trace_bytes.decode().splitlines())
        if e["kind"].startswith("fault.")
    ]
    assert [(e["kind"], e["fault"], e["t"][11:16]) for e in events] == [
        ("fault.start", "password_changed", "09:30"),
        ("fault.start", "intune_unreachable", "10:00"),
        ("fault.end", "intune_unreachable", "11:00"),
    ]
    assert "N3w-Secret!" not in result.trace_bytes.decode()
    assert events[0]["params"]["password"] == "***"


def test_a_proxy_moved_by_the_generic_fault_step_is_reachable_at_its_new_name():
    """The new proxy's name is in DNS however the move starts (FaultKind.prepare): through
    the `fault` step (the lab's fault panel uses it), reconfiguring with the new proxy
    connects again, as with the `proxy_moved` step (scenarios/proxy/proxy-moved-reconfigure)."""
    text = (ROOT / "scenarios/proxy/proxy-moved-reconfigure.yaml").read_text()
    moved = (
        "  - {do: proxy_moved, address: proxy.contoso.local, to_address: proxy2.contoso.local,"
        " to_port: 3128}"
    )
    assert moved in text
    generic = (
        "  - {do: fault, kind: proxy_moved, params: {address: proxy.contoso.local,"
        " to_address: proxy2.contoso.local, to_port: 3128}}"
    )
    result = run_scenario(parse_scenario(text.replace(moved, generic), "generic-move.yaml"))
    assert result.passed, result.failures
