"""EnableParallelCommandSupport as the real connector uses it (SPEC R5.6): the extra runspaces
open side by side within the account's runspace budget, the per-mailbox device reads spread
over them, and a 6,000-device full sync takes at most half the simulated time it takes on
one runspace — with every device reported exactly once."""

from __future__ import annotations

from typing import Any

from tests.connector.conftest import events, installed, world

USERS = 4050  # x 1.5 devices: just over 6,000 partnerships


def _full_sync(parallel: bool, **exchange: Any) -> tuple[Any, Any, Any]:
    spec = world(
        population={"users": USERS, "devices_per_user": 1.5, "stale": 0, "behaviour": False},
        exchange=exchange,
    )
    twin, driver = installed(spec)
    if parallel:
        twin.play(
            {
                "do": "set_service_config",
                "host": "CONN01",
                "keys": {"EnableParallelCommandSupport": True},
            }
        )
    driver.configure()
    driver.advance("30m")
    return twin, driver, driver.service.last_result


def test_a_6000_device_full_sync_takes_at_most_half_the_time_with_parallel_runspaces():
    sequential_twin, _, sequential = _full_sync(parallel=False)
    parallel_twin, _, parallel = _full_sync(parallel=True)
    assert sequential.devices == parallel.devices >= 6000
    seconds = {
        name: (r.finished - r.started).total_seconds()
        for name, r in (("sequential", sequential), ("parallel", parallel))
    }
    assert seconds["parallel"] * 2 <= seconds["sequential"], seconds
    # every device exactly once, and the same inventory either way
    expected = parallel_twin.world.expected_inventory()
    assert parallel_twin.observe("intune.inventory.device_ids") == expected
    assert sequential_twin.observe("intune.inventory.device_ids") == expected
    assert len(expected) == parallel.devices  # records uploaded = distinct devices: no repeats


def test_extra_runspaces_open_side_by_side_and_within_the_budget():
    twin, driver, result = _full_sync(
        parallel=True, throttling={"accounts": {"CONTOSO\\svc-intune": {"max_concurrency": 5}}}
    )
    assert result.devices >= 6000
    opened = [e for e in events(twin, "exchange.session") if e.get("opened")]
    refused = events(twin, "exchange.session", error="PSSessionOpenFailed")
    # Connect's session (closed), the main runspace, then four more at the same moment
    extra = opened[2:]
    assert len(extra) == 4 and len({e["t"] for e in extra}) == 1
    assert len(refused) == 15 - 4 and {e["t"] for e in refused} == {extra[0]["t"]}
    pool = driver.service.pool
    assert pool.runspace_budget == 5
    # the next (daily) full sync of the running service keeps to the budget it learnt
    before = len(refused)
    driver.advance("1d")
    assert driver.service.last_result.sync_type == "fullSync"
    assert len(events(twin, "exchange.session", error="PSSessionOpenFailed")) == before
    assert driver.service.last_result.devices == result.devices
