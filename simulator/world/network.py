"""The network between hosts, Exchange and the Internet: DNS, firewalls, proxies, latency.

Every HTTP request the connector makes is decided here from the request's **own** proxy
settings and its target (DESIGN "Dependency direction"), in the order a real client meets
the obstacles: resolving the proxy (or the target), the source host's egress firewall, the
proxy accepting the connection, its authentication (407), its list of allowed destinations
(403), the proxy or the client reaching the target, and the round trip. The outcome is
`ok` or a failure that the HTTP mount turns into the exception `requests` would raise.

Names under the organisation's internal domains (and single-label names) are on the LAN;
everything else is on the Internet, reachable directly only when `direct_internet`. Intune
lives under `manage.microsoft.com` (SPEC R1.8).

Remote PowerShell to Exchange is WinRM, which uses the host's **WinHTTP** proxy, not the
connector's: when a host has a WinHTTP proxy whose bypass list does not cover the Exchange
server, WinRM goes to the proxy and fails (customer issue C01, error 0x00000001).

Faults are read at the virtual time of each call: `dns_failure`, `latency`, `proxy_down`,
`proxy_moved` and `proxy_credentials_changed` (which change what the proxy is and accepts
from their start), and `intune_unreachable`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

from simulator.world.faults import FaultTimeline

INTERNET_RTT = 0.12
LAN_RTT = 0.002
PROXY_HOP = 0.01
CONNECT_TIMEOUT = 21.0  # Windows' TCP connect gives up after ~21 s (3 SYN retransmissions)
PROXY_GATEWAY_TIMEOUT = 30.0
DNS_FAILURE_COST = 0.05
INTUNE_DOMAINS = ("manage.microsoft.com", "*manage.microsoft.com", "*.manage.microsoft.com")
WINRM_PORT = 443  # the connector reaches the CAS over WinRM on 443 (reference S1, S5)


def glob(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def is_intune(name: str) -> bool:
    return any(glob(name, p) for p in INTUNE_DOMAINS)


@dataclass
class ProxyServer:
    """A forward proxy. With `require_credentials`, only the accounts in `credentials` (user →
    password, users compared case-insensitively) get through; `allow` lists the destinations
    it forwards to (`host-glob` or `host-glob:port`)."""

    address: str
    port: int
    credentials: dict[str, str] = field(default_factory=dict)
    require_credentials: bool = False
    allow: list[str] = field(default_factory=lambda: ["*"])

    def accepts(self, user: str | None, password: str | None) -> bool:
        if not self.require_credentials:
            return True
        if user is None:
            return False
        wanted = {u.lower(): p for u, p in self.credentials.items()}.get(user.lower())
        return wanted is not None and wanted == password

    def forwards_to(self, target: str, port: int) -> bool:
        for entry in self.allow:
            host, _, wanted_port = entry.partition(":")
            if glob(target, host) and (not wanted_port or int(wanted_port) == port):
                return True
        return False


@dataclass(frozen=True)
class EgressRule:
    action: str  # allow or block
    destinations: tuple[str, ...] = ("*",)  # host globs
    ports: tuple[int, ...] = ()  # every port when empty

    def hits(self, target: str, port: int) -> bool:
        return any(glob(target, d) for d in self.destinations) and (
            not self.ports or port in self.ports
        )


@dataclass
class Firewall:
    """A host's outbound rules, first match wins; a blocked connection is dropped (the client
    times out), as Windows Firewall does by default."""

    rules: list[EgressRule] = field(default_factory=list)
    default: str = "allow"

    def permits(self, target: str, port: int) -> bool:
        for rule in self.rules:
            if rule.hits(target, port):
                return rule.action == "allow"
        return self.default == "allow"


@dataclass(frozen=True)
class WinHttpProxy:
    """`netsh winhttp set proxy <address>:<port> "<bypass>"`: `<local>` bypasses names
    without a dot; other entries are globs."""

    address: str
    port: int
    bypass: tuple[str, ...] = ()

    def bypasses(self, name: str) -> bool:
        return any(
            ("." not in name) if entry.lower() == "<local>" else glob(name, entry)
            for entry in self.bypass
        )


@dataclass(frozen=True)
class Decision:
    """What happens to one connection: `outcome` is ok, dns, timeout, read_timeout, refused,
    proxy_unresolved, proxy_refused, proxy_auth, proxy_forbidden, proxy_bad_gateway or
    proxy_gateway_timeout; `seconds` is its simulated cost."""

    outcome: str
    detail: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class Network:
    def __init__(self, faults: FaultTimeline, internal_domains: list[str] | None = None) -> None:
        self.faults = faults
        self.internal_domains = [d.lower() for d in (internal_domains or [])]
        self.dns: dict[str, str] = {}  # name -> what it points at (a host, service or other name)
        self.internet_names: list[str] = []  # patterns of public names that resolve
        self.public: set[str] = set()  # names in DNS that are on the Internet, not the LAN
        self.proxies: dict[tuple[str, int], ProxyServer] = {}
        self.direct_internet = True
        self.firewalls: dict[str, Firewall] = {}  # by upper-case host name
        self.winhttp: dict[str, WinHttpProxy] = {}  # by upper-case host name
        self.lan_rtt = LAN_RTT
        self.internet_rtt = INTERNET_RTT

    # -- configuration -----------------------------------------------------------------------
    def add_record(self, name: str, target: str, public: bool = False) -> None:
        """A DNS record; `public` for an Internet name (a hosted Exchange's address), which
        is then reached through the proxy or a direct route out, never as a LAN name."""
        self.dns[name.lower()] = target.lower()
        if public:
            self.public.add(name.lower())

    def remove_record(self, name: str) -> None:
        self.dns.pop(name.lower(), None)
        self.public.discard(name.lower())

    def add_internet_name(self, pattern: str) -> None:
        self.internet_names.append(pattern.lower())

    def add_proxy(self, proxy: ProxyServer) -> None:
        self.proxies[(proxy.address.lower(), proxy.port)] = proxy

    def set_firewall(self, host: str, firewall: Firewall) -> None:
        self.firewalls[host.upper()] = firewall

    def set_winhttp_proxy(self, host: str, proxy: WinHttpProxy | None) -> None:
        if proxy is None:
            self.winhttp.pop(host.upper(), None)
        else:
            self.winhttp[host.upper()] = proxy

    # -- resolution --------------------------------------------------------------------------
    def is_internal(self, name: str) -> bool:
        """On the LAN: under an internal domain, a single label, or in the internal DNS zone
        (split-brain names such as `autodiscover.<smtp domain>` pointing at a CAS)."""
        name = name.lower()
        if name in self.public:
            return False
        return (
            any(name == d or name.endswith("." + d) for d in self.internal_domains)
            or "." not in name
            or name in self.dns
        )

    def resolve(self, name: str, at: float) -> str | None:
        """The target a name points at (following aliases), or None when it does not resolve
        at simulated time `at`."""
        name = name.lower()
        for _ in range(8):  # alias chains end; a loop does not resolve
            if self.faults.active("dns_failure", at, name=name):
                return None
            if name in self.dns:
                target = self.dns[name]
                if target != name and target in self.dns:
                    name = target
                    continue
                return target
            if "." not in name:  # a short name resolves through the internal DNS suffixes
                known = [f"{name}.{d}" for d in self.internal_domains if f"{name}.{d}" in self.dns]
                if not known:
                    return None
                name = known[0]
                continue
            if any(fnmatch.fnmatchcase(name, p) for p in self.internet_names):
                return name
            return None
        return None

    def latency(self, name: str, at: float) -> float:
        base = self.lan_rtt if self.is_internal(name) else self.internet_rtt
        return base + sum(
            float(f.params["seconds"]) for f in self.faults.all_active("latency", at, target=name)
        )

    # -- proxies as they are at a given time -------------------------------------------------
    def proxy_at(self, address: str, port: int, at: float) -> ProxyServer | None:
        """The proxy listening at `address:port` at time `at`, with the credentials it accepts
        then; None when nothing listens there (it moved away, or never existed)."""
        address = address.lower()
        wanted = self.resolve(address, at)
        for proxy in self.proxies.values():
            here, here_port = proxy.address.lower(), proxy.port
            moved = self.faults.active("proxy_moved", at, address=here)
            if moved is not None:
                here = str(moved.params["to_address"]).lower()
                here_port = int(moved.params.get("to_port") or here_port)
            same_host = here == address or (wanted is not None and self.resolve(here, at) == wanted)
            if here_port != port or not same_host:  # `proxy` and its FQDN are the same host
                continue
            if self.faults.active("proxy_down", at, address=proxy.address):
                return None
            return self._with_changed_credentials(proxy, at)
        return None

    def _with_changed_credentials(self, proxy: ProxyServer, at: float) -> ProxyServer:
        changes = self.faults.all_active("proxy_credentials_changed", at, address=proxy.address)
        if not changes:
            return proxy
        credentials = dict(proxy.credentials)
        for change in changes:
            user = change.params.get("user") or next(iter(credentials), None)
            if user is None:
                continue
            existing = next((u for u in credentials if u.lower() == str(user).lower()), user)
            credentials[existing] = str(change.params["password"])
        return replace(proxy, credentials=credentials)

    # -- decisions -----------------------------------------------------------------------------
    def _egress(self, source: str | None, target: str, port: int) -> bool:
        firewall = self.firewalls.get((source or "").upper())
        return firewall is None or firewall.permits(target, port)

    def decide_http(
        self,
        url: str,
        proxy_url: str | None,
        at: float,
        source: str | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> Decision:
        """The fate of one HTTP request from host `source` with the client's `proxy_url` and
        `timeout` (as `requests` takes it)."""
        parts = urlsplit(url)
        target = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if proxy_url:
            decision = self._via_proxy(source, target, port, proxy_url, at)
        else:
            decision = self._direct(source, target, port, at)
        return _apply_timeout(decision, timeout)

    def _direct(self, source: str | None, target: str, port: int, at: float) -> Decision:
        if self.resolve(target, at) is None:
            return Decision(
                "dns", f"Failed to resolve '{target}' ([Errno 11001] getaddrinfo failed)", 0.05
            )
        if not self._egress(source, target, port):
            return _timeout(target, port, "blocked by the host's firewall")
        if not self.is_internal(target) and not self.direct_internet:
            return _timeout(target, port, "no route to the Internet without a proxy")
        if is_intune(target) and self.faults.active("intune_unreachable", at):
            return _timeout(target, port, "the Intune service does not answer")
        return Decision("ok", "", self.latency(target, at))

    def _via_proxy(
        self, source: str | None, target: str, port: int, proxy_url: str, at: float
    ) -> Decision:
        parts = urlsplit(proxy_url)
        address, proxy_port = (parts.hostname or "").lower(), parts.port or 8080
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if self.resolve(address, at) is None:
            return Decision(
                "proxy_unresolved",
                f"Cannot connect to proxy: Failed to resolve '{address}' ([Errno 11001] getaddrinfo failed)",
                DNS_FAILURE_COST,
            )
        if not self._egress(source, address, proxy_port):
            return _timeout(address, proxy_port, "blocked by the host's firewall")
        proxy = self.proxy_at(address, proxy_port, at)
        if proxy is None:
            return Decision(
                "proxy_refused",
                f"Cannot connect to proxy {address}:{proxy_port}: [WinError 10061] No connection could "
                "be made because the target machine actively refused it",
                1.0,
            )
        hop = self.latency(address, at) + PROXY_HOP
        if not proxy.accepts(user, password):
            return Decision(
                "proxy_auth", "Tunnel connection failed: 407 Proxy Authentication Required", hop
            )
        if not proxy.forwards_to(target, port):
            return Decision("proxy_forbidden", "Tunnel connection failed: 403 Forbidden", hop)
        if self.resolve(target, at) is None:
            return Decision("proxy_bad_gateway", "Tunnel connection failed: 502 Bad Gateway", hop)
        if is_intune(target) and self.faults.active("intune_unreachable", at):
            return Decision(
                "proxy_gateway_timeout",
                "Tunnel connection failed: 504 Gateway Timeout",
                hop + PROXY_GATEWAY_TIMEOUT,
            )
        return Decision("ok", "", hop + self.latency(target, at))

    def decide_winrm(
        self, source: str, server: str, at: float, proxy_url: str | None = None
    ) -> Decision:
        """Can host `source` open WinRM (remote PowerShell) to `server`? Name resolution and
        the server's own state are the session's to judge; this is the path in between: the
        client's explicit proxy (hosted Exchange on the Internet), else the host's WinHTTP
        proxy and bypass list, its egress firewall and, for an Internet name, a route out."""
        server = server.lower()
        if proxy_url:
            return self._via_proxy(source, server, WINRM_PORT, proxy_url, at)
        winhttp = self.winhttp.get(source.upper())
        if winhttp is not None and not winhttp.bypasses(server):
            through = self._via_proxy(
                source, server, WINRM_PORT, f"http://{winhttp.address}:{winhttp.port}", at
            )
            if not through.ok:
                return replace(
                    through,
                    detail=f"WinRM used the WinHTTP proxy {winhttp.address}:{winhttp.port} "
                    f"({through.detail}); add {server} to the proxy bypass list.",
                )
            return through
        if not self._egress(source, server, WINRM_PORT):
            return _timeout(server, WINRM_PORT, "blocked by the host's firewall")
        if not self.is_internal(server) and not self.direct_internet:
            return _timeout(server, WINRM_PORT, "no route to the Internet without a proxy")
        return Decision("ok", "", 0.0)


def _timeout(target: str, port: int, why: str) -> Decision:
    return Decision(
        "timeout",
        f"Connection to {target}:{port} timed out ({why})",
        CONNECT_TIMEOUT,
    )


def _apply_timeout(decision: Decision, timeout: float | tuple[float, float] | None) -> Decision:
    """Clip a decision to the client's timeouts: a connect that would outlast the connect
    timeout gives up then; an answer slower than the read timeout becomes a read timeout."""
    if timeout is None:
        return decision
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    if decision.outcome == "timeout" and connect is not None:
        return replace(decision, seconds=min(decision.seconds, float(connect)))
    if decision.ok and read is not None and decision.seconds > float(read):
        return Decision("read_timeout", f"Read timed out. (read timeout={read})", float(read))
    return decision
