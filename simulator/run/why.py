"""`exchange-twin why`: the causal chain behind a device's access state and Intune record,
and behind a connection that does not sync — from facts only.

Two sources, each used for what it knows:

* **the world**, re-run from the scenario and stopped at the moment asked about: Exchange's
  own decision (`exchange.access.decide`, in Exchange's order) and Intune's
  (`intune.access.decide`), the targeting, the enrolment, the inventory record. "What would
  change the outcome" is the same decision taken again with one fact removed (the list entry,
  the rule, the platform exception, the enrolment), so it is computed, never guessed;
* **the trace**, for history: which cmdlet put the device on a list, which Intune command
  asked for it and when, which sync uploaded the record, which call failed and which fault
  was active then.

A link that neither source holds is reported as unknown (`None` in `--json`, "unknown" in
the text) rather than inferred. With a saved trace only (`--trace`), the world's decisions
are not available and only the trace's history is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.exchange.access import decide as exchange_decide
from simulator.exchange.model import Device, Organization
from simulator.exchange.observe import effective_state
from simulator.intune.access import ManagedDevice, governable, platform_of
from simulator.intune.access import decide as intune_decide
from simulator.intune.service import IntuneService
from simulator.language.moments import check_moment, moment_seconds
from simulator.language.schema import Scenario
from simulator.world.durations import format_time

if TYPE_CHECKING:
    from simulator.run.runner import Runner
    from simulator.world.world import World

EXCHANGE_ORDER = (
    ("policy", "the mailbox policy's criteria (a device that cannot be provisioned)"),
    ("block_list", "the user's blocked device list (ActiveSyncBlockedDeviceIDs)"),
    ("allow_list", "the user's allowed device list (ActiveSyncAllowedDeviceIDs)"),
    ("discovery", "Device Discovery (a new partnership before Exchange has its details)"),
    ("rules", "device access rules: Block, then Quarantine, then Allow"),
    ("default", "the organisation's default access level"),
)


class WhyError(Exception):
    """A question that cannot be answered: an unknown device, a moment outside the run."""


# -- running to the moment asked about ----------------------------------------------------------
def at_moment(
    scenario: Scenario, at: str | None, seed: int | None, capture: Any
) -> tuple[Any, list[dict[str, Any]], Runner]:
    """Run `scenario` and call `capture(runner)` at `at` (a duration from the start or an
    aware time; None: the end of the run). Returns (what capture gave, the trace's events up
    to that moment, the runner)."""
    # imported here: the HTML report reads `device_history` without loading the runner
    from simulator.run.runner import Runner, _Late

    runner = Runner(scenario, seed)
    taken: list[Any] = []
    seconds: float | None = None
    if at is not None:
        try:
            moment = check_moment("--at", at)
        except ValueError as exc:
            raise WhyError(str(exc)) from None
        seconds = moment_seconds(moment, runner.world.clock.start)
        assert seconds is not None

        def late() -> Iterator[Any]:
            yield _Late(runner.env, seconds)
            taken.append((capture(runner), len(runner.world.trace.events)))

        runner.env.process(late())
    runner.run()
    if seconds is not None and not taken:
        raise WhyError(
            f"--at {at}: the run ended at {runner.world.clock.iso()}, before that moment"
        )
    if not taken:
        taken.append((capture(runner), len(runner.world.trace.events)))
    value, count = taken[0]
    return value, runner.world.trace.events[:count], runner


# -- the device ----------------------------------------------------------------------------------
def find_device(world: World, device_id: str) -> tuple[Organization, Device] | None:
    key = device_id.lower()
    for org in world.organizations:
        fleet = world.organizations.fleet_of(org)
        for device in fleet.devices if fleet is not None else org.devices():
            if device.device_id.lower() == key:
                return org, device
    return None


@contextmanager
def _without(entries: list[str], device_id: str) -> Iterator[None]:
    """The list without the device's entries, restored afterwards (a what-if)."""
    kept = list(entries)
    entries[:] = [e for e in entries if e.lower() != device_id.lower()]
    try:
        yield
    finally:
        entries[:] = kept


@contextmanager
def _without_rule(org: Organization, rule: Any) -> Iterator[None]:
    kept = list(org.rules)
    org.rules[:] = [r for r in org.rules if r is not rule]
    org.rules_changed()
    try:
        yield
    finally:
        org.rules[:] = kept
        org.rules_changed()


def _state(decision: Any) -> dict[str, Any]:
    return {
        "state": decision.state,
        "reason": decision.reason,
        "rule": decision.rule.name if decision.rule else None,
    }


def exchange_chain(org: Organization, device: Device, now: float) -> dict[str, Any]:
    """Exchange's decision for the device, each check in Exchange's order with its facts, the
    one that decided, and the decision again without the fact that decided it."""
    mailbox = device.mailbox
    decision = exchange_decide(org, device, now)
    policy = org.policy_of(mailbox)
    allows_np = bool(policy is not None and policy.settings.get("AllowNonProvisionableDevices"))
    matches = org.matching_rules(device)
    decided = {
        "Policy": "policy",
        "DeviceDiscovery": "discovery",
        "DeviceRule": "rules",
        "Global": "default",
    }.get(decision.reason)
    if decision.reason == "Individual":
        decided = "block_list" if decision.state == "Blocked" else "allow_list"
    if decision.state == "DeviceDiscovery":
        decided = "discovery"
    facts = {
        "policy": f"provisionable: {device.provisionable}; policy "
        f"{policy.name if policy else 'none'} allows non-provisionable devices: {allows_np}",
        "block_list": f"{mailbox.primary_smtp}: {mailbox.blocked_device_ids or 'empty'}",
        "allow_list": f"{mailbox.primary_smtp}: {mailbox.allowed_device_ids or 'empty'}",
        "discovery": "until "
        + (
            format_time(org.dt(device.discovery_until))  # type: ignore[arg-type]
            if device.discovery_until != float("-inf")
            else "never (no discovery period)"
        ),
        "rules": ", ".join(f"{r.name} ({r.access_level})" for r in matches)
        or f"no rule matches ({len(org.rules)} rule(s) in the organisation)",
        "default": org.settings.default_access_level,
    }
    order = []
    reached = True
    for step, label in EXCHANGE_ORDER:
        outcome = "decided" if step == decided else ("did not apply" if reached else "not reached")
        if step == decided:
            reached = False
        order.append({"check": step, "what": label, "facts": facts[step], "outcome": outcome})
    change = _exchange_what_if(org, device, now, decision, decided)
    served_until = org.dt(device.cache_until) if device.cache_until > now else None
    return {
        "organization": org.name,
        "mailbox": mailbox.primary_smtp,
        "partnership": device.partnered,
        "reported": _state(decision) if device.partnered else None,
        "order": order,
        "decided_by": decided,
        "activesync_enabled": mailbox.activesync_enabled,
        "effective": effective_state(org, device, now),
        "served": device.served_state,
        "cached_until": format_time(served_until) if served_until else None,
        "what_would_change": change,
    }


def _exchange_what_if(
    org: Organization, device: Device, now: float, decision: Any, decided: str | None
) -> list[str]:
    mailbox = device.mailbox
    out: list[str] = []
    if decided == "block_list":
        with _without(mailbox.blocked_device_ids, device.device_id):
            other = exchange_decide(org, device, now)
        out.append(
            f"without {device.device_id} in {mailbox.primary_smtp}'s blocked list Exchange would "
            f"report {other.state} ({other.reason}{', ' + other.rule.name if other.rule else ''})"
        )
    elif decided == "allow_list":
        with _without(mailbox.allowed_device_ids, device.device_id):
            other = exchange_decide(org, device, now)
        out.append(
            f"without {device.device_id} in {mailbox.primary_smtp}'s allowed list Exchange would "
            f"report {other.state} ({other.reason}{', ' + other.rule.name if other.rule else ''})"
        )
    elif decided == "rules" and decision.rule is not None:
        with _without_rule(org, decision.rule):
            other = exchange_decide(org, device, now)
        out.append(
            f"without the rule {decision.rule.name} Exchange would report {other.state} "
            f"({other.reason}{', ' + other.rule.name if other.rule else ''})"
        )
        out.append("an entry in the user's allowed or blocked list decides before any rule")
    elif decided == "discovery":
        other = exchange_decide(org, device, device.discovery_until)
        out.append(
            f"once Device Discovery ends Exchange would report {other.state} ({other.reason})"
        )
    elif decided == "policy":
        out.append(
            "a mailbox policy with AllowNonProvisionableDevices $true, or a device that can be "
            "provisioned, lets the lists, rules and default decide"
        )
    elif decided == "default":
        out.append(
            f"a device access rule matching DeviceType {device.device_type!r} or DeviceModel "
            f"{device.model!r}, or an entry in the user's allowed or blocked list, decides "
            "before the default; Set-ActiveSyncOrganizationSettings -DefaultAccessLevel "
            "changes the default"
        )
    if not mailbox.activesync_enabled:
        out.append(
            "ActiveSync is disabled for the mailbox: the device is refused whatever ABQ says"
        )
    return out


def intune_chain(
    svc: IntuneService, device_id: str, now: datetime, owner: str | None = None
) -> dict[str, Any]:
    """Intune's record of the device, why it is (or is not) decided, the decision again with
    the enrolment or the platform exception changed, and the commands queued for it."""
    key = device_id.lower()
    record = svc.inventory.devices.get(key)
    managed = svc.enrolled.get(key)
    ca = svc.access
    out: dict[str, Any] = {
        "reported": record is not None and not record.get("removed"),
        "upn": (record or {}).get("userPrincipalName"),
        "first_sync": (record or {}).get("firstSyncTime"),
        "last_sync": _time((record or {}).get("lastReportedDateTime")),
        "enrolled": managed is not None,
        "compliant": managed.compliant if managed else None,
        "conditional_access": ca.enabled,
        "governed": None,
        "targeted": None,
        "targeting": None,
        "decision": None,
        "last_commanded": svc.decisions.get(key),
        "commands": [
            {
                "type": c.type,
                "issued": format_time(c.issued_at),
                "reason": c.parameters.get("reason"),
                "notify_user": bool(c.parameters.get("notifyUser")),
                "state": c.state,
                "completed": format_time(c.completed_at) if c.completed_at else None,
                "error": c.error,
            }
            for c in svc.commands.commands.values()
            if c.device == key
        ],
        "what_would_change": [],
    }
    change: list[str] = out["what_would_change"]
    upn = str((record or {}).get("userPrincipalName") or owner or "").lower()
    user = svc.tenant.users.get(upn)
    licensed = "intune" in svc.tenant.licences_of(upn) if upn else False
    groups = set(user.groups) if user else set()
    included = [g for g in ca.included_groups if g.lower() in groups]
    excluded = [g for g in ca.excluded_groups if g.lower() in groups]
    out["targeting"] = {
        "upn": upn or None,
        "licensed": licensed,
        "in_directory": user is not None,
        "included_groups": included,
        "excluded_groups": excluded,
    }
    if record is None or record.get("removed"):
        why_not = []
        if upn and not licensed:
            why_not.append(f"{upn} has no Intune licence")
        if upn and ca.enabled and upn not in svc.targeted():
            why_not.append(f"{upn} is not targeted by conditional access")
        change.append(
            "Intune decides only devices a connector sync reported; the connector reports the "
            "devices of targeted, licensed users" + (f" ({'; '.join(why_not)})" if why_not else "")
        )
        return out
    out["governed"] = governable(record)
    out["targeted"] = ca.enabled and upn in svc.targeted()
    if not out["governed"]:
        change.append(
            f"device type {record.get('deviceType')} (Outlook for iOS and Android) reaches the "
            "mailbox through the Office 365 service: the on-premises connector cannot govern it "
            "(hybrid modern authentication is the answer, C30)"
        )
        return out
    if not ca.enabled:
        change.append(
            "conditional access for Exchange on-premises is off: enabling it targets users"
        )
        return out
    if not out["targeted"]:
        if not licensed:
            change.append(f"an Intune licence for {upn} (then a directory synchronisation)")
        if excluded:
            change.append(f"removing {upn} from the excluded group(s) {', '.join(excluded)}")
        if not included:
            change.append(
                f"{upn} in a targeted group ({', '.join(ca.included_groups) or 'none set'})"
            )
        return out
    decision = intune_decide(ca, record, managed)
    exception = ca.exception_for(record)
    out["decision"] = {
        "access": decision.access,
        "reason": decision.reason,
        "platform_exception": (
            {"name": exception.name, "type": exception.type, "access": exception.access}
            if exception
            else None
        ),
        "unmanaged_access": ca.unmanaged_access,
    }
    if managed is None or not managed.compliant:
        platform = managed.platform if managed else platform_of(str(record.get("deviceType")))
        enrolled = ManagedDevice(key, key, upn, platform, now, compliant=True)
        other = intune_decide(ca, record, enrolled)
        what = "enrolled and compliant" if managed is None else "compliant"
        change.append(f"{what}, Intune would decide {other.access} ({other.reason})")
    else:
        other = intune_decide(ca, record, replace(managed, compliant=False))
        change.append(f"not compliant, Intune would decide {other.access} ({other.reason})")
    if exception is not None:
        other = intune_decide(replace(ca, platform_exceptions=[]), record, managed)
        change.append(
            f"without the platform exception {exception.name} ({exception.type}), Intune "
            f"would decide {other.access} ({other.reason})"
        )
    return out


def _time(iso: str | None) -> str | None:
    return format_time(datetime.fromisoformat(iso)) if iso else None


# -- history from the trace ----------------------------------------------------------------------
def _mentions(value: Any, needle: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, needle) for v in value)
    return isinstance(value, str) and needle in value.lower()


def device_history(events: list[dict[str, Any]], device_id: str) -> list[dict[str, Any]]:
    """Every trace event about the device: its partnership, the cmdlets naming it (with their
    parameters), the steps and Intune events that name it."""
    key = device_id.lower()
    out = []
    for e in events:
        kind = e["kind"]
        if kind == "cmdlet" and _mentions(e.get("params"), key):
            out.append(
                {
                    "t": e["t"],
                    "what": f"{e['cmdlet']} {_params_text(e.get('params') or {})}".strip(),
                    "by": e.get("host") or e.get("account") or "a step",
                    "error": e.get("error"),
                }
            )
        elif kind.startswith(("exchange.device", "intune.")) and _mentions(
            {k: v for k, v in e.items() if k not in ("t", "kind", "seq")}, key
        ):
            rest = {k: v for k, v in e.items() if k not in ("t", "kind", "seq")}
            out.append({"t": e["t"], "what": f"{kind} {rest}", "by": None, "error": None})
    return out


def named_devices(events: list[dict[str, Any]]) -> list[str]:
    """The devices a trace names, in the order it first names them: new partnerships, the
    devices put on or taken off a user's lists, and the Intune events about a device."""
    seen: dict[str, str] = {}
    for e in events:
        found: list[Any] = []
        if e["kind"] == "exchange.device.new_partnership" or e["kind"].startswith("intune.device"):
            found = [e.get("device_id")]
        elif e["kind"] == "cmdlet":
            for parameter in LIST_PARAMETERS.values():
                value = (e.get("params") or {}).get(parameter)
                for part in value.values() if isinstance(value, dict) else [value]:
                    found.extend(part if isinstance(part, list) else [part])
        for device_id in found:
            if isinstance(device_id, str) and device_id:
                seen.setdefault(device_id.lower(), device_id)
    return list(seen.values())


def _params_text(params: dict[str, Any]) -> str:
    return " ".join(f"-{k} {v}" if v is not True else f"-{k}" for k, v in params.items())


def reporting_sync(events: list[dict[str, Any]], last_sync: str | None) -> dict[str, Any] | None:
    """The upload that last reported the device (the POST of a sync's devices at the record's
    `lastReportedDateTime`) and the connector job it was part of."""
    if not last_sync:
        return None
    when = last_sync
    upload = next(
        (
            e
            for e in events
            if e["kind"] == "http" and e["t"] == when and str(e.get("url", "")).endswith("/devices")
        ),
        None,
    )
    if upload is None:
        return {"t": when, "host": None, "jobs": None}
    job = next(
        (
            e
            for e in events
            if e["kind"] == "connector.jobs" and e["t"] >= when and e.get("host") == upload["host"]
        ),
        None,
    )
    return {"t": when, "host": upload["host"], "jobs": job["ran"] if job else None}


# -- the whole answer ----------------------------------------------------------------------------
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
            e["kind"] == "cmdlet" and _mentions(e.get("params"), device_id.lower()) for e in events
        )
    ):
        raise WhyError(f"no device {device_id} in {scenario.name} at {answer['at']}")
    answer["device_id"] = device_id
    answer["scenario"] = scenario.name
    answer["history"] = device_history(events, device_id)
    answer["sync"] = reporting_sync(events, answer["intune"]["last_sync"])
    answer["put_there_by"] = _put_there_by(answer, events)
    return answer


LIST_PARAMETERS = {
    "block_list": "ActiveSyncBlockedDeviceIDs",
    "allow_list": "ActiveSyncAllowedDeviceIDs",
}


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
        if added is not None and _mentions(added, key):
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
        "cmdlet": f"{cmdlet['cmdlet']} {_params_text(cmdlet.get('params') or {})}",
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


# -- from a saved trace alone --------------------------------------------------------------------
def trace_until(events: list[dict[str, Any]], at: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The trace's events up to `at` (a duration from the run's start or an aware time), and
    that moment as the trace writes times."""
    if not events:
        raise WhyError("the trace holds no events")
    if at is None:
        return events[-1]["t"], events
    try:
        moment = check_moment("--at", at)
    except ValueError as exc:
        raise WhyError(str(exc)) from None
    start = datetime.fromisoformat(events[0]["t"].replace("Z", "+00:00"))
    seconds = moment_seconds(moment, start)
    assert seconds is not None

    when = format_time(start + timedelta(seconds=seconds))
    if when > events[-1]["t"]:
        raise WhyError(f"--at {at}: the trace ends at {events[-1]['t']}, before that moment")
    return when, [e for e in events if e["t"] <= when]


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


# -- the connection ------------------------------------------------------------------------------
def _failed_call(e: dict[str, Any]) -> bool:
    return e["kind"] == "http" and (bool(e.get("outcome")) or int(e.get("status") or 0) >= 400)


def explain_connection(
    events: list[dict[str, Any]], at: str | None = None, faults: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Why the connector is disconnected or not syncing, from the trace: the connection status
    last sampled, the last failing call (status or outcome, error detail), the jobs' errors,
    and the faults active at that call (`faults`: the run's fault events, which the trace
    writes at its end — pass them when `events` stop earlier)."""
    when, events = trace_until(events, at)
    fault_events = faults if faults is not None else [e for e in events if e["kind"] == "fault"]
    status = next(
        (e for e in reversed(events) if e["kind"] == "sample" and "connection" in e), None
    )
    failed = next((e for e in reversed(events) if _failed_call(e)), None)
    succeeded = next(
        (e for e in reversed(events) if e["kind"] == "http" and not _failed_call(e)), None
    )
    job_errors = next(
        (e for e in reversed(events) if e["kind"] == "connector.jobs" and e.get("errors")), None
    )
    active = []
    if failed is not None:
        active = [
            f
            for f in fault_events
            if f["start"] <= failed["t"] and (f.get("end") is None or failed["t"] < f["end"])
        ]
    steps = [e for e in events if e["kind"] == "step.failed" and not e.get("expected")]
    return {
        "at": when,
        "status": status.get("connection") if status else None,
        "status_at": status["t"] if status else None,
        "last_failed_call": _call(failed),
        "last_successful_call": _call(succeeded),
        "failed_after_last_success": bool(
            failed and (succeeded is None or failed["seq"] > succeeded["seq"])
        ),
        "job_errors": {
            "t": job_errors["t"],
            "host": job_errors.get("host"),
            "errors": job_errors["errors"],
        }
        if job_errors
        else None,
        "faults_active_then": [
            {"fault": f["fault"], "start": f["start"], "end": f.get("end"), "params": f["params"]}
            for f in active
        ],
        "failed_steps": [{"t": e["t"], "do": e.get("do"), "error": e.get("error")} for e in steps],
    }


def _call(e: dict[str, Any] | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        k: e.get(k) for k in ("t", "host", "method", "url", "status", "outcome", "detail", "proxy")
    }


def format_connection(answer: dict[str, Any]) -> str:
    lines = [
        f"the connection at {answer['at']}: {answer['status'] or 'no connection record'}"
        + (f" (sampled {answer['status_at']})" if answer["status_at"] else "")
    ]
    failed, ok = answer["last_failed_call"], answer["last_successful_call"]
    if failed is None:
        lines.append("  no call to Intune failed in the trace")
    else:
        what = failed["outcome"] or f"HTTP {failed['status']}"
        lines.append(
            f"  last failing call: {failed['method']} {failed['url']} at {failed['t']} from "
            f"{failed['host']}: {what}{' — ' + failed['detail'] if failed['detail'] else ''}"
            f"{' (through ' + failed['proxy'] + ')' if failed['proxy'] else ''}"
        )
        lines.append(
            "  it came after the last successful call"
            if answer["failed_after_last_success"]
            else f"  calls succeeded after it (last at {ok['t'] if ok else 'unknown'})"
        )
        if answer["faults_active_then"]:
            for f in answer["faults_active_then"]:
                lines.append(
                    f"  fault active then: {f['fault']} {f['params']} from {f['start']}"
                    f" until {f['end'] or 'the end of the run'}"
                )
        else:
            lines.append("  no fault was active then (the cause is the configuration or the world)")
    jobs = answer["job_errors"]
    if jobs:
        lines.append(f"  last job errors at {jobs['t']} on {jobs['host']}: {jobs['errors']}")
    for step in answer["failed_steps"]:
        lines.append(f"  step {step['do']} failed at {step['t']}: {step['error']}")
    return "\n".join(lines)


def connection_from_scenario(
    scenario: Scenario, at: str | None = None, seed: int | None = None
) -> dict[str, Any]:
    """Run the scenario and explain the connection at `at` (or the end) from its trace."""
    _, events, runner = at_moment(scenario, at, seed, lambda runner: None)
    faults = [e for e in runner.world.trace.events if e["kind"] == "fault"]
    return explain_connection(events, None, faults)


# -- a user whose devices are missing from Intune -----------------------------------------------
def missing_chain(world: World, who: str) -> dict[str, Any]:
    """Why the user's devices are not (all) in Intune: each condition the connector and Intune
    need, in the order they apply, with its facts and whether it holds."""
    svc = world.intune
    user = world.directory.find(who)
    if user is None:
        low = who.lower()
        user = next((u for u in world.directory.users() if (u.mail or "").lower() == low), None)
    if user is None:
        raise WhyError(f"no user {who} in Active Directory (an account, a UPN or a mail address)")
    upn = user.upn.lower()
    checks: list[dict[str, Any]] = []

    def check(name: str, holds: bool | None, facts: str, remedy: str) -> None:
        checks.append({"check": name, "holds": holds, "facts": facts, "remedy": remedy})

    enabled = world.directory.is_enabled(user)
    check(
        "account",
        enabled,
        f"{world.directory.account_name(user)}, UPN {upn}, enabled {enabled}",
        "enable the account",
    )
    synced = svc.tenant.users.get(upn)
    check(
        "directory_sync",
        synced is not None,
        "in Azure AD's copy" if synced else "not in Azure AD's copy (not synchronised yet)",
        "wait for the next directory synchronisation (every 30 minutes), or start one",
    )
    licensed = "intune" in svc.tenant.licences_of(upn)
    check("licence", licensed, f"Intune licence: {licensed}", f"assign {upn} an Intune licence")
    ca = svc.access
    if ca.enabled:
        groups = set(synced.groups) if synced else set()
        included = [g for g in ca.included_groups if g.lower() in groups]
        excluded = [g for g in ca.excluded_groups if g.lower() in groups]
        check(
            "targeting",
            upn in svc.targeted(),
            f"conditional access targets {ca.included_groups or 'no group'}, excludes "
            f"{ca.excluded_groups or 'no group'}; the user is in {included or 'none of the targeted'}"
            f"{', excluded by ' + str(excluded) if excluded else ''}",
            "add the user to a targeted group, or remove them from the excluded one",
        )
    else:
        check("targeting", True, "conditional access is off: every licensed user counts", "")
    mailboxes = [mb for mb in world.organizations.mailboxes() if mb.upn.lower() == upn]
    check(
        "mailbox",
        bool(mailboxes),
        ", ".join(mb.primary_smtp for mb in mailboxes) or "no mailbox has this UPN",
        "the user needs a mailbox",
    )
    for mb in mailboxes:
        same = mb.primary_smtp.lower() == upn
        check(
            "smtp_is_upn",
            same,
            f"primary SMTP {mb.primary_smtp} {'=' if same else '≠'} UPN {upn}: the connector "
            "matches a mailbox to an Intune user by primary SMTP address = UPN",
            "make the primary SMTP address the UPN (Set-Mailbox -PrimarySmtpAddress, the email "
            "address policy off for the mailbox) or the UPN the address (Set-User)",
        )
    active = svc.active_connectors()
    serving = {id(c): world.organizations.of_server(c.server) for c in active}
    conn = None
    for mb in mailboxes:
        home = next(o for o in world.organizations if mb in o.mailboxes)
        conn = next((c for c in active if serving[id(c)] is home), None)
        names = sorted({o.name for o in serving.values() if o is not None})
        check(
            "organization",
            conn is not None,
            f"the mailbox is in {home.name}; the active connection(s) serve "
            f"{', '.join(names) or 'no organisation'}",
            "a connector for the mailbox's organisation (2016: one connection per "
            "subscription, a new one replaces it; 2018: one per organisation)",
        )
    last = conn.last_successful_sync if conn is not None else None
    check(
        "synced",
        last is not None,
        f"last successful sync {format_time(last)} ({conn.last_sync_type}) by {conn.host}"
        if last is not None and conn is not None
        else "no successful sync by a connection serving the mailbox",
        "a connector sync (a quick sync picks up targeting changes, the full sync everything)",
    )
    devices = []
    for mb in mailboxes:
        for d in mb.devices:
            record = svc.inventory.devices.get(d.device_id.lower())
            devices.append(
                {
                    "device_id": d.device_id,
                    "client_type": d.client_type,
                    "partnership": d.partnered,
                    "in_intune": record is not None and not record.get("removed"),
                    "last_reported": _time((record or {}).get("lastReportedDateTime")),
                }
            )
    return {
        "user": world.directory.account_name(user),
        "upn": upn,
        "checks": checks,
        "failing": [c["check"] for c in checks if c["holds"] is False],
        "devices": devices,
    }


def explain_missing(
    scenario: Scenario, who: str, at: str | None = None, seed: int | None = None
) -> dict[str, Any]:
    """Run the scenario to `at` (or its end) and say why the user's devices are missing."""

    def capture(runner: Runner) -> dict[str, Any]:
        try:
            return {"answer": missing_chain(runner.world, who), "at": runner.world.clock.iso()}
        except WhyError as exc:
            return {"error": str(exc)}

    taken, _, _ = at_moment(scenario, at, seed, capture)
    if "error" in taken:
        raise WhyError(taken["error"])
    answer = taken["answer"]
    answer["at"] = taken["at"]
    answer["scenario"] = scenario.name
    return answer


def format_missing(answer: dict[str, Any]) -> str:
    lines = [f"{answer['user']} ({answer['upn']}) in {answer['scenario']} at {answer['at']}"]
    for c in answer["checks"]:
        mark = "ok " if c["holds"] else "NO "
        lines.append(f"  {mark}{c['check']}: {c['facts']}")
        if not c["holds"] and c["remedy"]:
            lines.append(f"      → {c['remedy']}")
    lines.append("  devices:")
    for d in answer["devices"]:
        where = (
            f"in Intune (last reported {d['last_reported']})" if d["in_intune"] else "not in Intune"
        )
        lines.append(f"    {d['device_id']} ({d['client_type']}): {where}")
    if not answer["devices"]:
        lines.append("    none (the mailbox has no device partnership)")
    if not answer["failing"]:
        lines.append("  every condition holds: the next sync reports the user's devices")
    return "\n".join(lines)
