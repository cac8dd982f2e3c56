"""Fuzzing the lab server's routes (`exchange-twin intune serve`, docs/intune-api.md).

Each input is one HTTP request — method, request target, version, headers, body, or now and
then raw bytes that are not HTTP at all — sent over a real socket to a lab server on
127.0.0.1 that this process starts once (the same `LabServer` and `IntuneApi` a lab runs).
Inputs may name the live connector with placeholders (`{cid}`, `{token}`, `{cert}`,
`{sid}`, `{command}`) that `check` fills in, so that generated requests reach past
authentication into every route; a successful registration hands its id and token to the
next inputs.

How an answer is judged (the contract's promise: every refusal is a status with a JSON body
`{error, message}`):

* a 4xx (or 505 to an HTTP/2 request line) with that JSON body → ``clean_error``;
* a 2xx with a JSON body → ``accepted``;
* a 500 → ``internal_error``; no answer, an answer without a status line, an error without
  the JSON body → ``internal_error`` naming what was wrong; no answer in time → ``hang``;
* an exception escaping a connection's thread in the server → ``traceback``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from fuzz.common import BadInput, FuzzTarget, Outcome
from simulator.intune.api import PREFIX, IntuneApi
from simulator.intune.labclient import Reply, exchange
from simulator.intune.server import LabServer, _gone, make_server, on_wall_clock

#: Seconds the client waits for an answer (below the target's budget, so a silent server
#: counts as a hang rather than stopping the run).
ANSWER_TIMEOUT = 4.0

ROUTES = (
    ("POST", "/connectors"),
    ("POST", "/readiness"),
    ("GET", "/connectors/{cid}"),
    ("POST", "/connectors/{cid}/heartbeat"),
    ("GET", "/connectors/{cid}/commands"),
    ("POST", "/connectors/{cid}/commands/{command}/result"),
    ("GET", "/connectors/{cid}/users"),
    ("GET", "/connectors/{cid}/policy"),
    ("POST", "/connectors/{cid}/syncs"),
    ("POST", "/connectors/{cid}/syncs/{sid}/devices"),
    ("POST", "/connectors/{cid}/syncs/{sid}/complete"),
)
#: Every body field the contract names, so generated bodies are near misses, not noise.
FIELDS = (
    "accountCertificate",
    "replace",
    "hostName",
    "serverType",
    "exchangeServer",
    "exchangeOrganization",
    "exchangeVersion",
    "serviceAccount",
    "connectorVersion",
    "administrator",
    "userPrincipalName",
    "password",
    "health",
    "lastError",
    "errorCode",
    "notification",
    "outcome",
    "error",
    "syncType",
    "devices",
    "devicesSynced",
    "users",
    "exchangeServers",
    "powerShellExchangeServer",
    "exchangeDeviceId",
    "removed",
    "deviceType",
    "lastSyncTime",
    "firstSyncTime",
    "exchangeAccessState",
)
WORDS = (
    "{cert}",
    "on_premises",
    "hosted",
    "healthy",
    "unhealthy",
    "succeeded",
    "failed",
    "success",
    "failure",
    "fullSync",
    "deltaSync",
    "LAB01",
    "ex01.contoso.local",
    "2016-05-02T08:00:00Z",
    "",
)


# -- inputs ---------------------------------------------------------------------------------------
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(WORDS)
    | st.text(max_size=20)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
_device = st.dictionaries(st.sampled_from(FIELDS), _json, max_size=6) | _json
_object = st.dictionaries(st.sampled_from(FIELDS), _json, max_size=6) | st.builds(
    lambda devices, rest: {**rest, "devices": devices},
    st.lists(_device, max_size=4),
    st.dictionaries(st.sampled_from(FIELDS), _scalars, max_size=3),
)


@st.composite
def _body(draw: Any) -> str | None:
    """A JSON object of contract fields, other JSON, or text that is not JSON."""
    kind = draw(st.sampled_from(["none", "object", "object", "object", "json", "text"]))
    if kind == "none":
        return None
    if kind == "text":
        return draw(st.text(max_size=40))
    value = draw(_object if kind == "object" else _json)
    return json.dumps(value, allow_nan=True)


_segment = st.sampled_from(["{cid}", "{sid}", "{command}", "x", "..", "%2F", ""]) | st.text(
    st.characters(min_codepoint=33, max_codepoint=126), max_size=10
)


@st.composite
def _target(draw: Any) -> tuple[str, str]:
    """A method and request target: mostly a route of the contract, bent."""
    method, path = draw(st.sampled_from(ROUTES))
    if draw(st.booleans()):
        method = draw(
            st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
            | st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8)
        )
    path = PREFIX + path
    if draw(st.integers(0, 3)) == 0:
        parts = path.split("/")
        parts[draw(st.integers(1, len(parts) - 1))] = draw(_segment)
        path = "/".join(parts)
    if draw(st.integers(0, 4)) == 0:
        path = "/" + "/".join(draw(st.lists(_segment, max_size=5)))
    if draw(st.integers(0, 3)) == 0:
        path += "?" + draw(
            st.sampled_from(["page=1", "page=-1", "page=x", "page=99999999999999999999", "page="])
            | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=12)
        )
    return method, path


_header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30)


@st.composite
def requests(draw: Any) -> dict[str, Any]:
    """One request as a JSON-able dict (that is also its corpus form)."""
    if draw(st.integers(0, 30)) == 0:
        return {"raw": draw(st.text(st.characters(max_codepoint=255), max_size=80))}
    method, target = draw(_target())
    headers: list[list[str]] = []
    auth = draw(
        st.sampled_from(["Bearer {token}", "Bearer {token}", "Bearer x", "{token}", "", None])
        | _header_text
    )
    if auth is not None:
        headers.append(["Authorization", auth])
    if draw(st.booleans()):
        headers.append(["Content-Type", draw(st.sampled_from(["application/json", "text/plain"]))])
    headers += draw(
        st.lists(
            st.lists(
                st.sampled_from(["X-Lab", "Content-Length", "Transfer-Encoding", "Host"])
                | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=8),
                min_size=1,
                max_size=1,
            ).flatmap(lambda name: st.tuples(st.just(name[0]), _header_text).map(list)),
            max_size=3,
        )
    )
    return {
        "method": method,
        "target": target,
        "version": draw(
            st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/x", ""])
        ),
        "headers": headers,
        "body": draw(_body()),
        # None: a true Content-Length; else a stated one (a lie, a negative, text)
        "length": draw(st.none() | st.none() | st.sampled_from(["-1", "x", "0", "99999999"])),
    }


# -- the lab server, once per process -------------------------------------------------------------
class _FuzzServer(LabServer):
    """A lab server that remembers what escaped a connection's thread instead of printing."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.escaped: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if not _gone(exc):
            self.escaped.append(f"{type(exc).__name__}: {exc}")


@dataclass
class _Lab:
    """The lab server and the live connector the placeholders name."""

    server: _FuzzServer
    cert: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return self.server.server_address[1]


_lab: _Lab | None = None
_lab_lock = threading.Lock()


def lab() -> _Lab:
    """Start the fuzz lab server (a small world, a registered connector) on first use."""
    global _lab
    with _lab_lock:
        if _lab is None:
            _lab = _start()
        return _lab


def _start() -> _Lab:
    from simulator.intune.package import ACCOUNT_CERT, read_package
    from simulator.language.schema import Scenario
    from simulator.world.world import build_world

    world = build_world(
        Scenario.model_validate(
            {
                "name": "server-fuzz",
                "world": {"population": {"users": 4, "devices_per_user": 1, "behaviour": False}},
            }
        )
    )
    started = on_wall_clock(world)
    admin = next(iter(sorted(world.intune.admins)))
    _, package = world.console.download_connector(admin, started)
    cert = read_package(package)[ACCOUNT_CERT].decode()
    server = make_server(
        IntuneApi(world.intune),
        0,
        read_timeout=2.0,
        server_class=_FuzzServer,
    )
    threading.Thread(target=server.serve_forever, daemon=True, name="fuzz-lab").start()
    state = _Lab(server, cert)
    _register(state)
    return state


def _register(state: _Lab) -> None:
    body = json.dumps(
        {"accountCertificate": state.cert, "serverType": "on_premises", "hostName": "LAB01"}
    )
    reply = _send(state, {"method": "POST", "target": PREFIX + "/connectors", "body": body})
    out = reply.json()
    state.values.update(cid=out["connectorId"], token=out["token"])
    reply = _send(
        state,
        {
            "method": "POST",
            "target": f"{PREFIX}/connectors/{out['connectorId']}/syncs",
            "headers": [["Authorization", "Bearer " + out["token"]]],
            "body": json.dumps({"syncType": "deltaSync"}),
        },
    )
    state.values["sid"] = reply.json().get("syncId", "nosync")


def render(request: dict[str, Any], values: dict[str, str]) -> bytes:
    """The bytes of `request`, its placeholders filled in from `values`."""

    def fill(text: str) -> str:
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    if "raw" in request:
        return fill(request["raw"]).encode("latin-1", "replace")
    body = fill(request["body"]).encode() if request.get("body") is not None else b""
    version = request.get("version", "HTTP/1.0")
    line = f"{fill(request['method'])} {fill(request['target'])}" + (
        f" {version}" if version else ""
    )
    headers = [f"{fill(n)}: {fill(v)}" for n, v in request.get("headers", [])]
    length = request.get("length")
    if body or length is not None:
        headers.append(f"Content-Length: {len(body) if length is None else length}")
    head = "\r\n".join([line, *headers]) + "\r\n\r\n"
    return head.encode("latin-1", "replace") + body


def show(request: dict[str, Any]) -> str:
    """One line for the catalogue: the request line, what is unusual in the headers, the body."""
    if "raw" in request:
        return "raw bytes " + repr(request["raw"])
    version = request.get("version", "")
    parts = [f"{request['method']} {request['target']}" + (f" {version}" if version else "")]
    parts += [
        f"{name}: {value}"
        for name, value in request.get("headers", [])
        if [name, value] != ["Authorization", "Bearer {token}"]
    ]
    if not any(name == "Authorization" for name, _ in request.get("headers", [])):
        parts.append("no Authorization")
    if request.get("length") is not None:
        parts.append(f"Content-Length: {request['length']}")
    if request.get("body") is not None:
        parts.append(f"body {request['body']}")
    return " · ".join(parts)


def _send(state: _Lab, request: dict[str, Any]) -> Reply:
    values = {"cert": state.cert, "command": "nocommand", **state.values}
    return exchange(state.port, render(request, values), ANSWER_TIMEOUT)


def judge_reply(reply: Reply, method: str = "GET") -> Outcome:
    """Classify one answer against the contract (see the module's docstring)."""
    if reply.status is None:
        what = "no answer" if not reply.body else f"no status line: {reply.body[:60]!r}"
        return Outcome("internal_error", what)
    if method == "HEAD" and not reply.body:  # HTTP: an answer to HEAD has no body
        if reply.status >= 500 and reply.status != 505:
            return Outcome("internal_error", f"{reply.status} to HEAD")
        kind = "accepted" if reply.status < 300 else "clean_error"
        return Outcome(kind, f"{reply.status} (HEAD: no body)")
    try:
        body = reply.json()
    except ValueError:
        return Outcome("internal_error", f"{reply.status} without a JSON body: {reply.body[:60]!r}")
    if reply.status >= 500 and reply.status != 505:
        return Outcome("internal_error", f"{reply.status}: {body}"[:300])
    if 200 <= reply.status < 300:
        return Outcome("accepted", str(reply.status))
    if not (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("message"), str)
    ):
        return Outcome(
            "internal_error", f"{reply.status} without {{error, message}}: {body!r}"[:300]
        )
    return Outcome("clean_error", f"{reply.status} {body['error']}: {body['message']}")


def check(request: dict[str, Any]) -> Outcome:
    """Send one request to the lab server and judge its answer."""
    state = lab()
    escaped = state.server.escaped
    before = len(escaped)
    try:
        reply = _send(state, request)
    except TimeoutError:
        return Outcome("hang", f"no answer within {ANSWER_TIMEOUT:g} s")
    if reply.status is None and not reply.body and not render(request, {}).strip(b" \t"):
        return Outcome("clean_error", "nothing sent, nothing answered (the connection closed)")
    if len(escaped) > before:
        return Outcome("traceback", escaped[-1][:300])
    outcome = judge_reply(reply, str(request.get("method", "")))
    if outcome.kind == "accepted" and reply.body and isinstance(reply.json(), dict):
        out = reply.json()
        if "token" in out:  # a new registration replaced the live connector: follow it
            state.values.update(cid=str(out.get("connectorId")), token=str(out["token"]))
        if "syncId" in out:
            state.values["sid"] = str(out["syncId"])
    if reply.status == 410:
        _register(state)  # the live connector was replaced or deleted: register afresh
    return outcome


def _req(
    method: str, target: str, body: Any = None, auth: str | None = "Bearer {token}", **more: Any
) -> dict[str, Any]:
    headers = [["Authorization", auth]] if auth is not None else []
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    return {
        "method": method,
        "target": PREFIX + target,
        "version": "HTTP/1.1",
        "headers": headers,
        "body": text,
        "length": None,
        **more,
    }


CATALOGUE = (
    BadInput("no such route", _req("GET", "/nowhere"), "404 notFound"),
    BadInput(
        "a route with the wrong method", _req("DELETE", "/connectors"), "405 methodNotAllowed"
    ),
    BadInput("a method HTTP does not have", _req("BREW", "/connectors"), "405 methodNotAllowed"),
    BadInput("no token", _req("GET", "/connectors/{cid}", auth=None), "401 unauthorized"),
    BadInput(
        "a wrong token", _req("GET", "/connectors/{cid}", auth="Bearer x"), "401 unauthorized"
    ),
    BadInput("an unknown connector id", _req("GET", "/connectors/nobody"), "401 unauthorized"),
    BadInput(
        "a body that is not JSON",
        _req("POST", "/connectors/{cid}/heartbeat", "{oops"),
        "400 invalidJson",
    ),
    BadInput(
        "a JSON body that is not an object",
        _req("POST", "/connectors/{cid}/heartbeat", [1, 2]),
        "400 invalidJson",
    ),
    BadInput(
        "registration without a certificate",
        _req("POST", "/connectors", {"serverType": "on_premises"}),
        "400 invalidBody",
    ),
    BadInput(
        "a certificate this tenant did not issue",
        _req("POST", "/readiness", {"accountCertificate": "eyJ9"}),
        "401 invalidCertificate",
    ),
    BadInput(
        "a page that is not a number",
        _req("GET", "/connectors/{cid}/users?page=x"),
        "400 invalidPage",
    ),
    BadInput(
        "a sync type that does not exist",
        _req("POST", "/connectors/{cid}/syncs", {"syncType": "halfSync"}),
        "400 invalidSyncType",
    ),
    BadInput(
        "devices that are not a list",
        _req("POST", "/connectors/{cid}/syncs/{sid}/devices", {"devices": 5}),
        "400 invalidBody",
    ),
    BadInput(
        "a device record without an id",
        _req("POST", "/connectors/{cid}/syncs/{sid}/devices", {"devices": [{}]}),
        "400 invalidDevice",
    ),
    BadInput(
        "a sync that is not open",
        _req("POST", "/connectors/{cid}/syncs/nosync/complete", {"outcome": "success"}),
        "404 syncNotFound",
    ),
    BadInput(
        "a result for an unknown command",
        _req("POST", "/connectors/{cid}/commands/nocommand/result", {"outcome": "succeeded"}),
        "404 commandNotFound",
    ),
    BadInput(
        "a body over the size limit",
        _req("POST", "/readiness", length="99999999"),
        "413 payloadTooLarge",
    ),
    BadInput(
        "a Content-Length that is not a number",
        _req("POST", "/readiness", length="x"),
        "400 malformedRequest",
    ),
    BadInput(
        "a body shorter than its Content-Length",
        _req("POST", "/readiness", "{}", length="10"),
        "400 malformedRequest",
    ),
    BadInput(
        "a chunked body",
        _req("POST", "/readiness", headers=[["Transfer-Encoding", "chunked"]]),
        "411 lengthRequired",
    ),
    BadInput(
        "a request line without an HTTP version",
        _req("GET", "/connectors/{cid}", version=""),
        "400 malformedRequest",
    ),
    BadInput(
        "a malformed HTTP version",
        _req("GET", "/connectors/{cid}", version="HTTP/x"),
        "400 malformedRequest",
    ),
    BadInput(
        "HTTP/2 on the plain-HTTP lab server",
        _req("GET", "/connectors/{cid}", version="HTTP/2.0"),
        "505 httpVersionNotSupported",
    ),
    BadInput(
        "a header line over 64 KiB",
        _req("GET", "/connectors/{cid}", headers=[["X-Lab", "a" * 70000]]),
        "431 headersTooLarge",
    ),
    BadInput(
        "bytes that are not HTTP",
        {"raw": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"},
        "400 malformedRequest",
    ),
)


TARGET = FuzzTarget(
    name="server",
    strategy=requests(),
    check=check,
    budget=10.0,
    dump=lambda value: json.dumps(value, indent=1, ensure_ascii=True),
    load=json.loads,
    catalogue=CATALOGUE,
    show=lambda value: show(value),
)
