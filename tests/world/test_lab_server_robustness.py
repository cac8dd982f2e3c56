"""The lab server under clients that misbehave (issue 13): slow or silent clients never block
the others, oversized bodies get 413, departed clients leave no traceback, and every refusal
is the contract's JSON error. Real sockets on 127.0.0.1; every wait is bounded by a socket
timeout or an event, never a sleep."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from simulator.intune.api import IntuneApi
from simulator.intune.labclient import exchange
from simulator.intune.server import LOOPBACK, LabServer, make_server, on_wall_clock
from tests.world.conftest import small_world

#: Long enough never to fire while a test waits on something that should happen at once.
PATIENCE = 5.0


@contextmanager
def serving(api: Any = None, **options: Any) -> Iterator[LabServer]:
    """A lab server on a free port in a background thread; joined (and its connection threads
    too) when the block ends."""
    if api is None:
        world = small_world()
        on_wall_clock(world)
        api = IntuneApi(world.intune)
    server = make_server(api, 0, **options)
    server.block_on_close = True  # server_close waits for the connection threads
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=PATIENCE)


def port_of(server: LabServer) -> int:
    return server.server_address[1]


def test_a_slow_client_does_not_block_another_clients_request():
    with serving() as server:
        slow = socket.create_connection((LOOPBACK, port_of(server)), timeout=PATIENCE)
        idle = socket.create_connection((LOOPBACK, port_of(server)), timeout=PATIENCE)
        try:
            slow.sendall(b"POST /api/v1/connectors HTTP/1.1\r\nHost: lab\r\nContent-Le")
            reply = exchange(port_of(server), b"GET /api/v1/nowhere HTTP/1.0\r\n\r\n", PATIENCE)
        finally:
            slow.close()
            idle.close()
    assert reply.status == 404
    assert reply.json()["error"] == "notFound"


def test_a_silent_connection_is_closed_after_the_read_timeout():
    with (
        serving(read_timeout=0.2) as server,
        socket.create_connection((LOOPBACK, port_of(server)), timeout=PATIENCE) as slow,
    ):
        slow.sendall(b"GET /api/v1/connectors/x HTTP/1.1\r\n")
        assert slow.recv(1024) == b""  # closed by the server, not by our own timeout


def test_an_oversized_body_gets_413_before_it_is_read():
    with serving(max_body=1000) as server:
        reply = exchange(
            port_of(server),
            b"POST /api/v1/connectors HTTP/1.0\r\nContent-Length: 1000000000\r\n\r\n{",
        )
    assert reply.status == 413
    assert reply.json()["error"] == "payloadTooLarge"
    assert "at most 1000" in reply.json()["message"]


@pytest.mark.parametrize(
    ("request_bytes", "status", "error"),
    [
        (b"GET /api/v1/x\r\n\r\n", 400, "malformedRequest"),
        (b"\r\n", 400, "malformedRequest"),
        (b"GET /api/v1/x HTTP/1.0\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431, "headersTooLarge"),
        (b"POST /api/v1/readiness HTTP/1.0\r\nContent-Length: -3\r\n\r\n", 400, "malformedRequest"),
        (
            b"POST /api/v1/readiness HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            411,
            "lengthRequired",
        ),
        (b"BREW /api/v1/readiness HTTP/1.0\r\n\r\n", 405, "methodNotAllowed"),
        (b"GET http://[lab/api/v1 HTTP/1.0\r\n\r\n", 400, "malformedRequest"),
    ],
    ids=[
        "no-version",
        "empty-line",
        "long-header",
        "negative-length",
        "chunked",
        "unknown-method",
        "bad-url",
    ],
)
def test_http_layer_refusals_are_json_errors(request_bytes, status, error):
    with serving() as server:
        reply = exchange(port_of(server), request_bytes)
    assert (reply.status, reply.headers["content-type"]) == (status, "application/json")
    assert reply.json()["error"] == error


class _Held:
    """An API whose answer waits until the test says so (the client has gone by then)."""

    def __init__(self, api: IntuneApi) -> None:
        self.api = api
        self.entered = threading.Event()
        self.release = threading.Event()

    def handle(self, *args: Any) -> Any:
        self.entered.set()
        assert self.release.wait(PATIENCE)
        return self.api.handle(*args)


def test_a_client_that_disconnects_mid_response_leaves_no_traceback(capfd):
    world = small_world()
    on_wall_clock(world)
    held = _Held(IntuneApi(world.intune))
    with serving(held) as server:
        client = socket.create_connection((LOOPBACK, port_of(server)), timeout=PATIENCE)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        client.sendall(b"GET /api/v1/connectors/x/policy HTTP/1.0\r\n\r\n")
        assert held.entered.wait(PATIENCE)
        client.close()  # SO_LINGER 0: a reset, so the server's write fails
        held.release.set()
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "Error" not in err


class _Broken:
    def handle(self, *args: Any) -> Any:
        raise RuntimeError("a defect in a route")


def test_a_defect_in_a_route_is_a_500_json_error_and_one_line(capfd):
    with serving(_Broken()) as server:
        reply = exchange(port_of(server), b"GET /api/v1/connectors/x HTTP/1.0\r\n\r\n")
    assert reply.status == 500
    assert reply.json()["error"] == "internalError"
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "a defect in a route" in err
