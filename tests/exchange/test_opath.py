"""-Filter: the OPATH subset equals a plain Python filter over the same data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.exchange.opath import compile_filter
from tests.exchange.conftest import connect, make_world

_WORLD = make_world(population={"users": 40, "devices_per_user": 1.2})
_SESSION = connect(_WORLD)
_MAILBOXES = [m for m in _WORLD.org.mailboxes if m.domain == "contoso.local"]
for _i, _m in enumerate(_MAILBOXES):  # vary the flags the filters look at
    _m.pop_enabled = _i % 3 != 0
    _m.activesync_enabled = _i % 5 != 0

Leaf = tuple[str, Callable[[Any], bool]]

_BOOLS = {
    "ActiveSyncEnabled": lambda m: m.activesync_enabled,
    "PopEnabled": lambda m: m.pop_enabled,
    "HasActiveSyncDevicePartnership": lambda m: bool(m.devices),
}
_STRINGS = {
    "Name": lambda m: m.name,
    "Alias": lambda m: m.alias,
    "ServerName": lambda m: m.server.lower(),
}


@st.composite
def leaves(draw: Any) -> Leaf:
    kind = draw(st.sampled_from(["bool", "string", "like", "date"]))
    if kind == "bool":
        prop = draw(st.sampled_from(sorted(_BOOLS)))
        value = draw(st.booleans())
        op = draw(st.sampled_from(["-eq", "-ne"]))
        get = _BOOLS[prop]
        text = f"{prop} {op} ${str(value).lower()}"
        return text, (lambda m: get(m) == value) if op == "-eq" else (lambda m: get(m) != value)
    if kind in ("string", "like"):
        prop = draw(st.sampled_from(sorted(_STRINGS)))
        get = _STRINGS[prop]
        sample = draw(st.sampled_from(_MAILBOXES))
        target = get(sample)
        if kind == "like":
            prefix = target[: draw(st.integers(0, 4))]
            quoted = prefix.replace("'", "''")
            return f"{prop} -like '{quoted}*'", lambda m: get(m).lower().startswith(prefix.lower())
        text = target.swapcase() if draw(st.booleans()) else target
        quoted = text.replace("'", "''")
        return f"{prop} -eq '{quoted}'", lambda m: get(m).lower() == target.lower()
    days = draw(st.integers(0, 2000))
    cut = _WORLD.org.epoch - timedelta(days=days)
    op = draw(st.sampled_from(["-gt", "-lt"]))
    text = f"WhenCreated {op} '{cut.strftime('%m/%d/%Y %H:%M:%S')}'"

    def created(m: Any) -> datetime:
        when = _WORLD.org.dt(m.when_created)
        assert when is not None
        return when

    return text, (lambda m: created(m) > cut) if op == "-gt" else (lambda m: created(m) < cut)


def combine(children: Any) -> Any:
    def pair(op: str) -> Any:
        def build(a: Leaf, b: Leaf) -> Leaf:
            fa, fb = a[1], b[1]
            if op == "-and":
                return f"({a[0]}) -and ({b[0]})", lambda m: fa(m) and fb(m)
            return f"({a[0]}) -or ({b[0]})", lambda m: fa(m) or fb(m)

        return st.builds(build, children, children)

    def negate(a: Leaf) -> Leaf:
        fa = a[1]
        return f"-not ({a[0]})", lambda m: not fa(m)

    return st.one_of(pair("-and"), pair("-or"), st.builds(negate, children))


@settings(max_examples=120, deadline=None)
@given(st.recursive(leaves(), combine, max_leaves=5))
def test_filter_equals_a_python_filter(case):
    text, predicate = case
    found = _SESSION.invoke("Get-CASMailbox", {"Filter": text, "ResultSize": "Unlimited"})
    assert [v["Identity"] for v in found] == [m.identity for m in _MAILBOXES if predicate(m)], text


def test_multivalued_properties_and_null():
    getters = {"Ids": lambda o: o["ids"], "Name": lambda o: o["name"]}
    empty, full = {"ids": [], "name": None}, {"ids": ["A1", "B2"], "name": "x"}
    assert compile_filter("Ids -eq $null", getters)(empty) is True
    assert compile_filter("Ids -eq 'b2'", getters)(full) is True
    assert compile_filter("Ids -ne 'A1'", getters)(full) is False
    assert compile_filter("Name -eq $null", getters)(empty) is True
    assert compile_filter("Name -like 'X*' -and -not (Ids -eq $null)", getters)(full) is True
