"""The shared shape of a fuzz target, its outcomes and the tally of a run.

Why a tally and not an assertion: the long profile must *count* every kind of outcome (the
issue's table: clean errors, accepted, unexpected exceptions, hangs, ...), so ``check``
never raises; it classifies. Tests then assert that no unclean outcome was seen.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Outcome kinds that are clean: the input was refused with a proper message, or ran.
CLEAN = ("clean_error", "accepted")
#: Outcome kinds that are defects, whatever the input.
UNCLEAN = ("unexpected_exception", "hang", "no_location", "traceback", "internal_error")


@dataclass(frozen=True)
class Outcome:
    """How one input ended. ``kind`` is one of CLEAN or UNCLEAN; ``detail`` says why."""

    kind: str
    detail: str = ""

    @property
    def clean(self) -> bool:
        return self.kind in CLEAN


@dataclass(frozen=True)
class BadInput:
    """One entry of the bad-input catalogue (docs/bad-input.md, generated from these).

    ``kind`` says in words what is wrong ("duplicated key"); ``value`` is the input;
    ``expect`` is a substring the clean error's message must contain (tests check it).
    """

    kind: str
    value: Any
    expect: str


@dataclass(frozen=True)
class FuzzTarget:
    """One front door: inputs to try and how to judge what it did with each."""

    name: str
    strategy: Any  # a hypothesis SearchStrategy of inputs
    check: Callable[[Any], Outcome]
    #: Seconds one input may take before it counts as a hang.
    budget: float = 10.0
    #: How to write an input into the corpus (text), and read it back.
    dump: Callable[[Any], str] = repr
    load: Callable[[str], Any] = lambda s: s
    #: Named bad inputs with the message each must get (a clean error's ``detail``).
    catalogue: tuple[BadInput, ...] = ()
    #: How the bad-input catalogue shows an input on one line (``dump`` when None).
    show: Callable[[Any], str] | None = None


@dataclass
class Tally:
    """Counts per outcome kind for one target, and the first unclean inputs seen."""

    target: str
    counts: Counter = field(default_factory=Counter)
    failures: list[tuple[Any, Outcome]] = field(default_factory=list)

    def add(self, value: Any, outcome: Outcome, keep: int = 20) -> None:
        self.counts[outcome.kind] += 1
        if not outcome.clean and len(self.failures) < keep:
            self.failures.append((value, outcome))

    @property
    def inputs(self) -> int:
        return sum(self.counts.values())

    @property
    def unclean(self) -> int:
        return sum(n for k, n in self.counts.items() if k not in CLEAN)


class _Hang(Exception):
    pass


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise _Hang when the body runs longer than ``seconds`` (SIGALRM: main thread only)."""

    def on_alarm(signum, frame):  # noqa: ARG001
        raise _Hang()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # re-fires every second: an alarm that lands where Python ignores exceptions (a gc
    # callback, a __del__) must not let a hung input run on for ever
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def judge(target: FuzzTarget, value: Any) -> Outcome:
    """Run ``target.check`` on one input within its budget; never raises."""
    try:
        with time_budget(target.budget):
            return target.check(value)
    except _Hang:
        return Outcome("hang", f"over {target.budget:g} s")
    except BaseException as exc:  # noqa: BLE001 - the point is to count what escapes
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome("unexpected_exception", f"{type(exc).__name__}: {exc}"[:300])


def run_target(target: FuzzTarget, examples: int, seed: int = 0) -> Tally:
    """Feed ``examples`` generated inputs to ``target`` and tally the outcomes.

    Hypothesis generates the inputs (``derandomize`` with a seed-derived database-free run,
    so a run is repeatable); ``judge`` never raises, so hypothesis never shrinks here — the
    corpus keeps failing inputs instead.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    tally = Tally(target.name)

    @hseed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def one(value: Any) -> None:
        tally.add(value, judge(target, value))

    one()
    return tally
