"""Expectations: what must be true at the end of a run, or at a moment of it — a path's
value against an operator, or a count of trace events (with `where:` filters and time
windows). The models are the language's; the runner checks them (`simulator.run`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simulator.world.config.base import Strict
from simulator.world.durations import format_time, parse_duration

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
        when = "" if self.at is None else f" at {moment_text(self.at)}"
        if self.any_of is None:
            return self.describe_check() + when
        return "any of: " + " | ".join(a.describe_check() for a in self.alternatives()) + when


def moment_text(at: str | int | float | datetime) -> str:
    if isinstance(at, datetime):
        return format_time(at)
    return f"{at}s" if isinstance(at, int | float) else at
