"""The prerequisite check: every SPEC R1 item as a finding, against the twin (SPEC R1)."""

from __future__ import annotations

from connector.config import ConfigurationRequest, ProxySettings
from connector.configure import ConfigurationWizard
from connector.exchange import Credential
from tests.connector.conftest import SVC_PASSWORD, SVC_USER, accounts, installed, world


def preflight(
    twin, driver, server="ex01.contoso.local", user=SVC_USER, password=SVC_PASSWORD, proxy=None
):
    runtime = twin.runner.connector(driver.host)
    request = ConfigurationRequest("on_premises", server, Credential(user, password), proxy=proxy)
    findings = twin.call(
        lambda: ConfigurationWizard(runtime.platform, runtime.shell).preflight(request)
    )
    return {f.requirement + ":" + f.title: f for f in findings}


def severities(findings):
    return {key: f.severity for key, f in findings.items()}


def test_a_ready_world_passes_every_requirement_without_registering():
    twin, driver = installed()
    findings = preflight(twin, driver)
    assert {k.split(":")[0] for k in findings} >= {
        "R1.1",
        "R1.2",
        "R1.3",
        "R1.4",
        "R1.5",
        "R1.6",
        "R1.7",
        "R1.8",
        "R1.9",
        "R1.10",
        "R3.2",
    }
    assert all(f.severity == "ok" for f in findings.values()), [
        f.describe() for f in findings.values() if f.severity != "ok"
    ]
    assert twin.world.intune.connectors == {}


def test_tenant_and_exchange_problems_are_each_named():
    twin, driver = installed(
        world(
            tenant={"mdm_authority": "configmgr", "directory_sync": False},
            exchange={"version": "2010 RTM", "servers": [{"name": "EX01"}]},
            directory=accounts(
                {
                    "name": "CONTOSO\\viewer",
                    "password": "V1ewer-Pass!",
                    "role_groups": ["View-Only Organization Management"],
                }
            ),
        )
    )
    findings = preflight(twin, driver, user="CONTOSO\\viewer", password="V1ewer-Pass!")
    blockers = {k.split(":")[0]: f for k, f in findings.items() if f.severity == "blocker"}
    assert set(blockers) == {"R1.2", "R1.5", "R1.6", "R1.10"}
    assert "Version 14.0 (Build 639.21)" in blockers["R1.2"].found
    assert (
        "Configuration Manager" in blockers["R1.5"].found or "configmgr" in blockers["R1.5"].found
    )
    assert (
        "Set-CasMailbox" in blockers["R1.10"].found
        and "Get-ExchangeServer" not in blockers["R1.10"].found
    )


def test_host_that_is_server_core_with_the_client_profile_is_refused_by_requirement():
    twin, driver = installed()
    host = twin.world.hosts["CONN01"]
    host.server_core = True
    host.dotnet = [("4.0", "Client")]
    found = severities(preflight(twin, driver))
    assert found["R1.1:Operating system"] == "blocker"
    assert found["R1.4:.NET Framework"] == "blocker"


def test_intune_unreachable_through_the_proxy_is_r1_8():
    twin, driver = installed(
        world(
            network={
                "direct_internet": False,
                "proxy": {
                    "address": "proxy.contoso.local",
                    "port": 8080,
                    "user": "CONTOSO\\proxy",
                    "password": "Pr0xy-Pass!",
                },
            }
        )
    )
    wrong = ProxySettings("proxy.contoso.local", 8080, "CONTOSO\\proxy", "stale-password")
    findings = preflight(twin, driver, proxy=wrong)
    r18 = findings["R1.8:Intune reachable"]
    assert r18.severity == "blocker" and "407" in r18.found
    right = ProxySettings("proxy.contoso.local", 8080, "CONTOSO\\proxy", "Pr0xy-Pass!")
    assert preflight(twin, driver, proxy=right)["R1.8:Intune reachable"].severity == "ok"


def test_unreachable_exchange_server_is_r1_9():
    twin, driver = installed()
    twin.world.faults.schedule("exchange_down", 0, None, server="EX01")
    r19 = preflight(twin, driver)["R1.9:Exchange server running"]
    assert r19.severity == "blocker" and "ex01.contoso.local" in r19.found
