"""The bounds that keep one shell line finite in time and memory, and the errors at each bound.

Windows PowerShell stops a script at its own limits — the parser's stack ("Processing was
stopped because the script is too complex."), the call depth ("The script failed due to call
depth overflow."), Int32 range endpoints, ValidateRange on parameters, `$MaximumHistoryCount`
— and otherwise grows ranges, arrays and strings until the process runs out of memory, and
runs a line for as long as it takes until the user presses Ctrl+C. The twin keeps the first
kind as PowerShell has them and puts a fixed bound on the second kind, answering with the
error PowerShell gives when it gets there, so that no line can exhaust the twin's memory or
hang the interactive shell.

Deviations: the shell twin refuses a range, array or string larger than 1,000,000 elements or
10,000,000 characters with PowerShell's out-of-memory error (Windows PowerShell goes on until
the machine's memory is exhausted), and stops a line after 1,000,000 evaluation steps (a remote
cmdlet call counts 100, each element an operator builds or a command is given one, every
20 characters of text built or printed one) with "The pipeline has been stopped.", as if the user had pressed
Ctrl+C; the step budget is deterministic (it counts operations, not wall-clock time). The
parser refuses nesting deeper than 100 levels (PowerShell's own limit depends on its stack).
"""

from __future__ import annotations

from typing import Any

from simulator.exchange.shell.errors import ShellRuntimeError

#: Elements of one range or array (ranges, `,x * n`, `+` of arrays).
MAX_ELEMENTS = 1_000_000
#: Characters of one string (`'a' * n`, `+` of strings).
MAX_STRING = 10_000_000
#: Evaluation steps of one line (expressions, pipeline items, script block runs).
MAX_STEPS = 1_000_000
#: Characters of text built (by an operator, or to print) that count one step.
CHARS_PER_STEP = 20
#: The least steps printing one object (a table row, a list entry) counts.
RECORD_STEP_COST = 20
#: Steps one remote cmdlet invocation counts (it does far more work than an expression).
REMOTE_STEP_COST = 100
#: Lines Get-History keeps ($MaximumHistoryCount's default).
MAX_HISTORY = 4096
#: Range endpoints are converted to System.Int32.
INT32 = (-(2**31), 2**31 - 1)


def out_of_memory(pos: int | None = None) -> ShellRuntimeError:
    """What PowerShell prints when an allocation fails (the twin's bound, not the machine's)."""
    error = ShellRuntimeError(
        "Exception of type 'System.OutOfMemoryException' was thrown.",
        "System.OutOfMemoryException",
        category="OperationStopped",
        pos=pos,
    )
    error.exception_type = "OutOfMemoryException"
    return error


def pipeline_stopped(pos: int | None = None) -> ShellRuntimeError:
    """The line used its step budget: stopped as Ctrl+C stops a pipeline."""
    error = ShellRuntimeError(
        "The pipeline has been stopped.",
        "PipelineStopped",
        category="OperationStopped",
        pos=pos,
    )
    error.exception_type = "PipelineStoppedException"
    return error


def call_depth_overflow(pos: int | None = None) -> ShellRuntimeError:
    """Evaluation nested deeper than the interpreter's stack allows."""
    error = ShellRuntimeError(
        "The script failed due to call depth overflow.",
        "CallDepthOverflow",
        category="InvalidOperation",
        pos=pos,
    )
    error.exception_type = "ScriptCallDepthException"
    return error


def check_elements(count: int, pos: int | None = None) -> None:
    if count > MAX_ELEMENTS:
        raise out_of_memory(pos)


def check_string(length: int, pos: int | None = None) -> None:
    if length > MAX_STRING:
        raise out_of_memory(pos)


def text_size(value: Any) -> int:
    """About how many characters `value` prints as (to_string / display), counted without
    building the text — a list may hold the same huge string or list many times over. Past
    MAX_STRING it is refused as PowerShell refuses an allocation it cannot make."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 1
        elif isinstance(item, list):
            total += 2
            stack.extend(item)
        elif isinstance(item, dict):
            total += 24 + sum(len(str(k)) for k in item)
        else:
            total += 24
        if total > MAX_STRING:
            raise out_of_memory()
    return total


def print_cost(values: list[Any]) -> int:
    """Steps printing `values` counts: its objects and the size of their text."""
    cost = 0
    for value in values:
        if isinstance(value, dict):
            size = sum(text_size(v) for v in value.values())
            cost += max(RECORD_STEP_COST, size // CHARS_PER_STEP)
        else:
            cost += 1 + text_size(value) // CHARS_PER_STEP
    return cost
