"""The run's trace: JSON lines of everything that happened, in simulated time.

Each event is one line with sorted keys: `seq`, `t` (simulated UTC), `kind` and its fields.
Secrets are redacted before a line is written: every value registered with `add_secret` and
every field whose name says it holds a secret. Same scenario + same seed ⇒ the same bytes, so
the SHA-256 of the trace identifies a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.clock import format_time

SECRET_FIELDS = ("password", "secret", "token", "accountcertificate", "authorization")
REDACTED = "***"


_SECRET_FIELD: dict[str, bool] = {}  # field name → whether it names a secret (few names recur)


def _secret_field(key: str) -> bool:
    known = _SECRET_FIELD.get(key)
    if known is None:
        known = any(s in key.lower() for s in SECRET_FIELDS)
        if len(_SECRET_FIELD) < 4096:  # names come from code and scenarios: bounded anyway
            _SECRET_FIELD[key] = known
    return known


class Trace:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lines: list[str] = []
        self._secrets: set[str] = set()
        self.kinds: Counter[str] = Counter()
        self.events: list[dict[str, Any]] = []

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= 3:
            self._secrets.add(value)

    def _redact(self, value: Any, key: str = "") -> Any:
        if key and _secret_field(key) and value not in (None, "", [], {}):
            return REDACTED
        if isinstance(value, dict):
            return {str(k): self._redact(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._redact(v) for v in value]
        if isinstance(value, datetime):
            return format_time(value)
        if isinstance(value, str):
            for secret in self._secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
        return value

    def redact_text(self, text: str) -> str:
        """`text` with every registered secret replaced: for messages that leave the run
        (failures in reports) without passing through `emit`."""
        return str(self._redact(text))

    def emit(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"seq": len(self._lines), "t": format_time(self._now()), "kind": kind}
        event.update(self._redact(fields))
        self._lines.append(json.dumps(event, sort_keys=True, separators=(",", ":"), default=str))
        self.kinds[kind] += 1
        self.events.append(event)
        return event

    def count(self, kind: str, **match: Any) -> int:
        if not match:
            return self.kinds[kind]
        return sum(
            1
            for e in self.events
            if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
        )

    def data(self) -> bytes:
        return "".join(line + "\n" for line in self._lines).encode()

    def sha256(self) -> str:
        return hashlib.sha256(self.data()).hexdigest()

    def write(self, path: Path) -> None:
        write_atomic(path, self.data())


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
