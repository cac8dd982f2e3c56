"""Configuration of the Windows hosts: release, hardware, .NET, PowerShell, folders, firewall,
WinHTTP proxy, Group Policy.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from simulator.world.config.base import Duration, Strict, TimePoint
from simulator.world.host import check_installation, parse_dotnet


def _version_text(v: Any) -> Any:
    """YAML reads `powershell: 2.0` as a number; it means the version "2.0"."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return f"{float(v):.1f}"
    return v


class EgressRuleSpec(Strict):
    action: Literal["allow", "block"] = "allow"
    destinations: list[str] = Field(default_factory=lambda: ["*"])
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=list, description="every port when empty"
    )


class FirewallSpec(Strict):
    default: Literal["allow", "block"] = "allow"
    rules: list[EgressRuleSpec] = Field(default_factory=list)


class WinHttpProxySpec(Strict):
    address: str
    port: int = Field(8080, ge=1, le=65535)
    bypass: list[str] = Field(default_factory=list, description="'<local>' or name globs")


class GpoSpec(Strict):
    name: str
    logon_as_service: list[str] | None = Field(
        None, description="accounts the GPO grants 'Log on as a service' (replacing local grants)"
    )
    linked_at: TimePoint = "0s"


class HostSpec(Strict):
    name: str
    os: str = "Windows Server 2012 R2"
    edition: str | None = None
    service_pack: int = Field(0, ge=0, le=10)
    architecture: Literal["x64", "x86"] = "x64"
    server_core: bool = False
    cpu_ghz: float = Field(2.4, ge=0, le=100)
    ram_gb: float = Field(8.0, ge=0, le=1e6)
    free_disk_gb: float = Field(100.0, ge=0, le=1e9)
    dotnet: list[str] = Field(
        default_factory=lambda: ["4.5.2"], description="e.g. '4.5.2' or '4.0 Client'"
    )
    powershell: Annotated[
        Literal["", "1.0", "2.0", "3.0", "4.0", "5.0", "5.1"], BeforeValidator(_version_text)
    ] = Field("4.0", description="Windows PowerShell version; '' when not installed")
    domain: str | None = Field(None, description="joined domain; the directory's domain when unset")
    workgroup: bool = False
    secure_folders: list[str] = Field(default_factory=list)
    insecure_folders: list[str] = Field(default_factory=list, description="readable by everyone")
    firewall: FirewallSpec | None = None
    winhttp_proxy: WinHttpProxySpec | None = None
    group_policy: list[GpoSpec] = Field(default_factory=list)
    gpo_refresh: Duration = "90m"

    @model_validator(mode="after")
    def _possible(self) -> HostSpec:
        check_installation(self.os, self.edition, self.architecture, self.server_core)
        for entry in self.dotnet:
            parse_dotnet(entry)
        return self
