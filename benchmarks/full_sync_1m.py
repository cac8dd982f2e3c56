"""The same full sync at 1,000,000 devices (≤ 90 s, ≤ 6 GiB peak). See `sync_harness`."""

from __future__ import annotations

from benchmarks.common import Record
from benchmarks.sync_harness import measure

USERS = {"full": 666_667, "tiny": 300}  # 1.5 devices each: 1,000,000 devices


def run(size: str) -> list[Record]:
    return measure("full_sync_1m", USERS[size], 90.0, 6144.0)
