"""The World: everything a scenario runs in, built from its `world:` section and a seed.

One simulated clock, one trace, one fault timeline; seeded generators (`random.Random` per
purpose, derived from the seed by name, and a seeded `Faker`) so that the same scenario and
seed give the same organisation, ids and trace; Active Directory, the hosts, the network,
the Exchange organisation and the Intune tenant.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from datetime import datetime
from typing import Any, Protocol

from faker import Faker

from simulator.exchange.build import build_exchange
from simulator.exchange.observe import LazyMap, observe_exchange
from simulator.exchange.organizations import Organizations, further_organisations
from simulator.exchange.population import gc_paused
from simulator.intune.access import governable
from simulator.intune.api import IntuneApi
from simulator.intune.build import build_intune
from simulator.intune.console import AdminConsole
from simulator.intune.registration import ENDPOINT
from simulator.world.assembly import (
    build_directory,
    build_ews,
    build_groups,
    build_hosts,
    build_network,
)
from simulator.world.clock import SimClock
from simulator.world.config.base import seconds_from_start
from simulator.world.config.faults import fault_params
from simulator.world.config.world import WorldSpec
from simulator.world.directory import Directory
from simulator.world.faults import FaultTimeline
from simulator.world.host import SimHost
from simulator.world.network import Network
from simulator.world.processes import add_world_processes
from simulator.world.trace import Trace


class World:
    """The world a scenario runs in: built once from its configuration (the parts by
    `world/assembly.py`, the organisations by `exchange/build.py`, the tenant by
    `intune/build.py`), then asked questions by the adapters and observed by expectations."""

    def __init__(
        self,
        spec: WorldSpec,
        seed: int,
        start: datetime,
        profile: str = "2016",
        faults: list[Any] | None = None,
    ) -> None:
        self.spec = spec
        self.seed = seed
        self.profile = profile
        self.clock = SimClock(start)
        self.trace = Trace(self.clock.now)
        self.faults = FaultTimeline(self.clock.start)
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.directory = Directory(self.faults, self.clock)
        self.network = Network(self.faults)
        self.hosts: dict[str, SimHost] = {}
        self.http_services: dict[str, Any] = {}
        self._processes: list[Generator[Any, Any, None]] = []
        # everything built here lives as long as the world: no collector scans while it is
        # built, nor right after (population.gc_paused)
        with gc_paused(freeze=True):
            self._schedule_faults(faults or [])
            build_directory(self)
            self._build_exchange()
            build_groups(self)
            self._build_intune()
            build_network(self)
            build_ews(self)
            build_hosts(self)
            add_world_processes(self)

    def rng(self, purpose: str) -> random.Random:
        """A generator for one purpose, independent of the draws made for any other."""
        return random.Random(f"{self.seed}:{purpose}")

    # -- building ---------------------------------------------------------------------------
    def _schedule_faults(self, faults: list[Any]) -> None:
        """Place the scenario's `faults:` on the timeline (validated by the loader)."""
        for fault in faults:
            start = seconds_from_start(fault.at, self.clock.start)
            end = None if fault.until is None else seconds_from_start(fault.until, self.clock.start)
            scheduled = self.faults.schedule(fault.kind, start, end, **fault_params(fault))
            for secret in scheduled.secrets():
                self.trace.add_secret(secret)

    def _build_exchange(self) -> None:
        """The Exchange organisation, its population and (unless switched off) the fleet
        process that gives the devices a life (simulator/exchange/build.py)."""
        built = build_exchange(
            self.spec,
            self.directory,
            self.clock,
            self.rng,
            self.faker,
            self.domain,
            self.trace.emit,
        )
        self.org = built.org
        self.fleet = built.fleet
        further = further_organisations(
            self.spec, self.directory, self.clock, self.rng, self.faker, self.trace.emit
        )
        self.organizations = Organizations([built, *further])
        self.licensed = [upn for b in self.organizations.built for upn in b.licensed]
        forests = {o.name: self.directory.domain(o.domain).forest for o in self.organizations}
        for each in self.organizations.built:
            org = each.org
            org.throttling.tightened = self._throttling_fault
            # an account's role groups are its own forest's organisation's (organizations.py)
            org.other_forests = frozenset(f for n, f in forests.items() if n != org.name)
            if each.fleet is not None:
                self.add_process(each.fleet.process(self.clock.env))

    def _throttling_fault(self, account: str, server: str, at: float) -> dict[str, Any] | None:
        """The parameters of a `throttling` fault hitting `account` on `server` at `at`."""
        fault = self.faults.active("throttling", at, account=account, server=server)
        return dict(fault.params) if fault is not None else None

    def _build_intune(self) -> None:
        """The Intune tenant (simulator/intune/build.py), its admin console and its API at
        Intune's address."""
        self.intune = build_intune(
            self.spec.tenant,
            self.profile,
            self.rng("intune"),
            self.faults,
            self.clock.now,
            self.directory,
            self.licensed,
            self.trace.add_secret,
        )
        self.console = AdminConsole(self.intune)
        self.http_services[ENDPOINT.split("//", 1)[1]] = IntuneApi(self.intune)

    def restart_services(self, host: str, service: str | None) -> None:
        """Restart a host's services (all running ones when none is named): the
        `service_restart` fault."""
        target = self.host(host)
        names = (
            [service]
            if service
            else sorted(n for n, s in target.services.items() if s.state == "Running")
        )
        for name in names:
            started, event_id, _ = target.restart_service(name, self.clock.iso())
            self.trace.emit(
                "service.restart",
                host=target.name,
                service=name,
                started=started,
                event_id=event_id,
            )

    # -- processes -------------------------------------------------------------------------------
    def processes(self) -> list[Generator[Any, Any, None]]:
        """The world's own simpy processes (device life, directory sync, fault edges...), which
        the runner starts beside the scenario's steps. Each model contributes its own."""
        return list(self._processes)

    def add_process(self, process: Generator[Any, Any, None]) -> None:
        self._processes.append(process)

    # -- questions the adapters ask ---------------------------------------------------------------
    def exchange_server_up(self, name: str) -> bool:
        return self.faults.active("exchange_down", self.clock.seconds, server=name) is None

    def host(self, name: str | None) -> SimHost:
        if name is None:
            if not self.hosts:
                raise KeyError("the world has no hosts (world.hosts is empty)")
            return next(iter(self.hosts.values()))
        try:
            return self.hosts[name.upper()]
        except KeyError:
            raise KeyError(f"no host named {name!r}; hosts: {', '.join(self.hosts)}") from None

    # -- observation ---------------------------------------------------------------------------------
    def expected_inventory(self) -> list[str]:
        """What Intune should hold after its last successful sync: the EAS devices of targeted
        users that Exchange had when that sync opened. A partnership created later waits for
        the next sync (a newly set-up device is reported at the next quick or full sync,
        reference/connector-behaviour.md §1, S3/S5), so it is not yet expected — the fleet
        keeps making new ones while a run goes on. The cut-off of each organisation is the
        latest such sync among the active connections that serve it; an organisation no
        connection has synced yet has none (every device is expected, as after a full sync)."""
        targeted = set(self.intune.targeted_users())
        cutoff = self._synced_as_of()
        return sorted(
            d.device_id.lower()
            for mb in self.organizations.mailboxes()
            if mb.primary_smtp.lower() in targeted
            for d in mb.devices
            if d.client_type == "EAS"
            and d.when_created < cutoff.get(mb.organization.lower(), float("inf"))
        )

    def _synced_as_of(self) -> dict[str, float]:
        """Organisation (lower-case name) → when the last successful sync serving it opened."""
        out: dict[str, float] = {}
        for record in self.intune.active_connectors():
            started = record.last_successful_sync_started
            if started is None:
                continue
            key = record.organization.lower()
            out[key] = max(out.get(key, float("-inf")), self.clock.to_seconds(started))
        return out

    def expected_targeted_users(self) -> list[str]:
        """The Intune-licensed users conditional access should target, from Active Directory
        itself (nested group membership as built) rather than Intune's synchronised copy:
        what a scenario compares `intune.targeted_users` with, whatever its seed drew."""
        licensed = self.intune.tenant.licensed("intune")
        access = self.intune.access
        if not access.enabled:
            return sorted(licensed)
        directory = self.directory
        out = []
        for upn in licensed:
            user = directory.by_upn(upn)
            if user is not None and access.targets(tuple(directory.memberships(user))):
                out.append(upn)
        return sorted(out)

    def expected(self) -> dict[str, Any]:
        """The `expected` root of observations: what the world as built says Intune should
        hold — facts of the world, so that an expectation holds at any seed (issue 13)."""
        ids = self.expected_inventory()
        types = {d.device_id.lower(): d.device_type for d in self.org.devices()}
        decidable = [i for i in ids if governable({"deviceType": types.get(i, "")})]
        ungoverned = sorted(set(ids) - set(decidable))
        targeted = self.expected_targeted_users()
        return {
            "inventory": {
                "count": len(ids),
                "device_ids": ids,
                # conditional access can decide these devices (C30: not the Outlook app's)
                "governable": {"count": len(decidable), "device_ids": decidable},
                "ungoverned": {"count": len(ungoverned), "device_ids": ungoverned},
            },
            "targeted_users": {"count": len(targeted), "upns": targeted},
        }

    def observe_exchange(self) -> dict[str, Any]:
        """`exchange.*`: the first organisation, as ever, and `exchange.organizations.<name>.*`
        each organisation (the first included) under its own name."""
        observed = self._observe_organization(self.org.name)
        observed["organizations"] = LazyMap(
            self.organizations.names(), lambda name: self._observe_organization(name)
        )
        return observed

    def _observe_organization(self, name: str) -> dict[str, Any]:
        org = self.organizations.named(name)
        assert org is not None
        observed = observe_exchange(org, self.organizations.fleet_of(org), self.clock.seconds)
        observed["notifications"] = [
            {
                "time": m.time,
                "from": m.sender,
                "to": m.to,
                "subject": m.subject,
                "delivered": m.delivered,
            }
            for m in self.ews_of[name].delivered
        ]
        return observed


class WorldSource(Protocol):
    """What a world is built from: a scenario as the language defines it fits this, and so
    does anything else carrying a world's configuration, a seed, a start and faults — the
    world needs nothing else of the language."""

    @property
    def world(self) -> WorldSpec: ...
    @property
    def seed(self) -> int: ...
    @property
    def start(self) -> datetime: ...
    @property
    def profile(self) -> str: ...
    @property
    def faults(self) -> list[Any]: ...


def build_world(scenario: WorldSource, seed: int | None = None) -> World:
    return World(
        scenario.world,
        scenario.seed if seed is None else seed,
        scenario.start,
        scenario.profile,
        scenario.faults,
    )
