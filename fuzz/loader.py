"""Fuzzing the scenario loader with mutations of the library's own files, and raw bytes.

Why mutations of real files: random YAML is refused at its first line and tests little; a
library file with one key renamed, one value of the wrong type, a date that does not exist
or an alias bomb in one corner goes deep into the schema, and then into building the world.

``check`` never writes into the repository: the input is parsed from memory (the name it is
reported under is ``fuzz.yaml``). An input the loader accepts must also build its world and
run briefly (:data:`RUN_SIMULATED` of simulated time, the rest is cut short): "accepted"
means the twin can do something with it, not just that the schema let it through.
"""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from fuzz.common import BadInput, FuzzTarget, Outcome

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted((ROOT / "scenarios").rglob("*.yaml"))
FILE = "fuzz.yaml"
#: Simulated seconds an accepted scenario runs before the fuzzer moves on (0: build only).
RUN_SIMULATED = 2 * 3600.0


def _texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in LIBRARY]


TEXTS = _texts()
DATA = [yaml.safe_load(t) for t in TEXTS]

# -- structural mutations (on the parsed data, dumped back to YAML) --------------------------------
WEIRD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "ünïcødé",
        "名前",
        "\u202etxet",
        "zero\u200bwidth",
        "emoji 🧨",
        "a" * 300,
        "~",
        "null",
        "yes",
        "0x1F",
        "1e400",
        "2016-02-30",
        "2016-13-01T00:00:00Z",
        "2016-05-02T10:00:00",
        "-1h",
        "99999999999999999999d",
        "1.5.2s",
        "DOMAIN\\",
        "../../etc/passwd",
        "C:\\Windows",
        "${HOME}",
        "%s%s%n",
    ]
) | st.text(max_size=20)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 65536, 2**31, 2**63, 10**100, -(10**100)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALARS = st.one_of(NUMBERS, WEIRD_TEXT, st.booleans(), st.none(), st.dates(), st.datetimes())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WEIRD_TEXT, inner, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        node = node[p]
    return node


def _typo(key: str, n: int) -> str:
    if not key:
        return "x"
    i = n % len(key)
    return [
        key[:i] + key[i + 1 :],
        key[:i] + key[i] + key[i:],
        key.upper(),
        key + "s",
        key.replace("_", "-"),
        key[:i] + "é" + key[i + 1 :],
    ][n % 6]


@st.composite
def structural(draw: Any) -> bytes:
    data = yaml.safe_load(TEXTS[draw(st.integers(0, len(TEXTS) - 1))])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = paths[draw(st.integers(0, len(paths) - 1))]
        op = draw(st.sampled_from(["rename", "delete", "replace", "replace", "nest", "bloat"]))
        if not path:
            if op == "replace":
                data = draw(VALUES)
            continue
        parent, last = _get(data, path[:-1]), path[-1]
        if op == "rename" and isinstance(parent, dict):
            parent[_typo(str(last), draw(st.integers(0, 50)))] = parent.pop(last)
        elif op == "delete":
            del parent[last]
        elif op in ("replace", "rename"):
            parent[last] = draw(VALUES)
        elif op == "nest":
            value: Any = parent[last]
            for _ in range(draw(st.integers(2, 120))):
                value = [value] if draw(st.booleans()) else {"k": value}
            parent[last] = value
        else:  # bloat: a long list of copies
            parent[last] = [parent[last]] * draw(st.integers(2, 300))
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
    except (yaml.YAMLError, ValueError, OverflowError):
        return b"name: x\n"


# -- textual mutations (what a data round trip cannot make: duplicates, tags, aliases, bytes) -----
BOMB = b'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n".encode()
    for i in range(8)
)
SNIPPETS = [
    b"!!python/object/apply:os.system ['echo pwned']",
    b"!!python/name:os.system",
    b"!!binary aGVsbG8=",
    b"!!set {a, b}",
    b"!!omap [a: 1]",
    b"!custom value",
    b"!!float nope",
    b"!!int 0b2",
    b"!!timestamp 2016-02-30",
    b"&x [*x]",
    b"*undefined",
    b"<<: *nowhere",
    b"{[1]: x}",
    b"? [a, b]\n: c",
    b"9" * 5000,
    b"1e999999",
    b"-.inf",
    b".nan",
    b"2016-02-30",
    b"2016-05-02 25:61:61",
    b"0o777777777777777777777777777",
    b"'unterminated",
    b'"bad \\xZZ escape"',
    b"\t tab",
    b"%YAML 1.1\n---",
    b"---\n---",
    b"...",
    b"[" * 200,
    b"{a: " * 100,
    b"\xff\xfe",
    b"\xc3\x28",
    b"\x00",
    b"\x07\x1b",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
]


@st.composite
def textual(draw: Any) -> bytes:
    text = TEXTS[draw(st.integers(0, len(TEXTS) - 1))].encode("utf-8")
    lines = text.split(b"\n")
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        op = draw(
            st.sampled_from(
                ["duplicate", "snippet", "snippet", "truncate", "bytes", "bomb", "indent"]
            )
        )
        if op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "snippet":
            line = lines[i]
            colon = line.find(b": ")
            snippet = draw(st.sampled_from(SNIPPETS))
            lines[i] = line[: colon + 2] + snippet if colon >= 0 else snippet
        elif op == "truncate":
            joined = b"\n".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].split(b"\n")
        elif op == "bytes":
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.binary(min_size=1, max_size=4)) + line[at:]
        elif op == "bomb":
            lines[0:0] = BOMB.rstrip(b"\n").split(b"\n")
        else:
            lines[i] = b" " * draw(st.integers(1, 7)) + lines[i]
    return b"\n".join(lines)


RAW = st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8"))
STRATEGY = st.one_of(structural(), structural(), textual(), textual(), RAW)


# -- judging -----------------------------------------------------------------------------------
class _Enough(Exception):
    """The brief run of an accepted scenario is over (not an error of the scenario)."""


def _run_briefly(scenario: Any) -> None:
    """Run the scenario for RUN_SIMULATED seconds of simulated time, then stop it.

    Stopped by a simulated-time process that raises between two events (never a wall-clock
    alarm: that could land inside the run's clean-up and leave the clock frozen)."""
    from simulator.run.runner import Runner

    runner = Runner(scenario, freeze=False)

    def stop() -> Any:
        yield runner.env.timeout(RUN_SIMULATED)
        raise _Enough()

    runner.env.process(stop())
    with contextlib.suppress(_Enough):
        runner.run()


def check(data: bytes) -> Outcome:
    """Load the bytes as a scenario file; when accepted, build its world and run briefly."""
    from simulator.language.loader import ScenarioError, parse_scenario_bytes
    from simulator.run.buildcheck import check_world

    try:
        scenario = parse_scenario_bytes(data, FILE)
        check_world(scenario, lambda: _root_of(data))
    except ScenarioError as exc:
        return _judge_error(exc)
    if RUN_SIMULATED > 0:
        _run_briefly(scenario)
    return Outcome("accepted")


def _root_of(data: bytes) -> Any:
    from simulator.language import yamlsafe

    return yamlsafe.load(yamlsafe.decode(data))[1]


def _judge_error(exc: Exception) -> Outcome:
    """A clean error names the file, a line and a column, then says what is wrong."""
    text = str(exc)
    line = getattr(exc, "line", None)
    if not text.startswith(f"{FILE}:") or not line or not getattr(exc, "column", None):
        return Outcome("no_location", text[:300])
    if "Traceback" in text or len(text) > 2000:
        return Outcome("unexpected_exception", "a message with a traceback or far too long")
    return Outcome("clean_error", text)


def dump(data: bytes) -> str:
    """A corpus entry as text: the file itself when it is UTF-8, else base64 after a marker."""
    try:
        text = data.decode("utf-8")
        if "\0" not in text and not text.startswith("#!base64\n"):
            return text
    except UnicodeDecodeError:
        pass
    return "#!base64\n" + base64.b64encode(data).decode("ascii") + "\n"


def load(text: str) -> bytes:
    if text.startswith("#!base64\n"):
        return base64.b64decode(text.removeprefix("#!base64\n"))
    return text.encode("utf-8")


def _lib(name: str) -> str:
    return next(t for p, t in zip(LIBRARY, TEXTS, strict=True) if p.name == name)


CATALOGUE = (
    BadInput("alias bomb", BOMB + b"name: x\n", "an alias bomb"),
    BadInput("recursive alias", b"name: x\ntags: &t [*t]\n", "recursive structure"),
    BadInput(
        "nesting too deep", b"name: x\ntags: " + b"[" * 100 + b"]" * 100 + b"\n", "levels deep"
    ),
    BadInput(
        "duplicated key", b"name: x\nseed: 1\nseed: 2\n", "duplicated key 'seed' (first at line 2)"
    ),
    BadInput("binary file", b"name: x\n\x00\x01\x02", "a binary file"),
    BadInput("not UTF-8", b"name: caf\xe9\n", "not UTF-8 text"),
    BadInput("control character", b"name: x\x07\n", "control character U+0007"),
    BadInput("file too large", b"name: x\n" + b"#" * (1024 * 1024), "at most 1,048,576"),
    BadInput(
        "Python object tag",
        b"name: !!python/object/apply:os.system [ls]\n",
        "could not determine a constructor",
    ),
    BadInput(
        "date that does not exist",
        b"name: x\nstart: 2016-02-30T08:00:00Z\n",
        "cannot read '2016-02-30T08:00:00Z' as a timestamp",
    ),
    BadInput("integer of 5,000 digits", b"name: x\nseed: " + b"9" * 5000 + b"\n", "cannot read"),
    BadInput("not a mapping", b"- just\n- a list\n", "must be a mapping"),
    BadInput("YAML syntax", b"name: x\nsteps: [\n", "not valid YAML"),
    BadInput("two documents", b"name: x\n---\nname: y\n", "expected a single document"),
    BadInput("unknown key", b"name: x\nstpes: []\n", "unknown key 'stpes'; did you mean steps"),
    BadInput("missing field", b"summary: no name\n", "name: this field is required"),
    BadInput(
        "misspelled action",
        b"name: x\nsteps:\n  - advance: 1m\n  - do: instal\n",
        "fuzz.yaml:4:9: steps[1].do: step 2: unknown action 'instal'",
    ),
    BadInput("wrong type", b"name: x\nseed: lots\n", "seed: Input should be a valid integer"),
    BadInput("infinite number", b"name: x\nworld:\n  network: {lan_rtt: .inf}\n", "finite number"),
    BadInput(
        "proxy port out of range",
        b"name: x\nsteps:\n  - do: configure\n    exchange: {server: ex01}\n"
        b"    account: {user: CONTOSO\\svc, password: p}\n    proxy: {address: p, port: 70000}\n",
        "less than or equal to 65535",
    ),
    BadInput("misspelled choice", b"name: x\nprofile: '2017'\n", "did you mean"),
    BadInput("unsafe scenario name", b"name: ../../etc/x\n", "trace's file name"),
)


TARGET = FuzzTarget(
    name="loader",
    strategy=STRATEGY,
    check=check,
    budget=10.0,
    dump=dump,
    load=load,
    catalogue=CATALOGUE,
)
