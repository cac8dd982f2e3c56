"""Saved traces: written atomically, read back line by line with errors naming the line.

The trace itself (the recorder every model of the world writes into) is
`simulator.world.trace.Trace`; this is what the runner, the reports and the command line do
with its bytes once a run is over.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half.

    The temporary file is unique and in the same folder (a rename is only atomic within one
    file system), so parallel workers writing different files never collide."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TraceFileError(Exception):
    """A saved trace that cannot be read: the file (and line) and what is wrong with it."""


def parse_events(data: bytes, source: str) -> list[dict[str, Any]]:
    """The events of a saved trace, checked line by line so an error names the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TraceFileError(f"{source}: not a UTF-8 text file ({exc.reason})") from None
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TraceFileError(
                f"{source}:{number}: not a trace line (invalid JSON: {exc.msg})"
            ) from None
        if not isinstance(event, dict) or "kind" not in event:
            raise TraceFileError(f"{source}:{number}: not a trace line (no event kind)")
        events.append(event)
    return events


def read_trace(path: str | Path) -> tuple[bytes, list[dict[str, Any]]]:
    """(bytes, events) of a saved trace; `TraceFileError` when it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot read the file ({exc.strerror})") from None
    return data, parse_events(data, str(path))
