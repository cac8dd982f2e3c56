"""Finding the fuzz targets: every ``fuzz/<name>.py`` that defines ``TARGET``.

Discovery rather than a list of imports, so that a front door's target joins ``make fuzz``,
the catalogue and the tests by existing — whichever targets have landed.
"""

from __future__ import annotations

import importlib
import pkgutil

import fuzz
from fuzz.common import FuzzTarget

#: Modules of the framework itself, never targets.
FRAMEWORK = frozenset({"common", "corpus", "targets", "catalogue", "convergence", "__main__"})


def discover() -> list[FuzzTarget]:
    """The targets of every module in ``fuzz/`` with a ``TARGET``, sorted by name."""
    found = []
    for info in pkgutil.iter_modules(fuzz.__path__):
        if info.name in FRAMEWORK or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"fuzz.{info.name}")
        target = getattr(module, "TARGET", None)
        if isinstance(target, FuzzTarget):
            found.append(target)
    return sorted(found, key=lambda t: t.name)
