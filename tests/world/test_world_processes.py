"""The world's own processes on the simulated clock: the directory synchronisation cycle,
enrolment over time, and the library scenarios that stage the world's rules and faults."""

from __future__ import annotations

from pathlib import Path

from simulator import load_scenario
from simulator.run.runner import Runner
from tests.world.conftest import ADMIN, small_world

ROOT = Path(__file__).resolve().parents[2]


def start(world):
    for process in world.processes():
        world.clock.env.process(process)


def test_an_on_premises_change_appears_in_intune_only_after_the_next_cycle():
    world = small_world(
        population={"users": 0},
        directory={
            "domain": "contoso.local",
            "accounts": [{"name": "CONTOSO\\ann", "password": "Ann-pass-1", "licensed": True}],
            "groups": [{"name": "Mobile"}],
        },
        tenant={
            "name": "contoso",
            "admins": [ADMIN],
            "directory_sync_interval": "30m",
            "conditional_access": {"included_groups": ["Mobile"]},
        },
    )
    start(world)
    env = world.clock.env
    env.run(until=60)
    world.directory.add_member("CONTOSO\\ann", "Mobile")
    env.run(until=29 * 60)
    assert world.intune.targeted_users() == []
    env.run(until=31 * 60)
    assert world.intune.targeted_users() == ["ann@contoso.local"]
    syncs = [e for e in world.trace.events if e["kind"] == "intune.directory_sync"]
    assert [(e["t"][11:16], e["changed"]) for e in syncs] == [("08:30", 1)]


def test_without_directory_sync_there_is_no_cycle():
    world = small_world(tenant={"name": "contoso", "directory_sync": False})
    assert world.processes() == []
    assert world.intune.tenant.users == {}


def test_enrolment_over_time_turns_blocks_into_allows():
    runner = Runner(load_scenario(ROOT / "scenarios/access/conditional-access-enrolment.yaml"))
    result = runner.run()
    assert result.passed, result.failures
    intune = runner.world.intune
    for key, access in intune.decisions.items():
        enrolled = intune.enrolled.get(key)
        record = intune.inventory.get(key)
        if record["deviceType"] == "WP8":
            assert access == "allow"  # the platform exception
        else:
            assert access == ("allow" if enrolled and enrolled.compliant else "block")
    licensed = set(intune.tenant.licensed_users())
    assert intune.enrolled and all(d.upn in licensed for d in intune.enrolled.values())
