"""`exchange-twin run`: selection, exit codes, JSON and JUnit reports, parallel workers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.cli.select import Keyword, KeywordError
from simulator.run.batch import run_many
from tests.reports.helpers import suite, write_scenario


def ran(out: str) -> list[str]:
    names = ("alpha-sync", "beta-sync", "gamma-proxy")
    return [n for n in names if f"│ {n}" in out]


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("sync", ["alpha-sync", "beta-sync"]),
        ("SYNC", ["alpha-sync", "beta-sync"]),
        ("not sync", ["gamma-proxy"]),
        ("alpha or gamma", ["alpha-sync", "gamma-proxy"]),
        ("sync and not beta", ["alpha-sync"]),
        ("not (alpha or beta)", ["gamma-proxy"]),
        ("beta or alpha and proxy", ["beta-sync"]),  # and binds tighter than or
        ("a-sync", ["alpha-sync", "beta-sync"]),
    ],
)
def test_keyword_expressions(expression, selected):
    expr = Keyword(expression)
    assert [n for n in ("alpha-sync", "beta-sync", "gamma-proxy") if expr.matches(n)] == selected


@pytest.mark.parametrize("bad", ["", "not", "a and", "(a or b", "a b", "or a", "a )"])
def test_malformed_keyword_expressions_are_refused(bad):
    with pytest.raises(KeywordError):
        Keyword(bad)


def test_k_and_tags_select_and_the_rest_does_not_run(tmp_path, capsys):
    suite(tmp_path)
    assert main(["run", str(tmp_path), "-k", "sync"]) == 0
    assert ran(capsys.readouterr().out) == ["alpha-sync", "beta-sync"]
    assert main(["run", str(tmp_path), "--tags", "smoke,proxy"]) == 1
    assert ran(capsys.readouterr().out) == ["alpha-sync", "gamma-proxy"]
    assert (
        main(["run", str(tmp_path), "--tags", "proxy", "--tags", "SMOKE", "-k", "not gamma"]) == 0
    )
    assert ran(capsys.readouterr().out) == ["alpha-sync"]


def test_selection_of_nothing_exits_2_and_says_why(tmp_path, capsys):
    suite(tmp_path)
    assert main(["run", str(tmp_path), "--tags", "nope"]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "--tags nope selects none of the 3 scenario(s) found" in err
    assert "their tags: proxy, smoke, sync" in err
    assert main(["run", str(tmp_path), "-k", "zeta"]) == 2
    assert "-k 'zeta' selects none" in capsys.readouterr().err
    assert main(["run", str(tmp_path), "-k", "a and"]) == 2
    assert "ends too early" in capsys.readouterr().err
    assert main(["run", str(tmp_path), "--workers", "0"]) == 2


def test_json_and_junit_reports_hold_every_result(tmp_path, capsys):
    suite(tmp_path / "s")
    out_json, out_xml = tmp_path / "out" / "r.json", tmp_path / "out" / "r.xml"
    code = main(["run", str(tmp_path / "s"), "--json", str(out_json), "--junit", str(out_xml)])
    assert code == 1
    doc = json.loads(out_json.read_text())
    assert (doc["version"], doc["passed"], doc["failed"]) == (1, 2, 1)
    names = [r["name"] for r in doc["results"]]
    assert names == ["gamma-proxy", "alpha-sync", "beta-sync"]  # file order: proxy/ before sync/
    gamma = doc["results"][0]
    assert set(gamma) >= {"name", "path", "seed", "passed", "failures", "sha256", "start", "end"}
    assert gamma["passed"] is False and gamma["seed"] == 7
    assert gamma["path"].endswith("gamma-proxy.yaml")
    assert "expected equals 'disconnected', found 'connected'" in gamma["failures"][0]
    assert gamma["start"] == "2016-05-02T08:00:00.000Z" and gamma["end"].startswith("2016-05-02T09")
    assert len(gamma["sha256"]) == 64 and gamma["events"] > 10
    assert doc["results"][2]["seed"] == 11

    root = ET.parse(out_xml).getroot()
    suite_el = root.find("testsuite")
    assert suite_el is not None
    assert (suite_el.get("tests"), suite_el.get("failures"), suite_el.get("errors")) == (
        "3",
        "1",
        "0",
    )
    cases = {c.get("name"): c for c in suite_el.iter("testcase")}
    assert cases["alpha-sync"].find("failure") is None
    assert cases["alpha-sync"].get("classname").endswith("s.sync")
    failure = cases["gamma-proxy"].find("failure")
    assert failure is not None
    assert "found 'connected'" in failure.get("message")
    assert f"reproduce: exchange-twin run {gamma['path']} --seed 7" in failure.text
    props = {p.get("name"): p.get("value") for p in cases["gamma-proxy"].iter("property")}
    assert props["sha256"] == gamma["sha256"] and props["seed"] == "7"
    assert not list(tmp_path.glob("out/*.tmp")) and not list(tmp_path.glob("out/.*"))


def test_reports_never_hold_a_secret(tmp_path):
    password = "P@ssw0rd-svc!"
    path = write_scenario(tmp_path, "leaky", expect=[{"path": "intune.tenant", "equals": password}])
    out = tmp_path / "r"
    args = ["run", str(path), "--json", f"{out}.json", "--junit", f"{out}.xml"]
    assert main([*args, "--html", f"{out}.html"]) == 1
    for suffix in ("json", "xml", "html"):
        text = (tmp_path / f"r.{suffix}").read_text()
        assert "intune.tenant" in text and password not in text, suffix


def test_unwritable_report_exits_2(tmp_path, capsys):
    path = write_scenario(tmp_path, "one")
    (tmp_path / "file").write_text("")
    assert main(["run", str(path), "--json", str(tmp_path / "file" / "r.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_plain_progress_lines_when_stderr_is_not_a_terminal(tmp_path, capsys):
    suite(tmp_path)
    main(["run", str(tmp_path), "--tags", "sync"])
    err = capsys.readouterr().err
    assert "[1/2] pass alpha-sync" in err and "[2/2] pass beta-sync" in err
    assert "\x1b[" not in err


def test_workers_give_the_results_and_traces_of_a_serial_run(tmp_path, capsys):
    files = suite(tmp_path / "s")
    scenarios = [load_scenario(f) for f in sorted(files)]
    serial = run_many(scenarios, trace_dir=tmp_path / "serial")
    parallel = run_many(scenarios, trace_dir=tmp_path / "parallel", workers=2)
    assert [r.name for r in parallel] == [s.name for s in scenarios]
    assert [r.to_dict() for r in parallel] == [r.to_dict() for r in serial]
    for s, p in zip(serial, parallel, strict=True):
        assert s.sha256 == p.sha256 and s.trace_bytes == p.trace_bytes
        name = f"{s.name}.jsonl"
        assert (tmp_path / "serial" / name).read_bytes() == (
            tmp_path / "parallel" / name
        ).read_bytes()


def test_cli_workers_keep_the_order_of_the_files(tmp_path, capsys):
    suite(tmp_path)
    out_json = tmp_path / "r.json"
    assert main(["run", str(tmp_path), "--workers", "2", "--json", str(out_json)]) == 1
    out = capsys.readouterr().out
    assert out.index("gamma-proxy") < out.index("alpha-sync") < out.index("beta-sync")
    doc = json.loads(out_json.read_text())
    assert [r["name"] for r in doc["results"]] == ["gamma-proxy", "alpha-sync", "beta-sync"]


def test_a_scenario_that_crashes_the_twin_is_an_error_not_a_crash(tmp_path, capsys, monkeypatch):
    # A world the models refuse is an invalid file now (exit 2, see tests/fuzz); a crash of
    # the twin itself during the run is what remains an errored result.
    from simulator.run import runner

    def crash(self):
        raise RuntimeError("the twin tripped over itself")

    monkeypatch.setattr(runner.Runner, "run", crash)
    path = write_scenario(tmp_path, "broken-world")
    out_xml, out_html = tmp_path / "r.xml", tmp_path / "r.html"
    assert main(["run", str(path), "--junit", str(out_xml), "--html", str(out_html)]) == 1
    page = out_html.read_text()
    assert 'id="s-broken-world"' in page and "tripped over itself" in page
    captured = capsys.readouterr()
    assert "ERROR" in captured.out
    assert "RuntimeError: the twin tripped over itself" in captured.err
    error = ET.parse(out_xml).getroot().find("testsuite/testcase/error")
    assert error is not None and "tripped over itself" in error.get("message")


def test_a_terminal_gets_a_progress_bar_and_failures_in_file_order(tmp_path):
    import io

    from rich.console import Console

    from simulator.cli.run import _Progress
    from simulator.run.results import RunResult

    scenarios = [load_scenario(f) for f in sorted(suite(tmp_path))]
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    results = [
        RunResult(s.name, s.path, 1, passed=(i != 0), failures=["boom"])
        for i, s in enumerate(scenarios)
    ]
    with _Progress(console, scenarios) as progress:
        assert progress.bar is not None
        progress.result(2, results[2])
        progress.result(1, results[1])
        assert "FAIL" not in stream.getvalue()  # the first file's result is not in yet
        progress.result(0, results[0])
    text = stream.getvalue()
    assert "running scenarios" in text and "FAIL" in text and "boom" in text
    assert "[1/3]" not in text  # no plain lines on a terminal
