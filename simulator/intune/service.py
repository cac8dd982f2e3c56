"""The Intune tenant as the connector's world sees it.

Tenant and subscription (MDM authority, directory synchronisation, administrators, licences),
the connector package and its account certificate, connector registrations under the
one-connection rule of the release profile (SPEC R3), the Exchange connection's information
and status with its last successful sync (R6.1), and the device inventory built from the
connector's uploads: a full snapshot replaces what Intune holds, idempotently by device id.
"""

from __future__ import annotations

import base64
import hmac
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from simulator.intune.package import account_certificate, build_package, sign

ENDPOINT = "https://exchangeconnector.manage.microsoft.com"
CERT_LIFETIME = timedelta(days=180)  # model: the real lifetime is not documented


class IntuneError(Exception):
    """An API refusal: HTTP status, error code and message (JSON body of the response)."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


@dataclass
class ConnectorRecord:
    connector_id: str
    token: str
    host: str
    server: str
    server_type: str
    service_account: str
    organization: str
    exchange_version: str
    version: str
    registered_at: datetime
    status: str = (
        "connectionPending"  # connectionPending, connected, disconnected, replaced, deleted
    )
    last_contact: datetime | None = None
    last_sync_attempt: datetime | None = None
    last_successful_sync: datetime | None = None
    last_sync_type: str | None = None
    last_error: str | None = None
    replaced_by: str | None = None
    exchange_servers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status not in ("replaced", "deleted")


@dataclass
class SyncSession:
    sync_id: str
    connector_id: str
    sync_type: str
    started: datetime
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)


class IntuneService:
    def __init__(
        self,
        rng: random.Random,
        tenant_name: str,
        mdm_authority: str = "intune",
        directory_sync: bool = True,
        profile: str = "2016",
    ) -> None:
        self.rng = rng
        self.tenant_name = tenant_name
        self.tenant_id = self.new_guid()
        self.mdm_authority = mdm_authority
        self.directory_sync = directory_sync
        self.profile = profile
        self.admins: set[str] = set()
        self.licensed: set[str] = set()  # lower-case UPNs with an Intune licence
        self._key = rng.getrandbits(256).to_bytes(32, "big")
        self.connectors: dict[str, ConnectorRecord] = {}
        self.syncs: dict[str, SyncSession] = {}
        self.inventory: dict[str, dict[str, Any]] = {}  # lower device id -> record
        self.issued_serials: set[str] = set()

    def new_guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- console-side -----------------------------------------------------------------------
    def download_package(self, admin: str, now: datetime) -> bytes:
        if admin.lower() not in self.admins:
            raise IntuneError(
                403,
                "forbidden",
                f"{admin} is not an administrator of the {self.tenant_name} tenant",
            )
        serial = self.new_guid()
        self.issued_serials.add(serial)
        cert = account_certificate(
            self.tenant_id, self.tenant_name, ENDPOINT, serial, now, now + CERT_LIFETIME, self._key
        )
        return build_package(cert, now)

    def active_connectors(self) -> list[ConnectorRecord]:
        return [c for c in self.connectors.values() if c.active]

    def exchange_connection(self) -> ConnectorRecord | None:
        """The connection the console shows (the latest active one)."""
        active = self.active_connectors()
        return active[-1] if active else None

    # -- connector API --------------------------------------------------------------------
    def verify_certificate(self, blob: str, now: datetime) -> dict[str, Any]:
        try:
            doc = json.loads(base64.b64decode(blob))
        except (ValueError, TypeError):
            raise IntuneError(
                401, "invalidCertificate", "The account certificate is not valid"
            ) from None
        if not isinstance(doc, dict) or not hmac.compare_digest(
            str(doc.get("signature", "")), sign(self._key, doc)
        ):
            raise IntuneError(
                401, "invalidCertificate", "The account certificate was not issued for this tenant"
            )
        if doc.get("serial") not in self.issued_serials:
            raise IntuneError(401, "invalidCertificate", "The account certificate is unknown")
        if datetime.fromisoformat(doc["notAfter"]) <= now:
            raise IntuneError(
                401,
                "certificateExpired",
                "The account certificate has expired; download the connector package again",
            )
        return doc

    def register(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        self.verify_certificate(str(body.get("accountCertificate", "")), now)
        if self.mdm_authority != "intune":
            raise IntuneError(
                403,
                "mdmAuthorityNotIntune",
                f"The mobile device management authority is {self.mdm_authority}, not Intune",
            )
        if not self.directory_sync:
            raise IntuneError(
                403,
                "directorySyncNotConfigured",
                "Directory synchronisation from Active Directory is not configured",
            )
        organization = str(body.get("exchangeOrganization", ""))
        if self.profile == "2018":
            clash = [
                c
                for c in self.active_connectors()
                if c.organization.lower() == organization.lower()
            ]
        else:
            clash = self.active_connectors()
        if clash and self.profile == "2018" and not body.get("replace"):
            raise IntuneError(
                409,
                "replaceRequired",
                f"A connector is already configured for the Exchange organization {organization}; "
                "confirm Replace to replace it",
            )
        record = ConnectorRecord(
            connector_id=self.new_guid(),
            token=f"{self.rng.getrandbits(192):048x}",
            host=str(body.get("hostName", "")),
            server=str(body.get("exchangeServer", "")),
            server_type=str(body.get("serverType", "")),
            service_account=str(body.get("serviceAccount", "")),
            organization=organization,
            exchange_version=str(body.get("exchangeVersion", "")),
            version=str(body.get("connectorVersion", "")),
            registered_at=now,
            last_contact=now,
        )
        for old in clash:
            old.status = "replaced"
            old.replaced_by = record.connector_id
        self.connectors[record.connector_id] = record
        return {
            "connectorId": record.connector_id,
            "token": record.token,
            "status": record.status,
            "replaced": [c.connector_id for c in clash],
        }

    def authenticate(
        self, connector_id: str, authorization: str | None, now: datetime
    ) -> ConnectorRecord:
        record = self.connectors.get(connector_id)
        token = (authorization or "").removeprefix("Bearer ").strip()
        if record is None or not hmac.compare_digest(token, record.token):
            raise IntuneError(
                401, "unauthorized", "The connector is not registered or its token is not valid"
            )
        if record.status == "replaced":
            raise IntuneError(
                410,
                "connectorReplaced",
                f"This connector was replaced by connector {record.replaced_by}; it can no longer sync",
            )
        if record.status == "deleted":
            raise IntuneError(
                410,
                "connectionDeleted",
                "The Exchange connection was deleted in the admin console; uninstall this connector",
            )
        record.last_contact = now
        return record

    def targeted_users(self) -> list[str]:
        """Licensed users, in a stable order (conditional access targets all of them for now)."""
        return sorted(self.licensed)

    def start_sync(self, record: ConnectorRecord, sync_type: str, now: datetime) -> SyncSession:
        if sync_type not in ("fullSync", "deltaSync"):
            raise IntuneError(400, "invalidSyncType", "syncType must be fullSync or deltaSync")
        session = SyncSession(self.new_guid(), record.connector_id, sync_type, now)
        self.syncs[session.sync_id] = session
        record.last_sync_attempt = now
        return session

    def sync_session(self, record: ConnectorRecord, sync_id: str) -> SyncSession:
        session = self.syncs.get(sync_id)
        if session is None or session.connector_id != record.connector_id:
            raise IntuneError(404, "syncNotFound", f"No sync {sync_id} is open for this connector")
        return session

    def add_devices(
        self, session: SyncSession, devices: list[dict[str, Any]], now: datetime
    ) -> int:
        for device in devices:
            device_id = str(device.get("exchangeDeviceId", ""))
            if not device_id:
                raise IntuneError(400, "invalidDevice", "Every device needs an exchangeDeviceId")
            session.devices[device_id.lower()] = {**device, "lastReportedDateTime": now.isoformat()}
        return len(session.devices)

    def complete_sync(
        self, record: ConnectorRecord, session: SyncSession, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        outcome = body.get("outcome")
        del self.syncs[session.sync_id]
        if outcome != "success":
            record.status = "disconnected"
            record.last_error = str(body.get("error", "sync failed"))
            return {"status": record.status}
        if session.sync_type == "fullSync":
            self.inventory = dict(session.devices)
            record.exchange_servers = list(body.get("exchangeServers", []))
        else:
            self.inventory.update(session.devices)
        record.status = "connected"
        record.last_error = None
        record.last_successful_sync = now
        record.last_sync_type = session.sync_type
        return {
            "status": record.status,
            "lastSuccessfulSync": now.isoformat(),
            "devices": len(self.inventory),
        }

    # -- observation ------------------------------------------------------------------------
    def observe(self) -> dict[str, Any]:
        conn = self.exchange_connection()
        return {
            "tenant": self.tenant_name,
            "mdm_authority": self.mdm_authority,
            "profile": self.profile,
            "connectors": len(self.connectors),
            "active_connectors": len(self.active_connectors()),
            "exchange_connection": None
            if conn is None
            else {
                "id": conn.connector_id,
                "host": conn.host,
                "server": conn.server,
                "server_type": conn.server_type,
                "account": conn.service_account,
                "status": conn.status,
                "last_successful_sync": conn.last_successful_sync,
                "last_sync_type": conn.last_sync_type,
            },
            "inventory": {
                "count": len(self.inventory),
                "device_ids": sorted(self.inventory),
            },
        }
