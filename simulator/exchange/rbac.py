"""Role Based Access Control: management roles → cmdlets (down to parameters), role groups →
roles, and what a caller's session may run (reference/exchange-cmdlets.md §3, Exchange 2013 CU23
role definitions). `Get-Command` is implicit in every session and is not a role entry.

A role entry maps a cmdlet to the parameters it grants, or to `ALL`. A caller's grants are the
union over every role of every role group they belong to plus their direct assignments,
computed when a session opens: role changes apply to new sessions only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL: frozenset[str] = frozenset({"*"})

_MOBILE_EQUIVALENT = {
    "Get-ActiveSyncDevice": "Get-MobileDevice",
    "Get-ActiveSyncDeviceStatistics": "Get-MobileDeviceStatistics",
    "Clear-ActiveSyncDevice": "Clear-MobileDevice",
    "Remove-ActiveSyncDevice": "Remove-MobileDevice",
    "Get-ActiveSyncMailboxPolicy": "Get-MobileDeviceMailboxPolicy",
    "Set-ActiveSyncMailboxPolicy": "Set-MobileDeviceMailboxPolicy",
    "New-ActiveSyncMailboxPolicy": "New-MobileDeviceMailboxPolicy",
    "Remove-ActiveSyncMailboxPolicy": "Remove-MobileDeviceMailboxPolicy",
}

_SET_CAS_MR = frozenset(
    {
        "Identity",
        "ActiveSyncEnabled",
        "ActiveSyncMailboxPolicy",
        "ActiveSyncDebugLogging",
        "OWAEnabled",
        "OWAforDevicesEnabled",
        "ECPEnabled",
        "PopEnabled",
        "ImapEnabled",
        "MAPIEnabled",
        "EwsEnabled",
        "DomainController",
        "WhatIf",
        "Confirm",
    }
)
_SET_CAS_OCA = frozenset(
    {
        "Identity",
        "ActiveSyncAllowedDeviceIDs",
        "ActiveSyncBlockedDeviceIDs",
        "DomainController",
        "WhatIf",
        "Confirm",
    }
)
_SET_CAS_EVD = frozenset(
    {"Identity", "ResetAutoBlockedDevices", "DomainController", "WhatIf", "Confirm"}
)
_SET_CAS_USER_OPTIONS = frozenset(
    {"Identity", "ActiveSyncDebugLogging", "DomainController", "WhatIf", "Confirm"}
)


def _with_mobile(entries: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The MobileDevice* cmdlets (2013+) have the same role membership as their ActiveSync twins."""
    out = dict(entries)
    for old, new in _MOBILE_EQUIVALENT.items():
        if old in entries:
            out[new] = entries[old]
    return out


ROLES: dict[str, dict[str, frozenset[str]]] = {
    name: _with_mobile(entries)
    for name, entries in {
        "Organization Client Access": {
            "Get-ActiveSyncOrganizationSettings": ALL,
            "Set-ActiveSyncOrganizationSettings": ALL,
            "Get-ActiveSyncDeviceAccessRule": ALL,
            "Set-ActiveSyncDeviceAccessRule": ALL,
            "New-ActiveSyncDeviceAccessRule": ALL,
            "Remove-ActiveSyncDeviceAccessRule": ALL,
            "Get-ActiveSyncDeviceClass": ALL,
            "Get-CASMailbox": ALL,
            "Set-CASMailbox": _SET_CAS_OCA,
            "Get-ActiveSyncDevice": ALL,
        },
        "View-Only Configuration": {
            "Get-ActiveSyncOrganizationSettings": ALL,
            "Get-ActiveSyncDeviceAccessRule": ALL,
            "Get-ActiveSyncDeviceClass": ALL,
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Get-ExchangeServer": ALL,
        },
        "Recipient Policies": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Set-ActiveSyncMailboxPolicy": ALL,
            "New-ActiveSyncMailboxPolicy": ALL,
            "Remove-ActiveSyncMailboxPolicy": ALL,
            "Get-CASMailbox": ALL,
            "Get-ActiveSyncDevice": ALL,
        },
        "Mail Recipients": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Get-CASMailbox": ALL,
            "Set-CASMailbox": _SET_CAS_MR,
            "Get-ActiveSyncDevice": ALL,
            "Get-ActiveSyncDeviceStatistics": ALL,
            "Clear-ActiveSyncDevice": ALL,
            "Remove-ActiveSyncDevice": ALL,
            "Get-Recipient": ALL,
            "Set-ADServerSettings": ALL,
        },
        "Mail Recipient Creation": {"Get-ActiveSyncMailboxPolicy": ALL, "Get-Recipient": ALL},
        "View-Only Recipients": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Get-CASMailbox": ALL,
            "Get-ActiveSyncDevice": ALL,
            "Get-ActiveSyncDeviceStatistics": ALL,
            "Get-Recipient": ALL,
            "Set-ADServerSettings": ALL,
        },
        "Exchange Servers": {
            "Get-ExchangeServer": ALL,
            "Get-Recipient": ALL,
            "Set-ADServerSettings": ALL,
        },
        "Exchange Virtual Directories": {"Set-CASMailbox": _SET_CAS_EVD},
        "Message Tracking": {
            "Get-ExchangeServer": ALL,
            "Get-Recipient": ALL,
            "Set-ADServerSettings": ALL,
        },
        "Monitoring": {"Get-ExchangeServer": ALL},
        "User Options": {
            "Get-CASMailbox": ALL,
            "Set-CASMailbox": _SET_CAS_USER_OPTIONS,
            "Get-ActiveSyncDevice": ALL,
            "Get-ActiveSyncDeviceStatistics": ALL,
            "Clear-ActiveSyncDevice": ALL,
            "Remove-ActiveSyncDevice": ALL,
        },
        "Distribution Groups": {"Get-Recipient": ALL},
        "Migration": {},
        "Move Mailboxes": {},
        "Team Mailboxes": {},
        "Databases": {},
        "Database Copies": {},
        "Exchange Connectors": {},
        "Exchange Server Certificates": {},
        "POP3 And IMAP4 Protocols": {},
        "Receive Connectors": {},
        "Transport Queues": {},
        "Audit Logs": {},
        "Journaling": {},
        "Retention Management": {},
        "Transport Hygiene": {},
        "Security Group Creation and Membership": {},
    }.items()
}

ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "Organization Management": tuple(ROLES),
    "Recipient Management": (
        "Distribution Groups",
        "Mail Recipient Creation",
        "Mail Recipients",
        "Message Tracking",
        "Migration",
        "Move Mailboxes",
        "Recipient Policies",
        "Team Mailboxes",
    ),
    "View-Only Organization Management": (
        "View-Only Configuration",
        "View-Only Recipients",
        "Monitoring",
    ),
    "Server Management": (
        "Exchange Servers",
        "Exchange Virtual Directories",
        "Databases",
        "Database Copies",
        "Exchange Connectors",
        "Exchange Server Certificates",
        "Monitoring",
        "POP3 And IMAP4 Protocols",
        "Receive Connectors",
        "Transport Queues",
    ),
    "Help Desk": ("User Options", "View-Only Recipients"),
    "Compliance Management": (
        "View-Only Configuration",
        "View-Only Recipients",
        "Audit Logs",
        "Journaling",
        "Retention Management",
    ),
    "Hygiene Management": ("View-Only Configuration", "View-Only Recipients", "Transport Hygiene"),
}

IMPLICIT_CMDLETS: dict[str, frozenset[str]] = {"Get-Command": ALL, "Get-Help": ALL}


@dataclass
class RbacModel:
    """The organisation's RBAC configuration: custom role groups and direct assignments."""

    custom_role_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    direct_assignments: dict[str, list[str]] = field(default_factory=dict)  # account key -> roles

    def role_group(self, name: str) -> tuple[str, ...] | None:
        for groups in (ROLE_GROUPS, self.custom_role_groups):
            for group, roles in groups.items():
                if group.lower() == name.lower():
                    return roles
        return None

    def add_role_group(self, name: str, roles: list[str]) -> None:
        unknown = [r for r in roles if _role(r) is None]
        if unknown:
            raise ValueError(f"unknown management role(s): {', '.join(unknown)}")
        self.custom_role_groups[name] = tuple(_role(r) for r in roles)  # type: ignore[misc]

    def assign(self, account: str, role: str) -> None:
        canonical = _role(role)
        if canonical is None:
            raise ValueError(f"unknown management role {role!r}")
        self.direct_assignments.setdefault(account.lower(), []).append(canonical)

    def roles_for(self, account: str, groups: list[str]) -> list[str]:
        roles: list[str] = []
        for group in groups:
            roles.extend(self.role_group(group) or ())
        roles.extend(self.direct_assignments.get(account.lower(), []))
        return sorted(set(roles))

    def grants(self, account: str, groups: list[str]) -> dict[str, frozenset[str]]:
        """cmdlet → granted parameters (`ALL` for every parameter) for a new session."""
        out: dict[str, frozenset[str]] = dict(IMPLICIT_CMDLETS)
        for role in self.roles_for(account, groups):
            for cmdlet, params in ROLES[role].items():
                have = out.get(cmdlet)
                out[cmdlet] = ALL if ALL in (have, params) else (have or frozenset()) | params
        return out


def _role(name: str) -> str | None:
    return next((r for r in ROLES if r.lower() == name.lower()), None)
