"""`exchange-twin why`: the causal chain of a device's access state and of the connection,
from the world re-run to the moment asked about and from the trace (simulator/run/why/)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.language.loader import load_scenario
from simulator.run.batch import run_scenario
from simulator.run.trace import parse_events
from simulator.run.why.connection import connection_from_scenario, explain_connection
from simulator.run.why.device import device_from_trace, explain_device, format_device
from simulator.run.why.missing import explain_missing, format_missing
from simulator.run.why.moment import WhyError

ROOT = Path(__file__).resolve().parent.parent
BLOCK = ROOT / "scenarios/access/block-until-compliant.yaml"
PROXY = ROOT / "scenarios/proxy/proxy-blocks-intune.yaml"


@cache
def _answer(device: str, at: str | None = None) -> dict[str, Any]:
    return explain_device(load_scenario(BLOCK), device, at)


def test_blocked_device_chain_names_the_list_the_cmdlet_and_the_intune_decision() -> None:
    answer = _answer("ANNPHONE")
    ex, it = answer["exchange"], answer["intune"]
    assert ex["reported"] == {"state": "Blocked", "reason": "Individual", "rule": None}
    assert ex["decided_by"] == "block_list"
    assert [s["outcome"] for s in ex["order"]][:3] == ["did not apply", "decided", "not reached"]
    # the last cmdlet that put it on the block list, and the command it carried out
    put = answer["put_there_by"]
    assert put["t"] == "2016-05-02T09:30:12.228Z" and put["cmdlet"].startswith("Set-CasMailbox")
    assert put["command"]["type"] == "block" and put["command"]["reason"] == "notCompliant"
    assert it["decision"]["access"] == "block" and it["decision"]["reason"] == "notCompliant"
    assert it["targeting"]["included_groups"] == ["Mobile Users"]
    # what would change it: computed by Exchange's and Intune's own decisions
    assert any("would report Allowed (DeviceRule" in c for c in ex["what_would_change"])
    assert "compliant, Intune would decide allow (compliant)" in it["what_would_change"]
    assert answer["sync"]["jobs"] == ["poll", "fullSync", "heartbeat"]
    text = format_device(answer)
    assert "put on the list by Set-CasMailbox" in text and "— decided" in text


def test_at_an_earlier_moment_the_allow_list_decides() -> None:
    answer = _answer("ANNPHONE", "1h30m")
    assert answer["at"] == "2016-05-02T09:30:00.000Z"
    assert answer["exchange"]["decided_by"] == "allow_list"
    assert answer["intune"]["decision"]["reason"] == "compliant"
    assert all(h["t"] <= answer["at"] for h in answer["history"])


def test_device_of_an_excluded_user_is_decided_by_the_rule_and_not_by_intune() -> None:
    answer = _answer("VICPHONE")
    assert answer["exchange"]["decided_by"] == "rules"
    assert answer["exchange"]["reported"]["rule"] == "iPhone (DeviceType)"
    assert not answer["intune"]["reported"]
    assert answer["intune"]["targeting"]["excluded_groups"] == ["VIP"]
    assert any("not targeted" in c for c in answer["intune"]["what_would_change"])


def test_unknown_device_and_moment_after_the_run_are_refused() -> None:
    with pytest.raises(WhyError, match="no device NOPE"):
        explain_device(load_scenario(BLOCK), "NOPE")
    with pytest.raises(WhyError, match="before that moment"):
        explain_device(load_scenario(BLOCK), "ANNPHONE", "3d")


def test_trace_alone_gives_the_history_only() -> None:
    events = parse_events(run_scenario(load_scenario(BLOCK)).trace_bytes, "t")
    answer = device_from_trace(events, "annphone", "1h")
    assert answer["exchange"] is None and answer["intune"] is None
    assert [h["t"] for h in answer["history"]] == [
        "2016-05-02T08:00:00.000Z",
        "2016-05-02T08:25:06.724Z",
    ]
    assert "unknown from a trace alone" in format_device(answer)


def test_connection_names_the_last_failing_call() -> None:
    answer = connection_from_scenario(load_scenario(PROXY))
    failed = answer["last_failed_call"]
    assert failed["outcome"] == "proxy_forbidden" and failed["url"].endswith("/connectors")
    assert not answer["failed_after_last_success"]


def test_connection_names_the_fault_active_at_the_failing_call() -> None:
    events = [
        {"seq": 0, "t": "2016-05-02T08:00:00.000Z", "kind": "run.start"},
        {"seq": 1, "t": "2016-05-02T08:10:00.000Z", "kind": "http", "host": "CONN01",
         "method": "GET", "url": "https://x/commands", "status": 503},
        {"seq": 2, "t": "2016-05-02T09:00:00.000Z", "kind": "fault", "fault": "intune_outage",
         "start": "2016-05-02T08:05:00.000Z", "end": "2016-05-02T08:30:00.000Z", "params": {}},
        {"seq": 3, "t": "2016-05-02T09:00:00.000Z", "kind": "fault", "fault": "dns_failure",
         "start": "2016-05-02T08:20:00.000Z", "end": None, "params": {}},
    ]  # fmt: skip
    answer = explain_connection(events)
    assert answer["last_failed_call"]["status"] == 503
    assert answer["failed_after_last_success"]
    assert [f["fault"] for f in answer["faults_active_then"]] == ["intune_outage"]


def test_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["why", "VICPHONE", "--scenario", str(BLOCK), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exchange"]["decided_by"] == "rules"
    assert main(["why", "NOPE", "--scenario", str(BLOCK)]) == 2
    assert "no device NOPE" in capsys.readouterr().err
    assert main(["why", "ANNPHONE"]) == 2
    assert "exactly one of" in capsys.readouterr().err
    bad = tmp_path / "t.jsonl"
    bad.write_text("not json\n")
    assert main(["why", "connection", "--trace", str(bad)]) == 2
    assert "t.jsonl:1" in capsys.readouterr().err


def _missing(path: str, who: str, at: str | None = None) -> dict[str, Any]:
    return explain_missing(load_scenario(ROOT / "scenarios" / path), who, at)


def test_missing_names_smtp_differing_from_upn_until_it_is_fixed() -> None:
    before = _missing("sync/smtp-differs-from-upn.yaml", "CONTOSO\\ann", "30m")
    assert before["failing"] == ["smtp_is_upn"]
    assert before["devices"] == [
        {
            "device_id": "ANNPHONE01",
            "client_type": "EAS",
            "partnership": True,
            "in_intune": False,
            "last_reported": None,
        }
    ]
    after = _missing("sync/smtp-differs-from-upn.yaml", "ann@contoso.local")
    assert after["failing"] == [] and after["devices"][0]["in_intune"]


def test_missing_names_the_licence_the_exclusion_and_the_organisation() -> None:
    assert _missing("sync/unlicensed-users-not-reported.yaml", "ann")["failing"] == ["licence"]
    victor = _missing("access/block-until-compliant.yaml", "CONTOSO\\victor")
    assert victor["failing"] == ["targeting"] and "excluded by ['VIP']" in format_missing(victor)
    other = _missing("replacement/two-organisations-2016.yaml", "jenny.cross@fabrikam.local", "30m")
    assert other["failing"] == ["organization", "synced"]


def test_missing_unknown_user_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "missing", "nobody", "--scenario", str(BLOCK)]) == 2
    assert "no user nobody" in capsys.readouterr().err
    assert main(["why", "missing", "--scenario", str(BLOCK)]) == 2
    assert main(["why", "missing", "ann", "--trace", "x.jsonl"]) == 2
    assert main(["why", "connection", "ann", "--scenario", str(BLOCK)]) == 2


def test_html_report_opens_each_named_device_on_a_click() -> None:
    from simulator.reports.html import html_report
    from simulator.reports.runs import TraceRun

    result = run_scenario(load_scenario(BLOCK))
    page = html_report([TraceRun.parse(result.trace_bytes, "t", path="block.yaml")])
    assert "Devices (9): click one for its history" in page
    start = page.index('<details class="device"><summary><code>ANNPHONE</code>')
    device = page[start : page.index("</details>", start)]
    assert "2016-05-02T09:30:12.228Z" in device and "Set-CasMailbox" in device
    assert "exchange-twin why ANNPHONE --scenario block.yaml" in device
