"""A customer's device export (Get-MobileDevice or Get-ActiveSyncDevice, and optionally
Get-CASMailbox) → a scenario whose world has those mailboxes and devices.

Each device's owner is read from its `Identity` (`<domain>/<OU>/<mailbox name>/
ExchangeActiveSyncDevices/<type>§<id>`) and becomes a directory account with a mailbox; its
names, model, OS, user agent and first sync are carried over as `world.exchange.devices`.
Exchange stores no access state the twin could load: it decides one from the rules, the
organisation's default and the owner's allow/block lists, so the export's states are
carried over through those — `Individual` as the owner's list, `DeviceRule` as the rule its
`DeviceAccessControlRule` names (`<query> (<characteristic>)`), `Global` as the default
access level most such devices show. What cannot be carried over is listed in the report.
"""

from __future__ import annotations

import gc
import operator
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from simulator.language.imports.anonymise import Pseudonyms
from simulator.language.imports.companions import (
    CAS_COLUMNS,
    CAS_TYPES,
    CHARACTERISTICS,
    CONTAINER,
    DEVICE_COLUMNS,
    DEVICE_ID,
    DEVICE_READ,
    DEVICE_TYPES,
    LEVEL_OF_STATE,
    PASSWORD,
    ROW_COLUMNS,
    RULE_COLUMNS,
    RULE_TYPES,
    STATS_COLUMNS,
    STATS_TYPES,
    ImportReport,
    Owner,
    cas_owners,
    read_rules,
    read_statistics,
    sam_for,
)
from simulator.language.imports.exports import read_export
from simulator.language.imports.powershell_csv import (
    ExportError,
    clock_text,
    date_text,
    iso,
    time_text,
)
from simulator.world.durations import DEFAULT_START


def import_devices(
    devices_path: str,
    mailboxes_path: str | None = None,
    anonymise: str | None = None,
    name: str = "imported",
    spec: list[str] | None = None,
    statistics_path: str | None = None,
    rules_path: str | None = None,
    org_settings_path: str | None = None,
    connector_log: str | None = None,
    service_account: str | None = None,
) -> tuple[dict[str, Any], ImportReport]:
    """The scenario (as plain data, ready for YAML) and the report. Every path may be an
    Export-Csv or an Export-Clixml file (told apart by content). Raises `ExportError`.

    The cyclic collector is paused meanwhile: an export's records are millions of strings
    in lists that all live until the end, and each collection would walk them again to find
    them alive (a third of a 100,000-device import's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import_devices(
            devices_path,
            mailboxes_path,
            anonymise,
            name,
            spec,
            statistics_path,
            rules_path,
            org_settings_path,
            connector_log,
            service_account,
        )
    finally:
        if enabled:
            gc.enable()


def _import_devices(
    devices_path: str,
    mailboxes_path: str | None,
    anonymise: str | None,
    name: str,
    spec: list[str] | None,
    statistics_path: str | None,
    rules_path: str | None,
    org_settings_path: str | None,
    connector_log: str | None,
    service_account: str | None,
) -> tuple[dict[str, Any], ImportReport]:
    report = ImportReport()
    pseudo = Pseudonyms(anonymise)
    table = read_export(devices_path, DEVICE_TYPES, DEVICE_COLUMNS)
    owners: dict[str, Owner] = {}
    taken: set[str] = set()
    latest: datetime | None = None
    global_states: Counter[str] = Counter()
    rules: dict[str, dict[str, str]] = {}
    states: Counter[str] = Counter()
    devices: list[dict[str, Any]] = []
    by_identity: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    # every field of a row in one C call (a 100,000-row export reads 1.7 million fields);
    # a column the export lacks reads as "" from the pad appended to each row
    pad = len(table.columns)
    for row in table.rows:
        row.append("")
    fields = operator.itemgetter(*(table.index.get(c.lower(), pad) for c in ROW_COLUMNS))
    anonymous = not pseudo.enabled
    latest_text: str | None = None
    keep_identity = statistics_path is not None
    valid_id, level_of, add_seen, add_device = (
        DEVICE_ID.match,
        LEVEL_OF_STATE.get,
        seen.add,
        devices.append,
    )
    day_text, hour_text = date_text, clock_text
    owner_of: dict[str, Owner] = {}  # the Identity's mailbox part as written → its owner
    for i, row in enumerate(table.rows):
        (
            device_id,
            device_type,
            identity,
            model,
            os_name,
            user_agent,
            os_language,
            mobile_operator,
            friendly,
            imei,
            phone,
            eas,
            client,
            first_text,
            state,
            reason,
            rule,
        ) = fields(row)
        head, sep, _ = identity.partition(CONTAINER)
        owner = owner_of.get(head)
        if owner is None:
            parts = head.split("/")
            if not sep or len(parts) < 2 or "." not in parts[0]:
                raise table.error(
                    i,
                    "Identity",
                    f"{identity!r} is not a device's identity "
                    "(<domain>/<OU>/<mailbox>/ExchangeActiveSyncDevices/<type>§<id>)",
                )
            key = head.lower()
            owner = owners.get(key)
            if owner is None:
                owner = owners[key] = Owner(head, parts[0].lower(), parts[-1])
            owner_of[head] = owner
        device_id = device_id.strip()
        if not valid_id(device_id):
            raise table.error(i, "DeviceId", f"{device_id!r}: expected 1 to 32 letters and digits")
        device_type = device_type.strip()
        if not device_type:
            raise table.error(i, "DeviceType", "empty: every partnership has a device type")
        pair = (id(owner), device_id.lower())
        if pair in seen:
            report.unmapped["a second partnership of one mailbox with the same DeviceId"] += 1
            continue
        add_seen(pair)
        device: dict[str, Any] = {
            "owner": owner,  # its account's name once the accounts are made (below)
            "device_id": device_id if anonymous else pseudo.device_id(device_id),
            "device_type": device_type,
        }
        if model:
            device["model"] = model
        if os_name:
            device["os"] = os_name
        if user_agent:
            device["user_agent"] = user_agent
        if os_language:
            device["os_language"] = os_language
        if mobile_operator:
            device["operator"] = mobile_operator
        if friendly:
            device["friendly_name"] = friendly if anonymous else pseudo.text("friendly", friendly)
        if imei:
            device["imei"] = imei if anonymous else pseudo.digits("imei", imei)
        if phone:
            device["phone"] = phone if anonymous else pseudo.digits("phone", phone)
        if eas:
            device["eas_version"] = eas
        if client in ("EAS", "Outlook"):
            device["client_type"] = client
        elif client:
            report.unmapped[f"ClientType {client!r}"] += 1
        if first_text:
            try:
                date_part, _, clock = first_text.partition(" ")
                if "/" in date_part and clock[-2:] in ("AM", "PM"):  # en-US, Windows' default
                    first = f"{day_text(date_part)}T{hour_text(clock)}Z"
                else:
                    first = time_text(first_text)
            except ValueError:
                try:  # the message, naming the value
                    time_text(first_text)
                    raise
                except ValueError as exc:
                    raise table.error(
                        i, "FirstSyncTime", f"{exc}: expected e.g. 5/2/2016 10:00:00 AM"
                    ) from None
            if first is not None:
                device["first_sync"] = first
                if latest_text is None or first > latest_text:  # one format: ordered as text
                    latest_text = first
        level = level_of(state)
        if state:
            states[state] += 1
        if reason == "Individual" and level in ("Allow", "Block"):
            device["individual"] = level
        elif reason == "Global" and level is not None:
            global_states[level] += 1
        elif reason == "DeviceRule" and level is not None:
            query, _, characteristic = rule.rpartition(" (")
            characteristic = characteristic.removesuffix(")")
            if not query or characteristic not in CHARACTERISTICS:
                report.unmapped[f"access by rule {rule!r} (not <query> (<characteristic>))"] += 1
            else:
                known = rules.setdefault(
                    rule,
                    {
                        "query_string": query,
                        "characteristic": characteristic,
                        "access_level": level,
                    },
                )
                if known["access_level"] != level:
                    report.unmapped[f"rule {rule!r} shown with two access levels"] += 1
        elif state:
            report.unmapped[f"DeviceAccessState {state} ({reason or 'no reason'})"] += 1
        add_device(device)
        if keep_identity:
            by_identity[identity.strip().lower()] = device
    for row in table.rows:
        row.pop()
    if latest_text is not None:
        latest = datetime.fromisoformat(latest_text.replace("Z", "+00:00"))

    if mailboxes_path is not None:
        cas_owners(read_export(mailboxes_path, CAS_TYPES, CAS_COLUMNS), owners, pseudo, report)
    taken.update(o.sam.lower() for o in owners.values() if o.sam)
    for owner in owners.values():
        if not owner.sam:
            owner.sam = sam_for(owner.name, taken)
    if mailboxes_path is None and owners:
        report.notes.append(
            "no --mailboxes: each owner's sAMAccountName is made from its mailbox name and its "
            "UPN and primary SMTP address are <sam>@<AD domain>"
        )

    domains = Counter(o.domain for o in owners.values())
    main = min(domains, key=lambda d: (-domains[d], d)) if domains else "contoso.local"
    netbios_of = {d: pseudo.netbios(pseudo.domain(d)) for d in domains}
    accounts: dict[str, dict[str, Any]] = {}
    account_of: dict[int, str] = {}
    for owner in owners.values():
        account = f"{netbios_of[owner.domain]}\\{pseudo.person(owner.sam)}"
        entry: dict[str, Any] = {"name": account, "password": PASSWORD, "mailbox": True}
        if owner.smtp:
            entry["upn"] = entry["mail"] = pseudo.address(owner.smtp)
        accounts[account.lower()] = entry
        account_of[id(owner)] = account

    for device in devices:
        device["owner"] = account_of[id(device["owner"])]

    if statistics_path is not None:
        read_statistics(
            read_export(statistics_path, STATS_TYPES, STATS_COLUMNS), by_identity, report
        )
    if rules_path is not None:
        rules = read_rules(read_export(rules_path, RULE_TYPES, RULE_COLUMNS), rules, report)

    ignored = sorted(c for c in table.columns if c.lower() not in DEVICE_READ)
    if ignored:
        report.notes.append(f"columns the twin makes itself, not read: {', '.join(ignored)}")
    default = "Allow"
    settings: dict[str, Any] = {}
    if org_settings_path is not None:
        from simulator.language.imports.org_settings import import_org_settings

        settings = import_org_settings(org_settings_path, pseudo, report)
        default = settings["default_access_level"]
        differ = sum(n for lv, n in global_states.items() if lv != default)
        if differ:
            report.unmapped[
                f"devices whose Global state differs from the exported DefaultAccessLevel "
                f"({default}): Exchange re-evaluates at the next sync"
            ] += differ
    elif global_states:
        default = min(global_states, key=lambda lv: (-global_states[lv], lv))
        if len(global_states) > 1:
            report.unmapped[
                "devices whose Global state differs from the default the most show "
                f"({default}): Exchange re-evaluates at the next sync"
            ] += sum(n for lv, n in global_states.items() if lv != default)

    if pseudo.enabled:
        report.notes.append(
            "anonymised: domains, accounts, addresses, device ids, IMEIs, phone numbers, "
            "friendly names and mail inserts (models, OS, user agents, operators and rules kept as exported): "
            + ", ".join(f"{kind} {n}" for kind, n in sorted(pseudo.used.items()))
        )
    # an hour past the last first sync, on the hour: every device exists at the start
    start = (latest or DEFAULT_START - timedelta(hours=1)).replace(minute=0, second=0)
    start = start + timedelta(hours=1)
    mailboxes = len(accounts)
    log = None
    if connector_log is not None:
        from simulator.language.imports import connector_log as logs
        from simulator.language.imports.timeline import service_account as account_entry
        from simulator.language.imports.timeline import timeline

        entry = None
        if service_account is not None:
            entry = account_entry(service_account, netbios_of, pseudo, PASSWORD)
            accounts.setdefault(entry["name"].lower(), entry)
        log = timeline(logs.infer(logs.read_log(connector_log)), pseudo, report, entry)
        start = log.start  # the faults' times are from the log's first line
        report.header = log.header
        if latest is not None and latest > start:
            report.notes.append(
                f"devices first synced after the log's first line ({iso(latest)}): they exist "
                "from the start of the scenario"
            )
    elif service_account is not None:
        report.notes.append("--service-account without --connector-log: not used")
    report.devices, report.mailboxes = len(devices), mailboxes
    mapped_main = pseudo.domain(main)
    directory: dict[str, Any] = {"domain": mapped_main, "netbios": netbios_of.get(main, "CONTOSO")}
    extra = sorted(d for d in domains if d != main)
    if extra:
        directory["extra_domains"] = [
            {"name": pseudo.domain(d), "netbios": netbios_of[d], "forest": mapped_main}
            for d in extra
        ]
    directory["accounts"] = list(accounts.values())
    exchange: dict[str, Any] = {"settings": {**settings, "default_access_level": default}}
    if rules:
        exchange["rules"] = list(rules.values())
    exchange["devices"] = devices
    if log is not None and log.servers:
        exchange["servers"] = [{"name": s} for s in log.servers]
    expect: list[dict[str, Any]] = [
        {"path": "exchange.mailboxes.count", "equals": mailboxes},
        {"path": "exchange.devices.count", "equals": len(devices)},
    ]
    expect.append({"path": "exchange.settings.default_access_level", "equals": default})
    expect.append(
        {
            "path": "exchange.rules",
            "equals": [f"{r['query_string']} ({r['characteristic']})" for r in rules.values()],
        }
    )
    if not report.unmapped:
        for state, n in sorted(states.items()):
            expect.append({"path": f"exchange.access.reported.{state}", "equals": n})
    world: dict[str, Any] = {
        "directory": directory,
        "exchange": exchange,
        "population": {"users": 0, "behaviour": False},
        "hosts": [],
    }
    if log is not None and log.proxies:
        world["network"] = {"proxies": log.proxies}
    scenario: dict[str, Any] = {
        "name": name,
        "summary": f"Imported by exchange-twin import from {Path(devices_path).name}: "
        f"{len(devices)} devices of {mailboxes} mailboxes"
        + (" (anonymised)" if pseudo.enabled else ""),
        "spec": list(spec or []),
        "tags": ["imported"],
        "start": iso(start),
        "world": world,
    }
    if log is not None and log.faults:
        scenario["faults"] = log.faults
    scenario["expect"] = expect
    return scenario, report


__all__ = ["ExportError", "ImportReport", "import_devices"]
