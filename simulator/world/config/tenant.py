"""Configuration of the Intune tenant: administrators, licences, conditional access, enrolment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
)

from simulator.intune.admin_roles import ADMIN_ROLES, GLOBAL_ADMIN
from simulator.world.config.base import Duration, Strict

AccessLevel = Literal["allow", "block", "quarantine"]
Licence = Literal["intune", "exchange"]


# -- tenant ----------------------------------------------------------------------------------------
class AdminSpec(Strict):
    upn: str
    password: str | None = Field(None, description="needed to sign in when registering")
    roles: list[Literal[ADMIN_ROLES]] = Field(default_factory=lambda: [GLOBAL_ADMIN])  # type: ignore[valid-type]
    licences: list[Licence] = Field(default_factory=lambda: ["intune"])
    mfa: bool = Field(
        False, description="multi-factor authentication (the sign-in then fails, C27)"
    )


def _admin_shorthand(v: Any) -> Any:
    """`admins: [admin@contoso.onmicrosoft.com]` is a Global Administrator with that UPN."""
    return {"upn": v} if isinstance(v, str) else v


class PlatformExceptionSpec(Strict):
    name: str = Field(description="EAS device type (family) or device model, e.g. iPhone, Android")
    type: Literal["family", "model"] = "family"
    access: AccessLevel


class NotificationSpec(Strict):
    subject: str | None = None
    body: str | None = None


class ConditionalAccessSpec(Strict):
    enabled: bool = True
    included_groups: list[str] = Field(default_factory=list)
    excluded_groups: list[str] = Field(default_factory=list)
    unmanaged_device_access: AccessLevel = "allow"
    platform_exceptions: list[PlatformExceptionSpec] = Field(default_factory=list)
    notification: NotificationSpec | None = None


class EnrolmentSpec(Strict):
    """Users enrolling their devices over time, and compliance drifting (a fleet process)."""

    devices: float = Field(0.5, ge=0, le=1, description="share of licensed users' devices enrolled")
    start: Duration = "0s"
    over: Duration = Field("1d", description="enrolments spread evenly over this span")
    compliant: float = Field(0.8, ge=0, le=1, description="share enrolled compliant")
    compliance_changes_per_day: float = Field(0.0, ge=0, le=1)
    tick: Duration = "1h"


class TenantSpec(Strict):
    name: str = "contoso"
    mdm_authority: Literal["intune", "none", "configmgr", "office365"] = "intune"
    directory_sync: bool = True
    directory_sync_interval: Duration = "30m"
    admins: list[Annotated[AdminSpec, BeforeValidator(_admin_shorthand)]] = Field(
        default_factory=lambda: [AdminSpec(upn="admin@contoso.onmicrosoft.com")],
        description="a UPN (a Global Administrator) or {upn, password, roles, licences, mfa}",
    )
    licence_groups: dict[Licence, list[str]] = Field(
        default_factory=dict, description="group-based licensing: licence → AD groups"
    )
    admin_sign_in: Literal["auto", "required", "not_required"] = Field(
        "auto", description="auto: required in profile 2018, not in 2016"
    )
    exchange_online_connector: bool = False
    certificate_lifetime: Duration = "180d"
    end_of_support: datetime = Field(
        default_factory=lambda: datetime(2024, 2, 19, tzinfo=UTC),
        description="after this date Intune accepts nothing from an on-premises connector "
        "(announced as 2024-01-15, later 2024-02-19; C31)",
    )
    conditional_access: ConditionalAccessSpec | None = None
    enrolment: EnrolmentSpec | None = None
