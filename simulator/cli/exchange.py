"""`exchange-twin shell` (an Exchange Management Shell on a world) and `fidelity` (the
Exchange fidelity table, docs/fidelity.md).
"""

from __future__ import annotations

from simulator.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, console

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_shell(args: argparse.Namespace) -> int:
    """An Exchange Management Shell over a scenario's world (or a small default one)."""
    import sys

    from simulator.exchange.shell.repl import run_repl
    from simulator.run.lab import LabError, ScenarioError, open_lab

    try:
        lab = open_lab(args.scenario, args.seed, args.account, args.server)
    except (ScenarioError, LabError, ValueError) as exc:
        console(stderr=True).print(
            f"[red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True
        )
        return EXIT_INVALID
    for stream in (sys.stdin, sys.stdout):  # a byte or character the console lacks: '?'
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        if args.command_text is None:
            return run_repl(lab.shell, lab.banner())
        output = lab.shell.execute(args.command_text)
        if output:
            print(output, flush=True)
    except BrokenPipeError:  # `... | head`: the reader has all it wants
        _stdout_to_devnull()
    return EXIT_OK if lab.shell.last_ok else EXIT_FAILED


def _stdout_to_devnull() -> None:
    """After a broken pipe, point stdout at /dev/null so that the interpreter's final flush
    does not fail again (and print a traceback) on the way out."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def cmd_fidelity(args: argparse.Namespace) -> int:
    """Print (or check) the Exchange fidelity table generated from the cmdlet registry."""
    import sys
    from pathlib import Path

    from simulator.exchange.fidelity import fidelity_markdown

    text = fidelity_markdown()
    if args.check:
        current = Path(args.check).read_text(encoding="utf-8") if Path(args.check).exists() else ""
        if current != text:
            console(stderr=True).print(
                f"{args.check} is out of date: run exchange-twin fidelity > {args.check}"
            )
            return EXIT_FAILED
        return EXIT_OK
    sys.stdout.write(text)
    return EXIT_OK


def add_shell_parser(sub: Any) -> None:
    sh = sub.add_parser(
        "shell", help="an Exchange Management Shell over a scenario's world (or a default one)"
    )
    sh.add_argument("scenario", nargs="?", help="a scenario file whose world: to open")
    sh.add_argument("--as", dest="account", metavar="DOMAIN\\user", help="the account to log on as")
    sh.add_argument("--server", help="the Client Access server to connect to (the first one)")
    sh.add_argument("--seed", type=int, help="override the scenario's seed")
    sh.add_argument("-c", dest="command_text", metavar="COMMAND", help="run one command and exit")
    sh.set_defaults(fn=cmd_shell)


def add_fidelity_parser(sub: Any) -> None:
    fid = sub.add_parser("fidelity", help="print the Exchange fidelity table (docs/fidelity.md)")
    fid.add_argument("--check", metavar="FILE", help="exit 1 when FILE differs from the table")
    fid.set_defaults(fn=cmd_fidelity)
