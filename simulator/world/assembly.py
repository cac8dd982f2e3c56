"""Building the world's own parts from its configuration: Active Directory (domains, trusts,
groups, the scenario's accounts) and group membership once the population exists, the
network (DNS for every server, CAS array, proxy and autodiscover name; proxies and their
credentials), Autodiscover and EWS on every Client Access server, and the hosts (their
facts, firewalls, WinHTTP proxies, Group Policy) with AD's computer objects.

Apart from `world.py`, which orders these steps (the Exchange organisation and the Intune
tenant are built by `exchange/build.py` and `intune/build.py`) and then holds the live world.
Each function reads `world.spec` and fills in the part it names; the order matters only as
`World.__init__` states it (groups after the population, the network after the
organisations, hosts last).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.ews import ExchangeWebServices
from simulator.world.accounts import DirectoryUser
from simulator.world.config.base import seconds_from_start
from simulator.world.host import GroupPolicy, SimHost, parse_dotnet, windows_release
from simulator.world.network import INTUNE_DOMAINS, EgressRule, Firewall, ProxyServer, WinHttpProxy

if TYPE_CHECKING:
    from simulator.world.world import World


def build_directory(world: World) -> None:
    d = world.spec.directory
    world.domain = d.domain.lower()
    world.directory.add_domain(d.domain, d.netbios)
    world.directory.lockout_threshold = d.lockout_threshold
    for extra in d.extra_domains:
        world.directory.add_domain(extra.name, extra.netbios, extra.forest)
    for trust in d.trusts:
        world.directory.add_trust(trust.trusting, trust.trusted, trust.two_way, trust.kind)
    for group in d.groups:
        world.directory.add_group(group.name, group.domain or world.domain, group.description)
    for acc in d.accounts:
        dom, sam = acc.name.split("\\", 1)
        domain = world.directory.domain(dom)
        if domain is None:
            raise ValueError(f"world.directory.accounts: {acc.name}: unknown domain {dom!r}")
        upn = acc.upn or f"{sam.lower()}@{domain.dns_name}"
        world.directory.add_user(
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
        world.trace.add_secret(acc.password)


def build_groups(world: World) -> None:
    """Group nesting and membership, once the population's users exist."""
    directory = world.directory
    accounts = {a.name.lower() for a in world.spec.directory.accounts}
    population = (  # listed only when a group draws members from it
        [u for u in directory.users() if directory.account_name(u).lower() not in accounts]
        if any(group.population for group in world.spec.directory.groups)
        else []
    )
    rng = world.rng("groups")
    for group in world.spec.directory.groups:
        for parent in group.member_of:
            directory.nest(group.name, parent)
        for member in group.members:
            directory.add_member(member, group.name)
        if group.population:
            for user in population:
                if rng.random() < group.population:
                    directory.add_member(directory.account_name(user), group.name)


def build_network(world: World) -> None:
    net = world.spec.network
    network = world.network
    network.internal_domains = sorted(world.directory.domains)
    network.lan_rtt, network.internet_rtt = net.lan_rtt, net.internet_rtt
    for server in world.organizations.servers():
        network.add_record(server.fqdn, server.fqdn)
    for org in world.organizations:
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
            p.address if "." in p.address else f"{p.address}.{world.domain}", p.address
        )
        network.add_record(p.address, p.address)
        for secret in accounts.values():
            world.trace.add_secret(secret)
    for fault in world.faults.faults:  # what each fault needs of the world (FaultKind.prepare)
        fault.spec.prepare(world, fault.params)
    for org in world.organizations:
        cas = next((s for s in org.servers if s.is_client_access), None)
        if net.autodiscover and cas is not None:
            for domain in _autodiscover_domains(org):
                network.add_record(f"autodiscover.{domain}", cas.fqdn)
    cas = next((s for s in world.org.servers if s.is_client_access), None)
    hosted = world.spec.exchange.hosted_address
    if hosted and cas is not None:
        network.add_record(hosted, cas.fqdn, public=True)
    for record in net.dns:
        network.add_record(record.name, record.target)


def build_ews(world: World) -> None:
    """Autodiscover and EWS on every Client Access server, also answering for the
    autodiscover.<domain> names of the SMTP domains (whose DNS records the network
    publishes unless the scenario removes them) — SPEC R4.4."""
    world.ews = ExchangeWebServices(world.org, world.directory, world.exchange_server_up)
    world.ews_of = {world.org.name: world.ews}
    for org in world.organizations:
        ews = world.ews_of.setdefault(
            org.name, ExchangeWebServices(org, world.directory, world.exchange_server_up)
        )
        for server in org.servers:
            if server.is_client_access:
                world.http_services[server.fqdn] = ews.at(server)
        for domain in _autodiscover_domains(org):
            world.http_services.setdefault(f"autodiscover.{domain}", ews)


def build_hosts(world: World) -> None:
    rng = world.rng("hosts")
    start = world.clock.start
    for h in world.spec.hosts:
        release = windows_release(h.os)
        domain = None if h.workgroup else (h.domain or world.domain).lower()
        if domain is not None and world.directory.domain(domain) is None:
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
        world.hosts[host.name] = host
        world.network.add_record(host.fqdn, host.fqdn)
        if domain is not None:
            world.directory.add_computer(host.name, domain, h.os)
        if h.firewall is not None:
            world.network.set_firewall(
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
            world.network.set_winhttp_proxy(
                host.name, WinHttpProxy(w.address, w.port, tuple(w.bypass))
            )
    for server in world.organizations.servers():
        if world.directory.domain(server.domain) is not None:
            world.directory.add_computer(server.name, server.domain, "Windows Server")
    for computer in world.spec.directory.computers:
        world.directory.add_computer(
            computer.name, computer.domain or world.domain, computer.operating_system
        )


def _autodiscover_domains(org: Any) -> list[str]:
    """The domains whose autodiscover.<domain> name points at an organisation's Client Access:
    its forest root's and its recipients' SMTP domains."""
    smtp = {mb.primary_smtp.split("@")[-1].lower() for mb in org.mailboxes}
    return sorted(smtp | {org.domain})
