"""The Intune service as the connector's world sees it.

It composes the tenant (subscription, MDM authority, administrators, licences, the last
directory synchronisation — `tenant.py`), the Exchange connections under the release
profile's one-connection rule (`connections.py`), the sync sessions and the device inventory
(`inventory.py`), conditional access with enrolled devices and the decision per device
(`access.py`), and the command queue (`commands.py`). `api.py` exposes it to the connector
over HTTP and `console.py` to administrators.

Every method takes the time it runs at (`now`): the same service serves a run on the
simulated clock and a lab on the wall clock. Faults read here (`certificate_expired`) are
looked up at that time.

Registration (SPEC R3): the account certificate must be one this tenant issued and not
expired; the MDM authority must be Intune (R1.5), directory synchronisation configured
(R1.6) and no Exchange Online connector configured (R3.2, C32); when the tenant requires it
an administrator signs in (`tenant.py`). Then the scope's active connection, if any, is
replaced — silently in profile 2016, only with `replace: true` in 2018 (otherwise 409
`replaceRequired`). A replaced or deleted connector gets 410 on every call, and nothing it
sends is accepted: its open syncs are discarded.

Targeting (SPEC R5.2, R5.4): who is targeted is Intune's to know, so Intune stamps each
user's change — licensed or targeted, or no longer — at the evaluation that saw it, and a
quick sync asks for the changes since its watermark (`GET /users/changes`).

Deviations: the connector–Intune protocol is not public; the targeting changes a quick sync
asks for (`GET /users/changes`) are the twin's model of how it learns them, and a change reverted
between two quick syncs is reported as the user's state now (reported again, or withdrawn
again: both idempotent).
"""

from __future__ import annotations

import base64
import hmac
import json
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from simulator.exchange.observe import LazyMap
from simulator.intune.access import ConditionalAccess, ManagedDevice, decide, governable
from simulator.intune.commands import ACCESS_COMMANDS, Command, CommandQueue
from simulator.intune.connections import (
    COMMAND_POLL_INTERVAL,
    HEARTBEAT_INTERVAL,
    ConnectorRecord,
    scope_of,
)
from simulator.intune.errors import (
    CertificateExpired,
    ConnectionDeleted,
    ConnectionNotFound,
    ConnectorCertificateExpired,
    ConnectorReplaced,
    DirectorySyncNotConfigured,
    EndOfSupport,
    ExchangeOnlineConnectorExists,
    Forbidden,
    IntuneError,
    InvalidBody,
    InvalidCertificate,
    InvalidSyncType,
    MdmAuthorityNotIntune,
    NotFound,
    ReplaceRequired,
    SignInRequired,
    SyncNotFound,
    Unauthorized,
)
from simulator.intune.inventory import SYNC_TYPES, Inventory, SyncSession
from simulator.intune.observe import device_entry, device_ids
from simulator.intune.package import account_certificate, build_package, sign
from simulator.intune.tenant import SyncChange, Tenant, authority_name
from simulator.world.directory import Directory
from simulator.world.faults import FaultTimeline

__all__ = ["ENDPOINT", "IntuneError", "IntuneService"]

ENDPOINT = "https://exchangeconnector.manage.microsoft.com"
CERT_LIFETIME = timedelta(days=180)  # model: the real lifetime is not documented
SERVER_TYPES = ("on_premises", "hosted")


class IntuneService:
    def __init__(
        self,
        rng: random.Random,
        tenant_name: str,
        mdm_authority: str = "intune",
        directory_sync: bool = True,
        profile: str = "2016",
        *,
        faults: FaultTimeline | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.rng = rng
        self.tenant = Tenant(self.new_guid(), tenant_name, profile, mdm_authority, directory_sync)
        self._key = rng.getrandbits(256).to_bytes(32, "big")
        self.faults = faults or FaultTimeline()
        self.clock = clock
        self.certificate_lifetime = CERT_LIFETIME
        self.end_of_support: datetime | None = None  # C31: nothing accepted from then on
        self.connectors: dict[str, ConnectorRecord] = {}
        self.syncs: dict[str, SyncSession] = {}
        self.inventory = Inventory()
        self.access = ConditionalAccess()
        self.enrolled: dict[str, ManagedDevice] = {}  # lower EAS device id -> enrolment
        self.commands = CommandQueue(self.new_guid)
        self.decisions: dict[str, str] = {}  # lower EAS device id -> access last commanded
        # lower EAS device id -> (when, what Exchange showed): the connector's last read-back
        self.readback: dict[str, tuple[datetime, dict[str, Any]]] = {}
        self.notified: set[str] = set()  # devices whose user was told before a block
        self.issued_serials: set[str] = set()
        self._targeted: tuple[Any, ...] | None = None  # see `targeted`
        # who is targeted as last noted, and when each user's targeting last changed
        # (licensed or targeted, or no longer): what a quick sync asks for (`targeting_changes`)
        self._targeting_seen: tuple[str, ...] | None = None
        self.targeting_changed: dict[str, datetime] = {}

    # -- identity and time ----------------------------------------------------------------
    def new_guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    @property
    def tenant_name(self) -> str:
        return self.tenant.name

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    @property
    def profile(self) -> str:
        return self.tenant.profile

    @property
    def mdm_authority(self) -> str:
        return self.tenant.mdm_authority

    @property
    def admins(self) -> dict[str, Any]:
        return self.tenant.admins

    def now(self) -> datetime:
        if self.clock is None:
            raise RuntimeError("this Intune service has no clock; pass `now` explicitly")
        return self.clock()

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

    # -- connector routes -------------------------------------------------------------------
    def heartbeat(self, record: ConnectorRecord, body: dict[str, Any], now: datetime) -> dict:
        health = body.get("health", "healthy")
        if health not in ("healthy", "unhealthy"):
            raise InvalidBody(f"health must be healthy or unhealthy, found {health!r}")
        record.healthy = health == "healthy"
        if not record.healthy:
            record.last_error = str(body.get("lastError") or "unhealthy")
            record.last_error_code = body.get("errorCode")
        if isinstance(body.get("exchangeServer"), str):
            record.power_shell_server = body["exchangeServer"]
        return {
            "status": record.status_at(now),
            "pendingCommands": len(self.commands.pending(record.scope)),
        }

    def status(self, record: ConnectorRecord, now: datetime) -> dict[str, Any]:
        return {
            "connectorId": record.connector_id,
            "status": record.status_at(now),
            "lastSyncDateTime": _iso(record.last_successful_sync),
            "lastSyncType": record.last_sync_type,
            "exchangeServer": record.server,
        }

    def targeted_users(self) -> list[str]:
        """Intune-licensed users that conditional access targets, as of the last directory
        synchronisation, lower-case and sorted. Without conditional access enabled every
        licensed user counts (model: the connector still reports their devices)."""
        return list(self.targeted())

    def targeted(self) -> tuple[str, ...]:
        """`targeted_users` as a shared tuple: the connector reads it a page at a time, and
        every evaluation asks for it, so it is computed again only after a change (of the
        licensed users, the synchronised directory or the targeted and excluded groups)."""
        licensed = self.tenant.licensed("intune")
        access = self.access
        if not access.enabled:
            return licensed
        users = self.tenant.users
        key = (tuple(access.included_groups), tuple(access.excluded_groups))
        cached = self._targeted
        if cached is not None and cached[0] is licensed and cached[1] is users and cached[2] == key:
            return cached[3]  # type: ignore[no-any-return]
        value = tuple(u for u in licensed if access.targets(users[u].groups))
        self._targeted = (licensed, users, key, value)
        return value

    def note_targeting(self, now: datetime) -> None:
        """Record the users whose targeting changed since the last look, stamped `now`.

        Called at every evaluation — after a licence change, a directory synchronisation that
        changed something, a change of conditional access, a sync — so each change is stamped
        with the time Intune learnt it. The first look only takes the baseline: a connector's
        first sync is a full one, which reports everybody."""
        current = self.targeted()
        seen = self._targeting_seen
        if seen is current:
            return
        if seen is not None and seen != current:
            for upn in sorted(set(seen).symmetric_difference(current)):
                self.targeting_changed[upn] = now
        self._targeting_seen = current

    def targeting_changes(self, since: datetime, now: datetime) -> list[tuple[str, bool]]:
        """(UPN, targeted now) for each user whose targeting changed at or after `since`,
        sorted by UPN."""
        self.note_targeting(now)
        if not self.targeting_changed:
            return []
        targeted = set(self.targeted())
        return [
            (upn, upn in targeted)
            for upn, when in sorted(self.targeting_changed.items())
            if when >= since
        ]

    def policy(self) -> dict[str, Any]:
        return self.access.policy()

    def start_sync(self, record: ConnectorRecord, sync_type: str, now: datetime) -> SyncSession:
        if sync_type not in SYNC_TYPES:
            raise InvalidSyncType("syncType must be fullSync or deltaSync")
        session = SyncSession(
            self.new_guid(),
            record.connector_id,
            record.scope,
            sync_type,
            now,
            held=self.inventory.devices,
        )
        self.syncs[session.sync_id] = session
        record.last_sync_attempt = now
        return session

    def sync_session(self, record: ConnectorRecord, sync_id: str) -> SyncSession:
        session = self.syncs.get(sync_id)
        if session is None or session.connector_id != record.connector_id:
            raise SyncNotFound(f"No sync {sync_id} is open for this connector")
        return session

    def add_devices(self, session: SyncSession, devices: Any, now: datetime) -> int:
        if not isinstance(devices, list):
            raise InvalidBody("devices must be a list")
        return session.add(devices, now)

    def complete_sync(
        self, record: ConnectorRecord, session: SyncSession, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        outcome = body.get("outcome")
        if outcome not in ("success", "failure"):
            raise InvalidBody(f"outcome must be success or failure, found {outcome!r}")
        del self.syncs[session.sync_id]
        if outcome == "failure":
            record.last_sync_failed = True
            record.last_error = str(body.get("error") or "sync failed")
            record.last_error_code = body.get("errorCode")
        else:
            self.inventory.apply(session, now)
            if session.sync_type == "fullSync":
                record.exchange_servers = list(body.get("exchangeServers") or [])
            if isinstance(body.get("powerShellExchangeServer"), str):
                record.power_shell_server = body["powerShellExchangeServer"]
            record.last_sync_failed = False
            record.healthy = True  # a sync that just succeeded is newer news than any heartbeat
            record.last_error = None
            record.last_error_code = None
            record.last_successful_sync = now
            record.last_successful_sync_started = session.started
            record.last_sync_type = session.sync_type
            self.evaluate(now)
        return {
            "status": record.status_at(now),
            "lastSyncDateTime": _iso(record.last_successful_sync),
            "devices": self.inventory.count(record.scope),
        }

    def poll_commands(self, record: ConnectorRecord) -> list[Command]:
        return self.commands.pending(record.scope)

    def report_command(
        self, record: ConnectorRecord, command_id: str, body: dict[str, Any], now: datetime
    ) -> Command:
        """A command's result as the connector read it back from Exchange (commands.py)."""
        command = self.commands.complete(record.scope, command_id, body, now)
        device = command.device
        if command.state == "failed" and device and self.decisions.get(device) == command.type:
            del self.decisions[device]  # decided again, and so re-issued, at the next evaluation
        if device and command.updated_at == now and command.exchange:
            self.readback[device] = (now, command.exchange)
        if command.type == "cancelWipe" and command.state == "succeeded" and device:
            for wipe in self.commands.pending(command.scope):
                if wipe.device == device and wipe.type == "wipe":
                    self.commands.end(wipe, "cancelled", now)
        return command

    # -- directory synchronisation, enrolment, decisions ------------------------------------
    def synchronise_directory(self, directory: Directory, now: datetime) -> SyncChange:
        """One cycle of directory synchronisation, then the decisions it may change."""
        change = self.tenant.synchronise(directory, now)
        if change.any:
            self.evaluate(now)
        return change

    def enrol(
        self,
        upn: str,
        eas_device_id: str,
        platform: str,
        now: datetime,
        compliant: bool = False,
        evaluate: bool = True,
    ) -> ManagedDevice:
        """A user enrols a device; Intune links the enrolment to its EAS device id."""
        if "intune" not in self.tenant.licences_of(upn):
            raise Forbidden(f"{upn} has no Intune licence and cannot enrol a device")
        device = ManagedDevice(
            self.new_guid(), eas_device_id, upn.lower(), platform, now, compliant, now
        )
        self.enrolled[eas_device_id.lower()] = device
        if evaluate:
            self.evaluate(now)
        return device

    def set_compliance(
        self, eas_device_id: str, compliant: bool, now: datetime, evaluate: bool = True
    ) -> None:
        device = self.enrolled.get(eas_device_id.lower())
        if device is None:
            raise NotFound(f"No enrolled device has the Exchange ActiveSync id {eas_device_id}")
        if device.compliant != compliant:
            device.compliant = compliant
            device.compliance_changed_at = now
        if evaluate:
            self.evaluate(now)

    def unenrol(self, eas_device_id: str, now: datetime) -> None:
        if self.enrolled.pop(eas_device_id.lower(), None) is None:
            raise NotFound(f"No enrolled device has the Exchange ActiveSync id {eas_device_id}")
        self.evaluate(now)

    def evaluate(self, now: datetime) -> list[Command]:
        """Decide every reported device of a targeted user again and queue a command for
        each decision that changed."""
        issued: list[Command] = []
        self.note_targeting(now)
        if not self.access.enabled and not self.decisions:
            return issued  # nobody is targeted and nothing was decided: nothing to undo either
        targeted = set(self.targeted()) if self.access.enabled else set()
        present = self.inventory.present()
        for key in [k for k in self.decisions if k not in present]:
            del self.decisions[key]  # the device left the inventory: its pending decision too
            gone = self.inventory.devices.get(key)
            if gone is not None:
                self.commands.supersede(gone["scope"], key, ACCESS_COMMANDS)
        for key, record in present.items():
            upn = str(record.get("userPrincipalName") or "").lower()
            if upn not in targeted or not governable(record):
                self.decisions.pop(key, None)
                continue
            decision = decide(self.access, record, self.enrolled.get(key))
            if self.decisions.get(key) == decision.access:
                continue
            parameters: dict[str, Any] = {"reason": decision.reason}
            if decision.access != "allow" and key not in self.notified:
                parameters["notifyUser"] = True
                self.notified.add(key)
            target = {"userPrincipalName": upn, "exchangeDeviceId": record["exchangeDeviceId"]}
            issued.append(
                self.commands.issue(record["scope"], decision.access, now, target, parameters)
            )
            self.decisions[key] = decision.access
        return issued

    # -- actions behind the admin console -------------------------------------------------------
    def connection(self, connector_id: str | None) -> ConnectorRecord:
        record = (
            self.exchange_connection()
            if connector_id is None
            else self.connectors.get(connector_id)
        )
        if record is None or not record.active:
            raise ConnectionNotFound("There is no such active Exchange connection")
        return record

    def delete_connection(self, connector_id: str | None, now: datetime) -> ConnectorRecord:
        record = self.connection(connector_id)
        self._retire(record, "deleted", now)
        return record

    def request_sync(self, connector_id: str | None, kind: str, now: datetime) -> Command:
        record = self.connection(connector_id)
        if kind not in ("quick", "full"):
            raise InvalidBody("a sync request is quick or full")
        return self.commands.issue(record.scope, f"{kind}Sync", now)

    def device_action(self, eas_device_id: str, action: str, now: datetime) -> Command:
        """Wipe, cancel a wipe, or remove a device partnership, through its connector."""
        record = self.inventory.get(eas_device_id)
        if record is None:
            raise NotFound(f"Intune has no device with the Exchange ActiveSync id {eas_device_id}")
        target = {
            "userPrincipalName": str(record.get("userPrincipalName") or "").lower(),
            "exchangeDeviceId": record["exchangeDeviceId"],
        }
        if action == "cancelWipe":  # a wipe not carried out yet is cancelled at once; one
            # pending in Exchange is cancelled when the cancelWipe succeeds there
            for wipe in self.commands.pending(record["scope"]):
                if (
                    wipe.device == eas_device_id.lower()
                    and wipe.type == "wipe"
                    and wipe.state == "issued"
                ):
                    self.commands.end(wipe, "cancelled", now)
        return self.commands.issue(record["scope"], action, now, target)

    def set_conditional_access(self, settings: ConditionalAccess, now: datetime) -> None:
        settings.validate()
        self.access = settings
        self.evaluate(now)

    def set_exchange_online_connector(self, configured: bool) -> None:
        if configured and self.active_connectors():
            raise IntuneError(
                "An on-premises Exchange connector is configured; remove it before configuring "
                "the Exchange Online connector",
                status=409,
                error="onPremisesConnectorExists",
            )
        self.tenant.exchange_online_connector = configured

    # -- observation ------------------------------------------------------------------------------
    def observe(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.now()
        conn = self.exchange_connection()
        present = self.inventory.present()
        removed = self.inventory.removed()
        decisions: dict[str, int] = {}
        for access in self.decisions.values():
            decisions[access] = decisions.get(access, 0) + 1
        issued: dict[str, int] = {}
        for command in self.commands.commands.values():
            issued[command.type] = issued.get(command.type, 0) + 1
        tenant = self.tenant
        return {
            "tenant": tenant.name,
            "tenant_id": tenant.tenant_id,
            "mdm_authority": tenant.mdm_authority,
            "profile": tenant.profile,
            "exchange_online_connector": tenant.exchange_online_connector,
            "directory_sync": {
                "enabled": tenant.directory_sync,
                "interval_minutes": tenant.directory_sync_interval / 60,
                "last_sync": tenant.last_directory_sync,
                "users": len(tenant.users),
            },
            "licensed_users": {
                "count": len(tenant.licensed("intune")),
                "upns": list(tenant.licensed("intune")),
            },
            "targeted_users": {"count": len(self.targeted())},
            "connectors": len(self.connectors),
            "active_connectors": len(self.active_connectors()),
            "connections": [c.summary(now) for c in self.connectors.values()],
            "exchange_connection": None if conn is None else conn.summary(now),
            # every connection in force: one per organisation in 2018, one at most in 2016
            "exchange_connections": [c.summary(now) for c in self.active_connectors()],
            "inventory": {
                "count": len(present),
                "device_ids": sorted(present),
                "removed_count": len(removed),
                "removed_ids": removed,
            },
            "conditional_access": {
                "enabled": self.access.enabled,
                "unmanaged_device_access": self.access.unmanaged_access,
                "included_groups": list(self.access.included_groups),
                "excluded_groups": list(self.access.excluded_groups),
            },
            "enrolment": {
                "count": len(self.enrolled),
                "compliant": sum(1 for d in self.enrolled.values() if d.compliant),
                "noncompliant": sum(1 for d in self.enrolled.values() if not d.compliant),
            },
            "devices": {"by_id": LazyMap(device_ids(self), lambda key: device_entry(self, key))},
            "decisions": {a: decisions.get(a, 0) for a in ACCESS_COMMANDS},
            "decided_device_ids": sorted(self.decisions),
            "ungoverned_device_ids": sorted(k for k, r in present.items() if not governable(r)),
            "commands": {
                "pending": sum(1 for c in self.commands.commands.values() if c.open),
                "states": self.commands.counts(),
                "issued": dict(sorted(issued.items())),
            },
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


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
