"""`exchange-twin import`: a customer's Exchange exports → a scenario file (forensics: the
twin rebuilt from what a customer sends)."""

from __future__ import annotations

from simulator.cli.common import EXIT_INVALID, EXIT_OK, console

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_import(args: argparse.Namespace) -> int:
    """Read the exports, write the scenario (nothing on error), print the report."""
    from pathlib import Path

    from simulator.language.imports.devices import import_devices
    from simulator.language.imports.output import write_scenario
    from simulator.language.imports.powershell_csv import ExportError
    from simulator.language.loader import ScenarioError

    err = console(stderr=True)
    name = args.name or Path(args.output).stem
    try:
        scenario, report = import_devices(
            args.devices, args.mailboxes, args.anonymise, name, args.spec
        )
        write_scenario(scenario, args.output)
    except (ExportError, ScenarioError) as exc:
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
        help="build a scenario from a customer's Exchange exports (Export-Csv)",
        description="Read Export-Csv files of Get-MobileDevice / Get-ActiveSyncDevice (and "
        "Get-CASMailbox) — UTF-8, UTF-8 with BOM or UTF-16 with BOM, with or without the #TYPE "
        "line — and write a scenario whose world has those mailboxes and devices. A bad file "
        "is reported with its line and column, and nothing is written.",
    )
    p.add_argument("--devices", required=True, help="Export-Csv of Get-MobileDevice")
    p.add_argument("--mailboxes", help="Export-Csv of Get-CASMailbox (accounts, SMTP addresses)")
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
