"""Registration: the package and its account certificate, connectors registering, and every
connector call authenticated (SPEC R3) — the part of `IntuneService` that decides who may
talk to Intune at all, apart from what a registered connector then does (`syncing.py`).

Registration (SPEC R3): the account certificate must be one this tenant issued and not
expired; the MDM authority must be Intune (R1.5), directory synchronisation configured
(R1.6) and no Exchange Online connector configured (R3.2, C32); when the tenant requires it
an administrator signs in (`tenant.py`). Then the scope's active connection, if any, is
replaced — silently in profile 2016, only with `replace: true` in 2018 (otherwise 409
`replaceRequired`). A replaced or deleted connector gets 410 on every call, and nothing it
sends is accepted: its open syncs are discarded.

Faults read here (`certificate_expired`) are looked up at the time of the call.
"""

from __future__ import annotations

import base64
import hmac
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from simulator.intune.connections import (
    COMMAND_POLL_INTERVAL,
    HEARTBEAT_INTERVAL,
    ConnectorRecord,
    scope_of,
)
from simulator.intune.errors import (
    CertificateExpired,
    ConnectionDeleted,
    ConnectorCertificateExpired,
    ConnectorReplaced,
    DirectorySyncNotConfigured,
    EndOfSupport,
    ExchangeOnlineConnectorExists,
    InvalidBody,
    InvalidCertificate,
    MdmAuthorityNotIntune,
    ReplaceRequired,
    SignInRequired,
    Unauthorized,
)
from simulator.intune.inventory import SyncSession
from simulator.intune.package import account_certificate, build_package, sign
from simulator.intune.tenant import Tenant, authority_name
from simulator.world.faults import FaultTimeline

ENDPOINT = "https://exchangeconnector.manage.microsoft.com"
CERT_LIFETIME = timedelta(days=180)  # model: the real lifetime is not documented
SERVER_TYPES = ("on_premises", "hosted")


class Registration:
    """`IntuneService`'s registration and authentication (a part of the service, never used
    alone: the state it reads and writes is the service's own, made in its `__init__`)."""

    rng: random.Random
    tenant: Tenant
    faults: FaultTimeline
    certificate_lifetime: timedelta
    end_of_support: datetime | None  # C31: nothing accepted from then on
    connectors: dict[str, ConnectorRecord]
    syncs: dict[str, SyncSession]
    issued_serials: set[str]
    _key: bytes
    new_guid: Callable[[], str]
    tenant_id: str
    tenant_name: str
    profile: str

    # -- the package and its certificate -------------------------------------------------
    def download_package(self, now: datetime) -> bytes:
        """A fresh Exchange_Connector_Setup.zip with a new account certificate."""
        serial = self.new_guid()
        self.issued_serials.add(serial)
        cert = account_certificate(
            self.tenant_id,
            self.tenant_name,
            ENDPOINT,
            serial,
            now,
            now + self.certificate_lifetime,
            self._key,
        )
        return build_package(cert, now)

    def verify_certificate(self, blob: str, now: datetime) -> dict[str, Any]:
        try:
            doc = json.loads(base64.b64decode(blob, validate=True))
        except (ValueError, TypeError):
            raise InvalidCertificate("The account certificate is not valid") from None
        if not isinstance(doc, dict) or not _same_secret(
            str(doc.get("signature", "")), sign(self._key, doc)
        ):
            raise InvalidCertificate("The account certificate was not issued for this tenant")
        if doc.get("serial") not in self.issued_serials:
            raise InvalidCertificate("The account certificate is unknown")
        expired_fault = self.faults.active("certificate_expired", now, certificate="account")
        if datetime.fromisoformat(doc["notAfter"]) <= now or expired_fault is not None:
            raise CertificateExpired(
                "The account certificate has expired; download the connector package again"
            )
        return doc

    # -- registration ---------------------------------------------------------------------
    def register(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        info = _registration_fields(body)
        self._check_support(now)
        self.verify_certificate(info["accountCertificate"], now)
        tenant = self.tenant
        if tenant.mdm_authority != "intune":
            raise MdmAuthorityNotIntune(
                f"The mobile device management authority is {authority_name(tenant.mdm_authority)}, "
                "not Intune"
            )
        if not tenant.directory_sync:
            raise DirectorySyncNotConfigured(
                "Directory synchronisation from Active Directory is not configured"
            )
        if tenant.exchange_online_connector:
            raise ExchangeOnlineConnectorExists(
                "An Exchange Online connector is configured in this tenant; on-premises and "
                "Exchange Online connectors cannot coexist"
            )
        signed_in = self._sign_in(body.get("administrator"))
        organization = info["exchangeOrganization"]
        scope = scope_of(self.profile, organization)
        clash = [c for c in self.active_connectors() if c.scope == scope]
        if clash and self.profile == "2018" and body.get("replace") is not True:
            old = clash[0]
            raise ReplaceRequired(
                f"A connector is already configured for the Exchange organization {organization}; "
                "confirm Replace to replace it",
                existing={
                    "connectorId": old.connector_id,
                    "hostName": old.host,
                    "exchangeOrganization": old.organization,
                },
            )
        record = ConnectorRecord(
            connector_id=self.new_guid(),
            token=f"{self.rng.getrandbits(192):048x}",
            scope=scope,
            host=info["hostName"],
            server=info["exchangeServer"],
            server_type=info["serverType"],
            service_account=info["serviceAccount"],
            organization=organization,
            exchange_version=info["exchangeVersion"],
            version=info["connectorVersion"],
            registered_at=now,
            signed_in_as=signed_in,
            last_contact=now,
        )
        for old in clash:
            self._retire(old, "replaced", now, record.connector_id)
        self.connectors[record.connector_id] = record
        return {
            "connectorId": record.connector_id,
            "token": record.token,
            "status": record.status_at(now),
            "replaced": [c.connector_id for c in clash],
            "heartbeatIntervalSeconds": int(HEARTBEAT_INTERVAL.total_seconds()),
            "commandPollIntervalSeconds": int(COMMAND_POLL_INTERVAL.total_seconds()),
        }

    def readiness(self, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        """What a connector's prerequisite check may learn before registering (SPEC R1.5,
        R1.6, R3.2): the tenant's state, for the holder of a valid account certificate."""
        certificate = body.get("accountCertificate")
        if not isinstance(certificate, str) or not certificate:
            raise InvalidBody("accountCertificate is required")
        self.verify_certificate(certificate, now)
        tenant = self.tenant
        return {
            "mdmAuthority": tenant.mdm_authority,
            "directorySynchronization": tenant.directory_sync,
            "exchangeOnlineConnector": tenant.exchange_online_connector,
            "administratorSignInRequired": tenant.sign_in_required(),
        }

    def _sign_in(self, administrator: Any) -> str | None:
        if administrator is None:
            if self.tenant.sign_in_required():
                raise SignInRequired(
                    "An administrator of the tenant must sign in to register the connector"
                )
            return None
        if not isinstance(administrator, dict) or not all(
            isinstance(administrator.get(k), str) for k in ("userPrincipalName", "password")
        ):
            raise InvalidBody("administrator must be {userPrincipalName, password}")
        admin = self.tenant.sign_in(administrator["userPrincipalName"], administrator["password"])
        return admin.upn

    def _retire(
        self, record: ConnectorRecord, state: str, now: datetime, by: str | None = None
    ) -> None:
        record.retire(state, now, by)
        self.syncs = {k: s for k, s in self.syncs.items() if s.connector_id != record.connector_id}

    def active_connectors(self) -> list[ConnectorRecord]:
        return [c for c in self.connectors.values() if c.active]

    def exchange_connection(self) -> ConnectorRecord | None:
        """The connection the console shows (the latest active one)."""
        active = self.active_connectors()
        return active[-1] if active else None

    def _check_support(self, now: datetime) -> None:
        if self.end_of_support is not None and now >= self.end_of_support:
            raise EndOfSupport(
                "The Exchange on-premises connector is no longer supported since "
                f"{self.end_of_support.date().isoformat()}; move to Exchange Online or hybrid "
                "modern authentication"
            )

    def authenticate(
        self, connector_id: str, authorization: str | None, now: datetime
    ) -> ConnectorRecord:
        self._check_support(now)
        record = self.connectors.get(connector_id)
        token = (authorization or "").removeprefix("Bearer ").strip()
        if record is None or not _same_secret(token, record.token):
            raise Unauthorized("The connector is not registered or its token is not valid")
        if record.final_state == "replaced":
            raise ConnectorReplaced(
                f"This connector was replaced by connector {record.replaced_by}; it can no longer sync"
            )
        if record.final_state == "deleted":
            raise ConnectionDeleted(
                "The Exchange connection was deleted in the admin console; uninstall this connector"
            )
        fault = self.faults.active("certificate_expired", now, certificate="connector")
        if fault is not None and self.faults.seconds(record.registered_at) < fault.start:
            raise ConnectorCertificateExpired(
                "The connector's certificate has expired; run the connector configuration again"
            )
        record.last_contact = now
        return record


_TEXT_FIELDS = (
    "hostName",
    "exchangeServer",
    "exchangeOrganization",
    "exchangeVersion",
    "serviceAccount",
    "connectorVersion",
)


def _registration_fields(body: dict[str, Any]) -> dict[str, str]:
    cert = body.get("accountCertificate")
    if not isinstance(cert, str) or not cert:
        raise InvalidBody("accountCertificate is required (the .accountcert file's content)")
    server_type = body.get("serverType")
    if server_type not in SERVER_TYPES:
        raise InvalidBody(f"serverType must be on_premises or hosted, found {server_type!r}")
    out = {"accountCertificate": cert, "serverType": str(server_type)}
    for name in _TEXT_FIELDS:
        value = body.get(name, "")
        if not isinstance(value, str):
            raise InvalidBody(f"{name} must be text")
        out[name] = value
    return out


def _same_secret(given: str, expected: str) -> bool:
    """A constant-time comparison of a secret a client sent (any text) with the real one.

    `hmac.compare_digest` refuses `str` with non-ASCII characters (TypeError), so a token
    or signature of such characters — a client's bad input, found by fuzz/server.py — is
    compared as UTF-8 bytes instead of failing the request with a 500."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))
