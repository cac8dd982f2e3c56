"""The shell lab's world: a scenario's, or a small default organisation.

Opening the shell itself (account, server, keeping the world alive) is the world's
(`simulator.exchange.shell.lab`); choosing and building the world it opens on is a run's.
"""

from __future__ import annotations

from simulator.exchange.shell.lab import DEFAULT_ADMIN, DEFAULT_PASSWORD
from simulator.language.schema import Scenario, parse_scenario


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
