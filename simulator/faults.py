"""Faults as a typed timeline (DESIGN "Faults are strategies in a registry").

Each fault kind is one small class registered by name, with the parameters it accepts.
A scheduled fault has a start and an optional end on the simulated clock; the world's models
ask `active(kind, at, **match)` at the virtual time of every call, so a fault that begins in
the middle of a job affects the rest of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

FAULT_KINDS: dict[str, type[FaultKind]] = {}


class FaultKind:
    """One kind of fault; subclasses say what they target and what parameters they take."""

    name: ClassVar[str]
    params: ClassVar[dict[str, type]] = {}
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        FAULT_KINDS[cls.name] = cls

    @classmethod
    def check(cls, params: dict[str, Any]) -> dict[str, Any]:
        unknown = set(params) - set(cls.params)
        if unknown:
            allowed = ", ".join(sorted(cls.params)) or "none"
            raise ValueError(
                f"fault {cls.name} does not take {', '.join(sorted(unknown))} (parameters: {allowed})"
            )
        return params


class ExchangeDown(FaultKind):
    name = "exchange_down"
    params = {"server": str}
    description = "An Exchange server stops answering (all servers when none is named)."


class IntuneUnreachable(FaultKind):
    name = "intune_unreachable"
    params = {}
    description = "The Intune service cannot be reached from anywhere."


class ProxyDown(FaultKind):
    name = "proxy_down"
    params = {"address": str}
    description = "The proxy refuses connections."


class DnsFailure(FaultKind):
    name = "dns_failure"
    params = {"name": str}
    description = "A DNS name (every name when none is given) stops resolving."


class Latency(FaultKind):
    name = "latency"
    params = {"target": str, "seconds": float}
    description = "Extra round-trip time to a target (host name pattern, or everything)."


@dataclass
class Fault:
    kind: str
    start: float  # simulated seconds
    end: float | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def active_at(self, seconds: float) -> bool:
        return self.start <= seconds and (self.end is None or seconds < self.end)


class FaultTimeline:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def schedule(self, kind: str, start: float, end: float | None = None, **params: Any) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r}; known: {', '.join(sorted(FAULT_KINDS))}"
            )
        fault = Fault(kind, start, end, FAULT_KINDS[kind].check(dict(params)))
        self.faults.append(fault)
        return fault

    def active(self, kind: str, at: float, **match: Any) -> Fault | None:
        """The first fault of `kind` active at `at` whose parameters match (unset matches all)."""
        for fault in self.faults:
            if fault.kind != kind or not fault.active_at(at):
                continue
            if all(
                fault.params.get(k) in (None, "") or str(fault.params[k]).lower() == str(v).lower()
                for k, v in match.items()
            ):
                return fault
        return None
