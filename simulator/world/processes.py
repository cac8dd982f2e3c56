"""The world's own processes: what happens in the world while the connector runs, each one
simpy process started beside the scenario's steps (`World.processes`).

Fault edges (traced as `fault.start` / `fault.end`, and the faults that are events carried
out), Intune's directory synchronisation cycle, each host's Group Policy refresh, and the
enrolment of devices with compliance drifting (one fleet-level process ticking over every
device, never a timer per device).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simulator.intune.access import platform_of
from simulator.intune.errors import Forbidden
from simulator.world.durations import parse_duration

if TYPE_CHECKING:
    from simulator.world.config.tenant import EnrolmentSpec
    from simulator.world.host import SimHost
    from simulator.world.world import World


def add_world_processes(world: World) -> None:
    """Give the world its own processes: fault edges, Intune's directory synchronisation, each
    host's Group Policy refresh, enrolment — whichever its configuration calls for."""
    if world.faults.faults:
        world.add_process(fault_edges(world))
    if world.spec.tenant.directory_sync:
        world.add_process(directory_sync(world))
    for host in world.hosts.values():
        if host.group_policies:
            spec = next(h for h in world.spec.hosts if h.name.upper() == host.name)
            world.add_process(group_policy(world, host, parse_duration(spec.gpo_refresh)))
    if world.spec.tenant.enrolment is not None:
        world.add_process(enrolment(world, world.spec.tenant.enrolment))


def fault_edges(world: World) -> Generator[Any, Any, None]:
    """Trace every fault's start and end when it happens (the models read the timeline
    themselves), and carry out the faults that are events."""
    env = world.clock.env
    for at, edge, fault in world.faults.edges():
        if at > env.now:
            yield env.timeout(at - env.now)
        if edge == "end" and fault.end != at:
            continue  # a step ended it earlier (server_up), and traced that
        world.trace.emit(f"fault.{edge}", fault=fault.kind, index=fault.index, params=fault.params)
        if edge == "start":
            fault.spec.on_start(world, fault)


def directory_sync(world: World) -> Generator[Any, Any, None]:
    """Azure AD Connect's cycle: Intune sees AD as it was at the last cycle."""
    env = world.clock.env
    interval = world.intune.tenant.directory_sync_interval
    while True:
        yield env.timeout(interval)
        change = world.intune.synchronise_directory(world.directory, world.clock.now())
        world.trace.emit(
            "intune.directory_sync",
            added=change.added,
            removed=change.removed,
            changed=change.changed,
            licensed=len(world.intune.tenant.licensed_users()),
        )


def group_policy(world: World, host: SimHost, refresh: float) -> Generator[Any, Any, None]:
    """The host's Group Policy refresh (at start, then every `refresh` seconds)."""
    env = world.clock.env
    while True:
        before = list(host.applied_policies)
        lost = host.refresh_group_policy(env.now)
        if lost or host.applied_policies != before:
            world.trace.emit(
                "host.group_policy",
                host=host.name,
                applied=host.applied_policies,
                lost_logon_as_service=lost,
            )
        yield env.timeout(refresh)


def enrolment(world: World, spec: EnrolmentSpec) -> Generator[Any, Any, None]:
    """Users enrol devices over time and compliance drifts: one fleet-level process that
    advances every device once per tick (DESIGN "Scale by batching time")."""
    env, rng, intune = world.clock.env, world.rng("enrolment"), world.intune
    start, over = parse_duration(spec.start), parse_duration(spec.over)
    tick = max(1.0, parse_duration(spec.tick))
    licensed = set(intune.tenant.licensed_users())
    plan = []
    for mb in world.organizations.mailboxes():
        if mb.primary_smtp.lower() not in licensed:
            continue
        for device in mb.devices:
            if device.client_type == "EAS" and rng.random() < spec.devices:
                when = start + rng.random() * over
                plan.append((when, device.device_id, mb.primary_smtp, device.device_type))
    plan.sort()
    compliant = {d[1]: rng.random() < spec.compliant for d in plan}
    flip = spec.compliance_changes_per_day * tick / 86400
    yield env.timeout(start)
    while plan or flip:
        now = world.clock.now()
        due = [d for d in plan if d[0] <= env.now]
        plan = plan[len(due) :]
        enrolled = 0
        for _, device_id, upn, device_type in due:
            try:
                intune.enrol(
                    upn, device_id, platform_of(device_type), now, compliant[device_id], False
                )
                enrolled += 1
            except Forbidden:  # the user lost the licence before enrolling
                continue
        flipped = 0
        for key in sorted(intune.enrolled) if flip else ():
            if rng.random() < flip:
                intune.set_compliance(key, not intune.enrolled[key].compliant, now, False)
                flipped += 1
        if enrolled or flipped:
            commands = intune.evaluate(now)
            world.trace.emit(
                "intune.enrolment",
                enrolled=enrolled,
                compliance_changes=flipped,
                commands=len(commands),
            )
        yield env.timeout(tick)
