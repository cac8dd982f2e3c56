"""Generating an organisation of 100,000 mailboxes and 150,000 devices (≤ 5 s, ≤ 1 GiB).

Measured: building the `World` of a population-only scenario — Active Directory users, the
Exchange organisation with its mailboxes, device partnerships and indexes, the fleet's timing
wheel, and Intune's copy of the directory with the licences. That is what a person waits for
before a scenario of that size starts.

Floor: the same numbers of users, mailboxes and devices built as dicts from a seeded
`random.Random` (a name drawn from pools, ids from random bits), each indexed by its key.
"""

from __future__ import annotations

import gc
import random

from benchmarks.common import (
    Record,
    best_of,
    gc_paused,
    organisation,
    peak_rss_mib,
    progress,
)
from simulator.world.world import build_world

USERS = {"full": 100_000, "tiny": 300}
REPEATS = 3  # the build and its floor each take the best of three runs (see `best_of`)
DEVICES_PER_USER = 1.5
_NAMES = [f"name{i}" for i in range(600)]
_MODELS = [
    ("iPhone", "iPhone8C1", "iOS 9.3.2 13F69"),
    ("SAMSUNGSMG920F", "SM-G920F", "Android 6.0.1"),
]


def floor(users: int) -> int:
    """Users, mailboxes and devices as plain dicts, indexed; returns the number of devices."""
    rng = random.Random(7)
    rnd = rng.random
    directory: dict[str, dict[str, object]] = {}
    mailboxes: dict[str, dict[str, object]] = {}
    devices: dict[str, dict[str, object]] = {}
    with gc_paused():
        for i in range(users):
            first, last = _NAMES[int(rnd() * 600)], _NAMES[int(rnd() * 600)]
            alias = f"{first}.{last}{i}"
            upn = f"{alias}@contoso.local"
            directory[alias] = {"sam": alias[:20], "upn": upn, "first": first, "last": last}
            mailbox = {
                "guid": rng.getrandbits(128),
                "name": f"{first} {last}",
                "alias": alias,
                "upn": upn,
                "server": "EX01",
                "created": rnd() * 1e8,
                "devices": [],
            }
            mailboxes[upn] = mailbox
            for _ in range(1 + (rnd() < DEVICES_PER_USER - 1)):
                device_type, model, os_name = _MODELS[int(rnd() * 2)]
                device_id = format(rng.getrandbits(128), "032X")
                device = {
                    "guid": rng.getrandbits(128),
                    "device_id": device_id,
                    "type": device_type,
                    "model": model,
                    "os": os_name,
                    "imei": str(100_000_000_000_000 + int(rnd() * 899_999_999_999_999)),
                    "first_sync": rnd() * 1e8,
                    "next_sync": rnd() * 3600,
                    "mailbox": mailbox,
                }
                devices[device_id] = device
                mailbox["devices"].append(device)  # type: ignore[attr-defined]
    return len(devices)


def _collect_frozen() -> None:
    """Free what a run let go: its objects hold one another (a device its mailbox, the
    mailbox its devices), and a world's build froze them out of the collector's reach."""
    gc.unfreeze()
    gc.collect()


def run(size: str) -> list[Record]:
    users = USERS[size]
    progress(f"floor: {users} users as plain dicts, best of {REPEATS}")
    _, floor_seconds = best_of(REPEATS, lambda: floor(users), release=_collect_frozen)
    floor_peak = peak_rss_mib()
    scenario = organisation("bench-population", users)
    progress(f"twin: a world of {users} users, best of {REPEATS}")
    devices, seconds = best_of(
        REPEATS,
        lambda: build_world(scenario),
        keep=lambda world: world.org.device_count(),
        release=_collect_frozen,
    )
    peak = peak_rss_mib()
    progress(f"{devices} devices in {seconds:.2f} s")
    return [
        Record("population.time", seconds, "s", 5.0, floor_seconds),
        Record("population.peak_memory", peak, "MiB", 1024.0, floor_peak),
    ]
