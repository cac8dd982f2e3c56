"""The run's trace: JSON lines of everything that happened, in simulated time.

Each event is one line with sorted keys: `seq`, `t` (simulated UTC), `kind` and its fields.
Secrets are redacted before a line is written: every value registered with `add_secret` and
every field whose name says it holds a secret. Same scenario + same seed ⇒ the same bytes, so
the SHA-256 of the trace identifies a run.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.world.durations import format_time

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


def _line(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)


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

    def secret_values(self) -> frozenset[str]:
        """The registered secrets: for text persisted outside the trace with the same
        redaction (a snapshot's state, simulator/run/snapshot/)."""
        return frozenset(self._secrets)

    def redact_text(self, text: str) -> str:
        """`text` with every registered secret replaced: for messages that leave the run
        (failures in reports) without passing through `emit`."""
        return str(self._redact(text))

    def emit(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"seq": len(self._lines), "t": format_time(self._now()), "kind": kind}
        event.update(self._redact(fields))
        self._lines.append(_line(event))
        self.kinds[kind] += 1
        self.events.append(event)
        return event

    def insert(self, position: int, when: datetime, kind: str, **fields: Any) -> dict[str, Any]:
        """An event put at `position` (stamped `when`) after later ones were written: for a
        step whose moment is known only once it comes — the browser lab's students act when
        they act, while a scenario's `at:` step is traced where its wait begins. The events
        after it are renumbered, so the trace reads as if it had been emitted in place."""
        if not 0 <= position <= len(self._lines):
            raise IndexError(f"trace position {position} outside 0..{len(self._lines)}")
        event = {"seq": position, "t": format_time(when), "kind": kind}
        event.update(self._redact(fields))
        self.events.insert(position, event)
        self._lines.insert(position, _line(event))
        for seq in range(position + 1, len(self.events)):
            later = self.events[seq]
            later["seq"] = seq
            self._lines[seq] = _line(later)
        self.kinds[kind] += 1
        return event

    def fork(self) -> Trace:
        """A copy to write on without touching this trace (its events copied, its secrets
        shared in value): what a run would add from here, without adding it."""
        other = Trace(self._now)
        other._lines = list(self._lines)
        other._secrets = set(self._secrets)
        other.kinds = Counter(self.kinds)
        other.events = [dict(e) for e in self.events]
        return other

    @property
    def secrets(self) -> frozenset[str]:
        """Every value registered with `add_secret` so far."""
        return frozenset(self._secrets)

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
