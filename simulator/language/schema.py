"""The scenario language's schema: a scenario is data — `world:` (the organisation to
build, the world's own configuration types), `faults:`, `steps:` (what administrators and
the world do, in order, on the simulated clock) and `expect:` (what must then be true).
The pydantic models are the authority; `exchange-twin schema` exports them as JSON Schema.
Reading a file into them, with file:line errors, is `loader.py`.
"""

from __future__ import annotations

import difflib
import functools
import operator
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)

from simulator.language.expectations import Expectation
from simulator.language.moments import moment_text
from simulator.language.steps import STEPS
from simulator.world.config.base import FieldError, Strict, TimePoint, seconds_from_start
from simulator.world.config.faults import FaultSpec
from simulator.world.config.world import WorldSpec
from simulator.world.durations import DEFAULT_START, format_time, parse_duration


# -- steps ----------------------------------------------------------------------------------------
# The actions (`do: <name>`) are registered by family in simulator/steps/; the clock steps
# (`advance`, `at`) are here, because the runner waits them out instead of running a job.
class Advance(Strict):
    """Let simulated time pass (the connector services and the world run meanwhile)."""

    advance: str

    @field_validator("advance")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v

    @property
    def seconds(self) -> float:
        return parse_duration(self.advance)


class At(Strict):
    """Wait until a moment: a duration from the scenario's start (`2h`) or an aware time.
    A moment the run has already passed fails the step."""

    at: TimePoint

    def seconds(self, start: datetime) -> float:
        return seconds_from_start(self.at, start)


ACTIONS = tuple(sorted(STEPS))
CLOCK_STEPS = {"advance": Advance, "at": At}


def _known_action(do: Any) -> bool:
    return isinstance(do, str) and do in STEPS


def shown(value: Any) -> str:
    """A found value as a message shows it: its repr, cut short (it may be a whole subtree)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _step_tag(v: Any) -> str | None:
    """Which model a step entry is: its `do:`, or the clock step its key names."""
    if isinstance(v, dict):
        if "do" in v:
            return str(v["do"])
        return next((k for k in CLOCK_STEPS if k in v), None)
    if isinstance(v, Advance | At):
        return "advance" if isinstance(v, Advance) else "at"
    return getattr(v, "do", None)


Step = Annotated[
    functools.reduce(  # type: ignore[arg-type]
        operator.or_,
        [Annotated[m, Tag(name)] for name, m in CLOCK_STEPS.items()]
        + [Annotated[kind.model, Tag(name)] for name, kind in sorted(STEPS.items())],
    ),
    Discriminator(_step_tag),
]


class Scenario(Strict):
    name: str
    summary: str = ""
    spec: list[str] = Field(
        default_factory=list, description="SPEC ids the scenario covers, e.g. R5.2"
    )
    tags: list[str] = Field(default_factory=list)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    seed_sensitive: str | None = Field(
        None,
        min_length=1,
        description="why the scenario needs its own seed (its expectations hold at that seed "
        "only); `run --seed` then says so. Leave unset: expectations should hold at any seed",
    )
    start: datetime = DEFAULT_START
    profile: Literal["2016", "2018"] = "2016"
    world: WorldSpec = Field(default_factory=WorldSpec)
    faults: list[FaultSpec] = Field(
        default_factory=list,
        description="the fault timeline: [{kind, at, until, ...parameters of the kind}]",
    )
    steps: list[Step] = Field(default_factory=list)
    expect: list[Expectation] = Field(default_factory=list)

    path: str | None = Field(None, exclude=True, description="set by the loader")

    @field_validator("start")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("start needs a timezone, e.g. 2016-05-02T08:00:00Z")
        if not 1990 <= v.year <= 2100:  # room for the longest span on the calendar
            raise ValueError(f"start must be between 1990 and 2100; found {v.year}")
        return v

    @field_validator("name")
    @classmethod
    def _file_name(cls, v: str) -> str:
        """The name is the trace's file name (`<name>.jsonl` under --trace): no separators,
        no control characters, no leading dot."""
        if (
            not v
            or len(v) > 120
            or v.startswith(".")
            or any(c in v for c in "/\\")
            or any(ord(c) < 32 for c in v)
        ):
            raise ValueError(
                "a scenario name becomes its trace's file name: 1 to 120 characters, no '/' or "
                f"'\\', no control characters, not starting with '.'; found {shown(v)}"
            )
        return v

    @field_validator("expect")
    @classmethod
    def _moments_after_start(
        cls, expect: list[Expectation], info: ValidationInfo
    ) -> list[Expectation]:
        """An `at` before the start can never be reached; say so before the run starts."""
        start = info.data.get("start")
        if start is None:
            return expect
        for i, exp in enumerate(expect):
            seconds = exp.at_seconds(start)
            if seconds is not None and seconds < 0:
                raise FieldError(
                    (i, "at"),
                    f"expect {i + 1}: at {moment_text(exp.at)} is before the scenario's start "
                    f"{format_time(start)}",
                )
        return expect

    @field_validator("steps", mode="before")
    @classmethod
    def _step_shape(cls, steps: Any) -> Any:
        """Name the actions (and the closest one) instead of pydantic's tag error; accept the
        shell shorthand `exchange: "<cmdlet line>"` for `do: exchange, command: ...`."""
        if not isinstance(steps, list):
            return steps
        out = []
        for i, step in enumerate(steps):
            if not isinstance(step, dict) and not isinstance(step, BaseModel):
                raise FieldError(
                    (i,),
                    f"step {i + 1} must be a mapping such as 'do: install' or 'advance: 1h'; "
                    f"found {shown(step)}",
                )
            if (
                isinstance(step, dict)
                and "do" not in step
                and isinstance(step.get("exchange"), str)
            ):
                step = {"do": "exchange", "command": step["exchange"]} | {
                    k: v for k, v in step.items() if k != "exchange"
                }
            if (
                isinstance(step, dict)
                and "do" not in step
                and not any(k in step for k in CLOCK_STEPS)
            ):
                raise FieldError(
                    (i,),
                    f"step {i + 1} needs 'do: <action>', 'advance: <duration>', 'at: <moment>' "
                    "or 'exchange: <cmdlet line>'",
                )
            if isinstance(step, dict) and "do" in step and not _known_action(step["do"]):
                close = difflib.get_close_matches(str(step["do"]), ACTIONS, n=3)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                raise FieldError(
                    (i, "do"),
                    f"step {i + 1}: unknown action {shown(step['do'])} (actions: {', '.join(ACTIONS)}){hint}",
                )
            out.append(step)
        return out

    @field_validator("steps")
    @classmethod
    def _moments_in_order(cls, steps: list[Any], info: ValidationInfo) -> list[Any]:
        """An `at:` step before the start can never be reached; say so before the run."""
        start = info.data.get("start")
        for i, step in enumerate(steps):
            if start is not None and isinstance(step, At) and step.seconds(start) < 0:
                raise FieldError(
                    (i, "at"),
                    f"step {i + 1}: at {moment_text(step.at)} is before the scenario's start "
                    f"{format_time(start)}",
                )
        return steps


def json_schema() -> dict[str, Any]:
    return Scenario.model_json_schema()
