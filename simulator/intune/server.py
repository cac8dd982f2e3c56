"""The connector API on a real HTTP server bound to 127.0.0.1, for labs
(`exchange-twin intune serve [SCENARIO] --port N`).

It serves exactly the routes of `api.py` — the same `IntuneApi.handle` the `responses`
mount calls in runs — over plain HTTP with the standard library's single-threaded server.
It runs outside any scenario run, so its time is the **wall clock**: certificates, statuses
and "no contact for three heartbeat intervals" follow real time, and the scenario's fault
timeline is anchored at the moment the server starts (a fault `at: 2h` begins two real hours
later). Directory synchronisation ran once when the world was built; nothing changes Active
Directory while the server runs, so no further cycle is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from simulator.intune.api import IntuneApi

LOOPBACK = "127.0.0.1"

if TYPE_CHECKING:
    from simulator.world.world import World


def wall_now() -> datetime:
    return datetime.now(UTC)  # wall-clock-ok: the lab server runs outside simulated time


class _Handler(BaseHTTPRequestHandler):
    api: IntuneApi  # set on the subclass `make_server` builds
    server_version = "IntuneTwin/1.0"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        status, headers, payload = self.api.handle(
            self.command,
            parts.path,
            dict(parse_qsl(parts.query)),
            dict(self.headers.items()),
            body,
            wall_now(),
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        """Quiet by default: a lab prints its own summary line per request if it wants one."""


def on_wall_clock(world: World) -> datetime:
    """Switch a built world's Intune service to the wall clock for a lab; returns the start.

    Like the fault timeline, which starts with the server, the connector's end of support
    keeps its distance from the scenario's start: a lab of a 2016 organisation still has its
    years of support ahead of it on today's date."""
    started = wall_now()
    world.intune.clock = wall_now
    world.faults.origin = started
    if world.intune.end_of_support is not None:
        world.intune.end_of_support += started - world.clock.start
    return started


def make_server(api: IntuneApi, port: int = 0) -> HTTPServer:
    """An HTTP server for `api` on 127.0.0.1:`port` (0 picks a free port); the caller runs
    `serve_forever()` and, to stop, `shutdown()` then `server_close()`."""
    handler = type("IntuneHandler", (_Handler,), {"api": api})
    return HTTPServer((LOOPBACK, port), handler)
