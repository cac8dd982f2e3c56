"""Simulated time as people and files write it: durations (`1h30m`), the trace's time
format, spans for reports, and the default start of a scenario.

Apart from the clock (`clock.SimClock`, which needs simpy) so that reading and checking a
scenario — the language, `exchange-twin validate` — needs no simulation library.
"""

from __future__ import annotations

from datetime import UTC, datetime

DEFAULT_START = datetime(2016, 5, 2, 8, 0, 0, tzinfo=UTC)


def format_time(when: datetime) -> str:
    """ISO 8601 UTC with millisecond precision and a Z, the format of traces and reports."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def format_span(seconds: float) -> str:
    """A simulated span the way people write it: `1d2h`, `45m`, `30s` (whole seconds; the
    seconds are shown only for spans under a minute, where they are all there is)."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
    text += f"{minutes}m" if minutes else ""
    return text or f"{secs}s"


#: The longest span a scenario may name (10 years): longer ones are typing mistakes, and past
#: it the simulated calendar would leave what `datetime` can hold from an extreme `start`.
MAX_DURATION = 3650 * 86400.0


def parse_duration(text: str | int | float) -> float:
    """`90s`, `15m`, `2h`, `1d`, `1h30m`, or a number of seconds → seconds (at most
    MAX_DURATION: 3650d)."""
    if isinstance(text, int | float):
        total = float(text)
    else:
        total, number = 0.0, ""
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
        for ch in text.strip().replace(" ", ""):
            if ch in "0123456789." and (ch != "." or "." not in number):
                number += ch
            elif ch in units and number and number != ".":
                total += float(number) * units[ch]
                number = ""
            else:
                raise ValueError(
                    f"invalid duration {text[:40]!r}: expected e.g. 90s, 15m, 2h, 1d or 1h30m"
                )
        if number:
            raise ValueError(
                f"invalid duration {text[:40]!r}: the last number has no unit (s, m, h, d, w)"
            )
    if not -MAX_DURATION <= total <= MAX_DURATION:  # also refuses inf and nan
        raise ValueError(
            f"invalid duration {str(text)[:40]!r}: longer than 3650d (10 years), the longest "
            "a scenario may name"
        )
    return total
