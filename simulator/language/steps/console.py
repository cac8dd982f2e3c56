"""Steps an administrator takes in the Intune admin console (`simulator/intune/console.py`).

Each action is taken by a named tenant administrator (`admin:`; the tenant's first Intune
administrator when unset) and checked against that account's roles, exactly as the console
does: a refusal fails the step with Intune's message and HTTP status.

Steps: `set_mdm_authority` (R1.5), `delete_connection` (R6.2), `request_sync` (R5.3),
`set_conditional_access` (R7.2), `assign_licence` / `remove_licence` (R5.4),
`configure_exchange_online_connector` / `remove_exchange_online_connector` (R3.2, C32),
`wipe_device`, `cancel_wipe`, `remove_device` (R7.3) and `retire_device` (C28).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.language.steps.base import StepBase, StepError, StepRunner, step
from simulator.language.steps.refs import DeviceRef, admin_of, device_id_of, upn_of
from simulator.world.config.tenant import ConditionalAccessSpec, Licence

FAMILY = "console"


class ConsoleStep(StepBase):
    admin: str | None = Field(
        None, description="the tenant administrator acting; the first Intune administrator if unset"
    )


def _connector_id(run: StepRunner, host: str | None) -> str | None:
    """The active connection of `host` (None: the one the console shows)."""
    if host is None:
        return None
    wanted = run.world.host(host).name
    for record in run.world.intune.active_connectors():
        if record.host.upper() == wanted:
            return record.connector_id
    raise StepError(f"no active Exchange connection comes from {wanted}")


class SetMdmAuthority(ConsoleStep):
    """Set the tenant's mobile device management authority (a Global Administrator, R1.5)."""

    do: Literal["set_mdm_authority"]
    authority: Literal["intune", "configmgr", "office365"]


@step(SetMdmAuthority, FAMILY)
def set_mdm_authority(s: SetMdmAuthority, run: StepRunner) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    world.console.set_mdm_authority(admin, s.authority)
    world.trace.emit("console.mdm_authority", admin=admin, authority=s.authority)


class DeleteConnection(ConsoleStep):
    """Delete the Exchange connection; its connector must then be uninstalled (R6.2)."""

    do: Literal["delete_connection"]
    host: str | None = Field(
        None, description="the connector host; the console's connection if unset"
    )


@step(DeleteConnection, FAMILY)
def delete_connection(s: DeleteConnection, run: StepRunner) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    deleted = world.console.delete_connection(admin, world.clock.now(), _connector_id(run, s.host))
    world.trace.emit("console.connection_deleted", admin=admin, connector_id=deleted)


class RequestSync(ConsoleStep):
    """Quick Sync / Full Sync in the console: queued until the connector next polls (R5.3)."""

    do: Literal["request_sync"]
    kind: Literal["quick", "full"]
    host: str | None = None


@step(RequestSync, FAMILY)
def request_sync(s: RequestSync, run: StepRunner) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    command = world.console.request_sync(
        admin, s.kind, world.clock.now(), _connector_id(run, s.host)
    )
    world.trace.emit(
        "console.sync_requested", admin=admin, sync=s.kind, command_id=command.command_id
    )


class SetConditionalAccess(ConsoleStep, ConditionalAccessSpec):
    """Set conditional access for Exchange on-premises: enabled, targeted and excluded
    groups, unmanaged device access, platform exceptions, the notification (R7.2)."""

    do: Literal["set_conditional_access"]


@step(SetConditionalAccess, FAMILY)
def set_conditional_access(s: SetConditionalAccess, run: StepRunner) -> None:
    from simulator.intune.access import PlatformException

    world = run.world
    admin = admin_of(world, s.admin)
    world.console.set_conditional_access(
        admin,
        world.clock.now(),
        enabled=s.enabled,
        included_groups=s.included_groups,
        excluded_groups=s.excluded_groups,
        unmanaged_access=s.unmanaged_device_access,
        platform_exceptions=[
            PlatformException(e.name, e.type, e.access) for e in s.platform_exceptions
        ],
        notification_subject=s.notification.subject if s.notification else None,
        notification_body=s.notification.body if s.notification else None,
    )
    world.trace.emit(
        "console.conditional_access",
        admin=admin,
        enabled=s.enabled,
        included_groups=s.included_groups,
        excluded_groups=s.excluded_groups,
        unmanaged_device_access=s.unmanaged_device_access,
    )


class LicenceStep(ConsoleStep):
    user: str = Field(description="the user: DOMAIN\\user or UPN")
    licence: Licence = "intune"


class AssignLicence(LicenceStep):
    """Assign a licence directly to a synchronised user (effective at once, R5.4)."""

    do: Literal["assign_licence"]


class RemoveLicence(LicenceStep):
    """Remove a user's direct licence: the user's devices are no longer reported (R5.4)."""

    do: Literal["remove_licence"]


def _licence(s: LicenceStep, run: StepRunner, assign: bool) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    upn = upn_of(world, s.user)
    if assign and upn not in world.intune.tenant.users:
        raise StepError(
            f"{upn} has not been synchronised to the tenant yet (directory synchronisation "
            "runs every 30 minutes)"
        )
    action = world.console.assign_licence if assign else world.console.remove_licence
    action(admin, upn, s.licence, world.clock.now())
    world.trace.emit("console.licence", admin=admin, user=upn, licence=s.licence, assigned=assign)


@step(AssignLicence, FAMILY)
def assign_licence(s: AssignLicence, run: StepRunner) -> None:
    _licence(s, run, True)


@step(RemoveLicence, FAMILY)
def remove_licence(s: RemoveLicence, run: StepRunner) -> None:
    _licence(s, run, False)


class ConfigureExchangeOnlineConnector(ConsoleStep):
    """Configure the service-to-service Exchange Online connector in the tenant (R3.2, C32)."""

    do: Literal["configure_exchange_online_connector"]


class RemoveExchangeOnlineConnector(ConsoleStep):
    """Remove the Exchange Online connector from the tenant."""

    do: Literal["remove_exchange_online_connector"]


@step(ConfigureExchangeOnlineConnector, FAMILY)
def configure_exchange_online_connector(
    s: ConfigureExchangeOnlineConnector, run: StepRunner
) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    world.console.configure_exchange_online_connector(admin)
    world.trace.emit("console.exchange_online_connector", admin=admin, configured=True)


@step(RemoveExchangeOnlineConnector, FAMILY)
def remove_exchange_online_connector(s: RemoveExchangeOnlineConnector, run: StepRunner) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    world.console.remove_exchange_online_connector(admin)
    world.trace.emit("console.exchange_online_connector", admin=admin, configured=False)


class DeviceAction(ConsoleStep, DeviceRef):
    pass


class WipeDevice(DeviceAction):
    """Wipe a device: Clear-ActiveSyncDevice through the connector, effective at the device's
    next contact (R7.3)."""

    do: Literal["wipe_device"]


class CancelWipe(DeviceAction):
    """Cancel a pending wipe (Clear-ActiveSyncDevice -Cancel) while the device has not
    received it (R7.3)."""

    do: Literal["cancel_wipe"]


class RemoveDevice(DeviceAction):
    """Remove the device's partnership from Exchange (Remove-ActiveSyncDevice, R7.3)."""

    do: Literal["remove_device"]


class RetireDevice(DeviceAction):
    """Retire an enrolled device: Intune forgets the enrolment; the EAS partnership stays in
    Exchange (C28)."""

    do: Literal["retire_device"]


def _device_action(s: DeviceAction, run: StepRunner, action: str) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    device_id = device_id_of(world, s)
    console = world.console
    now = world.clock.now()
    if action == "retire":
        console.retire_device(admin, device_id, now)
        command_id = None
    else:
        handler = {
            "wipe": console.wipe_device,
            "cancelWipe": console.cancel_wipe,
            "removeDevice": console.remove_device,
        }[action]
        command_id = handler(admin, device_id, now).command_id
    world.trace.emit(
        "console.device_action", admin=admin, action=action, device=device_id, command_id=command_id
    )


for _model, _action in (
    (WipeDevice, "wipe"),
    (CancelWipe, "cancelWipe"),
    (RemoveDevice, "removeDevice"),
    (RetireDevice, "retire"),
):
    step(_model, FAMILY)(lambda s, run, action=_action: _device_action(s, run, action))
