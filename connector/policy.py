"""Re-applying Intune's Exchange access policy to Exchange (SPEC R5.2 full sync, R7.1, R7.2).

Intune's "unmanaged device access" becomes the organisation's `DefaultAccessLevel`; platform
exceptions become device access rules (a device family → `DeviceType`, a model →
`DeviceModel`). The connector only ever changes or removes the rules it created itself
(remembered in its state), never an administrator's own rules.
"""

from __future__ import annotations

from typing import Any

from connector.log import ConnectorLog
from connector.runspaces import RunspacePool
from connector.state import ConnectorState

_LEVELS = {"allow": "Allow", "block": "Block", "quarantine": "Quarantine"}
_CHARACTERISTIC = {"family": "DeviceType", "model": "DeviceModel"}


def _rule_name(query: str, characteristic: str) -> str:
    return f"{query} ({characteristic})"


def desired_rules(policy: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Rule name → (QueryString, Characteristic, AccessLevel) that the policy asks for."""
    out: dict[str, tuple[str, str, str]] = {}
    for rule in policy.get("accessRules") or []:
        device_class = rule.get("deviceClass") or {}
        characteristic = _CHARACTERISTIC.get(str(device_class.get("type", "")).lower())
        level = _LEVELS.get(str(rule.get("accessLevel", "")).lower())
        query = str(device_class.get("name", ""))
        if characteristic and level and query:
            out[_rule_name(query, characteristic)] = (query, characteristic, level)
    return out


def apply_policy(
    pool: RunspacePool, policy: dict[str, Any], state: ConnectorState, log: ConnectorLog
) -> list[str]:
    """Make Exchange match the policy; return a description of each change made."""
    changes: list[str] = []
    if policy.get("notification"):
        state.notification = {k: str(v) for k, v in policy["notification"].items()}
    enabled = bool(policy.get("enabled"))
    wanted_level = _LEVELS.get(str(policy.get("defaultAccessLevel", "allow")).lower(), "Allow")
    if not enabled:
        wanted_level = "Allow" if state.managed_default_level else ""
    if wanted_level:
        current = pool.invoke("Get-ActiveSyncOrganizationSettings")
        level = current[0].get("DefaultAccessLevel") if current else None
        if level != wanted_level:
            pool.invoke("Set-ActiveSyncOrganizationSettings", DefaultAccessLevel=wanted_level)
            changes.append(f"DefaultAccessLevel {level} -> {wanted_level}")
        state.managed_default_level = enabled

    desired = desired_rules(policy) if enabled else {}
    existing = {str(r["Name"]): r for r in pool.invoke("Get-ActiveSyncDeviceAccessRule")}
    managed = set(state.managed_rules)
    for name, (query, characteristic, level) in sorted(desired.items()):
        rule = existing.get(name)
        if rule is None:
            pool.invoke(
                "New-ActiveSyncDeviceAccessRule",
                QueryString=query,
                Characteristic=characteristic,
                AccessLevel=level,
            )
            managed.add(name)
            changes.append(f"new rule {name} {level}")
        elif rule.get("AccessLevel") != level and name in managed:
            pool.invoke("Set-ActiveSyncDeviceAccessRule", Identity=name, AccessLevel=level)
            changes.append(f"rule {name} {rule.get('AccessLevel')} -> {level}")
    for name in sorted(managed - set(desired)):
        if name in existing:
            pool.invoke("Remove-ActiveSyncDeviceAccessRule", Identity=name, Confirm=False)
            changes.append(f"removed rule {name}")
        managed.discard(name)
    state.managed_rules = sorted(managed)
    if changes:
        log.info(
            "PolicyApplied",
            "Applied the Intune access policy to Exchange: " + "; ".join(changes),
            changes=changes,
        )
    return changes
