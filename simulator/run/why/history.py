"""A device's history from the trace: the cmdlets and Intune events naming it, the devices a
trace names, the sync that last reported it. Read by the HTML report too, without the runner."""

from __future__ import annotations

from typing import Any

LIST_PARAMETERS = {
    "block_list": "ActiveSyncBlockedDeviceIDs",
    "allow_list": "ActiveSyncAllowedDeviceIDs",
}


def mentions(value: Any, needle: str) -> bool:
    if isinstance(value, dict):
        return any(mentions(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, needle) for v in value)
    return isinstance(value, str) and needle in value.lower()


def device_history(events: list[dict[str, Any]], device_id: str) -> list[dict[str, Any]]:
    """Every trace event about the device: its partnership, the cmdlets naming it (with their
    parameters), the steps and Intune events that name it."""
    key = device_id.lower()
    out = []
    for e in events:
        kind = e["kind"]
        if kind == "cmdlet" and mentions(e.get("params"), key):
            out.append(
                {
                    "t": e["t"],
                    "what": f"{e['cmdlet']} {params_text(e.get('params') or {})}".strip(),
                    "by": e.get("host") or e.get("account") or "a step",
                    "error": e.get("error"),
                }
            )
        elif kind.startswith(("exchange.device", "intune.")) and mentions(
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


def params_text(params: dict[str, Any]) -> str:
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
