"""Forensics: `exchange-twin why` (the causal chain behind a device's access state, or behind
a connection that does not sync; simulator/run/why/ does the explaining) and `exchange-twin
import` (a customer's Exchange exports → a scenario file; simulator/language/imports/)."""

from __future__ import annotations

from simulator.cli.common import EXIT_INVALID, EXIT_OK, console, error

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_why(args: argparse.Namespace) -> int:
    """Exit 0 with the answer, 2 when the question cannot be answered (no such device, a
    moment outside the run, a scenario or trace that cannot be read)."""
    import json

    from simulator.language.loader import ScenarioError, load_scenario
    from simulator.run.trace import TraceFileError, read_trace
    from simulator.run.why.connection import (
        connection_from_scenario,
        explain_connection,
        format_connection,
    )
    from simulator.run.why.device import device_from_trace, explain_device, format_device
    from simulator.run.why.missing import explain_missing, format_missing
    from simulator.run.why.moment import WhyError

    err = console(stderr=True)
    if (args.scenario is None) == (args.trace is None):
        error(err, "why needs exactly one of --scenario S (run it) or --trace T (a saved trace)")
        return EXIT_INVALID
    connection = args.subject.lower() == "connection"
    missing = args.subject.lower() == "missing"
    if missing and not args.user:
        error(err, "why missing needs the user: why missing USER --scenario S")
        return EXIT_INVALID
    if not missing and args.user:
        error(err, f"why {args.subject} takes no second argument ({args.user!r})")
        return EXIT_INVALID
    if missing and args.trace is not None:
        error(err, "why missing needs the world (--scenario S): a trace does not hold licences")
        return EXIT_INVALID
    try:
        if args.scenario is not None:
            scenario = load_scenario(args.scenario)
            if missing:
                answer = explain_missing(scenario, args.user, args.at, args.seed)
            elif connection:
                answer = connection_from_scenario(scenario, args.at, args.seed)
            else:
                answer = explain_device(scenario, args.subject, args.at, args.seed)
        else:
            _, events = read_trace(args.trace)
            if connection:
                answer = explain_connection(events, args.at)
            else:
                answer = device_from_trace(events, args.subject, args.at)
    except (ScenarioError, TraceFileError, WhyError) as exc:
        error(err, str(exc))
        return EXIT_INVALID
    if args.json:
        print(json.dumps(answer, indent=2, sort_keys=True, default=str))
    else:
        text = format_missing if missing else format_connection
        print((text if missing or connection else format_device)(answer))
    return EXIT_OK


def add_why_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "why",
        help="explain a device's access state, the connection, or a user's missing devices",
        description="DEVICE_ID: the causal chain for the device's access state — the check "
        "that decided in Exchange's order, the cmdlets that touched it, Intune's decision and "
        "its reason, the sync that reported it, and what would change the outcome. "
        "`connection`: the connection status, the last failing call and the fault active "
        "then. `missing USER`: why the user's devices are not in Intune (licence, targeting, "
        "SMTP ≠ UPN, the organisation served, the sync). With --scenario the scenario is run (the world's decisions are known); with "
        "--trace only the trace's history is.",
    )
    parser.add_argument("subject", metavar="DEVICE_ID|connection|missing")
    parser.add_argument("user", nargs="?", metavar="USER", help="for `missing`: the user")
    parser.add_argument("--scenario", metavar="S", help="run this scenario file first")
    parser.add_argument("--trace", metavar="T", help="a saved trace (.jsonl) instead")
    parser.add_argument(
        "--at", metavar="TIME", help="an earlier moment: a duration from the start (1h) or a time"
    )
    parser.add_argument("--seed", type=int, default=None, help="the seed (default: the scenario's)")
    parser.add_argument("--json", action="store_true", help="the answer as JSON")
    parser.set_defaults(fn=cmd_why)


def cmd_import(args: argparse.Namespace) -> int:
    """Read the exports, write the scenario (nothing on error), print the report."""
    from pathlib import Path

    from simulator.language.imports.devices import import_devices
    from simulator.language.imports.output import write_scenario
    from simulator.language.imports.powershell_csv import ExportError
    from simulator.language.imports.timeline import ImportArgumentError
    from simulator.language.loader import ScenarioError

    err = console(stderr=True)
    name = args.name or Path(args.output).stem
    try:
        scenario, report = import_devices(
            args.devices,
            args.mailboxes,
            args.anonymise,
            name,
            args.spec,
            statistics_path=args.statistics,
            rules_path=args.rules,
            org_settings_path=args.org_settings,
            connector_log=args.connector_log,
            service_account=args.service_account,
        )
        write_scenario(scenario, args.output, report.header)
    except (ExportError, ScenarioError, ImportArgumentError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        err.print("nothing written", highlight=False)
        return EXIT_INVALID
    for line in report.lines():
        err.print(line, highlight=False, markup=False, soft_wrap=True)
    err.print(f"wrote {args.output}", highlight=False, markup=False)
    return EXIT_OK


def add_import_parser(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="build a scenario from a customer's Exchange exports (Export-Csv, Export-Clixml)",
        description="Read Export-Csv or Export-Clixml files (told apart by content) of "
        "Get-MobileDevice / Get-ActiveSyncDevice, Get-CASMailbox, Get-MobileDeviceStatistics, "
        "Get-ActiveSyncDeviceAccessRule and Get-ActiveSyncOrganizationSettings — UTF-8, UTF-8 "
        "with BOM or UTF-16 with BOM — and write a scenario whose world has those mailboxes, "
        "devices, rules and settings. A bad file is reported with its line and column, and "
        "nothing is written.",
    )
    p.add_argument("--devices", required=True, help="export of Get-MobileDevice")
    p.add_argument("--mailboxes", help="export of Get-CASMailbox (accounts, SMTP addresses)")
    p.add_argument(
        "--statistics", help="export of Get-MobileDeviceStatistics (last successful syncs)"
    )
    p.add_argument("--rules", help="export of Get-ActiveSyncDeviceAccessRule")
    p.add_argument(
        "--org-settings",
        metavar="FILE",
        help="export of Get-ActiveSyncOrganizationSettings (default access level, admin "
        "recipients, mail inserts)",
    )
    p.add_argument(
        "--connector-log",
        metavar="DIR",
        help="the connector's Logs folder (Connector<N>.log): its failures as a fault timeline "
        "(times from its first line)",
    )
    p.add_argument(
        "--service-account",
        metavar="DOMAIN\\USER",
        help="the connector's Exchange account (the log does not name it): needed to place "
        "account faults (locked, disabled, expired, password changed)",
    )
    p.add_argument(
        "--anonymise",
        metavar="SEED",
        help="replace names, domains, addresses and device ids by pseudonyms keyed by SEED",
    )
    p.add_argument(
        "--spec", action="append", default=[], metavar="ID", help="a SPEC id it shows (repeat)"
    )
    p.add_argument("--name", help="the scenario's name (default: the output file's stem)")
    p.add_argument("-o", "--output", required=True, help="the scenario file to write")
    p.set_defaults(fn=cmd_import)
