"""Reading an Exchange server's version without remote PowerShell (SPEC R1.2).

Exchange 2007 has no remote PowerShell: the connector's session fails with HTTP 404 before
any cmdlet could read the version. Every Exchange Web Services response, however, carries the
`ServerVersionInfo` SOAP header of the server that answered (2007 and later), so the
connector asks EWS on that server — with the service account, any operation — and reads
the header to name the version it refuses. The answer is shown in the `AdminDisplayVersion`
form (`Version 8.3 (Build 83.6)`) so that the version check reads it as it reads
Get-ExchangeServer's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from connector.exchange import Credential
from connector.platform import Platform

EWS_PATH = "/EWS/Exchange.asmx"
TIMEOUT = 30
_PROBE = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
    b'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    b'<soap:Header><t:RequestServerVersion Version="Exchange2007_SP1"/></soap:Header>'
    b"<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    b'<m:FolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:FolderIds></m:GetFolder>'
    b"</soap:Body></soap:Envelope>"
)


def parse_server_version_info(xml: bytes) -> str | None:
    """`<ServerVersionInfo MajorVersion="8" MinorVersion="3" MajorBuildNumber="83"
    MinorBuildNumber="6"/>` → `Version 8.3 (Build 83.6)`; None without the header."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    info = next(
        (el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "ServerVersionInfo"), None
    )
    if info is None:
        return None
    parts = [
        info.get(k)
        for k in ("MajorVersion", "MinorVersion", "MajorBuildNumber", "MinorBuildNumber")
    ]
    if not all(p and p.isdigit() for p in parts):
        return None
    major, minor, build, revision = parts
    return f"Version {major}.{minor} (Build {build}.{revision})"


def read_server_version(
    platform: Platform, server: str, credential: Credential, proxy: str | None = None
) -> str | None:
    """The server's version from an EWS response header, or None when EWS does not answer
    with one (unreachable, credentials refused, not an Exchange server)."""
    session = platform.http_session()
    session.trust_env = False
    session.proxies = {"http": proxy, "https": proxy} if proxy else {}
    session.auth = (credential.user, credential.password)
    try:
        resp = session.post(
            f"https://{server}{EWS_PATH}",
            data=_PROBE,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=TIMEOUT,
        )
    except requests.RequestException:
        return None
    if resp.status_code != 200:
        return None
    return parse_server_version_info(resp.content)
