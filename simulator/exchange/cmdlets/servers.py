"""Get-ExchangeServer, and the session's Active Directory settings (Set-/Get-ADServerSettings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import (
    CONFIGURATION_READERS,
    DOMAIN_CONTROLLER,
    RECIPIENT_READERS,
)
from simulator.exchange.errors import DomainNotFound, InvalidArgument, ObjectNotFound
from simulator.exchange.identity import resolve_server
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record, server_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


@cmdlet(
    "Get-ExchangeServer",
    [
        Param(
            "Identity",
            "identity",
            "ServerIdParameter",
            sets=("Identity",),
            position=0,
            pipeline=True,
        ),
        Param("Domain", "fqdn", sets=("Domain",), mandatory=True),
        Param("Status", "switch"),
        DOMAIN_CONTROLLER,
    ],
    since=(8, 0),
    output_type="ExchangeServer",
    roles=CONFIGURATION_READERS,
)
def get_exchange_server(
    ctx: Invocation,
    Identity: str | None = None,
    Domain: str | None = None,
    Status: bool = False,
    **_: Any,
) -> list[Record]:
    """Returns the organisation's Exchange servers with their roles and AdminDisplayVersion.

    Emulated: the Identity set (Name, FQDN, GUID, DN, ExchangeLegacyDN) and the Domain set
    (DomainNotFoundException for an unknown domain), -Status (current domain controllers).
    Not emulated: the remaining -Status runtime fields.
    """
    if Identity:
        return [server_view(ctx.org, resolve_server(ctx, Identity), Status)]
    servers = ctx.org.servers
    if Domain:
        domain = Domain.lower()
        known = {s.domain for s in servers} | {ctx.org.domain}
        if domain not in known:
            raise DomainNotFound(Domain)
        servers = [s for s in servers if s.domain == domain]
    return [server_view(ctx.org, s, Status) for s in servers]


@cmdlet(
    "Set-ADServerSettings",
    [
        Param("ViewEntireForest", "bool", sets=("FullParams", "SingleDC")),
        Param("RecipientViewRoot", sets=("FullParams", "SingleDC")),
        Param("PreferredServer", "fqdn", sets=("SingleDC",), position=0, mandatory=True),
        Param("ConfigurationDomainController", "fqdn", sets=("FullParams",)),
        Param("PreferredGlobalCatalog", "fqdn", sets=("FullParams",)),
        Param("SetPreferredDomainControllers", "multivalued", sets=("FullParams",)),
        Param(
            "RunspaceServerSettings",
            "object",
            sets=("Instance",),
            mandatory=True,
            pipeline=True,
            pipeline_types=("RunspaceServerSettings",),
        ),
    ],
    since=(8, 1),
    default_set="FullParams",
    roles=RECIPIENT_READERS,
)
def set_ad_server_settings(
    ctx: Invocation,
    ViewEntireForest: bool | None = None,
    RecipientViewRoot: str | None = None,
    RunspaceServerSettings: Any = None,
    **_: Any,
) -> None:
    """Sets the Active Directory scope of this session (lost when the session closes).

    Emulated: -ViewEntireForest (all recipients of the forest become visible to recipient and
    device cmdlets), -RecipientViewRoot (a domain or OU canonical name; sets ViewEntireForest
    $false), their two ArgumentExceptions, -RunspaceServerSettings from Get-ADServerSettings.
    Not emulated: preferred and configuration domain controllers are accepted and ignored (the
    organisation has one domain controller).
    """
    session = ctx.session
    if RunspaceServerSettings is not None:
        settings = RunspaceServerSettings if isinstance(RunspaceServerSettings, dict) else {}
        ViewEntireForest = bool(settings.get("ViewEntireForest"))
        RecipientViewRoot = None if ViewEntireForest else settings.get("RecipientViewRoot")
    if ViewEntireForest is True and RecipientViewRoot:
        raise InvalidArgument(
            "You can't specify both ViewEntireForest and RecipientViewRoot. ViewEntireForest set to "
            "$true means that the recipient scope is the entire forest."
        )
    if ViewEntireForest is False and not RecipientViewRoot:
        raise InvalidArgument(
            "When ViewEntireForest is set to $false, you must specify RecipientViewRoot."
        )
    if RecipientViewRoot and not _is_root(ctx, RecipientViewRoot):
        raise ObjectNotFound(
            f"The organizational unit '{RecipientViewRoot}' wasn't found. Please make sure you have "
            "typed it correctly."
        )
    if not ctx.should_process("Setting the Active Directory server settings for this session."):
        return None
    if ViewEntireForest:
        session.view_entire_forest = True
        session.recipient_view_root = None
    elif RecipientViewRoot:
        session.view_entire_forest = False
        session.recipient_view_root = RecipientViewRoot.lower().rstrip("/")
    return None


def _is_root(ctx: Invocation, root: str) -> bool:
    root = root.lower().rstrip("/")
    return any(
        root == mb.domain or root == f"{mb.domain}/{mb.ou}".lower() for mb in ctx.org.mailboxes
    ) or root in {s.domain for s in ctx.org.servers} | {ctx.org.domain}


@cmdlet(
    "Get-ADServerSettings",
    [],
    since=(8, 1),
    output_type="RunspaceServerSettings",
    roles=(
        *RECIPIENT_READERS,
        "View-Only Configuration",
        "Monitoring",
        "Databases",
        "Database Copies",
    ),
)
def get_ad_server_settings(ctx: Invocation, **_: Any) -> list[Record]:
    """Shows this session's Active Directory scope (what Set-ADServerSettings changed).

    Emulated: ViewEntireForest, RecipientViewRoot, the domain controller in use.
    """
    session = ctx.session
    return [
        Record(
            "RunspaceServerSettings",
            {
                "ViewEntireForest": session.view_entire_forest,
                "RecipientViewRoot": session.recipient_view_root,
                "DefaultConfigurationDomainController": ctx.org.domain_controller,
                "DefaultGlobalCatalog": ctx.org.domain_controller,
            },
        )
    ]
