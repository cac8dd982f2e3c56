"""The connector's structured, rotated, redacted log (SPEC R8.1).

Records are JSON lines written to `Logs\\Connector<N>.log` on the host: a circular set of
`max_files` files of `max_bytes` each, like the real CircularTraceListener (30 × 10 MB). Every
value that was registered as a secret, and every field whose name says it holds one, is
replaced by `***` before anything reaches the disk.
"""

from __future__ import annotations

import json
from typing import Any

from connector.paths import LOG_DIR, join
from connector.platform import Platform

LEVELS = {"Verbose": 10, "Information": 20, "Warning": 30, "Error": 40}
SECRET_KEYS = ("password", "secret", "token", "accountcert", "certificate_blob")
REDACTED = "***"


def redact(value: Any, secrets: frozenset[str] | set[str]) -> Any:
    """Return `value` with secret fields and any registered secret string replaced."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if any(s in k.lower() for s in SECRET_KEYS) and v else redact(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str) and secrets:
        for secret in secrets:
            if secret and secret in value:
                value = value.replace(secret, REDACTED)
    return value


class ConnectorLog:
    def __init__(
        self,
        platform: Platform,
        folder: str = LOG_DIR,
        max_bytes: int = 10_000_000,
        max_files: int = 30,
        level: str = "Information",
    ) -> None:
        self.platform = platform
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.level = level
        self._secrets: set[str] = set()
        self._index = self._find_current_index()

    def add_secret(self, value: str | None) -> None:
        if value:
            self._secrets.add(value)

    def file_path(self, index: int) -> str:
        return join(self.folder, f"Connector{index}.log")

    def _find_current_index(self) -> int:
        """Resume on the newest file after a restart (the one with the latest record)."""
        best, best_seq = 0, -1
        for i in range(self.max_files):
            path = self.file_path(i)
            if not self.platform.exists(path):
                continue
            lines = self.platform.read_file(path).splitlines()
            if lines:
                seq = json.loads(lines[-1]).get("seq", 0)
                if seq > best_seq:
                    best, best_seq = i, seq
        self._seq = best_seq + 1
        return best

    def write(self, level: str, event: str, message: str, **fields: Any) -> None:
        if LEVELS[level] < LEVELS.get(self.level, 20):
            return
        record = {
            "seq": self._seq,
            "time": self.platform.now().isoformat().replace("+00:00", "Z"),
            "level": level,
            "event": event,
            "message": message,
            **fields,
        }
        record = redact(record, self._secrets)
        line = (json.dumps(record, sort_keys=True, default=str) + "\n").encode()
        self._seq += 1
        path = self.file_path(self._index)
        if (
            self.platform.exists(path)
            and self.platform.file_size(path) + len(line) > self.max_bytes
        ):
            self._index = (self._index + 1) % self.max_files
            path = self.file_path(self._index)
            self.platform.write_file(path, b"")
        if not self.platform.is_dir(self.folder):
            self.platform.make_dirs(self.folder)
        self.platform.append_file(path, line)

    def info(self, event: str, message: str, **fields: Any) -> None:
        self.write("Information", event, message, **fields)

    def warning(self, event: str, message: str, **fields: Any) -> None:
        self.write("Warning", event, message, **fields)

    def error(self, event: str, message: str, **fields: Any) -> None:
        self.write("Error", event, message, **fields)

    def verbose(self, event: str, message: str, **fields: Any) -> None:
        self.write("Verbose", event, message, **fields)

    def records(self) -> list[dict[str, Any]]:
        """Every record still on disk, oldest first (what Service Trace Viewer would show)."""
        out: list[dict[str, Any]] = []
        for i in range(self.max_files):
            path = self.file_path(i)
            if self.platform.exists(path):
                out.extend(
                    json.loads(line) for line in self.platform.read_file(path).splitlines() if line
                )
        return sorted(out, key=lambda r: r["seq"])
