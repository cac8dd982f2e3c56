"""Windows hosts: the release catalogue (unsupported but possible hosts, impossible ones
refused), .NET profiles, folder security, and "Log on as a service" under Group Policy with
the service failing to start again (SPEC R1.1, R1.4, R2.4, R3.5; customer issue C07)."""

from __future__ import annotations

import pytest

from simulator.language.loader import ScenarioError
from simulator.world.host import (
    GroupPolicy,
    ServiceRecord,
    SimHost,
    check_installation,
    parse_dotnet,
)
from tests.world.conftest import small_world


@pytest.mark.parametrize(
    ("os", "edition", "arch", "core"),
    [
        ("Windows Server 2008", "Standard", "x86", False),  # 32-bit: unsupported, but it exists
        ("Windows Server 2012 R2", "Datacenter", "x64", True),  # Server Core
        ("Windows Server 2003", None, "x86", False),
        ("Windows 10", "Enterprise", "x64", False),
    ],
)
def test_unsupported_hosts_can_be_staged(os, edition, arch, core):
    check_installation(os, edition, arch, core)


@pytest.mark.parametrize(
    ("os", "edition", "arch", "core", "message"),
    [
        ("Windows Server 2012 R2", None, "x86", False, "no 32-bit"),
        ("Windows Server 2003", None, "x64", True, "no Server Core"),
        ("Windows Server 2012", "Enterprise", "x64", False, "no Enterprise edition"),
        ("Windows Server 2012R2", None, "x64", False, "did you mean Windows Server 2012 R2"),
    ],
)
def test_impossible_hosts_are_refused(os, edition, arch, core, message):
    with pytest.raises(ValueError, match=message):
        check_installation(os, edition, arch, core)


def test_dotnet_profiles():
    assert parse_dotnet("4.5.2") == ("4.5.2", "Full")
    assert parse_dotnet("4.0 Client Profile") == ("4.0", "Client")
    with pytest.raises(ValueError, match="no Client Profile"):
        parse_dotnet("4.5 Client")


def test_a_scenario_naming_an_impossible_host_is_refused_with_its_line():
    with pytest.raises(ScenarioError) as exc:
        small_world(
            hosts=[{"name": "CONN01", "os": "Windows Server 2012 R2", "architecture": "x86"}]
        )
    assert "world.hosts[0]" in str(exc.value) and "no 32-bit" in str(exc.value)
    assert exc.value.line is not None


def test_host_facts_come_from_the_catalogue():
    world = small_world(
        hosts=[
            {
                "name": "CONN01",
                "os": "Windows Server 2008",
                "service_pack": 2,
                "dotnet": ["4.0 Client"],
            }
        ]
    )
    host = world.host("CONN01")
    assert (host.os_version, host.edition, host.dotnet) == ("6.0", "Standard", [("4.0", "Client")])


def test_folders_are_secure_or_readable_by_everyone():
    host = SimHost("H", secure_folders=[r"D:\Setup"], insecure_folders=[r"C:\Users\Public"])
    assert host.is_secure_folder(r"C:\Users\Administrator\Downloads")
    assert not host.is_secure_folder(r"C:\Users\Public\Downloads")
    assert host.is_secure_folder(r"d:\setup\Exchange_Connector_Setup")
    assert not host.is_secure_folder(r"C:\Temp")


def wiec_host(*policies: GroupPolicy) -> SimHost:
    host = SimHost("CONN01", group_policies=list(policies))
    host.services["WIEC"] = ServiceRecord(
        "WIEC", "Microsoft Intune Exchange Connector Service", ".\\WIEC_USER", "x.exe"
    )
    host.grant_logon_as_service(".\\WIEC_USER")
    return host


def test_a_gpo_defining_the_right_removes_local_grants_at_the_refresh_after_it_is_linked():
    host = wiec_host(GroupPolicy("Hardening", ("NT SERVICE\\ALL SERVICES",), linked_at=3600))
    assert host.refresh_group_policy(0) == []
    assert host.start_service("WIEC", "t0")[0]
    assert host.refresh_group_policy(3600) == [".\\WIEC_USER"]
    assert host.services["WIEC"].state == "Running"  # a running service keeps running...
    started, event, message = host.restart_service("WIEC", "t1")  # ...until it restarts
    assert (started, event) == (False, 7000)
    assert [e.event_id for e in host.event_log] == [7041, 7000]
    assert "logon failure" in message.lower()


def test_a_gpo_that_lists_the_account_keeps_it():
    host = wiec_host(GroupPolicy("Connector", (".\\WIEC_USER",)))
    assert host.refresh_group_policy(0) == []
    assert host.has_logon_as_service(".\\wiec_user")


def test_gpo_refresh_and_service_restart_in_a_run():
    """C07 end to end: setup grants the right; the GPO linked later removes it at the next
    refresh; the restart then fails with events 7041 and 7000 and the connector stops."""
    from simulator import run_scenario
    from tests.conftest import BASE, SVC, make_scenario

    world = {**BASE["world"], "population": {"users": 3}}
    world["hosts"] = [
        {
            "name": "CONN01",
            "group_policy": [
                {
                    "name": "Hardening",
                    "logon_as_service": ["NT SERVICE\\ALL SERVICES"],
                    "linked_at": "2h",
                }
            ],
        }
    ]
    scenario = make_scenario(
        world=world,
        faults=[{"kind": "service_restart", "at": "5h", "host": "CONN01"}],
        steps=[
            {"do": "download_package"},
            {"do": "install"},
            {"do": "configure", "exchange": {"server": "ex01.contoso.local"}, "account": SVC},
            {"advance": "6h"},
        ],
        expect=[
            {"path": "hosts.CONN01.events", "equals": [7041, 7000]},
            {"path": "hosts.CONN01.services.WIEC", "equals": "Stopped"},
            {
                "trace": "host.group_policy",
                "where": {"lost_logon_as_service": [".\\WIEC_USER"]},
                "count": 1,
            },
            {"trace": "service.restart", "where": {"started": False, "event_id": 7000}, "count": 1},
            {"path": "intune.exchange_connection.status", "equals": "disconnected"},
        ],
    )
    result = run_scenario(scenario)
    assert result.passed, result.failures


def test_a_powershell_version_written_as_a_number_means_that_version():
    world = small_world(hosts=[{"name": "CONN01", "powershell": 2.0}])
    assert world.host("CONN01").powershell_version == "2.0"
    with pytest.raises(ScenarioError, match="powershell"):
        small_world(hosts=[{"name": "CONN01", "powershell": "6.0"}])
