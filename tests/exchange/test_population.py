"""The seeded population and the fleet's life: determinism, realistic shape, devices syncing
on their own schedules, new partnerships, going stale or offline — with one simpy timer for
the whole fleet."""

from __future__ import annotations

import re
from collections import Counter

from simulator.exchange.device_mix import apple_build
from tests.exchange.conftest import make_world

LIVE = {"enabled": True}


def snapshot(world):
    return [
        (
            m.name,
            m.alias,
            m.upn,
            m.guid,
            [(d.device_id, d.model, d.os, d.last_success_sync) for d in m.devices],
        )
        for m in world.org.mailboxes
    ]


def test_same_seed_same_organisation_other_seed_another():
    assert snapshot(make_world(seed=3)) == snapshot(make_world(seed=3))
    assert snapshot(make_world(seed=3)) != snapshot(make_world(seed=4))


def test_users_mailboxes_and_identities_are_unique_and_well_formed():
    world = make_world(
        population={
            "users": 400,
            "devices_per_user": 1.5,
            "email_domain": "contoso.com",
            "resource_mailboxes": 0.05,
        }
    )
    users = [m for m in world.org.mailboxes if m.recipient_type_details == "UserMailbox"]
    assert len(users) == 400
    for key in ("alias", "sam", "upn", "name"):
        values = [getattr(m, key).lower() for m in world.org.mailboxes]
        assert len(values) == len(set(values)), key
    assert all(m.upn == m.primary_smtp and m.upn.endswith("@contoso.com") for m in users)
    assert all(len(m.sam) <= 20 and re.fullmatch(r"[a-z0-9.\-]+", m.alias) for m in users)
    devices = world.org.devices()
    assert 520 <= len(devices) <= 680
    assert len({d.device_id for d in devices}) == len(devices)
    resources = Counter(m.recipient_type_details for m in world.org.mailboxes if m not in users)
    assert set(resources) <= {"SharedMailbox", "RoomMailbox", "EquipmentMailbox"} and resources
    assert all(
        not m.devices for m in world.org.mailboxes if m.recipient_type_details != "UserMailbox"
    )


def test_device_mix_looks_like_2016():
    world = make_world(population={"users": 1500, "devices_per_user": 1.4})
    devices = world.org.devices()
    types = Counter(d.device_type for d in devices)
    share = {k: v / len(devices) for k, v in types.items()}
    assert 0.38 < share["iPhone"] < 0.52
    assert sum(v for k, v in share.items() if k.startswith("SAMSUNG")) > 0.15
    assert {"Android", "WP8", "iPad", "Outlook"} <= set(types)
    iphone = next(d for d in devices if d.device_type == "iPhone" and d.client_type == "EAS")
    assert re.fullmatch(r"Appl[A-Z0-9]{12}", iphone.device_id)
    assert re.fullmatch(r"Apple-iPhone\dC\d/\d{4}\.\d+", iphone.user_agent)
    assert re.fullmatch(r"\d{15}", iphone.imei)
    samsung = next(d for d in devices if d.device_type.startswith("SAMSUNG"))
    assert samsung.device_type == "SAMSUNG" + samsung.model.replace("-", "")
    assert samsung.user_agent.startswith("Android-SAMSUNG-")
    stale = sum(d.state == "stale" for d in devices) / len(devices)
    assert 0.04 < stale < 0.12
    assert any(d.client_type == "MOWA" for d in devices)
    assert any(not d.provisionable for d in devices)
    assert apple_build("iOS 9.2 13C143") == "1302.143"


def test_users_spread_over_domains_and_servers():
    world = make_world(
        directory={
            "extra_domains": [
                {"name": "emea.contoso.local", "netbios": "EMEA", "forest": "contoso.local"}
            ]
        },
        exchange={"servers": [{"name": "EX01"}, {"name": "EX02"}]},
        population={"users": 20, "domains": ["contoso.local", "emea.contoso.local"]},
    )
    domains = Counter(m.domain for m in world.org.mailboxes)
    servers = Counter(m.server for m in world.org.mailboxes)
    assert domains["emea.contoso.local"] >= 10 and servers["EX02"] >= 10
    assert world.directory.find(
        f"EMEA\\{next(m for m in world.org.mailboxes if m.domain.startswith('emea')).sam}"
    )


def test_fleet_devices_sync_on_their_own_schedules():
    world = make_world(population={"users": 30, "devices_per_user": 1.5, "behaviour": LIVE})
    env = world.clock.env
    for process in world.processes():
        env.process(process)
    before = {d.device_id: d.last_success_sync for d in world.org.devices() if d.state == "active"}
    env.run(until=3 * 3600)
    after = {d.device_id: d.last_success_sync for d in world.org.devices()}
    advanced = [
        i for i, t in before.items() if after[i] is not None and t is not None and after[i] > t
    ]
    assert len(advanced) >= 0.8 * len(before)
    assert all(after[i] <= env.now and after[i] % 60 == 0 for i in advanced)  # stamped at ticks
    # one timer per world process (the fleet's among them), never one per device
    assert len(env._queue) <= len(world.processes()) + 1 < len(before)


def test_fleet_life_over_weeks_new_stale_offline():
    world = make_world(
        population={
            "users": 200,
            "behaviour": {
                "new_partnerships_per_day": 0.02,
                "stale_per_day": 0.01,
                "offline_per_day": 0.05,
            },
        }
    )
    env = world.clock.env
    for process in world.processes():
        env.process(process)
    count = world.org.device_count()
    env.run(until=14 * 86400)
    stats = world.fleet.stats
    assert stats["new"] > 20 and stats["stale"] > 10 and stats["offline"] > 50
    assert world.org.device_count() == count + stats["new"]
    assert world.trace.count("exchange.device.new_partnership") == stats["new"]
    handsets = world.observe_exchange()["devices"]["handsets"]
    assert handsets["stale"] > 0 and handsets["active"] > 0


def test_behaviour_off_keeps_the_organisation_still():
    still = make_world(population={"users": 10, "behaviour": False})
    living = make_world(population={"users": 10, "behaviour": True})
    assert still.fleet is None and living.fleet is not None
    assert len(living.processes()) == len(still.processes()) + 1


def test_fleet_is_deterministic():
    def run(seed):
        world = make_world(
            seed=seed, population={"users": 50, "behaviour": {"new_partnerships_per_day": 0.05}}
        )
        env = world.clock.env
        for process in world.processes():
            env.process(process)
        env.run(until=3 * 86400)
        return world.trace.data(), sorted(
            (d.device_id, d.last_success_sync) for d in world.org.devices()
        )

    assert run(5) == run(5)
