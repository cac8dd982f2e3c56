"""`exchange-twin trace diff`: the first divergence, both events and the fields that differ."""

from __future__ import annotations

import json

from simulator import load_scenario, run_scenario
from simulator.cli import main
from simulator.reports.tracediff import ABSENT, field_differences, first_divergence


def lines(*events: dict) -> str:
    return "".join(json.dumps({"seq": i, **e}, sort_keys=True) + "\n" for i, e in enumerate(events))


def test_identical_traces_exit_0(first_full_sync, tmp_path, capsys):
    result = run_scenario(load_scenario(first_full_sync), trace_dir=tmp_path / "a")
    run_scenario(load_scenario(first_full_sync), trace_dir=tmp_path / "b")
    a, b = tmp_path / "a" / "first-full-sync.jsonl", tmp_path / "b" / "first-full-sync.jsonl"
    assert main(["trace", "diff", str(a), str(b)]) == 0
    assert f"traces are identical: {result.events} events" in capsys.readouterr().out


def test_two_seeds_diverge_at_the_first_differing_event(first_full_sync, tmp_path, capsys):
    scenario = load_scenario(first_full_sync)
    a = run_scenario(scenario, seed=1, trace_dir=tmp_path / "a").trace_bytes.decode().splitlines()
    b = run_scenario(scenario, seed=2, trace_dir=tmp_path / "b").trace_bytes.decode().splitlines()
    path_a = tmp_path / "a" / "first-full-sync.jsonl"
    path_b = tmp_path / "b" / "first-full-sync.jsonl"
    assert main(["trace", "diff", str(path_a), str(path_b)]) == 1
    out = capsys.readouterr().out
    assert "traces differ at line 1 (0 identical line(s) before it)" in out
    assert out.endswith("differing fields:\n    seed: A 1  B 2\n")
    # leaving the seed out, the worlds themselves part at the first id drawn from it
    assert main(["trace", "diff", str(path_a), str(path_b), "--ignore", "seed"]) == 1
    out = capsys.readouterr().out

    def strip(line: str) -> dict:
        return {k: v for k, v in json.loads(line).items() if k != "seed"}

    first = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if strip(x) != strip(y))
    assert first > 0
    assert f"traces differ at line {first + 1} ({first} identical line(s) before it)" in out
    assert f"A {path_a}:{first + 1}: {a[first]}" in out
    assert f"B {path_b}:{first + 1}: {b[first]}" in out
    assert f"last common event (line {first}): {a[first - 1]}" in out
    differing = [p for p, _, _ in field_differences(strip(a[first]), strip(b[first]))]
    assert differing and all(f"    {p}: A " in out for p in differing)


def test_differing_fields_are_named_by_dotted_path(tmp_path, capsys):
    base = {"kind": "cmdlet", "t": "T0", "params": {"Identity": "a", "ResultSize": 10}, "n": [1, 2]}
    other = {"kind": "cmdlet", "t": "T0", "params": {"Identity": "b"}, "n": [1, 3], "warn": True}
    (tmp_path / "a.jsonl").write_text(lines({"kind": "run.start"}, base))
    (tmp_path / "b.jsonl").write_text(lines({"kind": "run.start"}, other))
    assert main(["trace", "diff", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]) == 1
    out = capsys.readouterr().out
    assert "traces differ at line 2 (1 identical line(s) before it)" in out
    assert '    params.Identity: A "a"  B "b"' in out
    assert "    params.ResultSize: A 10  B <absent>" in out
    assert "    n.1: A 2  B 3" in out
    assert "    warn: A <absent>  B true" in out
    assert "kind:" not in out.split("differing fields:")[1]


def test_a_prefix_diverges_where_the_shorter_trace_ends(tmp_path, capsys):
    events = [{"kind": "step", "index": i} for i in range(5)]
    (tmp_path / "long.jsonl").write_text(lines(*events))
    (tmp_path / "short.jsonl").write_text(lines(*events[:3]))
    assert main(["trace", "diff", str(tmp_path / "short.jsonl"), str(tmp_path / "long.jsonl")]) == 1
    out = capsys.readouterr().out
    assert f"traces differ at line 4: {tmp_path / 'short.jsonl'} ends after line 3" in out
    assert f"{tmp_path / 'long.jsonl'}:4: " in out and '"index":3' in out
    assert "and 1 more line(s)" in out
    assert main(["trace", "diff", str(tmp_path / "long.jsonl"), str(tmp_path / "short.jsonl")]) == 1
    assert f"{tmp_path / 'short.jsonl'} ends after line 3" in capsys.readouterr().out


def test_ignored_fields_and_json_types(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text(lines({"kind": "x", "t": "T1", "n": 1}))
    (tmp_path / "b.jsonl").write_text(lines({"kind": "x", "t": "T2", "n": 1}))
    (tmp_path / "c.jsonl").write_text(lines({"kind": "x", "t": "T1", "n": 1.0}))
    a, b, c = (str(tmp_path / f"{n}.jsonl") for n in "abc")
    assert main(["trace", "diff", a, b]) == 1
    assert main(["trace", "diff", a, b, "--ignore", "t"]) == 0
    assert "ignoring t" in capsys.readouterr().out
    assert main(["trace", "diff", a, c]) == 1  # 1 and 1.0 are different events
    assert first_divergence([{"n": True}], [{"n": 1}]) is not None
    assert field_differences({"a": 1}, {}) == [("a", 1, ABSENT)]


def test_unreadable_files_exit_2(tmp_path, capsys):
    good = tmp_path / "good.jsonl"
    good.write_text(lines({"kind": "x"}))
    assert main(["trace", "diff", str(good), str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: cannot read the file" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "x"}\n[1, 2]\n')
    assert main(["trace", "diff", str(bad), str(good)]) == 2
    assert "bad.jsonl:2: not a trace line (no event kind)" in capsys.readouterr().err
    bad.write_bytes(b"\xff\xfe")
    assert main(["trace", "diff", str(good), str(bad)]) == 2
    assert "not a UTF-8 text file" in capsys.readouterr().err
