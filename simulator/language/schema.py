"""The scenario language: schema, loading and validation with file:line errors.

A scenario is data: `world:` (the organisation to build), `steps:` (what administrators
and the world do, in order, on the simulated clock) and `expect:` (what must then be true).
The pydantic models below are the authority; `exchange-twin schema` exports them as JSON
Schema. A file that does not validate never starts: the error names the file, the line and
column, the field, what was expected and, for a misspelled key or action, the closest valid
names.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simulator.language.steps import STEPS
from simulator.world.clock import DEFAULT_START, format_time, parse_duration
from simulator.world.config.base import Strict, TimePoint, seconds_from_start
from simulator.world.config.faults import FAULT_MODELS, FaultSpec
from simulator.world.config.world import WorldSpec
from simulator.world.faults import FAULT_KINDS


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


# -- expectations -------------------------------------------------------------------------------
OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "at_least",
    "at_most",
    "matches",
    "not_matches",
    "is_set",
    "same_as",
    "not_same_as",
    "length",
)
COUNT_OPERATORS = ("count", "count_at_least", "count_at_most")
#: Operators a `where:` field of a trace expectation may take instead of a plain value.
WHERE_OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "matches",
    "not_matches",
    "at_least",
    "at_most",
)


def is_where_operator(value: Any) -> bool:
    """Whether a `where:` value is operators ({in: [...]}) rather than a value to equal."""
    return isinstance(value, dict)


def where_matches(event: dict[str, Any], field: str, wanted: Any) -> bool:
    """Whether a trace event's `field` satisfies one `where:` entry (a value or operators)."""
    value = event.get(field)
    if not is_where_operator(wanted):
        return value == wanted
    for op, target in wanted.items():
        if op == "equals" and value != target:
            return False
        if op == "not_equals" and value == target:
            return False
        if op == "in" and value not in target:
            return False
        if op == "not_in" and value in target:
            return False
        if op in ("matches", "not_matches"):
            found = value is not None and re.search(str(target), str(value)) is not None
            if found != (op == "matches"):
                return False
        if op in ("at_least", "at_most"):
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            if (value < target) if op == "at_least" else (value > target):
                return False
    return True


def _check_moment(
    name: str, v: str | int | float | datetime | None
) -> str | int | float | datetime | None:
    """A moment of the run: a duration from the start (90s, 2h, 1d6h) or an aware time."""
    if v is None or isinstance(v, int | float):
        if v is not None and v < 0:
            raise ValueError(f"{name} must not be negative; found {v!r}")
        return v
    if isinstance(v, datetime):
        if v.tzinfo is None:
            raise ValueError(f"{name} needs a timezone, e.g. 2016-05-02T10:00:00Z; found {v}")
        return v
    try:
        parse_duration(v)
        return v
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(v)
    except ValueError:
        raise ValueError(
            f"{name} takes a duration from the start (90s, 2h, 1d6h) or a time such as "
            f"2016-05-02T10:00:00Z; found {v!r}"
        ) from None
    if when.tzinfo is None:
        raise ValueError(f"{name} needs a timezone, e.g. 2016-05-02T10:00:00Z; found {v!r}")
    return when


def moment_seconds(at: str | int | float | datetime | None, start: datetime) -> float | None:
    """Simulated seconds from `start` of a moment, or None when there is none.

    A duration is relative to the scenario's start; an absolute time is converted, so both
    forms of the same moment mean the same instant."""
    if at is None:
        return None
    if isinstance(at, datetime):
        return (at - start).total_seconds()
    if isinstance(at, int | float):
        return float(at)
    return parse_duration(at)


_MOMENT = str | int | float | datetime | None


class Check(Strict):
    """What one expectation (or one alternative of `any_of`) asserts: a subject and operators.

    An alternative inside `any_of` may leave out `path`/`trace`: it then checks the
    subject of the expectation it belongs to."""

    path: str | None = Field(
        None, description="a path into the world's observable state, e.g. intune.inventory.count"
    )
    trace: str | None = Field(None, description="a trace event kind to count")
    where: dict[str, Any] = Field(
        default_factory=dict,
        description="with trace: fields the events must have; a field's value is either the "
        "value itself or operators: {in: [407, 502]}, {matches: '^Get-'}, {not_in: [...]}, "
        "{at_least: n}, ...",
    )
    after: _MOMENT = Field(
        None,
        description="with trace: count only events after this moment (a duration from the "
        "start, or a time); `{trace: K, after: 2h, count: 0}` says no K after 2h",
    )
    before: _MOMENT = Field(None, description="with trace: count only events before this moment")
    equals: Any = None
    not_equals: Any = None
    contains: Any = None
    not_contains: Any = None
    at_least: float | None = None
    at_most: float | None = None
    matches: str | None = None
    not_matches: str | None = None
    is_set: bool | None = None
    same_as: str | None = Field(None, description="another path whose value must be equal")
    not_same_as: str | None = Field(None, description="another path whose value must differ")
    length: int | None = None
    count: int | None = None
    count_at_least: int | None = None
    count_at_most: int | None = None

    @field_validator("after", "before")
    @classmethod
    def _window(cls, v: _MOMENT, info: ValidationInfo) -> _MOMENT:
        return _check_moment(str(info.field_name), v)

    @field_validator("matches", "not_matches")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {v!r} ({exc})") from None
        return v

    @field_validator("where")
    @classmethod
    def _where(cls, where: dict[str, Any]) -> dict[str, Any]:
        for field, value in where.items():
            if not isinstance(value, dict):
                continue
            # a map is always operators; a map to compare as a whole goes in {equals: {...}}
            unknown = [k for k in value if k not in WHERE_OPERATORS]
            if not value:
                raise ValueError(
                    f"where {field}: no operator (operators: {', '.join(WHERE_OPERATORS)})"
                )
            if unknown:
                raise ValueError(
                    f"where {field}: unknown operator {unknown[0]!r} "
                    f"(operators: {', '.join(WHERE_OPERATORS)})"
                )
            for op in ("in", "not_in"):
                if op in value and not isinstance(value[op], list):
                    raise ValueError(f"where {field}: {op} takes a list; found {value[op]!r}")
            for op in ("matches", "not_matches"):
                if op in value:
                    try:
                        re.compile(str(value[op]))
                    except re.error as exc:
                        raise ValueError(
                            f"where {field}: not a regular expression: {value[op]!r} ({exc})"
                        ) from None
        return where

    def given(self) -> list[str]:
        return [op for op in OPERATORS + COUNT_OPERATORS if op in self.model_fields_set]

    def validate_subject(self, what: str = "an expectation") -> None:
        """One subject, operators that fit it, trace-only fields only with a trace."""
        if (self.path is None) == (self.trace is None):
            raise ValueError(f"{what} needs exactly one of path or trace")
        given = self.given()
        if not given:
            raise ValueError(
                f"{what} needs an operator: one of {', '.join(OPERATORS + COUNT_OPERATORS)}"
            )
        if self.trace is not None and any(op not in COUNT_OPERATORS for op in given):
            raise ValueError(f"a trace expectation takes {', '.join(COUNT_OPERATORS)}")
        if self.path is not None and any(op in COUNT_OPERATORS for op in given):
            raise ValueError(f"a path expectation takes {', '.join(OPERATORS)}")
        if self.path is not None:
            extra = [f for f in ("where", "after", "before") if f in self.model_fields_set]
            if extra:
                raise ValueError(f"{extra[0]} goes with trace:, not with path:")

    def operators(self) -> list[tuple[str, Any]]:
        return [(op, getattr(self, op)) for op in self.given()]

    def subject(self) -> str:
        if self.path is not None:
            return self.path
        text = f"trace {self.trace}"
        if self.where:
            text += f" where {self.where}"
        if self.after is not None:
            text += f" after {_moment_text(self.after)}"
        if self.before is not None:
            text += f" before {_moment_text(self.before)}"
        return text

    def describe_check(self) -> str:
        return f"{self.subject()} " + ", ".join(f"{op} {value!r}" for op, value in self.operators())

    def inherit(self, parent: Check) -> Check:
        """This alternative with the parent's subject where it names none of its own."""
        if self.path is not None or self.trace is not None:
            return self
        fields = {"path": parent.path, "trace": parent.trace}
        for name in ("where", "after", "before"):
            if name not in self.model_fields_set and name in parent.model_fields_set:
                fields[name] = getattr(parent, name)
        return self.model_copy(update=fields)


class Expectation(Check):
    any_of: list[Check] | None = Field(
        None,
        description="alternatives, any one of which is enough: each an expectation without "
        "at:, naming its own path/trace or checking this expectation's",
    )
    at: _MOMENT = Field(
        None,
        description="check at this simulated moment instead of at the end of the run: a duration "
        "from the scenario's start (90s, 2h, 1d6h) or an absolute time with a timezone "
        "(2016-05-02T10:00:00Z)",
    )

    @field_validator("at")
    @classmethod
    def _moment(cls, v: _MOMENT) -> _MOMENT:
        return _check_moment("at", v)

    def at_seconds(self, start: datetime) -> float | None:
        """Simulated seconds from `start` at which to check, or None for the end of the run."""
        return moment_seconds(self.at, start)

    @model_validator(mode="after")
    def _one_subject(self) -> Expectation:
        if self.any_of is None:
            self.validate_subject()
            return self
        if not self.any_of:
            raise ValueError("any_of needs at least one alternative")
        if self.given():
            raise ValueError(
                "with any_of, put the operators in the alternatives "
                f"(found {', '.join(self.given())} beside it)"
            )
        for i, alt in enumerate(self.alternatives(), start=1):
            alt.validate_subject(f"any_of alternative {i}")
        return self

    def alternatives(self) -> list[Check]:
        return [alt.inherit(self) for alt in self.any_of or []]

    def describe(self) -> str:
        when = "" if self.at is None else f" at {_moment_text(self.at)}"
        if self.any_of is None:
            return self.describe_check() + when
        return "any of: " + " | ".join(a.describe_check() for a in self.alternatives()) + when


def _moment_text(at: str | int | float | datetime) -> str:
    if isinstance(at, datetime):
        return format_time(at)
    return f"{at}s" if isinstance(at, int | float) else at


class Scenario(Strict):
    name: str
    summary: str = ""
    spec: list[str] = Field(
        default_factory=list, description="SPEC ids the scenario covers, e.g. R5.2"
    )
    tags: list[str] = Field(default_factory=list)
    seed: int = 1
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
                raise ValueError(
                    f"expect {i + 1}: at {_moment_text(exp.at)} is before the scenario's start "
                    f"{format_time(start)}"
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
                raise ValueError(
                    f"step {i + 1} needs 'do: <action>', 'advance: <duration>', 'at: <moment>' "
                    "or 'exchange: <cmdlet line>'"
                )
            if isinstance(step, dict) and "do" in step and step["do"] not in STEPS:
                close = difflib.get_close_matches(str(step["do"]), ACTIONS, n=3)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                raise ValueError(
                    f"step {i + 1}: unknown action {step['do']!r} (actions: {', '.join(ACTIONS)}){hint}"
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
                raise ValueError(
                    f"step {i + 1}: at {_moment_text(step.at)} is before the scenario's start "
                    f"{format_time(start)}"
                )
        return steps


# -- loading with line numbers ---------------------------------------------------------------------
class ScenarioError(Exception):
    """An invalid scenario file: where, which field, and what was expected."""

    def __init__(
        self, file: str, line: int | None, column: int | None, field: str, message: str
    ) -> None:
        self.file, self.line, self.column, self.field, self.message = (
            file,
            line,
            column,
            field,
            message,
        )
        where = file + (f":{line}" if line else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[yaml.Node | None, bool]:
    """Walk a composed YAML node along a pydantic error location; (node, key_node?)."""
    key_node = False
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for k, v in node.value:
                if k.value == part:
                    node, key_node = v, False
                    break
            else:
                # a discriminator tag or an unknown key: stay here unless the key exists as a key node
                continue
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else node
            key_node = False
    return node, key_node


def _extra_key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k
    return None


def _model_for(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the field at `loc` (to suggest close key names)."""
    model: Any = Scenario
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if _is_tag(loc, i):
            model = _STEP_MODELS[part]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return model
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


_STEP_MODELS: dict[str, type[BaseModel]] = {
    **{name: kind.model for name, kind in STEPS.items()},
    **CLOCK_STEPS,
    **FAULT_MODELS,  # fault entries are tagged by kind the way steps are by action
}


def _is_tag(loc: tuple[Any, ...], i: int) -> bool:
    """Is `loc[i]` a union tag — the action of a step, the kind of a fault — rather than a
    field? Tags follow the entry's index in `steps` or `faults` (and may share a field's name:
    the `exchange` step, the `at` step)."""
    return (
        i >= 2
        and isinstance(loc[i - 1], int)
        and loc[i - 2] in ("steps", "faults")
        and loc[i] in _STEP_MODELS
    )


def _describe(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the field a person wrote: `steps[2].account.user`
    (union tags — an action name, a fault kind — are not fields and are left out)."""
    parts = []
    for i, p in enumerate(loc):
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif _is_tag(loc, i) or str(p).startswith(("function-", "tagged-union[")):
            continue
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def _error_from_validation(
    file: str, root: yaml.Node | None, exc: ValidationError
) -> ScenarioError:
    errors = exc.errors()
    # a misspelled key is the cause of the "missing" error of the key it meant: report it
    errors.sort(key=lambda e: (e["type"] != "extra_forbidden", len(e["loc"])))
    err = errors[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    node, _ = _node_at(root, loc[:-1] if err["type"] == "extra_forbidden" else loc)
    field = _describe(loc)
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        key_node = _extra_key_node(node, key)
        node = key_node or node
        owner = _model_for(loc[:-1])
        valid = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(key, valid, n=3)
        message = (
            f"unknown key {key!r}"
            + (f"; did you mean {' or '.join(close)}?" if close else "")
            + (f" (valid keys: {', '.join(k for k in valid if k != 'path')})" if valid else "")
        )
    elif err["type"] == "missing":
        message = "this field is required"
    elif "input" in err and err["type"] not in ("value_error",):
        message = f"{message}; found {err['input']!r}"
    line = node.start_mark.line + 1 if node is not None else None
    column = node.start_mark.column + 1 if node is not None else None
    return ScenarioError(file, line, column, field, message)


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(
            file,
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
            "",
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            file, 1, 1, "", "a scenario file must be a mapping with name, world, steps and expect"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _error_from_validation(file, root, exc) from None
    problem = world_problem(scenario.world) or fault_problem(scenario)
    if problem is not None:
        loc, message = problem
        node, _ = _node_at(root, loc)
        raise ScenarioError(
            file,
            node.start_mark.line + 1 if node is not None else None,
            node.start_mark.column + 1 if node is not None else None,
            _describe(loc),
            message,
        )
    scenario.path = file
    return scenario


def _unknown(what: str, value: str, known: set[str]) -> str:
    return f"unknown {what} {value!r} (known: {', '.join(sorted(known)) or 'none'})"


def world_problem(world: WorldSpec) -> tuple[tuple[Any, ...], str] | None:
    """The first reference in the world to a domain, group or account it does not declare:
    (location, message)."""
    d = world.directory
    declared = [(d.domain, d.netbios)] + [(x.name, x.netbios) for x in d.extra_domains]
    domains = {n.lower() for n, _ in declared} | {
        (b or n.split(".")[0]).lower() for n, b in declared
    }
    groups = {g.name.lower() for g in d.groups}
    accounts = {a.name.lower() for a in d.accounts}
    refs: list[tuple[tuple[Any, ...], str, str | None, set[str]]] = []
    for i, trust in enumerate(d.trusts):
        refs += [
            (("world", "directory", "trusts", i, k), "domain", getattr(trust, k), domains)
            for k in ("trusting", "trusted")
        ]
    for i, group in enumerate(d.groups):
        refs.append(
            (("world", "directory", "groups", i, "domain"), "domain", group.domain, domains)
        )
        refs += [
            (("world", "directory", "groups", i, "member_of", j), "group", g, groups)
            for j, g in enumerate(group.member_of)
        ]
        refs += [
            (("world", "directory", "groups", i, "members", j), "account", a, accounts)
            for j, a in enumerate(group.members)
        ]
    for i, computer in enumerate(d.computers):
        refs.append(
            (("world", "directory", "computers", i, "domain"), "domain", computer.domain, domains)
        )
    for i, host in enumerate(world.hosts):
        refs.append((("world", "hosts", i, "domain"), "domain", host.domain, domains))
    for loc, what, value, known in refs:
        if value is not None and value.lower() not in known:
            return loc, _unknown(what, value, known)
    return None


def fault_problem(scenario: Scenario) -> tuple[tuple[Any, ...], str] | None:
    """The first fault entry that cannot be placed on the timeline or names something the
    world does not have: (location, message)."""
    world = scenario.world
    accounts = {a.name.lower() for a in world.directory.accounts} | {
        (a.upn or "").lower() for a in world.directory.accounts if a.upn
    }
    names = {
        "account": accounts,
        "address": {p.address.lower() for p in world.network.all_proxies()},
        "host": {h.name.lower() for h in world.hosts},
        "server": {s.name.lower() for s in world.exchange.servers},
    }
    for i, fault in enumerate(scenario.faults):
        kind = FAULT_KINDS[fault.kind]  # type: ignore[attr-defined]
        at = seconds_from_start(fault.at, scenario.start)  # type: ignore[attr-defined]
        until = fault.until  # type: ignore[attr-defined]
        if at < 0:
            return ("faults", i, "at"), "the fault starts before the scenario does"
        if until is not None:
            if kind.instant:
                return ("faults", i, "until"), f"{fault.kind} happens at one instant; drop until"  # type: ignore[attr-defined]
            if seconds_from_start(until, scenario.start) <= at:
                return ("faults", i, "until"), "until must come after at"
        for param, known in names.items():
            value = getattr(fault, param, None)
            if value is None or kind.params[param].pattern and any(c in value for c in "*?["):
                continue
            if str(value).lower() not in known:
                return ("faults", i, param), _unknown(param, str(value), known)
    return None


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            str(path), None, None, "", f"cannot read the file ({exc.strerror})"
        ) from None
    return parse_scenario(text, str(path))


def find_scenarios(paths: list[str | Path]) -> list[Path]:
    """Expand folders (recursively) into their *.yaml / *.yml files, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
            )
        else:
            out.append(p)
    return out


def json_schema() -> dict[str, Any]:
    return Scenario.model_json_schema()
