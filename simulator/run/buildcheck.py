"""A scenario is valid only if its world can be built: check that before anything runs.

The schema checks each field; some problems only show when the models are built from them
(a population domain the directory does not declare, ...). The world models refuse those
with a `ValueError` whose message starts with the field (`world.population.domains: ...`).
`check_world` builds the world once and turns such a refusal into a ScenarioError at that
field's line, so `validate` and `run` refuse the file with exit 2 before any trace or report
is written. Any other exception from building is a defect of the twin, not of the file, and
is left to surface as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from simulator.language import yamlsafe
from simulator.language.schema import Scenario, located_error, step_problem

_FIELD = re.compile(r"^(world(?:\.[a-z_]+|\[\d+\])*): ")


def _loc(field: str) -> tuple[Any, ...]:
    """`world.hosts[0].domain` as a location: ('world', 'hosts', 0, 'domain')."""
    return tuple(
        int(part[1:-1]) if part.startswith("[") else part
        for part in re.findall(r"\[\d+\]|[a-z_]+", field)
    )


def _root(scenario: Scenario, root: Callable[[], yaml.Node | None] | None) -> yaml.Node | None:
    """The file's node tree, composed again only on this (rare) error path."""
    if root is not None:
        return root()
    if not scenario.path:
        return None
    try:
        return yamlsafe.load(yamlsafe.decode(Path(scenario.path).read_bytes()))[1]
    except (OSError, yamlsafe.YamlInputError):
        return None


def check_world(scenario: Scenario, root: Callable[[], yaml.Node | None] | None = None) -> None:
    """Build the scenario's world; a refusal by the models is a ScenarioError at its field.
    Then every step must name hosts the world has."""
    from simulator.world.world import build_world

    problem = step_problem(scenario)
    if problem is not None:
        raise located_error(scenario.path or "<string>", _root(scenario, root), *problem)
    try:
        build_world(scenario)
    except ValueError as exc:
        message = str(exc)
        match = _FIELD.match(message)
        loc = _loc(match.group(1)) if match else ("world",)
        text = message[match.end() :] if match else message
        raise located_error(scenario.path or "<string>", _root(scenario, root), loc, text) from None
