"""The "devices changed since" index: a filter on WhenChanged skips the mailboxes whose
devices all changed before its date, and must find exactly what a scan of every device finds,
whatever the fleet and the administrators did in between (wipes, cancelled wipes, removals,
partnerships recreated, new devices)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from simulator.exchange import opath
from simulator.exchange.cmdlets import devices as device_cmdlets
from tests.exchange.conftest import connect, make_world

BUSY = {
    "enabled": True,
    "new_partnerships_per_day": 0.3,
    "offline_per_day": 0.2,
    "stale_per_day": 0.05,
}


def _filters(world, rng: random.Random) -> list[str]:
    """Dates at, just around and between the times devices changed, in the forms a client
    writes them, alone and combined."""
    changes = sorted({d.when_changed for d in world.org.devices()})
    picks = rng.sample(changes, min(4, len(changes))) + [changes[-1], changes[0] - 1]
    out = []
    for seconds in picks:
        for delta in (0.0, -0.0005, 0.0005, -1.0):
            when = world.org.dt(seconds + delta)
            text = when.strftime("%Y-%m-%dT%H:%M:%S") + (
                f".{when.microsecond:06d}" if when.microsecond else ""
            )
            out.append(f"WhenChanged -gt '{text}'")
        day = world.org.dt(seconds).strftime("%m/%d/%Y %H:%M:%S")
        out += [
            f"WhenChanged -ge '{day}'",
            f"(WhenChanged -gt '{day}') -and (DeviceType -eq 'iPhone')",
            f"WhenChanged -gt '{day}' -or DeviceType -eq 'Android'",
            f"-not (WhenChanged -lt '{day}')",
        ]
    return out


def _identities(session, text: str) -> list[str]:
    found = session.invoke("Get-ActiveSyncDevice", {"Filter": text, "ResultSize": "Unlimited"})
    return [str(d["Identity"]) for d in found]


def _eas(world) -> list:
    return [d for d in world.org.devices() if d.client_type == "EAS"]


def _index_holds(world) -> None:
    for mailbox in world.org.mailboxes:
        for device in mailbox.devices:
            assert mailbox.devices_changed >= device.when_changed, device.identity


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_a_changed_since_filter_finds_what_a_full_scan_finds(seed, monkeypatch) -> None:
    world = make_world(
        seed=seed, population={"users": 40, "devices_per_user": 1.5, "behaviour": BUSY}
    )
    env = world.clock.env
    for process in world.processes():
        env.process(process)
    rng = random.Random(seed)
    for _ in range(12):
        env.run(until=env.now + rng.choice([600, 3600, 4 * 3600, 86400]))
        session = connect(world)
        partnered = _eas(world)
        for _ in range(3):  # what administrators do between two syncs
            device = rng.choice(partnered)
            action = rng.choice(["wipe", "cancel", "remove"])
            params = {"Identity": device.identity, "Confirm": False}
            if action == "cancel":
                params["Cancel"] = True
            cmdlet = "Remove-ActiveSyncDevice" if action == "remove" else "Clear-ActiveSyncDevice"
            session.invoke(cmdlet, params)
            partnered = _eas(world)
        _index_holds(world)
        filters = _filters(world, rng)
        indexed = {text: _identities(session, text) for text in filters}
        with monkeypatch.context() as patch:
            patch.setattr(device_cmdlets, "time_floor", lambda *args: None)  # scan everything
            for text in filters:
                assert _identities(session, text) == indexed[text], text
    assert world.fleet.stats["wipes"] and world.fleet.stats["recreated"]


def test_the_floor_is_a_necessary_condition_only() -> None:
    epoch = datetime(2016, 5, 2, 8, 0, tzinfo=UTC)
    prop = opath.TimeProperty(lambda d: d, epoch, lambda s: s)
    at = (epoch + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    floor = opath.time_floor(f"WhenChanged -gt '{at}'", prop, "WhenChanged")
    assert floor == pytest.approx(7200 - 0.001)
    both = f"WhenChanged -ge '{at}' -and (WhenChanged -gt '2016-05-02T08:00:00')"
    assert opath.time_floor(both, prop, "WhenChanged") == pytest.approx(7200 - 0.001)
    for unbounded in (
        f"WhenChanged -gt '{at}' -or DeviceType -eq 'iPhone'",
        f"-not (WhenChanged -le '{at}')",
        f"WhenChanged -lt '{at}'",
        "WhenChanged -gt 'soon'",
        "DeviceType -eq 'WhenChanged'",
        "WhenChanged -gt",
    ):
        assert opath.time_floor(unbounded, prop, "WhenChanged") is None, unbounded
