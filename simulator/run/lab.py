"""The shell lab's world: a scenario's, or a small default organisation.

Opening the shell itself (account, server, keeping the world alive) is the world's
(`simulator.exchange.shell.lab`); choosing and building the world it opens on is a run's.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.exchange.shell.interpreter import ExchangeShell
from simulator.exchange.shell.lab import DEFAULT_ADMIN, DEFAULT_PASSWORD, LabError, open_shell
from simulator.language.loader import ScenarioError, load_scenario, parse_scenario
from simulator.language.schema import Scenario
from simulator.world.world import World, build_world

__all__ = ["Lab", "LabError", "ScenarioError", "default_scenario", "open_lab"]


def default_scenario() -> Scenario:
    """A small organisation: one Exchange 2013 server, 25 users, an administrator."""
    return parse_scenario(
        "name: default-lab\n"
        "seed: 1\n"
        "world:\n"
        "  directory:\n"
        "    domain: contoso.local\n"
        "    accounts:\n"
        f"      - {{name: '{DEFAULT_ADMIN}', password: '{DEFAULT_PASSWORD}', "
        "role_groups: [Organization Management], mailbox: true}\n"
        "  exchange: {version: 2013 CU12, servers: [{name: EX01}]}\n"
        "  population: {users: 25, devices_per_user: 1.5}\n",
        "<default organisation>",
    )


@dataclass
class Lab:
    """A shell open on a live world, and what it was built from."""

    scenario: Scenario
    world: World
    shell: ExchangeShell

    def banner(self) -> str:
        session = self.shell.session
        server = session.server
        return (
            "Welcome to the Exchange Management Shell (exchange-connector-twin)!\n"
            f"Connected to {server.fqdn} ({server.version.admin_display_version}) as "
            f"{session.account}, {self.scenario.name}, simulated time {self.world.clock.iso()}.\n"
            "Get-Command lists what you may run; Get-Help <cmdlet> shows its syntax; "
            "Start-Sleep -Seconds N lets simulated time pass; exit leaves."
        )


def open_lab(
    scenario_path: str | None,
    seed: int | None = None,
    account: str | None = None,
    server: str | None = None,
) -> Lab:
    """`exchange-twin shell`: the world of the scenario at `scenario_path` (the default
    organisation without one), live, with a shell logged on. Raises `ScenarioError` for an
    invalid file and `LabError` (or `ValueError`) when the shell cannot open on it."""
    scenario = load_scenario(scenario_path) if scenario_path else default_scenario()
    world = build_world(scenario, seed)
    return Lab(scenario, world, open_shell(world, account, server))
