"""Exchange 2007 has no remote PowerShell: Connect and the prerequisite check refuse it on its
version — found (read from EWS) and minimum (per release profile) — before anything else
is tried (SPEC R1.2)."""

from __future__ import annotations

import pytest

from connector.config import ConfigurationRequest
from connector.configure import ConfigurationWizard
from connector.errors import UnsupportedExchangeVersion
from connector.exchange import Credential
from tests.connector.conftest import SVC_PASSWORD, SVC_USER, events, installed, world

EX07 = world(exchange={"version": "2007 SP3", "servers": [{"name": "EX07"}]})
MINIMUM = {
    "2016": "Exchange 2010 SP1 (Version 14.1) or later",
    "2018": "Exchange 2010 SP3 (Version 14.3) or later",
}


def _wizard(twin):
    runtime = twin.runner.connector("CONN01")
    return ConfigurationWizard(runtime.platform, runtime.shell)


def _request(password=SVC_PASSWORD):
    return ConfigurationRequest("on_premises", "ex07.contoso.local", Credential(SVC_USER, password))


@pytest.mark.parametrize("profile", ["2016", "2018"])
def test_connect_refuses_exchange_2007_naming_found_and_minimum(profile):
    twin, _ = installed(EX07, profile=profile)
    before = len(twin.world.trace.events)
    with pytest.raises(UnsupportedExchangeVersion) as err:
        twin.call(lambda: _wizard(twin).connect(_request()))
    message = str(err.value)
    assert "Version 8.3 (Build 83.6)" in message and MINIMUM[profile] in message
    assert "HTTP status code of 404" in message
    after = twin.world.trace.events[before:]
    assert [e for e in after if e["kind"] == "cmdlet"] == []  # no cmdlet could have run
    assert twin.world.intune.connectors == {}  # nothing registered
    assert [e["error"] for e in after if e["kind"] == "exchange.session"] == ["PSSessionOpenFailed"]


def test_without_ews_credentials_the_missing_endpoint_is_named_instead():
    twin, _ = installed(EX07)
    with pytest.raises(UnsupportedExchangeVersion) as err:
        twin.call(lambda: _wizard(twin).connect(_request("wrong-password")))
    # 2007 answers 404 before authenticating; EWS refuses the password, so no version is read
    assert "unknown version, without remote PowerShell" in str(err.value)
    assert MINIMUM["2016"] in str(err.value)


def test_prerequisite_check_reports_only_the_version_for_exchange_2007():
    twin, _ = installed(EX07, profile="2018")
    findings = twin.call(lambda: _wizard(twin).preflight(_request()))
    exchange = [
        f
        for f in findings
        if f.requirement in ("R1.2", "R1.9", "R1.10") or f.title == "Domain trust"
    ]
    assert [(f.requirement, f.severity) for f in exchange] == [("R1.2", "blocker")]
    assert "Version 8.3 (Build 83.6)" in exchange[0].found
    assert exchange[0].needed == MINIMUM["2018"]
    assert events(twin, "cmdlet") == []
