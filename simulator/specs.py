"""Scenario schema for the tenant, the hosts, the network and the fault timeline.

`simulator.scenario` assembles these into the scenario model; they live here to keep that
module about the language (steps, expectations, loading) and these about the world they
describe. Every model forbids unknown keys, so a misspelled key is refused with the file,
line and the closest valid names.

The fault models are generated from the fault registry (`simulator.faults`): one model per
kind, discriminated by `kind`, with exactly that kind's parameters — so `faults:` entries
are validated, with line numbers, against what each kind takes.
"""

from __future__ import annotations

import difflib
import functools
import operator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    model_validator,
)

from simulator.clock import parse_duration
from simulator.faults import FAULT_KINDS, FaultKind
from simulator.host import check_installation, parse_dotnet
from simulator.intune.tenant import ADMIN_ROLES, GLOBAL_ADMIN


class Strict(BaseModel):
    """Unknown keys refused (a misspelling is named); numbers finite (`.inf`, `.nan` would
    reach the clock and the models as durations, rates and round trips)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _duration(v: str) -> str:
    parse_duration(v)
    return v


Duration = Annotated[str, AfterValidator(_duration)]
"""`90s`, `15m`, `2h`, `1d`, `1h30m`."""


def _time_point(v: Any) -> Any:
    if isinstance(v, datetime):
        if v.tzinfo is None:
            raise ValueError("a time needs a timezone, e.g. 2016-05-02T10:00:00Z")
        return v
    if isinstance(v, bool):
        raise ValueError("expected a duration from the start (2h) or a time with a timezone")
    if isinstance(v, int | float):
        return parse_duration(v)  # finite, and within the longest span a scenario may name
    if isinstance(v, str):
        try:
            parse_duration(v)
            return v
        except ValueError:
            if not v[:1].isdigit() or "-" not in v:
                raise
        try:
            return _time_point(datetime.fromisoformat(v))
        except ValueError as exc:
            if "timezone" in str(exc):
                raise
            raise ValueError(f"{v!r} is neither a duration (2h) nor an ISO 8601 time") from None
    raise ValueError("expected a duration from the start (2h) or a time with a timezone")


TimePoint = Annotated[str | float | datetime, AfterValidator(_time_point)]
"""A duration from the scenario's start (`2h`), seconds, or an aware date-time."""


def seconds_from_start(point: str | float | datetime, start: datetime) -> float:
    if isinstance(point, datetime):
        return (point - start).total_seconds()
    return parse_duration(point)


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


# -- directory extras (the accounts themselves are in simulator.scenario) -------------------------
class GroupSpec(Strict):
    name: str
    domain: str | None = None
    members: list[str] = Field(default_factory=list, description="accounts, DOMAIN\\user")
    member_of: list[str] = Field(default_factory=list, description="parent groups (nesting)")
    population: float = Field(0.0, ge=0, le=1, description="share of population users added")
    description: str = ""


class ComputerSpec(Strict):
    name: str
    domain: str | None = None
    operating_system: str = ""


# -- hosts -------------------------------------------------------------------------------------------
def _version_text(v: Any) -> Any:
    """YAML reads `powershell: 2.0` as a number; it means the version "2.0"."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return f"{float(v):.1f}"
    return v


class EgressRuleSpec(Strict):
    action: Literal["allow", "block"] = "allow"
    destinations: list[str] = Field(default_factory=lambda: ["*"])
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=list, description="every port when empty"
    )


class FirewallSpec(Strict):
    default: Literal["allow", "block"] = "allow"
    rules: list[EgressRuleSpec] = Field(default_factory=list)


class WinHttpProxySpec(Strict):
    address: str
    port: int = Field(8080, ge=1, le=65535)
    bypass: list[str] = Field(default_factory=list, description="'<local>' or name globs")


class GpoSpec(Strict):
    name: str
    logon_as_service: list[str] | None = Field(
        None, description="accounts the GPO grants 'Log on as a service' (replacing local grants)"
    )
    linked_at: TimePoint = "0s"


class HostSpec(Strict):
    name: str
    os: str = "Windows Server 2012 R2"
    edition: str | None = None
    service_pack: int = Field(0, ge=0, le=10)
    architecture: Literal["x64", "x86"] = "x64"
    server_core: bool = False
    cpu_ghz: float = Field(2.4, ge=0, le=100)
    ram_gb: float = Field(8.0, ge=0, le=1e6)
    free_disk_gb: float = Field(100.0, ge=0, le=1e9)
    dotnet: list[str] = Field(
        default_factory=lambda: ["4.5.2"], description="e.g. '4.5.2' or '4.0 Client'"
    )
    powershell: Annotated[
        Literal["", "1.0", "2.0", "3.0", "4.0", "5.0", "5.1"], BeforeValidator(_version_text)
    ] = Field("4.0", description="Windows PowerShell version; '' when not installed")
    domain: str | None = Field(None, description="joined domain; the directory's domain when unset")
    workgroup: bool = False
    secure_folders: list[str] = Field(default_factory=list)
    insecure_folders: list[str] = Field(default_factory=list, description="readable by everyone")
    firewall: FirewallSpec | None = None
    winhttp_proxy: WinHttpProxySpec | None = None
    group_policy: list[GpoSpec] = Field(default_factory=list)
    gpo_refresh: Duration = "90m"

    @model_validator(mode="after")
    def _possible(self) -> HostSpec:
        check_installation(self.os, self.edition, self.architecture, self.server_core)
        for entry in self.dotnet:
            parse_dotnet(entry)
        return self


# -- network -----------------------------------------------------------------------------------------
class CredentialPairSpec(Strict):
    user: str
    password: str


class ProxySpec(Strict):
    address: str
    port: int = Field(8080, ge=1, le=65535)
    user: str | None = None
    password: str | None = None
    credentials: list[CredentialPairSpec] = Field(
        default_factory=list, description="more accounts the proxy accepts"
    )
    require_credentials: bool | None = Field(None, description="default: when it has accounts")
    allow: list[str] = Field(
        default_factory=lambda: ["*"], description="destinations it forwards to: glob[:port]"
    )

    def accounts(self) -> dict[str, str]:
        out = {c.user: c.password for c in self.credentials}
        if self.user is not None:
            out = {self.user: self.password or "", **out}
        return out


class DnsRecordSpec(Strict):
    name: str
    target: str


class NetworkSpec(Strict):
    proxy: ProxySpec | None = None
    proxies: list[ProxySpec] = Field(default_factory=list)
    direct_internet: bool = True
    dns: list[DnsRecordSpec] = Field(default_factory=list, description="extra internal records")
    autodiscover: bool = Field(True, description="autodiscover.<smtp domain> points at a CAS")
    lan_rtt: float = Field(0.002, ge=0, le=60, description="seconds")
    internet_rtt: float = Field(0.12, ge=0, le=60, description="seconds")

    def all_proxies(self) -> list[ProxySpec]:
        return ([self.proxy] if self.proxy else []) + list(self.proxies)


# -- faults -------------------------------------------------------------------------------------------
def _fault_model(kind: type[FaultKind]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "kind": (Literal[kind.name], ...),  # type: ignore[valid-type]
        "at": (TimePoint, Field(description="from the start (2h) or an aware time")),
        "until": (TimePoint | None, Field(None, description="when it ends; never when unset")),
    }
    for name, param in kind.params.items():
        typ: Any = Literal[param.choices] if param.choices else param.type  # type: ignore[valid-type]
        if param.required:
            fields[name] = (typ, Field(description=param.help or None))
        else:
            fields[name] = (typ | None, Field(None, description=param.help or None))
    model = create_model(  # type: ignore[call-overload]
        "Fault_" + kind.name, __base__=Strict, __doc__=kind.description, **fields
    )
    # importable by name, so that a scenario with faults pickles into `--workers` processes
    globals()[model.__name__] = model
    return model


FAULT_MODELS: dict[str, type[BaseModel]] = {
    name: _fault_model(kind) for name, kind in sorted(FAULT_KINDS.items())
}


def _known_kind(v: Any) -> Any:
    """Name the fault kinds (and the closest one) instead of pydantic's tag error."""
    if isinstance(v, dict):
        kinds = sorted(FAULT_KINDS)
        if "kind" not in v:
            raise ValueError(f"a fault needs 'kind: <fault kind>' ({', '.join(kinds)})")
        if not isinstance(v["kind"], str) or v["kind"] not in FAULT_KINDS:
            close = difflib.get_close_matches(str(v["kind"]), kinds, n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ValueError(f"unknown fault kind {str(v['kind'])[:60]!r} (kinds: {', '.join(kinds)}){hint}")
    return v


FaultSpec = Annotated[
    Annotated[
        functools.reduce(operator.or_, FAULT_MODELS.values()),  # type: ignore[arg-type]
        Field(discriminator="kind"),
    ],
    BeforeValidator(_known_kind),
]


def fault_params(fault: BaseModel) -> dict[str, Any]:
    """The parameters of a validated fault entry (without kind, at, until)."""
    return {
        k: v
        for k, v in fault.model_dump().items()
        if k not in ("kind", "at", "until") and v is not None
    }


__all__ = [
    "AdminSpec",
    "ComputerSpec",
    "ConditionalAccessSpec",
    "Duration",
    "EnrolmentSpec",
    "FAULT_MODELS",
    "FaultSpec",
    "GroupSpec",
    "HostSpec",
    "NetworkSpec",
    "ProxySpec",
    "Strict",
    "TenantSpec",
    "TimePoint",
    "fault_params",
    "seconds_from_start",
]
