"""Notifications to users before their device is blocked (SPEC R4.4, R7.2).

The notification account (a mailbox on the on-premises Exchange whose UPN is its SMTP
address) finds its Exchange Web Services URL with Autodiscover — `https://<domain>/…` then
`https://autodiscover.<domain>/…`, POX over HTTPS — unless `ExchangeWebServiceURL` is set in
the service configuration, which bypasses Autodiscover. The message is then sent with an EWS
`CreateItem` (`SendAndSaveCopy`). Exchange traffic is internal: it never uses the proxy.
Failures raise `NotificationFailed`; callers log them and carry on (sync is unaffected).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import requests

from connector.config import ServiceSettings
from connector.errors import NotificationFailed
from connector.exchange import Credential
from connector.platform import Platform

POX_REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
POX_RESPONSE_SCHEMA = (
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
)
TIMEOUT = 30


def autodiscover_request(smtp: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Autodiscover xmlns="{POX_REQUEST_NS}"><Request>'
        f"<EMailAddress>{escape(smtp)}</EMailAddress>"
        f"<AcceptableResponseSchema>{POX_RESPONSE_SCHEMA}</AcceptableResponseSchema>"
        "</Request></Autodiscover>"
    ).encode()


def create_item_request(to: str, subject: str, body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
        '<soap:Header><t:RequestServerVersion Version="Exchange2010_SP1"/></soap:Header>'
        '<soap:Body><m:CreateItem MessageDisposition="SendAndSaveCopy">'
        '<m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId>'
        "<m:Items><t:Message>"
        f"<t:Subject>{escape(subject)}</t:Subject>"
        f'<t:Body BodyType="HTML">{escape(body)}</t:Body>'
        f"<t:ToRecipients><t:Mailbox><t:EmailAddress>{escape(to)}</t:EmailAddress></t:Mailbox></t:ToRecipients>"
        "</t:Message></m:Items></m:CreateItem></soap:Body></soap:Envelope>"
    ).encode()


def _element(xml: bytes, local_name: str) -> ET.Element | None:
    """The first element with this local name, whatever its namespace (None if unparsable)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    return next((el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == local_name), None)


def _find(xml: bytes, local_name: str) -> str | None:
    el = _element(xml, local_name)
    return None if el is None else (el.text or "").strip()


def _attribute(xml: bytes, local_name: str, attribute: str) -> str | None:
    el = _element(xml, local_name)
    return None if el is None else el.get(attribute)


class Notifier:
    def __init__(
        self, platform: Platform, account: Credential, smtp: str, settings: ServiceSettings
    ) -> None:
        self.platform = platform
        self.account = account
        self.smtp = smtp
        self.settings = settings
        self._ews_url: str | None = settings.exchange_web_service_url

    def _session(self) -> requests.Session:
        session = self.platform.http_session()
        session.trust_env = False
        session.proxies = {}  # Exchange traffic bypasses the proxy (SPEC R4.7)
        session.auth = (self.account.user, self.account.password)
        return session

    def ews_url(self) -> str:
        """The EWS endpoint for the notification account (cached after the first lookup)."""
        if self._ews_url:
            return self._ews_url
        domain = self.smtp.split("@", 1)[-1]
        session = self._session()
        tried = []
        for url in (
            f"https://{domain}/autodiscover/autodiscover.xml",
            f"https://autodiscover.{domain}/autodiscover/autodiscover.xml",
        ):
            try:
                resp = session.post(
                    url,
                    data=autodiscover_request(self.smtp),
                    headers={"Content-Type": "text/xml"},
                    timeout=TIMEOUT,
                )
            except requests.RequestException as exc:
                tried.append(f"{url}: {exc}")
                continue
            if resp.status_code == 401:
                raise NotificationFailed(
                    f"Autodiscover at {url} refused the notification account {self.account.user} (HTTP 401)"
                )
            ews = _find(resp.content, "EwsUrl") if resp.status_code == 200 else None
            if ews:
                self._ews_url = ews
                return ews
            tried.append(f"{url}: HTTP {resp.status_code}")
        raise NotificationFailed(
            f"Autodiscover found no Exchange Web Services URL for {self.smtp} ({'; '.join(tried)}); check the "
            f"autodiscover.{domain} DNS record or set ExchangeWebServiceURL in the service configuration"
        )

    def send(self, to: str, subject: str, body: str) -> None:
        url = self.ews_url()
        try:
            resp = self._session().post(
                url,
                data=create_item_request(to, subject, body),
                headers={"Content-Type": "text/xml; charset=utf-8"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise NotificationFailed(f"Cannot reach Exchange Web Services at {url}: {exc}") from exc
        if resp.status_code == 401:
            raise NotificationFailed(
                f"Exchange Web Services refused the notification account {self.account.user} (HTTP 401)"
            )
        outcome = _attribute(resp.content, "CreateItemResponseMessage", "ResponseClass")
        if resp.status_code != 200 or outcome != "Success":
            code = _find(resp.content, "ResponseCode") or f"HTTP {resp.status_code}"
            raise NotificationFailed(
                f"Exchange Web Services did not send the message to {to}: {code}"
            )
