"""The device population's life: one simpy process that advances the whole fleet per tick.

DESIGN "Scale by batching time": there is never one simpy timer per device. Devices wait in a
timing wheel — a dict from tick slot to the devices due in it — and each tick processes only
the slots that came due, so the cost of a tick is the number of devices that sync in it, not
the size of the fleet. Everything a tick changes is stamped with the tick's time, never
earlier: a client that read the organisation before the tick must not find changes dated
before its read (a quick sync's "changed since" would miss them). At each of its syncs a
device:

* recreates its partnership if an administrator removed it (new GUID and FirstSyncTime,
  Device Discovery again — SPEC R7.3 / connector-behaviour.md C28);
* gets its access from Exchange's access cache (`access.serve`, SPEC R5.9): while the cached
  decision is fresh, a block, wipe or removal has not reached it yet;
* receives a pending wipe, acknowledges it and, wiped, never syncs again;
* updates `LastSyncAttemptTime`, and `LastSuccessSync` when it was allowed in.

Fleet-level events each tick: a few devices go offline for a while (and come back), a few
handsets are abandoned (the partnership stays, stale), and users set up new devices (new
partnerships, in Device Discovery at first). Rates are per day and drawn from the world's
seeded generator, so a seed reproduces the same life.

Deviations: a device syncs at regular intervals (its own, 0.5 to 1.5 times the mean), not
when mail arrives, and at the end of the tick it falls in (one minute by default), so sync
times are whole ticks; a wipe reaches a device whatever its access state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from simulator.exchange.access import serve
from simulator.exchange.device import Device
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.model import Organization
from simulator.exchange.population import PopulationBuilder

DAY = 86400.0


def first_contact(org: Organization, device: Device, now: float) -> None:
    """A new handset's first contact: Exchange creates its partnership, in Device Discovery
    for the organisation's discovery time, and serves it (a still organisation's new devices
    get no further life than this)."""
    device.discovery_until = now + org.discovery_seconds
    device.last_sync_attempt = now
    serve(org, device, now)
    org.add_device(device)


@dataclass(frozen=True)
class BehaviourSpec:
    """Rates of the fleet's life. Defaults are those of a 2016 enterprise fleet."""

    enabled: bool = True
    tick: float = 60.0  # seconds between fleet ticks
    new_partnerships_per_day: float = 0.002  # per user mailbox: a new device is set up
    stale_per_day: float = 0.0015  # per active device: the handset is abandoned for good
    offline_per_day: float = 0.02  # per active device: it goes offline for a while
    offline_duration: float = DAY  # mean length of an offline spell, seconds


Emit = Callable[..., Any]


class Fleet:
    """Every handset of the organisation and the timing wheel that drives them."""

    def __init__(
        self,
        org: Organization,
        builder: PopulationBuilder,
        spec: BehaviourSpec,
        rng: random.Random,
        devices: list[Device],
        user_mailboxes: list[Mailbox],
        emit: Emit | None = None,
    ) -> None:
        if spec.tick <= 0:
            raise ValueError("the fleet tick must be a positive number of seconds")
        self.org = org
        self.builder = builder
        self.spec = spec
        self.rng = rng
        self.devices = list(devices)
        self.user_mailboxes = [
            m for m in user_mailboxes if m.recipient_type_details == "UserMailbox"
        ]
        self.emit = emit or (lambda kind, **fields: None)
        self._wheel: dict[int, list[Device]] = {}
        self._floor = 0  # the first slot not processed yet
        self._modern = {s.name: s.version.major >= 15 for s in org.servers}
        self.stats = {"syncs": 0, "wipes": 0, "recreated": 0, "new": 0, "offline": 0, "stale": 0}
        for device in self.devices:
            if device.state == "active":
                self._schedule(device)

    # -- the timing wheel ---------------------------------------------------------------------
    def _slot(self, seconds: float) -> int:
        return int(seconds // self.spec.tick)

    def _schedule(self, device: Device) -> None:
        """Put the device in the slot of its `next_sync` (never in one already processed)."""
        slot = max(self._slot(device.next_sync), self._floor)
        device.slot = slot
        bucket = self._wheel.get(slot)
        if bucket is None:
            self._wheel[slot] = [device]
        else:
            bucket.append(device)

    def process(self, env: Any) -> Generator[Any, Any, None]:
        """The simpy process: one timer for the whole fleet."""
        while True:
            yield env.timeout(self.spec.tick)
            self.advance(env.now)

    def advance(self, now: float) -> None:
        """Run the syncs of every slot that ended by `now`, then the tick's fleet-level events.

        A wheel entry is live only while the device's `slot` still names that slot: going
        offline, stale or wiped (or being rescheduled) leaves old entries behind, skipped here,
        instead of searching buckets to remove them. (The loop is the hot path of a long
        run — millions of syncs a month — hence the locals.)"""
        end = self._slot(now)
        wheel = self._wheel
        sync = self.sync
        tick = self.spec.tick
        quick = 0
        while self._floor < end:
            slot = self._floor
            floor = self._floor = slot + 1
            bucket = wheel.pop(slot, None)
            if bucket is None:
                continue
            for device in bucket:
                if device.slot != slot:
                    continue
                device.slot = -1
                state = device.state
                if state == "offline":
                    device.state = state = "active"
                if state != "active":
                    continue
                cached = device.cache_state
                if (
                    cached is None
                    or now >= device.cache_until
                    or not device.partnered
                    or device.wipe_requested is not None
                ):
                    sync(device, now)
                    continue
                # `sync` of a partnered device with nothing to wipe while its access is cached
                # (nearly every sync of a month): the same steps, without the calls
                quick += 1
                device.last_sync_attempt = now
                device.served_state = cached
                if cached == "Allowed":
                    device.last_success_sync = now
                    if device.last_policy_update is None and device.provisionable:
                        device.last_policy_update = now
                device.next_sync = next_sync = now + device.interval
                due = int(next_sync // tick)
                if due < floor:
                    due = floor
                device.slot = due
                later = wheel.get(due)
                if later is None:
                    wheel[due] = [device]
                else:
                    later.append(device)
        self.stats["syncs"] += quick
        self._fleet_events(now)

    # -- one device's sync ----------------------------------------------------------------------
    def sync(self, device: Device, when: float) -> None:
        """The device contacts Exchange at `when` (the tick that ran its sync)."""
        self.stats["syncs"] += 1
        if not device.partnered:
            self._recreate(device, when)
        device.last_sync_attempt = when
        if when < device.cache_until and device.cache_state is not None:
            served = device.served_state = device.cache_state  # `serve`, while its cache is fresh
        else:
            served = serve(self.org, device, when)
        if device.wipe_requested is not None and device.wipe_ack is None:  # wipe pending
            device.wipe_sent = when
            device.wipe_ack = when
            device.state = "wiped"
            self.org.device_changed(device, when)
            self.stats["wipes"] += 1
            self.emit(
                "exchange.device.wiped",
                device_id=device.device_id,
                mailbox=device.mailbox.primary_smtp,
                account_only=device.wipe_account_only,
            )
            return
        if served == "Allowed":
            device.last_success_sync = when
            if device.last_policy_update is None and device.provisionable:
                device.last_policy_update = when
        device.next_sync = when + device.interval
        self._schedule(device)

    def _recreate(self, device: Device, when: float) -> None:
        """The handset syncs after its partnership was removed: Exchange creates a new one."""
        device.guid = self.org.new_guid()
        device.first_sync = device.when_created = device.when_changed = when
        device.discovery_until = when + self.org.discovery_seconds
        device.last_success_sync = None
        device.last_policy_update = None
        device.wipe_requested = device.wipe_sent = device.wipe_ack = None
        device.wipe_requestor = None
        self.org.add_device(device)
        self.stats["recreated"] += 1
        self.emit(
            "exchange.device.partnership_recreated",
            device_id=device.device_id,
            mailbox=device.mailbox.primary_smtp,
        )

    # -- fleet-level events -------------------------------------------------------------------------
    def _count(self, rate_per_day: float, population: int) -> int:
        expected = rate_per_day * population * self.spec.tick / DAY
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def new_partnership(self, mailbox: Mailbox, now: float, device: Device | None = None) -> Device:
        """A user sets up a new device (a random one of the mix, or `device` as a scenario step
        describes it): its first contact creates the partnership (in Device Discovery at
        first) and it then syncs on its own schedule."""
        if device is None:
            device = self.builder.device(
                mailbox, first_sync=now, modern=self._modern.get(mailbox.server, True)
            )
        first_contact(self.org, device, now)
        self.devices.append(device)
        device.next_sync = now + device.interval
        self._schedule(device)
        self.stats["new"] += 1
        self.emit(
            "exchange.device.new_partnership",
            device_id=device.device_id,
            mailbox=mailbox.primary_smtp,
            device_type=device.device_type,
        )
        return device

    def go_offline(self, device: Device, now: float, back_at: float | None = None) -> None:
        """The handset loses its connection (flight mode, a dead battery) until `back_at`, or
        until `come_back` when None; it syncs again when it is back."""
        if device.state not in ("active", "offline"):
            raise ValueError(f"device {device.device_id} is {device.state}; it cannot go offline")
        device.state = "offline"
        if back_at is None:
            device.slot = -1  # out of the wheel until it comes back
        else:
            device.back_at = device.next_sync = back_at
            self._schedule(device)
        self.stats["offline"] += 1
        self.emit("exchange.device.offline", device_id=device.device_id, back_at=back_at)

    def come_back(self, device: Device, now: float) -> None:
        """An offline handset is back: it syncs at the next tick."""
        if device.state != "offline":
            raise ValueError(f"device {device.device_id} is {device.state}, not offline")
        device.back_at = device.next_sync = now
        self._schedule(device)
        self.emit("exchange.device.online", device_id=device.device_id)

    def _fleet_events(self, now: float) -> None:
        spec, rng, devices = self.spec, self.rng, self.devices
        if devices:
            for _ in range(self._count(spec.offline_per_day, len(devices))):
                device = devices[rng.randrange(len(devices))]
                if device.state == "active":
                    device.state = "offline"
                    device.back_at = now + round(rng.expovariate(1.0 / spec.offline_duration))
                    device.next_sync = device.back_at
                    self._schedule(device)
                    self.stats["offline"] += 1
            for _ in range(self._count(spec.stale_per_day, len(devices))):
                device = devices[rng.randrange(len(devices))]
                if device.state in ("active", "offline"):
                    device.state = "stale"
                    device.slot = -1
                    self.stats["stale"] += 1
        mailboxes = self.user_mailboxes
        if mailboxes:
            for _ in range(self._count(spec.new_partnerships_per_day, len(mailboxes))):
                self.new_partnership(mailboxes[rng.randrange(len(mailboxes))], now)
