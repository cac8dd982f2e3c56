"""`exchange-twin lab [SCENARIO|EXERCISE]`: the browser lab for a class on 127.0.0.1 — one
world per student, a link (with its token) for each and one for the trainer."""

from __future__ import annotations

from simulator.cli.common import EXIT_INVALID, EXIT_OK, console, error, load_all, positive

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any

HOST = "127.0.0.1"  # never another interface: the lab's worlds hold a class's work


def _starting_world(path: str | None, err: Any) -> tuple[Any, Any] | None:
    """(scenario, exercise or None) from the file, the default organisation without one."""
    if path is None:
        from simulator.run.lab import default_scenario

        return default_scenario(), None
    from pathlib import Path

    if not Path(path).exists():
        error(err, f"{path}: no such file")
        return None
    try:
        from simulator.lab import exercises
    except ImportError:  # the exercises module is not there: only scenarios
        exercises = None  # type: ignore[assignment]
    if exercises is not None and exercises.is_exercise_file(path):
        from simulator.language.loader import ScenarioError

        try:
            exercise = exercises.load_exercise(path)
        except ScenarioError as exc:
            error(err, str(exc))
            return None
        return exercise.scenario, exercise
    scenarios = load_all([path], err, build=True)
    if scenarios is None:
        return None
    return scenarios[0], None


def cmd_lab(args: argparse.Namespace) -> int:
    """Build every student's world, print the links, serve until Ctrl+C."""
    import socket

    out, err = console(), console(stderr=True)
    chosen = _starting_world(args.scenario, err)
    if chosen is None:
        return EXIT_INVALID
    scenario, exercise = chosen
    import uvicorn

    from simulator.lab.app import build_app
    from simulator.lab.classroom import Classroom

    out.print(f"Building {args.students} world(s) of {scenario.name} ...", highlight=False)
    try:
        room = Classroom.create(scenario, args.students, args.seed, exercise=exercise)
    except ValueError as exc:
        error(err, str(exc))
        return EXIT_INVALID
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, args.port))
    except OSError as exc:
        sock.close()
        error(err, f"cannot listen on {HOST}:{args.port}: {exc.strerror}")
        return EXIT_INVALID
    port = sock.getsockname()[1]
    base = f"http://{HOST}:{port}"
    out.print(f"The lab of {scenario.name} is open on {base} — Ctrl+C stops it.", highlight=False)
    out.print(f"  trainer: {base}/trainer?token={room.token_of('trainer')}", highlight=False)
    for name in room.sessions:
        out.print(f"  {name}: {base}/?token={room.token_of('student', name)}", highlight=False)
    config = uvicorn.Config(
        build_app(room),
        log_level="warning",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=3,
        limit_concurrency=500,
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    out.print("The lab is closed.")
    return EXIT_OK


def add_lab_parser(sub: Any) -> None:
    lab = sub.add_parser(
        "lab",
        help="the browser lab for a class: one world per student, on 127.0.0.1",
        description="Serve the browser lab on 127.0.0.1: one live world per student built from "
        "SCENARIO or EXERCISE (a small default organisation without one), a link with its "
        "token for each student and one for the trainer. Exit 0 when stopped with Ctrl+C, "
        "2 for an invalid file or a port in use.",
    )
    lab.add_argument("scenario", nargs="?", metavar="SCENARIO|EXERCISE")
    lab.add_argument("--port", type=int, default=8765, help="0 picks a free port (default 8765)")
    lab.add_argument("--students", type=positive, default=1, help="worlds to build (default 1)")
    lab.add_argument(
        "--seed", type=int, default=None, help="the worlds' seed (the file's by default)"
    )
    lab.set_defaults(fn=cmd_lab)
