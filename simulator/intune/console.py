"""What an administrator does in the Intune admin console (SPEC R2.1, R5.3, R6, R7).

ADMIN › Mobile Device Management › Microsoft Exchange: download the on-premises connector,
view the Exchange connection (server, type, account, status, last successful sync), delete
it, ask for a quick or a full sync, and set conditional access for Exchange on-premises;
plus the tenant-level actions around it (MDM authority, licences, the Exchange Online
connector) and the remote actions on a device (wipe, cancel the wipe, remove it, retire an
enrolment).

Every action is taken by a named administrator and checked against that account's roles:
an Intune Service Administrator or a Global Administrator for the Intune actions, a Global
Administrator for the MDM authority. Viewing needs no name (scenarios observe through it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.intune.access import ConditionalAccess, PlatformException
from simulator.intune.admin_roles import GLOBAL_ADMIN, INTUNE_ROLES
from simulator.intune.commands import Command
from simulator.intune.connections import ConnectorRecord
from simulator.intune.package import PACKAGE_NAME
from simulator.intune.service import IntuneService


def _connection_row(conn: ConnectorRecord, now: datetime) -> dict[str, Any]:
    """One connection as the console shows it: server, organisation, type, account, status."""
    return {
        "Server": conn.server,
        "Organization": conn.organization,
        "Type": "On-premises" if conn.server_type == "on_premises" else "Hosted",
        "Account": conn.service_account,
        "Host": conn.host,
        "Status": conn.status_at(now),
        "LastSuccessfulSync": conn.last_successful_sync,
    }


class AdminConsole:
    def __init__(self, service: IntuneService) -> None:
        self.service = service

    def _admin(self, admin: str, roles: tuple[str, ...] = INTUNE_ROLES) -> None:
        self.service.tenant.require_admin(admin, roles)

    # -- the connector package and the connection --------------------------------------------
    def download_connector(self, admin: str, now: datetime) -> tuple[str, bytes]:
        """Download On-Premises Connector: (file name, zip bytes). Only tenant administrators may."""
        self._admin(admin)
        return PACKAGE_NAME, self.service.download_package(now)

    def exchange_connection(self, now: datetime | None = None) -> dict[str, Any] | None:
        """Exchange Connection Information as the console shows it (the latest connection)."""
        conn = self.service.exchange_connection()
        if conn is None:
            return None
        return _connection_row(conn, now or self.service.now())

    def exchange_connections(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every Exchange connection the console lists, oldest first: one per subscription in
        profile 2016, one per Exchange organisation in 2018 (replaced and deleted ones are
        gone from the list; `intune.connections` keeps their history)."""
        when = now or self.service.now()
        return [_connection_row(c, when) for c in self.service.active_connectors()]

    def delete_connection(self, admin: str, now: datetime, connector_id: str | None = None) -> str:
        """Delete the Exchange connection; its connector must then be uninstalled (SPEC R6.2)."""
        self._admin(admin)
        return self.service.delete_connection(connector_id, now).connector_id

    def request_sync(
        self, admin: str, kind: str, now: datetime, connector_id: str | None = None
    ) -> Command:
        """Quick Sync / Full Sync: queued until the connector next polls (SPEC R5.3)."""
        self._admin(admin)
        return self.service.request_sync(connector_id, kind, now)

    # -- conditional access ------------------------------------------------------------------
    def conditional_access(self) -> dict[str, Any]:
        """Exchange on-premises access as the console shows it."""
        ca = self.service.access
        return {
            "Enabled": ca.enabled,
            "TargetedGroups": list(ca.included_groups),
            "ExcludedGroups": list(ca.excluded_groups),
            "UnmanagedDeviceAccess": ca.unmanaged_access,
            "PlatformExceptions": [e.to_json() for e in ca.platform_exceptions],
            "Notification": {"Subject": ca.notification_subject, "Body": ca.notification_body},
        }

    def set_conditional_access(
        self,
        admin: str,
        now: datetime,
        *,
        enabled: bool = True,
        included_groups: list[str] | None = None,
        excluded_groups: list[str] | None = None,
        unmanaged_access: str = "allow",
        platform_exceptions: list[PlatformException] | None = None,
        notification_subject: str | None = None,
        notification_body: str | None = None,
    ) -> None:
        self._admin(admin)
        current = self.service.access
        self.service.set_conditional_access(
            ConditionalAccess(
                enabled=enabled,
                included_groups=list(included_groups or []),
                excluded_groups=list(excluded_groups or []),
                unmanaged_access=unmanaged_access,
                platform_exceptions=list(platform_exceptions or []),
                notification_subject=notification_subject or current.notification_subject,
                notification_body=notification_body or current.notification_body,
            ),
            now,
        )

    # -- tenant ---------------------------------------------------------------------------------
    def set_mdm_authority(self, admin: str, authority: str) -> None:
        self._admin(admin, (GLOBAL_ADMIN,))
        self.service.tenant.set_mdm_authority(authority)

    def assign_licence(self, admin: str, upn: str, sku: str, now: datetime) -> None:
        """Assign a licence directly to a synchronised user: effective at once."""
        self._admin(admin)
        self.service.tenant.assign_licence(upn, sku)
        self.service.evaluate(now)

    def remove_licence(self, admin: str, upn: str, sku: str, now: datetime) -> None:
        self._admin(admin)
        self.service.tenant.remove_licence(upn, sku)
        self.service.evaluate(now)

    def configure_exchange_online_connector(self, admin: str) -> None:
        self._admin(admin)
        self.service.set_exchange_online_connector(True)

    def remove_exchange_online_connector(self, admin: str) -> None:
        self._admin(admin)
        self.service.set_exchange_online_connector(False)

    # -- devices --------------------------------------------------------------------------------
    def wipe_device(self, admin: str, eas_device_id: str, now: datetime) -> Command:
        self._admin(admin)
        return self.service.device_action(eas_device_id, "wipe", now)

    def cancel_wipe(self, admin: str, eas_device_id: str, now: datetime) -> Command:
        self._admin(admin)
        return self.service.device_action(eas_device_id, "cancelWipe", now)

    def remove_device(self, admin: str, eas_device_id: str, now: datetime) -> Command:
        self._admin(admin)
        return self.service.device_action(eas_device_id, "removeDevice", now)

    def retire_device(self, admin: str, eas_device_id: str, now: datetime) -> None:
        """Retire an enrolled device: Intune forgets the enrolment; the EAS partnership stays
        in Exchange (customer issue C28)."""
        self._admin(admin)
        self.service.unenrol(eas_device_id, now)
