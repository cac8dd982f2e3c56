"""Steps of the devices' lives: new partnerships, syncs, connectivity, enrolment, compliance.

The Exchange side is the fleet (`simulator/exchange/behaviour.py`): a new partnership is a
handset's first contact (in Device Discovery at first), a sync is a contact that gets the
cached access decision (SPEC R5.9) and receives a pending wipe, an offline handset does not
sync until it is back. A still organisation (`population.behaviour: false`) has no fleet: its
devices never contact Exchange by themselves, so a step that needs a contact says so. The
Intune side (`simulator/intune/`) is enrolment and compliance: each change makes Intune decide
the device's access again, and a changed decision is queued as a command for the connector.

Steps: `new_partnership`, `device_sync`, `device_offline`, `device_online`, `enrol_device`,
`set_compliance`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulator.language.steps.base import StepBase, StepError, StepRunner, duration_field, step
from simulator.language.steps.refs import DeviceRef, find_device, mailbox_of
from simulator.world.durations import parse_duration

if TYPE_CHECKING:
    from simulator.exchange.behaviour import Fleet
    from simulator.exchange.device import Device
    from simulator.exchange.model import Organization
    from simulator.world.config.exchange import PopulationModel
    from simulator.world.world import World

FAMILY = "devices"


def _fleet(run: StepRunner, what: str, device: Device) -> Fleet:
    """The fleet of the device's organisation (a world may hold several)."""
    organizations = run.world.organizations
    fleet = organizations.fleet_of(organizations.of_mailbox(device.mailbox))
    if fleet is None:
        raise StepError(
            f"{what} needs devices that live: this organisation is still "
            "(world.population.behaviour: false)"
        )
    return fleet


def _population(world: World, org: Organization) -> PopulationModel:
    """The population spec of the device's organisation (world.population is the first's)."""
    return next(
        (o.population for o in world.spec.organizations if o.organization == org.name),
        world.spec.population,
    )


class NewPartnership(StepBase):
    """A user sets up a device: its first contact creates the partnership in Exchange (in
    Device Discovery at first); then it syncs on its own schedule."""

    do: Literal["new_partnership"]
    user: str = Field(description="the mailbox: DOMAIN\\user, UPN or alias")
    device_id: str | None = Field(None, description="its EAS device id; a random one if unset")
    device_type: str = Field(
        "iPhone", description="iPhone, iPad, Samsung, Android, WindowsPhone, Outlook, Legacy..."
    )


@step(NewPartnership, FAMILY)
def new_partnership(s: NewPartnership, run: StepRunner) -> None:
    # the organisation's models, loaded when a step runs (reading a scenario needs none)
    from simulator.exchange.behaviour import first_contact
    from simulator.exchange.device import Device
    from simulator.exchange.device_mix import kind_variant

    world = run.world
    mailbox = mailbox_of(world, s.user)
    org = world.organizations.of_mailbox(mailbox)
    fleet = world.organizations.fleet_of(org)
    if s.device_id is not None and org.devices_by_device_id(s.device_id):
        raise StepError(f"a partnership with the device id {s.device_id} already exists")
    now = world.clock.seconds
    device = Device(
        guid=org.new_guid(),
        mailbox=mailbox,
        device_id=s.device_id or format(org.rng.getrandbits(128), "032X"),
        imei="",
        operator="",
        phone="",
        os_language="en-US",
        first_sync=now,
        last_success_sync=None,
        last_sync_attempt=None,
        when_created=now,
        when_changed=now,
        interval=float(parse_duration(_population(world, org).sync_interval)),
        **kind_variant(s.device_type),
    )
    if fleet is not None:
        fleet.new_partnership(mailbox, now, device)
    else:
        first_contact(org, device, now)
        world.trace.emit(
            "exchange.device.new_partnership",
            device_id=device.device_id,
            mailbox=mailbox.primary_smtp,
            device_type=device.device_type,
        )


class DeviceSync(StepBase, DeviceRef):
    """The device contacts Exchange now (rather than at its next scheduled sync): it gets its
    access from the access cache and receives a pending wipe."""

    do: Literal["device_sync"]


@step(DeviceSync, FAMILY)
def device_sync(s: DeviceSync, run: StepRunner) -> None:
    device = find_device(run.world, s)
    fleet = _fleet(run, "device_sync", device)
    if device.state not in ("active", "offline"):
        raise StepError(f"device {device.device_id} is {device.state}; it does not sync")
    if device.state == "offline":
        raise StepError(f"device {device.device_id} is offline; bring it back with device_online")
    fleet.sync(device, run.world.clock.seconds)
    run.world.trace.emit(
        "exchange.device.sync",
        device_id=device.device_id,
        served=device.served_state,
        state=device.state,
    )


class DeviceOffline(StepBase, DeviceRef):
    """The handset goes offline (no contact with Exchange) for `lasting`, or until a
    `device_online` step when unset."""

    do: Literal["device_offline"]
    lasting: str | None = Field(None, description="e.g. 6h; until device_online when unset")

    _lasting = duration_field("lasting")


@step(DeviceOffline, FAMILY)
def device_offline(s: DeviceOffline, run: StepRunner) -> None:
    device = find_device(run.world, s)
    fleet = _fleet(run, "device_offline", device)
    now = run.world.clock.seconds
    back = now + parse_duration(s.lasting) if s.lasting else None
    try:
        fleet.go_offline(device, now, back)
    except ValueError as exc:
        raise StepError(str(exc)) from None


class DeviceOnline(StepBase, DeviceRef):
    """An offline handset is back: it syncs at the fleet's next tick."""

    do: Literal["device_online"]


@step(DeviceOnline, FAMILY)
def device_online(s: DeviceOnline, run: StepRunner) -> None:
    device = find_device(run.world, s)
    fleet = _fleet(run, "device_online", device)
    try:
        fleet.come_back(device, run.world.clock.seconds)
    except ValueError as exc:
        raise StepError(str(exc)) from None


class EnrolDevice(StepBase, DeviceRef):
    """The device's user enrols it in Intune (linked to its EAS device id), compliant or
    not; Intune decides its access again (R7.2)."""

    do: Literal["enrol_device"]
    compliant: bool = True
    enrolled_as: str | None = Field(
        None,
        description="the EAS id the enrolment reports, when it is not the device's own: a "
        "non-Knox Android enrolled from the Company Portal, not from the email's link (C17)",
    )


@step(EnrolDevice, FAMILY)
def enrol_device(s: EnrolDevice, run: StepRunner) -> None:
    from simulator.intune.access import platform_of

    world = run.world
    device = find_device(world, s)
    platform = platform_of(device.device_type)
    linked = s.enrolled_as or device.device_id
    world.intune.enrol(device.mailbox.upn, linked, platform, world.clock.now(), s.compliant)
    world.trace.emit(
        "intune.device_enrolled",
        device_id=device.device_id,
        enrolled_as=linked,
        user=device.mailbox.upn.lower(),
        platform=platform,
        compliant=s.compliant,
    )


class SetCompliance(StepBase, DeviceRef):
    """An enrolled device becomes compliant or non-compliant; Intune decides again (R7.2)."""

    do: Literal["set_compliance"]
    compliant: bool


@step(SetCompliance, FAMILY)
def set_compliance(s: SetCompliance, run: StepRunner) -> None:
    world = run.world
    device = find_device(world, s)
    world.intune.set_compliance(device.device_id, s.compliant, world.clock.now())
    world.trace.emit("intune.compliance", device_id=device.device_id, compliant=s.compliant)
