"""The world's configuration as a whole (a scenario's `world:` section): what `World` is built
from. It describes the world and imports nothing of the language that embeds it.
"""

from __future__ import annotations

from pydantic import (
    Field,
)

from simulator.world.config.base import Strict
from simulator.world.config.directory import DirectorySpec
from simulator.world.config.exchange import ExchangeSpec, PopulationModel
from simulator.world.config.hosts import HostSpec
from simulator.world.config.network import NetworkSpec
from simulator.world.config.tenant import TenantSpec


class WorldSpec(Strict):
    tenant: TenantSpec = Field(default_factory=TenantSpec)
    directory: DirectorySpec = Field(default_factory=DirectorySpec)
    exchange: ExchangeSpec = Field(default_factory=ExchangeSpec)
    population: PopulationModel = Field(default_factory=PopulationModel)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    hosts: list[HostSpec] = Field(default_factory=lambda: [HostSpec(name="CONN01")])
