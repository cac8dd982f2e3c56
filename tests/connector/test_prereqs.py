"""Host and Exchange version prerequisites under the 2016 and 2018 release profiles (SPEC R1)."""

from __future__ import annotations

import pytest

from connector.platform import DotNetInstall, HostFacts
from connector.prereqs import REQUIRED_CMDLETS, check_exchange_version, check_host, missing_cmdlets


def host(**kw) -> HostFacts:
    base = dict(
        name="CONN01",
        os_name="Windows Server 2012 R2",
        os_version="6.3",
        domain="contoso.local",
        dotnet=(DotNetInstall("4.5.2", "Full"),),
    )
    return HostFacts(**{**base, **kw})


def severity(findings, requirement, title=None):
    return next(
        f.severity
        for f in findings
        if f.requirement == requirement and (title is None or f.title == title)
    )


@pytest.mark.parametrize(
    "os_name, sp, arch, core, profile, expected",
    [
        ("Windows Server 2012 R2", 0, "x64", False, "2016", "ok"),
        ("Windows Server 2008", 2, "x64", False, "2016", "ok"),
        ("Windows Server 2008", 1, "x64", False, "2016", "blocker"),
        ("Windows Server 2008", 2, "x86", False, "2016", "blocker"),
        ("Windows Server 2012", 0, "x64", True, "2016", "blocker"),
        ("Windows Server 2016", 0, "x64", False, "2016", "blocker"),
        ("Windows Server 2016", 0, "x64", False, "2018", "ok"),
        ("Windows Server 2003", 2, "x64", False, "2018", "blocker"),
    ],
)
def test_operating_system(os_name, sp, arch, core, profile, expected):
    facts = host(os_name=os_name, service_pack=sp, architecture=arch, server_core=core)
    assert severity(check_host(facts, profile), "R1.1") == expected


@pytest.mark.parametrize(
    ("version", "profile", "expected"),
    [
        ("4.0 Client", "2016", "blocker"),  # the Client Profile is not enough
        ("4.0 Full", "2016", "ok"),
        ("4.0 Full", "2018", "blocker"),  # the 2018 connector needs 4.5
    ],
)
def test_dotnet_full_is_needed_and_2018_needs_4_5(version, profile, expected):
    install = DotNetInstall(*version.split())
    findings = check_host(host(dotnet=(install,)), profile)
    assert severity(findings, "R1.4", ".NET Framework") == expected


def test_hardware_below_the_recommendation_only_warns():
    findings = check_host(host(cpu_ghz=1.2, ram_gb=1, free_disk_gb=5), "2016")
    assert [f.severity for f in findings if f.requirement == "R1.3"] == ["warning"] * 3


def test_workgroup_host_and_old_powershell_are_blockers():
    findings = check_host(host(domain=None, powershell_version="1.0"), "2016")
    assert severity(findings, "R1.7") == "blocker"
    assert severity(findings, "R1.4", "Windows PowerShell") == "blocker"


@pytest.mark.parametrize(
    "version, profile, expected",
    [
        ("Version 14.1 (Build 218.15)", "2016", "ok"),
        ("Version 14.0 (Build 639.21)", "2016", "blocker"),
        ("Version 8.3 (Build 83.6)", "2016", "blocker"),
        ("Version 14.1 (Build 218.15)", "2018", "blocker"),
        ("Version 14.3 (Build 123.4)", "2018", "ok"),
        ("Version 15.1 (Build 225.42)", "2018", "ok"),
        ("", "2016", "blocker"),
    ],
)
def test_exchange_version(version, profile, expected):
    finding = check_exchange_version("EX01", version, profile)
    assert finding.severity == expected
    if expected == "blocker":
        assert "EX01" in finding.found and "or later" in finding.needed


def test_missing_cmdlets_are_named_in_the_documented_order_and_case_is_ignored():
    granted = [c.upper() for c in REQUIRED_CMDLETS if c not in ("Set-CasMailbox", "Get-Recipient")]
    assert missing_cmdlets(granted) == ["Set-CasMailbox", "Get-Recipient"]


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        check_host(host(), "2020")
