"""`exchange-twin intune serve`: a scenario's Intune tenant on 127.0.0.1 for labs."""

from __future__ import annotations

from simulator.cli.common import EXIT_INVALID, EXIT_OK, console, load_all

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_intune_serve(args: argparse.Namespace) -> int:
    """Serve a scenario's Intune tenant (or a default one) on 127.0.0.1 until interrupted."""
    from pathlib import Path

    from simulator.intune.api import IntuneApi
    from simulator.intune.server import make_server, on_wall_clock
    from simulator.language.schema import Scenario
    from simulator.world.world import build_world

    out, err = console(), console(stderr=True)
    if args.scenario:
        scenarios = load_all([args.scenario], err)
        if scenarios is None:
            return EXIT_INVALID
        scenario = scenarios[0]
    else:
        scenario = Scenario(name="intune-lab")
    world = build_world(scenario)
    service = world.intune
    started = on_wall_clock(world)
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


def add_intune_parser(sub: Any) -> None:
    intune = sub.add_parser("intune", help="the fake Intune service")
    intune_sub = intune.add_subparsers(dest="intune_command", required=True)
    serve = intune_sub.add_parser(
        "serve",
        help="serve the connector API on 127.0.0.1 for labs (wall-clock time)",
        description="Serve a scenario's Intune tenant (a default one without SCENARIO) until "
        "Ctrl+C. Exit 0 when stopped, 2 for an invalid scenario or a port in use.",
    )
    serve.add_argument("scenario", nargs="?", help="a scenario whose tenant to serve")
    serve.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    serve.add_argument(
        "--package", metavar="FILE", help="also write the tenant's connector package to FILE"
    )
    serve.set_defaults(fn=cmd_intune_serve)
