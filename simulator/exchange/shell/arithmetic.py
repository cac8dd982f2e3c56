"""PowerShell's arithmetic and range operators for the shell twin: `+ - * / %` and `..`.

The left operand decides, as in PowerShell: a string concatenates (`+`) or repeats (`*`), an
array appends or repeats, a hashtable merges with another, a number converts the right
operand to a number. Integer results that leave [long] become [double]; division by zero is
PowerShell's "Attempted to divide by zero."; range endpoints convert to [int]. Results larger
than the twin's bounds (limits.py) are refused before they are built.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from simulator.exchange.shell import limits
from simulator.exchange.shell.values import ShellRuntimeError, to_number, to_string, type_name

_LONG = (-(2**63), 2**63 - 1)
_METHOD = {"+": "op_Addition", "-": "op_Subtraction", "*": "op_Multiply", "/": "op_Division"}
_METHOD["%"] = "op_Modulus"


def ps_number(value: Any) -> str:
    """A number as PowerShell prints it in a message (`10000000000`, `1E+30`)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return to_string(value)


def _cannot_convert(value: Any, target: str, reason: str, error_id: str) -> ShellRuntimeError:
    shown = ps_number(value) if isinstance(value, int | float) else to_string(value)
    return ShellRuntimeError(
        f'Cannot convert value "{shown}" to type "{target}". Error: "{reason}"',
        error_id,
        category="InvalidArgument",
    )


def as_number(value: Any) -> int | float:
    """An operand of a numeric operator: $null is 0, a numeric string its number."""
    if value is None:
        return 0
    if isinstance(value, list):
        raise ShellRuntimeError(
            'Cannot convert the "System.Object[]" value of type "System.Object[]" to type '
            '"System.Int32".',
            "ConvertToFinalInvalidCastException",
            category="InvalidArgument",
        )
    number = to_number(value)
    if number is None:
        raise _cannot_convert(
            value, "System.Int32", "Input string was not in a correct format.",
            "InvalidCastFromStringToInteger",
        )  # fmt: skip
    return number


def as_int32(value: Any) -> int:
    """A value converted to [int] as PowerShell does (doubles round half to even)."""
    number = as_number(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise _cannot_convert(
            number, "System.Int32", "Value was either too large or too small for an Int32.",
            "InvalidCastIConvertible",
        )  # fmt: skip
    whole = round(number) if isinstance(number, float) else int(number)
    if not limits.INT32[0] <= whole <= limits.INT32[1]:
        raise _cannot_convert(
            number, "System.Int32", "Value was either too large or too small for an Int32.",
            "InvalidCastIConvertible",
        )  # fmt: skip
    return whole


def _normal(value: int | float) -> int | float:
    """[long] arithmetic that overflows continues in [double], as PowerShell widens."""
    if isinstance(value, int) and not _LONG[0] <= value <= _LONG[1]:
        return float(value)
    return value


def _no_method(op: str, left: Any) -> ShellRuntimeError:
    return ShellRuntimeError(
        f"Method invocation failed because [{type_name(left)}] does not contain a method named "
        f"'{_METHOD[op]}'.",
        "MethodNotFound",
    )


def _is_hashtable(value: Any) -> bool:
    return isinstance(value, dict) and not getattr(value, "type_name", None)


def _numeric(left: Any) -> bool:
    return left is None or isinstance(left, bool | int | float | str)


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """`left op right` for op in + - * / %."""
    if op == "+":
        return _add(left, right)
    if op == "*":
        return _multiply(left, right)
    if isinstance(left, datetime) and op == "-":
        if isinstance(right, datetime):
            return left - right
        if isinstance(right, timedelta):
            return left - right
    if not _numeric(left):
        raise _no_method(op, left)
    a, b = as_number(left), as_number(right)
    if op == "-":
        return _normal(a - b)
    if b == 0:
        raise ShellRuntimeError(
            "Attempted to divide by zero.", "RuntimeException", category="NotSpecified"
        )
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return _normal(a // b)
        return a / b
    # %: the remainder takes the dividend's sign (C#), not Python's floor modulo
    if isinstance(a, int) and isinstance(b, int):
        return _normal(int(math.copysign(abs(a) % abs(b), a)) if a else 0)
    if isinstance(a, float) and math.isinf(a):
        return math.nan
    return math.fmod(a, b)


def _add(left: Any, right: Any) -> Any:
    if left is None:
        return right
    if isinstance(left, list):
        extra = right if isinstance(right, list) else [right]
        limits.check_elements(len(left) + len(extra))
        return left + extra
    if isinstance(left, str):
        text = to_string(right)
        limits.check_string(len(left) + len(text))
        return left + text
    if _is_hashtable(left):
        if not _is_hashtable(right):
            raise ShellRuntimeError(
                "A hash table can only be added to another hash table.",
                "AddHashTableToNonHashTable",
            )
        merged = dict(left)
        for key, value in right.items():
            if any(str(k).lower() == str(key).lower() for k in merged):
                raise ShellRuntimeError(
                    f"Item has already been added. Key in dictionary: '{key}'  Key being added: "
                    f"'{key}'",
                    "RuntimeException",
                    category="NotSpecified",
                )
            merged[key] = value
        return merged
    if isinstance(left, datetime) and isinstance(right, timedelta):
        return left + right
    if not _numeric(left):
        raise _no_method("+", left)
    return _normal(as_number(left) + as_number(right))


def _multiply(left: Any, right: Any) -> Any:
    if isinstance(left, str | list):
        times = as_int32(right)
        if times < 0:
            raise ShellRuntimeError(
                "Specified argument was out of the range of valid values.",
                "RuntimeException",
                category="NotSpecified",
            )
        if isinstance(left, str):
            limits.check_string(len(left) * times)
        else:
            limits.check_elements(len(left) * times)
        return left * times
    if not _numeric(left):
        raise _no_method("*", left)
    return _normal(as_number(left) * as_number(right))


def make_range(left: Any, right: Any) -> list[int]:
    """`left..right`: the integers between, either way round, endpoints converted to [int]."""
    low, high = as_int32(left), as_int32(right)
    limits.check_elements(abs(high - low) + 1)
    step = 1 if high >= low else -1
    return list(range(low, high + step, step))
