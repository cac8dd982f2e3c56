"""The request plumbing on its own: a client that goes away before its body arrives, and a
body that never arrives, end as JSON errors (never an exception escaping to the server)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request

from simulator.lab import http
from simulator.lab.http import ApiError, read_json


def request(messages: list[dict[str, Any]] | None) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/steps",
        "headers": [],
        "query_string": b"",
    }

    async def receive() -> dict[str, Any]:
        if messages is None:  # the body never comes
            await asyncio.Event().wait()
        return messages.pop(0)

    return Request(scope, receive)


def test_a_client_that_disconnects_mid_request_is_a_bad_request():
    req = request(
        [
            {"type": "http.request", "body": b'{"do":', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    with pytest.raises(ApiError) as refused:
        asyncio.run(read_json(req))
    assert refused.value.status == 400 and "went away" in refused.value.message


def test_a_body_that_never_arrives_times_out(monkeypatch: Any):
    monkeypatch.setattr(http, "BODY_TIMEOUT", 0.0)  # at once: the test never waits
    with pytest.raises(ApiError) as refused:
        asyncio.run(read_json(request(None)))
    assert refused.value.status == 408


def test_a_whole_body_is_read_as_json():
    req = request([{"type": "http.request", "body": b'{"do": "install"}', "more_body": False}])
    assert asyncio.run(read_json(req)) == {"do": "install"}
