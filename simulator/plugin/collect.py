"""`pytest --twin-scenarios`: scenario files as test items, each running its scenario; a
failure shows the failed expectations and the command that reproduces it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.language.loader import ScenarioError, load_scenario
from simulator.language.schema import Scenario
from simulator.run.batch import run_scenario
from simulator.run.results import RunResult


class ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:
            raise self.CollectError(f"invalid scenario: {exc}") from None
        return [ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)]


class ScenarioFailed(Exception):
    def __init__(self, result: RunResult) -> None:
        super().__init__(result.name)
        self.result = result


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        # `pytest --twin-scenarios -k smoke` selects by tag as well as by name
        self.extra_keyword_matches.update(scenario.tags)

    def runtest(self) -> None:
        result = run_scenario(self.scenario)
        self.user_properties += [("seed", result.seed), ("sha256", result.sha256)]
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            r = excinfo.value.result
            lines = [f"scenario {r.name} failed (seed {r.seed}, trace sha256 {r.sha256}):"]
            lines += [f"  - {f}" for f in r.failures]
            lines.append(f"reproduce: {r.reproducer()}")
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"scenario {self.name}"
