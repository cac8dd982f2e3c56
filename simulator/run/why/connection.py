"""Why the connector is disconnected or not syncing, from the trace: the connection status
last sampled, the last failing call, the jobs' errors, the faults active at that call."""

from __future__ import annotations

from typing import Any

from simulator.language.schema import Scenario
from simulator.run.why.moment import at_moment, trace_until


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
