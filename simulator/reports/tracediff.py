"""The first divergence between two traces (`exchange-twin trace diff A B`).

QA compares a customer's run with the same scenario on a fixed build, or two seeds, or two
versions of the twin: the first event that differs is where the stories part, and everything
after it is consequence. So this reports one divergence, precisely: the line, both events, the
fields that differ (nested fields as dotted paths) and the last event they had in common. A
trace that is a prefix of the other diverges where the shorter one ends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


@dataclass
class Divergence:
    line: int  # 1-based line number in both files
    a: dict[str, Any] | None  # None: A ended before this line
    b: dict[str, Any] | None
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    previous: dict[str, Any] | None = None
    remaining_a: int = 0  # lines of A from this one to its end
    remaining_b: int = 0


def field_differences(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted path, value in A, value in B) for every leaf that differs; lists compared by
    position so that `params.Identity` or `findings.2` points at the exact difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in sorted(set(a) | set(b)):
            path = f"{prefix}.{key}" if prefix else str(key)
            out += field_differences(a.get(key, ABSENT), b.get(key, ABSENT), path)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += field_differences(x, y, f"{prefix}.{i}" if prefix else str(i))
        return out
    return [] if a == b and type(a) is type(b) else [(prefix or "(event)", a, b)]


def _strip(event: dict[str, Any], ignore: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in ignore}


def _same(a: dict[str, Any], b: dict[str, Any], ignore: Sequence[str]) -> bool:
    """Equal as JSON, not as Python: `1` and `1.0`, or `true` and `1`, are different events."""
    return json.dumps(_strip(a, ignore), sort_keys=True) == json.dumps(
        _strip(b, ignore), sort_keys=True
    )


def first_divergence(
    a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]], ignore: Sequence[str] = ()
) -> Divergence | None:
    """None when the traces hold the same events (fields in `ignore` left out of the
    comparison, e.g. `t` to compare two builds whose calls take different simulated time)."""
    for i in range(max(len(a), len(b))):
        ea = a[i] if i < len(a) else None
        eb = b[i] if i < len(b) else None
        if ea is not None and eb is not None and _same(ea, eb, ignore):
            continue
        fields = (
            field_differences(_strip(ea, ignore), _strip(eb, ignore))
            if ea is not None and eb is not None
            else []
        )
        return Divergence(
            line=i + 1,
            a=ea,
            b=eb,
            fields=fields,
            previous=a[i - 1] if i > 0 else None,
            remaining_a=max(0, len(a) - i),
            remaining_b=max(0, len(b) - i),
        )
    return None


def _line(event: dict[str, Any], limit: int = 600) -> str:
    text = json.dumps(event, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def _value(value: Any) -> str:
    if value is ABSENT:
        return "<absent>"
    return json.dumps(value, sort_keys=True)


def format_divergence(d: Divergence, name_a: str, name_b: str) -> str:
    """The divergence as a person reads it, naming the files and line."""
    out = []
    if d.a is None or d.b is None:
        shorter, longer = (name_a, name_b) if d.a is None else (name_b, name_a)
        event = d.b if d.a is None else d.a
        more = (d.remaining_b if d.a is None else d.remaining_a) - 1
        out.append(
            f"traces differ at line {d.line}: {shorter} ends after line {d.line - 1}, "
            f"{longer} goes on"
        )
        if d.previous is not None:
            out.append(f"  last common event (line {d.line - 1}): {_line(d.previous)}")
        assert event is not None
        out.append(f"  {longer}:{d.line}: {_line(event)}")
        if more > 0:
            out.append(f"  ... and {more} more line(s) in {longer}")
        return "\n".join(out)
    out.append(f"traces differ at line {d.line} ({d.line - 1} identical line(s) before it)")
    if d.previous is not None:
        out.append(f"  last common event (line {d.line - 1}): {_line(d.previous)}")
    out.append(f"  A {name_a}:{d.line}: {_line(d.a)}")
    out.append(f"  B {name_b}:{d.line}: {_line(d.b)}")
    out.append("  differing fields:")
    for path, va, vb in d.fields:
        out.append(f"    {path}: A {_value(va)}  B {_value(vb)}")
    return "\n".join(out)
