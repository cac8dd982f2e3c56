"""Notifier: Autodiscover (POX) then EWS CreateItem, bypassing the proxy."""

from __future__ import annotations

import pytest
import requests
import responses

from connector.config import ServiceSettings
from connector.errors import NotificationFailed
from connector.exchange import Credential
from connector.notify import Notifier
from tests.connector.fakes import FakePlatform

POX = (
    b'<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">'
    b'<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"><Account>'
    b"<Protocol><Type>EXCH</Type><EwsUrl>https://ex01.contoso.com/EWS/Exchange.asmx</EwsUrl></Protocol>"
    b"</Account></Response></Autodiscover>"
)
OK = (
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    b'<m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><m:ResponseMessages>'
    b'<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
    b"</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>"
)


def notifier(**settings):
    return Notifier(
        FakePlatform(),
        Credential("CONTOSO\\notify", "secret"),
        "notify@contoso.com",
        ServiceSettings(**settings),
    )


@responses.activate
def test_autodiscover_falls_back_to_the_autodiscover_host_then_sends_through_ews():
    responses.add(
        responses.POST,
        "https://contoso.com/autodiscover/autodiscover.xml",
        body=requests.exceptions.ConnectionError("no such host"),
    )
    responses.add(
        responses.POST, "https://autodiscover.contoso.com/autodiscover/autodiscover.xml", body=POX
    )
    responses.add(responses.POST, "https://ex01.contoso.com/EWS/Exchange.asmx", body=OK)
    n = notifier()
    n.send("ann@contoso.com", "Enroll", "<p>Get Started Now</p>")
    sent = responses.calls[-1].request
    assert b"<t:EmailAddress>ann@contoso.com</t:EmailAddress>" in sent.body
    assert b'MessageDisposition="SendAndSaveCopy"' in sent.body
    assert sent.headers["Authorization"].startswith("Basic ")
    assert all(not call.request.req_kwargs.get("proxies") for call in responses.calls)
    n.send("bob@contoso.com", "Enroll", "x")  # the EWS URL is cached: no second Autodiscover
    assert sum("autodiscover" in c.request.url for c in responses.calls) == 2


@responses.activate
def test_exchange_web_service_url_bypasses_autodiscover():
    responses.add(responses.POST, "https://mail.contoso.com/EWS/Exchange.asmx", body=OK)
    notifier(exchange_web_service_url="https://mail.contoso.com/EWS/Exchange.asmx").send(
        "ann@contoso.com", "s", "b"
    )
    assert [c.request.url for c in responses.calls] == [
        "https://mail.contoso.com/EWS/Exchange.asmx"
    ]


@responses.activate
def test_autodiscover_failure_names_the_dns_record_and_the_setting():
    for url in (
        "https://contoso.com/autodiscover/autodiscover.xml",
        "https://autodiscover.contoso.com/autodiscover/autodiscover.xml",
    ):
        responses.add(
            responses.POST, url, body=requests.exceptions.ConnectionError("Failed to resolve")
        )
    with pytest.raises(
        NotificationFailed, match="autodiscover.contoso.com DNS record or set ExchangeWebServiceURL"
    ):
        notifier().send("ann@contoso.com", "s", "b")


@responses.activate
def test_ews_error_response_is_reported_with_its_code():
    responses.add(
        responses.POST,
        "https://ex01.contoso.com/EWS/Exchange.asmx",
        body=OK.replace(b"Success", b"Error").replace(b"NoError", b"ErrorNonExistentMailbox"),
    )
    with pytest.raises(NotificationFailed, match="ErrorNonExistentMailbox"):
        notifier(exchange_web_service_url="https://ex01.contoso.com/EWS/Exchange.asmx").send(
            "x@contoso.com", "s", "b"
        )


@responses.activate
def test_autodiscover_refusing_the_account_is_reported():
    responses.add(responses.POST, "https://contoso.com/autodiscover/autodiscover.xml", status=401)
    with pytest.raises(NotificationFailed, match="refused the notification account CONTOSO"):
        notifier().ews_url()
