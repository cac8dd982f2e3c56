"""The network between hosts, Exchange and the Internet: DNS, proxies, egress and latency.

Every HTTP request the connector makes is decided here from the request's own proxy settings
and its target (DESIGN "Dependency direction"): it gets through, gets a 407 or a refusal from
the proxy, fails DNS, or times out. Names under the organisation's internal domains are on
the LAN; everything else is on the Internet, reachable directly only when `direct_internet`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from simulator.faults import FaultTimeline

INTERNET_RTT = 0.12
LAN_RTT = 0.002
PROXY_HOP = 0.01


@dataclass
class ProxyServer:
    address: str
    port: int
    user: str | None = None
    password: str | None = None
    allow: list[str] = field(default_factory=lambda: ["*"])  # destination host patterns

    def requires_credentials(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class Decision:
    """What happens to one request: `outcome` is ok, proxy_auth, proxy_refused, proxy_forbidden,
    proxy_unresolved, dns, refused or timeout; `seconds` is its simulated cost."""

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
        self.dns: dict[str, str] = {}  # name -> what it points at (a host or service name)
        self.internet_names: list[str] = []  # patterns of public names that resolve
        self.proxies: dict[tuple[str, int], ProxyServer] = {}
        self.direct_internet = True

    # -- configuration -----------------------------------------------------------------------
    def add_record(self, name: str, target: str) -> None:
        self.dns[name.lower()] = target.lower()

    def add_internet_name(self, pattern: str) -> None:
        self.internet_names.append(pattern.lower())

    def add_proxy(self, proxy: ProxyServer) -> None:
        self.proxies[(proxy.address.lower(), proxy.port)] = proxy

    # -- resolution --------------------------------------------------------------------------
    def is_internal(self, name: str) -> bool:
        name = name.lower()
        return (
            any(name == d or name.endswith("." + d) for d in self.internal_domains)
            or "." not in name
        )

    def resolve(self, name: str, at: float) -> str | None:
        """The target a name points at, or None when it does not resolve (at simulated `at`)."""
        name = name.lower()
        if self.faults.active("dns_failure", at, name=name):
            return None
        if name in self.dns:
            return self.dns[name]
        if any(fnmatch.fnmatch(name, p) for p in self.internet_names):
            return name
        # a short name resolves through the DNS suffix of the internal domains
        if "." not in name:
            for domain in self.internal_domains:
                if f"{name}.{domain}" in self.dns:
                    return self.dns[f"{name}.{domain}"]
        return None

    def latency(self, name: str, at: float) -> float:
        base = LAN_RTT if self.is_internal(name) else INTERNET_RTT
        fault = self.faults.active("latency", at, target=name)
        return base + (float(fault.params.get("seconds", 0)) if fault else 0.0)

    # -- the decision for one HTTP request ---------------------------------------------------
    def decide_http(self, url: str, proxy_url: str | None, at: float) -> Decision:
        target = (urlsplit(url).hostname or "").lower()
        if proxy_url:
            return self._via_proxy(target, proxy_url, at)
        if self.resolve(target, at) is None:
            return Decision(
                "dns", f"Failed to resolve '{target}' ([Errno 11001] getaddrinfo failed)", 0.05
            )
        if not self.is_internal(target) and not self.direct_internet:
            return Decision(
                "timeout",
                f"Connection to {target} timed out (no route to the Internet without a proxy)",
                21.0,
            )
        return Decision("ok", "", self.latency(target, at))

    def _via_proxy(self, target: str, proxy_url: str, at: float) -> Decision:
        parts = urlsplit(proxy_url)
        address, port = (parts.hostname or "").lower(), parts.port or 8080
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if self.resolve(address, at) is None:
            return Decision("proxy_unresolved", f"Failed to resolve proxy '{address}'", 0.05)
        proxy = self.proxies.get((address, port))
        if proxy is None or self.faults.active("proxy_down", at, address=address):
            return Decision(
                "proxy_refused",
                f"Unable to connect to proxy {address}:{port} (connection refused)",
                1.0,
            )
        hop = self.latency(address, at) + PROXY_HOP
        if proxy.requires_credentials() and (
            user is None or user.lower() != (proxy.user or "").lower() or password != proxy.password
        ):
            return Decision(
                "proxy_auth", "Tunnel connection failed: 407 Proxy Authentication Required", hop
            )
        if not any(fnmatch.fnmatch(target, p.lower()) for p in proxy.allow):
            return Decision("proxy_forbidden", "Tunnel connection failed: 403 Forbidden", hop)
        if self.resolve(target, at) is None:
            return Decision("proxy_forbidden", "Tunnel connection failed: 502 Bad Gateway", hop)
        return Decision("ok", "", hop + self.latency(target, at))
