"""The `responses` mount: every HTTP request the connector makes is decided by the network
model from its own proxy settings and target (and the host it leaves from), then served by the
fake Intune API — or refused, timed out, answered 407 by the proxy, as the network decides.
Each request is traced and spends its simulated cost on the clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from simulator.world.world import World


class SourceTaggingAdapter(HTTPAdapter):
    """Marks each request with the host it leaves from, so the network can decide per host."""

    def __init__(self, host_name: str) -> None:
        super().__init__()
        self.host_name = host_name

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        request.twin_source = self.host_name  # type: ignore[attr-defined]
        return super().send(request, *args, **kwargs)


class HttpMount:
    """Routes every `requests` call of a run through the network model to the fake Intune API."""

    METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")

    def __init__(self, world: World) -> None:
        self.world = world
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        import re

        for method in self.METHODS:
            self.mock.add_callback(method, re.compile(r".*"), callback=self._callback)

    def __enter__(self) -> HttpMount:
        self.mock.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.mock.stop()
        self.mock.reset()

    def _proxy_for(self, request: requests.PreparedRequest) -> str | None:
        proxies = getattr(request, "req_kwargs", {}).get("proxies") or {}
        scheme = urlsplit(request.url or "").scheme
        return proxies.get(scheme) or proxies.get("all")

    def _callback(self, request: requests.PreparedRequest) -> Any:
        # `responses` keeps every call it served (request body included) until the mount is
        # reset; nothing reads them here, and a million-device sync uploads gigabytes of pages
        self.mock.calls.reset()
        world = self.world
        url = request.url or ""
        parts = urlsplit(url)
        proxy = self._proxy_for(request)
        source = getattr(request, "twin_source", "?")
        timeout = getattr(request, "req_kwargs", {}).get("timeout")
        if proxy:
            world.trace.add_secret(urlsplit(proxy).password)
        decision = world.network.decide_http(url, proxy, world.clock.seconds, source, timeout)
        world.clock.spend(decision.seconds)
        event = {
            "host": source,
            "method": request.method,
            "url": f"{parts.scheme}://{parts.hostname}{parts.path}",
            "proxy": _proxy_label(proxy),
        }
        if not decision.ok:
            world.trace.emit("http", **event, outcome=decision.outcome, detail=decision.detail)
            return _network_exception(decision)
        service = world.http_services.get((parts.hostname or "").lower())
        if service is not None and not getattr(service, "reachable", lambda _host: True)(
            parts.hostname or ""
        ):
            service = None  # the service's host is down: the connection is refused
        if service is None:
            world.trace.emit("http", **event, outcome="refused")
            return requests.exceptions.ConnectionError(
                f"HTTPSConnectionPool(host='{parts.hostname}', port=443): Max retries exceeded "
                "(Caused by NewConnectionError: [WinError 10061] No connection could be made because the target "
                "machine actively refused it)"
            )
        headers = dict(request.headers)
        status, resp_headers, body = service.handle(
            request.method or "GET",
            parts.path,
            dict(parse_qsl(parts.query)),
            headers,
            request.body,
            world.clock.now(),
        )
        world.trace.emit("http", **event, status=status)
        return status, resp_headers, body


def _proxy_label(proxy: str | None) -> str | None:
    if not proxy:
        return None
    parts = urlsplit(proxy)
    return f"{parts.hostname}:{parts.port}"


def _network_exception(decision: Any) -> Exception:
    """The exception `requests` raises for each network outcome (a connect timeout to a
    proxy is a ConnectTimeout too, as urllib3 reports it)."""
    if decision.outcome == "timeout":
        return requests.exceptions.ConnectTimeout(decision.detail)
    if decision.outcome == "read_timeout":
        return requests.exceptions.ReadTimeout(decision.detail)
    if decision.outcome.startswith("proxy"):
        return requests.exceptions.ProxyError(decision.detail)
    return requests.exceptions.ConnectionError(decision.detail)
