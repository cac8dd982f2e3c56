"""The shell's arithmetic and range operators, and the bounds that keep any line finite: the
step budget, the call depth, sizes of ranges, arrays and strings, [int] parameters with
PowerShell's ValidateRange, the history length and regular expressions that never backtrack
exponentially."""

from __future__ import annotations

import io

import pytest

from simulator.exchange.shell import limits
from simulator.exchange.shell.repl import run_repl
from tests.exchange.conftest import shell_on


def lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.parametrize(
    "line, printed",
    [
        ("1..3", ["1", "2", "3"]),
        ("3..1", ["3", "2", "1"]),
        ("1 + 2 * 3", ["7"]),
        ("(1 + 2) * 3", ["9"]),
        ("7 % -3", ["1"]),
        ("-7 % 3", ["-1"]),
        ("7 / 2", ["3.5"]),
        ("6 / 3", ["2"]),
        ("'ab' * 2", ["abab"]),
        ("'a' + 1", ["a1"]),
        ("1 + '2'", ["3"]),
        ("(1,2) + 3", ["1", "2", "3"]),
        ("(,1 * 3).Count", ["3"]),
        ("(1..10)[2..3]", ["3", "4"]),
        ("$null + 5", ["5"]),
        ("'x' -match '(a|a)*c'", ["False"]),
        ("9223372036854775807 + 1", ["9.22337203685478E+18"]),
    ],
)
def test_arithmetic_and_ranges_as_powershell(shell, line, printed):
    assert lines(shell.execute(line)) == printed, line
    assert shell.last_ok


@pytest.mark.parametrize(
    "line, message",
    [
        ("1..100000000", "Exception of type 'System.OutOfMemoryException' was thrown."),
        (",1 * 1e9", "Exception of type 'System.OutOfMemoryException' was thrown."),
        ("'a' * 1e9", "Exception of type 'System.OutOfMemoryException' was thrown."),
        ("1..1e10", 'Cannot convert value "10000000000" to type "System.Int32".'),
        ("'a'..'c'", 'Cannot convert value "a" to type "System.Int32".'),
        ("1 / 0", "Attempted to divide by zero."),
        ("1 - 'x'", 'Cannot convert value "x" to type "System.Int32".'),
        ("@{a=1} + 1", "A hash table can only be added to another hash table."),
        ("1" + " + 1" * 5000, "The script failed due to call depth overflow."),
        (
            "(" * 3000 + "1" + ")" * 3000,
            "Processing was stopped because the script is too complex.",
        ),
        ("9" * 5000, "The numeric constant 999"),
        ("Start-Sleep 3000000", "The 3000000 argument is greater than the maximum allowed range"),
        ("Select-Object -First x", "Cannot bind parameter 'First'. Cannot convert value \"x\""),
    ],
)
def test_each_bound_answers_with_powershells_error(shell, line, message):
    out = shell.execute(line)
    assert message in out and not shell.last_ok, out[:500]
    assert "Traceback" not in out and "failed internally" not in out


def test_a_line_stops_after_its_step_budget_and_the_rest_of_it_does_not_run(world):
    shell = shell_on(world, budget=1000)
    out = shell.execute("1..100 | % { $_ }; 1..10000 | % { $_ }; 'after'")
    assert "The pipeline has been stopped." in out and "PipelineStoppedException" in out
    assert "after" not in lines(out) and "100" in lines(out)
    assert shell.execute("'next line runs'") == "next line runs"


def test_the_default_budget_is_counted_in_operations_not_time(shell):
    out = shell.execute("1..1000000 | % { 1..1000 }")
    assert "The pipeline has been stopped." in out
    assert shell._steps > limits.MAX_STEPS


def test_history_keeps_as_many_lines_as_powershell(shell):
    for i in range(limits.MAX_HISTORY + 10):
        shell.history.append(f"line {i}")
    shell.execute("'one more'")
    assert len(shell.history) == limits.MAX_HISTORY
    assert shell.history[-1] == "'one more'"


class _Keyboard(io.StringIO):
    """Standard input where the user presses Ctrl+C on the second line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def readline(self, *args: object) -> str:
        line = self.lines.pop(0) if self.lines else ""
        if line == "^C":
            raise KeyboardInterrupt
        return line


def test_ctrl_c_drops_the_line_not_the_shell(world):
    shell = shell_on(world)
    out = io.StringIO()
    code = run_repl(shell, "banner", _Keyboard(["'one'\n", "^C", "'two'\n", "exit\n"]), out)
    assert code == 0
    assert lines(out.getvalue()) == ["banner", "one", "", "two"]
