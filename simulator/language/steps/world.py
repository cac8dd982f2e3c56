"""Steps of the world changing under the connector: faults starting now, proxies, Exchange
servers, DNS records and Group Policy.

A fault step puts a fault on the same timeline as the scenario's `faults:` section, starting
at the step's moment (`lasting` makes it end by itself), so the models read it exactly as
they read a scheduled fault — this module adds no fault logic of its own. Its start and end
are traced as `fault.start` / `fault.end` like the timeline's. The named steps are the
common ones, spelled the way people say them: `proxy_moved`, `proxy_password_changed`,
`server_down` / `server_up`; `fault` takes any kind of `simulator/faults.py` with its
parameters. DNS records and GPOs are state, not faults: `remove_dns_record` /
`add_dns_record` change the internal zone; `link_gpo` links (or edits) a GPO that defines
"Log on as a service" and applies it at once, as `gpupdate /force` would (C07).
"""

from __future__ import annotations

import difflib
from collections.abc import Generator
from typing import Any, Literal

from pydantic import Field, model_validator

from simulator.language.steps.base import StepBase, StepError, StepRunner, duration_field, step
from simulator.world.durations import parse_duration
from simulator.world.faults import FAULT_KINDS, Fault
from simulator.world.host import GroupPolicy

FAMILY = "world"


def start_fault(run: StepRunner, kind: str, lasting: str | None, **params: Any) -> Fault:
    """Put a fault of `kind` on the timeline from now (for `lasting`, or until ended)."""
    world = run.world
    now = world.clock.seconds
    end = now + parse_duration(lasting) if lasting else None
    fault = world.faults.schedule(kind, now, end, **params)
    fault.spec.prepare(world, fault.params)
    for secret in fault.secrets():
        world.trace.add_secret(secret)
    world.trace.emit("fault.start", fault=fault.kind, index=fault.index, params=fault.params)
    fault.spec.on_start(world, fault)
    if end is not None:
        run.env.process(_end_at(run, fault, end))
    return fault


def _end_at(run: StepRunner, fault: Fault, end: float) -> Generator[Any, Any, None]:
    yield run.env.timeout(max(0.0, end - run.env.now))
    if fault.end == end:  # not ended earlier by a step
        run.world.trace.emit("fault.end", fault=fault.kind, index=fault.index, params=fault.params)


def end_faults(run: StepRunner, kind: str, **query: Any) -> list[Fault]:
    """End now every active fault of `kind` that hits `query`; the faults ended."""
    world = run.world
    now = world.clock.seconds
    ended = world.faults.all_active(kind, now, **query)
    for fault in ended:
        fault.end = now
        world.trace.emit("fault.end", fault=fault.kind, index=fault.index, params=fault.params)
    return ended


class FaultStep(StepBase):
    """Start a fault of any kind now (see `faults:`), for `lasting` or for good."""

    do: Literal["fault"]
    kind: str
    lasting: str | None = Field(None, description="e.g. 2h; the fault holds for good when unset")
    params: dict[str, Any] = Field(default_factory=dict, description="the kind's parameters")

    _lasting = duration_field("lasting")

    @model_validator(mode="after")
    def _known(self) -> FaultStep:
        kinds = sorted(FAULT_KINDS)
        if self.kind not in FAULT_KINDS:
            close = difflib.get_close_matches(self.kind, kinds, n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ValueError(f"unknown fault kind '{self.kind}' (kinds: {', '.join(kinds)}){hint}")
        spec = FAULT_KINDS[self.kind]
        if spec.instant and self.lasting is not None:
            raise ValueError(f"{self.kind} happens at one instant; drop lasting")
        spec.check(dict(self.params))
        return self


@step(FaultStep, FAMILY)
def fault(s: FaultStep, run: StepRunner) -> None:
    start_fault(run, s.kind, s.lasting, **s.params)


class ProxyMoved(StepBase):
    """The proxy moves to a new address (and port); the connector keeps its snapshot of the
    old one until it is reconfigured (R4.6, C20)."""

    do: Literal["proxy_moved"]
    address: str = Field(description="the proxy's address now")
    to_address: str
    to_port: int | None = Field(None, ge=1, le=65535)


@step(ProxyMoved, FAMILY)
def proxy_moved(s: ProxyMoved, run: StepRunner) -> None:
    params: dict[str, Any] = {"address": s.address, "to_address": s.to_address}
    if s.to_port is not None:
        params["to_port"] = s.to_port
    start_fault(run, "proxy_moved", None, **params)


class ProxyPasswordChanged(StepBase):
    """The password of the proxy's account is rotated; the connector keeps sending the old
    one (R4.6, C20)."""

    do: Literal["proxy_password_changed"]
    password: str
    address: str | None = Field(None, description="the proxy; every proxy when unset")
    user: str | None = Field(None, description="the account; the proxy's first when unset")


@step(ProxyPasswordChanged, FAMILY)
def proxy_password_changed(s: ProxyPasswordChanged, run: StepRunner) -> None:
    params = {k: v for k, v in (("address", s.address), ("user", s.user)) if v is not None}
    start_fault(run, "proxy_credentials_changed", None, password=s.password, **params)


class ServerDown(StepBase):
    """An Exchange server stops answering (all of them when none is named)."""

    do: Literal["server_down"]
    server: str | None = None
    lasting: str | None = Field(None, description="until server_up when unset")

    _lasting = duration_field("lasting")


class ServerUp(StepBase):
    """The Exchange server (all of them when none is named) answers again."""

    do: Literal["server_up"]
    server: str | None = None


def _server(run: StepRunner, name: str | None) -> str | None:
    if name is None:
        return None
    found = run.world.organizations.server(name)
    if found is None:
        names = ", ".join(x.name for x in run.world.organizations.servers())
        raise StepError(f"no Exchange server '{name}' (servers: {names})")
    return found[1].name


@step(ServerDown, FAMILY)
def server_down(s: ServerDown, run: StepRunner) -> None:
    server = _server(run, s.server)
    start_fault(run, "exchange_down", s.lasting, **({"server": server} if server else {}))


@step(ServerUp, FAMILY)
def server_up(s: ServerUp, run: StepRunner) -> None:
    server = _server(run, s.server)
    query = {"server": server} if server else {}
    if not end_faults(run, "exchange_down", **query):
        raise StepError(f"{server or 'no Exchange server'} is down")


class RemoveDnsRecord(StepBase):
    """A record is removed from the internal DNS zone (e.g. autodiscover.<domain>, R4.4)."""

    do: Literal["remove_dns_record"]
    name: str


class AddDnsRecord(StepBase):
    """A record is added to the internal DNS zone (a name pointing at a host or another name)."""

    do: Literal["add_dns_record"]
    name: str
    target: str


@step(RemoveDnsRecord, FAMILY)
def remove_dns_record(s: RemoveDnsRecord, run: StepRunner) -> None:
    network = run.world.network
    if s.name.lower() not in network.dns:
        raise StepError(f"there is no DNS record '{s.name}'")
    network.remove_record(s.name)
    run.world.trace.emit("dns.change", name=s.name.lower(), removed=True)


@step(AddDnsRecord, FAMILY)
def add_dns_record(s: AddDnsRecord, run: StepRunner) -> None:
    run.world.network.add_record(s.name, s.target)
    run.world.trace.emit("dns.change", name=s.name.lower(), target=s.target.lower())


class LinkGpo(StepBase):
    """Link (or edit) a GPO that defines "Log on as a service" on a host's domain, applied at
    once: accounts it does not list lose the right (the WIEC service then cannot start, C07)."""

    do: Literal["link_gpo"]
    host: str | None = None
    name: str
    logon_as_service: list[str] = Field(
        description=r"the accounts the GPO grants the right (.\WIEC_USER for the connector)"
    )


@step(LinkGpo, FAMILY)
def link_gpo(s: LinkGpo, run: StepRunner) -> None:
    world = run.world
    host = world.host(s.host)
    now = world.clock.seconds
    host.group_policies = [g for g in host.group_policies if g.name.lower() != s.name.lower()]
    host.group_policies.append(GroupPolicy(s.name, tuple(s.logon_as_service), now))
    lost = host.refresh_group_policy(now)
    world.trace.emit(
        "host.group_policy",
        host=host.name,
        applied=host.applied_policies,
        lost_logon_as_service=lost,
    )
