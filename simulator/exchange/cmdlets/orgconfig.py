"""The organisation object itself: Get-OrganizationConfig.

An organisation is one per Active Directory forest; its name is chosen at setup ("First
Organization" unless the administrator typed another) and is carried by every legacyExchangeDN
(`/o=<name>/...`) and by the configuration container's distinguished name. A client that needs
to know *which* organisation it talks to — the connector registering with Intune — reads it
from here or from a server's ExchangeLegacyDN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import CONFIGURATION_READERS, DOMAIN_CONTROLLER
from simulator.exchange.registry import cmdlet
from simulator.exchange.views import Record, organization_config_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


@cmdlet(
    "Get-OrganizationConfig",
    [DOMAIN_CONTROLLER],
    since=(8, 0),
    output_type="OrganizationConfig",
    roles=CONFIGURATION_READERS,
)
def get_organization_config(ctx: Invocation, **_: Any) -> list[Record]:
    """Returns the Exchange organisation's configuration object (one per organisation).

    Emulated: Name, Identity, DistinguishedName (CN=<name>,CN=Microsoft Exchange,CN=Services,
    CN=Configuration,<forest root>), LegacyExchangeDN (/o=<name>), Guid, WhenCreated and
    WhenChanged (when setup ran), OriginatingServer; granted by every role that reads the
    organisation's configuration (View-Only Configuration, Exchange Servers, Monitoring, ...).
    Not emulated: the organisation-wide settings it also carries (EWS access policy, public
    folders, MailTips, hybrid and OAuth settings, ...), and Set-OrganizationConfig.
    """
    return [organization_config_view(ctx.org, ctx.version)]
