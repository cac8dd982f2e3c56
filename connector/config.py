"""The connector's stored configuration (SPEC R4.6, R8.2).

Everything is kept in `OnPremisesExchangeConnectorServiceConfiguration.xml` under
ProgramData: the service keys an administrator may edit by hand (`ExchangeWebServiceURL`,
`IsCasFailoverEnabled`, `EnableParallelCommandSupport`, the sync intervals, the log level)
and the connection written by the configuration wizard. Secrets are protected with the
host's DPAPI-like `Platform.protect` and never stored in clear text. The proxy is a
**snapshot** taken when the wizard ran: a later change of the real proxy is not seen until
the connector is reconfigured. Writes are atomic (the platform's `write_file`).
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import datetime

from connector.errors import InvalidConfiguration
from connector.exchange import Credential
from connector.paths import SERVICE_CONFIG
from connector.platform import Platform

CONFIG_VERSION = "1"
ON_PREMISES = "on_premises"
HOSTED = "hosted"


@dataclass(frozen=True)
class ProxySettings:
    address: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def url(self) -> str:
        """The proxy URL for requests, with credentials when they are set."""
        if self.user:
            from urllib.parse import quote

            return f"http://{quote(self.user, safe='')}:{quote(self.password or '', safe='')}@{self.address}:{self.port}"
        return f"http://{self.address}:{self.port}"


@dataclass(frozen=True)
class ExchangeTarget:
    server_type: str  # ON_PREMISES or HOSTED
    server: str


@dataclass(frozen=True)
class ServiceSettings:
    """The hand-editable keys of the service configuration file."""

    exchange_web_service_url: str | None = None
    is_cas_failover_enabled: bool = True
    enable_parallel_command_support: bool = False
    quick_sync_interval_minutes: int = 120
    full_sync_interval_minutes: int = 1440
    heartbeat_interval_minutes: int = 15
    command_poll_interval_minutes: int = 5
    log_level: str = "Information"


@dataclass(frozen=True)
class Registration:
    connector_id: str
    token: str = field(repr=False)
    tenant: str = ""
    registered_at: datetime | None = None


@dataclass(frozen=True)
class ConnectorConfiguration:
    exchange: ExchangeTarget
    service_account: Credential
    notification_account: Credential | None = None
    notification_smtp: str | None = None  # resolved at Connect: the account's primary SMTP address
    proxy: ProxySettings | None = None
    settings: ServiceSettings = field(default_factory=ServiceSettings)
    registration: Registration | None = None
    configured_at: datetime | None = None

    def with_registration(self, registration: Registration) -> ConnectorConfiguration:
        return replace(self, registration=registration)


@dataclass(frozen=True)
class ConfigurationRequest:
    """What the administrator types into the wizard."""

    server_type: str
    server: str
    service_account: Credential
    notification_account: Credential | None = None
    proxy: ProxySettings | None = None
    replace: bool = False
    administrator: Credential | None = None  # the tenant administrator who signs in to Intune


# (XML element, attribute of ServiceSettings, parser, formatter)
_SETTING_KEYS: list[tuple[str, str, type]] = [
    ("ExchangeWebServiceURL", "exchange_web_service_url", str),
    ("IsCasFailoverEnabled", "is_cas_failover_enabled", bool),
    ("EnableParallelCommandSupport", "enable_parallel_command_support", bool),
    ("QuickSyncIntervalMinutes", "quick_sync_interval_minutes", int),
    ("FullSyncIntervalMinutes", "full_sync_interval_minutes", int),
    ("HeartbeatIntervalMinutes", "heartbeat_interval_minutes", int),
    ("CommandPollIntervalMinutes", "command_poll_interval_minutes", int),
    ("LogLevel", "log_level", str),
]


def _parse_setting(key: str, text: str | None, kind: type) -> object:
    text = (text or "").strip()
    if kind is bool:
        if text.lower() not in ("true", "false"):
            raise InvalidConfiguration(key, f"expected true or false, found {text!r}")
        return text.lower() == "true"
    if kind is int:
        if not text.isdigit() or int(text) <= 0:
            raise InvalidConfiguration(
                key, f"expected a positive whole number of minutes, found {text!r}"
            )
        return int(text)
    return text or None


class ConfigStore:
    """Reads and writes the configuration file on the host, protecting secrets."""

    def __init__(self, platform: Platform, path: str = SERVICE_CONFIG) -> None:
        self.platform = platform
        self.path = path

    # -- secrets -----------------------------------------------------------------------
    def _protect(self, parent: ET.Element, tag: str, secret: str | None) -> None:
        if secret is None:
            return
        el = ET.SubElement(parent, tag, protected="dpapi")
        el.text = base64.b64encode(self.platform.protect(secret.encode())).decode()

    def _unprotect(self, parent: ET.Element, tag: str) -> str | None:
        el = parent.find(tag)
        if el is None or not el.text:
            return None
        return self.platform.unprotect(base64.b64decode(el.text)).decode()

    # -- save / load -------------------------------------------------------------------
    def save(self, cfg: ConnectorConfiguration) -> None:
        root = ET.Element("OnPremisesExchangeConnectorServiceConfiguration", version=CONFIG_VERSION)
        for tag, attr, kind in _SETTING_KEYS:
            value = getattr(cfg.settings, attr)
            el = ET.SubElement(root, tag)
            el.text = "" if value is None else (str(value).lower() if kind is bool else str(value))
        conn = ET.SubElement(root, "Connection")
        if cfg.configured_at:
            conn.set("configuredAt", cfg.configured_at.isoformat())
        ET.SubElement(conn, "ExchangeServerType").text = cfg.exchange.server_type
        ET.SubElement(conn, "ExchangeServer").text = cfg.exchange.server
        svc = ET.SubElement(conn, "ServiceAccount", user=cfg.service_account.user)
        self._protect(svc, "Password", cfg.service_account.password)
        if cfg.notification_account:
            notif = ET.SubElement(conn, "NotificationAccount", user=cfg.notification_account.user)
            if cfg.notification_smtp:
                notif.set("smtp", cfg.notification_smtp)
            self._protect(notif, "Password", cfg.notification_account.password)
        if cfg.proxy:
            proxy = ET.SubElement(
                conn, "Proxy", address=cfg.proxy.address, port=str(cfg.proxy.port)
            )
            if cfg.proxy.user:
                proxy.set("user", cfg.proxy.user)
                self._protect(proxy, "Password", cfg.proxy.password)
        if cfg.registration:
            reg = ET.SubElement(
                conn,
                "Registration",
                connectorId=cfg.registration.connector_id,
                tenant=cfg.registration.tenant,
            )
            if cfg.registration.registered_at:
                reg.set("registeredAt", cfg.registration.registered_at.isoformat())
            self._protect(reg, "Token", cfg.registration.token)
        ET.indent(root)
        data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
        self.platform.write_file(self.path, data)

    def set_keys(self, values: dict[str, str]) -> ServiceSettings:
        """Edit service keys by name as an administrator would in the XML file (the service
        reads them at its next start). Unknown keys and bad values are refused, nothing written."""
        known = {tag.lower(): (tag, kind) for tag, _, kind in _SETTING_KEYS}
        root = (
            self._root()
            if self.platform.exists(self.path)
            else ET.Element(
                "OnPremisesExchangeConnectorServiceConfiguration", version=CONFIG_VERSION
            )
        )
        for key, value in values.items():
            if key.lower() not in known:
                raise InvalidConfiguration(
                    key,
                    f"not a service configuration key (keys: {', '.join(t for t, _, _ in _SETTING_KEYS)})",
                )
            tag, kind = known[key.lower()]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            _parse_setting(tag, text, kind)
            el = root.find(tag)
            if el is None:
                el = ET.Element(tag)
                root.insert(0, el)
            el.text = text
        ET.indent(root)
        self.platform.write_file(
            self.path, ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
        )
        return self._settings(root)

    def load_settings(self) -> ServiceSettings:
        """The service keys alone (defaults when the file does not exist)."""
        if not self.platform.exists(self.path):
            return ServiceSettings()
        return self._settings(self._root())

    def _root(self) -> ET.Element:
        try:
            return ET.fromstring(self.platform.read_file(self.path))
        except ET.ParseError as exc:
            raise InvalidConfiguration(self.path, f"not well-formed XML ({exc})") from exc

    def _settings(self, root: ET.Element) -> ServiceSettings:
        values = {}
        for tag, attr, kind in _SETTING_KEYS:
            el = root.find(tag)
            if el is not None:
                values[attr] = _parse_setting(tag, el.text, kind)
        return ServiceSettings(**values)

    def load(self) -> ConnectorConfiguration | None:
        """The stored configuration, or None when the wizard has not completed yet."""
        if not self.platform.exists(self.path):
            return None
        root = self._root()
        conn = root.find("Connection")
        if conn is None:
            return None
        svc = conn.find("ServiceAccount")
        if svc is None:
            raise InvalidConfiguration("ServiceAccount", "missing from the stored connection")
        notif = conn.find("NotificationAccount")
        proxy_el = conn.find("Proxy")
        reg_el = conn.find("Registration")
        proxy = None
        if proxy_el is not None:
            proxy = ProxySettings(
                address=proxy_el.get("address", ""),
                port=int(proxy_el.get("port", "0")),
                user=proxy_el.get("user"),
                password=self._unprotect(proxy_el, "Password"),
            )
        registration = None
        if reg_el is not None:
            registered_at = reg_el.get("registeredAt")
            registration = Registration(
                connector_id=reg_el.get("connectorId", ""),
                token=self._unprotect(reg_el, "Token") or "",
                tenant=reg_el.get("tenant", ""),
                registered_at=datetime.fromisoformat(registered_at) if registered_at else None,
            )
        configured_at = conn.get("configuredAt")
        return ConnectorConfiguration(
            exchange=ExchangeTarget(
                server_type=conn.findtext("ExchangeServerType", ON_PREMISES),
                server=conn.findtext("ExchangeServer", ""),
            ),
            service_account=Credential(svc.get("user", ""), self._unprotect(svc, "Password") or ""),
            notification_account=(
                Credential(notif.get("user", ""), self._unprotect(notif, "Password") or "")
                if notif is not None
                else None
            ),
            notification_smtp=notif.get("smtp") if notif is not None else None,
            proxy=proxy,
            settings=self._settings(root),
            registration=registration,
            configured_at=datetime.fromisoformat(configured_at) if configured_at else None,
        )

    def delete(self) -> None:
        if self.platform.exists(self.path):
            self.platform.delete_file(self.path)
