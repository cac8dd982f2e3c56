"""Configuration of the network: proxies and their accounts, DNS records, round-trip times."""

from __future__ import annotations

from pydantic import (
    Field,
)

from simulator.world.config.base import Strict


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
