"""The version × profile matrix: one scenario run in every cell of the axes given.

`exchange-twin run scenarios --matrix exchange=2010SP3,2013CU12,2016CU3 profile=2016,2018`
runs each scenario once per cell — its Exchange version (every server's) and its release
profile replaced — so one command shows which combinations a behaviour holds in.
"""

from __future__ import annotations

import itertools
import re

from simulator.exchange.versions import version
from simulator.language.schema import Scenario

AXES = ("exchange", "profile")
PROFILES = ("2016", "2018")


def _label(text: str) -> str:
    """`2010SP3` → `2010 SP3` (the spelling Exchange's own build list uses)."""
    return re.sub(r"^(\d{4})\s*(?=\S)", r"\1 ", text.strip())


def parse_matrix(specs: list[str]) -> list[dict[str, str]]:
    """`["exchange=2010SP3,2013CU12", "profile=2016,2018"]` → the cells, in a stable order."""
    axes: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or name not in AXES:
            raise ValueError(
                f"--matrix takes AXIS=V1,V2 with AXIS one of {', '.join(AXES)}; found {spec!r}"
            )
        if name in axes:
            raise ValueError(f"--matrix: axis {name!r} given twice")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise ValueError(f"--matrix {name}: no values")
        if name == "exchange":
            checked = []
            for item in items:
                try:
                    checked.append(version(_label(item)).label)
                except (KeyError, ValueError):
                    raise ValueError(
                        f"--matrix exchange: unknown Exchange version {item!r} (e.g. 2010SP3, 2013CU12, 2016CU3)"
                    ) from None
            items = checked
        else:
            bad = [i for i in items if i not in PROFILES]
            if bad:
                raise ValueError(
                    f"--matrix profile: unknown profile {bad[0]!r} (profiles: {', '.join(PROFILES)})"
                )
        axes[name] = list(dict.fromkeys(items))
    names = [a for a in AXES if a in axes]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(axes[n] for n in names))
    ]


def cell_name(cell: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in cell.items())


def apply_cell(scenario: Scenario, cell: dict[str, str]) -> Scenario:
    """The scenario in one cell: its name tagged with the cell, version and profile replaced."""
    update: dict[str, object] = {"name": f"{scenario.name}[{cell_name(cell)}]"}
    if "profile" in cell:
        update["profile"] = cell["profile"]
    if "exchange" in cell:
        exchange = scenario.world.exchange
        servers = [s.model_copy(update={"version": None}) for s in exchange.servers]
        update["world"] = scenario.world.model_copy(
            update={
                "exchange": exchange.model_copy(
                    update={"version": cell["exchange"], "servers": servers}
                )
            }
        )
    return scenario.model_copy(update=update)
