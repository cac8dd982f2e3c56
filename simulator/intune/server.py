"""The connector API on a real HTTP server bound to 127.0.0.1, for labs
(`exchange-twin intune serve [SCENARIO] --port N`).

It serves exactly the routes of `api.py` — the same `IntuneApi.handle` the `responses`
mount calls in runs — over plain HTTP. It runs outside any scenario run, so its time is the
**wall clock**: certificates, statuses and "no contact for three heartbeat intervals" follow
real time, and the scenario's fault timeline is anchored at the moment the server starts (a
fault `at: 2h` begins two real hours later). Directory synchronisation ran once when the
world was built; nothing changes Active Directory while the server runs, so no further cycle
is needed.

Why the standard library's `ThreadingHTTPServer` (and not an ASGI server such as uvicorn):
a lab serves a handful of connectors and a trainer's browser, the routes are synchronous
and quick, and the world must be touched by one thread at a time anyway — so a thread per
connection (for reading requests, which is where slow clients spend their time) in front of
one lock (for the world) gives everything a lab needs without a new dependency. An ASGI
server may come with the browser lab (issue 15).

What a lab server promises, whatever a client does (docs/intune-api.md, "The lab server"):

* **concurrency**: each connection has its own daemon thread, so a client that sends its
  request slowly, or opens a connection and sends nothing, never blocks the others;
* **read timeouts**: a connection that stays silent for `read_timeout` seconds is closed;
* **a body size limit**: a `Content-Length` over `max_body` is answered 413 before any of
  the body is read;
* **JSON errors only**: what the HTTP layer refuses (a malformed request line, headers too
  long, a bad `Content-Length`) gets the contract's `{error, message}` body like any route;
* **no tracebacks**: a client that goes away mid-request or mid-response is not an error of
  the server; a defect in a route is answered 500 `internalError` and named in one line on
  stderr;
* **one world, one thread**: every call into the API holds the server's lock, so the
  simulated world sees the same one-call-at-a-time sequence as in a run.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from simulator.intune.api import IntuneApi

LOOPBACK = "127.0.0.1"
#: Seconds a connection may stay silent while its request is read.
READ_TIMEOUT = 10.0
#: The largest request body served (a page of 1,000 device records is ~500 KB).
MAX_BODY = 8 * 1024 * 1024
_LENGTH = re.compile(r"[0-9]{1,15}")

#: The error code of each HTTP-layer refusal (the JSON body's `error`).
HTTP_ERRORS = {
    400: "malformedRequest",
    408: "requestTimeout",
    411: "lengthRequired",
    413: "payloadTooLarge",
    414: "uriTooLong",
    431: "headersTooLarge",
    500: "internalError",
    505: "httpVersionNotSupported",
}

if TYPE_CHECKING:
    from simulator.world.world import World


def wall_now() -> datetime:
    return datetime.now(UTC)  # wall-clock-ok: the lab server runs outside simulated time


def _gone(exc: BaseException | None) -> bool:
    """Did the client go away (or fall silent)? Not an error of the server."""
    return isinstance(exc, ConnectionError | TimeoutError)


class LabServer(ThreadingHTTPServer):
    """A thread per connection, one lock for the world, quiet about departed clients."""

    daemon_threads = True  # a stuck client never keeps the process alive
    block_on_close = False  # nor delays `server_close`

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line on stderr for a real defect; nothing for a client that went away."""
        exc = sys.exc_info()[1]
        if _gone(exc):
            return
        host, port = client_address[:2]
        sys.stderr.write(f"lab server: request from {host}:{port} failed: {exc!r}\n")


class _Handler(BaseHTTPRequestHandler):
    api: IntuneApi  # set on the subclass `make_server` builds
    max_body: int = MAX_BODY
    timeout = READ_TIMEOUT  # StreamRequestHandler: the socket's timeout for every read
    server: LabServer
    server_version = "IntuneTwin/1.0"
    # A response always has a status line and headers, even to a request line without a
    # version (which is refused): a client can always read the JSON error.
    default_request_version = "HTTP/1.0"

    def __getattr__(self, name: str) -> Any:
        """Every method reaches the routes (`do_<METHOD>`), which answer 405 or 404 as the
        contract says, instead of the standard library's 501 for a method it has no
        `do_` for."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def parse_request(self) -> bool:
        if not self.raw_requestline.strip():
            self.command, self.requestline = None, ""
            self.request_version = self.default_request_version
            self.send_error(HTTPStatus.BAD_REQUEST, "The request line is empty")
            return False
        if not super().parse_request():
            return False
        if len(self.requestline.split()) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, "The request line needs an HTTP version")
            return False
        return True

    def _serve(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            self.send_error(HTTPStatus.LENGTH_REQUIRED, "Send the body with a Content-Length")
            return
        text = (self.headers.get("Content-Length") or "0").strip()
        if not _LENGTH.fullmatch(text):
            self.send_error(
                HTTPStatus.BAD_REQUEST, f"Content-Length must be a whole number, found {text!r}"
            )
            return
        length = int(text)
        if length > self.max_body:
            self.send_error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The body has {length} bytes; the lab server takes at most {self.max_body}",
            )
            return
        body = self.rfile.read(length) if length else None
        if body is not None and len(body) < length:
            self.send_error(
                HTTPStatus.BAD_REQUEST,
                f"The body ended after {len(body)} of its {length} bytes (Content-Length)",
            )
            return
        try:
            parts = urlsplit(self.path)
        except ValueError as exc:
            self.send_error(HTTPStatus.BAD_REQUEST, f"The request target is not a URL ({exc})")
            return
        try:
            with self.server.lock:
                status, headers, payload = self.api.handle(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    dict(self.headers.items()),
                    body,
                    wall_now(),
                )
        except Exception as exc:  # noqa: BLE001 - a defect in a route: answer, then name it
            sys.stderr.write(f"lab server: {self.command} {parts.path} failed: {exc!r}\n")
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "The route failed unexpectedly")
            return
        self._send(status, headers, payload)

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The contract's JSON error instead of the standard library's HTML page."""
        status = HTTPStatus(code)
        body = {
            "error": HTTP_ERRORS.get(code, "malformedRequest"),
            "message": message or status.phrase,
        }
        self.close_connection = True
        self._send(
            code,
            {"Content-Type": "application/json", "Connection": "close"},
            json.dumps(body).encode(),
        )

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


def make_server(
    api: IntuneApi,
    port: int = 0,
    *,
    read_timeout: float = READ_TIMEOUT,
    max_body: int = MAX_BODY,
    server_class: type[LabServer] = LabServer,
) -> LabServer:
    """An HTTP server for `api` on 127.0.0.1:`port` (0 picks a free port); the caller runs
    `serve_forever()` and, to stop, `shutdown()` then `server_close()`."""
    handler = type(
        "IntuneHandler",
        (_Handler,),
        {"api": api, "timeout": read_timeout, "max_body": max_body},
    )
    return server_class((LOOPBACK, port), handler)
