"""RunspacePool: CAS failover and return, throttling waited out, parallel runspaces."""

from __future__ import annotations

import pytest

from connector.config import ConnectorConfiguration, ExchangeTarget, ServiceSettings
from connector.exchange import Credential, ServerUnavailable, Throttled
from connector.log import ConnectorLog
from connector.runspaces import RunspacePool
from connector.state import ConnectorState
from tests.connector.fakes import FakePlatform, FakeShell


def pool(settings: ServiceSettings | None = None, cas: list[str] | None = None):
    platform, shell = FakePlatform(), FakeShell()
    config = ConnectorConfiguration(
        exchange=ExchangeTarget("on_premises", "ex01.contoso.local"),
        service_account=Credential("CONTOSO\\svc", "pw"),
        settings=settings or ServiceSettings(),
    )
    state = ConnectorState(cas_servers=cas or [])
    return RunspacePool(platform, shell, config, state, ConnectorLog(platform)), shell, platform


def test_every_new_session_views_the_entire_forest():
    p, shell, _ = pool()
    p.invoke("Get-ExchangeServer")
    assert shell.calls[0][1:] == ("Set-ADServerSettings", {"ViewEntireForest": True})


def test_fails_over_to_a_discovered_cas_and_returns_when_the_primary_answers():
    p, shell, _ = pool(cas=["ex01.contoso.local", "ex02.contoso.local"])
    shell.down.add("ex01.contoso.local")
    p.invoke("Get-ExchangeServer")
    assert p.server == "ex02.contoso.local" and p.on_failover
    shell.down.clear()
    p.begin_job()
    p.invoke("Get-ExchangeServer")
    assert p.server == "ex01.contoso.local" and not p.on_failover
    assert shell.opened == ["ex02.contoso.local", "ex01.contoso.local"]


def test_no_failover_when_disabled():
    p, shell, _ = pool(ServiceSettings(is_cas_failover_enabled=False), cas=["ex02.contoso.local"])
    shell.down.add("ex01.contoso.local")
    with pytest.raises(ServerUnavailable):
        p.invoke("Get-ExchangeServer")
    assert shell.opened == []


def test_server_lost_mid_job_reopens_on_another_cas_and_retries_the_call():
    p, shell, _ = pool(cas=["ex02.contoso.local"])
    p.invoke("Get-ExchangeServer")
    shell.down.add("ex01.contoso.local")
    shell.fail_next.append(ServerUnavailable("connection lost"))
    p.invoke("Get-CasMailbox")
    assert p.server == "ex02.contoso.local"
    assert shell.calls[-1][:2] == ("ex02.contoso.local", "Get-CasMailbox")


def test_throttling_is_waited_out_not_failed():
    p, shell, platform = pool()
    p.invoke("Get-ExchangeServer")
    shell.fail_next += [Throttled("budget", retry_after=30), Throttled("budget", retry_after=45)]
    p.invoke("Get-CasMailbox")
    assert platform.slept == [30, 45]
    assert [c for _, c, _ in shell.calls].count("Get-CasMailbox") == 3
    assert any(r["event"] == "Throttled" for r in p.log.records())


def test_parallel_map_uses_several_runspaces_up_to_the_budget():
    p, shell, _ = pool(ServiceSettings(enable_parallel_command_support=True))
    p.invoke("Get-ExchangeServer")
    shell.open_errors = []
    original_open = shell.open
    opened = []

    def limited(server, credential, proxy=None):
        if len(opened) >= 3:
            raise Throttled("runspace budget", retry_after=60)
        opened.append(server)
        return original_open(server, credential, proxy)

    shell.open = limited  # type: ignore[method-assign]
    results = p.map([("Get-ActiveSyncDevice", {"Mailbox": f"u{i}"}) for i in range(10)])
    assert len(results) == 10
    sessions = {id(s) for s in p._sessions}
    assert len(sessions) == 4  # the main runspace plus three more before the budget refused
    mailboxes = [params["Mailbox"] for _, c, params in shell.calls if c == "Get-ActiveSyncDevice"]
    assert mailboxes == [f"u{i}" for i in range(10)]


def test_map_without_parallel_support_is_sequential_on_one_runspace():
    p, shell, _ = pool()
    p.map([("Get-ActiveSyncDevice", {"Mailbox": f"u{i}"}) for i in range(5)])
    assert len(shell.opened) == 1
