"""Exchange servers: roles (as `ServerRole` prints them per version), distinguished name and
legacyExchangeDN.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.exchange.naming import ADMIN_GROUP_NAME, DEFAULT_ORGANIZATION, admin_group, dc_path
from simulator.exchange.versions import ExchangeVersion

ROLE_ORDER = ("Mailbox", "ClientAccess", "UnifiedMessaging", "HubTransport", "Edge")


@dataclass(slots=True, eq=False)
class ExchangeServer:
    name: str
    fqdn: str
    domain: str
    roles: tuple[str, ...]
    version: ExchangeVersion
    guid: int
    site: str = "Default-First-Site-Name"
    edition: str = "Standard"
    organization: str = DEFAULT_ORGANIZATION  # set by `Organization.add_server`

    @property
    def is_client_access(self) -> bool:
        """Exchange 2016 folded the Client Access role into the Mailbox role."""
        return "ClientAccess" in self.roles or (self.version.product >= 2016 and self.is_mailbox)

    @property
    def is_mailbox(self) -> bool:
        return "Mailbox" in self.roles

    @property
    def display_roles(self) -> tuple[str, ...]:
        """Roles as `ServerRole` prints them: flag order; 2016+ shows Mailbox, not ClientAccess."""
        roles = set(self.roles)
        if self.version.product >= 2016 and "ClientAccess" in roles:
            roles.discard("ClientAccess")
            roles.add("Mailbox")
        return tuple(r for r in ROLE_ORDER if r in roles)

    @property
    def server_role(self) -> str:
        return ", ".join(self.display_roles)

    @property
    def distinguished_name(self) -> str:
        return (
            f"CN={self.name},CN=Servers,CN={ADMIN_GROUP_NAME},CN=Administrative Groups,"
            f"CN={self.organization},CN=Microsoft Exchange,CN=Services,"
            f"CN=Configuration,{dc_path(self.domain)}"
        )

    @property
    def legacy_dn(self) -> str:
        return f"{admin_group(self.organization)}/cn=Configuration/cn=Servers/cn={self.name}"
