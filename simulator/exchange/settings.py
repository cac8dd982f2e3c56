"""The organisation's settings objects: ActiveSync organisation settings, mobile device mailbox
policies, device access rules, and the admin audit log's entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class OrganizationSettings:
    guid: int
    default_access_level: str = "Allow"
    user_mail_insert: str = ""
    admin_mail_recipients: list[str] = field(default_factory=list)
    ota_notification_mail_insert: str = ""
    allow_access_for_unsupported_platform: bool = False
    allow_rms_for_unenlightened_apps: bool = False
    device_filtering: str | None = None
    is_intune_managed: bool = False
    when_created: float = 0.0
    when_changed: float = 0.0


@dataclass(slots=True, eq=False)
class MailboxPolicy:
    name: str
    guid: int
    is_default: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    when_created: float = 0.0
    when_changed: float = 0.0


@dataclass(slots=True, eq=False)
class DeviceAccessRule:
    name: str
    query_string: str
    characteristic: str  # DeviceType, DeviceModel, DeviceOS, UserAgent, XMSWLHeader
    access_level: str  # Allow, Block, Quarantine
    guid: int
    when_created: float = 0.0
    when_changed: float = 0.0


@dataclass(slots=True)
class AuditEntry:
    """One admin audit log record (what Search-AdminAuditLog returns)."""

    time: float
    caller: str
    cmdlet: str
    parameters: dict[str, Any]
    object_modified: str
    succeeded: bool
    error: str = ""
    server: str = ""
