"""PowerShell's value semantics for the shell twin: truth, string conversion, comparison with
the right operand converted to the left's type, case-insensitive properties, member
enumeration over arrays, and the handful of .NET methods administrators use
(`(Get-Date).AddDays(-30)`, `.ToLower()`, `.Contains()`)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import re2

from simulator.exchange.opath import parse_date
from simulator.exchange.policy_settings import format_timespan
from simulator.exchange.shell import limits
from simulator.exchange.shell.errors import ShellRuntimeError
from simulator.exchange.shell.expressions import COMPARISON


class ScriptBlockValue:
    """A script block as a value (`{ $_.Name -eq 'x' }`)."""

    def __init__(self, node: Any) -> None:
        self.node = node

    def __str__(self) -> str:
        return self.node.text


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        return "System.Int32"
    if isinstance(value, float):
        return "System.Double"
    if isinstance(value, str):
        return "System.String"
    if isinstance(value, datetime):
        return "System.DateTime"
    if isinstance(value, timedelta):
        return "System.TimeSpan"
    if isinstance(value, list):
        return "System.Object[]"
    if isinstance(value, ScriptBlockValue):
        return "System.Management.Automation.ScriptBlock"
    type_ = getattr(value, "type_name", None)
    if type_:
        return f"Deserialized.Microsoft.Exchange.Data.Directory.Management.{type_}"
    return "System.Collections.Hashtable"


def is_true(value: Any) -> bool:
    """PowerShell's truth: $null, 0, '' and empty arrays are false; a one-element array is as
    true as its element."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        if len(value) == 1:
            return is_true(value[0])
        return len(value) > 0
    return True


def format_double(value: float) -> str:
    """A [double] as PowerShell prints it: 15 significant digits, `1E+30`, `Infinity`."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    return f"{value:.15G}"


def to_string(value: Any) -> str:
    """String conversion as in an expandable string (invariant culture)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, timedelta):
        return format_timespan(value)
    if isinstance(value, list):
        limits.text_size(value)
        return " ".join(to_string(v) for v in value)
    if isinstance(value, dict):
        identity = getattr(value, "type_name", None) and (
            value.get("Identity") or value.get("Name")
        )
        return str(identity) if identity else "System.Collections.Hashtable"
    return str(value)


def display(value: Any) -> str:
    """How a property value shows in Format-Table / Format-List (en-US)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        hour = value.hour % 12 or 12
        return (
            f"{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:{value.second:02d} "
            f"{'AM' if value.hour < 12 else 'PM'}"
        )
    if isinstance(value, list):
        limits.text_size(value)
        return "{" + ", ".join(display(v) for v in value) + "}"
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, dict) and not getattr(value, "type_name", None):
        return "{" + ", ".join(str(k) for k in value) + "}"
    return to_string(value)


def to_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return None
    return None


def convert_like(right: Any, left: Any) -> Any:
    """Convert the right operand to the type of the left one, as PowerShell compares."""
    if left is None or right is None:
        return right
    if isinstance(left, bool):
        return is_true(right)
    if isinstance(left, int | float):
        number = to_number(right)
        return right if number is None else number
    if isinstance(left, datetime):
        if isinstance(right, datetime):
            return right
        parsed = parse_date(to_string(right))
        return parsed if parsed is not None else right
    if isinstance(left, str):
        return to_string(right)
    return right


def _scalar_compare(op: str, left: Any, right: Any, case: bool) -> bool:
    right = convert_like(right, left)
    if op in ("like", "notlike"):
        pattern = _wildcard(to_string(right), case)
        hit = pattern.search(to_string(left))
        return hit if op == "like" else not hit
    if op in ("match", "notmatch"):
        try:
            hit = _regex(to_string(right), case).search(to_string(left))
        except re.error as exc:
            raise ShellRuntimeError(
                f"The regular expression pattern {to_string(right)} is not valid: {exc}",
                "InvalidRegularExpression",
            ) from None
        return hit if op == "match" else not hit
    a, b = left, right
    if not case and isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()
    if isinstance(a, dict) and isinstance(b, str):
        a = to_string(a).lower() if not case else to_string(a)
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if a is None or b is None:
        if op in ("gt", "ge"):
            return a is not None or (op == "ge" and b is None)
        return b is not None or (op == "le" and a is None)
    try:
        return bool({"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op])
    except TypeError:
        sa, sb = to_string(a).lower(), to_string(b).lower()
        return bool({"gt": sa > sb, "ge": sa >= sb, "lt": sa < sb, "le": sa <= sb}[op])


def compare(op: str, left: Any, right: Any) -> Any:
    """A comparison operator; with an array on the left it filters the array, as PowerShell."""
    case = op.startswith("c") and op[1:] in COMPARISON
    if op[:1] in ("c", "i") and op[1:] in COMPARISON:
        op = op[1:]
    if op in ("contains", "notcontains"):
        items = left if isinstance(left, list) else [left]
        hit = any(_scalar_compare("eq", item, right, case) for item in items)
        return hit if op == "contains" else not hit
    if op in ("in", "notin"):
        items = right if isinstance(right, list) else [right]
        hit = any(_scalar_compare("eq", item, left, case) for item in items)
        return hit if op == "in" else not hit
    if isinstance(left, list):
        return [item for item in left if _scalar_compare(op, item, right, case)]
    return _scalar_compare(op, left, right, case)


def _wildcard(pattern: str, case: bool) -> _Pattern:
    out = []
    for ch in re.sub(r"\*+", "*", pattern):
        out.append({"*": ".*", "?": "."}.get(ch) or re.escape(ch))
    return _regex("(?s)^" + "".join(out) + "$", case)


class _Pattern:
    """A compiled pattern that matches in linear time (RE2), whatever the pattern and input:
    a backtracking engine can take exponential time on patterns such as `(a|a)*c`, which would
    hang the shell. Patterns RE2 lacks (back-references, look-arounds) and text RE2 cannot
    encode (lone surrogates) fall back to Python's engine; an invalid pattern raises re.error."""

    def __init__(self, pattern: str, case: bool) -> None:
        self.pattern, self.flags = pattern, 0 if case else re.IGNORECASE
        options = re2.Options()
        options.log_errors = False
        options.case_sensitive = case
        try:
            self.fast: Any = re2.compile(pattern, options)
        except (re2.error, UnicodeError):
            self.fast = None
            re.compile(pattern, self.flags)  # raises re.error when it is no pattern at all

    def search(self, text: str) -> bool:
        if self.fast is not None:
            try:
                return self.fast.search(text) is not None
            except UnicodeError:
                pass
        return re.search(self.pattern, text, self.flags) is not None


@lru_cache(maxsize=256)
def _regex(pattern: str, case: bool) -> _Pattern:
    return _Pattern(pattern, case)


# -- members ------------------------------------------------------------------------------------------
_DATETIME_PROPS = {
    "year": lambda d: d.year,
    "month": lambda d: d.month,
    "day": lambda d: d.day,
    "hour": lambda d: d.hour,
    "minute": lambda d: d.minute,
    "second": lambda d: d.second,
    "dayofweek": lambda d: d.strftime("%A"),
    "date": lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0),
}
_TIMESPAN_PROPS = {
    "days": lambda t: t.days,
    "hours": lambda t: t.seconds // 3600,
    "minutes": lambda t: t.seconds // 60 % 60,
    "seconds": lambda t: t.seconds % 60,
    "totaldays": lambda t: t.total_seconds() / 86400,
    "totalhours": lambda t: t.total_seconds() / 3600,
    "totalminutes": lambda t: t.total_seconds() / 60,
    "totalseconds": lambda t: t.total_seconds(),
}


def get_member(value: Any, name: str) -> Any:
    """`value.Name`: a property (case-insensitive); over an array, each element's (PowerShell 3
    member enumeration); $null when the property does not exist."""
    key = name.lower()
    if isinstance(value, list):
        if key in ("count", "length"):
            return len(value)
        out = [get_member(v, name) for v in value]
        return [v for v in out if v is not None]
    if isinstance(value, dict):
        for k in value:
            if str(k).lower() == key:
                return value[k]
        if key == "count" and not getattr(value, "type_name", None):
            return len(value)
        if key == "keys" and not getattr(value, "type_name", None):
            return list(value)
        return None
    if isinstance(value, str) and key == "length":
        return len(value)
    if isinstance(value, datetime) and key in _DATETIME_PROPS:
        return _DATETIME_PROPS[key](value)
    if isinstance(value, timedelta) and key in _TIMESPAN_PROPS:
        return _TIMESPAN_PROPS[key](value)
    if key in ("count", "length") and value is not None:
        return 1
    return None


def call_method(value: Any, name: str, args: list[Any]) -> Any:
    key = name.lower()
    if value is None:
        raise ShellRuntimeError(
            "You cannot call a method on a null-valued expression.", "InvokeMethodOnNull"
        )
    if key == "tostring" and not args:
        return to_string(value)
    if isinstance(value, str):
        text = value
        methods = {
            "toupper": lambda: text.upper(),
            "tolower": lambda: text.lower(),
            "trim": lambda: text.strip(),
            "contains": lambda: to_string(args[0]) in text,
            "startswith": lambda: text.startswith(to_string(args[0])),
            "endswith": lambda: text.endswith(to_string(args[0])),
            "replace": lambda: text.replace(to_string(args[0]), to_string(args[1])),
            "split": lambda: text.split(to_string(args[0])) if args else text.split(),
            "substring": lambda: text[
                int(args[0]) : (int(args[0]) + int(args[1])) if len(args) > 1 else None
            ],
        }
    elif isinstance(value, datetime):
        moment = value

        def _add(unit: str) -> Any:
            return lambda: moment + timedelta(**{unit: float(to_number(args[0]) or 0)})

        methods = {
            "adddays": _add("days"),
            "addhours": _add("hours"),
            "addminutes": _add("minutes"),
            "addseconds": _add("seconds"),
            "touniversaltime": lambda: moment,
            "tolocaltime": lambda: moment,
        }
    elif isinstance(value, list):
        items = value
        methods = {"contains": lambda: any(compare("eq", v, args[0]) for v in items)}
    else:
        methods = {}
    method = methods.get(key)
    if method is None:
        raise ShellRuntimeError(
            f"Method invocation failed because [{type_name(value)}] does not contain a method named "
            f"'{name}'.",
            "MethodNotFound",
        )
    try:
        return method()
    except (IndexError, ValueError, TypeError, OverflowError):
        raise ShellRuntimeError(
            f'Cannot find an overload for "{name}" and the argument count: "{len(args)}".',
            "MethodCountCouldNotFindBest",
        ) from None


def get_index(value: Any, index: Any) -> Any:
    if isinstance(value, dict):
        return get_member(value, to_string(index))
    if isinstance(index, list):  # $a[0..2], $a[1,3]: the elements at each index that exists
        picked = [get_index(value, i) for i in index]
        return [v for v in picked if v is not None]
    if isinstance(value, list | str):
        number = to_number(index)
        if number is None:
            return None
        if isinstance(number, float) and not number.is_integer():
            number = round(number) if abs(number) < 2**63 else 0
        i = int(number)
        return value[i] if -len(value) <= i < len(value) else None
    if value is None:
        raise ShellRuntimeError("Cannot index into a null array.", "NullArray")
    number = to_number(index)
    return value if number in (0, -1) else None
