"""Conditional access for Exchange on-premises, enrolled devices, and Intune's decision for
each Exchange ActiveSync device (SPEC R7.2; reference/connector-behaviour.md §4, S8).

Settings: enabled, targeted (included) and excluded groups, what *unmanaged devices* get
(allow, block or quarantine — it becomes Exchange's default access level), platform
exceptions (a device family or model with its own access level), and the notification sent
to users before their device is blocked.

The decision, for a device of a **targeted** user that the connector has reported:

* enrolled and compliant → allow — even when a platform exception blocks its platform, if
  unmanaged access is Block (the rule S8 states). With unmanaged access Allow or
  Quarantine a blocking platform exception still holds (model: our reading of S8, which
  states the override only for Block);
* otherwise, a platform exception for its platform decides;
* otherwise it is not enrolled or not compliant: quarantine when unmanaged access is
  Quarantine, else block.

Devices of users the policy does not target get no decision from Intune: Exchange's default
access level and device rules, which the full sync applies from `policy()`, govern them.

Outlook for iOS and Android (EAS device type `Outlook` / `OutlookService`) reaches the
mailbox through the Office 365 service, not as a device Intune can map to an enrolment: the
on-premises connector cannot govern it (customer issue C30; hybrid modern authentication is
the answer), so Intune makes no decision for it either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACCESS_LEVELS = ("allow", "block", "quarantine")
DEFAULT_SUBJECT = "Your device is blocked from accessing email"
DEFAULT_BODY = (
    "To access your company email on this device, enroll it in Intune: tap Get Started Now "
    "and follow the steps."
)


@dataclass(frozen=True)
class PlatformException:
    """A device class (EAS device type = family, or device model) with its own access level."""

    name: str
    type: str = "family"  # family or model
    access: str = "allow"

    def matches(self, record: dict[str, Any]) -> bool:
        field_name = "deviceType" if self.type == "family" else "deviceModel"
        return str(record.get(field_name) or "").lower() == self.name.lower()

    def to_json(self) -> dict[str, Any]:
        return {"deviceClass": {"name": self.name, "type": self.type}, "accessLevel": self.access}


@dataclass
class ConditionalAccess:
    enabled: bool = False
    included_groups: list[str] = field(default_factory=list)
    excluded_groups: list[str] = field(default_factory=list)
    unmanaged_access: str = "allow"
    platform_exceptions: list[PlatformException] = field(default_factory=list)
    notification_subject: str = DEFAULT_SUBJECT
    notification_body: str = DEFAULT_BODY

    def validate(self) -> None:
        if self.unmanaged_access not in ACCESS_LEVELS:
            raise ValueError(
                f"unmanaged device access must be one of {', '.join(ACCESS_LEVELS)}, "
                f"found {self.unmanaged_access!r}"
            )
        for exc in self.platform_exceptions:
            if exc.type not in ("family", "model") or exc.access not in ACCESS_LEVELS:
                raise ValueError(
                    f"platform exception {exc.name!r}: type is family or model and access one "
                    f"of {', '.join(ACCESS_LEVELS)}"
                )

    def targets(self, groups: tuple[str, ...]) -> bool:
        """Is a user with these (lower-case, expanded) groups targeted? Exclusion wins."""
        included = {g.lower() for g in self.included_groups}
        excluded = {g.lower() for g in self.excluded_groups}
        return bool(included & set(groups)) and not excluded & set(groups)

    def exception_for(self, record: dict[str, Any]) -> PlatformException | None:
        """A model exception is more specific than a family one."""
        for kind in ("model", "family"):
            for exc in self.platform_exceptions:
                if exc.type == kind and exc.matches(record):
                    return exc
        return None

    def policy(self) -> dict[str, Any]:
        """The Exchange on-premises policy the connector applies (`GET .../policy`)."""
        return {
            "enabled": self.enabled,
            "defaultAccessLevel": self.unmanaged_access,
            "accessRules": [e.to_json() for e in self.platform_exceptions],
            "notification": {
                "subject": self.notification_subject,
                "body": self.notification_body,
            },
        }


@dataclass
class ManagedDevice:
    """An enrolled device, linked to its Exchange ActiveSync device id."""

    device_id: str  # Intune's id
    eas_device_id: str
    upn: str
    platform: str
    enrolled_at: datetime
    compliant: bool = False
    compliance_changed_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    access: str  # allow, block or quarantine
    reason: (
        str  # exchangeAccessStateReason: compliant, notCompliant, notEnrolled, exchangeDeviceRule
    )


def decide(
    ca: ConditionalAccess, record: dict[str, Any], managed: ManagedDevice | None
) -> Decision:
    """Intune's decision for one reported device of a targeted user (see the module doc)."""
    exception = ca.exception_for(record)
    if managed is not None and managed.compliant:
        if exception is not None and exception.access == "block" and ca.unmanaged_access != "block":
            return Decision("block", "exchangeDeviceRule")
        return Decision("allow", "compliant")
    if exception is not None:
        return Decision(exception.access, "exchangeDeviceRule")
    reason = "notEnrolled" if managed is None else "notCompliant"
    return Decision("quarantine" if ca.unmanaged_access == "quarantine" else "block", reason)


UNGOVERNED_DEVICE_TYPES = ("outlook", "outlookservice")


def governable(record: dict[str, Any]) -> bool:
    """Can conditional access for Exchange on-premises decide this device at all? (C30)"""
    return str(record.get("deviceType") or "").lower() not in UNGOVERNED_DEVICE_TYPES


def platform_of(device_type: str) -> str:
    """The Intune platform of an EAS device type (iOS, Windows or Android)."""
    kind = device_type.lower()
    if kind.startswith(("iphone", "ipad", "ipod")):
        return "iOS"
    if kind.startswith(("wp", "windows")):
        return "Windows"
    return "Android"
