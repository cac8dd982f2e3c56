"""The snapshot file: one gzip stream of two JSON texts, a header line and the state.

```
<header JSON, one line>\\n<state JSON>
```

The header (`format`, `version`, `twin`, `coordinate`, `summary`, `state_sha256`,
`state_bytes`) is read without inflating the state, so a file of another format or version is
refused at once and `snapshot show` is quick at any size. The state's SHA-256 is of its JSON
text exactly as written: reading checks it (a damaged or edited file is refused), and resuming
compares it with the state the replay reaches (docs/snapshots.md). The gzip header carries no
time and no file name (`mtime=0`), so the same run writes the same bytes.

Only this format version is read: an older snapshot is refused naming its version, since the
state of another version's models would not compare with this one's anyway.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from simulator.run.trace import write_atomic

FORMAT = "exchange-twin.snapshot"
VERSION = 1
GZIP_MAGIC = b"\x1f\x8b"
COMPRESSION = 1  # zlib level: the state is repetitive JSON, level 1 already shrinks it ~8x
HEADER_LIMIT = 64 * 1024 * 1024  # the header holds the scenario's text: bounded anyway


class SnapshotError(Exception):
    """A snapshot that cannot be written, read or resumed: the file and what was expected."""


@dataclass(frozen=True)
class Snapshot:
    """A snapshot as read: its header, and (unless only the header was asked for) its state's
    text, verified against its hash. The text is parsed when `state` is first read: resuming
    needs only the hash (the state is compared by it), forensics and a refusal's first
    difference need the data."""

    path: str
    header: dict[str, Any]
    state_text: bytes | None = None
    size: int = 0

    @cached_property
    def state(self) -> dict[str, Any] | None:
        if self.state_text is None:
            return None
        try:
            data: dict[str, Any] = json.loads(self.state_text)
        except ValueError as exc:
            raise SnapshotError(
                f"{self.path}: damaged snapshot (the state is not JSON: {exc})"
            ) from None
        return data

    @property
    def coordinate(self) -> dict[str, Any]:
        return dict(self.header["coordinate"])

    @property
    def state_sha256(self) -> str:
        return str(self.header["state_sha256"])


def state_sha256(state_text: str) -> str:
    return hashlib.sha256(state_text.encode("ascii")).hexdigest()


def write_snapshot(
    path: str | Path,
    twin: str,
    coordinate: dict[str, Any],
    summary: dict[str, Any],
    state_text: str,
) -> int:
    """Write the snapshot atomically; the file's size in bytes."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "twin": twin,
        "coordinate": coordinate,
        "summary": summary,
        "state_sha256": state_sha256(state_text),
        "state_bytes": len(state_text),
    }
    line = json.dumps(header, separators=(",", ":"), sort_keys=True)
    payload = line.encode("ascii") + b"\n" + state_text.encode("ascii")
    data = gzip.compress(payload, compresslevel=COMPRESSION, mtime=0)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot write the snapshot ({exc.strerror})") from None
    return len(data)


def read_snapshot(path: str | Path, state: bool = True) -> Snapshot:
    """The snapshot at `path` (its header only, when `state` is false), checked: format,
    version, completeness and the state's hash. `SnapshotError` names what is wrong."""
    name = str(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(2)
            size = f.seek(0, 2)
    except OSError as exc:
        raise SnapshotError(f"{name}: cannot read the file ({exc.strerror})") from None
    if magic != GZIP_MAGIC:
        raise SnapshotError(
            f"{name}: not a snapshot (expected a gzip-compressed {FORMAT} file, as "
            f"`exchange-twin run S --snapshot-at T --save F` writes; found {_looks_like(name)})"
        )
    try:
        with gzip.open(path, "rb") as stream:
            first = stream.readline(HEADER_LIMIT)
            header = _header(name, first)
            if not state:
                return Snapshot(name, header, None, size)
            body = stream.read()
    except (EOFError, OSError, zlib.error) as exc:
        reason = "it ends early" if isinstance(exc, EOFError) else str(exc)
        raise SnapshotError(f"{name}: truncated or damaged snapshot ({reason})") from None
    if len(body) != header.get("state_bytes"):
        raise SnapshotError(
            f"{name}: truncated or damaged snapshot (the state is {len(body)} bytes, the header "
            f"says {header.get('state_bytes')})"
        )
    digest = hashlib.sha256(body).hexdigest()
    if digest != header.get("state_sha256"):
        raise SnapshotError(
            f"{name}: damaged or altered snapshot (the state's SHA-256 is {digest}, the header "
            f"says {header.get('state_sha256')})"
        )
    return Snapshot(name, header, body, size)


def _header(name: str, first: bytes) -> dict[str, Any]:
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotError(
            f"{name}: a gzip file but not an exchange-twin snapshot (expected a first line "
            f'{{"format": "{FORMAT}", "version": {VERSION}, ...}})'
        )
    version = header.get("version")
    if version != VERSION:
        older = isinstance(version, int) and version < VERSION
        raise SnapshotError(
            f"{name}: snapshot format version {version!r} "
            + (
                f"is older than this twin's ({VERSION}) and is refused: "
                if older
                else f"is not one this twin reads (it reads version {VERSION}): "
            )
            + "take the snapshot again with this twin (`exchange-twin run S --snapshot-at T "
            "--save F`)"
        )
    missing = [
        k
        for k in ("twin", "coordinate", "summary", "state_sha256", "state_bytes")
        if k not in header
    ]
    if missing:
        raise SnapshotError(f"{name}: damaged snapshot header (missing {', '.join(missing)})")
    return header


def _looks_like(name: str) -> str:
    """A few words on what the file seems to be instead, for the refusal."""
    try:
        with open(name, "rb") as f:
            start = f.read(64)
    except OSError:
        return "an unreadable file"
    if not start:
        return "an empty file"
    text = start.lstrip()
    if text[:1] in (b"{", b"["):
        return "JSON text"
    if text.startswith((b"name:", b"steps:", b"---", b"#")):
        return "YAML text (a scenario or steps file?)"
    return f"bytes {start[:8].hex(' ')}"
