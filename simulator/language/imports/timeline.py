"""The connector log's inferred faults (connector_log.py) as scenario data: `faults:` entries
with times relative to the log's first line (the scenario's start), and what they name —
Exchange servers, proxies, the connector's account — added to the world so that the file
validates; each fault cites its lines in the file's header and in the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.language.imports.connector_log import NEW_PASSWORD, LogInference, duration

if TYPE_CHECKING:
    from simulator.language.imports.anonymise import Pseudonyms
    from simulator.language.imports.companions import ImportReport

ACCOUNT_FAULTS = {"account_locked", "account_disabled", "password_expired", "password_changed"}


class ImportArgumentError(Exception):
    """A command-line value the import cannot use (named, with what was expected)."""


@dataclass
class Timeline:
    """What the log adds to the scenario."""

    start: datetime
    faults: list[dict[str, Any]] = field(default_factory=list)
    servers: list[str] = field(default_factory=list)  # short names, the configured one first
    proxies: list[dict[str, Any]] = field(default_factory=list)
    account: dict[str, Any] | None = None
    header: list[str] = field(default_factory=list)


def _short(fqdn: str, pseudo: Pseudonyms) -> str:
    name = fqdn.split(".")[0]
    return pseudo.label(name).upper() if pseudo.enabled else name.upper()


def service_account(
    account: str, netbios_of: dict[str, str], pseudo: Pseudonyms, password: str
) -> dict[str, Any]:
    """The connector's Exchange account (`--service-account DOMAIN\\user`) as a directory
    account of the imported world: its NetBIOS domain must be one of the export's."""
    if "@" in account and "\\" not in account:  # a UPN: user@<AD domain>
        user, _, dns_domain = account.rpartition("@")
        netbios = netbios_of.get(dns_domain.lower())
        if user and netbios is not None:
            return {
                "name": f"{netbios}\\{pseudo.person(user)}",
                "password": password,
                "role_groups": ["Organization Management"],
            }
        known = ", ".join(sorted(netbios_of)) or "none"
        raise ImportArgumentError(
            f"--service-account {account!r}: the domain {dns_domain!r} is not one of the "
            f"export's (AD domains: {known})"
        )
    domain, sep, user = account.partition("\\")
    if not sep or not domain or not user:
        raise ImportArgumentError(
            f"--service-account {account!r}: expected DOMAIN\\user or user@<AD domain> (the "
            "connector's Exchange account, as its configuration names it)"
        )
    for dns, netbios in sorted(netbios_of.items()):
        if dns.split(".")[0].upper() == domain.upper():
            return {
                "name": f"{netbios}\\{pseudo.person(user)}",
                "password": password,
                "role_groups": ["Organization Management"],
            }
    known = ", ".join(sorted(d.split(".")[0].upper() for d in netbios_of)) or "none"
    raise ImportArgumentError(
        f"--service-account {account!r}: the domain {domain!r} is not one of the export's "
        f"(NetBIOS names: {known})"
    )


def timeline(
    inference: LogInference,
    pseudo: Pseudonyms,
    report: ImportReport,
    account: dict[str, Any] | None,
) -> Timeline:
    """The faults of `inference` as `faults:` entries (see the module's docstring)."""
    origin = inference.first.replace(microsecond=0)
    out = Timeline(origin, account=account)
    out.servers = [_short(s, pseudo) for s in inference.servers]
    for host, port in inference.proxies:
        out.proxies.append({"address": pseudo.domain(host), "port": port})
    out.header.append(
        f"faults inferred from the connector log ({len(inference.lines)} lines, "
        f"{inference.first.isoformat()} to {inference.last.isoformat()}; times from its first line):"
    )
    for fault in inference.faults:
        if fault.kind in ACCOUNT_FAULTS and account is None:
            report.unmapped_other[
                f"connector log: {fault.kind} ({len(fault.failures)} lines from "
                f"{fault.failures[0].where}): the log does not name the connector's account; "
                "give --service-account DOMAIN\\user"
            ] += 1
            continue
        at = math.floor((fault.start - origin).total_seconds())
        entry: dict[str, Any] = {"kind": fault.kind, "at": duration_of(at)}
        if fault.end is not None:
            until = max(math.ceil((fault.end - origin).total_seconds()), at + 1)
            entry["until"] = duration_of(until)
        for key, value in fault.params.items():
            if key == "server":
                value = _short(str(value), pseudo)
            elif key == "address":
                value = pseudo.domain(str(value))
            entry[key] = value
        if fault.kind in ACCOUNT_FAULTS:
            assert account is not None
            entry["account"] = account["name"]
        if fault.kind in ("password_changed", "proxy_credentials_changed"):
            entry["password"] = NEW_PASSWORD
        out.faults.append(entry)
        shown = {k: v for k, v in entry.items() if k not in ("kind", "at", "until")}
        described = fault.describe(entry["at"], entry.get("until"), shown)
        line = f"[{len(out.faults) - 1}] {described}"
        out.header.append(line)
        report.notes.append(f"fault {line}")
    if any(f["kind"] in ("password_changed", "proxy_credentials_changed") for f in out.faults):
        report.notes.append(
            f"the new password of a changed password is not in any log: {NEW_PASSWORD!r} stands "
            "for it (any value reproduces the failure)"
        )
    report.unmapped_other.update(inference.unmapped)
    report.notes.append(
        f"connector log: {len(inference.lines)} lines; "
        f"{sum(len(f.failures) for f in inference.faults)} show faults, "
        f"{inference.recovery} show recovery, {sum(inference.unmapped.values())} map to nothing"
    )
    return out


def duration_of(seconds: int) -> str:
    return duration(timedelta(seconds=seconds))
