"""`exchange-twin import` of Export-Clixml files, and of Get-ActiveSyncOrganizationSettings.

The twin's own world exported by Export-Clixml (samples/*.xml, samples/generate.py) imports
to the same scenario as its Export-Csv twin, and the world built from it has the original's
settings; bad documents (a DOCTYPE, truncated, another cmdlet's objects, a bad value) are
refused with file:line:column and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.language.imports.clixml import parse_clixml, write_clixml
from simulator.language.imports.devices import import_devices
from simulator.language.imports.output import scenario_yaml
from simulator.language.imports.powershell_csv import ExportError
from simulator.language.loader import parse_scenario
from simulator.world.world import build_world
from tests.test_import import _generator, _states

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
STEMS = (
    "get-mobiledevice",
    "get-casmailbox",
    "get-mobiledevicestatistics",
    "get-activesyncdeviceaccessrule",
    "get-activesyncorganizationsettings",
)


def _import(ext: str, **extra):
    d, m, s, r, o = (str(SAMPLES / f"{stem}.{ext}") for stem in STEMS)
    return import_devices(d, m, statistics_path=s, rules_path=r, org_settings_path=o, **extra)


def _xml(stem: str) -> str:
    return (SAMPLES / f"{stem}.xml").read_bytes()[2:].decode("utf-16-le")


def test_clixml_samples_import_as_their_csv_twins_do():
    from_csv, _ = _import("csv")
    from_xml, report = _import("xml")
    # ... but for the administrators' addresses, which only Export-Clixml keeps
    recipients = from_xml["world"]["exchange"]["settings"].pop("admin_mail_recipients")
    assert recipients == ["mobile-admins@contoso.com"]
    assert from_xml["world"] == from_csv["world"]
    assert from_xml["expect"] == from_csv["expect"]
    # Export-Clixml keeps the lists Export-Csv loses: nothing is reported lost
    assert not report.unmapped
    assert not any("type name" in n for n in report.notes)


def test_clixml_round_trip_keeps_states_and_settings():
    original = _generator().sample_lab().world
    scenario, _ = _import("xml")
    imported = build_world(parse_scenario(scenario_yaml(scenario)))
    assert _states(imported) == _states(original)
    was, now = original.org.settings, imported.org.settings
    assert now.default_access_level == was.default_access_level == "Quarantine"
    assert now.admin_mail_recipients == was.admin_mail_recipients == ["mobile-admins@contoso.com"]
    assert now.user_mail_insert == was.user_mail_insert != ""


def test_csv_org_settings_report_the_lost_recipient_list():
    scenario, report = _import("csv")
    assert "admin_mail_recipients" not in scenario["world"]["exchange"]["settings"]
    assert any("AdminMailRecipients" in what for what in report.unmapped_other)
    assert any("AdminMailRecipients" in line for line in report.lines())


def test_anonymised_settings_hide_addresses_consistently():
    scenario, _ = _import("xml", anonymise="k")
    text = scenario_yaml(scenario)
    assert "contoso" not in text and "helpdesk" not in text
    recipient = scenario["world"]["exchange"]["settings"]["admin_mail_recipients"][0]
    domains = {a["mail"].split("@")[1] for a in scenario["world"]["directory"]["accounts"]}
    assert recipient.split("@")[1] in domains  # contoso.com maps alike everywhere


def test_content_not_the_name_tells_clixml_from_csv(tmp_path):
    path = tmp_path / "devices.csv"
    path.write_bytes((SAMPLES / "get-mobiledevice.xml").read_bytes())
    assert import_devices(str(path))[1].devices == 42
    utf8 = tmp_path / "devices-utf8.xml"
    utf8.write_text(_xml("get-mobiledevice"), encoding="utf-8")  # PowerShell 7's encoding
    assert import_devices(str(utf8))[1].devices == 42


def _refused(tmp_path, text: str, capsys, flag: str = "--devices") -> str:
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out.yaml"
    argv = ["import", "--devices", str(path), "-o", str(out)]
    if flag != "--devices":
        argv[2] = str(SAMPLES / "get-mobiledevice.xml")
        argv[3:3] = [flag, str(path)]
    assert main(argv) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "nothing written" in err
    return err


def test_a_doctype_is_refused_before_any_entity_expands(tmp_path, capsys):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        "<S>&lol2;</S></Objs>"
    )
    err = _refused(tmp_path, bomb, capsys)
    assert "export.xml:2:1: a DOCTYPE: refused" in err


def test_another_cmdlets_clixml_names_its_type(tmp_path, capsys):
    err = _refused(tmp_path, _xml("get-casmailbox"), capsys)
    assert "export.xml:2:3: another cmdlet's export (Get-CASMailbox): type names " in err
    assert "Deserialized.Microsoft.Exchange.Data.Directory.Management.CASMailbox" in err
    assert "expected Microsoft.Exchange.Data.Directory.SystemConfiguration.MobileDevice" in err


def test_a_truncated_clixml_names_where_it_ends(tmp_path, capsys):
    text = _xml("get-mobiledevice")
    cut = text[: len(text) // 2]
    err = _refused(tmp_path, cut, capsys)
    assert f"export.xml:{cut.count(chr(10)) + 1}:" in err and "truncated?" in err


def test_a_bad_value_names_the_property_element(tmp_path, capsys):
    text = _xml("get-mobiledevice")
    marker = '<DT N="FirstSyncTime">'
    at = text.index(marker, text.index(marker) + 1)  # the second device's
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    bad = text[: at + len(marker)] + "yesterday" + text[text.index("</DT>", at) :]
    err = _refused(tmp_path, bad, capsys)
    assert f"export.xml:{line}:{column}: FirstSyncTime:" in err


def test_a_settings_export_of_the_wrong_level_is_refused(tmp_path, capsys):
    text = _xml("get-activesyncorganizationsettings").replace(
        "<ToString>Quarantine</ToString>", "<ToString>Deny</ToString>", 1
    )
    err = _refused(tmp_path, text, capsys, flag="--org-settings")
    assert "DefaultAccessLevel: 'Deny': expected Allow, Block or Quarantine" in err


def test_values_refs_and_escapes_round_trip():
    objects = [
        {"DeviceId": "A1", "DeviceType": "iPhone", "Identity": "x", "Note": "a\r\nb _x0041_ c"},
        {"DeviceId": "A2", "DeviceType": "iPhone", "Identity": "y", "Note": ["p", "q"]},
    ]
    text = write_clixml(objects, "MobileDevice", "utf-8").decode()
    assert "_x000D__x000A_" in text and "_x005F_x0041_" in text and "<TNRef" in text
    table = parse_clixml("t.xml", text, ["MobileDevice"], ["DeviceId"])
    note = table.index["note"]
    assert [r[note] for r in table.rows] == ["a\r\nb _x0041_ c", "{p, q}"]
    ref = text.replace(
        '<S N="Identity">y</S>', '<Ref N="Identity" RefId="0" />', 1
    )  # the first object
    table = parse_clixml("t.xml", ref, ["MobileDevice"], ["DeviceId"])
    assert table.rows[1][table.index["identity"]] == "x"
    with pytest.raises(ExportError, match="names no object written before"):
        bad = ref.replace('<Ref N="Identity" RefId="0" />', '<Ref N="Identity" RefId="99" />')
        parse_clixml("t.xml", bad, ["MobileDevice"], [])


def test_not_clixml_at_all_is_refused():
    with pytest.raises(ExportError, match=r"t.xml:1:1: <html> is not the root Export-Clixml"):
        parse_clixml("t.xml", "<html></html>", ["MobileDevice"], [])
