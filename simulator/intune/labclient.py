"""A raw HTTP/1.0 exchange with the lab server over one socket, for tests and the fuzzer.

Why not `requests`: the point is to send what a well-behaved client never would (a partial
request line, a lying `Content-Length`, bytes that are not HTTP at all) and to read exactly
what came back, with a socket timeout so that a server that never answers cannot hang the
caller.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

from simulator.intune.server import LOOPBACK


@dataclass(frozen=True)
class Reply:
    """What came back: the status (None: no status line), headers and the raw body."""

    status: int | None
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse_reply(data: bytes) -> Reply:
    """Split an HTTP/1.x response into status, headers and body (no status line: None)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    words = lines[0].split(" ", 2)
    if not sep or not words[0].startswith("HTTP/") or len(words) < 2 or not words[1].isdigit():
        return Reply(None, {}, data)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(int(words[1]), headers, body)


def exchange(port: int, data: bytes, timeout: float = 5.0) -> Reply:
    """Send `data` on a fresh connection to 127.0.0.1:`port`, half-close, read to the end.

    Raises TimeoutError when the server neither answers nor closes within `timeout`."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading everything: read its answer
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return parse_reply(b"".join(chunks))
