"""`exchange-twin`: run, validate and list scenarios; serve a fake Intune tenant for labs.

Exit codes: 0 when every expectation holds, 1 when one fails, 2 for invalid input (a
scenario that does not validate, a path that does not exist, a bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from simulator.scenario import Scenario, ScenarioError, find_scenarios, json_schema, load_scenario

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _wide() -> Console:
    """A console wide enough that names and hashes are never cut, even when piped."""
    return Console(width=max(Console().width, 160))


def _load_all(paths: list[str], err: Console) -> list[Scenario] | None:
    files = find_scenarios(paths)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        for p in missing:
            err.print(f"[red]error:[/] {p}: no such file or folder")
        return None
    if not files:
        err.print(f"[red]error:[/] no scenario files (*.yaml) under {', '.join(paths)}")
        return None
    scenarios, bad = [], False
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except ScenarioError as exc:
            err.print(f"[red]invalid:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            bad = True
    names: dict[str, str] = {}
    for s in scenarios:
        if s.name in names:
            err.print(
                f"[red]invalid:[/] {s.path}: name: {s.name!r} is already used by {names[s.name]}"
            )
            bad = True
        names[s.name] = s.path or ""
    return None if bad else scenarios


def cmd_run(args: argparse.Namespace) -> int:
    from simulator.runner import run_scenario

    out, err = _wide(), Console(stderr=True)
    scenarios = _load_all(args.paths, err)
    if scenarios is None:
        return EXIT_INVALID
    results = []
    for scenario in scenarios:
        result = run_scenario(scenario, seed=args.seed, trace_dir=args.trace)
        results.append(result)
        if not result.passed:
            err.print(f"[red]FAIL[/] {scenario.name} ({scenario.path})", highlight=False)
            for failure in result.failures:
                err.print(f"  - {failure}", highlight=False, markup=False, soft_wrap=True)
            err.print(f"  reproduce: {result.reproducer()}", highlight=False, markup=False)
    table = Table(title="Scenario results")
    for col in ("scenario", "result", "seed", "simulated", "events"):
        table.add_column(col, overflow="fold")
    table.add_column("trace sha256", no_wrap=True, min_width=64)
    for r in results:
        table.add_row(
            r.name,
            "[green]pass[/]" if r.passed else "[red]FAIL[/]",
            str(r.seed),
            r.simulated_span,
            str(r.events),
            r.sha256,
        )
    out.print(table)
    passed = sum(r.passed for r in results)
    out.print(f"{passed} passed, {len(results) - passed} failed")
    return EXIT_OK if passed == len(results) else EXIT_FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    out, err = Console(), Console(stderr=True)
    scenarios = _load_all(args.paths, err)
    if scenarios is None:
        return EXIT_INVALID
    for s in scenarios:
        out.print(f"[green]valid[/] {s.path}", highlight=False)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    out, err = _wide(), Console(stderr=True)
    scenarios = _load_all(args.paths or ["scenarios"], err)
    if scenarios is None:
        return EXIT_INVALID
    table = Table(title="Scenarios")
    table.add_column("name", no_wrap=True)
    for col in ("tags", "spec", "summary", "file"):
        table.add_column(col, overflow="fold")
    for s in scenarios:
        table.add_row(s.name, ", ".join(s.tags), ", ".join(s.spec), s.summary, s.path or "")
    out.print(table)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def cmd_intune_serve(args: argparse.Namespace) -> int:
    """Serve a scenario's Intune tenant (or a default one) on 127.0.0.1 until interrupted."""
    from simulator.intune.api import IntuneApi
    from simulator.intune.server import make_server, wall_now
    from simulator.world import build_world

    out, err = Console(), Console(stderr=True)
    if args.scenario:
        scenarios = _load_all([args.scenario], err)
        if scenarios is None:
            return EXIT_INVALID
        scenario = scenarios[0]
    else:
        scenario = Scenario(name="intune-lab")
    world = build_world(scenario)
    service = world.intune
    started = wall_now()
    service.clock = wall_now
    world.faults.origin = started  # the scenario's fault timeline starts with the server
    if args.package:
        admin = next(iter(sorted(service.admins)), "")
        name, data = world.console.download_connector(admin, started)
        Path(args.package).write_bytes(data)
        out.print(f"wrote {name} for tenant {service.tenant_name} to {args.package}")
    try:
        server = make_server(IntuneApi(service), args.port)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot listen on 127.0.0.1:{args.port}: {exc.strerror}")
        return EXIT_INVALID
    host, port = server.server_address[:2]
    out.print(
        f"Intune tenant {service.tenant_name} (profile {service.profile}) serving the connector "
        f"API on http://{host}:{port}/api/v1 — Ctrl+C stops it",
        highlight=False,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exchange-twin",
        description="A digital twin of the Intune on-premises Exchange connector.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run scenarios (files or folders, searched recursively)")
    run.add_argument("paths", nargs="+")
    run.add_argument("--seed", type=int, help="override the seed of every scenario")
    run.add_argument("--trace", metavar="DIR", help="write one JSONL trace per scenario into DIR")
    run.set_defaults(fn=cmd_run)
    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("paths", nargs="+")
    val.set_defaults(fn=cmd_validate)
    lst = sub.add_parser("list", help="list scenarios with their summaries")
    lst.add_argument("paths", nargs="*")
    lst.set_defaults(fn=cmd_list)
    sch = sub.add_parser("schema", help="print the scenario JSON Schema")
    sch.set_defaults(fn=cmd_schema)
    intune = sub.add_parser("intune", help="the fake Intune service")
    intune_sub = intune.add_subparsers(dest="intune_command", required=True)
    serve = intune_sub.add_parser(
        "serve", help="serve the connector API on 127.0.0.1 for labs (wall-clock time)"
    )
    serve.add_argument("scenario", nargs="?", help="a scenario whose tenant to serve")
    serve.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    serve.add_argument(
        "--package", metavar="FILE", help="also write the tenant's connector package to FILE"
    )
    serve.set_defaults(fn=cmd_intune_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_INVALID if exc.code else EXIT_OK
    return int(args.fn(args))


if __name__ == "__main__":
    sys.exit(main())
