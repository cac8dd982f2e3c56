"""The shell fuzz target: lines typed at `exchange-twin shell`, judged by what the shell prints.

Inputs mix three kinds of line, because each finds different defects:

* grammar-aware lines — the registry's cmdlets with real, abbreviated and wrong parameters,
  pipelines through Where-Object/Select-Object script blocks, expressions, variables,
  quoting and escapes, hashtables, arrays, ranges and arithmetic — reach the interpreter and
  the binder, where most lines should run or fail with a binding error;
* random text (printable and any unicode) — reaches the tokenizer's corners;
* pathological lines — nesting thousands deep, 100,000-character lines, huge ranges, arrays
  and strings, and recursion — must hit a limit with PowerShell's message, not the Python
  stack, the memory or the clock.

`check` runs one line on a small prebuilt world (built once per process: the default lab
organisation, as `exchange-twin shell` opens it) and classifies what came back: output →
accepted; a PowerShell-shaped error → clean_error (its message is the detail); a Python
exception escaping `execute`, a traceback in the output, or the twin's "failed internally"
record → unclean.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fuzz.common import BadInput, FuzzTarget, Outcome
from simulator.exchange import session as _session  # noqa: F401  (registers the cmdlets)
from simulator.exchange.registry import REGISTRY
from simulator.exchange.shell.builtins import LOCAL_COMMANDS

_SHELL: Any = None


def _shell() -> Any:
    """The process's shell on the default lab world (built on first use, then reused)."""
    global _SHELL
    if _SHELL is None:
        from simulator.exchange.shell.lab import open_shell
        from simulator.run.lab import default_scenario
        from simulator.world.world import build_world

        _SHELL = open_shell(build_world(default_scenario()))
    return _SHELL


# -- judging one line -------------------------------------------------------------------------------
_INTERNAL = ("TwinInternalError", "failed internally")
#: Characters of an error message kept as an outcome's detail.
_DETAIL = 2000


def _error_message(output: str) -> str:
    """The message of the first error record in `output`, and its FullyQualifiedErrorId."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("    + CategoryInfo"):
            start = i
            while start > 0 and lines[start - 1].strip():
                start -= 1
            message = [
                text
                for text in lines[start:i]
                if not text.startswith(("At line:", "+ ")) and text.strip()
            ]
            fqid = next(
                (
                    t.split(":", 1)[1].strip()
                    for t in lines[i : i + 3]
                    if t.startswith("    + FullyQualifiedErrorId")
                ),
                "",
            )
            return _shorten(" ".join(message) + (f" ({fqid})" if fqid else ""))
    return output[:300]


def _shorten(text: str) -> str:
    """At most _DETAIL characters: the start and the end of a long message (which echoes a
    long token) with an ellipsis between."""
    if len(text) <= _DETAIL:
        return text
    half = _DETAIL // 2
    return f"{text[:half]} … {text[-half:]}"


def check(line: str) -> Outcome:
    """Run `line` in the shell; say how it ended (see the module docstring)."""
    from simulator.exchange.shell.interpreter import completions
    from simulator.exchange.shell.repl import incomplete

    shell = _shell()
    incomplete(line)  # the REPL asks before running a line: must it read more?
    completions(shell, line[-200:])  # and completes at the cursor when the user presses tab
    output = shell.execute(line)
    if "Traceback (most recent call last)" in output:
        return Outcome("traceback", output[-300:])
    if any(marker in output for marker in _INTERNAL):
        return Outcome("internal_error", _error_message(output)[:300])
    if shell.last_ok:
        return Outcome("accepted", output[:200])
    return Outcome("clean_error", _error_message(output))


# -- generating lines -------------------------------------------------------------------------------
_CMDLETS = sorted(spec.name for spec in REGISTRY.values())
_LOCALS = [c.name for c in LOCAL_COMMANDS] + [a for c in LOCAL_COMMANDS for a in c.aliases]
_WRONG_NAMES = [
    "Get-Mailboxx",
    "Set-Nothing",
    "Invoke-Evil",
    "get-casmailbox",
    "GET-EXCHANGESERVER",
]
_COMMON = ["ErrorAction", "WarningAction", "Verbose", "Debug", "WhatIf", "Confirm", "EA"]

_words = st.sampled_from(
    ["ann", "EX01", "contoso.local", "Unlimited", "1", "0", "-1", "*", "a*", "x y", "ä", ""]
)


def _quoted(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [f"'{text}'", f'"{text}"', f"'{text}''s'", f'"{text}`n`t$x"', f'"$({text})"']
    )


_strings = _words.flatmap(_quoted)
_numbers = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.sampled_from(["1KB", "2MB", "1GB", "0x1F", "1.5", "1e3", ".5", "1e400", "9" * 30]),
)
_variables = st.sampled_from(["$x", "$_", "$null", "$true", "$false", "$?", "$y", "${a b}", "$$"])


@st.composite
def _value(draw: Any, depth: int = 0) -> str:
    """An argument or operand: literals, variables, arrays, hashtables, script blocks, ..."""
    simple = st.one_of(_words, _strings, _numbers, _variables)
    if depth >= 2:
        return draw(simple)
    inner = _value(depth + 1)
    return draw(
        st.one_of(
            simple,
            simple,
            st.lists(inner, min_size=1, max_size=4).map(",".join),
            st.lists(inner, min_size=0, max_size=3).map(lambda v: "@(" + ",".join(v) + ")"),
            st.tuples(st.sampled_from(["Add", "Remove", "a", "Name", "e"]), inner).map(
                lambda kv: "@{" + f"{kv[0]}={kv[1]}" + "}"
            ),
            _expression(depth + 1).map(lambda e: "{ " + e + " }"),
            _expression(depth + 1).map(lambda e: "(" + e + ")"),
            _expression(depth + 1).map(lambda e: "$(" + e + ")"),
        )
    )


_OPERATORS = [
    "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-like", "-notlike", "-match", "-notmatch",
    "-contains", "-notcontains", "-in", "-notin", "-ceq", "-ilike", "-and", "-or", "-xor",
    "+", "-", "*", "/", "%", "..", "-bogus",
]  # fmt: skip


@st.composite
def _expression(draw: Any, depth: int = 0) -> str:
    """An expression: operands joined by comparison, logical, arithmetic and range operators,
    with member access, method calls and indexing."""
    parts = [draw(_value(depth + 1))]
    for _ in range(draw(st.integers(0, 2))):
        parts += [draw(st.sampled_from(_OPERATORS)), draw(_value(depth + 1))]
    text = " ".join(parts)
    suffix = draw(
        st.sampled_from(
            ["", ".Name", ".Count", ".Length", "[0]", "[-1]", ".ToUpper()", ".Substring(1)", ".x("]
        )
    )
    prefix = draw(st.sampled_from(["", "", "-not ", "!", "-"]))
    return prefix + (f"({text}){suffix}" if suffix else text)


@st.composite
def _command(draw: Any) -> str:
    """A cmdlet of the registry or a local command, with real, abbreviated and wrong
    parameters, switches, colon-bound values and positional arguments."""
    name = draw(st.sampled_from(_CMDLETS + _LOCALS + _WRONG_NAMES))
    spec = REGISTRY.get(name.lower())
    params = [p.name for p in spec.params.values()] if spec else []
    if not spec:
        command = next((c for c in LOCAL_COMMANDS if name in (c.name, *c.aliases)), None)
        params = [p.name for p in command.params] if command else ["Identity"]
    parts = [name]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 9))
        if kind <= 4 and params:
            pname = draw(st.sampled_from(params))
            cut = draw(st.integers(1, len(pname)))
            pname = pname if kind <= 2 else pname[:cut]
            if draw(st.booleans()):
                parts.append(f"-{pname}:{draw(_value(1))}")
            else:
                parts += [f"-{pname}", draw(_value(1))]
        elif kind == 5:
            parts.append(f"-{draw(st.sampled_from(_COMMON))}")
        elif kind == 6:
            parts.append(draw(st.sampled_from(["-Nope", "-", "--x", "-Identity:", "-1"])))
        else:
            parts.append(draw(_value(1)))
    return " ".join(parts)


_filters = st.sampled_from(
    [
        "? { $_.Name -like 'a*' }",
        "Where-Object { $_.ActiveSyncEnabled -eq $true -and -not $_.Name }",
        "where Name -eq EX01",
        "select -First 2 Name,Identity",
        "Select-Object -ExpandProperty Name",
        "Select-Object @{Name='N';Expression={$_.Name.ToUpper()}}",
        "sort Name -Descending",
        "measure",
        "Measure-Object -Sum",
        "group Name",
        "% { $_.Name }",
        "% Name",
        "fl",
        "ft Name -AutoSize",
        "Out-String",
        "select -Skip 1 -Last 1",
    ]
)


@st.composite
def grammar_line(draw: Any) -> str:
    """A statement as an administrator would type it, right or wrong."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        head = draw(_expression())
    elif kind == 1:
        head = f"$x = {draw(_expression())}"
    else:
        head = draw(_command())
    stages = draw(st.lists(st.one_of(_filters, _command()), max_size=3))
    line = " | ".join([head, *stages])
    if draw(st.integers(0, 4)) == 0:
        line += "; " + draw(_command())
    return line


_GETS = [name for name in _CMDLETS if name.startswith("Get-")]


@st.composite
def valid_line(draw: Any) -> str:
    """A line more likely to run: a Get- cmdlet without arguments through filters, or an
    expression of numbers and strings."""
    if draw(st.booleans()):
        return " | ".join([draw(st.sampled_from(_GETS)), *draw(st.lists(_filters, max_size=3))])
    operand = st.one_of(st.integers(-1000, 1000).map(str), _strings, st.just("(1..5)"))
    parts = [draw(operand)]
    for _ in range(draw(st.integers(0, 3))):
        parts += [
            draw(st.sampled_from(["+", "-", "*", "/", "%", "-eq", "-lt", ".."])),
            draw(operand),
        ]
    return " ".join(parts)


# -- pathological lines ------------------------------------------------------------------------------
def _nested(opening: str, closing: str, inner: str = "1") -> st.SearchStrategy[str]:
    return st.sampled_from([50, 99, 101, 500, 3000, 20000]).map(
        lambda n: opening * n + inner + closing * n
    )


_pathological = st.one_of(
    _nested("(", ")"),
    _nested("{", "}"),
    _nested("$(", ")"),
    _nested("@(", ")"),
    _nested("@{a=", "}"),
    _nested("[", "]", "x"),
    _nested("-not ", "", "$true"),
    _nested("!", "", "1"),
    _nested("(", ""),
    _nested("{", ""),
    _nested('"$(', ')"'),
    st.sampled_from([1000, 100_000]).map(lambda n: "a" * n),
    st.sampled_from([1000, 100_000]).map(lambda n: "9" * n),
    st.sampled_from([1000, 100_000]).map(lambda n: "'" + "x" * n),
    st.sampled_from([1000, 100_000]).map(
        lambda n: "Get-CASMailbox " + "-Identity ann " * (n // 15)
    ),
    st.sampled_from([1000, 100_000]).map(lambda n: "1" + " -eq 1" * (n // 6)),
    st.sampled_from([1000, 100_000]).map(lambda n: ",".join(["1"] * (n // 2))),
    st.sampled_from([1000, 100_000]).map(lambda n: "|" * n),
    st.sampled_from([1000, 100_000]).map(lambda n: "`" * n),
    st.sampled_from([1000, 100_000]).map(lambda n: "Get-Date | " * (n // 11) + "fl"),
    st.sampled_from(
        [
            "1..100000000",
            "1..2147483647",
            "-2147483648..2147483647",
            "1..10000000000",
            "1..1e10",
            "(1..100000000).Count",
            "$x = 1..50000001",
            "1..1000000 | % { $_ }",
            "1..100000 | % { 1..100000 }",
            "1..100000 | Get-CASMailbox",
            ",1*1e9",
            ",1 * 1000000000",
            "@(1,2,3) * 1e9",
            "'a'*1e9",
            "'abc' * 2000000000",
            "'a' * -1",
            "$x = 'a' * 1000000; $x * 1000000",
            "$x = ,1 * 1000; $x * 1000000",
            "$s = { & $s }; & $s",
            "$x = @{}; $x.a = $x; $x",
            "Start-Sleep -Seconds 1e12",
            "Start-Sleep -Seconds 2147483647",
            "Start-Sleep -Milliseconds 99999999999",
            "Get-History -Count 1e12",
            "Select-Object -First 1e30",
            "Get-CASMailbox -ResultSize 1e30",
            "1e308 * 1e308",
            "1 / 0",
            "9" * 5000 + " + 1",
            "0x" + "F" * 5000,
            "'a' -match '(a+)+$' ",
            "'" + "a" * 50 + "b' -match '(a|a)*c'",
            "'x' -like '" + "*" * 5000 + "y'",
        ]
    ),
)

_TOKENS = st.sampled_from(
    list("$-|;,(){}[]@'\"`.=!#:%?*+/<>&\n\t \\ä€𝄞\x00")
    + ["-eq", "-and", "$_", "@{", "$(", "..", "Get-CASMailbox", "-Identity", "1", "'a'"]
)

#: Every kind of line, in proportions that keep most inputs meaningful.
LINES = st.one_of(
    valid_line(),
    grammar_line(),
    grammar_line(),
    grammar_line(),
    st.lists(_TOKENS, max_size=40).map("".join),
    st.text(max_size=80),
    _pathological,
)

# -- the catalogue ----------------------------------------------------------------------------------
CATALOGUE: tuple[BadInput, ...] = (
    BadInput("unclosed string", "'abc", "The string is missing the terminator: '."),
    BadInput("unclosed double-quoted string", '"abc', 'The string is missing the terminator: ".'),
    BadInput(
        "missing closing brace",
        "Get-CASMailbox | ? { $_.Name",
        "Missing closing '}' in statement block or type definition.",
    ),
    BadInput("missing closing parenthesis", "(1", "Missing closing ')' in expression."),
    BadInput("incomplete hashtable", "@{a=1", "The hash literal was incomplete."),
    BadInput("empty pipe element", "Get-CASMailbox |", "An empty pipe element is not allowed."),
    BadInput(
        "expression after a pipe",
        "Get-CASMailbox | 'a'",
        "Expressions are only allowed as the first element of a pipeline.",
    ),
    BadInput("unknown operator", "1 -foo 2", "Unexpected token '-foo' in expression or statement."),
    BadInput(
        "unknown cmdlet",
        "Get-Mailboxx",
        "The term 'Get-Mailboxx' is not recognized as the name of a cmdlet",
    ),
    BadInput(
        "unknown parameter",
        "Get-CASMailbox -Nope 1",
        "A parameter cannot be found that matches parameter name 'Nope'.",
    ),
    BadInput(
        "ambiguous parameter",
        "Set-CASMailbox ann -Active $true",
        "Parameter cannot be processed because the parameter name 'Active' is ambiguous.",
    ),
    BadInput(
        "missing argument",
        "Get-CASMailbox -Identity",
        "Missing an argument for parameter 'Identity'.",
    ),
    BadInput(
        "wrong type",
        "Set-CASMailbox ann -ActiveSyncEnabled maybe",
        "Cannot process argument transformation on parameter 'ActiveSyncEnabled'.",
    ),
    BadInput(
        "no positional parameter",
        "Get-Date 1 2",
        "A positional parameter cannot be found that accepts argument '2'.",
    ),
    BadInput("range too large", "1..100000000", "OutOfMemoryException"),
    BadInput("range endpoint not an Int32", "1..1e10", 'to type "System.Int32"'),
    BadInput("array too large", ",1 * 1e9", "OutOfMemoryException"),
    BadInput("string too large", "'a' * 1e9", "OutOfMemoryException"),
    BadInput(
        "too deep nesting",
        "(" * 3000 + "1" + ")" * 3000,
        "Processing was stopped because the script is too complex.",
    ),
    BadInput(
        "a 100,000-character line",
        "a" * 100_000,
        "(CommandNotFoundException)",
    ),
    BadInput("number beyond [double]", "9" * 5000, "is not valid."),
    BadInput("division by zero", "1 / 0", "Attempted to divide by zero."),
    BadInput(
        "too much work for one line",
        "1..1000000 | % { 1..1000 }",
        "The pipeline has been stopped.",
    ),
    BadInput(
        "sleep beyond the maximum",
        "Start-Sleep -Seconds 3000000",
        "Cannot validate argument on parameter 'Seconds'. The 3000000 argument is greater than "
        "the maximum allowed range of 2147483.",
    ),
    BadInput(
        "parameter value not an Int32",
        "Select-Object -First 1e12",
        "Cannot bind parameter 'First'. Cannot convert value \"1000000000000\" to type "
        '"System.Int32".',
    ),
    BadInput(
        "ambiguous parameter set",
        "Get-ActiveSyncDevice -Identity x -Mailbox ann",
        "Parameter set cannot be resolved using the specified named parameters.",
    ),
    BadInput(
        "missing mandatory parameter",
        "Remove-ActiveSyncDevice",
        "Cannot process command because of one or more missing mandatory parameters",
    ),
    BadInput("call depth", "1" + " + 1" * 5000, "The script failed due to call depth overflow."),
    BadInput(
        "catastrophic regular expression",
        "'" + "a" * 50 + "b' -match '(a|a)*c'; 1/0",
        "Attempted to divide by zero.",
    ),
)


def _as_is(line: str) -> str:
    """A corpus file holds the line itself (read it back with newline="" to keep \\r)."""
    return line


TARGET = FuzzTarget(
    name="shell", strategy=LINES, check=check, dump=_as_is, load=_as_is, catalogue=CATALOGUE
)
