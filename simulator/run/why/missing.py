"""A user whose devices are missing from Intune: each condition the connector and Intune
need, in the order they apply, with its facts, whether it holds and the remedy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.language.schema import Scenario
from simulator.run.why.moment import WhyError, at_moment, record_time
from simulator.world.durations import format_time

if TYPE_CHECKING:
    from simulator.run.runner import Runner
    from simulator.world.world import World


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
                    "last_reported": record_time((record or {}).get("lastReportedDateTime")),
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
