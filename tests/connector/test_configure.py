"""The configuration wizard against the twin: validation, Connect, replacement, the proxy
snapshot and the administrator's sign-in (SPEC R3, R4)."""

from __future__ import annotations

import pytest

from connector.config import ConfigStore, ConfigurationRequest, ProxySettings
from connector.configure import ConfigurationWizard
from connector.errors import (
    ExchangeUnreachable,
    InvalidConfiguration,
    RegistrationRefused,
    ReplaceRequired,
)
from connector.exchange import Credential
from connector.log import ConnectorLog
from tests.connector.conftest import (
    SVC_PASSWORD,
    SVC_USER,
    build,
    events,
    installed,
    log_records,
    world,
)

PROXY = {
    "address": "proxy.contoso.local",
    "port": 8080,
    "user": "CONTOSO\\proxy",
    "password": "Pr0xy-Pass!",
}


def wizard(twin, host="CONN01"):
    runtime = twin.runner.connector(host)
    return runtime, ConfigurationWizard(runtime.platform, runtime.shell)


def request(**kw):
    base = {
        "server_type": "on_premises",
        "server": "ex01.contoso.local",
        "service_account": Credential(SVC_USER, SVC_PASSWORD),
    }
    return ConfigurationRequest(**{**base, **kw})


@pytest.mark.parametrize(
    "field, changes",
    [
        ("server", {"server": "ex01 contoso"}),
        ("service_account.user", {"service_account": Credential("svc-intune", SVC_PASSWORD)}),
        ("service_account.password", {"service_account": Credential(SVC_USER, "")}),
        ("proxy.port", {"proxy": ProxySettings("proxy.contoso.local", 70000)}),
        (
            "proxy.password",
            {"proxy": ProxySettings("proxy.contoso.local", 8080, "CONTOSO\\p", None)},
        ),
        ("notification_account.user", {"notification_account": Credential("not an account", "x")}),
        ("server_type", {"server_type": "cloud"}),
    ],
)
def test_bad_input_is_refused_before_anything_is_contacted(field, changes):
    twin, _ = installed()
    _, w = wizard(twin)
    before = len(twin.world.trace.events)
    with pytest.raises(InvalidConfiguration) as err:
        twin.call(lambda: w.connect(request(**changes)))
    assert err.value.field == field
    contacted = [
        e
        for e in twin.world.trace.events[before:]
        if e["kind"] in ("cmdlet", "http", "exchange.session")
    ]
    assert contacted == []


def test_a_cas_array_name_is_refused_as_error_1():
    twin, _ = installed(
        world(
            exchange={
                "cas_arrays": ["outlook.contoso.local"],
                "servers": [{"name": "EX01"}, {"name": "EX02"}],
            }
        )
    )
    _, w = wizard(twin)
    with pytest.raises(ExchangeUnreachable) as err:
        twin.call(lambda: w.connect(request(server="outlook.contoso.local")))
    assert err.value.code == "0x00000001" and "arrays are not supported" in str(err.value)


def test_profile_2016_replaces_the_earlier_connection_silently():
    spec = world(hosts=[{"name": "CONN01"}, {"name": "CONN02"}])
    twin, first = installed(spec)
    first.configure()
    from simulator.plugin.twin import ConnectorDriver

    second = ConnectorDriver(twin, "CONN02")
    second.download()
    second.install()
    second.configure()
    conns = {c["host"]: c["status"] for c in twin.observe("intune.connections")}
    assert conns["CONN01"] == "replaced"
    assert conns["CONN02"] in ("connectionPending", "connected")
    first.advance("10m")
    assert first.service.retired == "replaced"
    assert first.state["service_state"] == "Stopped"
    assert any(r["event"] == "ConnectorRetired" for r in log_records(first))


def test_profile_2018_asks_to_replace_and_replaces_when_confirmed():
    spec = world(
        hosts=[{"name": "CONN01"}, {"name": "CONN02"}],
        tenant={"admin_sign_in": "not_required"},
    )
    twin, first = installed(spec, profile="2018")
    first.configure()
    from simulator.plugin.twin import ConnectorDriver

    second = ConnectorDriver(twin, "CONN02")
    second.download()
    second.install()
    runtime, w = wizard(twin, "CONN02")
    with pytest.raises(ReplaceRequired, match="confirm Replace"):
        twin.call(lambda: w.connect(request()))
    assert twin.observe("intune.active_connectors") == 1
    result = twin.call(lambda: w.connect(request(replace=True)))
    assert len(result.replaced) == 1
    assert twin.observe("intune.exchange_connection.host") == "CONN02"


def test_profile_2018_needs_an_administrator_who_holds_an_intune_role():
    spec = world(
        tenant={
            "admins": [
                {"upn": "admin@contoso.onmicrosoft.com", "password": "Adm1n-Pass!"},
                {"upn": "helpdesk@contoso.onmicrosoft.com", "password": "Help-Pass1!", "roles": []},
            ]
        }
    )
    twin, _ = installed(spec, profile="2018")
    _, w = wizard(twin)
    with pytest.raises(RegistrationRefused, match="signInRequired"):
        twin.call(lambda: w.connect(request()))
    with pytest.raises(RegistrationRefused, match="badRequest"):
        twin.call(
            lambda: w.connect(
                request(administrator=Credential("helpdesk@contoso.onmicrosoft.com", "Help-Pass1!"))
            )
        )
    result = twin.call(
        lambda: w.connect(
            request(administrator=Credential("admin@contoso.onmicrosoft.com", "Adm1n-Pass!"))
        )
    )
    assert result.connector_id
    assert "Adm1n-Pass!" not in twin.world.trace.data().decode()


def test_the_proxy_is_a_snapshot_until_reconfigured():
    spec = world(network={"direct_internet": False, "proxy": PROXY})
    twin, driver = installed(spec)
    driver.configure(proxy={k: PROXY[k] for k in ("address", "port", "user", "password")})
    driver.advance("1h")
    assert twin.observe("intune.exchange_connection.status") == "connected"
    twin.world.faults.schedule(
        "proxy_credentials_changed", twin.world.clock.seconds, None, password="N3w-Proxy-Pass!"
    )
    driver.advance("2h")
    assert twin.observe("intune.exchange_connection.status") == "disconnected"
    failures = [r for r in log_records(driver) if r.get("code") == "0x00000006"]
    assert failures and "407" in failures[-1]["message"]
    stored = ConfigStore(twin.runner.connectors["CONN01"].platform).load()
    assert stored.proxy.password == "Pr0xy-Pass!"  # the snapshot, not the proxy's new password
    driver.configure(
        proxy={**{k: PROXY[k] for k in ("address", "port", "user")}, "password": "N3w-Proxy-Pass!"}
    )
    driver.advance("1h")
    assert twin.observe("intune.exchange_connection.status") == "connected"
    assert (
        ConfigStore(twin.runner.connectors["CONN01"].platform).load().proxy.password
        == "N3w-Proxy-Pass!"
    )


def test_exchange_traffic_bypasses_the_proxy_and_intune_traffic_uses_it():
    spec = world(network={"direct_internet": False, "proxy": PROXY})
    twin, driver = installed(spec)
    driver.configure(proxy={k: PROXY[k] for k in ("address", "port", "user", "password")})
    driver.advance("30m")
    http = events(twin, "http", host="CONN01")
    assert http and all(
        e["proxy"] == "proxy.contoso.local:8080" for e in http if "manage.microsoft.com" in e["url"]
    )
    assert events(twin, "cmdlet", host="CONN01")  # remote PowerShell went straight to the CAS


def test_reconfiguring_keeps_the_hand_edited_service_keys():
    twin, driver = installed()
    driver.configure()
    connector = twin.runner.connectors["CONN01"]
    keys = {"QuickSyncIntervalMinutes": "30", "IsCasFailoverEnabled": "false"}
    twin.call(lambda: connector.set_service_keys(keys))
    driver.configure()
    settings = ConfigStore(connector.platform).load().settings
    assert settings.quick_sync_interval_minutes == 30 and settings.is_cas_failover_enabled is False


def test_stored_configuration_has_no_secret_in_clear_text():
    spec = world(network={"direct_internet": False, "proxy": PROXY})
    twin, driver = installed(spec)
    driver.configure(proxy={k: PROXY[k] for k in ("address", "port", "user", "password")})
    host = twin.world.hosts["CONN01"]
    everything = b"".join(data for _, data in host.files.values())
    for secret in (SVC_PASSWORD, "Pr0xy-Pass!"):
        assert secret.encode() not in everything


def test_wrong_service_password_is_refused_with_its_own_code():
    twin, driver = build()
    driver.download()
    driver.install()
    _, w = wizard(twin)
    from connector.errors import ExchangeAuthenticationFailed

    with pytest.raises(ExchangeAuthenticationFailed, match="Access is denied"):
        twin.call(lambda: w.connect(request(service_account=Credential(SVC_USER, "wrong"))))


def test_hosted_exchange_is_reached_over_the_internet_through_the_proxy():
    spec = world(
        exchange={"servers": [{"name": "EX01"}], "hosted_address": "mail.fabrikam-hosting.net"},
        network={"direct_internet": False, "proxy": PROXY},
    )
    twin, driver = installed(spec)
    runtime, w = wizard(twin)
    proxy = ProxySettings(PROXY["address"], PROXY["port"], PROXY["user"], PROXY["password"])
    # without the proxy there is no route to the Internet: error 0x00000001
    with pytest.raises(ExchangeUnreachable, match="no route to the Internet"):
        twin.call(
            lambda: w.connect(request(server_type="hosted", server="mail.fabrikam-hosting.net"))
        )
    result = twin.call(
        lambda: w.connect(
            request(server_type="hosted", server="https://mail.fabrikam-hosting.net", proxy=proxy)
        )
    )
    assert result.connector_id
    twin.runner.connectors["CONN01"].service = None
    driver.configure(
        server="mail.fabrikam-hosting.net",
        exchange={"type": "hosted", "server": "mail.fabrikam-hosting.net"},
        proxy={k: PROXY[k] for k in ("address", "port", "user", "password")},
    )
    driver.advance("30m")
    assert twin.observe("intune.exchange_connection.server_type") == "hosted"
    assert twin.observe("intune.inventory.device_ids") == twin.observe(
        "expected.inventory.device_ids"
    )


def test_connect_waits_out_exchange_throttling_like_the_service():
    """Connect runs several cmdlets on the service account; when its budget is spent (a
    sync of another host has just used it) the wizard waits as Exchange asks and connects,
    instead of letting the refusal escape (explore seed 934)."""
    twin, _ = installed()
    start = twin.world.clock.seconds
    twin.world.faults.schedule(
        "throttling", start, start + 3600, account=SVC_USER, max_cmdlets=1, period=60.0
    )
    runtime, w = wizard(twin)
    result = twin.call(lambda: w.connect(request()))
    assert result.connector_id
    assert events(twin, "host.sleep", host="CONN01")
    records = ConnectorLog(runtime.platform).records()
    assert any(r["event"] == "Throttled" for r in records)


def test_throttling_that_outlasts_the_waits_is_a_coded_refusal(monkeypatch):
    from connector import throttling
    from connector.errors import ExchangeCommandFailed

    monkeypatch.setattr(throttling, "MAX_THROTTLE_WAITS", 0)  # no patience left
    twin, _ = installed()
    start = twin.world.clock.seconds
    twin.world.faults.schedule(
        "throttling", start, start + 3600, account=SVC_USER, max_cmdlets=1, period=60.0
    )
    _, w = wizard(twin)
    with pytest.raises(ExchangeCommandFailed, match="user load quota") as err:
        twin.call(lambda: w.connect(request()))
    assert err.value.code == "0x0000001b"
