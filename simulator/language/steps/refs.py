"""Naming things in steps: the administrator who acts, a user, a device.

Steps name things the way a scenario author knows them: a device by its Exchange ActiveSync
id (the id given to `new_partnership`, or one read off a trace), or as "the n-th device of
this user"; a user by `DOMAIN\\user`, UPN or alias. These helpers resolve those names against
the world and say, when one does not resolve, what there is instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from simulator.language.steps.base import StepError
from simulator.world.config.base import Strict

if TYPE_CHECKING:
    from simulator.exchange.device import Device
    from simulator.exchange.mailbox import Mailbox
    from simulator.world.world import World


def admin_of(world: World, admin: str | None) -> str:
    """The administrator acting in the console: the one named, or the tenant's first
    administrator holding an Intune role (the first one at all when none does, so that the
    console's own refusal names the missing role)."""
    if admin is not None:
        return admin
    from simulator.intune.admin_roles import INTUNE_ROLES

    admins = world.intune.admins
    ranked = sorted(u for u, a in admins.items() if any(r in INTUNE_ROLES for r in a.roles))
    chosen = ranked or sorted(admins)
    if not chosen:
        raise StepError("the tenant has no administrator (world.tenant.admins)")
    return chosen[0]


def mailbox_of(world: World, user: str) -> Mailbox:
    found = world.organizations.find_mailboxes(user)
    if not found:
        raise StepError(f"no mailbox is named '{user}' (a DOMAIN\\user, UPN, alias or address)")
    if len(found) > 1:
        raise StepError(f"'{user}' names {len(found)} mailboxes; use the UPN")
    return found[0]


def upn_of(world: World, user: str) -> str:
    """The UPN of a directory account given as DOMAIN\\user, UPN or sAMAccountName."""
    found = world.directory.find(user)
    if found is None:
        raise StepError(f"no account '{user}' in the directory")
    return found.upn.lower()


class DeviceRef(Strict):
    """A device: by its Exchange ActiveSync id, or as the `index`-th device of `user`."""

    device: str | None = Field(None, description="the Exchange ActiveSync device id")
    user: str | None = Field(None, description="the device's user (DOMAIN\\user, UPN or alias)")
    index: int = Field(0, ge=0, description="with user: which of the user's devices (from 0)")

    @model_validator(mode="after")
    def _one_way(self) -> DeviceRef:
        if (self.device is None) == (self.user is None):
            raise ValueError("name the device with either device: <id> or user: <account>")
        return self

    def describe(self) -> str:
        return self.device or f"device {self.index} of {self.user}"


def find_device(world: World, ref: DeviceRef) -> Device:
    """The handset a reference names (its partnership may have been removed)."""
    if ref.device is not None:
        for org in world.organizations:
            fleet = world.organizations.fleet_of(org)
            handsets = fleet.devices if fleet is not None else org.devices()
            for device in handsets:
                if device.device_id.lower() == ref.device.lower():
                    return device
        raise StepError(f"no device has the Exchange ActiveSync id '{ref.device}'")
    assert ref.user is not None
    mailbox = mailbox_of(world, ref.user)
    devices = [d for d in mailbox.devices if d.client_type == "EAS"]
    if ref.index >= len(devices):
        raise StepError(
            f"{ref.user} has {len(devices)} ActiveSync device(s); index {ref.index} is out of range"
        )
    return devices[ref.index]


def device_id_of(world: World, ref: DeviceRef) -> str:
    """The EAS device id a reference names, as Intune and the console know it."""
    return ref.device if ref.device is not None else find_device(world, ref).device_id
