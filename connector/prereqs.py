"""Prerequisite checks (SPEC R1): one finding per requirement, for release profiles 2016/2018.

Each check returns a `Finding` with what was found, what is needed and the remedy; a
blocker stops the step that needs it, a warning does not.
"""

from __future__ import annotations

import re

from connector.errors import Finding
from connector.platform import HostFacts

PROFILES = ("2016", "2018")

SUPPORTED_OS = {
    "2016": (
        "Windows Server 2008",
        "Windows Server 2008 R2",
        "Windows Server 2012",
        "Windows Server 2012 R2",
    ),
    "2018": (
        "Windows Server 2008",
        "Windows Server 2008 R2",
        "Windows Server 2012",
        "Windows Server 2012 R2",
        "Windows Server 2016",
    ),
}
MIN_EXCHANGE = {"2016": (14, 1), "2018": (14, 3)}
MIN_EXCHANGE_TEXT = {
    "2016": "Exchange 2010 SP1 (Version 14.1) or later",
    "2018": "Exchange 2010 SP3 (Version 14.3) or later",
}
MIN_DOTNET = {"2016": (4, 0), "2018": (4, 5)}

_VERSION_RE = re.compile(r"Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)\)")


def parse_admin_display_version(text: str) -> tuple[int, int, int, int] | None:
    """`Version 14.1 (Build 218.15)` → (14, 1, 218, 15)."""
    m = _VERSION_RE.search(text or "")
    return tuple(int(g) for g in m.groups()) if m else None  # type: ignore[return-value]


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def check_os(facts: HostFacts, profile: str) -> Finding:
    supported = SUPPORTED_OS[profile]
    found = f"{facts.os_name} SP{facts.service_pack} {facts.architecture}" + (
        " (Server Core)" if facts.server_core else ""
    )
    needed = ", ".join(supported) + " (64-bit, full installation; 2008 needs SP2)"
    ok = (
        facts.os_name in supported
        and facts.architecture == "x64"
        and not facts.server_core
        and not (facts.os_name == "Windows Server 2008" and facts.service_pack < 2)
    )
    return Finding.of(
        "R1.1",
        "Operating system",
        ok,
        found,
        needed,
        "Install the connector on a supported 64-bit Windows Server with the full GUI.",
    )


def check_hardware(facts: HostFacts) -> list[Finding]:
    out = []
    for title, value, minimum, unit in (
        ("Processor speed", facts.cpu_ghz, 1.6, "GHz"),
        ("Memory", facts.ram_gb, 2.0, "GB RAM"),
        ("Free disk space", facts.free_disk_gb, 10.0, "GB free"),
    ):
        out.append(
            Finding.of(
                "R1.3",
                title,
                value >= minimum,
                f"{value:g} {unit}",
                f"{minimum:g} {unit}",
                "The connector may be slow or fail under load on this hardware.",
                severity="warning",
            )
        )
    return out


def check_dotnet(facts: HostFacts, profile: str) -> Finding:
    minimum = MIN_DOTNET[profile]
    full = [d for d in facts.dotnet if d.profile == "Full"]
    best = max((_version_tuple(d.version) for d in full), default=None)
    found = (
        ", ".join(f".NET {d.version} {d.profile}" for d in facts.dotnet) or "no .NET Framework 4"
    )
    ok = best is not None and best >= minimum
    needed = f"the full .NET Framework {'.'.join(map(str, minimum))} (the Client Profile alone is not enough)"
    return Finding.of(
        "R1.4", ".NET Framework", ok, found, needed, "Install the full .NET Framework."
    )


def check_powershell(facts: HostFacts) -> Finding:
    return Finding.of(
        "R1.4",
        "Windows PowerShell",
        _version_tuple(facts.powershell_version or "0") >= (2, 0),
        f"PowerShell {facts.powershell_version or 'not installed'}",
        "Windows PowerShell 2.0 or later",
        "Install Windows Management Framework.",
    )


def check_domain(facts: HostFacts) -> Finding:
    ok = bool(facts.domain)
    return Finding.of(
        "R1.7",
        "Domain membership",
        ok,
        f"member of {facts.domain}" if ok else "a workgroup computer",
        "a computer in a domain that trusts the Exchange domain",
        "Join the computer to the domain.",
    )


def check_host(facts: HostFacts, profile: str = "2016") -> list[Finding]:
    """Everything setup checks on the host itself before installing."""
    if profile not in PROFILES:
        raise ValueError(
            f"unknown release profile {profile!r}; expected one of {', '.join(PROFILES)}"
        )
    return [
        check_os(facts, profile),
        *check_hardware(facts),
        check_dotnet(facts, profile),
        check_powershell(facts),
        check_domain(facts),
    ]


def check_exchange_version(
    server_name: str, admin_display_version: str, profile: str = "2016"
) -> Finding:
    found = f"{server_name}: {admin_display_version or 'unknown version'}"
    version = parse_admin_display_version(admin_display_version)
    ok = version is not None and version[:2] >= MIN_EXCHANGE[profile]
    return Finding.of(
        "R1.2",
        "Exchange version",
        ok,
        found,
        MIN_EXCHANGE_TEXT[profile],
        "Point the connector at a Client Access server running a supported Exchange version.",
    )


def check_no_remote_powershell(
    server_name: str, admin_display_version: str | None, detail: str, profile: str = "2016"
) -> Finding:
    """The server refused remote PowerShell with HTTP 404 (it has none: Exchange 2007): a
    blocker whatever it reports, naming the version read from EWS (or that none could be)."""
    return Finding(
        "R1.2",
        "Exchange version",
        "blocker",
        f"{server_name}: {admin_display_version or 'unknown version'}, without remote PowerShell "
        f"({detail.strip()})",
        MIN_EXCHANGE_TEXT[profile],
        "Point the connector at a Client Access server running a supported Exchange version.",
    )


def blockers(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "blocker"]


REQUIRED_CMDLETS = (
    "Get-ActiveSyncOrganizationSettings",
    "Set-ActiveSyncOrganizationSettings",
    "Get-CasMailbox",
    "Set-CasMailbox",
    "Get-ActiveSyncMailboxPolicy",
    "Set-ActiveSyncMailboxPolicy",
    "New-ActiveSyncMailboxPolicy",
    "Remove-ActiveSyncMailboxPolicy",
    "Get-ActiveSyncDeviceAccessRule",
    "Set-ActiveSyncDeviceAccessRule",
    "New-ActiveSyncDeviceAccessRule",
    "Remove-ActiveSyncDeviceAccessRule",
    "Get-ActiveSyncDeviceStatistics",
    "Get-ActiveSyncDevice",
    "Get-ExchangeServer",
    "Get-ActiveSyncDeviceClass",
    "Get-Recipient",
    "Clear-ActiveSyncDevice",
    "Remove-ActiveSyncDevice",
    "Set-ADServerSettings",
    "Get-Command",
)
"""The cmdlets the service account must be able to run (SPEC R1.10)."""


def missing_cmdlets(available: list[str]) -> list[str]:
    """Required cmdlets absent from a `Get-Command` listing (PowerShell names are case-blind)."""
    have = {name.lower() for name in available}
    return [name for name in REQUIRED_CMDLETS if name.lower() not in have]
