"""Expectations: what must be true at the end of a run, or at a moment of it — a path's
value against an operator, or a count of trace events (with `where:` filters and time
windows). The models and what each operator means are the language's; the runner reads the
values and counts the events (`simulator.run.checks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simulator.language.moments import MOMENT, check_moment, moment_seconds, moment_text
from simulator.language.where import WHERE_OPERATORS
from simulator.world.config.base import Strict
from simulator.world.durations import format_time

# -- path operators ------------------------------------------------------------------------------
# An operator of a `path:` expectation is a field of `Check` (its type is the schema's) and one
# function here saying what it means: (the value at the path, the operator's target, a way to
# read another path) → (holds?, what was found, for the failure message). The runner calls
# `apply_operator` with its own `observe`; adding an operator is its field plus its function.
Observe = Callable[[str], Any]
PathOperator = Callable[[Any, Any, Observe], tuple[bool, str]]
PATH_OPERATORS: dict[str, PathOperator] = {}


def path_operator(name: str) -> Callable[[PathOperator], PathOperator]:
    """Register what the `Check` field `name` asserts about a path's value."""

    def register(fn: PathOperator) -> PathOperator:
        PATH_OPERATORS[name] = fn
        return fn

    return register


def apply_operator(op: str, value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    """Whether `value` satisfies `op` with `target`, and what was found (for the message)."""
    return PATH_OPERATORS[op](value, target, observe)


def same_value(value: Any, target: Any) -> bool:
    """Equality as scenarios mean it: a time equals its trace text or its ISO form."""
    if isinstance(value, datetime) and isinstance(target, str):
        return format_time(value) == target or value.isoformat() == target
    if isinstance(value, datetime) and isinstance(target, datetime):
        return value == target
    return value == target


def as_text(value: Any) -> str:
    return format_time(value) if isinstance(value, datetime) else str(value)


def short(value: Any) -> str:
    """A value as a failure message shows it: times as the trace writes them, long lists and
    texts cut."""
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(repr, value[:5]))}, ... ({len(value)} items)]"
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


@path_operator("equals")
def _equals(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return same_value(value, target), short(value)


@path_operator("not_equals")
def _not_equals(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return not same_value(value, target), short(value)


@path_operator("contains")
def _contains(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return (target in value) if isinstance(value, list | str | dict) else False, short(value)


@path_operator("not_contains")
def _not_contains(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return (target not in value) if isinstance(value, list | str | dict) else False, short(value)


def _bound(value: Any, target: Any, at_least: bool) -> tuple[bool, str]:
    found = short(value)
    number = len(value) if isinstance(value, list | dict) else value
    if not isinstance(number, int | float):
        return False, f"{found} (not a number)"
    return (number >= target if at_least else number <= target), found


@path_operator("at_least")
def _at_least(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return _bound(value, target, at_least=True)


@path_operator("at_most")
def _at_most(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return _bound(value, target, at_least=False)


@path_operator("matches")
def _matches(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return re.search(str(target), as_text(value)) is not None, short(value)


@path_operator("not_matches")
def _not_matches(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return re.search(str(target), as_text(value)) is None, short(value)


@path_operator("is_set")
def _is_set(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return (value not in (None, "", [], {})) == bool(target), short(value)


@path_operator("same_as")
def _same_as(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    found = short(value)
    try:
        other = observe(str(target))
    except KeyError as exc:
        return False, f"(cannot read {target}: {exc.args[0]})"
    if same_value(value, other):
        return True, found
    if isinstance(value, list) and isinstance(other, list):
        missing = sorted(set(map(str, other)) - set(map(str, value)))
        extra = sorted(set(map(str, value)) - set(map(str, other)))
        return False, (
            f"{len(value)} items vs {len(other)}; missing {len(missing)} "
            f"{missing[:5]}, extra {len(extra)} {extra[:5]}"
        )
    return False, f"{found} vs {short(other)}"


@path_operator("not_same_as")
def _not_same_as(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    try:
        other = observe(str(target))
    except KeyError as exc:
        return False, f"(cannot read {target}: {exc.args[0]})"
    return not same_value(value, other), f"{short(value)}, the same as {target}"


@path_operator("length")
def _length(value: Any, target: Any, observe: Observe) -> tuple[bool, str]:
    return isinstance(value, list | dict | str) and len(value) == target, short(value)


OPERATORS = tuple(PATH_OPERATORS)
COUNT_OPERATORS = ("count", "count_at_least", "count_at_most")


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
    after: MOMENT = Field(
        None,
        description="with trace: count only events after this moment (a duration from the "
        "start, or a time); `{trace: K, after: 2h, count: 0}` says no K after 2h",
    )
    before: MOMENT = Field(None, description="with trace: count only events before this moment")
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
    def _window(cls, v: MOMENT, info: ValidationInfo) -> MOMENT:
        return check_moment(str(info.field_name), v)

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
            text += f" after {moment_text(self.after)}"
        if self.before is not None:
            text += f" before {moment_text(self.before)}"
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
    at: MOMENT = Field(
        None,
        description="check at this simulated moment instead of at the end of the run: a duration "
        "from the scenario's start (90s, 2h, 1d6h) or an absolute time with a timezone "
        "(2016-05-02T10:00:00Z)",
    )

    @field_validator("at")
    @classmethod
    def _moment(cls, v: MOMENT) -> MOMENT:
        return check_moment("at", v)

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
        when = "" if self.at is None else f" at {moment_text(self.at)}"
        if self.any_of is None:
            return self.describe_check() + when
        return "any of: " + " | ".join(a.describe_check() for a in self.alternatives()) + when
