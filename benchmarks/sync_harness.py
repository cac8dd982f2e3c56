"""The full-sync benchmarks' shared set-up and floor (`full_sync`, `full_sync_1m`).

The measured job is the connector's own `SyncEngine.full()` with its real ports — the
runspace pool over the Exchange twin's remote sessions (`SimRemoteShell`), the Intune client
over `requests` routed by `responses` to the fake Intune API through the network model —
on a world built by the runner from a scenario, with the trace on. The connector is first
downloaded, installed and configured as an administrator would (its service then runs the
first, initial full sync); the figure is the *next* full sync, the daily one, in which Intune
replaces an inventory it already holds.

Floor: the same number of device records built as dicts, serialised to JSON in pages of
500 and parsed back (one HTTP page each way), indexed by device id and diffed against the
previous snapshot (devices gone, devices changed).
"""

from __future__ import annotations

import json
import random
from typing import Any

from benchmarks.common import (
    SETUP_STEPS,
    Record,
    gc_paused,
    organisation,
    peak_rss_mib,
    progress,
    timed,
)
from connector.install import stored_certificate
from connector.intune import IntuneClient
from connector.service import ConnectorService
from connector.sync import UPLOAD_PAGE_SIZE, SyncEngine, SyncResult
from simulator.run.runner import Runner

DEVICES_PER_USER = 1.5


def _source(count: int) -> list[tuple[Any, ...]]:
    """What Exchange holds, as plain tuples (made before the floor's clock starts)."""
    rng = random.Random(11)
    return [
        (
            format(rng.getrandbits(128), "032X"),
            f"user{i // 2}@contoso.local",
            "iPhone",
            "iPhone8C1",
            "iOS 9.3.2 13F69",
            "Apple-iPhone8C1/1305.69",
            "iPhone 6s",
            f"2015-0{1 + i % 9}-1{i % 10}T08:00:00Z",
            "Allowed",
            "Global",
            f"contoso.local/Users/user{i // 2}/ExchangeActiveSyncDevices/iPhone§{i}",
        )
        for i in range(count)
    ]


def _snapshot(source: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """Records as dicts → JSON pages → parsed back → indexed by lower-case id."""
    records = [
        {
            "exchangeDeviceId": s[0],
            "userPrincipalName": s[1],
            "deviceType": s[2],
            "deviceModel": s[3],
            "deviceOS": s[4],
            "userAgent": s[5],
            "friendlyName": s[6],
            "firstSyncTime": s[7],
            "exchangeAccessState": s[8],
            "exchangeAccessStateReason": s[9],
            "identity": s[10],
        }
        for s in source
    ]
    snapshot: dict[str, dict[str, Any]] = {}
    for first in range(0, len(records), UPLOAD_PAGE_SIZE):
        body = json.dumps({"devices": records[first : first + UPLOAD_PAGE_SIZE]})
        for record in json.loads(body)["devices"]:
            snapshot[record["exchangeDeviceId"].lower()] = record
    return snapshot


def _diff(previous: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> int:
    gone = [k for k in previous if k not in current]
    changed = [k for k, r in current.items() if previous.get(k) != r]
    return len(gone) + len(changed)


def _floor_seconds(count: int) -> float:
    """Wall time of one snapshot cycle (build, JSON both ways, index, diff); the previous
    snapshot is made outside the measurement, as Intune already holds it."""
    source = _source(count)
    with gc_paused():
        previous = _snapshot(source)
        current_source = source[: count // 100] + source[count // 100 + 1 :]
        _, seconds = timed(lambda: _diff(previous, _snapshot(current_source)))
    return seconds


def full_sync(service: ConnectorService) -> SyncResult:
    """One full sync as the service runs it: a fresh Intune client, the runspace pool opened
    for the job and closed after it."""
    config = service.config
    assert config is not None and config.registration is not None and service.pool is not None
    platform = service.platform
    intune = IntuneClient(
        platform,
        stored_certificate(platform).service_endpoint,
        config.proxy,
        token=config.registration.token,
        connector_id=config.registration.connector_id,
    )
    pool = service.pool
    pool.begin_job()
    try:
        return SyncEngine(platform, pool, intune, service.state, service.log).full()
    finally:
        pool.close()


def measure(
    prefix: str, users: int, target_seconds: float, target_mib: float | None
) -> list[Record]:
    expected = round(users * DEVICES_PER_USER)
    progress(f"floor: {expected} device records, JSON pages, snapshot diff")
    floor_seconds = _floor_seconds(expected)
    floor_peak = peak_rss_mib()
    progress(f"twin: building a world of {users} users")
    runner = Runner(organisation(f"bench-{prefix}", users, steps=SETUP_STEPS))
    env = runner.env
    with runner.live():
        progress("twin: download, install, configure (the initial full sync)")
        for index, step in enumerate(runner.scenario.steps, start=1):
            env.run(until=env.process(runner.play(index, step)))
        service = runner.connectors["CONN01"].service
        assert service is not None
        progress("twin: the daily full sync")
        # the job's own wall time: afterwards the clock waits out the simulated time the sync
        # took, and the world's processes (the fleet) catch up; that is time passing, which
        # the soak measures, not the sync
        measured: list[float] = []

        def job() -> SyncResult:
            result, seconds = timed(lambda: full_sync(service))
            measured.append(seconds)
            return result

        result = env.run(until=env.process(runner.job(job)))
        seconds = measured[0]
    assert isinstance(result, SyncResult) and result.devices > 0
    peak = peak_rss_mib()
    progress(f"{result.devices} devices of {result.users} users in {seconds:.2f} s")
    records = [Record(f"{prefix}.time", seconds, "s", target_seconds, floor_seconds)]
    if target_mib is not None:
        records.append(Record(f"{prefix}.peak_memory", peak, "MiB", target_mib, floor_peak))
    return records
