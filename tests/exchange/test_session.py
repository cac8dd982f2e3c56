"""Opening remote sessions: DNS, CAS role, credentials, trust, server up/down, throttling."""

from __future__ import annotations

import pytest

from connector import exchange as port
from simulator.exchange import errors as ex
from simulator.run.adapters import to_port_error
from tests.exchange.conftest import ADMIN, PASSWORD, account, connect, make_world, with_accounts


def test_session_on_a_cas_opens_and_runs_cmdlets(world):
    session = connect(world)
    assert session.server.name == "EX01"
    assert session.account == "CONTOSO\\admin"
    assert session.invoke("Get-ExchangeServer")[0]["Name"] == "EX01"


def test_unknown_name_fails_dns(world):
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world, server="nope.contoso.local")
    assert err.value.kind == "dns"
    assert "server name cannot be resolved" in err.value.message


def test_cas_array_name_is_refused():
    world = make_world(exchange={"cas_arrays": ["outlook.contoso.local"]})
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world, server="outlook.contoso.local")
    assert err.value.kind == "not_cas"
    assert "Client Access server array" in err.value.message


def test_server_without_client_access_role_is_refused():
    world = make_world(
        exchange={
            "version": "2010 SP3",
            "servers": [
                {"name": "CAS01", "roles": ["ClientAccess", "HubTransport"]},
                {"name": "MBX01", "roles": ["Mailbox"]},
            ],
        }
    )
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world, server="mbx01.contoso.local")
    assert err.value.kind == "not_cas"
    assert "was not found in the WS-Management catalog" in err.value.message
    assert connect(world, server="cas01.contoso.local").server.name == "CAS01"


def test_exchange_2016_mailbox_server_accepts_sessions():
    world = make_world(
        exchange={"version": "2016 CU1", "servers": [{"name": "EX16", "roles": ["Mailbox"]}]}
    )
    session = connect(world, server="ex16.contoso.local")
    assert session.invoke("Get-ExchangeServer")[0]["ServerRole"] == "Mailbox"


@pytest.mark.parametrize(
    ("flags", "password", "reason", "text"),
    [
        ({}, "wrong", "bad_password", "Access is denied."),
        ({"locked": True}, PASSWORD, "locked", "currently locked out"),
        ({"enabled": False}, PASSWORD, "disabled", "account is currently disabled"),
        ({"password_expired": True}, PASSWORD, "password_expired", "password has expired"),
    ],
)
def test_each_credential_failure_has_its_own_error(flags, password, reason, text):
    world = make_world(
        directory=with_accounts(account("CONTOSO\\svc", "Organization Management", **flags))
    )
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world, "CONTOSO\\svc", password)
    assert err.value.kind == f"auth:{reason}"
    assert text in err.value.message
    mapped = to_port_error(err.value)
    assert isinstance(mapped, port.AuthenticationFailed) and mapped.reason == reason


def test_account_of_an_untrusted_domain_is_refused():
    world = make_world(
        directory={
            "extra_domains": [{"name": "fabrikam.local", "netbios": "FABRIKAM"}],
            "accounts": [
                {"name": ADMIN, "password": PASSWORD, "role_groups": ["Organization Management"]},
                account("FABRIKAM\\svc", "Organization Management"),
            ],
        }
    )
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world, "FABRIKAM\\svc")
    assert err.value.kind == "trust"
    assert isinstance(to_port_error(err.value), port.AuthenticationFailed)


def test_trusted_domain_account_is_accepted():
    world = make_world(
        directory={
            "extra_domains": [{"name": "fabrikam.local", "netbios": "FABRIKAM"}],
            "trusts": [{"trusting": "contoso.local", "trusted": "fabrikam.local"}],
            "accounts": [
                {"name": ADMIN, "password": PASSWORD, "role_groups": ["Organization Management"]},
                account("FABRIKAM\\svc", "Organization Management"),
            ],
        }
    )
    assert connect(world, "FABRIKAM\\svc").account == "FABRIKAM\\svc"


def test_server_down_refuses_new_sessions_and_breaks_open_ones(world):
    session = connect(world)
    world.faults.schedule("exchange_down", start=world.clock.seconds, server="EX01")
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world)
    assert err.value.kind == "unreachable"
    with pytest.raises(ex.SessionBroken) as broken:
        session.invoke("Get-ExchangeServer")
    assert "WinRM client cannot complete the operation" in broken.value.message
    assert isinstance(to_port_error(broken.value), port.ExchangeError)
    with pytest.raises(ex.SessionBroken):
        session.invoke("Get-ExchangeServer")  # closed for good


def test_concurrency_budget_refuses_the_nineteenth_runspace(world):
    sessions = [connect(world) for _ in range(18)]
    with pytest.raises(ex.ConcurrencyExceeded) as err:
        connect(world)
    assert "maximum number of 18 concurrent shells" in err.value.message
    assert err.value.retry_after > 0
    mapped = to_port_error(err.value)
    assert isinstance(mapped, port.Throttled) and mapped.retry_after == err.value.retry_after
    sessions[0].close()
    assert connect(world).open


def test_idle_sessions_stop_counting_and_break():
    world = make_world(exchange={"throttling": {"max_concurrency": 1, "idle_timeout": "15m"}})
    first = connect(world)
    with pytest.raises(ex.ConcurrencyExceeded):
        connect(world)
    world.clock.spend(16 * 60)
    second = connect(world)
    assert second.open
    with pytest.raises(ex.SessionBroken) as err:
        first.invoke("Get-ExchangeServer")
    assert "idle for more than 15 minutes" in err.value.message


def test_cmdlet_budget_per_window_raises_throttling_with_retry_after():
    world = make_world(exchange={"throttling": {"max_cmdlets": 3, "cmdlets_period": "60s"}})
    session = connect(world)
    for _ in range(3):
        session.invoke("Get-ExchangeServer")
    with pytest.raises(ex.CmdletBudgetExceeded) as err:
        session.invoke("Get-ExchangeServer")
    assert "user load quota of 3 requests per 60 seconds" in err.value.message
    assert 0 < err.value.retry_after <= 60
    assert isinstance(to_port_error(err.value), port.Throttled)
    world.clock.spend(err.value.retry_after + 0.01)
    assert session.invoke("Get-ExchangeServer")


def test_per_account_budget_overrides_the_default():
    world = make_world(
        directory=with_accounts(account("CONTOSO\\svc", "Organization Management")),
        exchange={"throttling": {"accounts": {"CONTOSO\\svc": {"max_concurrency": 1}}}},
    )
    connect(world, "CONTOSO\\svc")
    with pytest.raises(ex.ConcurrencyExceeded) as err:
        connect(world, "CONTOSO\\svc")
    assert "maximum number of 1 concurrent" in err.value.message
    assert connect(world) and connect(world)  # the admin keeps the default budget


def test_role_changes_apply_to_new_sessions_only():
    world = make_world(directory=with_accounts(account("CONTOSO\\helpdesk", "Help Desk")))
    old = connect(world, "CONTOSO\\helpdesk")
    assert "Set-ActiveSyncOrganizationSettings" not in old.available_cmdlets()
    world.directory.find("CONTOSO\\helpdesk").groups.append("Organization Management")
    assert "Set-ActiveSyncOrganizationSettings" not in old.available_cmdlets()
    with pytest.raises(ex.CommandNotFound):
        old.invoke("Get-ActiveSyncOrganizationSettings")
    new = connect(world, "CONTOSO\\helpdesk")
    assert new.invoke("Get-ActiveSyncOrganizationSettings")[0]["DefaultAccessLevel"] == "Allow"


def test_each_cmdlet_spends_simulated_time(world):
    session = connect(world)
    before = world.clock.seconds
    session.invoke("Get-CASMailbox", {"ResultSize": "Unlimited"})
    assert world.clock.seconds > before


@pytest.mark.parametrize("password", [PASSWORD, "wrong-password"])
def test_exchange_2007_has_no_remote_powershell_404_before_authentication(password):
    world = make_world(exchange={"version": "2007 SP3", "servers": [{"name": "EX07"}]})
    with pytest.raises(ex.RemoteConnectError) as err:
        connect(world, password=password, server="ex07.contoso.local")
    assert err.value.kind == "no_remote_powershell"
    assert err.value.error_id == "PSSessionOpenFailed"
    assert "The WinRM client received an HTTP status code of 404" in err.value.message
    assert type(to_port_error(err.value)) is port.RemotePowerShellMissing


def test_exchange_2010_rtm_opens_remote_powershell():
    world = make_world(exchange={"version": "2010 RTM", "servers": [{"name": "EX10"}]})
    session = connect(world, server="ex10.contoso.local")
    assert session.invoke("Get-ExchangeServer")[0]["AdminDisplayVersion"].startswith("Version 14.0")


def test_every_ews_response_names_the_answering_servers_version():
    import base64

    from connector.server_version import parse_server_version_info

    world = make_world(
        exchange={
            "version": "2013 CU12",
            "servers": [{"name": "EX07", "version": "2007 SP3"}, {"name": "EX13"}],
        }
    )
    auth = "Basic " + base64.b64encode(f"{ADMIN}:{PASSWORD}".encode()).decode()
    body = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b"<GetFolder/></s:Body></s:Envelope>"
    )
    seen = {}
    for fqdn in ("ex07.contoso.local", "ex13.contoso.local"):
        status, _, xml = world.http_services[fqdn].handle(
            "POST", "/EWS/Exchange.asmx", {}, {"Authorization": auth}, body, world.clock.now()
        )
        assert status == 200 and b"GetFolder" in xml  # an unemulated operation, named
        seen[fqdn] = parse_server_version_info(xml)
    assert seen == {
        "ex07.contoso.local": "Version 8.3 (Build 83.6)",
        "ex13.contoso.local": "Version 15.0 (Build 1178.4)",
    }


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ex.RecipientNotFound("x"), port.ObjectNotFound),
        (ex.RecipientNotUnique("x"), port.AmbiguousIdentity),
        (ex.DomainNotFound("x"), port.ObjectNotFound),
        (ex.ValueAlreadyPresent("x"), port.InvalidArgument),
        (ex.PropertyOutOfRange(20, 1, 16), port.InvalidArgument),
        (ex.SessionBroken("broken"), port.ServerUnavailable),
        (ex.WriteScopeError.recipient("x"), port.AccessDenied),
        (ex.MissingMandatoryParameter(["Identity"]), port.InvalidArgument),
        (ex.ParameterNotFound("Set-CASMailbox", "X"), port.ParameterNotFound),
    ],
)
def test_exchange_errors_map_to_the_connector_port(error, expected):
    mapped = to_port_error(error)
    assert type(mapped) is expected
    assert (mapped.message, mapped.error_id) == (error.message, error.error_id)


def test_a_throttling_fault_tightens_the_budget_while_active(world):
    now = world.clock.seconds
    world.faults.schedule(
        "throttling",
        start=now + 60,
        end=now + 600,
        account="CONTOSO\\admin",
        max_cmdlets=2,
        period=60.0,
    )
    session = connect(world)
    for _ in range(5):
        session.invoke("Get-ExchangeServer")  # before the fault: the policy's unlimited budget
    world.clock.spend(120)
    session.invoke("Get-ExchangeServer")
    session.invoke("Get-ExchangeServer")
    with pytest.raises(
        ex.CmdletBudgetExceeded, match="user load quota of 2 requests per 60 seconds"
    ):
        session.invoke("Get-ExchangeServer")
    world.clock.spend(600)
    for _ in range(5):
        session.invoke("Get-ExchangeServer")  # the fault has ended


def test_a_throttling_fault_can_cap_runspaces_of_one_account():
    world = make_world(directory=with_accounts(account("CONTOSO\\svc", "Organization Management")))
    world.faults.schedule("throttling", start=0, account="CONTOSO\\svc", max_concurrency=1)
    connect(world, "CONTOSO\\svc")
    with pytest.raises(
        ex.ConcurrencyExceeded, match="ex01.contoso.local failed .* maximum number of 1"
    ):
        connect(world, "CONTOSO\\svc")
    assert connect(world) and connect(world)  # other accounts keep their budget
