"""Lab exercises (labs/*.yaml): each loads, its solution played by the runner turns every
check green, its starting world alone leaves a check red (so no check passes vacuously), and
a bad exercise file is refused at its line and column, naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.lab.exercises import (
    ExerciseError,
    evaluate,
    find_exercises,
    is_exercise_file,
    load_exercise,
    parse_exercise,
    score,
)
from simulator.language.schema import Advance
from simulator.run.runner import Runner

ROOT = Path(__file__).resolve().parents[2]
LABS = ROOT / "labs"
EXERCISES = find_exercises(LABS)


def test_at_least_five_exercises_ship_and_follow_the_guide():
    names = {load_exercise(p).name for p in EXERCISES}
    assert len(EXERCISES) >= 5
    assert {
        "install-and-connect",
        "fix-the-service-accounts-rights",
        "proxy-change-needs-reconfigure",
        "replace-the-connection",
        "why-is-this-device-blocked",
    } <= names


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_the_solution_turns_every_check_green(path: Path):
    exercise = load_exercise(path)
    assert exercise.solution, "every shipped exercise carries its solution"
    runner = Runner(exercise.replay())
    result = runner.run()
    assert result.passed, result.failures
    results = evaluate(exercise, runner)
    assert [r.title for r in results if not r.passed] == []
    assert score(results).done


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_the_starting_world_alone_leaves_a_check_red_even_after_a_day(path: Path):
    exercise = load_exercise(path)
    runner = Runner(exercise.replay(steps=[Advance(advance="1d")], name="untouched"))
    runner.run()
    results = evaluate(exercise, runner)
    red = [r for r in results if not r.passed]
    assert red, "an exercise must not be solved by waiting"
    assert all(r.detail for r in red)  # a red check says what was found instead
    assert score(results).passed < score(results).total


def test_the_starting_world_plays_without_a_failed_step():
    """A starting world is a story told before the student arrives: its steps (expected
    failures aside) all succeed, or the student would start from a broken script."""
    for path in EXERCISES:
        runner = Runner(load_exercise(path).replay(steps=[], name="start"))
        runner.run()
        assert runner.world.trace.count("step.failed", expected=False) == 0, path


def test_another_right_fix_is_green_and_a_wrong_one_stays_red():
    """Checks judge the world, not the keystrokes: allowing the one device on Paul's mailbox
    also solves exercise 5, while opening the organisation's default does not."""
    exercise = load_exercise(LABS / "05-why-is-this-device-blocked.yaml")
    admin = "CONTOSO\\exadmin"
    right = [
        {
            "exchange": "Set-CASMailbox paul -ActiveSyncAllowedDeviceIDs PAULIPHONE",
            "account": admin,
        },
        {"advance": "10m"},
    ]
    wrong = [
        {
            "exchange": 'Remove-ActiveSyncDeviceAccessRule "iPhone (DeviceType)" -Confirm:$false',
            "account": admin,
        },
        {
            "exchange": "Set-ActiveSyncOrganizationSettings -DefaultAccessLevel Allow",
            "account": admin,
        },
        {"advance": "10m"},
    ]
    outcomes = {}
    for name, steps in (("right", right), ("wrong", wrong)):
        runner = Runner(exercise.replay(steps=steps, name=name))
        runner.run()
        outcomes[name] = {r.title: r.passed for r in evaluate(exercise, runner)}
    assert all(outcomes["right"].values()), outcomes["right"]
    assert outcomes["wrong"]["Exchange allows Paul's iPhone"] is True
    assert outcomes["wrong"]["Unknown devices are still blocked by default"] is False


def test_evaluating_uses_the_runners_checker_and_redacts_secrets():
    exercise = parse_exercise(
        (LABS / "01-install-and-connect.yaml")
        .read_text()
        .replace(
            "checks:\n",
            "checks:\n  - {title: secret, path: intune.mdm_authority, equals: 'Lab-Svc-2016!'}\n",
            1,
        ),
        str(LABS / "01-probe.yaml"),
    )
    runner = Runner(exercise.replay(steps=[], name="probe"))
    runner.run()
    first = evaluate(exercise, runner)[0]
    assert first.passed is False
    assert "Lab-Svc-2016!" not in first.expectation + (first.detail or "")
    assert runner.check(exercise.checks[0]) != []  # the same verdict as the runner's own


def test_a_student_sees_the_task_never_the_solution():
    exercise = load_exercise(LABS / "03-proxy-change-needs-reconfigure.yaml")
    shown = json.dumps(exercise.describe())
    assert exercise.task.split()[0] in shown
    assert "proxy2.contoso.local" in exercise.task
    assert "solution" not in exercise.describe()
    assert "reconfigure" not in [c for c in exercise.describe()["checks"]]


def test_a_referenced_world_is_read_from_beside_the_exercise():
    exercise = load_exercise(LABS / "01-install-and-connect.yaml")
    assert exercise.scenario_path == str(LABS / "worlds" / "contoso-before-the-connector.yaml")
    assert exercise.scenario.name == "contoso-before-the-connector"
    assert exercise.scenario.expect == []


# -- bad files -------------------------------------------------------------------------------------
GOOD = """\
name: tiny
title: A tiny exercise
task: Connect.
scenario:
  name: tiny-world
  world:
    directory:
      accounts:
        - {name: CONTOSO\\\\svc, password: "pw-123456!", role_groups: [Organization Management]}
    hosts: [{name: CONN01}]
  steps:
    - do: install
checks:
  - title: connected
    path: intune.exchange_connection.status
    equals: connected
solution:
  - do: configure
    exchange: {server: ex01.contoso.local}
    account: {user: CONTOSO\\\\svc, password: "pw-123456!"}
"""


def test_the_small_good_file_is_valid():
    exercise = parse_exercise(GOOD, "tiny.yaml")
    assert exercise.name == "tiny" and len(exercise.solution) == 1


@pytest.mark.parametrize(
    ("old", "new", "where", "says"),
    [
        ("title: A tiny", "titel: A tiny", "tiny.yaml:2:1: titel", "did you mean title"),
        (
            "    equals: connected",
            "    equals: connected\n    count: 3",
            "tiny.yaml:14:5: checks[0]",
            "a path expectation takes",
        ),
        (
            "    equals: connected",
            "    equals: connected\n    at: 2h",
            "tiny.yaml:14:5: checks[0]",
            "drop at:",
        ),
        (
            "    - do: install",
            "    - do: instal",
            "tiny.yaml:12:11: scenario.steps[0].do",
            "did you mean install",
        ),
        (
            "hosts: [{name: CONN01}]",
            "hosts: [{name: CONN01, domian: x}]",
            "tiny.yaml:10:28: scenario.world.hosts[0].domian",
            "did you mean domain",
        ),
        (
            "    - do: install",
            "    - {do: install, host: CONN09}",
            "tiny.yaml:12:27: scenario.steps[0].host",
            "unknown host 'CONN09'",
        ),
        (
            "  - do: configure",
            "  - do: configur",
            "tiny.yaml:18:9: solution[0].do",
            "did you mean configure",
        ),
        (
            "    exchange: {server: ex01.contoso.local}",
            "    exchange: {servr: ex01.contoso.local}",
            "tiny.yaml:19:16: solution[0].exchange.servr",
            "did you mean server",
        ),
        (
            "  - do: configure",
            "  - do: configure\n    host: CONN02",
            "tiny.yaml:19:11: solution[0].host",
            "unknown host 'CONN02'",
        ),
    ],
)
def test_a_bad_exercise_is_refused_at_its_line_naming_the_field(old, new, where, says, tmp_path):
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    with pytest.raises(ExerciseError) as caught:
        parse_exercise(text, "tiny.yaml")
    message = str(caught.value)
    assert message.startswith(where), message
    assert says in message


def test_a_file_that_is_not_a_mapping_or_not_yaml_is_refused_with_a_position(tmp_path):
    for text, where in (("- a\n- b\n", "x.yaml:1:1"), ("name: [unclosed\n", "x.yaml:2:1")):
        with pytest.raises(ExerciseError) as caught:
            parse_exercise(text, "x.yaml")
        assert str(caught.value).startswith(where), str(caught.value)
    missing = tmp_path / "absent.yaml"
    with pytest.raises(ExerciseError, match="cannot read the file"):
        load_exercise(missing)


def test_an_error_in_a_referenced_world_names_that_file(tmp_path):
    (tmp_path / "world.yaml").write_text("name: w\nsteps:\n  - do: instal\n")
    (tmp_path / "ex.yaml").write_text(
        "name: ex\ntitle: t\ntask: t\nscenario: world.yaml\n"
        "checks: [{title: t, path: intune.connectors, equals: 1}]\n"
    )
    with pytest.raises(ExerciseError) as caught:
        load_exercise(tmp_path / "ex.yaml")
    assert str(caught.value).startswith(f"{tmp_path / 'world.yaml'}:3:9: steps[0].do")
    (tmp_path / "ex.yaml").write_text(
        (tmp_path / "ex.yaml").read_text().replace("world.yaml", "nowhere.yaml")
    )
    with pytest.raises(ExerciseError) as caught:
        load_exercise(tmp_path / "ex.yaml")
    assert str(caught.value).startswith(f"{tmp_path / 'ex.yaml'}:4:11: scenario: no scenario file")


# -- the command line ------------------------------------------------------------------------------
def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_validate_reads_exercises_and_scenarios_alike(tmp_path):
    done = _cli("validate", "labs")
    assert done.returncode == 0, done.stderr
    assert "valid labs/01-install-and-connect.yaml (exercise)" in done.stdout
    assert "valid labs/worlds/contoso-before-the-connector.yaml" in done.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("title: A tiny", "titel: A tiny").replace("tiny.yaml", ""))
    done = _cli("validate", str(bad))
    assert done.returncode == 2
    assert f"{bad}:2:1: titel: unknown key 'titel'" in done.stderr


def test_the_exercise_schema_embeds_the_scenario_language():
    done = _cli("schema", "--exercise")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert set(schema["required"]) >= {"name", "title", "task", "scenario", "checks"}
    scenario = json.dumps(schema["properties"]["scenario"])
    assert "#/$defs/Scenario" in scenario and '"string"' in scenario
    assert (
        "Expectation" in json.dumps(schema["$defs"]["ExerciseCheck"])
        or "path" in schema["$defs"]["ExerciseCheck"]["properties"]
    )


def test_validating_an_exercise_loads_no_world():
    from tests.test_cli_start import NOT_FOR_READING, loaded, modules_after

    code, modules = modules_after("validate", "labs/03-proxy-change-needs-reconfigure.yaml")
    assert code == 0
    assert loaded(modules, NOT_FOR_READING) == []


def test_only_a_file_with_a_task_is_an_exercise(tmp_path):
    assert is_exercise_file(LABS / "02-fix-the-service-accounts-rights.yaml")
    assert not is_exercise_file(LABS / "worlds" / "contoso-before-the-connector.yaml")
    assert not is_exercise_file(tmp_path / "absent.yaml")
