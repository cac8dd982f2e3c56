"""`exchange-twin`: run, validate and list scenarios; compare traces; build reports; serve
a fake Intune tenant for labs; open an Exchange Management Shell on a world.

Exit codes: 0 when every expectation holds, 1 when one fails, 2 for invalid input (a
scenario that does not validate, a path that does not exist, a bad option, a selection that
selects nothing, a report that cannot be written).

One module per command family — `run` (run, paths), `scenarios` (validate, list, schema),
`traces` (trace diff, report), `intune` (intune serve), `exchange` (shell, fidelity), `forensics` (why, import), `lab` (lab), `snapshot`
(snapshot show; `run --snapshot-at`/`--from` are handed to it) — each
with its `add_*_parser` and `cmd_*` functions. They only parse and print: each command calls
a function of the layer it fronts, imported inside the command, so `--help` (and any one
command) loads only what it uses (tests/test_cli_start.py; the `cli_start` benchmark).
"""

from __future__ import annotations

import argparse

from simulator.cli import (
    exchange,
    explore,
    forensics,
    intune,
    lab,
    run,
    scenarios,
    snapshot,
    traces,
)
from simulator.cli.common import EXIT_INVALID, EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exchange-twin",
        description="A digital twin of the Intune on-premises Exchange connector.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run.add_run_parser(sub)
    scenarios.add_validate_parser(sub)
    scenarios.add_list_parser(sub)
    traces.add_trace_parser(sub)
    traces.add_report_parser(sub)
    scenarios.add_schema_parser(sub)
    intune.add_intune_parser(sub)
    exchange.add_shell_parser(sub)
    run.add_paths_parser(sub)
    explore.add_explore_parser(sub)
    exchange.add_fidelity_parser(sub)
    forensics.add_why_parser(sub)
    forensics.add_import_parser(sub)
    snapshot.add_snapshot_parser(sub)
    lab.add_lab_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_INVALID if exc.code else EXIT_OK
    return int(args.fn(args))
