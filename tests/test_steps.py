"""The step language: the registry, file errors for the new steps, and what each step does to
the world (those the library's scenarios do not already exercise end to end)."""

from __future__ import annotations

import textwrap

import pytest

from connector.errors import ConnectorError
from simulator.cli import main
from simulator.language.loader import ScenarioError, parse_scenario
from simulator.language.schema import ACTIONS, json_schema
from simulator.language.steps import FAMILIES, STEPS
from simulator.language.steps.base import StepError

SVC = {"user": "CONTOSO\\svc-intune", "password": "P@ssw0rd-svc!"}
STILL = {
    "directory": {
        "accounts": [
            {
                "name": "CONTOSO\\svc-intune",
                "password": "P@ssw0rd-svc!",
                "role_groups": ["Organization Management"],
            },
            {"name": "CONTOSO\\ann", "password": "Ann-2016!", "mailbox": True, "licensed": True},
        ],
        "groups": [{"name": "Sales"}],
    },
    "exchange": {"version": "2013 CU12", "servers": [{"name": "EX01"}]},
    "population": {"users": 4, "behaviour": False},
    "hosts": [{"name": "CONN01"}],
}


def parse(text: str):
    return parse_scenario(textwrap.dedent(text), "s.yaml")


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse(text)
    return info.value


# -- the registry and the schema ------------------------------------------------------------------
def test_every_family_registers_steps_and_every_step_documents_itself():
    assert {k.family for k in STEPS.values()} == set(FAMILIES)
    assert all(k.summary for k in STEPS.values()), [n for n, k in STEPS.items() if not k.summary]
    assert list(ACTIONS) == sorted(STEPS)


def test_the_json_schema_offers_every_action():
    schema = json_schema()
    text = str(schema)
    for name in STEPS:
        assert f"'const': '{name}'" in text or f"'enum': ['{name}']" in text, name


# -- bad files --------------------------------------------------------------------------------------
def test_a_misspelled_key_of_a_new_step_names_line_field_and_closest_key():
    err = error_of(
        """\
        name: bad
        steps:
          - do: set_service_config
            key: {LogLevel: Verbose}
        """
    )
    assert (err.line, err.field) == (4, "steps[0].key")
    assert "did you mean keys" in err.message


def test_an_account_mail_that_is_no_smtp_address_is_refused_with_its_line():
    err = error_of(
        """\
        name: bad
        world:
          directory:
            accounts:
              - {name: CONTOSO\\ann, password: x, mail: ann.lee}
        """
    )
    assert err.line == 5 and "mail" in err.field
    assert 'The email address "ann.lee" isn\'t correct' in err.message


def test_a_misspelled_new_action_suggests_the_closest():
    err = error_of("name: bad\nsteps:\n  - do: reconfigur\n")
    assert err.line == 3 and "did you mean reconfigure" in err.message


def test_the_exchange_shorthand_is_a_step_and_its_errors_name_the_step():
    scenario = parse('name: s\nsteps:\n  - exchange: "Get-CASMailbox"\n    account: CONTOSO\\svc\n')
    assert scenario.steps[0].do == "exchange" and scenario.steps[0].command == "Get-CASMailbox"
    err = error_of('name: bad\nsteps:\n  - exchange: "Get-CASMailbox"\n    acount: x\n')
    assert err.field == "steps[0].acount" and "did you mean account" in err.message


def test_a_field_named_like_a_step_keeps_its_name_in_errors():
    err = error_of("name: bad\nexpect:\n  - {path: intune.connectors, equals: 0, at: soon}\n")
    assert err.field == "expect[0].at"


def test_an_at_step_before_the_start_is_refused_before_the_run():
    err = error_of("name: bad\nsteps:\n  - at: 2016-05-01T00:00:00Z\n")
    assert "before the scenario's start" in err.message


def test_a_fault_step_checks_its_kind_and_parameters():
    err = error_of("name: bad\nsteps:\n  - {do: fault, kind: proxy_dwn}\n")
    assert "did you mean proxy_down" in err.message
    err = error_of("name: bad\nsteps:\n  - {do: fault, kind: latency, params: {target: x}}\n")
    assert "needs the parameter seconds" in err.message
    err = error_of(
        "name: bad\nsteps:\n  - {do: fault, kind: service_restart, lasting: 1h, params: {host: CONN01}}\n"
    )
    assert "one instant" in err.message


def test_a_device_is_named_one_way_only():
    err = error_of("name: bad\nsteps:\n  - {do: wipe_device, device: X, user: ann}\n")
    assert "either device" in err.message


def test_validate_exits_2_for_a_bad_step(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nsteps:\n  - {do: link_gpo, name: G}\n")
    assert main(["validate", str(path)]) == 2
    assert "steps[0].logon_as_service: this field is required" in capsys.readouterr().err


# -- what steps do ----------------------------------------------------------------------------------
@pytest.mark.twin_scenario({"world": STILL})
def test_directory_steps_change_logons(twin):
    directory = twin.world.directory
    twin.play({"do": "set_password", "account": "CONTOSO\\ann", "password": "New-2016!"})
    assert directory.authenticate("CONTOSO\\ann", "New-2016!")
    twin.play({"do": "expire_password", "account": "CONTOSO\\ann"})
    with pytest.raises(Exception, match="password_expired"):
        directory.authenticate("CONTOSO\\ann", "New-2016!")
    twin.play({"do": "disable_account", "account": "ann@contoso.local"})
    assert not directory.find("CONTOSO\\ann").enabled
    twin.play({"do": "enable_account", "account": "CONTOSO\\ann"})
    twin.play({"do": "add_to_group", "account": "CONTOSO\\ann", "group": "Sales"})
    assert directory.memberships(directory.find("CONTOSO\\ann")) == ["sales"]
    twin.play({"do": "remove_from_group", "account": "CONTOSO\\ann", "group": "Sales"})
    assert directory.memberships(directory.find("CONTOSO\\ann")) == []
    with pytest.raises(StepError, match="no account 'CONTOSO\\\\zed'"):
        twin.play({"do": "lock_account", "account": "CONTOSO\\zed"})
    assert "New-2016!" not in twin.world.trace.data().decode()


@pytest.mark.twin_scenario({"world": STILL})
def test_directory_steps_change_upn_and_mail_which_exchange_sees_at_once(twin):
    world = twin.world
    mailbox = next(m for m in world.org.mailboxes if m.sam == "ann")
    twin.play({"do": "set_upn", "account": "CONTOSO\\ann", "upn": "ann.lee@contoso.com"})
    assert (world.directory.find("CONTOSO\\ann").upn, mailbox.upn) == ("ann.lee@contoso.com",) * 2
    assert "ann.lee@contoso.com" not in world.intune.tenant.users  # until the next directory sync
    twin.play({"do": "set_mail", "account": "ann.lee@contoso.com", "mail": "al@contoso.com"})
    assert (mailbox.mail, mailbox.primary_smtp) == ("al@contoso.com", "ann@contoso.local")
    with pytest.raises(StepError, match="already used by CONTOSO"):
        twin.play({"do": "set_upn", "account": "CONTOSO\\svc-intune", "upn": "ann.lee@contoso.com"})
    with pytest.raises(StepError, match="isn't correct"):
        twin.play({"do": "set_mail", "account": "CONTOSO\\ann", "mail": "nope"})
    twin.play(
        {
            "do": "create_user",
            "name": "CONTOSO\\cat",
            "mailbox": True,
            "mail": "cat.jones@contoso.com",
        }
    )
    cat = next(m for m in world.org.mailboxes if m.sam == "cat")
    assert (cat.upn, cat.primary_smtp) == ("cat@contoso.local", "cat.jones@contoso.com")
    changes = [e for e in world.trace.events if e["kind"] == "directory.change"]
    assert [e["change"] for e in changes] == ["upn", "mail", "created"]


@pytest.mark.twin_scenario({"world": STILL})
def test_world_steps_schedule_faults_now_and_end_them(twin):
    twin.advance("1h")
    twin.play(
        {
            "do": "fault",
            "kind": "dns_failure",
            "lasting": "30m",
            "params": {"name": "ex01.contoso.local"},
        }
    )
    assert twin.world.network.resolve("ex01.contoso.local", twin.world.clock.seconds) is None
    twin.advance("31m")
    assert twin.world.network.resolve("ex01.contoso.local", twin.world.clock.seconds) is not None
    assert twin.world.trace.count("fault.end", fault="dns_failure") == 1
    twin.play({"do": "server_down", "server": "EX01"})
    assert not twin.world.exchange_server_up("EX01")
    twin.play({"do": "server_up", "server": "ex01.contoso.local"})
    assert twin.world.exchange_server_up("EX01")
    with pytest.raises(StepError, match="no Exchange server is down|EX01 is down"):
        twin.play({"do": "server_up"})
    twin.play(
        {"do": "add_dns_record", "name": "mail.contoso.local", "target": "ex01.contoso.local"}
    )
    assert twin.world.network.resolve("mail.contoso.local", twin.world.clock.seconds)
    twin.play({"do": "proxy_password_changed", "password": "Rotated-1!"})
    assert "Rotated-1!" not in twin.world.trace.data().decode()


@pytest.mark.twin_scenario({"world": STILL})
def test_device_steps_need_a_living_fleet_and_say_so(twin):
    twin.play(
        {"do": "new_partnership", "user": "CONTOSO\\ann", "device_id": "ANN1", "device_type": "WP8"}
    )
    device = twin.observe("exchange.devices.by_id.ann1")
    assert device["reported"] == "DeviceDiscovery" and device["mailbox"] == "ann@contoso.local"
    with pytest.raises(StepError, match="still"):
        twin.play({"do": "device_sync", "device": "ANN1"})
    with pytest.raises(StepError, match="already exists"):
        twin.play({"do": "new_partnership", "user": "CONTOSO\\ann", "device_id": "ann1"})
    with pytest.raises(StepError, match="unknown device kind 'Nokia3310'"):
        twin.play({"do": "new_partnership", "user": "CONTOSO\\ann", "device_type": "Nokia3310"})


@pytest.mark.twin_scenario({"world": STILL})
def test_console_steps_act_as_an_administrator_with_a_role(twin):
    with pytest.raises(StepError, match="is not an administrator"):
        twin.play({"do": "set_mdm_authority", "authority": "configmgr", "admin": "x@contoso.com"})
    with pytest.raises(StepError, match="already Intune"):
        twin.play({"do": "set_mdm_authority", "authority": "configmgr"})
    with pytest.raises(StepError, match="HTTP 404"):
        twin.play({"do": "remove_device", "device": "NOPE"})


@pytest.mark.twin_scenario({"world": STILL})
def test_connector_steps_refuse_what_is_not_there(twin):
    with pytest.raises(StepError, match="not installed on CONN01"):
        twin.play({"do": "uninstall"})
    with pytest.raises(StepError, match="no service WIEC"):
        twin.play({"do": "restart_service"})
    with pytest.raises(StepError, match="Could not find file"):
        twin.play({"do": "delete_file", "path": "C:\\nope.txt"})
    twin.play({"do": "download_package"})
    twin.play({"do": "install"})
    with pytest.raises(StepError, match="no configuration to change"):
        twin.play(
            {"do": "reconfigure", "exchange": {"server": "ex01.contoso.local"}, "account": SVC}
        )
    with pytest.raises(ConnectorError, match="not a service configuration key"):
        twin.play({"do": "set_service_config", "keys": {"QuickSync": 5}})


@pytest.mark.twin_scenario({"world": STILL})
def test_a_shell_line_that_errs_fails_the_step_with_powershell_text(twin):
    twin.play({"exchange": "Set-CASMailbox ann -ActiveSyncEnabled $false"})
    assert twin.world.org.find_mailboxes("ann")[0].activesync_enabled is False
    with pytest.raises(StepError, match="FullyQualifiedErrorId"):
        twin.play({"exchange": "Get-CASMailbox nobody"})
    assert twin.world.trace.count("exchange.command", ok=False) == 1


@pytest.mark.twin_scenario({"world": STILL})
def test_an_at_step_waits_and_refuses_a_moment_already_passed(twin):
    twin.play({"at": "2h"})
    assert twin.world.clock.iso() == "2016-05-02T10:00:00.000Z"
    with pytest.raises(StepError, match="already at"):
        twin.play({"at": "1h"})


def test_the_service_steps_name_the_connectors_own_windows_service():
    """The language spells the service's name for its schema default (it never imports the
    connector); it must be the one setup installs."""
    from connector import SERVICE_NAME
    from simulator.language.steps.base import CONNECTOR_SERVICE

    assert CONNECTOR_SERVICE == SERVICE_NAME
