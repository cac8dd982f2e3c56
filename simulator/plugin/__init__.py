"""pytest plugin (entry point `pytest11`): twin fixtures, and scenario files as test items.

Fixtures, each built fresh for every test from one scenario:

* `twin_scenario` — the scenario the others build: a small default world (one Exchange 2013
  server, a service account in Organization Management, ten users, one connector host)
  unless the test says otherwise with `@pytest.mark.twin_scenario("path.yaml" | {...},
  seed=N)`, or with `@pytest.mark.parametrize("twin_scenario", [...], indirect=True)`, or by
  overriding the fixture in a conftest. A path is read relative to the rootdir, then to the
  test's folder; a dict is a scenario (its `name` may be left out).
* `twin` — the world you drive by hand (`Twin`): play a step given as in a scenario file,
  advance the simulated clock with the connector services running, observe a path, check an
  expectation.
* `twin_world` — the built `World` (its steps are not played: `twin.play_steps()` does that).
* `exchange` — the Exchange organisation and `session(account)` to run cmdlets as someone.
* `intune` — the fake Intune service and its admin console.
* `connector` — the connector downloaded, installed and configured on the world's first host
  with the world's first service account; `advance`, `run_due`, `state` drive and show it.

With `pytest --twin-scenarios`, every `*.yaml`/`*.yml` file under a `scenarios` folder is
collected as one test item that runs the scenario; a failure shows the failed expectations
and the command that reproduces it. Without the option, collection is untouched. When
pytest takes its paths from `testpaths`, the option also adds `<rootdir>/scenarios`.

The harness enters the world (HTTP routed to the fake services, wall clock frozen to
simulated time) only for the duration of each call, so the test's own code between calls
runs in the ordinary world.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.language.schema import Scenario
from simulator.plugin.collect import ScenarioFile
from simulator.plugin.twin import (
    DEFAULT_SCENARIO,
    ConnectorDriver,
    ExchangeHandle,
    IntuneHandle,
    Twin,
    as_scenario,
)
from simulator.world.world import World


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture
def twin_scenario(request: pytest.FixtureRequest) -> Scenario:
    """The scenario the twin fixtures build (parametrize it, mark the test, or override it)."""
    base = Path(str(request.node.path)).parent
    if hasattr(request, "param"):
        return as_scenario(request.param, f"<twin_scenario of {request.node.nodeid}>", base)
    marker = request.node.get_closest_marker("twin_scenario")
    if marker is not None and marker.args:
        root = request.config.rootpath
        source = marker.args[0]
        if isinstance(source, str | Path) and not Path(source).is_absolute():
            source = root / source if (root / source).exists() else base / source
        return as_scenario(source, f"<twin_scenario of {request.node.nodeid}>", base)
    return as_scenario(DEFAULT_SCENARIO)


@pytest.fixture
def twin(twin_scenario: Any, request: pytest.FixtureRequest) -> Twin:
    marker = request.node.get_closest_marker("twin_scenario")
    seed = marker.kwargs.get("seed") if marker is not None else None
    return Twin(as_scenario(twin_scenario), seed)


@pytest.fixture
def twin_world(twin: Twin) -> World:
    return twin.world


@pytest.fixture
def exchange(twin: Twin) -> ExchangeHandle:
    return ExchangeHandle(twin)


@pytest.fixture
def intune(twin: Twin) -> IntuneHandle:
    return IntuneHandle(twin)


@pytest.fixture
def connector(twin: Twin) -> ConnectorDriver:
    return ConnectorDriver(twin).setup()


# -- scenario files as test items ---------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("exchange-twin")
    group.addoption(
        "--twin-scenarios",
        action="store_true",
        default=False,
        help="collect scenarios/**/*.yaml as test items, each running its scenario",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "twin_scenario(source, seed=None): the scenario (a path or a dict) that the twin "
        "fixtures build for this test",
    )
    if not config.getoption("twin_scenarios"):
        return
    scenarios = config.rootpath / "scenarios"
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS and scenarios.is_dir():
        given = {Path(a).resolve() for a in config.args}
        if scenarios.resolve() not in given:
            config.args.append(str(scenarios))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getoption("twin_scenarios"):
        return None
    if file_path.suffix not in (".yaml", ".yml") or "scenarios" not in file_path.parts[:-1]:
        return None
    return ScenarioFile.from_parent(parent, path=file_path)
