"""Ordering a stored time against a date compares numbers, with the datetime's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from simulator.exchange.opath import TimeProperty, _compare, compile_filter

EPOCH = datetime(2016, 5, 2, 8, 0, tzinfo=UTC)


def _dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else EPOCH + timedelta(seconds=seconds)


@pytest.mark.parametrize("op", ["-gt", "-lt", "-ge", "-le"])
def test_the_number_comparison_agrees_with_the_datetime_one_even_at_the_boundary(op: str) -> None:
    prop = TimeProperty(lambda o: o.t, EPOCH, _dt)
    literal = "2016-05-02T10:00:00"
    bound = 7200.0
    values = [None, 0.0, bound - 1, bound, bound + 1, bound + 1e-7, bound - 1e-7, bound + 4e-7]
    values += [bound + 6e-7, bound - 6e-7, bound + 0.0005, bound + 0.002, 1e9]
    predicate = compile_filter(f"WhenChanged {op} '{literal}'", {"WhenChanged": prop})
    for value in values:
        obj = SimpleNamespace(t=value)
        assert predicate(obj) == _compare(op, _dt(value), literal), value


def test_equality_and_unparsable_dates_take_the_general_path() -> None:
    prop = TimeProperty(lambda o: o.t, EPOCH, _dt)
    getters = {"WhenChanged": prop}
    assert compile_filter("WhenChanged -eq '2016-05-02T08:00:01'", getters)(SimpleNamespace(t=1.0))
    assert not compile_filter("WhenChanged -gt 'soon'", getters)(SimpleNamespace(t=1.0))
