"""The HTML report: one self-contained page with a timeline, built from traces alone."""

from __future__ import annotations

import re

from simulator.cli import main
from simulator.reports.html import html_report
from simulator.reports.runs import TraceRun
from simulator.reports.timeline import timeline_svg
from simulator.run.runner import Runner
from tests.conftest import make_scenario
from tests.reports.helpers import suite, write_scenario

EXTERNAL = re.compile(
    r"""(src|href)\s*=\s*["']?(https?:|//)|url\(|@import|<link\b|<script\b[^>]*src""", re.I
)


def faulty_run() -> TraceRun:
    """Exchange down for the first two hours: the first syncs fail, then one succeeds."""
    scenario = make_scenario(
        steps=[
            *make_scenario().model_dump(mode="json")["steps"][:3],
            {"advance": "4h"},
        ],
        expect=[
            {"path": "intune.inventory.count", "equals": 0, "at": "1h"},
            {"path": "intune.exchange_connection.status", "equals": "connected"},
            {"path": "intune.inventory.count", "at_least": 1000},
        ],
    )
    runner = Runner(scenario)
    runner.world.faults.schedule("exchange_down", 2.0, 7200.0, server="EX01")
    result = runner.run()
    return TraceRun.parse(result.trace_bytes, "faulty.jsonl", path="faulty.yaml")


def test_trace_carries_samples_and_fault_bands_for_the_report():
    run = faulty_run()
    samples = run.of_kind("sample")
    assert samples[0]["t"] == "2016-05-02T08:00:00.000Z"
    assert samples[0]["connection"] is None and samples[0]["intune_devices"] == 0
    assert samples[-1]["connection"] == "connected" and samples[-1]["intune_devices"] > 0
    assert all(s["exchange_devices"] == samples[0]["exchange_devices"] for s in samples)
    assert samples[-1]["connectors"] == {"CONN01": "Running"}
    # only changes are sampled: no two consecutive samples are the same
    bodies = [{k: v for k, v in s.items() if k not in ("seq", "t")} for s in samples]
    assert all(a != b for a, b in zip(bodies, bodies[1:], strict=False))
    (fault,) = run.of_kind("fault")
    assert fault == {
        **fault,
        "fault": "exchange_down",
        "start": "2016-05-02T08:00:02.000Z",
        "end": "2016-05-02T10:00:00.000Z",
        "params": {"server": "EX01"},
    }
    jobs = run.of_kind("connector.jobs")
    assert jobs[0]["errors"] and not jobs[-1]["errors"]


def test_timeline_svg_draws_jobs_states_devices_faults_and_expectations():
    run = faulty_run()
    svg = timeline_svg(run)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for label in ("steps", "jobs CONN01", "Intune connection", "service CONN01", "devices"):
        assert f">{label}</text>" in svg
    assert svg.count('<circle class="job"') == len(
        [j for j in run.of_kind("connector.jobs") if j["ran"]]
    )
    assert 'fill="#d64545"><title>fullSync at' in svg  # a failed sync, in red
    assert 'fill="#2e9e5b"><title>fullSync at' in svg  # and a successful one
    assert '<rect class="fault"' in svg and "⚠ exchange_down" in svg
    assert "fault exchange_down from 2016-05-02T08:00:02.000Z to 2016-05-02T10:00:00.000Z" in svg
    assert svg.count('class="series') == 2
    assert "✓<title>#1 intune.inventory.count equals 0 at 1h: held" in svg
    assert "✗<title>#3 intune.inventory.count at_least 1000" in svg
    assert "connected" in svg and "Running" in svg


def test_report_is_self_contained_with_summary_expectations_and_timeline():
    run = faulty_run()
    page = html_report([run])
    assert page.startswith("<!doctype html>")
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "<style>" in page and '<svg class="timeline"' in page
    assert page.count("<svg") == 1
    assert run.sha256 in page and "exchange-twin run faulty.yaml --seed 7" in page
    assert "intune.inventory.count equals 0 at 1h" in page
    assert "2016-05-02T09:00:00+00:00" in page  # when the timed expectation was checked
    assert "expected at_least 1000.0, found" in page
    assert page.count('<span class="badge pass">PASS</span>') == 2  # two expectations held
    assert '<section class="scenario fail"' in page
    assert html_report([run]) == page  # same trace, same page


def test_run_html_and_report_from_saved_traces_give_the_same_page(tmp_path, capsys):
    suite(tmp_path / "s")
    html_run, html_saved = tmp_path / "run.html", tmp_path / "saved.html"
    code = main(
        ["run", str(tmp_path / "s"), "--trace", str(tmp_path / "t"), "--html", str(html_run)]
    )
    assert code == 1
    traces = sorted((tmp_path / "t").glob("*.jsonl"))
    assert len(traces) == 3
    assert main(["report", str(tmp_path / "t"), "-o", str(html_saved)]) == 0
    page, saved = html_run.read_text(), html_saved.read_text()
    for name in ("alpha-sync", "beta-sync", "gamma-proxy"):
        assert f'id="s-{name}"' in page and f'id="s-{name}"' in saved
    assert (
        "3 scenario(s): 2 passed, 1 failed" in page and "3 scenario(s): 2 passed, 1 failed" in saved
    )

    # from saved traces the scenario file is unknown: apart from the reproducer's file name,
    # each scenario's section is the same as the one the run wrote
    def sections(text: str) -> dict[str, str]:
        parts = re.findall(r'(<section class="scenario.*?</section>)', text, re.S)
        return {
            re.search(r'id="(s-[^"]+)"', part).group(1): re.sub(r"exchange-twin run \S+", "", part)
            for part in parts
        }

    assert sections(page) == sections(saved)
    assert not EXTERNAL.search(saved)


def test_report_from_unreadable_or_invalid_traces_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "r.html")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind":"run.start","seq":0,"t":"2016-05-02T08:00:00.000Z"}\nnot json\n')
    assert main(["report", str(bad), "-o", str(tmp_path / "r.html")]) == 2
    assert f"{bad}:2: not a trace line" in capsys.readouterr().err.replace("\n", "")
    assert not (tmp_path / "r.html").exists()


def test_html_of_a_passing_scenario_has_no_failure_section(tmp_path):
    path = write_scenario(
        tmp_path,
        "quiet",
        expect=[{"path": "intune.exchange_connection.status", "equals": "connected"}],
    )
    out = tmp_path / "r.html"
    assert main(["run", str(path), "--html", str(out)]) == 0
    page = out.read_text()
    assert "<h3>Failures</h3>" not in page and '<section class="scenario pass"' in page
