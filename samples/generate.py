"""The sample exports under samples/, made by the twin itself: a world's `Get-MobileDevice`,
`Get-CASMailbox`, `Get-MobileDeviceStatistics`, `Get-ActiveSyncDeviceAccessRule` and
`Get-ActiveSyncOrganizationSettings` objects written as Windows PowerShell writes them after
a remote session, once by `Export-Csv` (`#TYPE Deserialized...`, UTF-16 LE with BOM —
`-Encoding Unicode`; `*.csv`) and once by `Export-Clixml` (UTF-16 LE with BOM, its default;
`*.xml`).

The connector log under samples/connector-log/ is the log the connector writes during the
library scenario scenarios/faults/connector-log-faults.yaml (a fault after another).

    .venv/bin/python samples/generate.py            # rewrites samples/*.csv, *.xml, connector-log/
    .venv/bin/python samples/generate.py --check    # exit 1 if they are out of date

tests/test_import.py imports them back (the round trip) and checks they are current.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORLD = HERE / "world.yaml"
LOG_SCENARIO = HERE.parent / "scenarios" / "faults" / "connector-log-faults.yaml"
LOG_DIR = "connector-log"


def sample_lab(scenario_path: Path = WORLD) -> Any:
    """The world at `scenario_path` with a shell open on it, after an administrator allowed
    one device and blocked another by hand (Individual), as the samples show it."""
    from simulator.run.lab import open_lab

    lab = open_lab(str(scenario_path))
    session = lab.shell.session
    session.invoke("Set-ADServerSettings", {"ViewEntireForest": True})
    devices = session.invoke("Get-MobileDevice", {"ResultSize": "Unlimited"})
    # an administrator allowed one device and blocked another by hand (Individual)
    for record, listed in zip(
        devices[:2], ("ActiveSyncAllowedDeviceIDs", "ActiveSyncBlockedDeviceIDs"), strict=True
    ):
        owner = record["Identity"].split("/ExchangeActiveSyncDevices/")[0]
        session.invoke("Set-CASMailbox", {"Identity": owner, listed: [record["DeviceId"]]})
    return lab


def exports(scenario_path: Path = WORLD) -> dict[str, bytes]:
    """File name → bytes of each sample export of the world at `scenario_path`."""
    from simulator.language.imports.clixml import write_clixml
    from simulator.language.imports.powershell_csv import write_export

    session = sample_lab(scenario_path).shell.session
    devices = session.invoke("Get-MobileDevice", {"ResultSize": "Unlimited"})
    mailboxes = session.invoke(
        "Get-CASMailbox",
        {"Filter": "HasActiveSyncDevicePartnership -eq $true", "ResultSize": "Unlimited"},
    )
    owners = sorted({d["Identity"].split("/ExchangeActiveSyncDevices/")[0] for d in devices})
    statistics = [
        record
        for owner in owners
        for record in session.invoke("Get-MobileDeviceStatistics", {"Mailbox": owner})
    ]
    rules = session.invoke("Get-ActiveSyncDeviceAccessRule", {})
    settings = session.invoke("Get-ActiveSyncOrganizationSettings", {})
    out: dict[str, bytes] = {}
    for stem, objects, type_name in (
        ("get-mobiledevicestatistics", statistics, "MobileDeviceConfiguration"),
        ("get-activesyncdeviceaccessrule", rules, "ActiveSyncDeviceAccessRule"),
        ("get-mobiledevice", devices, "MobileDevice"),
        ("get-casmailbox", mailboxes, "CASMailbox"),
        ("get-activesyncorganizationsettings", settings, "ActiveSyncOrganizationSettings"),
    ):
        out[f"{stem}.csv"] = write_export(objects, type_name, "utf-16")
        out[f"{stem}.xml"] = write_clixml(objects, type_name, "utf-16")
    return out


def connector_log(scenario_path: Path = LOG_SCENARIO) -> dict[str, bytes]:
    """`connector-log/Connector<N>.log` → bytes: the files the connector's log left on its
    host when the scenario at `scenario_path` ended."""
    from connector.log import ConnectorLog
    from simulator.language.loader import load_scenario
    from simulator.run.runner import Runner

    runner = Runner(load_scenario(scenario_path))
    runner.run()
    (host,) = runner.connectors.values()
    log = ConnectorLog(host.platform)
    return {
        f"{LOG_DIR}/Connector{i}.log": host.platform.read_file(log.file_path(i))
        for i in range(log.max_files)
        if host.platform.exists(log.file_path(i))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a sample is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, data in {**exports(), **connector_log()}.items():
        path = HERE / name
        path.parent.mkdir(exist_ok=True)
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
    if stale:
        print(f"out of date: {', '.join(stale)} (run samples/generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
