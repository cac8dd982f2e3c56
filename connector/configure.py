"""The configuration wizard as an API (SPEC R4): validate, Connect, register, store, start.

`validate` checks every field's format before anything is contacted. `connect` then opens a
remote PowerShell session with the service account (Exchange traffic never uses the proxy),
checks the Exchange version and the required cmdlets, registers with Intune through the proxy
with the account certificate (which replaces any earlier connection of the subscription in
profile 2016), stores the configuration — the proxy as a snapshot — and starts the service.
Exchange throttling on the service account is waited out as the service waits it out
(connector/throttling.py); a refusal that outlasts the waits is reported with its code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from connector import PRODUCT_VERSION, SERVICE_NAME
from connector.config import (
    HOSTED,
    ON_PREMISES,
    ConfigStore,
    ConfigurationRequest,
    ConnectorConfiguration,
    ExchangeTarget,
    Registration,
)
from connector.errors import (
    ConnectorError,
    ExchangeAuthenticationFailed,
    ExchangeCommandFailed,
    ExchangeUnreachable,
    Finding,
    InvalidConfiguration,
    MissingCmdlets,
    NotificationFailed,
    ServiceStartFailed,
    UnsupportedExchangeVersion,
)
from connector.exchange import (
    AuthenticationFailed,
    CommandNotFound,
    Credential,
    ExchangeTransport,
    ObjectNotFound,
    RemotePowerShellMissing,
    RemoteShell,
    ServerUnavailable,
    SessionRefused,
    Throttled,
)
from connector.install import install_state, is_installed, stored_certificate
from connector.intune import IntuneClient
from connector.log import ConnectorLog
from connector.notify import Notifier
from connector.platform import Platform
from connector.preflight import preflight as run_preflight
from connector.prereqs import check_exchange_version, check_no_remote_powershell, missing_cmdlets
from connector.runspaces import exchange_proxy
from connector.server_version import read_server_version
from connector.throttling import wait_out_throttling

T = TypeVar("T")
_HOST_RE = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$")
_ACCOUNT_RE = re.compile(
    r'^[^\\/:*?"<>|\s][^\\/:*?"<>|]*\\[^\\/\[\]:;|=,+*?<>@"\s][^\\/\[\]:;|=,+*?<>@"]*$'
)
_ORG_RE = re.compile(r"^/o=([^/]+)/", re.IGNORECASE)
_UPN_RE = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass
class ConnectResult:
    connector_id: str
    status: str
    exchange_server: dict[str, Any]
    replaced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def server_host(request: ConfigurationRequest) -> str:
    """The server's host name: a hosted Exchange may be typed as its URL."""
    server = request.server.strip()
    if request.server_type == HOSTED:
        server = re.sub(r"^https?://", "", server, flags=re.IGNORECASE).split("/", 1)[0]
    return server


def validate(request: ConfigurationRequest) -> ConfigurationRequest:
    """Reject malformed input before any contact (SPEC R4.3); return the request with the
    server reduced to its host name."""
    if request.server_type not in (ON_PREMISES, HOSTED):
        raise InvalidConfiguration(
            "server_type", f"expected {ON_PREMISES} or {HOSTED}, found {request.server_type!r}"
        )
    server = server_host(request)
    if not _HOST_RE.match(server):
        raise InvalidConfiguration(
            "server", f"expected a server name or FQDN, found {request.server!r}"
        )
    _check_account("service_account", request.service_account)
    if request.notification_account is not None:
        _check_account("notification_account", request.notification_account, allow_upn=True)
    if request.administrator is not None:
        if "@" not in request.administrator.user:
            raise InvalidConfiguration(
                "administrator.user", f"expected user@tenant, found {request.administrator.user!r}"
            )
        if not request.administrator.password:
            raise InvalidConfiguration("administrator.password", "a password is required")
    if request.proxy is not None:
        proxy = request.proxy
        if not _HOST_RE.match(proxy.address or ""):
            raise InvalidConfiguration(
                "proxy.address", f"expected a proxy server name, found {proxy.address!r}"
            )
        if not 1 <= int(proxy.port) <= 65535:
            raise InvalidConfiguration(
                "proxy.port", f"expected a port from 1 to 65535, found {proxy.port}"
            )
        if proxy.user:
            if not _ACCOUNT_RE.match(proxy.user):
                raise InvalidConfiguration(
                    "proxy.user", f"expected DOMAIN\\user, found {proxy.user!r}"
                )
            if not proxy.password:
                raise InvalidConfiguration(
                    "proxy.password", "a password is required with proxy credentials"
                )
    return replace(request, server=server)


def _check_account(name: str, cred: Credential, allow_upn: bool = False) -> None:
    upn_ok = allow_upn and _UPN_RE.match(cred.user or "")
    if not upn_ok and not _ACCOUNT_RE.match(cred.user or ""):
        expected = "DOMAIN\\user or user@domain" if allow_upn else "DOMAIN\\user"
        raise InvalidConfiguration(f"{name}.user", f"expected {expected}, found {cred.user!r}")
    if not cred.password:
        raise InvalidConfiguration(f"{name}.password", "a password is required")


@contextmanager
def exchange_errors(server: str) -> Iterator[None]:
    """Translate the Exchange port's connection errors to the connector's error codes (a
    server without remote PowerShell is left to the caller: it is refused on its version)."""
    try:
        yield
    except RemotePowerShellMissing:
        raise
    except AuthenticationFailed as exc:
        raise ExchangeAuthenticationFailed(
            f"Exchange refused the credentials for {server}: {exc.message}"
        ) from exc
    except SessionRefused as exc:
        raise ExchangeUnreachable(
            f"Cannot connect to the Exchange server address {server}: {exc.message} "
            "(server arrays are not supported; specify one Client Access server)"
        ) from exc
    except ServerUnavailable as exc:
        raise ExchangeUnreachable(
            f"Cannot connect to the Exchange server address {server}: {exc.message}"
        ) from exc
    except Throttled as exc:  # still refused after the waits (connector/throttling.py)
        raise ExchangeCommandFailed("Exchange", exc.error_id, exc.message) from exc


class ConfigurationWizard:
    def __init__(
        self, platform: Platform, shell: RemoteShell, log: ConnectorLog | None = None
    ) -> None:
        self.platform = platform
        self.shell = shell
        self.store = ConfigStore(platform)
        self.log = log or ConnectorLog(platform)

    def preflight(self, request: ConfigurationRequest) -> list[Finding]:
        """Every prerequisite of SPEC R1 as a finding, without registering (setup's checker)."""
        request = validate(request)
        profile = (
            install_state(self.platform).get("profile", "2016")
            if is_installed(self.platform)
            else "2016"
        )
        for secret in (request.service_account.password, request.proxy and request.proxy.password):
            self.log.add_secret(secret or None)
        findings = run_preflight(
            self.platform, self.shell, request, profile, self.store.load_settings()
        )
        for finding in findings:
            if finding.severity != "ok":
                self.log.write(
                    "Error" if finding.severity == "blocker" else "Warning",
                    "Prerequisite",
                    finding.describe(),
                    requirement=finding.requirement,
                )
        return findings

    def connect(self, request: ConfigurationRequest) -> ConnectResult:
        """Connect: validate, check Exchange, register, store, start. Every refusal is logged
        with its error code before it is raised."""
        try:
            return self._connect(request)
        except ConnectorError as exc:
            fields: dict[str, Any] = {"code": exc.code}
            if isinstance(exc, MissingCmdlets):
                fields["missing"] = exc.missing
            self.log.error("Configure", exc.message, **fields)
            raise

    def _connect(self, request: ConfigurationRequest) -> ConnectResult:
        request = validate(request)
        state = install_state(self.platform)
        profile = state.get("profile", "2016")
        for secret in (
            request.service_account.password,
            request.proxy and request.proxy.password,
            request.notification_account and request.notification_account.password,
        ):
            self.log.add_secret(secret or None)
        self.log.info(
            "Configure", f"Connecting to Exchange server {request.server}", server=request.server
        )

        try:
            with exchange_errors(request.server):
                session = self._patiently(
                    lambda: self.shell.open(
                        request.server, request.service_account, exchange_proxy(request)
                    )
                )
        except RemotePowerShellMissing as exc:
            raise self._too_old(request, profile, exc) from exc
        try:
            server_info = self._check_exchange(session, request, profile)
            notification_smtp = self._notification_address(session, request)
        finally:
            session.close()
        warnings = self._check_notification_path(request, notification_smtp)

        cert = stored_certificate(self.platform)
        settings = self.store.load_settings()
        client = IntuneClient(self.platform, cert.service_endpoint, request.proxy)
        org = _ORG_RE.match(server_info.get("ExchangeLegacyDN") or "")
        result = client.register(
            cert.raw,
            {
                "hostName": self.platform.facts().name,
                "serverType": request.server_type,
                "exchangeServer": request.server,
                "exchangeOrganization": org.group(1) if org else "",
                "exchangeVersion": server_info.get("AdminDisplayVersion", ""),
                "serviceAccount": request.service_account.user,
                "connectorVersion": PRODUCT_VERSION,
                **(
                    {
                        "administrator": {
                            "userPrincipalName": request.administrator.user,
                            "password": request.administrator.password,
                        }
                    }
                    if request.administrator
                    else {}
                ),
            },
            replace=request.replace,
        )
        self.log.add_secret(result["token"])
        now = self.platform.now()
        config = ConnectorConfiguration(
            exchange=ExchangeTarget(request.server_type, request.server),
            service_account=request.service_account,
            notification_account=request.notification_account,
            notification_smtp=notification_smtp,
            proxy=request.proxy,
            settings=settings,
            registration=Registration(
                result["connectorId"], result["token"], cert.tenant_name, now
            ),
            configured_at=now,
        )
        self.store.save(config)
        self.log.info(
            "Configure",
            "Registered with Intune",
            connectorId=result["connectorId"],
            replaced=result.get("replaced", []),
            tenant=cert.tenant_name,
        )
        started = self.platform.start_service(SERVICE_NAME)
        if not started.started:
            self.log.error("ServiceStart", started.message, eventId=started.event_id)
            raise ServiceStartFailed(
                f"The connector service did not start: {started.message} (event {started.event_id})"
            )
        return ConnectResult(
            connector_id=result["connectorId"],
            status=result.get("status", ""),
            exchange_server=server_info,
            replaced=list(result.get("replaced", [])),
            warnings=warnings,
        )

    def _patiently(self, fn: Callable[[], T]) -> T:
        """A call into Exchange with throttling waited out, as the service does: Connect
        runs on the service account, whose budget a running sync may just have spent."""
        return wait_out_throttling(self.platform, self.log, fn)

    def _notification_address(
        self, session: ExchangeTransport, request: ConfigurationRequest
    ) -> str | None:
        """The notification account's primary SMTP address (its UPN must equal it, SPEC R4.4)."""
        account = request.notification_account
        if account is None:
            return None
        try:
            with exchange_errors(request.server):
                found = self._patiently(
                    lambda: session.invoke("Get-Recipient", Identity=account.user)
                )
        except ObjectNotFound:
            return None
        return str(found[0].get("PrimarySmtpAddress") or "") or None if found else None

    def _check_notification_path(
        self, request: ConfigurationRequest, smtp: str | None
    ) -> list[str]:
        """Autodiscover and EWS for the notification account. A broken path does not stop
        Connect — the connector works without notifications — but it is reported."""
        account = request.notification_account
        if account is None:
            return []
        if smtp is None:
            message = f"The notification account {account.user} has no mailbox on this Exchange organization; users will not be notified"
        else:
            try:
                Notifier(self.platform, account, smtp, self.store.load_settings()).ews_url()
                return []
            except NotificationFailed as exc:
                message = exc.message
        self.log.warning("NotificationPath", message, account=account.user)
        return [message]

    def _too_old(
        self, request: ConfigurationRequest, profile: str, exc: RemotePowerShellMissing
    ) -> UnsupportedExchangeVersion:
        """The server has no remote PowerShell (Exchange 2007): refuse on its version, read
        from Exchange Web Services, before anything else is tried (SPEC R1.2)."""
        found = read_server_version(
            self.platform, request.server, request.service_account, exchange_proxy(request)
        )
        finding = check_no_remote_powershell(request.server, found, exc.message, profile)
        return UnsupportedExchangeVersion(finding.describe())

    def _check_exchange(
        self, session: ExchangeTransport, request: ConfigurationRequest, profile: str
    ) -> dict[str, Any]:
        """The version first (SPEC R1.2: an unsupported server is refused on its version
        whatever else is wrong), then the cmdlets the account may run (R1.10)."""
        with exchange_errors(request.server):
            try:
                servers = self._patiently(lambda: session.invoke("Get-ExchangeServer"))
            except CommandNotFound:
                servers = None  # the cmdlet check below names it
            if servers is not None:
                target = _find_server(servers, session.server, request.server)
                finding = check_exchange_version(
                    target.get("Name", request.server),
                    target.get("AdminDisplayVersion", ""),
                    profile,
                )
                if finding.severity == "blocker":
                    raise UnsupportedExchangeVersion(finding.describe())
            commands = [c["Name"] for c in self._patiently(lambda: session.invoke("Get-Command"))]
            missing = missing_cmdlets(commands)
            if missing:
                raise MissingCmdlets(request.service_account.user, missing)
        assert servers is not None  # Get-ExchangeServer is a required cmdlet
        return target


def _find_server(servers: list[dict[str, Any]], fqdn: str, typed: str) -> dict[str, Any]:
    wanted = {fqdn.lower(), typed.lower(), typed.split(".")[0].lower()}
    for server in servers:
        if (
            str(server.get("Fqdn", "")).lower() in wanted
            or str(server.get("Name", "")).lower() in wanted
        ):
            return server
    return {"Name": typed, "Fqdn": fqdn, "AdminDisplayVersion": ""}
