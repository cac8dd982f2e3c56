"""What an administrator does in the Intune admin console (SPEC R2.1, R6).

ADMIN › Mobile Device Management › Microsoft Exchange › Configure Exchange Connection:
download the on-premises connector, view the Exchange connection information.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.intune.package import PACKAGE_NAME
from simulator.intune.service import IntuneService


class AdminConsole:
    def __init__(self, service: IntuneService) -> None:
        self.service = service

    def download_connector(self, admin: str, now: datetime) -> tuple[str, bytes]:
        """Download On-Premises Connector: (file name, zip bytes). Only tenant administrators may."""
        return PACKAGE_NAME, self.service.download_package(admin, now)

    def exchange_connection(self) -> dict[str, Any] | None:
        """Exchange Connection Information as the console shows it."""
        conn = self.service.exchange_connection()
        if conn is None:
            return None
        return {
            "Server": conn.server,
            "Type": "On-premises" if conn.server_type == "on_premises" else "Hosted",
            "Account": conn.service_account,
            "Status": conn.status,
            "LastSuccessfulSync": conn.last_successful_sync,
        }
