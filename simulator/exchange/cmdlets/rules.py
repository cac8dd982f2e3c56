"""Device access rules: Get-/New-/Set-/Remove-ActiveSyncDeviceAccessRule."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER, no_change
from simulator.exchange.cmdlets.organization import ACCESS_LEVELS
from simulator.exchange.errors import ArgumentTransformationError, ObjectAlreadyExists
from simulator.exchange.identity import resolve_rule
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.settings import DeviceAccessRule
from simulator.exchange.views import Record, rule_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

CHARACTERISTICS = ("DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader")
MAX_NAME = 64
_ID = Param(
    "Identity", "identity", "ActiveSyncDeviceAccessRuleIdParameter", position=0, pipeline=True
)
_ID_MANDATORY = Param(
    "Identity",
    "identity",
    "ActiveSyncDeviceAccessRuleIdParameter",
    position=0,
    pipeline=True,
    mandatory=True,
)


def rule_name(query_string: str, characteristic: str) -> str:
    """`<QueryString> (<Characteristic>)`; past 64 characters the query string is cut and a hash
    keeps names distinct (Exchange uses .NET's string hash; the twin a stable SHA-1 prefix)."""
    name = f"{query_string} ({characteristic})"
    if len(name) <= MAX_NAME:
        return name
    digest = str(int(hashlib.sha1(query_string.encode()).hexdigest()[:8], 16))
    suffix = f"{digest} ({characteristic})"
    return query_string[: MAX_NAME - len(suffix)] + suffix


@cmdlet(
    "Get-ActiveSyncDeviceAccessRule",
    [_ID, DOMAIN_CONTROLLER],
    output_type="ActiveSyncDeviceAccessRule",
    roles=("Organization Client Access", "View-Only Configuration"),
)
def get_activesync_device_access_rule(
    ctx: Invocation, Identity: str | None = None, **_: Any
) -> list[Record]:
    """Returns the organisation's device access rules.

    Emulated: Identity by Name (`iPhone (DeviceType)`), distinguished name or GUID.
    """
    rules = [resolve_rule(ctx, Identity)] if Identity else ctx.org.rules
    return [rule_view(ctx.org, r, ctx.version) for r in rules]


@cmdlet(
    "New-ActiveSyncDeviceAccessRule",
    [
        Param("QueryString", mandatory=True),
        Param(
            "Characteristic",
            "enum",
            "DeviceAccessCharacteristic",
            mandatory=True,
            choices=CHARACTERISTICS,
        ),
        Param("AccessLevel", "enum", "DeviceAccessLevel", mandatory=True, choices=ACCESS_LEVELS),
        DOMAIN_CONTROLLER,
    ],
    output_type="ActiveSyncDeviceAccessRule",
    roles=("Organization Client Access",),
)
def new_activesync_device_access_rule(
    ctx: Invocation, QueryString: str, Characteristic: str, AccessLevel: str, **_: Any
) -> list[Record]:
    """Creates a device access rule; matching devices not on a personal allow or block list get
    its access level at once (reason DeviceRule).

    Emulated: the name `<QueryString> (<Characteristic>)` (no -Name parameter), truncated with a
    hash past 64 characters; ADObjectAlreadyExists for the same QueryString and Characteristic;
    exact, case-insensitive matching of the query string; XMSWLHeader on 2013+ only.
    """
    org = ctx.org
    if Characteristic == "XMSWLHeader" and ctx.major < 15:
        raise ArgumentTransformationError(
            "Characteristic",
            Characteristic,
            "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessCharacteristic",
            f"Unable to match the identifier name {Characteristic} to a valid enumerator name. Specify "
            f"one of the following enumerator names and try again: {', '.join(CHARACTERISTICS[:4])}",
        )
    name = rule_name(QueryString, Characteristic)
    if any(r.name.lower() == name.lower() for r in org.rules):
        raise ObjectAlreadyExists(org.domain_controller, org.rule_dn(name))
    if not ctx.should_process(
        f'Creating Active Sync Device Access Rule "{name}" with AccessLevel "{AccessLevel}".'
    ):
        return []
    rule = DeviceAccessRule(
        name=name,
        query_string=QueryString,
        characteristic=Characteristic,
        access_level=AccessLevel,
        guid=org.new_guid(),
        when_created=ctx.now,
        when_changed=ctx.now,
    )
    org.rules.append(rule)
    org.rules_changed()
    ctx.changed(name)
    return [rule_view(org, rule, ctx.version)]


@cmdlet(
    "Set-ActiveSyncDeviceAccessRule",
    [
        _ID_MANDATORY,
        Param("AccessLevel", "enum", "DeviceAccessLevel", choices=ACCESS_LEVELS),
        DOMAIN_CONTROLLER,
    ],
    roles=("Organization Client Access",),
)
def set_activesync_device_access_rule(
    ctx: Invocation, Identity: str, AccessLevel: str | None = None, **_: Any
) -> None:
    """Changes a rule's access level (its only mutable property: to change the query string or
    characteristic, remove the rule and create another)."""
    rule = resolve_rule(ctx, Identity)
    if not ctx.should_process(f'Setting Active Sync Device Access Rule "{rule.name}".'):
        return None
    ctx.changed(rule.name)
    if AccessLevel is None or AccessLevel == rule.access_level:
        no_change(ctx, rule.name)
        return None
    rule.access_level = AccessLevel
    rule.when_changed = ctx.now
    ctx.org.rules_changed()
    return None


@cmdlet(
    "Remove-ActiveSyncDeviceAccessRule",
    [
        _ID_MANDATORY,
        DOMAIN_CONTROLLER,
    ],
    confirm_impact="High",
    roles=("Organization Client Access",),
)
def remove_activesync_device_access_rule(ctx: Invocation, Identity: str, **_: Any) -> None:
    """Removes a rule (ConfirmImpact High); the devices it governed fall back to the personal
    lists and the organisation's default access level."""
    rule = resolve_rule(ctx, Identity)
    if not ctx.should_process(f'Removing Active Sync Device Access Rule "{rule.name}".'):
        return None
    ctx.org.rules.remove(rule)
    ctx.org.rules_changed()
    ctx.changed(rule.name)
    return None
