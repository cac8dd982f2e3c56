"""The device's access chain from the world: Exchange's own decision, each check in
Exchange's order, and Intune's, each with the decision taken again without the fact that
decided it — computed, never guessed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.exchange.access import decide as exchange_decide
from simulator.exchange.device import Device
from simulator.exchange.model import Organization
from simulator.exchange.observe import effective_state
from simulator.intune.access import ManagedDevice, governable, platform_of
from simulator.intune.access import decide as intune_decide
from simulator.intune.service import IntuneService
from simulator.run.why.moment import record_time
from simulator.world.durations import format_time

if TYPE_CHECKING:
    from simulator.world.world import World

EXCHANGE_ORDER = (
    ("policy", "the mailbox policy's criteria (a device that cannot be provisioned)"),
    ("block_list", "the user's blocked device list (ActiveSyncBlockedDeviceIDs)"),
    ("allow_list", "the user's allowed device list (ActiveSyncAllowedDeviceIDs)"),
    ("discovery", "Device Discovery (a new partnership before Exchange has its details)"),
    ("rules", "device access rules: Block, then Quarantine, then Allow"),
    ("default", "the organisation's default access level"),
)


# -- the device in the world ------------------------------------------------------------------
def find_device(world: World, device_id: str) -> tuple[Organization, Device] | None:
    key = device_id.lower()
    for org in world.organizations:
        fleet = world.organizations.fleet_of(org)
        for device in fleet.devices if fleet is not None else org.devices():
            if device.device_id.lower() == key:
                return org, device
    return None


@contextmanager
def _without(entries: list[str], device_id: str) -> Iterator[None]:
    """The list without the device's entries, restored afterwards (a what-if)."""
    kept = list(entries)
    entries[:] = [e for e in entries if e.lower() != device_id.lower()]
    try:
        yield
    finally:
        entries[:] = kept


@contextmanager
def _without_rule(org: Organization, rule: Any) -> Iterator[None]:
    kept = list(org.rules)
    org.rules[:] = [r for r in org.rules if r is not rule]
    org.rules_changed()
    try:
        yield
    finally:
        org.rules[:] = kept
        org.rules_changed()


def _state(decision: Any) -> dict[str, Any]:
    return {
        "state": decision.state,
        "reason": decision.reason,
        "rule": decision.rule.name if decision.rule else None,
    }


def exchange_chain(org: Organization, device: Device, now: float) -> dict[str, Any]:
    """Exchange's decision for the device, each check in Exchange's order with its facts, the
    one that decided, and the decision again without the fact that decided it."""
    mailbox = device.mailbox
    decision = exchange_decide(org, device, now)
    policy = org.policy_of(mailbox)
    allows_np = bool(policy is not None and policy.settings.get("AllowNonProvisionableDevices"))
    matches = org.matching_rules(device)
    decided = {
        "Policy": "policy",
        "DeviceDiscovery": "discovery",
        "DeviceRule": "rules",
        "Global": "default",
    }.get(decision.reason)
    if decision.reason == "Individual":
        decided = "block_list" if decision.state == "Blocked" else "allow_list"
    if decision.state == "DeviceDiscovery":
        decided = "discovery"
    facts = {
        "policy": f"provisionable: {device.provisionable}; policy "
        f"{policy.name if policy else 'none'} allows non-provisionable devices: {allows_np}",
        "block_list": f"{mailbox.primary_smtp}: {mailbox.blocked_device_ids or 'empty'}",
        "allow_list": f"{mailbox.primary_smtp}: {mailbox.allowed_device_ids or 'empty'}",
        "discovery": "until "
        + (
            format_time(org.dt(device.discovery_until))  # type: ignore[arg-type]
            if device.discovery_until != float("-inf")
            else "never (no discovery period)"
        ),
        "rules": ", ".join(f"{r.name} ({r.access_level})" for r in matches)
        or f"no rule matches ({len(org.rules)} rule(s) in the organisation)",
        "default": org.settings.default_access_level,
    }
    order = []
    reached = True
    for step, label in EXCHANGE_ORDER:
        outcome = "decided" if step == decided else ("did not apply" if reached else "not reached")
        if step == decided:
            reached = False
        order.append({"check": step, "what": label, "facts": facts[step], "outcome": outcome})
    change = _exchange_what_if(org, device, now, decision, decided)
    served_until = org.dt(device.cache_until) if device.cache_until > now else None
    return {
        "organization": org.name,
        "mailbox": mailbox.primary_smtp,
        "partnership": device.partnered,
        "reported": _state(decision) if device.partnered else None,
        "order": order,
        "decided_by": decided,
        "activesync_enabled": mailbox.activesync_enabled,
        "effective": effective_state(org, device, now),
        "served": device.served_state,
        "cached_until": format_time(served_until) if served_until else None,
        "what_would_change": change,
    }


def _exchange_what_if(
    org: Organization, device: Device, now: float, decision: Any, decided: str | None
) -> list[str]:
    mailbox = device.mailbox
    out: list[str] = []
    if decided == "block_list":
        with _without(mailbox.blocked_device_ids, device.device_id):
            other = exchange_decide(org, device, now)
        out.append(
            f"without {device.device_id} in {mailbox.primary_smtp}'s blocked list Exchange would "
            f"report {other.state} ({other.reason}{', ' + other.rule.name if other.rule else ''})"
        )
    elif decided == "allow_list":
        with _without(mailbox.allowed_device_ids, device.device_id):
            other = exchange_decide(org, device, now)
        out.append(
            f"without {device.device_id} in {mailbox.primary_smtp}'s allowed list Exchange would "
            f"report {other.state} ({other.reason}{', ' + other.rule.name if other.rule else ''})"
        )
    elif decided == "rules" and decision.rule is not None:
        with _without_rule(org, decision.rule):
            other = exchange_decide(org, device, now)
        out.append(
            f"without the rule {decision.rule.name} Exchange would report {other.state} "
            f"({other.reason}{', ' + other.rule.name if other.rule else ''})"
        )
        out.append("an entry in the user's allowed or blocked list decides before any rule")
    elif decided == "discovery":
        other = exchange_decide(org, device, device.discovery_until)
        out.append(
            f"once Device Discovery ends Exchange would report {other.state} ({other.reason})"
        )
    elif decided == "policy":
        out.append(
            "a mailbox policy with AllowNonProvisionableDevices $true, or a device that can be "
            "provisioned, lets the lists, rules and default decide"
        )
    elif decided == "default":
        out.append(
            f"a device access rule matching DeviceType {device.device_type!r} or DeviceModel "
            f"{device.model!r}, or an entry in the user's allowed or blocked list, decides "
            "before the default; Set-ActiveSyncOrganizationSettings -DefaultAccessLevel "
            "changes the default"
        )
    if not mailbox.activesync_enabled:
        out.append(
            "ActiveSync is disabled for the mailbox: the device is refused whatever ABQ says"
        )
    return out


def intune_chain(
    svc: IntuneService, device_id: str, now: datetime, owner: str | None = None
) -> dict[str, Any]:
    """Intune's record of the device, why it is (or is not) decided, the decision again with
    the enrolment or the platform exception changed, and the commands queued for it."""
    key = device_id.lower()
    record = svc.inventory.devices.get(key)
    managed = svc.enrolled.get(key)
    ca = svc.access
    out: dict[str, Any] = {
        "reported": record is not None and not record.get("removed"),
        "upn": (record or {}).get("userPrincipalName"),
        "first_sync": (record or {}).get("firstSyncTime"),
        "last_sync": record_time((record or {}).get("lastReportedDateTime")),
        "enrolled": managed is not None,
        "compliant": managed.compliant if managed else None,
        "conditional_access": ca.enabled,
        "governed": None,
        "targeted": None,
        "targeting": None,
        "decision": None,
        "last_commanded": svc.decisions.get(key),
        "commands": [
            {
                "type": c.type,
                "issued": format_time(c.issued_at),
                "reason": c.parameters.get("reason"),
                "notify_user": bool(c.parameters.get("notifyUser")),
                "state": c.state,
                "completed": format_time(c.completed_at) if c.completed_at else None,
                "error": c.error,
            }
            for c in svc.commands.commands.values()
            if c.device == key
        ],
        "what_would_change": [],
    }
    change: list[str] = out["what_would_change"]
    upn = str((record or {}).get("userPrincipalName") or owner or "").lower()
    user = svc.tenant.users.get(upn)
    licensed = "intune" in svc.tenant.licences_of(upn) if upn else False
    groups = set(user.groups) if user else set()
    included = [g for g in ca.included_groups if g.lower() in groups]
    excluded = [g for g in ca.excluded_groups if g.lower() in groups]
    out["targeting"] = {
        "upn": upn or None,
        "licensed": licensed,
        "in_directory": user is not None,
        "included_groups": included,
        "excluded_groups": excluded,
    }
    if record is None or record.get("removed"):
        why_not = []
        if upn and not licensed:
            why_not.append(f"{upn} has no Intune licence")
        if upn and ca.enabled and upn not in svc.targeted():
            why_not.append(f"{upn} is not targeted by conditional access")
        change.append(
            "Intune decides only devices a connector sync reported; the connector reports the "
            "devices of targeted, licensed users" + (f" ({'; '.join(why_not)})" if why_not else "")
        )
        return out
    out["governed"] = governable(record)
    out["targeted"] = ca.enabled and upn in svc.targeted()
    if not out["governed"]:
        change.append(
            f"device type {record.get('deviceType')} (Outlook for iOS and Android) reaches the "
            "mailbox through the Office 365 service: the on-premises connector cannot govern it "
            "(hybrid modern authentication is the answer, C30)"
        )
        return out
    if not ca.enabled:
        change.append(
            "conditional access for Exchange on-premises is off: enabling it targets users"
        )
        return out
    if not out["targeted"]:
        if not licensed:
            change.append(f"an Intune licence for {upn} (then a directory synchronisation)")
        if excluded:
            change.append(f"removing {upn} from the excluded group(s) {', '.join(excluded)}")
        if not included:
            change.append(
                f"{upn} in a targeted group ({', '.join(ca.included_groups) or 'none set'})"
            )
        return out
    decision = intune_decide(ca, record, managed)
    exception = ca.exception_for(record)
    out["decision"] = {
        "access": decision.access,
        "reason": decision.reason,
        "platform_exception": (
            {"name": exception.name, "type": exception.type, "access": exception.access}
            if exception
            else None
        ),
        "unmanaged_access": ca.unmanaged_access,
    }
    if managed is None or not managed.compliant:
        platform = managed.platform if managed else platform_of(str(record.get("deviceType")))
        enrolled = ManagedDevice(key, key, upn, platform, now, compliant=True)
        other = intune_decide(ca, record, enrolled)
        what = "enrolled and compliant" if managed is None else "compliant"
        change.append(f"{what}, Intune would decide {other.access} ({other.reason})")
    else:
        other = intune_decide(ca, record, replace(managed, compliant=False))
        change.append(f"not compliant, Intune would decide {other.access} ({other.reason})")
    if exception is not None:
        other = intune_decide(replace(ca, platform_exceptions=[]), record, managed)
        change.append(
            f"without the platform exception {exception.name} ({exception.type}), Intune "
            f"would decide {other.access} ({other.reason})"
        )
    return out
