"""What the pages read of a world: the console's connection, the tenant, the devices, the
hosts and the connector's log — each read through the world's own observations and models,
never changing the world (no step, no simulated time spent, nothing traced).

Values are JSON-ready: times as the trace writes them, no password anywhere (account names
only). `HostNotFound` for a host the world does not have.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.lab.session import LabSession, SessionError
from simulator.world.durations import format_time

DOWNLOADS = r"C:\Users\Administrator\Downloads"
SETUP_FOLDER = DOWNLOADS + r"\Exchange_Connector_Setup"
LOG_LEVELS = ("Information", "Warning", "Error")


def jsonable(value: Any) -> Any:
    """Datetimes as trace times; lazy maps and tuples as plain JSON containers."""
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def session_info(session: LabSession, has_exercise: bool) -> dict[str, Any]:
    world = session.world
    spec = world.spec
    return {
        "student": session.student,
        "scenario": session.scenario.name,
        "summary": " ".join(session.scenario.summary.split()),
        "profile": session.scenario.profile,
        "hosts": sorted(world.hosts),
        "admins": sorted(world.intune.tenant.admins),
        "accounts": [a.name for a in spec.directory.accounts],
        "servers": [s.fqdn for s in world.org.servers],
        "exercise": has_exercise,
        "broken": session.broken,
    }


# -- the console ----------------------------------------------------------------------------------
def connection(session: LabSession) -> dict[str, Any]:
    console = session.world.console
    return jsonable(
        {
            "connection": console.exchange_connection(),
            "connections": console.exchange_connections(),
        }
    )


def tenant(session: LabSession) -> dict[str, Any]:
    intune = session.world.intune
    observed = intune.observe()
    t = intune.tenant
    access = intune.access
    return jsonable(
        {
            "tenant": observed["tenant"],
            "profile": observed["profile"],
            "mdm_authority": observed["mdm_authority"],
            "admins": sorted(t.admins),
            "users": sorted(t.users),
            "licensed_users": sorted(t.licensed("intune")),
            "groups": sorted(g.name for g in session.world.directory.groups.values())
            if hasattr(session.world.directory, "groups")
            else [],
            "directory_sync": observed["directory_sync"],
            "exchange_online_connector": observed["exchange_online_connector"],
            "conditional_access": {
                **observed["conditional_access"],
                "platform_exceptions": [
                    {"name": e.name, "type": e.type, "access": e.access}
                    for e in access.platform_exceptions
                ],
                "notification": {
                    "subject": access.notification_subject,
                    "body": access.notification_body,
                },
            },
        }
    )


def devices(session: LabSession) -> dict[str, Any]:
    """Exchange's partnerships with their access state, beside Intune's record of each."""
    exchange = session.observe("exchange.devices.by_id")
    intune = session.observe("intune.devices.by_id")
    rows = []
    for key in exchange:
        entry = exchange[key]
        record = intune.get(key, None)
        rows.append({"id": key, "exchange": jsonable(entry), "intune": jsonable(record)})
    for key in intune:
        if key not in exchange:
            rows.append({"id": key, "exchange": None, "intune": jsonable(intune[key])})
    return {"devices": rows}


# -- the connector host ---------------------------------------------------------------------------
def _host(session: LabSession, name: str) -> Any:
    hosts = {h.upper(): h for h in session.world.hosts}
    found = hosts.get(name.upper())
    if found is None:
        raise SessionError(
            f"no host {name!r} in this world (hosts: {', '.join(sorted(hosts)) or 'none'})",
            "host",
            404,
        )
    return session.world.hosts[found]


def hosts(session: LabSession) -> dict[str, Any]:
    out = []
    for name in sorted(session.world.hosts):
        host = session.world.hosts[name]
        rt = session.runner.connectors.get(name)
        out.append(
            {
                "name": name,
                "os": host.os_name,
                "up": host.up,
                "services": {s.name: s.state for s in host.services.values()},
                "installed": bool(rt and rt.installed),
                "configured": bool(rt and rt.service is not None),
            }
        )
    return {"hosts": out}


def host(session: LabSession, name: str) -> dict[str, Any]:
    h = _host(session, name)
    rt = session.runner.connectors.get(h.name)
    return jsonable(
        {
            "name": h.name,
            "os": h.os_name,
            "fqdn": h.fqdn,
            "downloads": [f"{DOWNLOADS}\\{f}" for f in h.list_files(DOWNLOADS) if "\\" not in f],
            "setup_folder": h.list_files(SETUP_FOLDER) if h.is_dir(SETUP_FOLDER) else None,
            "services": {s.name: s.state for s in h.services.values()},
            "connector": session.observe(f"hosts.{h.name}.connector") if rt else None,
        }
    )


def log(
    session: LabSession,
    name: str,
    level: str | None = None,
    code: str | None = None,
    limit: int = 200,
) -> dict[str, Any]:
    """The connector's own log records on a host, filtered; newest last, at most `limit`."""
    h = _host(session, name)
    if level is not None and level not in LOG_LEVELS:
        raise SessionError(
            f"level must be one of {', '.join(LOG_LEVELS)}; found {level!r}", "level"
        )
    if not 1 <= limit <= 5000:
        raise SessionError(f"limit must be between 1 and 5000; found {limit}", "limit")
    rt = session.runner.connectors.get(h.name)
    records = rt.log_records() if rt is not None else []
    chosen = [
        r
        for r in records
        if (level is None or r.get("level") == level)
        and (code is None or str(r.get("code") or "").lower() == code.lower())
    ]
    redact = session.world.trace.redact_text
    rows = [
        {
            "time": r.get("time"),
            "level": r.get("level"),
            "event": r.get("event"),
            "code": r.get("code"),
            "message": redact(str(r.get("message", ""))),
        }
        for r in chosen[-limit:]
    ]
    return {"records": rows, "total": len(chosen)}
