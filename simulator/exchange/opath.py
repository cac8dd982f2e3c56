"""The OPATH `-Filter` subset that the connector and administrators use.

`Prop -eq 'v'`, `-ne`, `-like`/`-notlike` (wildcard `*`), `-gt -lt -ge -le` (numbers, dates,
strings), `-and`, `-or`, `-not`, parentheses, `$true`, `$false`, `$null`. String comparison is
case-insensitive as in Exchange. A filter compiles once to a predicate over an object's
properties; unknown properties and bad syntax raise Exchange's messages.

A filter compiles against a map of getters (property name → function of the object), so only
the properties the filter names are computed for each object.

Deviations: `-like` supports the `*` wildcard only (as OPATH does), not `?` or `[...]`;
`-match` and `-contains` are not OPATH operators and are refused.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from simulator.exchange.errors import FilterError

Predicate = Callable[[Any], bool]
Getter = Callable[[Any], Any]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lp>\() | (?P<rp>\)) |
      (?P<op>-(?:eq|ne|like|notlike|gt|lt|ge|le|and|or|not)\b) |
      '(?P<sq>(?:[^']|'')*)' | "(?P<dq>(?:[^"]|"")*)" |
      (?P<var>\$(?:true|false|null)\b) |
      (?P<word>[^\s()'"]+)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_COMPARISONS = {"-eq", "-ne", "-like", "-notlike", "-gt", "-lt", "-ge", "-le"}
_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y",
)


def _syntax(text: str, pos: int) -> FilterError:
    return FilterError(
        'Cannot bind parameter \'Filter\' to the target. Exception setting "Filter": "Invalid filter syntax. '
        f'For a description of the filter parameter syntax see the command help.\n"{text}" at position {pos + 1}."'
    )


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _syntax(text, pos)
        group = kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "sq":
            value, kind = value.replace("''", "'"), "str"
        elif kind == "dq":
            value, kind = value.replace('""', '"'), "str"
        out.append((kind, value.lower() if kind in ("op", "var") else value, m.start(group)))
        pos = m.end()
    return out


def parse_date(value: str) -> datetime | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip().rstrip("Z"), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    return value


def _coerce(literal: Any, sample: Any) -> Any:
    """Convert the filter's literal to the type of the property value it is compared with."""
    if literal is None or sample is None:
        return literal
    if isinstance(sample, bool):
        if isinstance(literal, bool):
            return literal
        return str(literal).lower() in ("true", "$true", "1")
    if isinstance(sample, datetime) and isinstance(literal, str):
        return parse_date(literal)
    if isinstance(sample, int | float) and isinstance(literal, str):
        try:
            return type(sample)(literal)
        except ValueError:
            return literal
    return literal


def _compare(op: str, actual: Any, literal: Any, memo: dict[type, Any] | None = None) -> bool:
    """`actual op literal`; `memo` keeps the literal converted per value type, so that a
    filter over many objects parses its date (or number) once, not once per object."""
    if isinstance(actual, list | tuple):
        if not actual:  # an empty multi-valued property equals $null
            return {"-eq": literal is None, "-ne": literal is not None, "-notlike": True}.get(
                op, False
            )
        if op in ("-ne", "-notlike"):
            return all(_compare(op, a, literal, memo) for a in actual)
        return any(_compare(op, a, literal, memo) for a in actual)
    if literal is not None and actual is not None:
        if memo is None:
            literal = _coerce(literal, actual)
        else:
            kind = type(actual)
            if kind in memo:
                literal = memo[kind]
            else:
                literal = memo[kind] = _coerce(literal, actual)
    if op in ("-like", "-notlike"):
        hit = actual is not None and _wildcard(str(literal)).match(str(actual)) is not None
        return hit if op == "-like" else not hit
    a, b = _norm(actual), _norm(literal)
    if op == "-eq":
        return a == b
    if op == "-ne":
        return a != b
    if a is None or b is None:
        return False
    try:
        if op == "-gt":
            return a > b
        if op == "-lt":
            return a < b
        if op == "-ge":
            return a >= b
        return a <= b
    except TypeError:
        return False


_WILDCARDS: dict[str, re.Pattern[str]] = {}


def _wildcard(pattern: str) -> re.Pattern[str]:
    compiled = _WILDCARDS.get(pattern)
    if compiled is None:
        parts = (re.escape(p) for p in pattern.split("*"))
        compiled = re.compile(".*".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL)
        if len(_WILDCARDS) < 256:
            _WILDCARDS[pattern] = compiled
    return compiled


class _Parser:
    def __init__(self, text: str, getters: dict[str, Getter]) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.getters = {k.lower(): g for k, g in getters.items()}

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise _syntax(self.text, len(self.text))
        self.i += 1
        return tok

    def parse(self) -> Predicate:
        pred = self.or_expr()
        if self.peek() is not None:
            raise _syntax(self.text, self.peek()[2])  # type: ignore[index]
        return pred

    def or_expr(self) -> Predicate:
        left = self.and_expr()
        while (tok := self.peek()) and tok[0] == "op" and tok[1] == "-or":
            self.take()
            right = self.and_expr()
            left = (lambda a, b: lambda obj: a(obj) or b(obj))(left, right)
        return left

    def and_expr(self) -> Predicate:
        left = self.not_expr()
        while (tok := self.peek()) and tok[0] == "op" and tok[1] == "-and":
            self.take()
            right = self.not_expr()
            left = (lambda a, b: lambda obj: a(obj) and b(obj))(left, right)
        return left

    def not_expr(self) -> Predicate:
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] == "-not":
            self.take()
            inner = self.not_expr()
            return lambda obj: not inner(obj)
        return self.primary()

    def primary(self) -> Predicate:
        kind, value, pos = self.take()
        if kind == "lp":
            inner = self.or_expr()
            if self.take()[0] != "rp":
                raise _syntax(self.text, pos)
            return inner
        if kind != "word":
            raise _syntax(self.text, pos)
        getter = self.getters.get(value.lower())
        if getter is None:
            raise FilterError(
                f"Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"'{value}' is not a "
                'recognized filterable property. For a description of the filter parameter syntax see the command help."'
            )
        op_kind, op, op_pos = self.take()
        if op_kind != "op" or op not in _COMPARISONS:
            raise FilterError(
                f"Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"'{op}' is not a valid "
                f'operator. For a description of the filter parameter syntax see the command help.\n"{self.text}" at '
                f'position {op_pos + 1}."'
            )
        lit_kind, lit, _ = self.take()
        literal: Any
        if lit_kind == "var":
            literal = {"$true": True, "$false": False, "$null": None}[lit]
        elif lit_kind in ("str", "word"):
            literal = lit
        else:
            raise _syntax(self.text, op_pos)
        if isinstance(getter, TimeProperty) and isinstance(literal, str):
            fast = _time_predicate(op, getter, literal)
            if fast is not None:
                return fast
        memo: dict[type, Any] = {}  # the literal as each value type compares it (_compare)
        if isinstance(literal, bool) and op in ("-eq", "-ne"):
            return _flag_predicate(op == "-eq", getter, literal, memo)
        return lambda obj: _compare(op, getter(obj), literal, memo)


class TimeProperty:
    """A filterable time property stored as simulated seconds (`seconds(obj)`, from `epoch`).

    Called, it gives the datetime Exchange shows, like any getter; a filter that orders it
    against a date (`WhenChanged -gt '2016-05-02T10:00:00'`, every quick sync's filter)
    compares the stored number with the date's number instead of making a datetime per
    object, and makes the datetime only within a millisecond of the date, where rounding to
    microseconds could decide."""

    __slots__ = ("seconds", "epoch", "to_datetime")

    def __init__(
        self, seconds: Callable[[Any], float | None], epoch: datetime, to_datetime: Getter
    ) -> None:
        self.seconds = seconds
        self.epoch = epoch
        self.to_datetime = to_datetime

    def __call__(self, obj: Any) -> Any:
        return self.to_datetime(self.seconds(obj))


_ORDER = {"-gt": operator.gt, "-lt": operator.lt, "-ge": operator.ge, "-le": operator.le}


def _time_predicate(op: str, prop: TimeProperty, literal: str) -> Predicate | None:
    """The number-comparing predicate of `prop op literal` (None: the generic one applies)."""
    when = parse_date(literal)
    if op not in _ORDER or when is None:
        return None
    bound = (when - prop.epoch).total_seconds()
    order, seconds, memo = _ORDER[op], prop.seconds, {}

    def predicate(obj: Any) -> bool:
        raw = seconds(obj)
        if raw is None:
            return False  # as _compare: a missing value is never ordered
        if abs(raw - bound) > 0.001:
            return order(raw, bound)
        return _compare(op, prop(obj), literal, memo)

    return predicate


def _flag_predicate(eq: bool, getter: Getter, literal: bool, memo: dict[type, Any]) -> Predicate:
    """`Prop -eq $true` (the connector's `HasActiveSyncDevicePartnership -eq $true`): a flag
    compares as itself; anything else takes `_compare`."""

    def predicate(obj: Any) -> bool:
        actual = getter(obj)
        if type(actual) is bool:
            return (actual == literal) if eq else (actual != literal)
        return _compare("-eq" if eq else "-ne", actual, literal, memo)

    return predicate


def compile_filter(text: str, getters: dict[str, Getter]) -> Predicate:
    """Compile `text` into a predicate over objects whose filterable properties are `getters`."""
    return _Parser(text, getters).parse()


def time_floor(text: str, prop: TimeProperty, name: str) -> float | None:
    """Seconds that the time property `name` (`prop`) of every object matching the filter
    `text` exceeds, or None when the filter sets no such floor.

    Lets a cmdlet skip, through an index, the objects that cannot match a filter such as
    the quick sync's `WhenChanged -gt '…'` before evaluating it on the rest. Only a filter
    without `-or` and `-not` has its `-gt`/`-ge` terms as necessary conditions; the floor
    allows for the millisecond within which the predicate compares datetimes instead. Call
    it on a filter that compiled: a filter that does not parse has no floor."""
    try:
        toks = _tokens(text)
    except FilterError:
        return None
    if any(kind == "op" and value in ("-or", "-not") for kind, value, _ in toks):
        return None
    floor = None
    name = name.lower()
    for i in range(len(toks) - 2):
        (kind, value, _), (op_kind, op, _), (lit_kind, literal, _) = toks[i : i + 3]
        if kind != "word" or value.lower() != name or op_kind != "op" or op not in ("-gt", "-ge"):
            continue
        when = parse_date(literal) if lit_kind in ("str", "word") else None
        if when is not None:
            bound = (when - prop.epoch).total_seconds() - 0.001
            floor = bound if floor is None else max(floor, bound)
    return floor
