"""The network's decision for each connection: DNS, egress firewall (SPEC R1.8), proxies with
credentials and allowed destinations, faults at the virtual time of the call, timeouts, the
WinHTTP proxy and its bypass list for WinRM (C01), and the exceptions `requests` raises."""

from __future__ import annotations

import pytest
import requests

from simulator.run.adapters import SimPlatform
from simulator.run.http_mount import HttpMount
from simulator.world.faults import FaultTimeline
from simulator.world.network import EgressRule, Firewall, Network, ProxyServer, WinHttpProxy
from tests.world.conftest import small_world

INTUNE = "https://exchangeconnector.manage.microsoft.com/api/v1/connectors"
PROXY = "http://proxy.contoso.local:8080"


def network(**proxy) -> Network:
    net = Network(FaultTimeline(), ["contoso.local"])
    for pattern in ("manage.microsoft.com", "*manage.microsoft.com", "*.manage.microsoft.com"):
        net.add_internet_name(pattern)
    net.add_record("ex01.contoso.local", "ex01.contoso.local")
    net.add_record("proxy.contoso.local", "proxy.contoso.local")
    net.add_proxy(ProxyServer("proxy.contoso.local", 8080, **proxy))
    return net


def outcome(net: Network, url: str = INTUNE, proxy: str | None = PROXY, at: float = 0, **kw) -> str:
    return net.decide_http(url, proxy, at, **kw).outcome


# -- DNS ------------------------------------------------------------------------------------------
def test_dns_follows_aliases_and_short_names():
    net = network()
    net.add_record("autodiscover.contoso.com", "ex01.contoso.local")
    net.add_record("mail.contoso.local", "autodiscover.contoso.com")
    assert net.resolve("mail.contoso.local", 0) == "ex01.contoso.local"
    assert net.resolve("EX01", 0) == "ex01.contoso.local"
    assert net.resolve("exchangeconnector.manage.microsoft.com", 0) is not None
    assert net.resolve("www.example.com", 0) is None
    assert net.is_internal("autodiscover.contoso.com")  # split-brain record
    net.add_record("loop1.contoso.local", "loop2.contoso.local")
    net.add_record("loop2.contoso.local", "loop1.contoso.local")
    assert net.resolve("loop1.contoso.local", 0) is None


def test_the_world_publishes_autodiscover_and_cas_arrays_in_dns():
    world = small_world(exchange={"servers": [{"name": "EX01"}], "cas_arrays": ["outlook"]})
    assert world.network.resolve("autodiscover.contoso.local", 0) == "ex01.contoso.local"
    assert world.network.resolve("outlook.contoso.local", 0) == "outlook"
    bare = small_world(network={"autodiscover": False})
    assert bare.network.resolve("autodiscover.contoso.local", 0) is None


def test_dns_failure_fault_is_read_at_the_time_of_the_call():
    net = network()
    net.faults.schedule("dns_failure", 100, 200, name="*.contoso.local")
    assert net.resolve("ex01.contoso.local", 99.9) is not None
    assert net.resolve("ex01.contoso.local", 100) is None
    assert net.resolve("exchangeconnector.manage.microsoft.com", 150) is not None
    assert net.resolve("ex01.contoso.local", 200) is not None


# -- direct and proxied HTTP ----------------------------------------------------------------------
def test_direct_internet_or_not():
    net = network()
    assert outcome(net, proxy=None) == "ok"
    net.direct_internet = False
    assert outcome(net, proxy=None) == "timeout"
    assert outcome(net, proxy=PROXY) == "ok"


@pytest.mark.parametrize(
    ("allowed", "host", "result"),
    [
        (["manage.microsoft.com"], "exchangeconnector.manage.microsoft.com", "timeout"),
        (["*.manage.microsoft.com"], "exchangeconnector.manage.microsoft.com", "ok"),
        (["*manage.microsoft.com"], "exchangeconnector.manage.microsoft.com", "ok"),
        (["manage.microsoft.com"], "manage.microsoft.com", "ok"),
    ],
)
def test_egress_firewall_and_the_intune_domain_patterns(allowed, host, result):
    net = network()
    rules = [EgressRule("allow", tuple(allowed), (80, 443))]
    net.set_firewall("CONN01", Firewall(rules, default="block"))
    url = f"https://{host}/api/v1/connectors"
    assert outcome(net, url, proxy=None, source="CONN01") == result
    assert outcome(net, url, proxy=None, source="OTHER") == "ok"  # rules are per host


def test_egress_port_must_be_allowed_too():
    net = network()
    net.set_firewall("CONN01", Firewall([EgressRule("allow", ("*",), (443,))], default="block"))
    assert outcome(net, proxy=None, source="CONN01") == "ok"
    assert outcome(net, proxy=PROXY, source="CONN01") == "timeout"  # 8080 to the proxy is blocked


def test_proxy_credentials_407_and_accepted_accounts():
    net = network(
        credentials={"CONTOSO\\proxy": "pw1", "CONTOSO\\other": "pw2"}, require_credentials=True
    )
    assert outcome(net) == "proxy_auth"
    assert (
        outcome(net, proxy="http://CONTOSO%5Cproxy:wrong@proxy.contoso.local:8080") == "proxy_auth"
    )
    assert outcome(net, proxy="http://contoso%5Cproxy:pw1@proxy.contoso.local:8080") == "ok"
    assert outcome(net, proxy="http://CONTOSO%5Cother:pw2@proxy.contoso.local:8080") == "ok"


def test_proxy_allowed_destinations_and_unreachable_targets():
    net = network(allow=["*.manage.microsoft.com:443"])
    assert outcome(net) == "ok"
    assert outcome(net, "http://exchangeconnector.manage.microsoft.com/x") == "proxy_forbidden"
    assert outcome(net, "https://ex01.contoso.local/EWS") == "proxy_forbidden"
    open_proxy = network()
    assert outcome(open_proxy, "https://nowhere.example.com/") == "proxy_bad_gateway"
    assert outcome(open_proxy, proxy="http://proxy.contoso.local:3128") == "proxy_refused"
    assert outcome(open_proxy, proxy="http://gone.contoso.local:8080") == "proxy_unresolved"


def test_proxy_faults_change_what_listens_and_what_it_accepts():
    net = network(credentials={"CONTOSO\\proxy": "old"}, require_credentials=True)
    old = "http://CONTOSO%5Cproxy:old@proxy.contoso.local:8080"
    new = "http://CONTOSO%5Cproxy:new@proxy.contoso.local:8080"
    net.faults.schedule("proxy_credentials_changed", 100, password="new")
    net.faults.schedule("proxy_down", 200, 300, address="proxy.contoso.local")
    net.faults.schedule(
        "proxy_moved",
        400,
        address="proxy.contoso.local",
        to_address="proxy2.contoso.local",
        to_port=3128,
    )
    net.add_record("proxy2.contoso.local", "proxy2.contoso.local")
    assert [outcome(net, proxy=old, at=t) for t in (99, 100)] == ["ok", "proxy_auth"]
    assert outcome(net, proxy=new, at=150) == "ok"
    assert outcome(net, proxy=new, at=250) == "proxy_refused"
    assert outcome(net, proxy=new, at=400) == "proxy_refused"
    moved = "http://CONTOSO%5Cproxy:new@proxy2.contoso.local:3128"
    assert [outcome(net, proxy=moved, at=t) for t in (399, 400)] == ["proxy_refused", "ok"]


def test_intune_unreachable_times_out_directly_and_504s_through_a_proxy():
    net = network()
    net.faults.schedule("intune_unreachable", 10, 20)
    assert outcome(net, proxy=None, at=15) == "timeout"
    assert outcome(net, at=15) == "proxy_gateway_timeout"
    assert outcome(net, "https://ex01.contoso.local/EWS", proxy=None, at=15) == "ok"
    assert outcome(net, at=20) == "ok"


def test_latency_fault_and_the_clients_timeouts():
    net = network()
    net.faults.schedule("latency", 0, target="*.manage.microsoft.com", seconds=150)
    slow = net.decide_http(INTUNE, None, 1)
    assert slow.ok and slow.seconds > 150
    assert net.decide_http(INTUNE, None, 1, timeout=100).outcome == "read_timeout"
    net.direct_internet = False
    blocked = net.decide_http(INTUNE, None, 1, timeout=(5, 100))
    assert (blocked.outcome, blocked.seconds) == ("timeout", 5)


# -- WinRM to Exchange ----------------------------------------------------------------------------
def test_winrm_uses_the_winhttp_proxy_unless_bypassed():
    """C01: without internal names in the bypass list, remote PowerShell goes to the proxy."""
    net = network(allow=["*.manage.microsoft.com"])
    assert net.decide_winrm("CONN01", "ex01.contoso.local", 0).ok
    net.set_winhttp_proxy("CONN01", WinHttpProxy("proxy.contoso.local", 8080))
    refused = net.decide_winrm("CONN01", "ex01.contoso.local", 0)
    assert refused.outcome == "proxy_forbidden"
    assert "bypass list" in refused.detail
    net.set_winhttp_proxy("CONN01", WinHttpProxy("proxy.contoso.local", 8080, ("*.contoso.local",)))
    assert net.decide_winrm("CONN01", "ex01.contoso.local", 0).ok
    net.set_winhttp_proxy("CONN01", WinHttpProxy("proxy.contoso.local", 8080, ("<local>",)))
    assert net.decide_winrm("CONN01", "EX01", 0).ok
    assert not net.decide_winrm("CONN01", "ex01.contoso.local", 0).ok


# -- what requests sees ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("network_spec", "proxy", "exception"),
    [
        ({"direct_internet": False}, None, requests.exceptions.ConnectTimeout),
        (
            {"proxy": {"address": "proxy.contoso.local", "user": "CONTOSO\\p", "password": "pw"}},
            "http://proxy.contoso.local:8080",
            requests.exceptions.ProxyError,
        ),
        ({}, "http://proxy.contoso.local:8080", requests.exceptions.ProxyError),
    ],
)
def test_the_http_mount_raises_what_requests_would(network_spec, proxy, exception):
    world = small_world(network=network_spec)
    session = SimPlatform(world, world.host("CONN01")).http_session()
    with HttpMount(world), pytest.raises(exception):
        session.get(INTUNE, proxies={"https": proxy} if proxy else {}, timeout=100)
    (event,) = [e for e in world.trace.events if e["kind"] == "http"]
    assert event["host"] == "CONN01" and "outcome" in event


def test_the_http_mount_serves_intune_when_the_path_is_clear():
    world = small_world(
        network={
            "proxy": {
                "address": "proxy.contoso.local",
                "user": "CONTOSO\\p",
                "password": "Pr0xy-pw!",
            }
        }
    )
    session = SimPlatform(world, world.host("CONN01")).http_session()
    proxy = "http://CONTOSO%5Cp:Pr0xy-pw%21@proxy.contoso.local:8080"
    with HttpMount(world):
        reply = session.get(INTUNE + "/x", proxies={"https": proxy}, timeout=100)
    assert reply.status_code == 401 and reply.json()["error"] == "unauthorized"
    assert world.clock.seconds > 0  # the round trip spent simulated time
    assert "Pr0xy-pw" not in world.trace.data().decode()


def test_a_proxy_is_reached_by_its_short_name_or_its_fqdn():
    net = network()
    assert outcome(net, proxy="http://proxy:8080") == "ok"
    assert outcome(net, proxy="http://PROXY.contoso.local:8080") == "ok"
    assert outcome(net, proxy="http://proxy:3128") == "proxy_refused"
