"""The shell's fuzz target in CI: a bounded run finds nothing unclean, every input that ever
failed (fuzz/corpus/shell/) now ends cleanly, every catalogue entry gets its message, and
`exchange-twin shell -c ... | head` ends quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.common import judge, run_target
from fuzz.shell import TARGET

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "shell"


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # keep \r and \r\n as they were
        return f.read()


def test_a_bounded_run_finds_nothing_unclean():
    tally = run_target(TARGET, examples=150, seed=0)
    for value, outcome in tally.failures:
        print(f"{outcome.kind}: {value[:200]!r}\n    {outcome.detail}")
    assert tally.inputs >= 100
    assert tally.unclean == 0, dict(tally.counts)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_every_input_that_ever_failed_now_ends_cleanly(path):
    outcome = judge(TARGET, TARGET.load(_read(path)))
    assert outcome.clean, outcome


def test_the_corpus_is_not_empty():
    assert len(list(CORPUS.glob("*"))) >= 5


@pytest.mark.parametrize("entry", TARGET.catalogue, ids=lambda e: e.kind)
def test_each_bad_input_gets_its_message(entry):
    outcome = judge(TARGET, entry.value)
    assert outcome.kind == "clean_error", outcome
    assert entry.expect in outcome.detail


def test_a_closed_pipe_ends_the_shell_quietly():
    """`exchange-twin shell -c "1..100000" | head -1`: far more output than a pipe buffers,
    and the reader goes away after the first bytes."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from simulator.cli import main; sys.exit(main())",
            "shell",
            "-c",
            "1..100000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(2) == b"1\n"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_a_console_that_lacks_characters_gets_question_marks_not_a_traceback():
    """Typed bytes the console's encoding cannot decode, and output it cannot encode."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from simulator.cli import main; sys.exit(main())"]
        + ["shell"],
        input="'ä€𝄞'\n".encode(),
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert done.stdout.decode("ascii").splitlines()[-1] == "?" * 9
