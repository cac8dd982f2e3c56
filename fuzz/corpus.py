"""The corpus: every input that ever came out unclean, kept as a regression case.

``fuzz/corpus/<target>/<digest>.txt`` holds one input in the target's ``dump`` form; the
tests in ``tests/fuzz/`` replay every file, and ``python -m fuzz`` adds the failing inputs of
a run. The name is the digest of the content, so finding the same input twice keeps one
file, and writes are atomic (a crash never leaves half an input behind).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fuzz.common import FuzzTarget
from simulator.run.trace import write_atomic

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus_dir(target: FuzzTarget) -> Path:
    return CORPUS / target.name


def corpus(target: FuzzTarget) -> list[tuple[Path, Any]]:
    """Every kept input of `target`, read back with its ``load``, in file-name order."""
    folder = corpus_dir(target)
    if not folder.is_dir():
        return []
    out = []
    # every kept file, whatever its suffix (the loader keeps its inputs as .yaml)
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        with path.open(encoding="utf-8", newline="") as f:  # keep a \r an input holds
            out.append((path, target.load(f.read())))
    return out


def keep(target: FuzzTarget, value: Any) -> Path | None:
    """Add `value` to the corpus of `target`; the new file, or None if it was there."""
    text = target.dump(value)
    path = corpus_dir(target) / (hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] + ".txt")
    if path.exists():
        return None
    write_atomic(path, text.encode("utf-8"))
    return path
