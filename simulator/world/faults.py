"""Faults as a typed timeline (DESIGN "Faults are strategies in a registry").

Each fault kind is one small class registered by name, as Toxiproxy has one file per toxic:
it declares the parameters it takes (type, required or not, matched as a pattern, secret)
and what it does. A scheduled fault has a start and an optional end on the simulated clock.

The world's models ask `active(kind, at, **query)` at the **virtual time of every call**, so
a fault that begins in the middle of a job hits the rest of that job. Faults that change
state (a password changed, a proxy moved) are read the same way — the model consults the
timeline for the effective password or address — so they take effect exactly at their
start, deterministically, with no process racing the job that observes them. The few kinds
that are *events* rather than conditions (`service_restart`) say so with `instant` and act
through `on_start`, called by the world's fault-edge process at their start time.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

FAULT_KINDS: dict[str, type[FaultKind]] = {}


@dataclass(frozen=True)
class Param:
    """One parameter of a fault kind."""

    type: type = str
    required: bool = False
    pattern: bool = False  # a case-insensitive glob (`*.manage.microsoft.com`) matched to queries
    secret: bool = False  # a value that must never reach the trace
    choices: tuple[str, ...] = ()
    help: str = ""


class FaultWorld(Protocol):
    """What an instant fault may act on (the `World`, seen structurally to avoid an import)."""

    network: Any  # the world's network model (DNS records among it)

    def restart_services(self, host: str, service: str | None) -> None: ...


class FaultKind:
    """One kind of fault; subclasses say what they target and what parameters they take."""

    name: ClassVar[str]
    params: ClassVar[dict[str, Param]] = {}
    description: ClassVar[str] = ""
    instant: ClassVar[bool] = False  # an event at `at`; `until` is meaningless

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        FAULT_KINDS[cls.name] = cls

    @classmethod
    def check(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Validate and coerce parameters; the message names the parameter and what it takes."""
        unknown = sorted(set(params) - set(cls.params))
        if unknown:
            allowed = ", ".join(sorted(cls.params)) or "none"
            raise ValueError(
                f"fault {cls.name} does not take {', '.join(unknown)} (parameters: {allowed})"
            )
        out: dict[str, Any] = {}
        for key, spec in cls.params.items():
            value = params.get(key)
            if value is None:
                if spec.required:
                    raise ValueError(f"fault {cls.name} needs the parameter {key}")
                continue
            if spec.type in (int, float) and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise ValueError(f"fault {cls.name}: {key} must be a number, found {value!r}")
            if spec.type is str and not isinstance(value, str):
                raise ValueError(f"fault {cls.name}: {key} must be text, found {value!r}")
            value = spec.type(value)
            if spec.choices and value not in spec.choices:
                raise ValueError(
                    f"fault {cls.name}: {key} must be one of {', '.join(spec.choices)}, found {value!r}"
                )
            out[key] = value
        return out

    @classmethod
    def matches(cls, params: dict[str, Any], query: dict[str, Any]) -> bool:
        """Does a fault with `params` hit a call described by `query`? An unset parameter hits
        everything; a pattern parameter is a glob; other values compare case-insensitively."""
        for key, asked in query.items():
            if key not in cls.params:
                raise ValueError(f"fault {cls.name} has no parameter {key!r} to match on")
            wanted = params.get(key)
            if wanted in (None, ""):
                continue
            if cls.params[key].pattern:
                if not fnmatch.fnmatchcase(str(asked).lower(), str(wanted).lower()):
                    return False
            elif str(wanted).lower() != str(asked).lower():
                return False
        return True

    @classmethod
    def prepare(cls, world: FaultWorld, params: dict[str, Any]) -> None:
        """What the world must already hold for this fault to be the real event (a moved
        proxy's new name is in DNS before the move): called once for every fault, when the
        world is built for the scheduled ones and when a step starts one. Nothing by default."""

    @classmethod
    def on_start(cls, world: FaultWorld, fault: Fault) -> None:
        """What an instant fault does at its start; conditions do nothing here."""


# -- Exchange ------------------------------------------------------------------------------------
class ExchangeDown(FaultKind):
    name = "exchange_down"
    params = {"server": Param(pattern=True, help="server name; all servers when unset")}
    description = "An Exchange server stops answering remote PowerShell (all when none is named)."


class Throttling(FaultKind):
    """Tightens the Exchange throttling budget of an account (the Exchange twin applies it).

    The parameters mirror the throttling policy's PowerShell settings (Exchange 2010 fallback
    policy: PowerShellMaxConcurrency 18, reference/connector-behaviour.md S20)."""

    name = "throttling"
    params = {
        "account": Param(help="DOMAIN\\user whose budget is tightened; every account when unset"),
        "server": Param(pattern=True, help="the server enforcing it; every server when unset"),
        "max_concurrency": Param(int, help="PowerShellMaxConcurrency: open runspaces"),
        "max_cmdlets": Param(int, help="PowerShellMaxCmdlets within `period`"),
        "period": Param(float, help="PowerShellMaxCmdletsTimePeriod, seconds"),
    }
    description = "Exchange throttles an account harder than its policy says."


# -- Intune and the Internet ---------------------------------------------------------------------
class IntuneUnreachable(FaultKind):
    name = "intune_unreachable"
    params = {}
    description = "The Intune service's endpoints stop answering, from everywhere."


class CertificateExpired(FaultKind):
    """`account`: the package's WindowsIntune.accountcert is past its expiry, so registration
    is refused. `connector`: the registered connector's credential has expired, so every
    authenticated call is refused until the connector is configured again."""

    name = "certificate_expired"
    params = {"certificate": Param(choices=("account", "connector"))}
    description = "A certificate the tenant trusts expires early (the account one when unset)."


class DnsFailure(FaultKind):
    name = "dns_failure"
    params = {"name": Param(pattern=True, help="a name or glob; every name when unset")}
    description = "A DNS name stops resolving."


class Latency(FaultKind):
    name = "latency"
    params = {
        "target": Param(pattern=True, help="host name or glob; everything when unset"),
        "seconds": Param(float, required=True, help="extra round-trip time"),
    }
    description = "Extra round-trip time to a target."


# -- proxies -------------------------------------------------------------------------------------
class ProxyDown(FaultKind):
    name = "proxy_down"
    params = {"address": Param(pattern=True, help="the proxy's address; every proxy when unset")}
    description = "The proxy refuses connections."


class ProxyCredentialsChanged(FaultKind):
    name = "proxy_credentials_changed"
    params = {
        "address": Param(pattern=True, help="the proxy; every proxy when unset"),
        "user": Param(help="the account whose password changes; the proxy's first when unset"),
        "password": Param(required=True, secret=True),
    }
    description = "The password the proxy accepts for an account changes (the account rotates it)."


class ProxyMoved(FaultKind):
    name = "proxy_moved"
    params = {
        "address": Param(required=True, help="the proxy's old address"),
        "to_address": Param(required=True, help="its new address"),
        "to_port": Param(int, help="its new port; the old one when unset"),
    }
    description = "The proxy moves to a new address or port; nothing listens at the old one."

    @classmethod
    def prepare(cls, world: FaultWorld, params: dict[str, Any]) -> None:
        world.network.add_record(params["to_address"], params["to_address"])


# -- Active Directory ----------------------------------------------------------------------------
_ACCOUNT = Param(required=True, help="DOMAIN\\user or UPN")


class AccountLocked(FaultKind):
    name = "account_locked"
    params = {"account": _ACCOUNT}
    description = "The account is locked out (until the fault ends: an administrator unlocks it)."


class AccountDisabled(FaultKind):
    name = "account_disabled"
    params = {"account": _ACCOUNT}
    description = "The account is disabled."


class PasswordExpired(FaultKind):
    name = "password_expired"
    params = {"account": _ACCOUNT}
    description = "The account's password has expired and must be changed."


class PasswordChanged(FaultKind):
    name = "password_changed"
    params = {"account": _ACCOUNT, "password": Param(required=True, secret=True)}
    description = "The account's password is changed; the old one stops working."


# -- hosts -----------------------------------------------------------------------------------------
class ServiceRestart(FaultKind):
    """A restart of Windows services at one instant (patching, an operator): a service whose
    account lost "Log on as a service" fails to start again (events 7041 / 7000, C07)."""

    name = "service_restart"
    params = {
        "host": Param(required=True),
        "service": Param(help="the service's short name; every running service when unset"),
    }
    description = "Windows services on a host are restarted."
    instant = True

    @classmethod
    def on_start(cls, world: FaultWorld, fault: Fault) -> None:
        world.restart_services(fault.params["host"], fault.params.get("service"))


# -- the timeline ----------------------------------------------------------------------------------
@dataclass
class Fault:
    kind: str
    start: float  # simulated seconds from the clock's start
    end: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    index: int = 0  # position in the timeline, so traces can name it

    def active_at(self, seconds: float) -> bool:
        return self.start <= seconds and (self.end is None or seconds < self.end)

    @property
    def spec(self) -> type[FaultKind]:
        return FAULT_KINDS[self.kind]

    def secrets(self) -> list[str]:
        return [str(v) for k, v in self.params.items() if self.spec.params[k].secret]


class FaultTimeline:
    """Scheduled faults; `origin` maps aware datetimes to the timeline's seconds."""

    def __init__(self, origin: datetime | None = None) -> None:
        self.origin = origin
        self.faults: list[Fault] = []

    def schedule(self, kind: str, start: float, end: float | None = None, **params: Any) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r}; known: {', '.join(sorted(FAULT_KINDS))}"
            )
        spec = FAULT_KINDS[kind]
        if end is not None and end <= start:
            raise ValueError(f"fault {kind}: until must come after at")
        if spec.instant and end is not None:
            raise ValueError(f"fault {kind} happens at one instant; it takes no until")
        fault = Fault(kind, start, end, spec.check(dict(params)), len(self.faults))
        self.faults.append(fault)
        return fault

    def seconds(self, at: float | datetime) -> float:
        if isinstance(at, datetime):
            if self.origin is None:
                raise ValueError("this timeline has no origin to place a datetime on")
            return (at - self.origin).total_seconds()
        return at

    def active(self, kind: str, at: float | datetime, **query: Any) -> Fault | None:
        """The first fault of `kind` active at `at` that hits a call described by `query`."""
        candidates = [f for f in self.faults if f.kind == kind]
        if not candidates:
            return None
        seconds = self.seconds(at)
        for fault in candidates:
            if not fault.active_at(seconds):
                continue
            if fault.spec.matches(fault.params, query):
                return fault
        return None

    def all_active(self, kind: str, at: float | datetime, **query: Any) -> list[Fault]:
        candidates = [f for f in self.faults if f.kind == kind]
        if not candidates:
            return []
        seconds = self.seconds(at)
        return [f for f in candidates if f.active_at(seconds) and f.spec.matches(f.params, query)]

    def edges(self) -> list[tuple[float, str, Fault]]:
        """Every start and end in time order (ends before starts at the same instant, then by
        position), for the process that traces them."""
        out: list[tuple[float, int, int, str, Fault]] = []
        for f in self.faults:
            out.append((f.start, 1, f.index, "start", f))
            if f.end is not None:
                out.append((f.end, 0, f.index, "end", f))
        return [(t, edge, f) for t, _, _, edge, f in sorted(out, key=lambda e: e[:3])]
