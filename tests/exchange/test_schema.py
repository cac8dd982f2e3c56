"""The world.exchange / world.population / accounts' RBAC parts of the scenario schema."""

from __future__ import annotations

import pytest

from simulator.language.loader import ScenarioError, parse_scenario
from tests.exchange.conftest import connect, make_world


def invalid(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "bad.yaml")
    return err.value


def test_exchange_section_builds_settings_rules_policies_and_budgets():
    world = make_world(
        exchange={
            "organization": "Contoso Corp",
            "settings": {
                "default_access_level": "Quarantine",
                "admin_mail_recipients": ["it@contoso.local"],
            },
            "rules": [
                {"query_string": "WP8", "characteristic": "DeviceType", "access_level": "Block"}
            ],
            "policies": [
                {
                    "name": "Strict",
                    "default": True,
                    "settings": {"PasswordEnabled": True, "MinDevicePasswordLength": 6},
                }
            ],
            "throttling": {"max_concurrency": 2, "max_cmdlets": 100, "cmdlets_period": "1m"},
            "access_cache": "2h",
            "device_discovery": "5m",
        }
    )
    org = world.org
    assert org.name == "Contoso Corp" and org.settings.default_access_level == "Quarantine"
    assert [r.name for r in org.rules] == ["WP8 (DeviceType)"]
    strict = org.default_policy()
    assert strict.name == "Strict" and strict.settings["DevicePasswordEnabled"] is True
    assert [p.name for p in org.policies] == ["Default", "Strict"]
    assert org.throttling.policy.max_concurrency == 2 and org.throttling.policy.cmdlets_period == 60
    assert (org.access_cache_seconds, org.discovery_seconds) == (7200, 300)
    assert connect(world).invoke("Get-ActiveSyncOrganizationSettings")[0][
        "AdminMailRecipients"
    ] == ["it@contoso.local"]


def test_schema_errors_name_file_line_and_field():
    err = invalid(
        "name: x\nworld:\n  exchange:\n    rules: [{query_string: a, characteristic: Colour, access_level: Block}]\n"
    )
    assert err.line == 4 and "world.exchange.rules[0].characteristic" in str(err)
    err = invalid(
        "name: x\nworld:\n  directory:\n    accounts: [{name: 'A\\b', password: p, roles: [Mail Recipient]}]\n"
    )
    assert "unknown management role 'Mail Recipient'" in str(err)
    err = invalid("name: x\nworld:\n  exchange:\n    role_groups: [{name: G, roles: [Nope]}]\n")
    assert "world.exchange.role_groups[0].roles" in str(err)
    err = invalid("name: x\nworld:\n  population:\n    behaviour: {tick: soon}\n")
    assert "world.population.behaviour.tick" in str(err) and "invalid duration" in str(err)
    err = invalid(
        "name: x\nworld:\n  exchange:\n    policies: [{name: P, settings: {MaxDevicePasswordFailedAttempts: 40}}]\n"
    )
    assert "out of range" in str(err)


def test_population_domain_must_exist_in_the_directory():
    with pytest.raises(
        ValueError, match="world.population.domains: 'emea.contoso.local' is not a domain"
    ):
        make_world(population={"domains": ["emea.contoso.local"]})
