"""The whole answer about a device: the world's chains with the trace's history, as a dict
(`--json`) and as text; and what a saved trace alone can say about it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.language.schema import Scenario
from simulator.run.why.chain import exchange_chain, find_device, intune_chain
from simulator.run.why.history import (
    LIST_PARAMETERS,
    device_history,
    mentions,
    params_text,
    reporting_sync,
)
from simulator.run.why.moment import WhyError, at_moment, trace_until
from simulator.world.durations import format_time

if TYPE_CHECKING:
    from simulator.run.runner import Runner


def explain_device(
    scenario: Scenario, device_id: str, at: str | None = None, seed: int | None = None
) -> dict[str, Any]:
    """Run the scenario to `at` (or its end) and explain the device (see the module doc)."""

    def capture(runner: Runner) -> dict[str, Any]:
        world = runner.world
        found = find_device(world, device_id)
        now = world.clock.now()
        return {
            "exchange": exchange_chain(found[0], found[1], world.clock.seconds) if found else None,
            "intune": intune_chain(
                world.intune, device_id, now, found[1].mailbox.upn if found else None
            ),
            "at": format_time(now),
        }

    answer, events, _ = at_moment(scenario, at, seed, capture)
    if (
        answer["exchange"] is None
        and not answer["intune"]["reported"]
        and not any(
            e["kind"] == "cmdlet" and mentions(e.get("params"), device_id.lower()) for e in events
        )
    ):
        raise WhyError(f"no device {device_id} in {scenario.name} at {answer['at']}")
    answer["device_id"] = device_id
    answer["scenario"] = scenario.name
    answer["history"] = device_history(events, device_id)
    answer["sync"] = reporting_sync(events, answer["intune"]["last_sync"])
    answer["put_there_by"] = _put_there_by(answer, events)
    return answer


def _put_there_by(answer: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """For a list decision: the last cmdlet that added the device to that list, and the Intune
    command whose completion the connector reported next (None when the trace holds neither)."""
    ex = answer["exchange"]
    parameter = LIST_PARAMETERS.get(ex["decided_by"]) if ex else None
    if parameter is None:
        return None
    key = answer["device_id"].lower()
    cmdlet = None
    for e in events:
        value = (e.get("params") or {}).get(parameter) if e["kind"] == "cmdlet" else None
        added = value.get("Add") if isinstance(value, dict) else value
        if added is not None and mentions(added, key):
            cmdlet = e
    if cmdlet is None:
        return {"cmdlet": None, "t": None, "command": None}
    command = next(
        (
            c
            for c in answer["intune"]["commands"]
            if c["completed"] and c["completed"] >= cmdlet["t"] and c["issued"] <= cmdlet["t"]
        ),
        None,
    )
    return {
        "cmdlet": f"{cmdlet['cmdlet']} {params_text(cmdlet.get('params') or {})}",
        "t": cmdlet["t"],
        "host": cmdlet.get("host"),
        "command": command,
    }


def format_device(answer: dict[str, Any]) -> str:
    """The answer as text, one link of the chain per paragraph."""
    lines = [f"{answer['device_id']} in {answer['scenario']} at {answer['at']}", ""]
    ex = answer["exchange"]
    if ex is None:
        if answer["intune"] is not None:
            lines.append("Exchange: no such device in any organisation at this moment")
    else:
        rep = ex["reported"]
        state = (
            f"{rep['state']} ({rep['reason']}{', rule ' + rep['rule'] if rep['rule'] else ''})"
            if rep
            else "no partnership"
        )
        lines.append(f"Exchange ({ex['organization']}, mailbox {ex['mailbox']}): reports {state}")
        for n, step in enumerate(ex["order"], start=1):
            lines.append(f"  {n}. {step['what']}: {step['facts']} — {step['outcome']}")
        cached = f", cached until {ex['cached_until']}" if ex["cached_until"] else ""
        lines.append(
            f"  the device gets {ex['effective']} now (last served {ex['served'] or 'never'}"
            f"{cached})"
        )
    put = answer.get("put_there_by")
    if put is not None:
        if put["cmdlet"] is None:
            lines.append("  put on the list by: unknown (no cmdlet in the trace added it)")
        else:
            cmd = put["command"]
            lines.append(f"  put on the list by {put['cmdlet']} at {put['t']} [{put['host']}]")
            lines.append(
                "    carrying out Intune's "
                + (
                    f"{cmd['type']} command issued {cmd['issued']} (reason {cmd['reason']}), "
                    f"reported done {cmd['completed']}"
                    if cmd
                    else "command: unknown (no Intune command was open then)"
                )
            )
    lines.append("")
    lines.append("Commands that touched it (trace):")
    for h in answer["history"]:
        err = f" — error: {h['error']}" if h["error"] else ""
        by = f" [{h['by']}]" if h["by"] else ""
        lines.append(f"  {h['t']} {h['what']}{by}{err}")
    if not answer["history"]:
        lines.append("  none")
    lines.append("")
    it = answer["intune"]
    if it is None:
        lines.append(
            "Exchange's and Intune's decisions: unknown from a trace alone (ask with --scenario)"
        )
        return "\n".join(lines)
    if not it["reported"]:
        lines.append("Intune: no record — no connector sync reported the device")
    else:
        lines.append(
            f"Intune: record for {it['upn']} (Exchange first sync "
            f"{it['first_sync'] or 'unknown'}), last reported {it['last_sync']}"
        )
        sync = answer["sync"]
        if sync is not None:
            lines.append(
                f"  reported by the upload at {sync['t']} from {sync['host'] or 'unknown host'}"
                f" (connector jobs: {', '.join(sync['jobs']) if sync['jobs'] else 'unknown'})"
            )
        tg = it["targeting"] or {}
        lines.append(
            f"  conditional access {'on' if it['conditional_access'] else 'off'}; targeted: "
            f"{it['targeted']} (licensed {tg.get('licensed')}, included groups "
            f"{tg.get('included_groups') or 'none'}, excluded groups "
            f"{tg.get('excluded_groups') or 'none'}); governable: {it['governed']}"
        )
        lines.append(
            f"  enrolled: {it['enrolled']}; compliant: "
            f"{'unknown (not enrolled)' if it['compliant'] is None else it['compliant']}"
        )
        d = it["decision"]
        if d is not None:
            exc = d["platform_exception"]
            lines.append(
                f"  decision: {d['access']} ({d['reason']}; unmanaged devices: "
                f"{d['unmanaged_access']}"
                f"{'; platform exception ' + exc['name'] if exc else ''})"
            )
        else:
            lines.append("  decision: none (Intune does not decide this device)")
    for c in it["commands"]:
        lines.append(
            f"  command {c['type']} issued {c['issued']} (reason {c['reason'] or 'unknown'}"
            f"{', user notified' if c['notify_user'] else ''}): {c['state']}"
            f"{' at ' + c['completed'] if c['completed'] else ''}"
            f"{' — ' + c['error'] if c['error'] else ''}"
        )
    lines.append("")
    lines.append("What would change the outcome:")
    for item in [*(ex["what_would_change"] if ex else []), *it["what_would_change"]]:
        lines.append(f"  - {item}")
    return "\n".join(lines)


def device_from_trace(
    events: list[dict[str, Any]], device_id: str, at: str | None = None
) -> dict[str, Any]:
    """What a saved trace alone says about the device: its history (the decisions are the
    world's, which a trace does not hold)."""
    when, events = trace_until(events, at)
    history = device_history(events, device_id)
    if not history:
        raise WhyError(f"the trace never names a device {device_id} (up to {when})")
    name = next((e.get("scenario") for e in events if e["kind"] == "run.start"), None)
    return {
        "device_id": device_id,
        "scenario": name,
        "at": when,
        "exchange": None,
        "intune": None,
        "history": history,
        "sync": None,
        "put_there_by": None,
    }
