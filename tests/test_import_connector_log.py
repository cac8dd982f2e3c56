"""`exchange-twin import --connector-log`: the connector's own log → a fault timeline.

Library scenarios with faults are run, the log their connector left on its host is
collected, imported, and the inferred faults are the scenario's: the same kinds, each window
starting at or after the fault did (within the minutes between the connector's attempts)
and before it ended, and ending no earlier than it did (the log shows no failure after the
inferred end); throttling, which the log shows only while the connector waits, within the
fault. Each fault cites its lines; lines that show no fault are counted, never guessed at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.log import ConnectorLog
from simulator.cli import main
from simulator.language.imports import connector_log as logs
from simulator.language.imports.devices import import_devices
from simulator.language.imports.powershell_csv import ExportError
from simulator.language.loader import load_scenario
from simulator.run.runner import Runner
from simulator.world.durations import parse_duration

ROOT = Path(__file__).resolve().parents[1]
DEVICES = str(ROOT / "samples" / "get-mobiledevice.xml")
ACCOUNT = "CONTOSO\\svc-intune"
#: How long after a fault starts the connector's first failing attempt may come: its
#: poll interval (5 minutes) and the time a failing call takes.
ATTEMPT_GAP = 6 * 60


def _collect(scenario: str, folder: Path) -> list[tuple[str, float, float | None]]:
    """Run the library scenario, copy its connector's log files into `folder`; the faults of
    the run's timeline as (kind, start, end) in seconds from the scenario's start."""
    runner = Runner(load_scenario(ROOT / "scenarios" / scenario))
    assert runner.run().passed
    (host,) = runner.connectors.values()
    log = ConnectorLog(host.platform)
    folder.mkdir()
    for i in range(log.max_files):
        if host.platform.exists(log.file_path(i)):
            (folder / f"Connector{i}.log").write_bytes(host.platform.read_file(log.file_path(i)))
    return [(f.kind, f.start, f.end) for f in runner.world.faults.faults]


def _seconds(entry: dict, key: str) -> float | None:
    return parse_duration(entry[key]) if key in entry else None


@pytest.mark.parametrize(
    "scenario",
    ["faults/connector-log-faults.yaml", "faults/intune-outage.yaml", "sync/cas-failover.yaml"],
)
def test_the_log_gives_back_the_scenarios_faults(tmp_path, scenario):
    truth = _collect(scenario, tmp_path / "Logs")
    imported, report = import_devices(
        DEVICES, connector_log=str(tmp_path / "Logs"), service_account=ACCOUNT
    )
    faults = imported["faults"]
    assert sorted(f["kind"] for f in faults) == sorted(kind for kind, _, _ in truth)
    # the scenario and the log start together (the log's first line is the configuration)
    for kind, start, end in truth:
        (found,) = [
            f for f in faults if f["kind"] == kind and start <= _seconds(f, "at") < (end or 1e9)
        ]
        at, until = _seconds(found, "at"), _seconds(found, "until")
        assert at - start <= ATTEMPT_GAP
        if kind == "throttling":
            assert until is not None and until <= end
        elif end is None:
            assert until is None
        else:
            assert until is not None and until >= end
    # every fault cites its lines, in the report and in the file's header
    assert len([n for n in report.notes if n.startswith("fault [")]) == len(faults)
    assert all("Connector0.log:" in line for line in report.header[1:])


def test_the_imported_timeline_validates_and_runs(tmp_path):
    _collect("faults/connector-log-faults.yaml", tmp_path / "Logs")
    out = tmp_path / "replay.yaml"
    argv = ["import", "--devices", DEVICES, "--connector-log", str(tmp_path / "Logs")]
    assert main([*argv, "--service-account", ACCOUNT, "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# faults inferred from the connector log")
    scenario = load_scenario(out)
    assert {f.kind for f in scenario.faults} >= {"account_locked", "proxy_down", "throttling"}
    assert [s.name for s in scenario.world.exchange.servers] == ["EX01", "EX02"]
    assert main(["run", str(out)]) == 0


def test_account_faults_need_the_account_and_are_counted_without_it(tmp_path):
    _collect("faults/connector-log-faults.yaml", tmp_path / "Logs")
    scenario, report = import_devices(DEVICES, connector_log=str(tmp_path / "Logs"))
    kinds = {f["kind"] for f in scenario["faults"]}
    assert not kinds & {"account_locked", "password_expired"}
    lost = [what for what in report.unmapped_other if "--service-account" in what]
    assert len(lost) == 2 and all("Connector0.log:" in what for what in lost)
    # the lines that show no fault are counted by event, never turned into faults
    quiet = {w: n for w, n in report.unmapped_other.items() if "show no fault" in w}
    assert quiet and all(n > 0 for n in quiet.values())


def test_an_unknown_service_account_domain_is_refused(tmp_path, capsys):
    _collect("faults/intune-outage.yaml", tmp_path / "Logs")
    out = tmp_path / "out.yaml"
    argv = ["import", "--devices", DEVICES, "--connector-log", str(tmp_path / "Logs")]
    assert main([*argv, "--service-account", "FABRIKAM\\svc", "-o", str(out)]) == 2
    assert not out.exists()
    assert "the domain 'FABRIKAM' is not one of the export's (NetBIOS names: " in (
        capsys.readouterr().err
    )


def test_a_damaged_log_line_is_named(tmp_path):
    folder = tmp_path / "Logs"
    folder.mkdir()
    good = (
        '{"seq": 0, "time": "2016-05-02T08:00:00Z", "event": "Configure", "level": "Information"}'
    )
    (folder / "Connector0.log").write_text(good + '\n{"seq": 1, "time": "2016-05-0')
    with pytest.raises(ExportError, match=r"Connector0.log:2:\d+: not a log record \(JSON\)"):
        logs.read_log(folder)
    (folder / "Connector0.log").write_text('{"seq": 0, "time": "yesterday", "event": "X"}\n')
    with pytest.raises(ExportError, match=r"Connector0.log:1:1: time 'yesterday'"):
        logs.read_log(folder)


def test_a_svclog_folder_is_refused_naming_the_gap(tmp_path):
    folder = tmp_path / "Logs"
    folder.mkdir()
    (folder / "Connector.svclog").write_text("<E2ETraceEvent/>")
    with pytest.raises(ExportError, match="Service Trace Viewer log"):
        logs.read_log(folder)
    (folder / "Connector.svclog").unlink()
    with pytest.raises(ExportError, match="no Connector<N>.log files"):
        logs.read_log(folder)


def test_anonymised_timeline_names_mapped_servers_and_proxies(tmp_path):
    _collect("faults/connector-log-faults.yaml", tmp_path / "Logs")
    scenario, _ = import_devices(
        DEVICES, connector_log=str(tmp_path / "Logs"), service_account=ACCOUNT, anonymise="k"
    )
    servers = [s["name"] for s in scenario["world"]["exchange"]["servers"]]
    assert "EX01" not in servers and len(servers) == 2
    (proxy,) = scenario["world"]["network"]["proxies"]
    assert "contoso" not in proxy["address"] and proxy["port"] == 8080
    down = [f for f in scenario["faults"] if f["kind"] == "proxy_down"]
    assert down[0]["address"] == proxy["address"]
    accounts = {a["name"] for a in scenario["world"]["directory"]["accounts"]}
    assert {f["account"] for f in scenario["faults"] if "account" in f} <= accounts
