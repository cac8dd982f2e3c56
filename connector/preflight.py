"""The prerequisite check (SPEC R1): every requirement as one finding, before Connect.

Setup's checker shows the administrator, requirement by requirement, what was found, what
is needed and what to do, without registering anything: the host (R1.1–R1.4, domain
membership R1.7), the Exchange server (reachable and running R1.9, the trust R1.7, the
version R1.2, the service account's cmdlets R1.10), Intune (reachable through the proxy
R1.8, MDM authority R1.5, directory synchronisation R1.6, no Exchange Online connector R3.2,
the account certificate still valid R2.2) and the notification path (R4.4, a warning).
"""

from __future__ import annotations

from connector.config import ConfigurationRequest, ProxySettings, ServiceSettings
from connector.errors import ConnectorError, Finding, NotificationFailed
from connector.exchange import (
    AuthenticationFailed,
    CommandNotFound,
    ExchangeError,
    ExchangeTransport,
    ObjectNotFound,
    RemotePowerShellMissing,
    RemoteShell,
    ServerUnavailable,
    SessionRefused,
)
from connector.install import is_installed, stored_certificate
from connector.intune import IntuneClient, IntuneRequestFailed
from connector.notify import Notifier
from connector.platform import Platform
from connector.prereqs import (
    MIN_EXCHANGE_TEXT,
    check_exchange_version,
    check_host,
    check_no_remote_powershell,
    missing_cmdlets,
)
from connector.runspaces import exchange_proxy
from connector.server_version import read_server_version

INTUNE_NEEDED = (
    "HTTPS to manage.microsoft.com, *manage.microsoft.com and *.manage.microsoft.com on ports 80 "
    "and 443, directly or through the configured proxy"
)


def _ok(requirement: str, title: str, found: str, needed: str) -> Finding:
    return Finding(requirement, title, "ok", found, needed)


def exchange_findings(
    session_factory: RemoteShell, request, profile: str, platform: Platform | None = None
) -> tuple[list[Finding], str | None]:
    """Findings about the Exchange side, and the notification account's SMTP address. A
    server without remote PowerShell (Exchange 2007) gives one finding, its version (read
    from EWS when `platform` is given): nothing else is tried on it."""
    server = request.server
    try:
        session = session_factory.open(server, request.service_account, exchange_proxy(request))
    except RemotePowerShellMissing as exc:
        found = (
            read_server_version(platform, server, request.service_account, exchange_proxy(request))
            if platform is not None
            else None
        )
        return [check_no_remote_powershell(server, found, exc.message, profile)], None
    except AuthenticationFailed as exc:
        if exc.reason == "no_trust":
            return [
                Finding(
                    "R1.7",
                    "Domain trust",
                    "blocker",
                    exc.message,
                    "a trust between the connector's domain and the Exchange domain",
                    "Create the trust, or install the connector in the Exchange domain.",
                )
            ], None
        return [
            Finding(
                "R4.3",
                "Exchange service account",
                "blocker",
                f"{request.service_account.user}: {exc.message}",
                "valid credentials of an enabled, unlocked account",
                "Correct the account or its password.",
            )
        ], None
    except SessionRefused as exc:
        return [
            Finding(
                "R4.1",
                "Client Access server",
                "blocker",
                f"{server}: {exc.message}",
                "the name or FQDN of one server holding the Client Access role (not a CAS array)",
                "Specify one Client Access server.",
            )
        ], None
    except ServerUnavailable as exc:
        return [
            Finding(
                "R1.9",
                "Exchange server running",
                "blocker",
                f"{server}: {exc.message}",
                "a running Exchange server reachable with remote PowerShell (WinRM, port 443)",
                "Check the name, DNS and that the server is up; internal names must bypass "
                "the proxy (netsh winhttp set proxy ... with a bypass list).",
            )
        ], None
    try:
        return _session_findings(session, request, profile)
    finally:
        session.close()


def _session_findings(
    session: ExchangeTransport, request, profile: str
) -> tuple[list[Finding], str | None]:
    findings = [
        _ok(
            "R1.9",
            "Exchange server running",
            f"{session.server} answers",
            "a running Exchange server",
        ),
        _ok(
            "R1.7",
            "Domain trust",
            f"{request.service_account.domain} accepted by {session.server}",
            "a trust between the connector's domain and the Exchange domain",
        ),
    ]
    try:
        servers = session.invoke("Get-ExchangeServer")
    except CommandNotFound:
        servers = []
    target = next(
        (s for s in servers if str(s.get("Fqdn", "")).lower() == session.server.lower()), None
    )
    if target is None:
        findings.append(
            Finding(
                "R1.2",
                "Exchange version",
                "warning",
                "the version could not be read",
                MIN_EXCHANGE_TEXT[profile],
                "Grant Get-ExchangeServer to the account.",
            )
        )
    else:
        findings.append(
            check_exchange_version(
                str(target.get("Name")), str(target.get("AdminDisplayVersion")), profile
            )
        )
    commands = [c["Name"] for c in session.invoke("Get-Command")]
    missing = missing_cmdlets(commands)
    findings.append(
        Finding(
            "R1.10",
            "Required Exchange cmdlets",
            "blocker",
            f"{request.service_account.user} cannot run " + ", ".join(missing),
            "every cmdlet of the connector's list",
            "Add the account to Organization Management, or to a role group with Mail Recipients, "
            "Organization Client Access, Recipient Policies and View-Only Configuration.",
        )
        if missing
        else _ok(
            "R1.10",
            "Required Exchange cmdlets",
            "all granted",
            "every cmdlet of the connector's list",
        )
    )
    smtp = None
    if request.notification_account is not None:
        try:
            found = session.invoke("Get-Recipient", Identity=request.notification_account.user)
            smtp = str(found[0].get("PrimarySmtpAddress") or "") or None if found else None
        except (ObjectNotFound, CommandNotFound):
            smtp = None
    return findings, smtp


def intune_findings(
    platform: Platform, proxy: ProxySettings | None, certificate: str, endpoint: str
) -> list[Finding]:
    client = IntuneClient(platform, endpoint, proxy)
    try:
        ready = client.readiness(certificate)
    except IntuneRequestFailed as exc:
        if exc.error in ("certificateExpired", "invalidCertificate"):
            return [
                _ok("R1.8", "Intune reachable", f"{endpoint} answers", INTUNE_NEEDED),
                Finding(
                    "R2.2",
                    "Account certificate",
                    "blocker",
                    exc.message,
                    "the package's valid account certificate",
                    "Download the connector package again from the admin console.",
                ),
            ]
        raise
    except ConnectorError as exc:
        return [
            Finding(
                "R1.8",
                "Intune reachable",
                "blocker",
                exc.message,
                INTUNE_NEEDED,
                "Allow these destinations on the firewall and the proxy, or correct the proxy settings.",
            )
        ]
    authority = str(ready.get("mdmAuthority"))
    synchronised = bool(ready.get("directorySynchronization"))
    online = bool(ready.get("exchangeOnlineConnector"))
    return [
        _ok("R1.8", "Intune reachable", f"{endpoint} answers", INTUNE_NEEDED),
        Finding.of(
            "R1.5",
            "Mobile device management authority",
            authority == "intune",
            f"MDM authority: {authority}",
            "Intune",
            "Set the MDM authority to Intune in the admin console.",
        ),
        Finding.of(
            "R1.6",
            "Directory synchronization",
            synchronised,
            "configured" if synchronised else "not configured",
            "directory synchronization from Active Directory to Azure AD",
            "Configure directory synchronization.",
        ),
        Finding.of(
            "R3.2",
            "Exchange Online connector",
            not online,
            "configured in the tenant" if online else "none",
            "no Exchange Online connector (they cannot coexist)",
            "Remove the Exchange Online connector.",
        ),
    ]


def notification_finding(
    platform: Platform, request: ConfigurationRequest, smtp: str | None, settings: ServiceSettings
) -> Finding | None:
    account = request.notification_account
    if account is None:
        return None
    needed = (
        "a mailbox for the notification account, Autodiscover (or ExchangeWebServiceURL) and EWS"
    )
    if smtp is None:
        return Finding(
            "R4.4",
            "Notification account",
            "warning",
            f"{account.user} has no mailbox",
            needed,
            "Use an account with a mailbox on the on-premises Exchange.",
        )
    try:
        url = Notifier(platform, account, smtp, settings).ews_url()
    except NotificationFailed as exc:
        return Finding(
            "R4.4",
            "Notification account",
            "warning",
            exc.message,
            needed,
            "Publish autodiscover.<domain> or set ExchangeWebServiceURL.",
        )
    return _ok("R4.4", "Notification account", f"{smtp} uses {url}", needed)


def preflight(
    platform: Platform, shell: RemoteShell, request, profile: str, settings
) -> list[Finding]:
    """All findings, host first; nothing is registered or stored."""
    findings = check_host(platform.facts(), profile)
    try:
        exchange, smtp = exchange_findings(shell, request, profile, platform)
    except ExchangeError as exc:
        exchange, smtp = (
            [
                Finding(
                    "R1.10",
                    "Required Exchange cmdlets",
                    "blocker",
                    exc.message,
                    "every cmdlet of the connector's list",
                )
            ],
            None,
        )
    findings += exchange
    if is_installed(platform):
        cert = stored_certificate(platform)
        findings += intune_findings(platform, request.proxy, cert.raw, cert.service_endpoint)
    else:
        findings.append(
            Finding(
                "R2.2",
                "Account certificate",
                "blocker",
                "the connector is not installed",
                "setup run from the extracted package",
                "Run Exchange_Connector_Setup.exe first.",
            )
        )
    too_old = any(f.requirement == "R1.2" and f.severity == "blocker" for f in exchange)
    notification = None if too_old else notification_finding(platform, request, smtp, settings)
    if notification is not None:
        findings.append(notification)
    return findings
