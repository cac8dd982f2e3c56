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
from typing import Any

from faker import Faker

from simulator.clock import SimClock
from simulator.directory import Directory, DirectoryUser
from simulator.exchange.build import build_exchange
from simulator.exchange.observe import observe_exchange
from simulator.faults import FaultTimeline
from simulator.host import SimHost
from simulator.intune.api import IntuneApi
from simulator.intune.console import AdminConsole
from simulator.intune.service import ENDPOINT, IntuneService
from simulator.network import Network, ProxyServer
from simulator.scenario import Scenario, WorldSpec
from simulator.trace import Trace

_OS_VERSIONS = {
    "Windows Server 2008": "6.0",
    "Windows Server 2008 R2": "6.1",
    "Windows Server 2012": "6.2",
    "Windows Server 2012 R2": "6.3",
    "Windows Server 2016": "10.0",
    "Windows Server 2003": "5.2",
    "Windows 10": "10.0",
    "Windows 7": "6.1",
}


class World:
    def __init__(self, spec: WorldSpec, seed: int, start: datetime, profile: str = "2016") -> None:
        self.spec = spec
        self.seed = seed
        self.profile = profile
        self.clock = SimClock(start)
        self.trace = Trace(self.clock.now)
        self.faults = FaultTimeline()
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.directory = Directory()
        self.network = Network(self.faults)
        self.hosts: dict[str, SimHost] = {}
        self.http_services: dict[str, Any] = {}
        self._processes: list[Generator[Any, Any, None]] = []
        self._build_directory()
        self._build_exchange()
        self._build_intune()
        self._build_network()
        self._build_hosts()

    def rng(self, purpose: str) -> random.Random:
        """A generator for one purpose, independent of the draws made for any other."""
        return random.Random(f"{self.seed}:{purpose}")

    # -- building ---------------------------------------------------------------------------
    def _build_directory(self) -> None:
        d = self.spec.directory
        self.domain = d.domain.lower()
        self.directory.add_domain(d.domain, d.netbios)
        for extra in d.extra_domains:
            self.directory.add_domain(extra.name, extra.netbios, extra.forest)
        for trust in d.trusts:
            self.directory.add_trust(trust.trusting, trust.trusted, trust.two_way)
        for acc in d.accounts:
            dom, sam = acc.name.split("\\", 1)
            domain = self.directory.domain(dom)
            if domain is None:
                raise ValueError(f"world.directory.accounts: {acc.name}: unknown domain {dom!r}")
            upn = acc.upn or f"{sam.lower()}@{domain.dns_name}"
            self.directory.add_user(
                DirectoryUser(
                    sam=sam,
                    domain=domain.dns_name,
                    upn=upn,
                    display_name=sam,
                    password=acc.password,
                    enabled=acc.enabled,
                    locked=acc.locked,
                    password_expired=acc.password_expired,
                    groups=list(acc.role_groups),
                )
            )
            self.trace.add_secret(acc.password)

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
        self.licensed = built.licensed
        if built.fleet is not None:
            self.add_process(built.fleet.process(self.clock.env))

    def _build_intune(self) -> None:
        t = self.spec.tenant
        self.intune = IntuneService(
            self.rng("intune"), t.name, t.mdm_authority, t.directory_sync, self.profile
        )
        self.intune.admins = {a.lower() for a in t.admins}
        self.intune.licensed = {u.lower() for u in self.licensed}
        self.console = AdminConsole(self.intune)
        self.http_services[ENDPOINT.split("//", 1)[1]] = IntuneApi(self.intune)

    def _build_network(self) -> None:
        net = self.spec.network
        self.network.internal_domains = sorted(self.directory.domains)
        for server in self.org.servers:
            self.network.add_record(server.fqdn, server.fqdn)
        for array in self.org.cas_arrays:
            self.network.add_record(array if "." in array else f"{array}.{self.domain}", array)
        self.network.add_internet_name("manage.microsoft.com")
        self.network.add_internet_name("*.manage.microsoft.com")
        self.network.direct_internet = net.direct_internet
        if net.proxy:
            p = net.proxy
            self.network.add_proxy(
                ProxyServer(p.address, p.port, p.user, p.password, list(p.allow))
            )
            self.network.add_record(
                p.address if "." in p.address else f"{p.address}.{self.domain}", p.address
            )
            self.network.add_record(p.address, p.address)
            self.trace.add_secret(p.password)

    def _build_hosts(self) -> None:
        rng = self.rng("hosts")
        for h in self.spec.hosts:
            dotnet = []
            for entry in h.dotnet:
                parts = entry.split()
                dotnet.append(
                    (
                        parts[0],
                        "Client"
                        if len(parts) > 1 and parts[1].lower().startswith("client")
                        else "Full",
                    )
                )
            host = SimHost(
                name=h.name.upper(),
                os_name=h.os,
                os_version=_OS_VERSIONS.get(h.os, "0.0"),
                service_pack=h.service_pack,
                architecture=h.architecture,
                server_core=h.server_core,
                cpu_ghz=h.cpu_ghz,
                ram_gb=h.ram_gb,
                free_disk_gb=h.free_disk_gb,
                dotnet=dotnet,
                powershell_version=h.powershell,
                domain=None if h.workgroup else (h.domain or self.domain).lower(),
                machine_key=rng.getrandbits(256).to_bytes(32, "big"),
                secure_folders=list(h.secure_folders),
                insecure_folders=list(h.insecure_folders),
            )
            self.hosts[host.name] = host
            self.network.add_record(host.fqdn, host.fqdn)

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
            return next(iter(self.hosts.values()))
        try:
            return self.hosts[name.upper()]
        except KeyError:
            raise KeyError(f"no host named {name!r}; hosts: {', '.join(self.hosts)}") from None

    # -- observation ---------------------------------------------------------------------------------
    def expected_inventory(self) -> list[str]:
        """What Intune should hold after a successful full sync: the EAS devices of targeted users."""
        targeted = set(self.intune.targeted_users())
        return sorted(
            d.device_id.lower()
            for mb in self.org.mailboxes
            if mb.primary_smtp.lower() in targeted
            for d in mb.devices
            if d.client_type == "EAS"
        )

    def observe_exchange(self) -> dict[str, Any]:
        return observe_exchange(self.org, self.fleet, self.clock.seconds)


def build_world(scenario: Scenario, seed: int | None = None) -> World:
    return World(
        scenario.world, scenario.seed if seed is None else seed, scenario.start, scenario.profile
    )
