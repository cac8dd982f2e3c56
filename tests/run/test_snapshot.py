"""Snapshots (docs/snapshots.md): taken between two steps, resumed by replaying their
coordinate, checked against the state they hold.

The central property, on every scenario of the library: a snapshot taken at the middle step
of the run and resumed with the rest of the original steps gives, byte for byte, the trace of
the run that was never interrupted — and taking the snapshot does not change the run either.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from simulator.language import yamlsafe
from simulator.language.loader import ScenarioError, find_scenarios, load_scenario
from simulator.run.batch import run_scenario
from simulator.run.results import RunResult
from simulator.run.runner import Runner
from simulator.run.snapshot.format import (
    FORMAT,
    VERSION,
    SnapshotError,
    read_snapshot,
    write_snapshot,
)
from simulator.run.snapshot.resume import SnapshotDiverged, resume
from simulator.run.snapshot.take import SnapshotTaker, parse_point, run_and_save

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = find_scenarios([ROOT / "scenarios"])
# the explorer's shrunk failures are scenario files too: saved and resumed the same way
FINDINGS = find_scenarios([ROOT / "docs" / "explore-findings"])


def _rest_of_steps(path: Path, steps_applied: int, out: Path) -> Path:
    """A steps file with the scenario's own steps after the first `steps_applied`, copied
    from its YAML as written."""
    data, _ = yamlsafe.load(path.read_text())
    out.write_text(yaml.safe_dump({"steps": data.get("steps", [])[steps_applied:]}))
    return out


class _Taken(Exception):
    """Stops a run once its snapshot is written: the rest of it is not needed here."""


def _snapshot_only(path: Path, steps_applied: int, out: Path) -> None:
    """Run the scenario up to its boundary after `steps_applied` steps and save it there."""
    scenario = load_scenario(path)
    runner = Runner(scenario)
    taker = SnapshotTaker(
        runner, path.read_text(), parse_point(f"step:{steps_applied}", scenario.start), out
    )

    def hook(steps_done: int) -> None:
        taker(steps_done)
        if taker.saved is not None:
            raise _Taken

    runner.between_steps = hook
    with pytest.raises(_Taken):
        runner.run()


@pytest.mark.parametrize("path", LIBRARY + FINDINGS, ids=lambda p: p.stem)
def test_a_snapshot_at_the_midpoint_resumes_to_the_uninterrupted_trace(
    path: Path, tmp_path: Path
) -> None:
    """The resumed run captures the state again at the boundary, so its trace being the
    uninterrupted run's also shows that capturing changes nothing that follows."""
    scenario = load_scenario(path)
    middle = len(scenario.steps) // 2
    plain = _outcome(lambda: run_scenario(scenario))
    snap = tmp_path / "mid.twin"
    _snapshot_only(path, middle, snap)
    assert read_snapshot(snap, state=False).coordinate["steps_applied"] == middle
    steps = _rest_of_steps(path, middle, tmp_path / "rest.yaml")
    assert _outcome(lambda: resume(snap, steps).result) == plain


def _outcome(run: Callable[[], RunResult]) -> tuple[bytes, bool] | str:
    """A run's trace and verdict, or — for a finding of the explorer's no_crash invariant,
    whose run stops with the twin's or the connector's exception — that exception."""
    try:
        result = run()
    except Exception as exc:  # noqa: BLE001 - the crash is the outcome compared
        return f"{type(exc).__name__}: {exc}"
    return result.trace_bytes, result.passed


# -- forks, the file's own checks, the command line ----------------------------------------------
CAS = ROOT / "scenarios" / "sync" / "cas-failover.yaml"


@pytest.fixture(scope="module")
def cas_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A snapshot of cas-failover after 7 of its 13 steps, and the uninterrupted trace."""
    snap = tmp_path_factory.mktemp("snap") / "cas.twin"
    scenario = load_scenario(CAS)
    result, _ = run_and_save(scenario, CAS.read_text(), parse_point("step:7", scenario.start), snap)
    return snap, result.trace_bytes


def test_a_fork_with_other_steps_is_another_valid_run(
    cas_snapshot: tuple[Path, bytes], tmp_path: Path
) -> None:
    snap, original = cas_snapshot
    steps = tmp_path / "fork.yaml"
    steps.write_text(
        "steps:\n"
        "  - {do: stop_service, host: CONN01}\n"
        "  - advance: 2h\n"
        "expect:\n"
        "  - {path: hosts.CONN01.connector.service_state, equals: Stopped}\n"
    )
    forked = resume(snap, steps)
    assert forked.result.passed, forked.result.failures
    assert forked.result.trace_bytes != original
    # the fork's history up to the snapshot is the original's, event for event (but for the
    # checks of the original's expectations, which the fork's `expect:` replaced)
    header = read_snapshot(snap, state=False).header
    cut = header["summary"]["trace_events"]

    def history(trace: bytes) -> list[dict]:
        events = [json.loads(line) for line in trace.splitlines()]
        return [{k: v for k, v in e.items() if k != "seq"} for e in events if e["kind"] != "expect"]

    before = history(b"\n".join(original.splitlines()[:cut]))
    assert history(forked.result.trace_bytes)[: len(before)] == before
    assert any(
        e.get("do") == "stop_service" for e in history(forked.result.trace_bytes)[len(before) :]
    )
    kinds = [json.loads(line)["kind"] for line in forked.result.trace_bytes.splitlines()]
    assert kinds[-1] == "run.end"


def test_the_state_is_redacted_and_the_header_says_where_the_run_was(
    cas_snapshot: tuple[Path, bytes],
) -> None:
    snap, _ = cas_snapshot
    with gzip.open(snap, "rb") as f:
        header_line, state_text = f.read().split(b"\n", 1)
    header = json.loads(header_line)
    assert header["format"] == FORMAT and header["version"] == VERSION
    assert header["coordinate"]["steps_applied"] == 7
    assert header["coordinate"]["scenario"]["source"] == CAS.read_text()
    assert b"P@ssw0rd-svc!" not in state_text  # the scenario's password, redacted
    assert b'"password":"***"' in state_text
    objects = json.loads(state_text)["objects"]
    assert len(objects["simulator.exchange.device.Device"]["rows"]) == 14
    assert "connector.service.ConnectorService" in objects


def _rewrite(snap: Path, out: Path, edit: callable) -> Path:  # type: ignore[valid-type]
    with gzip.open(snap, "rb") as f:
        header_line, state_text = f.read().split(b"\n", 1)
    header = json.loads(header_line)
    header, state_text = edit(header, state_text)
    out.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + state_text))
    return out


def test_an_older_format_is_refused_naming_its_version(
    cas_snapshot: tuple[Path, bytes], tmp_path: Path
) -> None:
    old = _rewrite(cas_snapshot[0], tmp_path / "old.twin", lambda h, s: ({**h, "version": 0}, s))
    with pytest.raises(SnapshotError, match=r"old\.twin: snapshot format version 0 is older"):
        resume(old)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"name: x\nsteps: []\n", r"bad\.twin: not a snapshot .*found YAML text"),
        (b"", r"bad\.twin: not a snapshot .*found an empty file"),
        (gzip.compress(b'{"format": "something-else"}\n{}', mtime=0), r"not an exchange-twin"),
    ],
    ids=["yaml", "empty", "other-gzip"],
)
def test_a_foreign_file_is_refused_naming_it(tmp_path: Path, content: bytes, expected: str) -> None:
    bad = tmp_path / "bad.twin"
    bad.write_bytes(content)
    with pytest.raises(SnapshotError, match=expected):
        read_snapshot(bad)


def test_a_truncated_or_altered_snapshot_is_refused(
    cas_snapshot: tuple[Path, bytes], tmp_path: Path
) -> None:
    data = cas_snapshot[0].read_bytes()
    cut = tmp_path / "cut.twin"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SnapshotError, match=r"cut\.twin: truncated or damaged"):
        read_snapshot(cut)
    altered = _rewrite(
        cas_snapshot[0], tmp_path / "altered.twin", lambda h, s: (h, s.replace(b"14", b"15", 1))
    )
    with pytest.raises(SnapshotError, match=r"altered\.twin: damaged or altered"):
        read_snapshot(altered)


def test_a_replay_that_reaches_another_state_is_refused(
    cas_snapshot: tuple[Path, bytes], tmp_path: Path
) -> None:
    """A snapshot whose coordinate no longer leads to its state (another twin's models, here
    a consistent file with one device's state changed) is refused naming the difference."""

    def edit(header: dict, state_text: bytes) -> tuple[dict, bytes]:
        state = json.loads(state_text)
        state["objects"]["simulator.exchange.device.Device"]["rows"][0][3] = "OtherType"
        text = json.dumps(state, separators=(",", ":"))
        header["state_bytes"] = len(text)
        header["state_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        return header, text.encode()

    other = _rewrite(cas_snapshot[0], tmp_path / "other.twin", edit)
    with pytest.raises(SnapshotDiverged, match=r"Device\.rows\[0\]\[3\]"):
        resume(other)


def test_a_steps_file_error_names_its_line(
    cas_snapshot: tuple[Path, bytes], tmp_path: Path
) -> None:
    steps = tmp_path / "steps.yaml"
    steps.write_text("steps:\n  - advance: 1h\n  - {do: stop_service, host: NOPE}\n")
    with pytest.raises(ScenarioError, match=r"steps\.yaml:3:.*unknown host 'NOPE'"):
        resume(cas_snapshot[0], steps)


def test_the_state_does_not_depend_on_the_process(tmp_path: Path) -> None:
    """Saved by one process, resumed by another with another hash seed: sets are written
    sorted and no address or process-wide counter reaches the state."""
    import os
    import subprocess
    import sys

    cli = [sys.executable, "-m", "simulator.cli"]
    snap = tmp_path / "p.twin"
    env = {**os.environ, "PYTHONHASHSEED": "1"}
    done = subprocess.run(
        [*cli, "run", str(CAS), "--snapshot-at", "3h", "--save", str(snap)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "after 7 steps" in done.stderr and "a snapshot is taken between two steps" in done.stderr
    plain = run_scenario(load_scenario(CAS))
    assert f"trace sha256 {plain.sha256}" in done.stdout  # taking it changed nothing
    env["PYTHONHASHSEED"] = "2"
    done = subprocess.run(
        [*cli, "run", "--from", str(snap), "--trace", str(tmp_path / "t")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "state sha256 matches" in done.stderr
    assert (tmp_path / "t" / "cas-failover.jsonl").read_bytes() == plain.trace_bytes
    shown = subprocess.run(
        [*cli, "snapshot", "show", str(snap), "--verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0 and "(verified)" in shown.stdout
    assert "simulator.exchange.device.Device" in shown.stdout


def test_write_snapshot_writes_the_same_bytes_for_the_same_state(tmp_path: Path) -> None:
    a, b = tmp_path / "a.twin", tmp_path / "b.twin"
    for out in (a, b):
        write_snapshot(out, "0", {"steps_applied": 0}, {}, '{"x":1}')
    assert a.read_bytes() == b.read_bytes()
    assert read_snapshot(a).state == {"x": 1}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", str(CAS), "--snapshot-at", "3h"], "--snapshot-at needs --save"),
        (["run", str(CAS), "--save", "x.twin"], "--save needs --snapshot-at"),
        (["run", str(CAS), "--snapshot-at", "soon", "--save", "x.twin"], "expected a duration"),
        (["run", "--from", "x.twin", "a.yaml", "b.yaml"], "at most one steps file"),
        (["run", "--from", "x.twin", "--seed", "3"], "--seed cannot be combined with --from"),
        (["run"], "give scenario files or folders"),
    ],
    ids=["no-save", "no-at", "bad-at", "two-steps-files", "seed", "nothing"],
)
def test_the_command_line_refuses_what_does_not_go_together(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.cli import main

    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_snapshot_after_the_last_step_is_refused_and_nothing_written(tmp_path: Path) -> None:
    scenario = load_scenario(CAS)
    with pytest.raises(SnapshotError, match=r"no snapshot written: the steps of cas-failover end"):
        run_and_save(scenario, CAS.read_text(), parse_point("30d", scenario.start), tmp_path / "x")
    assert not (tmp_path / "x").exists()
