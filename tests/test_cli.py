"""The command line: exit codes, invalid input reported with file, line and field."""

from __future__ import annotations

import textwrap

from simulator.cli import main


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_run_passes_on_the_library_scenario(first_full_sync, capsys):
    assert main(["run", str(first_full_sync)]) == 0
    out = capsys.readouterr().out
    assert "first-full-sync" in out and "1 passed, 0 failed" in out


def test_run_folder_with_trace_dir_writes_one_trace_per_scenario(first_full_sync, tmp_path):
    assert main(["run", str(first_full_sync.parent), "--trace", str(tmp_path)]) == 0
    assert (tmp_path / "first-full-sync.jsonl").stat().st_size > 0


def test_unknown_key_exits_2_naming_file_line_and_field(tmp_path, capsys):
    path = write(
        tmp_path,
        "bad.yaml",
        """\
        name: bad
        world:
          exchange:
            verison: "2013 CU12"
        steps: []
    """,
    )
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4:" in err.replace("\n", "")
    assert "world.exchange.verison" in err
    assert "did you mean version" in err


def test_wrong_type_exits_2_naming_file_line_and_field(tmp_path, capsys):
    path = write(
        tmp_path,
        "bad.yaml",
        """\
        name: bad
        world:
          population:
            users: lots
    """,
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert f"{path}:4:" in err
    assert "world.population.users" in err
    assert "integer" in err


def test_unknown_action_suggests_the_closest(tmp_path, capsys):
    path = write(
        tmp_path,
        "bad.yaml",
        """\
        name: bad
        steps:
          - do: instal
    """,
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "unknown action 'instal'" in err and "did you mean install" in err
    assert f"{path}:3:" in err


def test_failed_expectation_exits_1_with_reproducer(tmp_path, capsys, first_full_sync):
    text = first_full_sync.read_text().replace("equals: connected", "equals: disconnected")
    path = write(tmp_path, "fails.yaml", text)
    assert main(["run", str(path)]) == 1
    err = capsys.readouterr().err.replace("\n", "")
    assert (
        "intune.exchange_connection.status: expected equals 'disconnected', found 'connected'"
        in err
    )
    # the console wraps long lines wherever the path's length puts the break
    assert f"exchange-twin run {path} --seed 42".replace(" ", "") in err.replace(" ", "")


def test_seed_override_changes_the_trace(first_full_sync, capsys):
    main(["run", str(first_full_sync), "--seed", "5"])
    a = capsys.readouterr().out
    main(["run", str(first_full_sync), "--seed", "6"])
    b = capsys.readouterr().out
    assert "│ 5 " in a and "│ 6 " in b
    sha = [
        line.split()[-2]
        for line in (a, b)
        for line in line.splitlines()
        if "first-full-sync" in line
    ]
    assert sha[0] != sha[1]


def test_missing_path_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2


def test_list_and_schema(first_full_sync, capsys):
    assert main(["list", str(first_full_sync.parent)]) == 0
    assert "first-full-sync" in capsys.readouterr().out
    assert main(["schema"]) == 0
    import json

    schema = json.loads(capsys.readouterr().out)
    assert {"name", "world", "steps", "expect"} <= set(schema["properties"])
