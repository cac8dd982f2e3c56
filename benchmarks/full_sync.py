"""A full sync of 100,000 mailboxes / 150,000 devices through the real connector, the
Exchange twin and the fake Intune (≤ 10 s; ratio to the floor ≤ 5). See `sync_harness`."""

from __future__ import annotations

from benchmarks.common import Record
from benchmarks.sync_harness import measure

USERS = {"full": 100_000, "tiny": 200}


def run(size: str) -> list[Record]:
    return measure("full_sync", USERS[size], 10.0, None)
