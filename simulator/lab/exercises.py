"""Lab exercises: a starting world, a task in words, hints, and checks that are scenario
expectations, read from `labs/*.yaml` the way scenarios are read.

Why an exercise is made of the scenario language rather than a language of its own: the
starting world is a scenario (embedded, or a file beside it), validated by the scenario
loader with its file:line:column errors; each check is an `Expectation` (same operators,
same paths, same trace counts) checked by the runner's own checker (`simulator.run.checks`)
against the student's live world; a `solution:` is scenario steps, which is what the lab's
pages do too (every button is a step). So a check that turns green in the browser is the
check a scenario run would pass, and the tests prove each exercise solvable by playing its
solution through the runner.

`load_exercise(path)` reads and validates a file; `evaluate(exercise, session)` checks every
check against a live run (anything with the world and `observe(path)` — the runner, or the
lab's session around one) and scores it. Reading an exercise loads the language only, never
the world: `exchange-twin validate labs/` stays as light as it is for scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from simulator.language import yamlsafe
from simulator.language.expectations import Expectation
from simulator.language.loader import (
    ScenarioError,
    check_steps,
    error_from_validation,
    fault_problem,
    load_mapping,
    located_error,
    parse_scenario_bytes,
    world_problem,
)
from simulator.language.schema import Scenario, Step
from simulator.world.config.base import Strict

if TYPE_CHECKING:
    from simulator.world.world import World

__all__ = [
    "CheckResult",
    "Exercise",
    "ExerciseCheck",
    "ExerciseError",
    "evaluate",
    "exercise_json_schema",
    "find_exercises",
    "is_exercise",
    "is_exercise_file",
    "load_exercise",
    "parse_exercise",
    "score",
]

#: A YAML file with `task:` at its top is an exercise, anything else a scenario (how
#: `exchange-twin validate` and `exchange-twin lab` tell the two apart).
EXERCISE_KEYS = ("task",)

ExerciseError = ScenarioError  # the same error, naming file, line, column and field


class ExerciseCheck(Expectation):
    """One check of an exercise: a scenario expectation with the title the page shows.
    Checked whenever the page asks, against the world as it is then, so it takes no `at:`
    (a moment is a scenario's notion: a student's clock follows no script)."""

    title: str = Field(min_length=1, description="what the page shows, e.g. 'The connection is up'")

    @model_validator(mode="after")
    def _no_moment(self) -> ExerciseCheck:
        if self.at is not None:
            raise ValueError(
                "a check is evaluated whenever the page asks, on the student's live world: "
                "drop at: (a timed expectation belongs to a scenario)"
            )
        return self

    def expectation(self) -> Expectation:
        """The check as a plain scenario expectation (what a replay of the exercise checks)."""
        return Expectation.model_validate(self.model_dump(exclude={"title"}, exclude_unset=True))


class ExerciseFile(Strict):
    """An exercise file's own fields. `scenario` and `solution` are read by the scenario
    loader (so their errors are a scenario's); `ExerciseSchema` gives their JSON Schema."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$", description="the exercise's id")
    title: str = Field(min_length=1)
    task: str = Field(min_length=1, description="what the student is asked to do, in words")
    guide: str = Field("", description="the section of the installation guide the exercise follows")
    hints: list[str] = Field(
        default_factory=list, description="shown one at a time, on the student's request"
    )
    scenario: Any = Field(
        description="the starting world: a scenario (a mapping) or the path of a scenario "
        "file, relative to this file; its steps are played before the student starts"
    )
    checks: list[ExerciseCheck] = Field(min_length=1)
    solution: list[Any] = Field(
        default_factory=list,
        description="scenario steps that solve the exercise from its starting world "
        "(tests play them; the trainer may read them, never a student)",
    )

    @field_validator("scenario")
    @classmethod
    def _scenario_shape(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip():
            return v
        if isinstance(v, dict):
            return v
        raise ValueError(
            "scenario must be a scenario (a mapping with name, world, steps) or the path of a "
            f"scenario file relative to this exercise; found {type(v).__name__}"
        )


class ExerciseSchema(ExerciseFile):
    """The same fields with `scenario` and `solution` typed as the scenario language's, for
    the JSON Schema only (validation reads them with the scenario loader)."""

    scenario: Scenario | str  # type: ignore[assignment]
    solution: list[Step] = Field(default_factory=list)  # type: ignore[assignment]


def exercise_json_schema() -> dict[str, Any]:
    """`exchange-twin schema --exercise`: the exercise file's JSON Schema."""
    return ExerciseSchema.model_json_schema()


@dataclass
class Exercise:
    """A validated exercise: its text, its starting world and its checks.

    `scenario` is the starting world with no expectations of its own (an exercise is judged
    by its checks only); `solution` holds the steps that solve it from there."""

    name: str
    title: str
    task: str
    guide: str
    hints: list[str]
    scenario: Scenario
    checks: list[ExerciseCheck]
    solution: list[Any] = field(default_factory=list)
    path: str | None = None
    scenario_path: str | None = None  # the scenario file, when the world is referenced

    def replay(self, steps: list[Any] | None = None, name: str | None = None) -> Scenario:
        """The starting world followed by `steps` (the solution when None; models, or
        mappings as a file writes them), with the checks as its expectations: what
        `exchange-twin run` would make of the exercise solved that way."""
        extra = self.solution if steps is None else steps
        if any(isinstance(step, dict) for step in extra):  # written as in a file: validate
            extra = Scenario.model_validate({"name": "steps", "steps": extra}).steps
        return self.scenario.model_copy(
            update={
                "name": name or f"{self.name}-solved",
                "steps": [*self.scenario.steps, *extra],
                "expect": [c.expectation() for c in self.checks],
            }
        )

    def describe(self) -> dict[str, Any]:
        """What a student's page shows of the exercise (never the solution)."""
        return {
            "name": self.name,
            "title": self.title,
            "task": self.task,
            "guide": self.guide,
            "hints": list(self.hints),
            "checks": [c.title for c in self.checks],
        }


# -- reading ---------------------------------------------------------------------------------------
def is_exercise(data: Any) -> bool:
    """Whether parsed YAML is an exercise rather than a scenario (it has `task:`)."""
    return isinstance(data, dict) and any(k in data for k in EXERCISE_KEYS)


def is_exercise_file(path: str | Path) -> bool:
    """Whether the file at `path` reads as an exercise (an unreadable or malformed file is
    not one: the scenario loader then names what is wrong with it)."""
    try:
        with open(path, "rb") as f:
            data, _ = yamlsafe.load(yamlsafe.decode(f.read(yamlsafe.MAX_BYTES + 1)))
    except (OSError, yamlsafe.YamlInputError):
        return False
    return is_exercise(data)


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _under(err: ScenarioError, prefix: str, replace: str | None = None) -> ScenarioError:
    """A scenario error from a part of the exercise, its field named from the exercise's top."""
    name = err.field
    if replace is not None and name.startswith(replace):
        name = prefix + name[len(replace) :]
    elif name:
        name = f"{prefix}.{name}"
    else:
        name = prefix
    return ScenarioError(err.file, err.line, err.column, name, err.message)


def _embedded_scenario(file: str, data: dict[str, Any], node: yaml.Node | None) -> Scenario:
    """The starting world written in the exercise: the scenario loader's checks, at the
    exercise's own lines."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _under(error_from_validation(file, node, exc), "scenario") from None
    problem = world_problem(scenario.world) or fault_problem(scenario)
    if problem is not None:
        raise _under(located_error(file, node, *problem), "scenario")
    scenario.path = file
    try:
        check_steps(scenario, lambda: node)
    except ScenarioError as exc:
        raise _under(exc, "scenario") from None
    return scenario


def _referenced_scenario(file: str, ref: str, node: yaml.Node | None) -> Scenario:
    """The starting world in a scenario file beside the exercise: its own errors name that
    file; a missing one is the exercise's error, at the `scenario:` line."""
    path = Path(file).parent / ref
    if not path.is_file():
        raise ScenarioError(
            file,
            node.start_mark.line + 1 if node is not None else 1,
            node.start_mark.column + 1 if node is not None else 1,
            "scenario",
            f"no scenario file {ref!r} (looked for {path})",
        )
    try:
        data = path.read_bytes()[: yamlsafe.MAX_BYTES + 1]
    except OSError as exc:
        raise ScenarioError(str(path), 1, 1, "", f"cannot read the file ({exc.strerror})") from None
    scenario = parse_scenario_bytes(data, str(path))
    check_steps(scenario)
    return scenario


def _solution(file: str, steps: list[Any], node: yaml.Node | None, start: Scenario) -> list[Any]:
    """The solution's steps, validated as the steps of a scenario on the starting world
    (names of actions, fields, hosts the world has), errors at the solution's lines."""
    root = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if node is not None:
        root = yaml.MappingNode(
            "tag:yaml.org,2002:map",
            [(yaml.ScalarNode("tag:yaml.org,2002:str", "steps"), node)],
            start_mark=node.start_mark,
            end_mark=node.end_mark,
        )
    try:
        parsed = Scenario.model_validate({"name": "solution", "steps": steps})
    except ValidationError as exc:
        raise _under(error_from_validation(file, root, exc), "solution", "steps") from None
    probe = start.model_copy(update={"steps": parsed.steps, "path": file})
    try:
        check_steps(probe, lambda: root)
    except ScenarioError as exc:
        raise _under(exc, "solution", "steps") from None
    return list(parsed.steps)


def parse_exercise(text: str, file: str = "<string>") -> Exercise:
    """Validate an exercise's text; any problem is an ExerciseError naming file:line:column
    and the field (`scenario.steps[2].account`, `checks[1].equals`, `solution[0].do`)."""
    data, root = load_mapping(
        text, file, "an exercise file must be a mapping with name, title, task, scenario and checks"
    )
    try:
        top = ExerciseFile.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(file, root, exc, model=ExerciseFile) from None
    node = _child(root, "scenario")
    if isinstance(top.scenario, str):
        scenario = _referenced_scenario(file, top.scenario, node)
        scenario_path = scenario.path
    else:
        scenario = _embedded_scenario(file, top.scenario, node)
        scenario_path = None
    solution = _solution(file, top.solution, _child(root, "solution"), scenario)
    return Exercise(
        name=top.name,
        title=top.title,
        task=top.task,
        guide=top.guide,
        hints=list(top.hints),
        scenario=scenario.model_copy(update={"expect": []}),
        checks=list(top.checks),
        solution=solution,
        path=file,
        scenario_path=scenario_path,
    )


def load_exercise(path: str | Path) -> Exercise:
    """Read and validate the exercise file at `path` (see `parse_exercise`)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(yamlsafe.MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(str(path), 1, 1, "", f"cannot read the file ({exc.strerror})") from None
    try:
        text = yamlsafe.decode(data)
    except yamlsafe.YamlInputError as exc:
        raise ScenarioError(str(path), exc.line, exc.column, "", exc.message) from None
    return parse_exercise(text, str(path))


def find_exercises(folder: str | Path = "labs") -> list[Path]:
    """The exercise files directly in `folder` (its sub-folders hold the worlds they share)."""
    return sorted(p for p in Path(folder).glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


# -- checking against a live run ---------------------------------------------------------------------
class LiveRun(Protocol):
    """What evaluating needs of a run: the runner's checker (`check(expectation)`: its
    failures now, `simulator.run.checks.check` on the run's world) and the world, whose
    trace redacts secrets from messages. The runner is one; the lab's session is one."""

    @property
    def world(self) -> World: ...

    def check(self, exp: Expectation) -> list[str]: ...


@dataclass(frozen=True)
class CheckResult:
    """One check now: green or red and why not (redacted: a message never carries a secret)."""

    index: int
    title: str
    passed: bool
    failures: list[str]
    expectation: str

    @property
    def detail(self) -> str | None:
        """What the page shows under a red check: what was found instead."""
        return "; ".join(self.failures) or None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "title": self.title,
            "passed": self.passed,
            "detail": self.detail,
            "expectation": self.expectation,
        }


@dataclass(frozen=True)
class Score:
    """How many of an exercise's checks hold."""

    passed: int
    total: int

    @property
    def done(self) -> bool:
        return self.passed == self.total


def evaluate(exercise: Exercise, session: LiveRun) -> list[CheckResult]:
    """Every check of `exercise` against `session`'s world as it is now, checked by the
    runner's own checker (the code a scenario's `expect:` is checked with). Reading only:
    evaluating never changes the world."""
    world = session.world
    results = []
    for index, c in enumerate(exercise.checks, start=1):
        fails = session.check(c)
        results.append(
            CheckResult(
                index=index,
                title=c.title,
                passed=not fails,
                failures=[world.trace.redact_text(f) for f in fails],
                expectation=world.trace.redact_text(c.describe()),
            )
        )
    return results


def score(results: list[CheckResult]) -> Score:
    """The score the page shows: checks passed out of checks."""
    return Score(sum(1 for r in results if r.passed), len(results))
