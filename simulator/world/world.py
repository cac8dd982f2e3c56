"""The World: everything a scenario runs in, built from its `world:` section and a seed.

One simulated clock, one trace, one fault timeline; seeded generators (`random.Random` per
purpose, derived from the seed by name, and a seeded `Faker`) so that the same scenario and
seed give the same organisation, ids and trace; Active Directory, the hosts, the network,
the Exchange organisation and the Intune tenant.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any, Protocol

from faker import Faker

from simulator.exchange.build import build_exchange
from simulator.exchange.ews import ExchangeWebServices
from simulator.exchange.observe import LazyMap, observe_exchange
from simulator.exchange.organizations import Organizations, further_organisations
from simulator.exchange.population import gc_paused
from simulator.intune.access import ConditionalAccess, PlatformException, governable
from simulator.intune.api import IntuneApi
from simulator.intune.console import AdminConsole
from simulator.intune.service import ENDPOINT, IntuneService
from simulator.intune.tenant import Administrator
from simulator.world.accounts import DirectoryUser
from simulator.world.clock import SimClock
from simulator.world.config.base import seconds_from_start
from simulator.world.config.faults import fault_params
from simulator.world.config.world import WorldSpec
from simulator.world.directory import Directory
from simulator.world.durations import parse_duration
from simulator.world.faults import FaultTimeline
from simulator.world.host import GroupPolicy, SimHost, parse_dotnet, windows_release
from simulator.world.network import (
    INTUNE_DOMAINS,
    EgressRule,
    Firewall,
    Network,
    ProxyServer,
    WinHttpProxy,
)
from simulator.world.processes import add_world_processes
from simulator.world.trace import Trace


class World:
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
            self._build_directory()
            self._build_exchange()
            self._build_groups()
            self._build_intune()
            self._build_network()
            self._build_ews()
            self._build_hosts()
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

    def _build_directory(self) -> None:
        d = self.spec.directory
        self.domain = d.domain.lower()
        self.directory.add_domain(d.domain, d.netbios)
        self.directory.lockout_threshold = d.lockout_threshold
        for extra in d.extra_domains:
            self.directory.add_domain(extra.name, extra.netbios, extra.forest)
        for trust in d.trusts:
            self.directory.add_trust(trust.trusting, trust.trusted, trust.two_way, trust.kind)
        for group in d.groups:
            self.directory.add_group(group.name, group.domain or self.domain, group.description)
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
                    groups=list(acc.role_groups) + list(acc.groups),
                    mail=acc.mail,
                    password_expires=acc.password_expires,
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

    def _build_groups(self) -> None:
        """Group nesting and membership, once the population's users exist."""
        directory = self.directory
        accounts = {a.name.lower() for a in self.spec.directory.accounts}
        population = (  # listed only when a group draws members from it
            [u for u in directory.users() if directory.account_name(u).lower() not in accounts]
            if any(group.population for group in self.spec.directory.groups)
            else []
        )
        rng = self.rng("groups")
        for group in self.spec.directory.groups:
            for parent in group.member_of:
                directory.nest(group.name, parent)
            for member in group.members:
                directory.add_member(member, group.name)
            if group.population:
                for user in population:
                    if rng.random() < group.population:
                        directory.add_member(directory.account_name(user), group.name)

    def _throttling_fault(self, account: str, server: str, at: float) -> dict[str, Any] | None:
        """The parameters of a `throttling` fault hitting `account` on `server` at `at`."""
        fault = self.faults.active("throttling", at, account=account, server=server)
        return dict(fault.params) if fault is not None else None

    def _build_intune(self) -> None:
        t = self.spec.tenant
        self.intune = IntuneService(
            self.rng("intune"),
            t.name,
            t.mdm_authority,
            t.directory_sync,
            self.profile,
            faults=self.faults,
            clock=self.clock.now,
        )
        tenant = self.intune.tenant
        tenant.directory_sync_interval = parse_duration(t.directory_sync_interval)
        tenant.admin_sign_in = t.admin_sign_in
        tenant.exchange_online_connector = t.exchange_online_connector
        self.intune.end_of_support = t.end_of_support
        for a in t.admins:
            tenant.add_admin(
                Administrator(a.upn, a.password, tuple(a.roles), tuple(a.licences), a.mfa)
            )
            self.trace.add_secret(a.password)
        for upn in self.licensed:
            tenant.assign_licence(upn, "intune")
        tenant.licence_groups = {
            sku: [g.lower() for g in groups] for sku, groups in t.licence_groups.items()
        }
        self.intune.certificate_lifetime = timedelta(seconds=parse_duration(t.certificate_lifetime))
        ca = t.conditional_access
        if ca is not None:
            settings = ConditionalAccess(
                enabled=ca.enabled,
                included_groups=list(ca.included_groups),
                excluded_groups=list(ca.excluded_groups),
                unmanaged_access=ca.unmanaged_device_access,
                platform_exceptions=[
                    PlatformException(e.name, e.type, e.access) for e in ca.platform_exceptions
                ],
            )
            if ca.notification is not None:
                settings.notification_subject = (
                    ca.notification.subject or settings.notification_subject
                )
                settings.notification_body = ca.notification.body or settings.notification_body
            settings.validate()
            self.intune.access = settings
        if t.directory_sync:  # the directory has been synchronising long before the scenario
            tenant.synchronise(self.directory, self.clock.now())
        self.console = AdminConsole(self.intune)
        self.http_services[ENDPOINT.split("//", 1)[1]] = IntuneApi(self.intune)

    def _build_network(self) -> None:
        net = self.spec.network
        network = self.network
        network.internal_domains = sorted(self.directory.domains)
        network.lan_rtt, network.internet_rtt = net.lan_rtt, net.internet_rtt
        for server in self.organizations.servers():
            network.add_record(server.fqdn, server.fqdn)
        for org in self.organizations:
            for array in org.cas_arrays:
                network.add_record(array if "." in array else f"{array}.{org.domain}", array)
        for pattern in INTUNE_DOMAINS:
            network.add_internet_name(pattern)
        network.direct_internet = net.direct_internet
        for p in net.all_proxies():
            accounts = p.accounts()
            require = p.require_credentials if p.require_credentials is not None else bool(accounts)
            network.add_proxy(ProxyServer(p.address, p.port, accounts, require, list(p.allow)))
            network.add_record(
                p.address if "." in p.address else f"{p.address}.{self.domain}", p.address
            )
            network.add_record(p.address, p.address)
            for secret in accounts.values():
                self.trace.add_secret(secret)
        for fault in self.faults.faults:
            if fault.kind == "proxy_moved":  # the new address is in DNS before the move
                network.add_record(fault.params["to_address"], fault.params["to_address"])
        for org in self.organizations:
            cas = next((s for s in org.servers if s.is_client_access), None)
            if net.autodiscover and cas is not None:
                for domain in _autodiscover_domains(org):
                    network.add_record(f"autodiscover.{domain}", cas.fqdn)
        cas = next((s for s in self.org.servers if s.is_client_access), None)
        hosted = self.spec.exchange.hosted_address
        if hosted and cas is not None:
            network.add_record(hosted, cas.fqdn, public=True)
        for record in net.dns:
            network.add_record(record.name, record.target)

    def _build_ews(self) -> None:
        """Autodiscover and EWS on every Client Access server, also answering for the
        autodiscover.<domain> names of the SMTP domains (whose DNS records the network
        publishes unless the scenario removes them) — SPEC R4.4."""
        self.ews = ExchangeWebServices(self.org, self.directory, self.exchange_server_up)
        self.ews_of = {self.org.name: self.ews}
        for org in self.organizations:
            ews = self.ews_of.setdefault(
                org.name, ExchangeWebServices(org, self.directory, self.exchange_server_up)
            )
            for server in org.servers:
                if server.is_client_access:
                    self.http_services[server.fqdn] = ews.at(server)
            for domain in _autodiscover_domains(org):
                self.http_services.setdefault(f"autodiscover.{domain}", ews)

    def _build_hosts(self) -> None:
        rng = self.rng("hosts")
        start = self.clock.start
        for h in self.spec.hosts:
            release = windows_release(h.os)
            domain = None if h.workgroup else (h.domain or self.domain).lower()
            if domain is not None and self.directory.domain(domain) is None:
                raise ValueError(f"world.hosts: {h.name}: unknown domain {domain!r}")
            host = SimHost(
                name=h.name.upper(),
                os_name=h.os,
                os_version=release.kernel,
                edition=h.edition or release.editions[0],
                service_pack=h.service_pack,
                architecture=h.architecture,
                server_core=h.server_core,
                cpu_ghz=h.cpu_ghz,
                ram_gb=h.ram_gb,
                free_disk_gb=h.free_disk_gb,
                dotnet=[parse_dotnet(entry) for entry in h.dotnet],
                powershell_version=h.powershell,
                domain=domain,
                machine_key=rng.getrandbits(256).to_bytes(32, "big"),
                secure_folders=list(h.secure_folders),
                insecure_folders=list(h.insecure_folders),
                group_policies=[
                    GroupPolicy(
                        g.name,
                        None if g.logon_as_service is None else tuple(g.logon_as_service),
                        seconds_from_start(g.linked_at, start),
                    )
                    for g in h.group_policy
                ],
            )
            self.hosts[host.name] = host
            self.network.add_record(host.fqdn, host.fqdn)
            if domain is not None:
                self.directory.add_computer(host.name, domain, h.os)
            if h.firewall is not None:
                self.network.set_firewall(
                    host.name,
                    Firewall(
                        [
                            EgressRule(r.action, tuple(r.destinations), tuple(r.ports))
                            for r in h.firewall.rules
                        ],
                        h.firewall.default,
                    ),
                )
            if h.winhttp_proxy is not None:
                w = h.winhttp_proxy
                self.network.set_winhttp_proxy(
                    host.name, WinHttpProxy(w.address, w.port, tuple(w.bypass))
                )
        for server in self.organizations.servers():
            if self.directory.domain(server.domain) is not None:
                self.directory.add_computer(server.name, server.domain, "Windows Server")
        for computer in self.spec.directory.computers:
            self.directory.add_computer(
                computer.name, computer.domain or self.domain, computer.operating_system
            )

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


def _autodiscover_domains(org: Any) -> list[str]:
    """The domains whose autodiscover.<domain> name points at an organisation's Client Access:
    its forest root's and its recipients' SMTP domains."""
    smtp = {mb.primary_smtp.split("@")[-1].lower() for mb in org.mailboxes}
    return sorted(smtp | {org.domain})


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
