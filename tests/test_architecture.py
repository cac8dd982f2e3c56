"""The dependency rule (docs/architecture.md): the connector knows only its ports, never the
simulator; inside `simulator/` each layer imports only the layers below it, and no modules
import each other in a circle.

Every import counts — at module level, inside a function (a lazy import must still point
downward) and under `TYPE_CHECKING` — read from the source with `ast`, so nothing needs to be
imported to check it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module may import modules of its own layer and of layers below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("world", ("simulator.world", "simulator.exchange", "simulator.intune")),
    ("language", ("simulator.language",)),
    ("run", ("simulator.run",)),
    ("explore", ("simulator.explore",)),
    ("reports", ("simulator.reports",)),
    ("lab", ("simulator.lab",)),
    ("cli", ("simulator.cli",)),
    ("plugin", ("simulator.plugin",)),
]
# The two front doors stand side by side: neither imports the other.
FRONT_DOORS = {"cli", "plugin"}
# The only modules that know both the connector's ports and the world (docs/architecture.md,
# "The dependency rule"): the adapters, and the runner — runner.py, the run itself, and
# connector.py, the runner split along its seam: the connector on one host.
CONNECTOR_ALLOWED = {
    "simulator.run.adapters",
    "simulator.run.runner",
    "simulator.run.connector",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:` (never executed)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def imports_of(
    path: Path, known: set[str], name: str | None = None, *, typing_only: bool = True
) -> set[str]:
    """The modules `path` (module `name`) imports — every import statement anywhere in it,
    and, with `typing_only`, those under `if TYPE_CHECKING:` — resolved against `known` (our
    own modules): `from a.b import c` is a.b.c when that is a module, else a.b."""
    name = module_name(path) if name is None else name
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    skip = set() if typing_only else _type_checking_blocks(tree)
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                out.add(sub if sub in known else module)
    return out


def import_graph(*folders: str, typing_only: bool = True) -> dict[str, set[str]]:
    """Module → the modules it imports (ours under `folders`, and any other by name)."""
    paths = [p for folder in folders for p in (ROOT / folder).rglob("*.py")]
    known = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, known, typing_only=typing_only) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports in `graph` (its modules in order, the first repeated at the
    end), or None. Depth-first search keeping the path; edges to modules outside the graph
    are ignored."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph or nxt == node:
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def layer_of(module: str) -> int | None:
    for i, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    return None


def simulator_graph(typing_only: bool = True) -> dict[str, set[str]]:
    return import_graph("simulator", typing_only=typing_only)


# -- the connector ---------------------------------------------------------------------------------
def test_connector_source_never_imports_simulator():
    graph = import_graph("connector")
    offenders = {
        m: sorted(n for n in names if n.split(".")[0] == "simulator") for m, names in graph.items()
    }
    assert {m: n for m, n in offenders.items() if n} == {}


def test_importing_every_connector_module_loads_no_simulator_module():
    modules = sorted(
        "connector." + p.stem for p in (ROOT / "connector").glob("*.py") if p.stem != "__init__"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m == 'simulator' or m.startswith('simulator.')]\n"
        "print(','.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_the_adapters_and_the_runner_import_the_connector():
    """DESIGN: the adapters (ports over the world) and the runner (drives the product: its
    service on the clock in runner.py, and setup, wizard and configuration for the
    connector's steps in connector.py, the runner split along its seam) are the only modules
    that know both sides; world models and steps stay connector-free."""
    offenders = {
        m
        for m, names in simulator_graph().items()
        if any(n.split(".")[0] == "connector" for n in names) and m not in CONNECTOR_ALLOWED
    }
    assert offenders == set()


# -- the layers inside simulator/ ------------------------------------------------------------------
def test_every_simulator_module_belongs_to_a_layer():
    """A new folder must be placed in the picture (docs/architecture.md) before it is used."""
    graph = simulator_graph()
    assert sorted(m for m in graph if m != "simulator" and layer_of(m) is None) == []


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for module, names in sorted(graph.items()):
        own = layer_of(module)
        if own is None:
            continue
        for name in sorted(names):
            if name == "simulator":
                out.append(f"{module} imports the package facade `simulator`")
                continue
            other = layer_of(name)
            if other is None:
                continue
            side_by_side = {LAYERS[own][0], LAYERS[other][0]} == FRONT_DOORS
            if other > own or side_by_side:
                out.append(f"{module} ({LAYERS[own][0]}) imports {name} ({LAYERS[other][0]})")
    return out


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports(simulator_graph()) == []


def test_no_import_cycle_between_simulator_modules():
    """Imports that run (at module level or in a function) never form a circle. An import
    for type hints only (`if TYPE_CHECKING:`) is left out: it never runs, and two models that
    name each other's types are not a circle of dependencies. It still counts for the layers."""
    assert find_cycle(simulator_graph(typing_only=False)) is None


def test_the_world_imports_nothing_of_the_language_the_runner_or_the_connector():
    """Stated on its own because it is the rule the restructuring was for (issue 14)."""
    bad = {
        m: sorted(n for n in names if n.split(".")[0] == "connector" or (layer_of(n) or 0) > 0)
        for m, names in simulator_graph().items()
        if layer_of(m) == 0
    }
    assert {m: n for m, n in bad.items() if n} == {}


# -- the checks themselves can fail ----------------------------------------------------------------
def test_find_cycle_finds_a_circle_in_a_tiny_graph():
    graph = {"a": {"b"}, "b": {"c", "os"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("simulator.world.world", "simulator.language.schema"),
        ("simulator.exchange.build", "simulator.language.schema"),
        ("simulator.language.steps.base", "simulator.run.runner"),
        ("simulator.run.runner", "simulator.reports.html"),
        ("simulator.reports.html", "simulator.cli"),
        ("simulator.cli", "simulator.plugin"),
    ],
)
def test_an_upward_import_is_reported(importer: str, imported: str):
    assert upward_imports({importer: {imported}}) != []


def test_lazy_imports_inside_functions_are_read(tmp_path: Path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from simulator.world.world import World\n"
        "def f():\n    from simulator.run import runner\n"
    )
    known = {"simulator.run.runner", "simulator.world.world"}
    found = imports_of(source, known, "simulator.reports.m")
    assert {"simulator.run.runner", "simulator.world.world"} <= found
    running = imports_of(source, known, "simulator.reports.m", typing_only=False)
    assert "simulator.run.runner" in running and "simulator.world.world" not in running
