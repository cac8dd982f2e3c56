"""Same scenario + same seed ⇒ byte-identical trace; another seed ⇒ a different one."""

from __future__ import annotations

from simulator import load_scenario, run_scenario


def test_same_seed_gives_identical_trace_bytes(first_full_sync, tmp_path):
    scenario = load_scenario(first_full_sync)
    a = run_scenario(scenario, trace_dir=tmp_path / "a")
    b = run_scenario(load_scenario(first_full_sync), trace_dir=tmp_path / "b")
    assert a.passed and b.passed
    assert a.trace_bytes == b.trace_bytes
    assert a.sha256 == b.sha256
    assert (tmp_path / "a" / "first-full-sync.jsonl").read_bytes() == (
        tmp_path / "b" / "first-full-sync.jsonl"
    ).read_bytes()


def test_another_seed_gives_a_different_trace(first_full_sync):
    scenario = load_scenario(first_full_sync)
    a = run_scenario(scenario, seed=1)
    b = run_scenario(scenario, seed=2)
    assert a.sha256 != b.sha256
    assert a.passed and b.passed


def test_trace_never_contains_secrets(first_full_sync):
    result = run_scenario(load_scenario(first_full_sync))
    text = result.trace_bytes.decode()
    assert "P@ssw0rd-svc!" not in text
    assert '"token"' not in text.lower() or "***" in text


def test_trace_lines_are_ordered_json_with_simulated_time(first_full_sync):
    import json

    result = run_scenario(load_scenario(first_full_sync))
    events = [json.loads(line) for line in result.trace_bytes.decode().splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[0]["t"] == "2016-05-02T08:00:00.000Z"
    assert events[-1]["kind"] == "run.end" and events[-1]["t"].startswith("2016-05-03T08:00")
