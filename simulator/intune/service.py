"""The Intune service as the connector's world sees it.

It composes the tenant (subscription, MDM authority, administrators, licences, the last
directory synchronisation — `tenant.py`), the Exchange connections under the release
profile's one-connection rule (`connections.py`), the sync sessions and the device inventory
(`inventory.py`), conditional access with enrolled devices and the decision per device
(`access.py`), and the command queue (`commands.py`). `api.py` exposes it to the connector
over HTTP and `console.py` to administrators.

The class is assembled from its parts: registration and authentication
(`registration.Registration`), what a registered connector does (`syncing.ConnectorCalls`)
and the `intune.*` observation (`observe.Observation`); this module keeps the state they
share, targeting, the directory synchronisation, enrolment and the decisions, and the
actions behind the admin console.

Every method takes the time it runs at (`now`): the same service serves a run on the
simulated clock and a lab on the wall clock.

Targeting (SPEC R5.2, R5.4): who is targeted is Intune's to know, so Intune stamps each
user's change — licensed or targeted, or no longer — at the evaluation that saw it, and a
quick sync asks for the changes since its watermark (`GET /users/changes`).

Deviations: the connector–Intune protocol is not public; the targeting changes a quick sync
asks for (`GET /users/changes`) are the twin's model of how it learns them, and a change reverted
between two quick syncs is reported as the user's state now (reported again, or withdrawn
again: both idempotent).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.intune.access import ConditionalAccess, ManagedDevice, decide, governable
from simulator.intune.commands import ACCESS_COMMANDS, Command, CommandQueue
from simulator.intune.connections import ConnectorRecord
from simulator.intune.errors import (
    ConnectionNotFound,
    Forbidden,
    IntuneError,
    InvalidBody,
    NotFound,
)
from simulator.intune.inventory import Inventory, SyncSession
from simulator.intune.observe import Observation
from simulator.intune.registration import CERT_LIFETIME, Registration
from simulator.intune.syncing import ConnectorCalls
from simulator.intune.tenant import SyncChange, Tenant
from simulator.world.directory import Directory
from simulator.world.faults import FaultTimeline

__all__ = ["IntuneError", "IntuneService"]


class IntuneService(Registration, ConnectorCalls, Observation):
    """One Intune tenant's service: the state every part shares, made here."""

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

    # -- targeting --------------------------------------------------------------------------
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
