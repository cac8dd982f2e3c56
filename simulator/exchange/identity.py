"""Identity resolution: what each `-Identity` (and `-Mailbox`) parameter type accepts, and the
errors for nothing or several matches (reference/exchange-cmdlets.md §1).

* MailboxIdParameter / RecipientIdParameter: Name, Alias, UPN, SMTP address, GUID, canonical
  name, distinguished name, DOMAIN\\user, sAMAccountName, legacyExchangeDN.
* ActiveSyncDeviceIdParameter: GUID, distinguished name, canonical name
  (`contoso.com/Users/Ann/ExchangeActiveSyncDevices/iPhone§Appl…`), the object name
  (`iPhone§Appl…`), and on 2013+ `<mailbox>\\ExchangeActiveSyncDevices\\<name>`.
* Configuration objects (policies, rules, device classes, servers): Name, distinguished name,
  GUID (servers also FQDN and legacyExchangeDN).

Objects outside the session's read scope (another domain without ViewEntireForest) and, on an
Exchange 2010 server, devices of mailboxes hosted on 2013+ servers (SPEC R5.8) are invisible:
not found, exactly as for an object that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from simulator.exchange.device import DEVICE_CONTAINER, Device, DeviceClass
from simulator.exchange.errors import (
    AmbiguousIdentity,
    MobileDeviceNotFound,
    ObjectNotFound,
    RecipientNotFound,
    RecipientNotUnique,
)
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.naming import parse_guid
from simulator.exchange.servers import ExchangeServer
from simulator.exchange.settings import DeviceAccessRule, MailboxPolicy

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

T = TypeVar("T")


def one(
    ctx: Invocation,
    identity: str,
    found: list[T],
    not_found: Callable[[], Exception] | None = None,
) -> T:
    if not found:
        raise (
            not_found or (lambda: ObjectNotFound.for_identity(identity, ctx.org.domain_controller))
        )()
    if len(found) > 1:
        raise AmbiguousIdentity(identity)
    return found[0]


# -- recipients ------------------------------------------------------------------------------------
def resolve_mailbox(ctx: Invocation, identity: str, *, as_recipient: bool = False) -> Mailbox:
    """The one visible mailbox `identity` names. `as_recipient` gives the Recipient* errors
    (Get-ActiveSyncDeviceStatistics -Mailbox)."""
    found = [mb for mb in ctx.org.find_mailboxes(identity) if ctx.session.visible(mb)]
    if as_recipient:
        if not found:
            raise RecipientNotFound(identity)
        if len(found) > 1:
            raise RecipientNotUnique(identity)
        return found[0]
    return one(ctx, identity, found)


def visible_mailboxes(ctx: Invocation) -> Iterator[Mailbox]:
    if ctx.session.sees_everything:  # the connector's forest-wide view: no test per mailbox
        return iter(ctx.org.mailboxes)
    visible = ctx.session.visible
    return (mb for mb in ctx.org.mailboxes if visible(mb))


# -- devices ------------------------------------------------------------------------------------------
def device_filter(ctx: Invocation, eas_only: bool) -> Callable[[Device], bool]:
    """Which partnerships this session sees: its recipient scope, SPEC R5.8 on a 2010 server,
    and on 2013+ only `ClientType = EAS` for the *-ActiveSyncDevice cmdlets."""
    session = ctx.session
    old_session = ctx.major < 15
    modern_servers = {s.name.lower() for s in ctx.org.servers if s.version.major >= 15}
    eas = eas_only and not old_session
    if not old_session and session.sees_everything:
        # the connector's forest-wide view of a 2013+ server: one test, or none, per device
        if eas:
            return _eas_device
        return _any_device

    def visible(device: Device) -> bool:
        mb = device.mailbox
        if old_session and mb.server.lower() in modern_servers:
            return False
        if eas and device.client_type != "EAS":
            return False
        return session.visible(mb)

    return visible


def _eas_device(device: Device) -> bool:
    return device.client_type == "EAS"


def _any_device(device: Device) -> bool:
    return True


def devices_of(mailboxes: Iterable[Mailbox], visible: Callable[[Device], bool]) -> Iterator[Device]:
    if visible is _any_device:
        return (d for mb in mailboxes for d in mb.devices)
    if visible is _eas_device:
        return (d for mb in mailboxes for d in mb.devices if d.client_type == "EAS")
    return (d for mb in mailboxes for d in mb.devices if visible(d))


def resolve_device(ctx: Invocation, identity: str, eas_only: bool = True) -> Device:
    visible = device_filter(ctx, eas_only)
    found = [d for d in _device_candidates(ctx, identity) if d.partnered and visible(d)]
    return one(ctx, identity, found, lambda: MobileDeviceNotFound.for_device(identity))


def _device_candidates(ctx: Invocation, identity: str) -> list[Device]:
    org = ctx.org
    text = identity.strip()
    guid = parse_guid(text)
    if guid is not None:
        device = org.device_by_guid(guid)
        return [device] if device else []
    low = text.lower()
    container = DEVICE_CONTAINER.lower()
    if low.startswith("cn=") and f",cn={container}," in low:
        name, mailbox_dn = text.split(",", 1)
        mailbox_dn = mailbox_dn.split(",", 1)[1]
        return _in_mailboxes(org.find_mailboxes(mailbox_dn), name[3:])
    if f"/{container}/" in low:
        at = low.index(f"/{container}/")
        return _in_mailboxes(org.find_mailboxes(text[:at]), text[at + len(container) + 2 :])
    if f"\\{container}\\" in low and ctx.major >= 15:
        at = low.index(f"\\{container}\\")
        return _in_mailboxes(org.find_mailboxes(text[:at]), text[at + len(container) + 2 :])
    if "§" in text:
        device_type, device_id = text.split("§", 1)
        return [
            d
            for d in org.devices_by_device_id(device_id)
            if d.device_type.lower() == device_type.lower()
        ]
    return []


def _in_mailboxes(mailboxes: list[Mailbox], name: str) -> list[Device]:
    low = name.lower()
    return [d for mb in mailboxes for d in mb.devices if d.name.lower() == low]


# -- configuration objects --------------------------------------------------------------------------
def _by_name_dn_guid(
    ctx: Invocation,
    identity: str,
    items: Iterable[T],
    name: Callable[[T], str],
    dn: Callable[[T], str],
) -> T:
    guid = parse_guid(identity)
    low = identity.strip().lower()
    found = [
        item
        for item in items
        if (guid is not None and getattr(item, "guid", None) == guid)
        or name(item).lower() == low
        or dn(item).lower() == low
    ]
    return one(ctx, identity, found)


def resolve_policy(ctx: Invocation, identity: str) -> MailboxPolicy:
    org = ctx.org
    return _by_name_dn_guid(
        ctx, identity, org.policies, lambda p: p.name, lambda p: org.policy_dn(p.name)
    )


def resolve_rule(ctx: Invocation, identity: str) -> DeviceAccessRule:
    org = ctx.org
    return _by_name_dn_guid(
        ctx, identity, org.rules, lambda r: r.name, lambda r: org.rule_dn(r.name)
    )


def resolve_device_class(ctx: Invocation, identity: str) -> DeviceClass:
    org = ctx.org
    return _by_name_dn_guid(
        ctx,
        identity,
        org.device_classes.values(),
        lambda c: c.name,
        lambda c: org.device_class_dn(c.name),
    )


def resolve_server(ctx: Invocation, identity: str) -> ExchangeServer:
    low = identity.strip().lower()
    guid = parse_guid(identity)
    found = [
        s
        for s in ctx.org.servers
        if low
        in (s.name.lower(), s.fqdn.lower(), s.distinguished_name.lower(), s.legacy_dn.lower())
        or (guid is not None and s.guid == guid)
    ]
    return one(ctx, identity, found)
