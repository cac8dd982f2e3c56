"""The library under any seed (issue 13): every scenario's expectations are facts of the world
it builds, so they hold at seeds other than the file's own — CI runs the whole library at
three more. A scenario that truly needs its own seed says why (`seed_sensitive`), and
`run --seed` says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import load_scenario, run_scenario
from simulator.cli import main
from simulator.language.loader import ScenarioError, find_scenarios
from tests.conftest import ROOT

LIBRARY = find_scenarios([ROOT / "scenarios"])
#: Seeds no library file uses, far apart (one test per scenario and seed: xdist spreads them).
EXTRA_SEEDS = (4242, 90001, 777777)


@pytest.mark.parametrize("seed", EXTRA_SEEDS)
@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_scenario_passes_at_other_seeds(path: Path, seed: int) -> None:
    scenario = load_scenario(path)
    if scenario.seed_sensitive:
        pytest.skip(f"seed-sensitive: {scenario.seed_sensitive}")
    assert seed != scenario.seed
    result = run_scenario(scenario, seed)
    assert result.passed, "\n".join([*result.failures, result.reproducer()])


def _scenario(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "lucky.yaml"
    path.write_text(
        "name: lucky\nseed: 5\n" + extra + "world: {population: {users: 2, behaviour: false}}\n"
        "expect:\n  - {path: intune.connectors, equals: 0}\n"
    )
    return path


def test_run_with_another_seed_notes_a_seed_sensitive_scenario(tmp_path, capsys):
    path = _scenario(tmp_path, 'seed_sensitive: "who joins Mobile Users is drawn"\n')
    assert main(["run", str(path), "--seed", "9"]) == 0  # run anyway
    err = capsys.readouterr().err
    assert "lucky is seed-sensitive (its own seed is 5)" in err
    assert "who joins Mobile Users is drawn; at --seed 9 its result may differ" in err
    assert main(["run", str(path)]) == 0
    assert "seed-sensitive" not in capsys.readouterr().err  # its own seed: nothing to say


def test_no_note_for_a_scenario_that_holds_at_any_seed(tmp_path, capsys):
    assert main(["run", str(_scenario(tmp_path, "")), "--seed", "9"]) == 0
    assert "seed-sensitive" not in capsys.readouterr().err


def test_seed_sensitive_needs_a_reason(tmp_path):
    with pytest.raises(ScenarioError, match="seed_sensitive"):
        load_scenario(_scenario(tmp_path, 'seed_sensitive: ""\n'))
