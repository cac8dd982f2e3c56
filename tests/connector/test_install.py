"""Package integrity, install, uninstall and reinstall on a simulated host (SPEC R2, R3.4, R3.5)."""

from __future__ import annotations

import pytest

from connector import SERVICE_NAME
from connector.errors import PackageIntegrityError, PrerequisiteNotMet
from connector.install import install, lingering_certificate, uninstall
from connector.paths import DATA_DIR, INSTALL_DIR
from simulator.intune.package import read_package
from simulator.world.host import GroupPolicy
from tests.connector.conftest import build, installed

FOLDER = r"C:\Setup\Exchange_Connector_Setup"


def extracted(folder: str = FOLDER):
    twin, driver = build()
    driver.download()
    host = twin.world.hosts["CONN01"]
    data = host.read_file(r"C:\Users\Administrator\Downloads\Exchange_Connector_Setup.zip")
    for name, content in read_package(data).items():
        host.write_file(f"{folder}\\{name}", content)
    platform = twin.runner.connector("CONN01").platform
    return twin, host, platform


def test_tampered_folders_are_refused_naming_each_file():
    twin, host, platform = extracted()
    host.rename_file(FOLDER + r"\Newtonsoft.Json.dll", FOLDER + r"\Newtonsoft.Json.old")
    host.rename_file(
        FOLDER + r"\TracingConfiguration.xml", FOLDER + r"\config\TracingConfiguration.xml"
    )
    host.write_file(FOLDER + r"\Microsoft.Management.Services.Common.dll", b"MZ patched")
    host.delete_file(FOLDER + r"\Microsoft.Management.Services.Diagnostics.dll")
    with pytest.raises(PackageIntegrityError) as err:
        twin.call(lambda: install(platform, FOLDER))
    problems = err.value.problems
    assert "Newtonsoft.Json.dll was renamed to Newtonsoft.Json.old" in problems
    assert "TracingConfiguration.xml was moved to config\\TracingConfiguration.xml" in problems
    assert "Microsoft.Management.Services.Common.dll was altered" in problems
    assert "Microsoft.Management.Services.Diagnostics.dll is missing" in problems
    assert host.services == {}  # nothing installed


def test_insecure_folder_warns_and_the_certificate_stays_a_finding_until_deleted():
    twin, host, platform = extracted()
    result = twin.call(lambda: install(platform, FOLDER))
    assert any(
        "not a secure location" in w and "WindowsIntune.accountcert" in w for w in result.warnings
    )
    finding = lingering_certificate(platform)
    assert finding is not None and finding.requirement == "R2.4"
    host.delete_file(FOLDER + r"\WindowsIntune.accountcert")
    assert lingering_certificate(platform) is None


def test_secure_folder_gives_no_warning():
    twin, host, platform = extracted(r"C:\Users\Administrator\Desktop\Setup")
    result = twin.call(lambda: install(platform, r"C:\Users\Administrator\Desktop\Setup"))
    assert result.warnings == [] and lingering_certificate(platform) is None


def test_install_creates_the_service_with_its_account_and_right():
    twin, driver = installed()
    host = twin.world.hosts["CONN01"]
    assert host.services[SERVICE_NAME].account == ".\\WIEC_USER"
    assert "WIEC_USER" in host.local_accounts
    assert ".\\WIEC_USER" in host.logon_as_service
    assert host.is_dir(INSTALL_DIR) and host.is_dir(DATA_DIR)


def test_unsupported_host_is_refused_before_anything_is_written():
    twin, host, platform = extracted()
    host.architecture = "x86"
    with pytest.raises(PrerequisiteNotMet, match="R1.1"):
        twin.call(lambda: install(platform, FOLDER))
    assert not host.is_dir(INSTALL_DIR)


def test_uninstall_removes_everything_and_reinstall_works(connected):
    twin, driver = connected
    host = twin.world.hosts["CONN01"]
    platform = twin.runner.connectors["CONN01"].platform
    twin.call(lambda: uninstall(platform))
    assert SERVICE_NAME not in host.services
    assert not host.is_dir(INSTALL_DIR) and not host.is_dir(DATA_DIR)
    assert "WIEC_USER" not in host.local_accounts
    driver.install()
    driver.configure()
    assert driver.state["service_state"] == "Running" and driver.state["configured"]


def test_a_gpo_removing_the_logon_right_stops_the_service_starting():
    twin, driver = installed()
    host = twin.world.hosts["CONN01"]
    host.group_policies.append(
        GroupPolicy("Default Domain Controllers Policy", logon_as_service=("CONTOSO\\svc-backup",))
    )
    host.refresh_group_policy(twin.world.clock.seconds)
    with pytest.raises(Exception, match="7000") as err:
        driver.configure()
    assert "did not start" in str(err.value)
    assert [e.event_id for e in host.event_log][-2:] == [7041, 7000]
