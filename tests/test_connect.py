"""Connect: the required cmdlets are probed with Get-Command and missing ones named."""

from __future__ import annotations

from simulator import run_scenario
from simulator.run.runner import Runner
from tests.conftest import SVC, make_scenario


def configure_step(**extra):
    return {
        "do": "configure",
        "host": "CONN01",
        "exchange": {"server": "ex01.contoso.local"},
        "account": SVC,
        **extra,
    }


def test_account_without_required_cmdlets_is_refused_naming_them():
    scenario = make_scenario(
        world={
            "directory": {
                "accounts": [
                    {
                        "name": "CONTOSO\\svc-intune",
                        "password": SVC["password"],
                        "role_groups": ["View-Only Organization Management"],
                    }
                ]
            },
            "population": {"users": 3},
        },
        steps=[{"do": "download_package"}, {"do": "install"}, configure_step()],
    )
    result = run_scenario(scenario)
    assert not result.passed
    message = result.failures[0]
    assert "cannot run the required Exchange cmdlets" in message
    for name in (
        "Set-ActiveSyncOrganizationSettings",
        "Set-CasMailbox",
        "New-ActiveSyncDeviceAccessRule",
        "Clear-ActiveSyncDevice",
        "Remove-ActiveSyncDevice",
    ):
        assert name in message
    for granted in ("Get-ActiveSyncDevice,", "Get-ExchangeServer", "Get-Recipient"):
        assert granted not in message
    assert "0x00000015" in message


def test_expected_refusal_is_a_pass_and_nothing_is_registered():
    scenario = make_scenario(
        world={
            "directory": {
                "accounts": [
                    {
                        "name": "CONTOSO\\svc-intune",
                        "password": SVC["password"],
                        "role_groups": ["Help Desk"],
                    }
                ]
            },
            "population": {"users": 3},
        },
        steps=[
            {"do": "download_package"},
            {"do": "install"},
            configure_step(expect_error="Get-ActiveSyncOrganizationSettings"),
        ],
        expect=[{"path": "intune.connectors", "equals": 0}],
    )
    assert run_scenario(scenario).passed


def test_wrong_password_is_refused_before_registration():
    runner = Runner(
        make_scenario(
            steps=[
                {"do": "download_package"},
                {"do": "install"},
                configure_step(
                    account={"user": SVC["user"], "password": "wrong"},
                    expect_error="Access is denied",
                ),
            ],
            expect=[{"path": "intune.connectors", "equals": 0}],
        )
    )
    assert runner.run().passed


def test_exchange_2010_rtm_is_refused_with_version_found_and_minimum():
    scenario = make_scenario(
        world={
            **make_scenario().world.model_dump(mode="json", exclude_none=True),
            "exchange": {"version": "2010 RTM", "servers": [{"name": "EX01"}]},
        },
        steps=[{"do": "download_package"}, {"do": "install"}, configure_step()],
    )
    result = run_scenario(scenario)
    assert not result.passed
    assert "Version 14.0 (Build 639.21)" in result.failures[0]
    assert "Exchange 2010 SP1 (Version 14.1) or later" in result.failures[0]


def test_full_sync_uploads_exactly_the_devices_of_licensed_users():
    scenario = make_scenario(
        world={
            **make_scenario().world.model_dump(mode="json", exclude_none=True),
            "population": {"users": 30, "devices_per_user": 2, "licensed": 0.5},
        },
        expect=[
            {"path": "intune.inventory.device_ids", "same_as": "expected.inventory.device_ids"},
            {"path": "intune.exchange_connection.last_successful_sync", "is_set": True},
        ],
    )
    runner = Runner(scenario)
    result = runner.run()
    assert result.passed, result.failures
    exchange_total = runner.observe("exchange.devices.count")
    assert 0 < runner.observe("intune.inventory.count") < exchange_total
