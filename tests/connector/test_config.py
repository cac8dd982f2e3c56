"""Stored configuration: secrets protected, proxy snapshot, service keys editable by name."""

from __future__ import annotations

import pytest

from connector.config import (
    ConfigStore,
    ConnectorConfiguration,
    ExchangeTarget,
    ProxySettings,
    Registration,
    ServiceSettings,
)
from connector.errors import InvalidConfiguration
from connector.exchange import Credential
from tests.connector.fakes import FakePlatform


def config(**kw) -> ConnectorConfiguration:
    return ConnectorConfiguration(
        exchange=ExchangeTarget("on_premises", "ex01.contoso.local"),
        service_account=Credential("CONTOSO\\svc", "Sv(-Secret1"),
        notification_account=Credential("CONTOSO\\notify", "N0t-Secret2"),
        notification_smtp="notify@contoso.com",
        proxy=ProxySettings("proxy.contoso.local", 8080, "CONTOSO\\proxy", "Pr0xy-Secret3"),
        registration=Registration("cid", "t0ken-Secret4", "contoso"),
        **kw,
    )


def test_round_trip_keeps_everything_and_never_stores_a_secret_in_clear():
    platform = FakePlatform()
    store = ConfigStore(platform)
    store.save(config())
    raw = b"".join(platform.files.values())
    for secret in (b"Sv(-Secret1", b"N0t-Secret2", b"Pr0xy-Secret3", b"t0ken-Secret4"):
        assert secret not in raw
    assert store.load() == config()


def test_proxy_url_quotes_credentials():
    assert (
        ProxySettings("p", 3128, "CONTOSO\\u", "p@ss:w").url()
        == "http://CONTOSO%5Cu:p%40ss%3Aw@p:3128"
    )


def test_service_keys_are_edited_by_name_and_validated():
    platform = FakePlatform()
    store = ConfigStore(platform)
    store.save(config())
    settings = store.set_keys(
        {"IsCasFailoverEnabled": "false", "ExchangeWebServiceURL": "https://ex/EWS/Exchange.asmx"}
    )
    assert settings == ServiceSettings(
        is_cas_failover_enabled=False, exchange_web_service_url="https://ex/EWS/Exchange.asmx"
    )
    assert store.load().settings == settings  # the connection is untouched
    assert store.load().service_account.password == "Sv(-Secret1"
    before = dict(platform.files)
    with pytest.raises(InvalidConfiguration, match="IsCasFailoverEnabled: expected true or false"):
        store.set_keys({"IsCasFailoverEnabled": "maybe"})
    with pytest.raises(InvalidConfiguration, match="not a service configuration key"):
        store.set_keys({"NoSuchKey": "1"})
    assert platform.files == before  # nothing half-written


def test_hand_broken_file_is_reported_with_its_path():
    platform = FakePlatform()
    store = ConfigStore(platform)
    platform.write_file(store.path, b"<not-closed")
    with pytest.raises(InvalidConfiguration, match="not well-formed XML"):
        store.load()
