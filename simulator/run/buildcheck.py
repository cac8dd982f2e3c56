"""A scenario is valid only if its world can be built: check that before anything runs.

The schema checks each field; some problems only show when the models are built from them
(a population domain the directory does not declare, ...). The world models refuse those
with a `ValueError` whose message starts with the field (`world.population.domains: ...`).
`check_world` builds the world once and turns such a refusal into a ScenarioError at that
field's line, so `run` refuses the file with exit 2 before any trace or report is written
(`validate` stays light — no world, no simpy — and checks the steps' references only). Any other exception from building is a defect of the twin, not of the file, and
is left to surface as one.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.language.loader import RootSource, check_steps, located_error, root_of
from simulator.language.schema import Scenario

_FIELD = re.compile(r"^(world(?:\.[a-z_]+|\[\d+\])*): ")


def _loc(field: str) -> tuple[Any, ...]:
    """`world.hosts[0].domain` as a location: ('world', 'hosts', 0, 'domain')."""
    return tuple(
        int(part[1:-1]) if part.startswith("[") else part
        for part in re.findall(r"\[\d+\]|[a-z_]+", field)
    )


def check_world(scenario: Scenario, root: RootSource | None = None) -> None:
    """Every step names hosts the world has (check_steps), and the world builds: a refusal
    by the models is a ScenarioError at its field."""
    from simulator.world.world import build_world

    check_steps(scenario, root)
    try:
        build_world(scenario)
    except ValueError as exc:
        message = str(exc)
        match = _FIELD.match(message)
        loc = _loc(match.group(1)) if match else ("world",)
        text = message[match.end() :] if match else message
        raise located_error(
            scenario.path or "<string>", root_of(scenario, root), loc, text
        ) from None
