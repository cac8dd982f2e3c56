"""`python -m fuzz`: discovery of the targets, the counts table, the corpus it keeps, its
exit status, and the bad-input catalogue it generates (docs/bad-input.md, committed up to
date like docs/fidelity.md)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

import fuzz.__main__ as command
import fuzz.corpus
from fuzz.catalogue import catalogue_markdown
from fuzz.common import BadInput, FuzzTarget, Outcome
from fuzz.targets import discover

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"


def test_every_target_module_is_discovered():
    names = [t.name for t in discover()]
    assert "server" in names
    assert names == sorted(names)


def test_committed_catalogue_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == catalogue_markdown(discover()), (
        "docs/bad-input.md is stale: run `python -m fuzz --catalogue docs/bad-input.md`"
    )


def _toy(check) -> FuzzTarget:
    return FuzzTarget(
        name="toy",
        strategy=st.integers(0, 9),
        check=check,
        dump=str,
        load=int,
        catalogue=(BadInput("a seven", 7, "no sevens"),),
    )


def _sevens(n: int) -> Outcome:
    if n == 7:
        return Outcome("clean_error", "no sevens here")
    if n == 3:
        raise ValueError("three")
    return Outcome("accepted")


def test_an_unclean_outcome_is_counted_kept_in_the_corpus_and_fails_the_run(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(command, "discover", lambda: [_toy(_sevens)])
    monkeypatch.setattr(fuzz.corpus, "CORPUS", tmp_path)
    assert command.main(["--examples", "60", "--convergence", "0", "--target", "toy"]) == 1
    out = capsys.readouterr().out
    assert "unexpected exceptions" in out and "toy" in out
    assert (tmp_path / "toy").is_dir()
    kept = [p.read_text() for p in (tmp_path / "toy").glob("*.txt")]
    assert kept == ["3"]
    # the kept input is replayed first on the next run, and still fails it
    monkeypatch.setattr(command, "discover", lambda: [_toy(lambda n: Outcome("accepted"))])
    assert command.main(["--examples", "5", "--convergence", "0"]) == 0


def test_an_unknown_target_is_a_usage_error(capsys):
    assert command.main(["--target", "nope", "--convergence", "0"]) == 2
    assert "no fuzz target nope" in capsys.readouterr().err


def test_the_catalogue_refuses_an_entry_that_is_not_a_clean_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(command, "discover", lambda: [_toy(lambda n: Outcome("accepted"))])
    assert command.main(["--catalogue", str(tmp_path / "bad.md")]) == 1
    assert "a seven" in capsys.readouterr().err
    assert not (tmp_path / "bad.md").exists()
    monkeypatch.setattr(command, "discover", lambda: [_toy(_sevens)])
    assert command.main(["--catalogue", str(tmp_path / "bad.md")]) == 0
    assert "| a seven | `7` | no sevens here |" in (tmp_path / "bad.md").read_text()


def test_the_convergence_machine_is_counted(monkeypatch, capsys):
    monkeypatch.setattr(command, "discover", lambda: [])
    assert command.main(["--convergence", "2"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "convergence" in line)
    cells = [c.strip() for c in row.split("│")]
    assert cells[1:3] == ["convergence (state machine)", "2"], cells
