"""Shrinking a failing scenario to a small one that still breaks the same invariant.

Delta debugging over the scenario as data, greedily: try one simplification at a time —
fewer generated users and devices, each fault removed, each turbulence step removed, the
named users no step needs removed, fewer servers, the turbulence compressed — and keep it
when the run still violates the *same* invariant. The set-up (package, setup, wizard) and the
repair at the end are never removed: without them a convergence or reconnection failure
would be trivially true of any world, and the reproducer would say nothing.

Every candidate is a full run, so the budget is counted in runs (`max_runs`); shrinking is
deterministic (same input ⇒ same candidates in the same order ⇒ same minimum).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulator.explore.check import SeedResult, check
from simulator.explore.generate import Generated

PROTECTED = ("download_package", "install")


@dataclass
class Shrunk:
    """The smallest failing plan found, its result, and how many runs it took."""

    plan: Generated
    result: SeedResult
    runs: int
    steps: int  # simplifications kept


def device_count(plan: Generated) -> int:
    """Devices the scenario makes: the population's (expected) and the steps' partnerships."""
    pop = plan.scenario["world"].get("population", {})
    generated = round(pop.get("users", 50) * pop.get("devices_per_user", 1.5))
    made = sum(1 for s in plan.scenario["steps"] if s.get("do") == "new_partnership")
    return generated + made


def fault_count(plan: Generated) -> int:
    faults = len(plan.scenario.get("faults", []))
    world_steps = sum(
        1
        for s in plan.scenario["steps"]
        if s.get("do") in ("proxy_moved", "proxy_password_changed", "fault", "server_down")
    )
    return faults + world_steps


def _is_repair(plan: Generated, index: int) -> bool:
    """The steps at the repair moment (and the set-up) stay."""
    steps = plan.scenario["steps"]
    moment = 0.0
    for i, step in enumerate(steps):
        if "at" in step:
            moment = float(str(step["at"]).rstrip("s"))
        if i == index:
            return moment >= plan.repair_at or (
                moment == 0 and step.get("do") in (*PROTECTED, "configure")
            )
    return False


def _candidates(plan: Generated) -> Iterator[tuple[str, Generated]]:
    data = plan.scenario

    def variant(
        change: Callable[[dict[str, Any]], None], repair_at: float | None = None
    ) -> Generated:
        new = copy.deepcopy(data)
        change(new)
        out = Generated(
            plan.seed, new, plan.repair_at if repair_at is None else repair_at, plan.end_at
        )
        return out

    turbulence = plan.repair_at - 1800
    for factor in (0.1, 0.25, 0.5):
        if turbulence * factor >= 1800:
            yield f"turbulence × {factor}", _compressed(plan, factor)
    pop = data["world"].get("population", {})
    users = pop.get("users", 50)
    for target in (0, users // 4, users // 2):
        if target < users:
            yield (
                f"population users {users} → {target}",
                variant(
                    lambda d, t=target: d["world"].setdefault("population", {}).update(users=t)
                ),
            )
    per_user = pop.get("devices_per_user", 1.5)
    if per_user > 0.5:
        yield (
            f"devices per user {per_user} → 0.5",
            variant(lambda d: d["world"].setdefault("population", {}).update(devices_per_user=0.5)),
        )
    faults = list(range(len(data.get("faults", []))))
    for chunk in _chunks(faults):
        yield (
            f"faults {[i + 1 for i in chunk]} removed",
            variant(
                lambda d, c=chunk: d.update(
                    faults=[f for i, f in enumerate(d["faults"]) if i not in c]
                )
            ),
        )
    removable = [
        i for i, step in enumerate(data["steps"]) if "at" not in step and not _is_repair(plan, i)
    ]
    for chunk in _chunks(removable):
        yield (
            f"steps {[i + 1 for i in chunk]} removed",
            variant(
                lambda d, c=chunk: d.update(
                    steps=[st for i, st in enumerate(d["steps"]) if i not in c]
                )
            ),
        )
    # `at:` steps left with nothing to time: merge them into the next one
    for i in range(len(data["steps"]) - 2, -1, -1):
        if "at" in data["steps"][i] and "at" in data["steps"][i + 1]:
            yield (
                f"empty moment {data['steps'][i]['at']} removed",
                variant(lambda d, i=i: d["steps"].pop(i)),
            )
    named = [a for a in data["world"]["directory"].get("accounts", []) if "mailbox" in a]
    text = repr(data["steps"]) + repr(data.get("faults", []))
    for account in named:
        user = account["name"].split("\\", 1)[1]
        if user not in text:
            yield (
                f"account {account['name']} removed",
                variant(
                    lambda d, n=account["name"]: d["world"]["directory"].update(
                        accounts=[a for a in d["world"]["directory"]["accounts"] if a["name"] != n]
                    )
                ),
            )
    servers = data["world"]["exchange"].get("servers", [])
    if len(servers) > 1:
        yield (
            f"servers {len(servers)} → 1",
            variant(
                lambda d: d["world"]["exchange"].update(
                    servers=d["world"]["exchange"]["servers"][:1]
                )
            ),
        )


def _chunks(items: list[int]) -> Iterator[list[int]]:
    """All of them, then halves, quarters, … down to single items (delta debugging's order)."""
    if not items:
        return
    size = len(items)
    seen: set[tuple[int, ...]] = set()
    while size >= 1:
        for begin in range(0, len(items), size):
            chunk = tuple(items[begin : begin + size])
            if chunk not in seen:
                seen.add(chunk)
                yield list(chunk)
        if size == 1:
            break
        size //= 2


def _compressed(plan: Generated, factor: float) -> Generated:
    """Every moment of the turbulence scaled by `factor`; the repair and quiet follow it."""
    data = copy.deepcopy(plan.scenario)
    start = 1800.0
    repair = start + (plan.repair_at - start) * factor

    def moved(seconds: float) -> float:
        if seconds <= start:
            return seconds
        if seconds >= plan.repair_at:
            return repair + (seconds - plan.repair_at)
        return start + (seconds - start) * factor

    def sec(text: Any) -> float:
        return float(str(text).rstrip("s"))

    for step in data["steps"]:
        if "at" in step:
            step["at"] = f"{int(moved(sec(step['at'])))}s"
        if step.get("lasting"):
            step["lasting"] = f"{max(60, int(sec(step['lasting']) * factor))}s"
    for fault in data.get("faults", []):
        for key in ("at", "until"):
            if key in fault:
                fault[key] = f"{int(moved(sec(fault[key])))}s"
    out = Generated(plan.seed, data, repair, moved(plan.end_at))
    return out


def shrink(
    plan: Generated, invariant: str, plant: str | None = None, max_runs: int = 400
) -> Shrunk:
    """The smallest variant of `plan` found that still violates `invariant`."""
    best = plan
    result = check(plan, plant)
    runs, kept = 1, 0
    if invariant not in result.invariants:
        raise ValueError(
            f"the plan does not violate {invariant} (it violates {result.invariants or 'nothing'})"
        )
    progress = True
    while progress and runs < max_runs:
        progress = False
        for _why, candidate in _candidates(best):
            if runs >= max_runs:
                break
            try:
                outcome = check(candidate, plant)
            except ValidationError:
                continue  # a simplification that leaves a dangling name: not a scenario
            runs += 1
            if invariant in outcome.invariants:
                best, result, kept, progress = candidate, outcome, kept + 1, True
                break  # start over from the smaller plan
    return Shrunk(best, result, runs, kept)
