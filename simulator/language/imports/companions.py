"""What a device import shares and reads besides the device export itself: the export types
and columns it accepts, the report, each device's owner, and the companion exports — the
owners' mailboxes (Get-CASMailbox), the devices' statistics, the device access rules."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.language.imports.anonymise import Pseudonyms
from simulator.language.imports.powershell_csv import (
    Table,
    iso,
    multi_value,
    parse_time,
)

DEVICE_TYPES = ["MobileDevice", "ActiveSyncDevice"]
DEVICE_COLUMNS = ["DeviceId", "DeviceType", "Identity"]
CAS_TYPES = ["CASMailbox"]
CAS_COLUMNS = ["Identity", "SamAccountName", "PrimarySmtpAddress"]
STATS_TYPES = ["MobileDeviceConfiguration"]
STATS_COLUMNS = ["Identity", "LastSuccessSync"]
RULE_TYPES = ["ActiveSyncDeviceAccessRule"]
RULE_COLUMNS = ["QueryString", "Characteristic", "AccessLevel"]
CONTAINER = "/ExchangeActiveSyncDevices/"
PASSWORD = "Imported-P@ssw0rd1"  # every imported account's: the export carries none
LEVEL_OF_STATE = {"Allowed": "Allow", "Blocked": "Block", "Quarantined": "Quarantine"}
CHARACTERISTICS = ("DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader")
# columns read from a device export; the others are Exchange's own (names, GUIDs, versions)
# or derived (UserDisplayName, Name, DistinguishedName) and the twin makes them itself
DEVICE_READ = {
    "deviceid",
    "devicetype",
    "identity",
    "devicemodel",
    "deviceos",
    "deviceuseragent",
    "friendlyname",
    "deviceimei",
    "devicemobileoperator",
    "devicetelephonenumber",
    "deviceoslanguage",
    "deviceactivesyncversion",
    "clienttype",
    "firstsynctime",
    "deviceaccessstate",
    "deviceaccessstatereason",
    "deviceaccesscontrolrule",
}
# the device export's columns read per row, in the order the loop unpacks them
ROW_COLUMNS = (
    "DeviceId",
    "DeviceType",
    "Identity",
    "DeviceModel",
    "DeviceOS",
    "DeviceUserAgent",
    "DeviceOSLanguage",
    "DeviceMobileOperator",
    "FriendlyName",
    "DeviceImei",
    "DeviceTelephoneNumber",
    "DeviceActiveSyncVersion",
    "ClientType",
    "FirstSyncTime",
    "DeviceAccessState",
    "DeviceAccessStateReason",
    "DeviceAccessControlRule",
)
_SAM = re.compile(r"[^A-Za-z0-9._-]")
DEVICE_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


@dataclass
class ImportReport:
    """What the import carried over, approximated, or could not map."""

    devices: int = 0
    mailboxes: int = 0
    notes: list[str] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)  # what bears on access states
    # what does not (settings, the connector log's lines): the states are still expected
    unmapped_other: Counter[str] = field(default_factory=Counter)
    header: list[str] = field(default_factory=list)  # the scenario file's leading comments

    def lines(self) -> list[str]:
        out = [f"imported {self.devices} devices of {self.mailboxes} mailboxes"]
        out += [f"note: {n}" for n in self.notes]
        both = self.unmapped + self.unmapped_other
        out += [f"not mapped: {what} ({n})" for what, n in sorted(both.items())]
        return out


@dataclass
class Owner:
    """A mailbox owning devices: where the export names it, and the account made for it."""

    identity: str
    domain: str
    name: str
    sam: str = ""
    smtp: str | None = None


def _cell(table: Table, row: list[str], column: str) -> str:
    i = table.index.get(column.lower())
    return row[i] if i is not None else ""


def sam_for(name: str, taken: set[str]) -> str:
    """A sAMAccountName for a mailbox known only by its CN: ASCII, no spaces, 20 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = _SAM.sub("", ascii_name.replace(" ", ".")).strip(".")[:20] or "user"
    sam, n = base, 1
    while sam.lower() in taken:
        n += 1
        sam = f"{base[: 20 - len(str(n))]}{n}"
    taken.add(sam.lower())
    return sam


_iso = iso


def _time(table: Table, index: int, row: list[str], column: str) -> datetime | None:
    try:
        return parse_time(_cell(table, row, column))
    except ValueError as exc:
        raise table.error(index, column, f"{exc}: expected e.g. 5/2/2016 10:00:00 AM") from None


def cas_owners(
    table: Table, owners: dict[str, Owner], pseudo: Pseudonyms, report: ImportReport
) -> None:
    """The CAS export's sAMAccountName and primary SMTP address of each device owner."""
    lists = 0
    for i, row in enumerate(table.rows):
        identity = _cell(table, row, "Identity").strip().lower()
        owner = owners.get(identity)
        if owner is None:
            continue  # a mailbox without devices in the device export
        sam = _cell(table, row, "SamAccountName").strip()
        smtp = _cell(table, row, "PrimarySmtpAddress").strip()
        if smtp and "@" not in smtp:
            raise table.error(i, "PrimarySmtpAddress", f"{smtp!r} is not an SMTP address")
        owner.sam, owner.smtp = sam or owner.sam, smtp or None
        for column in ("ActiveSyncAllowedDeviceIDs", "ActiveSyncBlockedDeviceIDs"):
            if table.has(column) and multi_value(_cell(table, row, column)) is None:
                lists += 1
    if lists:
        report.notes.append(
            f"{lists} ActiveSyncAllowedDeviceIDs/ActiveSyncBlockedDeviceIDs fields hold a list's "
            "type name (Export-Csv writes no values of a list); the lists are rebuilt from the "
            "devices whose DeviceAccessStateReason is Individual"
        )
    del pseudo


def read_statistics(
    table: Table, by_identity: dict[str, dict[str, Any]], report: ImportReport
) -> None:
    """Get-MobileDeviceStatistics rows: each device's LastSuccessSync, matched by Identity."""
    missing = 0
    for i, row in enumerate(table.rows):
        device = by_identity.get(_cell(table, row, "Identity").strip().lower())
        if device is None:
            missing += 1
            continue
        last = _time(table, i, row, "LastSuccessSync")
        if last is not None:
            device["last_success_sync"] = _iso(last)
    if missing:
        report.unmapped["statistics of a device the device export does not hold"] += missing


def read_rules(
    table: Table, inferred: dict[str, dict[str, str]], report: ImportReport
) -> dict[str, dict[str, str]]:
    """Get-ActiveSyncDeviceAccessRule rows: the organisation's rules, in place of those
    inferred from the devices' DeviceAccessControlRule; an inferred one the export lacks is
    reported (the rule was removed after the devices' last evaluation)."""
    rules: dict[str, dict[str, str]] = {}
    for i, row in enumerate(table.rows):
        query = _cell(table, row, "QueryString")
        characteristic = _cell(table, row, "Characteristic").strip()
        level = _cell(table, row, "AccessLevel").strip()
        if characteristic not in CHARACTERISTICS:
            raise table.error(
                i,
                "Characteristic",
                f"{characteristic!r}: expected one of {', '.join(CHARACTERISTICS)}",
            )
        if level not in LEVEL_OF_STATE.values():
            raise table.error(i, "AccessLevel", f"{level!r}: expected Allow, Block or Quarantine")
        rules[f"{query} ({characteristic})"] = {
            "query_string": query,
            "characteristic": characteristic,
            "access_level": level,
        }
    for name, rule in inferred.items():
        known = rules.get(name)
        if known is None:
            report.unmapped[f"devices governed by rule {name!r}, which the rules export lacks"] += 1
        elif known["access_level"] != rule["access_level"]:
            report.unmapped[
                f"devices showing rule {name!r} at {rule['access_level']}, exported as "
                f"{known['access_level']}"
            ] += 1
    return rules
