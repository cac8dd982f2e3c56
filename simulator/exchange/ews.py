"""Autodiscover (POX) and Exchange Web Services on the Client Access servers — just what the
connector's notification account uses (SPEC R4.4, R7.2): find the EWS URL for a mailbox,
then `CreateItem` with `SendAndSaveCopy` to mail a user.

Every EWS response carries the `ServerVersionInfo` SOAP header of the server that answered
(MajorVersion, MinorVersion, MajorBuildNumber, MinorBuildNumber, schema Version), as
Exchange 2007 and later do — which is how a client learns the version of a server that has
no remote PowerShell (Exchange 2007). Each Client Access server answers with its own version
(`at(server)`); the autodiscover.<domain> names with the newest CAS's.

Requests authenticate with HTTP Basic against Active Directory (the real CAS also offers
NTLM/Kerberos; the twin accepts Basic only — a documented deviation). The sender must have
a mailbox. Delivered messages are kept in `delivered`, which scenarios observe as
`exchange.notifications`.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.exchange.model import ExchangeServer, Mailbox, Organization
from simulator.exchange.versions import ExchangeVersion
from simulator.world.accounts import DirectoryUser, LogonError
from simulator.world.directory import Directory

AUTODISCOVER_PATH = "/autodiscover/autodiscover.xml"
EWS_PATH = "/ews/exchange.asmx"
_RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
_OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
_TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"


def schema_version(v: ExchangeVersion) -> str:
    """The EWS schema a server speaks, as `ServerVersionInfo Version` names it."""
    if v.major < 14:
        return "Exchange2007" if v.minor == 0 else "Exchange2007_SP1"
    if v.major == 14:
        return (
            ("Exchange2010", "Exchange2010_SP1")[min(v.minor, 1)]
            if v.minor < 2
            else "Exchange2010_SP2"
        )
    if v.major == 15 and v.minor == 0:
        return "Exchange2013_SP1" if v.build >= 847 else "Exchange2013"
    return "Exchange2016"


def server_version_header(v: ExchangeVersion) -> str:
    return (
        f'<s:Header><h:ServerVersionInfo xmlns:h="{_TYPES_NS}" MajorVersion="{v.major}" '
        f'MinorVersion="{v.minor}" MajorBuildNumber="{v.build}" MinorBuildNumber="{v.revision}" '
        f'Version="{schema_version(v)}"/></s:Header>'
    )


@dataclass(frozen=True)
class DeliveredMessage:
    time: datetime
    sender: str
    to: str
    subject: str
    body: str
    delivered: bool  # False when the recipient has no mailbox in this organisation


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _texts(root: ET.Element, name: str) -> list[str]:
    return [(el.text or "").strip() for el in root.iter() if _local(el.tag) == name]


class ExchangeWebServices:
    def __init__(
        self, org: Organization, directory: Directory, server_up: Callable[[str], bool]
    ) -> None:
        self.org = org
        self.directory = directory
        self.server_up = server_up
        self.delivered: list[DeliveredMessage] = []

    def cas_for(self, mailbox: Mailbox) -> str | None:
        """The EWS host for a mailbox: the newest Client Access server that is up."""
        servers = sorted(
            (s for s in self.org.servers if s.is_client_access),
            key=lambda s: (-s.version.major, s.name),
        )
        for server in servers:
            if self.server_up(server.name):
                return server.fqdn
        return None

    def at(self, server: ExchangeServer) -> ServerEws:
        """EWS as one Client Access server answers it (its own version in every response)."""
        return ServerEws(self, server)

    def newest_version(self) -> ExchangeVersion | None:
        versions = [s.version for s in self.org.servers if s.is_client_access]
        return max(versions, key=lambda v: v.tuple) if versions else None

    def reachable(self, host: str) -> bool:
        """Whether the server behind `host` answers (an Exchange server down refuses connections)."""
        server = self.org.server(host)
        return server is None or self.server_up(server.name)

    def _user(self, headers: dict[str, str]) -> DirectoryUser | None:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not auth.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return self.directory.authenticate(user, password)
        except (ValueError, LogonError):
            return None

    def _mailbox(self, address: str) -> Mailbox | None:
        found = self.org.find_mailboxes(address)
        return found[0] if len(found) == 1 else None

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        now: datetime,
        version: ExchangeVersion | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        user = self._user(headers)
        if user is None:
            return (
                401,
                {"WWW-Authenticate": 'Basic realm="Exchange"', "Content-Type": "text/html"},
                b"401 - Unauthorized",
            )
        data = body if isinstance(body, bytes) else str(body or "").encode()
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            return 400, {"Content-Type": "text/html"}, b"400 - Bad Request"
        if method == "POST" and path.lower() == AUTODISCOVER_PATH:
            return self._autodiscover(root)
        if method == "POST" and path.lower() == EWS_PATH:
            return self._ews(user, root, now, version or self.newest_version())
        return 404, {"Content-Type": "text/html"}, b"404 - Not Found"

    def _autodiscover(self, root: ET.Element) -> tuple[int, dict[str, str], bytes]:
        addresses = _texts(root, "EMailAddress")
        mailbox = self._mailbox(addresses[0]) if addresses else None
        cas = self.cas_for(mailbox) if mailbox else None
        if mailbox is None or cas is None:
            inner = (
                '<Error Time="00:00:00" Id="2477272013"><ErrorCode>500</ErrorCode>'
                "<Message>The email address can't be found.</Message><DebugData /></Error>"
            )
        else:
            inner = (
                f'<Response xmlns="{_OUTLOOK_NS}"><User><DisplayName>{mailbox.display_name}</DisplayName>'
                f"<AutoDiscoverSMTPAddress>{mailbox.primary_smtp}</AutoDiscoverSMTPAddress></User><Account>"
                "<AccountType>email</AccountType><Action>settings</Action><Protocol><Type>EXCH</Type>"
                f"<Server>{cas}</Server><EwsUrl>https://{cas}/EWS/Exchange.asmx</EwsUrl></Protocol></Account></Response>"
            )
            return (
                200,
                {"Content-Type": "text/xml"},
                (
                    f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{_RESPONSE_NS}">{inner}</Autodiscover>'
                ).encode(),
            )
        return (
            200,
            {"Content-Type": "text/xml"},
            (
                f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{_RESPONSE_NS}"><Response>{inner}'
                "</Response></Autodiscover>"
            ).encode(),
        )

    def _ews(
        self, user: DirectoryUser, root: ET.Element, now: datetime, version: ExchangeVersion | None
    ) -> tuple[int, dict[str, str], bytes]:
        """One EWS request: only CreateItem is emulated; any other operation is answered with
        an error that names the gap (and, like every response, the server's version)."""
        body = next((el for el in root.iter() if _local(el.tag) == "Body"), None)
        operation = next((_local(el.tag) for el in body), "") if body is not None else ""
        sender = self._mailbox(user.upn)
        if sender is None:
            return self._soap(
                "Error",
                "ErrorNonExistentMailbox",
                "The SMTP address has no mailbox associated with it.",
                version,
                operation,
            )
        if not sender.ews_enabled:
            return self._soap(
                "Error",
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
                version,
                operation,
            )
        if operation != "CreateItem":
            return self._soap(
                "Error",
                "ErrorInvalidOperation",
                f"The Exchange twin does not emulate the EWS operation {operation or '(none)'}.",
                version,
                operation,
            )
        return self._create_item(sender, root, now, version)

    def _create_item(
        self, sender: Mailbox, root: ET.Element, now: datetime, version: ExchangeVersion | None
    ) -> tuple[int, dict[str, str], bytes]:
        subject = next(iter(_texts(root, "Subject")), "")
        text = next(iter(_texts(root, "Body")), "")
        recipients = _texts(root, "EmailAddress")
        if not recipients:
            return self._soap(
                "Error", "ErrorInvalidRecipients", "At least one recipient isn't valid.", version
            )
        for to in recipients:
            self.delivered.append(
                DeliveredMessage(
                    now, sender.primary_smtp, to, subject, text, self._mailbox(to) is not None
                )
            )
        return self._soap("Success", "NoError", "", version)

    @staticmethod
    def _soap(
        outcome: str,
        code: str,
        text: str,
        version: ExchangeVersion | None,
        operation: str = "CreateItem",
    ) -> tuple[int, dict[str, str], bytes]:
        message = f"<m:MessageText>{text}</m:MessageText>" if text else ""
        header = server_version_header(version) if version is not None else ""
        op = operation or "CreateItem"
        return (
            200,
            {"Content-Type": "text/xml; charset=utf-8"},
            (
                '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
                f'{header}<s:Body><m:{op}Response xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
                f'<m:ResponseMessages><m:{op}ResponseMessage ResponseClass="{outcome}">{message}'
                f"<m:ResponseCode>{code}</m:ResponseCode></m:{op}ResponseMessage></m:ResponseMessages>"
                f"</m:{op}Response></s:Body></s:Envelope>"
            ).encode(),
        )


class ServerEws:
    """EWS and Autodiscover as answered by one Client Access server."""

    def __init__(self, ews: ExchangeWebServices, server: ExchangeServer) -> None:
        self.ews = ews
        self.server = server

    def reachable(self, host: str) -> bool:
        return self.ews.reachable(host)

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        now: datetime,
    ) -> tuple[int, dict[str, str], bytes]:
        return self.ews.handle(method, path, query, headers, body, now, self.server.version)
