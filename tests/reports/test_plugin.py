"""The pytest plugin: the twin fixtures, and scenario files collected with --twin-scenarios."""

from __future__ import annotations

import textwrap

import pytest

from simulator.exchange.errors import ExchangeError
from simulator.plugin.twin import DEFAULT_SCENARIO
from simulator.run.runner import StepError
from simulator.world.world import World
from tests.reports.helpers import scenario_dict

pytest_plugins = ["pytester"]


def test_twin_world_is_the_default_small_world_built_and_not_run(twin_world):
    assert isinstance(twin_world, World)
    assert list(twin_world.hosts) == ["CONN01"]
    assert len(twin_world.org.mailboxes) == DEFAULT_SCENARIO["world"]["population"]["users"]
    assert twin_world.clock.seconds == 0 and twin_world.intune.connectors == {}


@pytest.mark.twin_scenario(
    {"world": {"population": {"users": 3}, "hosts": [{"name": "H9"}]}}, seed=5
)
def test_a_marker_gives_the_scenario_as_a_dict_and_the_seed(twin_world, twin):
    assert list(twin_world.hosts) == ["H9"] and len(twin_world.org.mailboxes) == 3
    assert twin.runner.seed == 5


@pytest.mark.twin_scenario("scenarios/sync/first-full-sync.yaml")
def test_a_marker_gives_the_scenario_as_a_path(twin, twin_world):
    assert twin.scenario.name == "first-full-sync" and len(twin_world.org.mailboxes) == 40
    twin.play_steps()
    assert (
        twin.check(
            {"path": "intune.inventory.device_ids", "same_as": "expected.inventory.device_ids"}
        )
        == []
    )


@pytest.mark.parametrize(
    "twin_scenario",
    [scenario_dict("param-a"), "scenarios/sync/first-full-sync.yaml"],
    indirect=True,
)
def test_the_scenario_can_be_a_fixture_parameter(twin):
    assert twin.scenario.name in ("param-a", "first-full-sync")


def test_exchange_opens_sessions_as_an_account(exchange):
    assert exchange.org.servers[0].name == "EX01"
    session = exchange.session()
    assert [s["Name"] for s in session.invoke("Get-ExchangeServer")] == ["EX01"]
    assert len(session.invoke("Get-CasMailbox", ResultSize="Unlimited")) == 10
    with pytest.raises(ExchangeError, match="Access is denied"):
        exchange.session("CONTOSO\\svc-intune", "wrong")


def test_a_session_spends_simulated_time(exchange, twin):
    before = twin.world.clock.seconds
    exchange.session().invoke("Get-ExchangeServer")
    assert twin.world.clock.seconds > before


def test_intune_is_the_service_and_its_console(intune):
    assert intune.service.tenant_name == "contoso"
    assert intune.console.exchange_connection() is None
    assert intune.observe()["inventory"]["count"] == 0


def test_connector_is_installed_configured_and_its_service_runs(connector, intune, twin):
    assert connector.host == "CONN01"
    state = connector.state
    assert state["installed"] and state["configured"] and state["service_state"] == "Running"
    assert intune.console.exchange_connection()["Status"] in ("connectionPending", "connected")
    connector.advance("1h")
    assert intune.observe()["inventory"]["count"] == twin.observe("expected.inventory.count") > 0
    assert connector.run_due() == []  # the next full sync is a day away
    connector.service.due["fullSync"] = twin.now
    assert connector.run_due() == ["fullSync"]


def test_a_failing_step_raises_for_the_test(twin):
    with pytest.raises(StepError, match="no Exchange_Connector_Setup.zip was downloaded"):
        twin.play({"do": "install"})


def run_pytester(pytester, *args):
    pytester.makefile(
        ".yaml",
        **{
            "scenarios/sync/good": textwrap.dedent(
                """\
                name: good-one
                tags: [smoke]
                world: {population: {users: 2}}
                steps: [{advance: 1h}]
                expect: [{path: intune.connectors, equals: 0}]
                """
            ),
            "scenarios/sync/bad": textwrap.dedent(
                """\
                name: bad-one
                world: {population: {users: 2}}
                steps: [{advance: 1h}]
                expect: [{path: intune.connectors, equals: 3}]
                """
            ),
            "config/other": "just: data\n",
        },
    )
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_without_the_option_yaml_files_are_not_collected(pytester):
    result = run_pytester(pytester)
    result.assert_outcomes(passed=1)
    assert "good-one" not in result.stdout.str()


def test_with_the_option_each_scenario_is_a_test_showing_failures_and_reproducer(pytester):
    result = run_pytester(pytester, "--twin-scenarios", "-v")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "scenarios/sync/good.yaml::good-one PASSED" in out
    assert "scenarios/sync/bad.yaml::bad-one FAILED" in out
    assert "intune.connectors: expected equals 3, found 0 at 2016-05-02T09:00:00.000Z" in out
    assert "reproduce: exchange-twin run" in out and "bad.yaml --seed 1" in out
    assert "other.yaml" not in out


def test_scenarios_can_be_selected_by_tag(pytester):
    result = run_pytester(pytester, "--twin-scenarios", "-k", "smoke")
    result.assert_outcomes(passed=1, deselected=2)


def test_an_invalid_scenario_is_a_collection_error_naming_file_and_field(pytester):
    pytester.makefile(".yaml", **{"scenarios/broken": "name: broken\nworld: {populaton: {}}\n"})
    result = pytester.runpytest_inprocess("--twin-scenarios", "scenarios")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    out = result.stdout.str()
    assert "invalid scenario:" in out and "broken.yaml:2:" in out
    assert "did you mean population" in out
