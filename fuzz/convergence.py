"""The convergence state machine (tests/connector/test_convergence.py) at the long profile's
size: the same `ConnectorConvergence` rules and invariants, only more examples.

Hypothesis runs a state machine until its first failure (which it then shrinks), so the
count is of examples run and the failures found (0 or 1); the failure is reported with the
falsifying steps hypothesis prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class MachineRun:
    examples: int = 0
    failures: int = 0
    error: str = ""
    seconds: float = 0.0


def run_convergence(examples: int, seed: int = 0, steps: int | None = None) -> MachineRun:
    """Run `ConnectorConvergence` for `examples` examples (its own step count unless
    `steps`); never raises for a failing example: it is counted and described."""
    from hypothesis import HealthCheck, settings
    from hypothesis import seed as hseed
    from hypothesis.stateful import run_state_machine_as_test

    from tests.connector.test_convergence import ConnectorConvergence

    run = MachineRun()

    class Counted(ConnectorConvergence):
        def __init__(self) -> None:
            super().__init__()
            run.examples += 1

    base = ConnectorConvergence.TestCase.settings
    chosen = settings(
        base,
        max_examples=examples,
        stateful_step_count=steps or base.stateful_step_count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    started = time.monotonic()  # wall-clock-ok: how long the long profile took, for its table

    @hseed(seed)
    def machine() -> None:
        run_state_machine_as_test(Counted, settings=chosen)

    try:
        machine()
    except Exception as exc:  # noqa: BLE001 - a falsified invariant is a result to report
        run.failures += 1
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
    run.seconds = time.monotonic() - started
    return run
