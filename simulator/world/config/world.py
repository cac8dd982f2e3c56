"""The world's configuration as a whole (a scenario's `world:` section): what `World` is built
from. It describes the world and imports nothing of the language that embeds it.
"""

from __future__ import annotations

from pydantic import (
    Field,
    model_validator,
)

from simulator.world.config.base import FieldError, Strict
from simulator.world.config.directory import DirectorySpec
from simulator.world.config.exchange import ExchangeSpec, OrganizationSpec, PopulationModel
from simulator.world.config.hosts import HostSpec
from simulator.world.config.network import NetworkSpec
from simulator.world.config.tenant import TenantSpec


class WorldSpec(Strict):
    tenant: TenantSpec = Field(default_factory=TenantSpec)
    directory: DirectorySpec = Field(default_factory=DirectorySpec)
    exchange: ExchangeSpec = Field(default_factory=ExchangeSpec)
    population: PopulationModel = Field(default_factory=PopulationModel)
    organizations: list[OrganizationSpec] = Field(
        default_factory=list,
        description="more Exchange organisations, one per further AD forest; world.exchange and "
        "world.population stay the first one's (the directory's own forest); a host joins a "
        "forest through its domain, and its connector reaches the organisation whose server it "
        "names",
    )
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    hosts: list[HostSpec] = Field(default_factory=lambda: [HostSpec(name="CONN01")])

    @model_validator(mode="after")
    def _device_owners(self) -> WorldSpec:
        """A device of `world.exchange.devices` belongs to an account declared with a mailbox
        (its partnership lives in that mailbox)."""
        if not self.exchange.devices:
            return self
        owners = {a.name.lower() for a in self.directory.accounts if a.mailbox}
        seen: set[tuple[str, str]] = set()
        for i, device in enumerate(self.exchange.devices):
            if device.owner.lower() not in owners:
                raise FieldError(
                    ("exchange", "devices", i, "owner"),
                    f"{device.owner!r} is not an account of world.directory with mailbox: true",
                )
            key = (device.owner.lower(), device.device_id.lower())
            if key in seen:
                raise FieldError(
                    ("exchange", "devices", i, "device_id"),
                    f"{device.owner} already has a device {device.device_id!r}",
                )
            seen.add(key)
        return self

    @model_validator(mode="after")
    def _one_organisation_per_forest(self) -> WorldSpec:
        """Each further organisation sits in a forest of the directory that has no other one,
        under a name no other one has (the connector tells Intune its organisation by name)."""
        if not self.organizations:
            return self
        d = self.directory
        forests = {d.domain.lower()} | {(e.forest or e.name).lower() for e in d.extra_domains}
        taken_forests = {d.domain.lower()}
        taken_names = {(self.exchange.organization or "First Organization").lower()}
        for i, org in enumerate(self.organizations):
            where = f"world.organizations.{i}"
            forest = org.forest.lower()
            if forest not in forests:
                raise ValueError(
                    f"{where}.forest: {org.forest!r} is not a forest of world.directory "
                    f"(forests: {', '.join(sorted(forests))}); declare its root domain in "
                    "world.directory.extra_domains"
                )
            if forest in taken_forests:
                raise ValueError(
                    f"{where}.forest: forest {org.forest!r} already holds an Exchange "
                    "organisation (one organisation per forest)"
                )
            if org.organization.lower() in taken_names:
                raise ValueError(
                    f"{where}.organization: another organisation of the world is named "
                    f"{org.organization!r}; the twin tells organisations apart by name"
                )
            taken_forests.add(forest)
            taken_names.add(org.organization.lower())
        return self
