"""`exchange-twin why`: the causal chain behind a device's access state, or behind a
connection that does not sync (simulator/run/why.py does the explaining)."""

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
    from simulator.run import why
    from simulator.run.trace import TraceFileError, read_trace

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
                answer = why.explain_missing(scenario, args.user, args.at, args.seed)
            elif connection:
                answer = why.connection_from_scenario(scenario, args.at, args.seed)
            else:
                answer = why.explain_device(scenario, args.subject, args.at, args.seed)
        else:
            _, events = read_trace(args.trace)
            if connection:
                answer = why.explain_connection(events, args.at)
            else:
                answer = why.device_from_trace(events, args.subject, args.at)
    except (ScenarioError, TraceFileError, why.WhyError) as exc:
        error(err, str(exc))
        return EXIT_INVALID
    if args.json:
        print(json.dumps(answer, indent=2, sort_keys=True, default=str))
    else:
        text = why.format_missing if missing else why.format_connection
        print((text if missing or connection else why.format_device)(answer))
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
