"""`exchange-twin import`: a customer's Export-Csv files → a scenario (issue 17).

The round trip: the twin's own world exported as Windows PowerShell's Export-Csv writes it
(samples/generate.py), imported, and the imported world holds the same mailboxes and devices
with the same access states. Bad files are refused with file:line:column and nothing is
written; `--anonymise` maps names consistently under one key.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.language.imports.anonymise import Pseudonyms
from simulator.language.imports.devices import import_devices
from simulator.language.imports.output import scenario_yaml
from simulator.language.imports.powershell_csv import ExportError, parse_time, write_export
from simulator.language.loader import ScenarioError, load_scenario, parse_scenario
from simulator.run.batch import run_scenario
from simulator.world.world import build_world

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DEVICES = SAMPLES / "get-mobiledevice.csv"
MAILBOXES = SAMPLES / "get-casmailbox.csv"
STATISTICS = SAMPLES / "get-mobiledevicestatistics.csv"
RULES = SAMPLES / "get-activesyncdeviceaccessrule.csv"


def _generator():
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["samples_generate"] = module
    spec.loader.exec_module(module)
    return module


def _states(world) -> dict[str, tuple[str, str]]:
    from simulator.exchange.access import decide

    now = world.clock.seconds
    return {
        d.device_id: (d.device_type, decide(world.org, d, now).state) for d in world.org.devices()
    }


def test_samples_are_what_the_twin_exports_now():
    """The committed samples are the twin's own export of samples/world.yaml."""
    generator = _generator()
    for name, data in {**generator.exports(), **generator.connector_log()}.items():
        assert (SAMPLES / name).read_bytes() == data, f"run samples/generate.py ({name})"


def test_round_trip_keeps_mailboxes_devices_and_access_states(tmp_path):
    original = _generator().sample_lab().world
    exported = _states(original)
    out = tmp_path / "imported.yaml"
    assert (
        main(["import", "--devices", str(DEVICES), "--mailboxes", str(MAILBOXES), "-o", str(out)])
        == 0
    )
    scenario = load_scenario(out)
    imported = build_world(scenario)
    assert _states(imported) == exported
    assert {"Allowed", "Blocked", "Quarantined"} <= {s for _, s in exported.values()}
    by_id = {d.device_id: d for d in original.org.devices()}
    for device in imported.org.devices():
        was = by_id[device.device_id]
        assert (device.model, device.os, device.user_agent, device.friendly_name) == (
            was.model,
            was.os,
            was.user_agent,
            was.friendly_name,
        )
        assert device.mailbox.primary_smtp == was.mailbox.primary_smtp
        delta = imported.org.dt(device.first_sync) - original.org.dt(was.first_sync)
        assert abs(delta.total_seconds()) < 1  # Export-Csv writes whole seconds
    result = run_scenario(scenario)
    assert result.passed, result.failures


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_every_encoding_powershell_writes_is_read(tmp_path, encoding):
    text = DEVICES.read_bytes()[2:].decode("utf-16-le")
    path = tmp_path / "devices.csv"
    data = text.encode(encoding) if encoding != "utf-16" else b"\xff\xfe" + text.encode("utf-16-le")
    path.write_bytes(data)
    scenario, report = import_devices(str(path))
    assert report.devices == 42 and len(scenario["world"]["exchange"]["devices"]) == 42


def test_no_type_line_is_read(tmp_path):
    """`Export-Csv -NoTypeInformation` (PowerShell 7's default) leaves out the #TYPE line."""
    text = DEVICES.read_bytes()[2:].decode("utf-16-le").split("\r\n", 1)[1]
    path = tmp_path / "devices.csv"
    path.write_text(text, encoding="utf-8")
    assert import_devices(str(path))[1].devices == 42


def _refused(tmp_path, data: bytes, capsys) -> str:
    path = tmp_path / "devices.csv"
    path.write_bytes(data)
    out = tmp_path / "out.yaml"
    assert main(["import", "--devices", str(path), "-o", str(out)]) == 2
    assert not out.exists()
    return capsys.readouterr().err


def _sample_text() -> str:
    return DEVICES.read_bytes()[2:].decode("utf-16-le")


def test_another_cmdlets_export_is_refused(tmp_path, capsys):
    err = _refused(tmp_path, MAILBOXES.read_bytes(), capsys)
    assert "devices.csv:1:7:" in err and "export of Get-CASMailbox" in err
    assert "expected an export of Get-MobileDevice or Get-ActiveSyncDevice" in err
    assert "nothing written" in err


def test_a_missing_column_is_named(tmp_path, capsys):
    text = _sample_text().replace('"DeviceId"', '"DeviceIdentifier"', 1)
    err = _refused(tmp_path, text.encode("utf-8"), capsys)
    assert "devices.csv:2:1:" in err and "no column 'DeviceId'" in err


def test_a_truncated_file_names_its_last_line(tmp_path, capsys):
    text = _sample_text()
    cut = text[: len(text) - 300]  # mid-record
    lines = cut.count("\r\n") + 1
    err = _refused(tmp_path, cut.encode("utf-8"), capsys)
    assert f"devices.csv:{lines}:" in err and "truncated" in err


def test_utf16_without_bom_and_windows_1252_are_refused(tmp_path, capsys):
    text = _sample_text()
    err = _refused(tmp_path, text.encode("utf-16-le"), capsys)
    assert "devices.csv:1:1:" in err and "UTF-16 without a byte order mark" in err
    ansi = text.replace("Marcus Marshall", "Marcus Mårshall", 1).encode("cp1252")
    err = _refused(tmp_path, ansi, capsys)
    assert "devices.csv:3:" in err and "not UTF-8" in err


def test_a_bad_date_names_line_and_column(tmp_path, capsys):
    lines = _sample_text().split("\r\n")
    fields = lines[4].split('","')
    fields[10] = "Tuesday " + fields[10]  # FirstSyncTime
    lines[4] = '","'.join(fields)
    column = len('","'.join(fields[:10])) + 3  # the opening quote of field 11
    err = _refused(tmp_path, "\r\n".join(lines).encode("utf-8"), capsys)
    assert f"devices.csv:5:{column}: FirstSyncTime:" in err


def test_dates_of_the_cultures_export_csv_writes():
    assert parse_time("5/2/2016 10:00:00 PM").isoformat() == "2016-05-02T22:00:00+00:00"
    assert parse_time("13/2/2016 12:05:00 AM").isoformat() == "2016-02-13T00:05:00+00:00"
    assert parse_time("02.05.2016 10:00:00").isoformat() == "2016-05-02T10:00:00+00:00"
    assert parse_time("2016-05-02T10:00:00Z").isoformat() == "2016-05-02T10:00:00+00:00"
    assert parse_time("") is None


def test_anonymised_names_are_consistent_and_keyed():
    p, q = Pseudonyms("k1"), Pseudonyms("k2")
    assert p.address("Ann.Lee@contoso.com") == p.address("ann.lee@CONTOSO.com")
    assert p.address("ann.lee@contoso.com") != q.address("ann.lee@contoso.com")
    assert p.domain("emea.contoso.com").endswith("." + p.domain("contoso.com"))
    assert p.address("ann@contoso.com").split("@")[1] == p.domain("contoso.com")
    assert p.device_id("ApplF17Q1234ABCD").startswith("Appl")
    assert len(p.device_id("ApplF17Q1234ABCD")) == 16
    assert p.digits("phone", "+12065550100")[0] == "+"


def test_anonymised_import_hides_names_and_keeps_smtp_equal_to_upn(tmp_path):
    scenario, report = import_devices(str(DEVICES), str(MAILBOXES), anonymise="seed-1")
    text = scenario_yaml(scenario)
    for secret in ("contoso", "Marcus", "marcus", "ApplT280YJSDUK16"):
        assert secret not in text
    for account in scenario["world"]["directory"]["accounts"]:
        assert account["upn"] == account["mail"]
        assert account["upn"].split("@")[1].endswith(".com")
    again, _ = import_devices(str(DEVICES), str(MAILBOXES), anonymise="seed-1")
    assert again == scenario
    assert any("anonymised" in line for line in report.lines())
    world = build_world(parse_scenario(text))
    assert world.org.device_count() == 42


def test_write_export_round_trips_the_type_line():
    data = write_export([{"DeviceId": "X1", "Identity": "a"}], "MobileDevice", "utf-8")
    assert data.startswith(
        b"#TYPE Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.MobileDevice\r\n"
    )


def test_export_error_text():
    assert str(ExportError("f.csv", 3, 7, "bad")) == "f.csv:3:7: bad"


def test_device_owner_must_be_an_account_with_a_mailbox():
    from simulator.language.loader import ScenarioError

    text = (
        "name: t\nworld:\n  directory:\n    accounts:\n"
        "      - {name: CONTOSO\\ann, password: 'P@ssw0rd-1!'}\n"
        "  exchange:\n    devices:\n      - {owner: CONTOSO\\ann, device_id: X1, device_type: iPhone}\n"
    )
    with pytest.raises(ScenarioError, match="not an account of world.directory with mailbox"):
        parse_scenario(text)


LIBRARY = ROOT / "scenarios" / "access" / "imported-sample.yaml"
LIBRARY_COMMAND = (
    "exchange-twin import --devices samples/get-mobiledevice.xml --mailboxes "
    "samples/get-casmailbox.xml --statistics samples/get-mobiledevicestatistics.xml "
    "--rules samples/get-activesyncdeviceaccessrule.xml "
    "--org-settings samples/get-activesyncorganizationsettings.xml --connector-log "
    "samples/connector-log --service-account svc-intune@contoso.local --anonymise sample-key "
    "--spec R7.1 -o scenarios/access/imported-sample.yaml"
)


def test_the_library_scenario_is_what_import_makes_of_the_samples(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "imported-sample.yaml"
    argv = LIBRARY_COMMAND.split()[1:]
    argv[argv.index("-o") + 1] = str(out)
    assert main(argv) == 0
    assert out.read_text() == LIBRARY.read_text(), f"run {LIBRARY_COMMAND}"


def test_statistics_and_rules_exports_are_carried_over(tmp_path):
    original = _generator().sample_lab().world
    scenario, report = import_devices(
        str(DEVICES), str(MAILBOXES), statistics_path=str(STATISTICS), rules_path=str(RULES)
    )
    imported = build_world(parse_scenario(scenario_yaml(scenario)))
    assert _states(imported) == _states(original)
    was = {d.device_id: d for d in original.org.devices()}
    synced = 0
    for device in imported.org.devices():
        before = was[device.device_id]
        if before.last_success_sync is None:
            assert device.last_success_sync is None
            continue
        delta = imported.org.dt(device.last_success_sync) - original.org.dt(
            before.last_success_sync
        )
        assert abs(delta.total_seconds()) < 1
        synced += 1
    assert synced > 30
    assert [r.name for r in imported.org.rules] == [r.name for r in original.org.rules]
    assert not report.unmapped


def test_a_rule_export_without_a_rule_the_devices_show_is_reported(tmp_path):
    text = RULES.read_bytes()[2:].decode("utf-16-le")
    path = tmp_path / "rules.csv"
    path.write_text("\r\n".join(line for line in text.split("\r\n") if '"WP8"' not in line))
    scenario, report = import_devices(str(DEVICES), rules_path=str(path))
    assert any("WP8 (DeviceType)" in what for what in report.unmapped)
    assert not any(e["path"].startswith("exchange.access.reported") for e in scenario["expect"])


def test_a_bad_access_level_in_the_rules_export_is_refused(tmp_path, capsys):
    text = RULES.read_bytes()[2:].decode("utf-16-le").replace('"Block"', '"Deny"', 1)
    path = tmp_path / "rules.csv"
    path.write_text(text)
    out = tmp_path / "out.yaml"
    argv = ["import", "--devices", str(DEVICES), "--rules", str(path), "-o", str(out)]
    assert main(argv) == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "rules.csv:" in err and "AccessLevel: 'Deny': expected Allow, Block or Quarantine" in err


def test_a_large_import_writes_data_files_that_validate_and_run(tmp_path):
    """3,000 devices would be a scenario of over 1 MiB, past what the loader reads
    (yamlsafe.MAX_BYTES): the devices and their owners go to CSV data files beside a small
    scenario, which `validate` and `run` read back whole."""
    from benchmarks.import_devices import export
    from simulator.language.yamlsafe import MAX_BYTES

    path = tmp_path / "devices.csv"
    path.write_bytes(export(2000))
    inline, _ = import_devices(str(path))
    assert len(scenario_yaml(inline)) > MAX_BYTES  # what the data files are for
    out = tmp_path / "big.yaml"
    assert main(["import", "--devices", str(path), "-o", str(out)]) == 0
    assert (tmp_path / "big.devices.csv").exists() and (tmp_path / "big.accounts.csv").exists()
    text = out.read_text()
    assert len(text) < 4096 and "devices_file: big.devices.csv" in text
    scenario = load_scenario(out)
    assert len(scenario.world.exchange.devices) == len(inline["world"]["exchange"]["devices"])
    assert main(["validate", str(out)]) == 0
    assert main(["run", str(out)]) == 0


def _data_files(tmp_path, monkeypatch) -> Path:
    import simulator.language.imports.output as output

    monkeypatch.setattr(output, "INLINE_DEVICES", 10)
    out = tmp_path / "s.yaml"
    assert main(["import", "--devices", str(DEVICES), "-o", str(out)]) == 0
    return out


def test_a_data_file_error_names_its_file_line_and_field(tmp_path, monkeypatch, capsys):
    out = _data_files(tmp_path, monkeypatch)
    data = tmp_path / "s.devices.csv"
    lines = data.read_text().split("\n")
    header = lines[0].split(",")
    fields = lines[3].split(",")
    fields[header.index("client_type")] = "MOWA"
    lines[3] = ",".join(fields)
    data.write_text("\n".join(lines))
    column = len(",".join(fields[: header.index("client_type")])) + 2
    capsys.readouterr()
    assert main(["validate", str(out)]) == 2
    assert f"s.devices.csv:4:{column}: client_type: Input should be 'EAS' or 'Outlook'" in (
        capsys.readouterr().err
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(out)
    assert str(caught.value).startswith(f"{data}:4:{column}: client_type: Input should be")
    fields[header.index("client_type")] = "EAS"
    fields[0] = "CONTOSO\\nobody"
    lines[3] = ",".join(fields)
    data.write_text("\n".join(lines))
    with pytest.raises(
        ScenarioError, match=r"s.devices.csv:4:1: owner: .*nobody.* is not an account"
    ):
        load_scenario(out)


def test_a_data_file_must_be_beside_the_scenario(tmp_path, monkeypatch):
    out = _data_files(tmp_path, monkeypatch)
    text = out.read_text().replace("devices_file: s.devices.csv", "devices_file: ../s.devices.csv")
    out.write_text(text)
    with pytest.raises(ScenarioError, match="expected the bare name of a file beside the scenario"):
        load_scenario(out)


def test_a_data_file_header_names_fields_and_refuses_lists(tmp_path, monkeypatch):
    out = _data_files(tmp_path, monkeypatch)
    accounts = tmp_path / "s.accounts.csv"
    text = accounts.read_text()
    accounts.write_text(text.replace("mailbox", "mailbx", 1))
    with pytest.raises(
        ScenarioError, match=r"s.accounts.csv:1:\d+: mailbx: .*did you mean 'mailbox'"
    ):
        load_scenario(out)
    accounts.write_text(text.replace("mailbox", "groups", 1))
    with pytest.raises(ScenarioError, match="a list cannot be written in a data file"):
        load_scenario(out)
