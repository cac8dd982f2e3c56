"""The cmdlets, one function each, registered with their parameters and parameter sets.

Every function receives the `Invocation` (organisation, session, time, warnings) and the
bound parameters, and returns output objects built by `views`. Errors are raised as the
Exchange-shaped errors of `errors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import AmbiguousIdentity, InvalidArgument, ObjectNotFound
from simulator.exchange.model import Mailbox
from simulator.exchange.opath import compile_filter
from simulator.exchange.registry import REGISTRY, UNLIMITED, Param, cmdlet
from simulator.exchange.views import (
    CAS_MAILBOX_FILTERABLE,
    DEVICE_FILTERABLE,
    RECIPIENT_FILTERABLE,
    cas_mailbox_view,
    device_view,
    recipient_view,
    server_view,
)

DEFAULT_RESULT_SIZE = 1000
_DEFAULT_CAP_WARNING = (
    "By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of "
    'items returned. To return all items, specify "-ResultSize Unlimited". Be aware that, depending on the actual '
    "number of items, returning all items can take a long time and consume a large amount of memory. Also, we "
    "don't recommend storing the results in a variable. Instead, pipe the results to another task or script to "
    "perform batch changes."
)
_EXPLICIT_CAP_WARNING = (
    "There are more results available than are currently displayed. To view them, increase the value for the "
    "ResultSize parameter."
)

if TYPE_CHECKING:
    from simulator.exchange.session import Invocation


def _deprecated(ctx: Invocation, old: str, new: str) -> None:
    if ctx.major >= 15:
        ctx.warn(
            f"The {old} cmdlet will be removed in a future version of Exchange. Use the {new} cmdlet instead. If "
            f"you have any scripts that use the {old} cmdlet, update them to use the {new} cmdlet. For more "
            "information, see http://go.microsoft.com/fwlink/p/?LinkId=254711."
        )


def limit(
    ctx: Invocation, items: Iterable[dict[str, Any]], result_size: Any
) -> list[dict[str, Any]]:
    """Apply -ResultSize (default 1000) with Exchange's two different warnings."""
    if result_size == UNLIMITED:
        return list(items)
    cap = DEFAULT_RESULT_SIZE if result_size is None else int(result_size)
    out: list[dict[str, Any]] = []
    for item in items:
        if len(out) == cap:
            ctx.warn(_DEFAULT_CAP_WARNING if result_size is None else _EXPLICIT_CAP_WARNING)
            break
        out.append(item)
    return out


def filtered(
    views: Iterator[dict[str, Any]], text: str | None, properties: Iterable[str]
) -> Iterator[dict[str, Any]]:
    if not text:
        return views
    predicate = compile_filter(text, properties)
    return (v for v in views if predicate(v.get))


def resolve_mailbox(ctx: Invocation, identity: str) -> Mailbox:
    found = [mb for mb in ctx.org.find_mailboxes(identity) if ctx.session.visible(mb)]
    if not found:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    if len(found) > 1:
        raise AmbiguousIdentity(identity)
    return found[0]


def visible_mailboxes(ctx: Invocation) -> Iterator[Mailbox]:
    return (mb for mb in ctx.org.mailboxes if ctx.session.visible(mb))


# -- Get-Command -------------------------------------------------------------------------------
@cmdlet(
    "Get-Command", [Param("Name", position=0), Param("Noun"), Param("Verb")], confirm_impact="None"
)
def get_command(
    ctx: Invocation, Name: str | None = None, Noun: str | None = None, Verb: str | None = None
) -> list[dict[str, Any]]:
    import fnmatch

    out = []
    for name in ctx.session.available_cmdlets():
        verb, noun = name.split("-", 1)
        if Name and not fnmatch.fnmatch(name.lower(), Name.lower()):
            continue
        if Noun and not fnmatch.fnmatch(noun.lower(), Noun.lower()):
            continue
        if Verb and not fnmatch.fnmatch(verb.lower(), Verb.lower()):
            continue
        spec = REGISTRY.get(name.lower())
        granted = ctx.session.granted_parameters(name) or frozenset()
        params = sorted(
            p.name
            for p in (spec.params.values() if spec else [])
            if "*" in granted or p.name in granted
        )
        out.append(
            {
                "Name": name,
                "CommandType": "Function",
                "Verb": verb,
                "Noun": noun,
                "Module": f"tmp_{ctx.session.server.name.lower()}",
                "Parameters": params,
            }
        )
    if Name and not out and "*" not in Name:
        from simulator.exchange.errors import CommandNotFound

        raise CommandNotFound(Name)
    return out


# -- Get-ExchangeServer --------------------------------------------------------------------------
@cmdlet(
    "Get-ExchangeServer",
    [
        Param("Identity", sets=("Identity",), position=0),
        Param("Domain", sets=("Domain",), mandatory=True),
        Param("Status", "switch"),
        Param("DomainController"),
    ],
)
def get_exchange_server(
    ctx: Invocation,
    Identity: str | None = None,
    Domain: str | None = None,
    Status: bool = False,
    DomainController: str | None = None,
) -> list[dict[str, Any]]:
    servers = ctx.org.servers
    if Identity:
        key = Identity.lower()
        servers = [s for s in servers if key in (s.name.lower(), s.fqdn.lower(), s.guid.lower())]
        if not servers:
            raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    if Domain:
        if (
            Domain.lower() not in {s.domain.lower() for s in ctx.org.servers}
            and Domain.lower() != ctx.org.domain
        ):
            raise InvalidArgument(f"The domain '{Domain}' couldn't be found.")
        servers = [s for s in servers if s.domain.lower() == Domain.lower()]
    return [server_view(s) for s in servers]


# -- Set-ADServerSettings ------------------------------------------------------------------------
@cmdlet(
    "Set-ADServerSettings",
    [
        Param("ViewEntireForest", "bool"),
        Param("RecipientViewRoot"),
        Param("PreferredServer", position=0),
        Param("ConfigurationDomainController"),
        Param("PreferredGlobalCatalog"),
    ],
)
def set_ad_server_settings(
    ctx: Invocation,
    ViewEntireForest: bool | None = None,
    RecipientViewRoot: str | None = None,
    WhatIf: bool = False,
    **_: Any,
) -> None:
    if ViewEntireForest is True and RecipientViewRoot:
        raise InvalidArgument(
            "You can't specify both ViewEntireForest $true and RecipientViewRoot."
        )
    if ViewEntireForest is False and not RecipientViewRoot:
        raise InvalidArgument(
            "When ViewEntireForest is $false, you must specify RecipientViewRoot."
        )
    if WhatIf:
        ctx.warn("What if: Setting the Active Directory server settings for this session.")
        return None
    if ViewEntireForest:
        ctx.session.view_entire_forest = True
        ctx.session.recipient_view_root = None
    elif RecipientViewRoot:
        ctx.session.view_entire_forest = False
        ctx.session.recipient_view_root = RecipientViewRoot.lower()
    return None


# -- Get-Recipient -------------------------------------------------------------------------------
@cmdlet(
    "Get-Recipient",
    [
        Param("Identity", sets=("Identity",), position=0),
        Param("Anr", sets=("AnrSet",), mandatory=True),
        Param("Filter"),
        Param("RecipientType", "multivalued"),
        Param("RecipientTypeDetails", "multivalued"),
        Param("ResultSize", "resultsize"),
        Param("SortBy"),
        Param("OrganizationalUnit"),
        Param("DomainController"),
    ],
)
def get_recipient(
    ctx: Invocation,
    Identity: str | None = None,
    Anr: str | None = None,
    Filter: str | None = None,
    RecipientType: list[str] | None = None,
    RecipientTypeDetails: list[str] | None = None,
    ResultSize: Any = None,
    **_: Any,
) -> list[dict[str, Any]]:
    if Identity:
        return [recipient_view(ctx.org, resolve_mailbox(ctx, Identity))]
    views = (recipient_view(ctx.org, mb) for mb in visible_mailboxes(ctx))
    if Anr:
        needle = Anr.lower()
        views = (
            v
            for v in views
            if any(
                str(v[k]).lower().startswith(needle)
                for k in ("Name", "Alias", "DisplayName", "PrimarySmtpAddress")
            )
        )
    if RecipientType:
        wanted = {t.lower() for t in RecipientType}
        views = (v for v in views if v["RecipientType"].lower() in wanted)
    if RecipientTypeDetails:
        wanted_details = {t.lower() for t in RecipientTypeDetails}
        views = (v for v in views if v["RecipientTypeDetails"].lower() in wanted_details)
    return limit(ctx, filtered(views, Filter, RECIPIENT_FILTERABLE), ResultSize)


# -- Get-CASMailbox ------------------------------------------------------------------------------
@cmdlet(
    "Get-CASMailbox",
    [
        Param("Identity", sets=("Identity",), position=0),
        Param("Anr", sets=("AnrSet",), mandatory=True),
        Param("Filter"),
        Param("ResultSize", "resultsize"),
        Param("SortBy"),
        Param("OrganizationalUnit"),
        Param("ActiveSyncDebugLogging", "switch"),
        Param("ProtocolSettings", "switch"),
        Param("IgnoreDefaultScope", "switch"),
        Param("ReadFromDomainController", "switch"),
        Param("DomainController"),
    ],
)
def get_cas_mailbox(
    ctx: Invocation,
    Identity: str | None = None,
    Anr: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    IgnoreDefaultScope: bool = False,
    **_: Any,
) -> list[dict[str, Any]]:
    if Identity:
        return [cas_mailbox_view(ctx.org, resolve_mailbox(ctx, Identity))]
    mailboxes = ctx.org.mailboxes if IgnoreDefaultScope else visible_mailboxes(ctx)
    views = (cas_mailbox_view(ctx.org, mb) for mb in mailboxes)
    if Anr:
        needle = Anr.lower()
        views = (
            v
            for v in views
            if any(
                str(v[k]).lower().startswith(needle)
                for k in ("Name", "Alias", "DisplayName", "PrimarySmtpAddress")
            )
        )
    return limit(ctx, filtered(views, Filter, CAS_MAILBOX_FILTERABLE), ResultSize)


# -- Get-ActiveSyncDevice ------------------------------------------------------------------------
@cmdlet(
    "Get-ActiveSyncDevice",
    [
        Param("Identity", sets=("Identity",), position=0),
        Param("Mailbox", sets=("Mailbox",), mandatory=True),
        Param("Filter"),
        Param("ResultSize", "resultsize"),
        Param("SortBy"),
        Param("OrganizationalUnit"),
        Param("DomainController"),
        Param("Monitoring", "switch", min_major=15),
    ],
)
def get_activesync_device(
    ctx: Invocation,
    Identity: str | None = None,
    Mailbox: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    **_: Any,
) -> list[dict[str, Any]]:
    _deprecated(ctx, "Get-ActiveSyncDevice", "Get-MobileDevice")
    if Mailbox:
        mailboxes: Iterable[Mailbox] = [resolve_mailbox(ctx, Mailbox)]
    else:
        mailboxes = visible_mailboxes(ctx)
    session_major = ctx.major
    servers = {s.name.lower(): s.version.major for s in ctx.org.servers}
    devices = (
        d
        for mb in mailboxes
        # SPEC R5.8: a 2010 CAS does not see the devices of mailboxes hosted on 2013+ servers
        if not (session_major < 15 and servers.get(mb.server.lower(), session_major) >= 15)
        for d in mb.devices
        if d.client_type == "EAS"
    )
    if Identity:
        key = Identity.lower()
        matches = [
            d
            for d in devices
            if key in (d.identity.lower(), d.guid.lower(), d.name.lower(), d.device_id.lower())
        ]
        if not matches:
            raise ObjectNotFound(f"The mobile device {Identity} cannot be found.")
        if len(matches) > 1:
            raise AmbiguousIdentity(Identity)
        return [device_view(ctx.org, matches[0], ctx.major)]
    views = (device_view(ctx.org, d, ctx.major) for d in devices)
    return limit(ctx, filtered(views, Filter, DEVICE_FILTERABLE), ResultSize)
