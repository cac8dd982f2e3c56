"""Device access: the decision Exchange reports, and what a device effectively gets.

`decide` is Exchange's Allow/Block/Quarantine evaluation in its fixed order (SPEC R7.1;
reference/connector-behaviour.md §4 "ABQ evaluation order"):

1. the mailbox policy's criteria: a device that cannot be provisioned is blocked (`Policy`)
   when the policy does not allow non-provisionable devices;
2. the user's block list (`Individual`), then the user's allow list (`Individual`);
3. the Device Discovery transient: a new partnership reports `DeviceDiscovery` until Exchange
   has the device's details (`Organization.discovery_seconds` after its first contact);
4. device access rules — Block, then Quarantine, then Allow (`DeviceRule`, with the rule);
5. the organisation's default access level (`Global`).

This is what `Get-ActiveSyncDevice` reports, immediately after any change. What the device
*gets* is `serve`: the decision cached when the device last had one computed, valid for
`Organization.access_cache_seconds` (about 6 hours, SPEC R5.9) — so a device blocked, wiped
or removed can keep mail access for hours, as in real Exchange.

Deviations: `DeviceAccessStateReason` during Device Discovery is `Global` (unverified); a
mailbox with ActiveSync disabled keeps its reported ABQ state while the device is refused
(served `Blocked`), since that check happens before ABQ; the auto-block reasons of 2013
(`UserAgentsChanges`, `CommandFrequency`, ...) and the `Upgrade` transient are not produced.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.exchange.device import Device
from simulator.exchange.model import Organization
from simulator.exchange.settings import DeviceAccessRule

STATE_OF_LEVEL = {"Allow": "Allowed", "Block": "Blocked", "Quarantine": "Quarantined"}
LEVEL_ORDER = ("Block", "Quarantine", "Allow")


@dataclass(frozen=True, slots=True)
class Decision:
    state: str  # DeviceAccessState
    reason: str  # DeviceAccessStateReason
    rule: DeviceAccessRule | None = None


_POLICY_BLOCK = Decision("Blocked", "Policy")
_INDIVIDUAL_BLOCK = Decision("Blocked", "Individual")
_INDIVIDUAL_ALLOW = Decision("Allowed", "Individual")
_DISCOVERY = Decision("DeviceDiscovery", "Global")
_GLOBAL = {level: Decision(state, "Global") for level, state in STATE_OF_LEVEL.items()}


def _listed(device_id: str, entries: list[str]) -> bool:
    return bool(entries) and any(e.lower() == device_id for e in entries)


def decide(org: Organization, device: Device, now: float) -> Decision:
    """The access Exchange reports for `device` at simulated time `now`."""
    mailbox = device.mailbox
    if not device.provisionable:
        policy = org.policy_of(mailbox)
        if policy is not None and not policy.settings.get("AllowNonProvisionableDevices", False):
            return _POLICY_BLOCK
    device_id = device.device_id.lower()
    if _listed(device_id, mailbox.blocked_device_ids):
        return _INDIVIDUAL_BLOCK
    if _listed(device_id, mailbox.allowed_device_ids):
        return _INDIVIDUAL_ALLOW
    if now < device.discovery_until:
        return _DISCOVERY
    if org.rules:
        matches = org.matching_rules(device)
        for level in LEVEL_ORDER:
            for rule in matches:
                if rule.access_level == level:
                    return Decision(STATE_OF_LEVEL[level], "DeviceRule", rule)
    return _GLOBAL[org.settings.default_access_level]


def serve(org: Organization, device: Device, now: float) -> str:
    """What the device gets when it contacts Exchange at `now`: the cached decision while it is
    fresh, else a new one (cached for `access_cache_seconds`). Records it as `served_state`."""
    if now < device.cache_until and device.cache_state is not None:
        device.served_state = device.cache_state
        return device.cache_state
    if not device.mailbox.activesync_enabled:
        state, reason = "Blocked", "Individual"
    else:
        decision = decide(org, device, now)
        state, reason = decision.state, decision.reason
    device.cache_state, device.cache_reason = state, reason
    # the discovery transient is never cached: the next contact evaluates again
    device.cache_until = now if state == "DeviceDiscovery" else now + org.access_cache_seconds
    device.served_state = state
    return state
