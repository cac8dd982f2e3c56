"""Configuration of the Exchange organisation and its device population."""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from simulator.world.config.base import FieldError, Strict, TimePoint
from simulator.world.durations import parse_duration

ServerRole = Literal["ClientAccess", "Mailbox", "HubTransport", "UnifiedMessaging", "Edge"]


def _duration(v: str) -> str:
    parse_duration(v)
    return v


class ServerSpec(Strict):
    name: str
    roles: list[ServerRole] = Field(default_factory=lambda: ["ClientAccess", "Mailbox"])
    version: str | None = None
    domain: str | None = None
    edition: Literal["Standard", "Enterprise", "StandardEvaluation", "EnterpriseEvaluation"] = (
        "Standard"
    )
    site: str = "Default-First-Site-Name"

    @field_validator("version")
    @classmethod
    def _known_version(cls, v: str | None) -> str | None:
        return v if v is None else ExchangeSpec._known_version(v)


class OrgSettingsSpec(Strict):
    """The organisation's ActiveSync settings (Set-ActiveSyncOrganizationSettings) at start."""

    default_access_level: Literal["Allow", "Block", "Quarantine"] = "Allow"
    admin_mail_recipients: list[str] = Field(default_factory=list)
    user_mail_insert: str = Field("", max_length=256)
    ota_notification_mail_insert: str = Field("", max_length=256)
    allow_access_for_unsupported_platform: bool = Field(
        False, description="AllowAccessForUnSupportedPlatform (Exchange 2013 and later)"
    )
    allow_rms_for_unenlightened_apps: bool = Field(
        False, description="AllowRMSSupportForUnenlightenedApps (Exchange 2016 and later)"
    )


class RuleSpec(Strict):
    """A device access rule present at start (New-ActiveSyncDeviceAccessRule)."""

    query_string: str
    characteristic: Literal["DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader"]
    access_level: Literal["Allow", "Block", "Quarantine"]


class DeviceSpec(Strict):
    """A device partnership present at start, as an export of Get-MobileDevice and
    Get-MobileDeviceStatistics describes it (what `exchange-twin import` writes): the owner is
    a directory account with a mailbox; its access is what Exchange decides from the rules,
    the settings and the owner's allow/block lists (`individual`), never stored."""

    owner: str = Field(description="the owner's directory account, DOMAIN\\user (mailbox: true)")
    device_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    device_type: str = Field(min_length=1, max_length=32)
    model: str = ""
    os: str = ""
    user_agent: str = ""
    friendly_name: str = ""
    imei: str = ""
    operator: str = ""
    phone: str = ""
    os_language: str = ""
    eas_version: str = "14.1"
    client_type: Literal["EAS", "Outlook"] = "EAS"
    first_sync: TimePoint | None = Field(
        None, description="FirstSyncTime: a time with a timezone; none: the scenario's start"
    )
    last_success_sync: TimePoint | None = Field(
        None, description="LastSuccessSync; none: never synced since its first sync"
    )
    individual: Literal["Allow", "Block"] | None = Field(
        None,
        description="listed in the owner's ActiveSyncAllowedDeviceIDs (Allow) or "
        "ActiveSyncBlockedDeviceIDs (Block)",
    )


class PolicySpec(Strict):
    """A mobile device mailbox policy besides "Default", with settings by their 2010 names."""

    name: str = Field(max_length=64)
    default: bool = False
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("settings")
    @classmethod
    def _known_settings(cls, v: dict[str, Any]) -> dict[str, Any]:
        from simulator.exchange import policy_settings

        out = {}
        for key, value in v.items():
            setting = policy_settings.BY_NAME.get(key.lower()) or policy_settings.BY_NEW_NAME.get(
                key.lower()
            )
            if setting is None:
                close = difflib.get_close_matches(key, [s.name for s in policy_settings.SETTINGS])
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                raise FieldError((key,), f"unknown mailbox policy setting {key!r}{hint}")
            try:
                out[setting.name] = policy_settings.parse(setting, value)
            except (
                Exception
            ) as exc:  # an Exchange-shaped validation error, reported as schema error
                raise FieldError((key,), f"{key}: {exc}") from None
        return out


class RoleGroupSpec(Strict):
    """A custom role group: its roles, its members (DOMAIN\\user), an optional write scope."""

    name: str
    roles: list[str]
    members: list[str] = Field(default_factory=list)
    recipient_root: str | None = None

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: list[str]) -> list[str]:
        from simulator.exchange.rbac import canonical_role

        return [canonical_role(r) for r in v]


class BudgetSpec(Strict):
    """A throttling budget (Exchange's throttling policy for remote PowerShell)."""

    max_concurrency: int | None = Field(18, ge=1, description="open runspaces per account")
    max_cmdlets: int | None = Field(None, ge=1, description="cmdlets per period; none = unlimited")
    cmdlets_period: str = "60s"
    idle_timeout: str = "15m"

    _periods = field_validator("cmdlets_period", "idle_timeout")(_duration)


class ThrottlingSpec(BudgetSpec):
    accounts: dict[str, BudgetSpec] = Field(
        default_factory=dict, description="per-account budgets, by DOMAIN\\user"
    )


class ExchangeSpec(Strict):
    version: str = "2013 CU12"
    organization: str | None = Field(
        None,
        description="the Exchange organisation's name (chosen at setup; 'First Organization' when "
        "unset): Get-OrganizationConfig, every legacyExchangeDN (/o=<name>/...), the "
        "configuration DNs, and what the connector reports to Intune as its organisation",
    )
    servers: list[ServerSpec] = Field(
        default_factory=lambda: [ServerSpec(name="EX01")],
        min_length=1,
        description="an organisation has at least one server",
    )
    cas_arrays: list[str] = Field(default_factory=list)
    hosted_address: str | None = Field(
        None,
        description="a hosted Exchange's external address (e.g. mail.hoster.net): an Internet "
        "name pointing at the first Client Access server, reached directly or through a proxy",
    )
    settings: OrgSettingsSpec = Field(default_factory=OrgSettingsSpec)
    rules: list[RuleSpec] = Field(default_factory=list)
    devices: list[DeviceSpec] = Field(
        default_factory=list,
        description="device partnerships present at start, besides the population's (an import)",
    )
    devices_file: str | None = Field(
        None,
        description="a CSV file beside the scenario with more of `devices`, one per row "
        "(what a large import writes; docs/architecture.md, data files)",
    )
    policies: list[PolicySpec] = Field(default_factory=list)
    role_groups: list[RoleGroupSpec] = Field(default_factory=list)
    throttling: ThrottlingSpec = Field(default_factory=ThrottlingSpec)
    access_cache: str = Field("6h", description="how long a device keeps a cached access decision")
    device_discovery: str = Field(
        "14m", description="the Device Discovery transient of a new device"
    )

    _durations = field_validator("access_cache", "device_discovery")(_duration)

    @field_validator("version")
    @classmethod
    def _known_version(cls, v: str) -> str:
        from simulator.exchange.versions import version

        try:
            version(v)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
        return v


class BehaviourModel(Strict):
    """The device population's own life (one fleet process; `enabled: false` for a static org)."""

    enabled: bool = True
    tick: str = "1m"
    new_partnerships_per_day: float = Field(0.002, ge=0, le=10, description="per user mailbox")
    stale_per_day: float = Field(0.0015, ge=0, le=1, description="per active device")
    offline_per_day: float = Field(0.02, ge=0, le=1, description="per active device")
    offline_duration: str = "1d"

    _durations = field_validator("tick", "offline_duration")(_duration)


#: The largest organisation a scenario may ask for: ten times the largest benchmarked
#: (100,000 users); beyond it a typing mistake would exhaust memory instead of being refused.
MAX_USERS = 1_000_000
MAX_DEVICES = 1_500_000


class PopulationModel(Strict):
    users: int = Field(50, ge=0, le=MAX_USERS)
    devices_per_user: float = Field(1.5, ge=0, le=10)
    licensed: float = Field(1.0, ge=0, le=1)
    email_domain: str | None = None
    domains: list[str] = Field(
        default_factory=list, description="AD domains users are spread over (the main one if empty)"
    )
    ous: list[str] = Field(default_factory=lambda: ["Users"])
    resource_mailboxes: float = Field(
        0.0,
        ge=0,
        le=10,
        description="shared/room/equipment mailboxes per user mailbox, besides users",
    )
    stale: float = Field(0.08, ge=0, le=1, description="share of partnerships long silent")
    sync_interval: str = Field("1h", description="mean time between a device's syncs")
    behaviour: BehaviourModel = Field(default_factory=BehaviourModel)

    _interval = field_validator("sync_interval")(_duration)

    @model_validator(mode="after")
    def _not_absurd(self) -> PopulationModel:
        if self.users * self.devices_per_user > MAX_DEVICES:
            raise FieldError(
                ("devices_per_user",),
                f"{self.users:,} users with {self.devices_per_user:g} devices each is more than "
                f"the {MAX_DEVICES:,} devices a scenario may have",
            )
        return self

    @field_validator("behaviour", mode="before")
    @classmethod
    def _switch(cls, v: Any) -> Any:
        return {"enabled": v} if isinstance(v, bool) else v


class OrganizationSpec(ExchangeSpec):
    """Another Exchange organisation, in its own Active Directory forest (`world.exchange` is
    the organisation of the directory's own forest): its name, servers, settings, policies,
    rules, RBAC and throttling as in `world.exchange`, and its own seeded population. The
    directory's accounts of its forest get their mailboxes and direct role assignments here."""

    organization: str = Field(
        description="the organisation's name (Get-OrganizationConfig, /o=<name>/... DNs); "
        "unique among the world's organisations"
    )
    forest: str = Field(
        description="root domain of the forest it is installed in: a world.directory.extra_domains "
        "forest other than the directory's own"
    )
    population: PopulationModel = Field(default_factory=PopulationModel)
