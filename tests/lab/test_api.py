"""The lab's HTTP API (docs/lab-api.md) through starlette's TestClient: authentication and
the cookie, one student's token reaching only that student's world, each route's happy path
and a bad input answered by a JSON error naming the field, the trainer's fault panel."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.lab.classroom import Classroom
from tests.lab.conftest import PROXY, bearer, configure

STUDENT_GETS = [
    "/",
    "/api/session",
    "/api/clock",
    "/api/actions",
    "/api/export",
    "/api/timeline",
    "/api/console/connection",
    "/api/console/tenant",
    "/api/console/devices",
    "/api/hosts",
    "/api/hosts/CONN01",
    "/api/hosts/CONN01/log",
    "/api/shell/complete?line=Get-",
    "/api/shell/history",
    "/api/shell/prompt",
    "/static/index.html",
]
TRAINER_GETS = [
    "/trainer",
    "/api/trainer/students",
    "/api/trainer/faults",
    "/api/trainer/students/s1/export",
    "/api/trainer/students/s1/timeline",
]


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["status"] == status and body["id"].startswith("e-")
    assert "Traceback" not in response.text
    return body


# -- authentication -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", STUDENT_GETS + TRAINER_GETS + ["/api/nowhere"])
def test_every_page_and_route_refuses_a_request_without_a_token(client: Any, path: str):
    error_of(client.get(path), 401)
    error_of(client.get(path, headers={"authorization": "Bearer not-a-token"}), 401)
    client.cookies.set("lab_token", "forged")
    error_of(client.get(path), 401)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/steps", {"do": "install"}),
        ("/api/shell", {"line": "Get-Mailbox"}),
        ("/api/clock", {"speed": 60}),
        ("/api/trainer/faults", {"students": "all", "kind": "proxy_down"}),
    ],
)
def test_actions_without_a_token_change_nothing(client: Any, room: Classroom, path: str, body: Any):
    error_of(client.post(path, json=body), 401)
    assert all(not s.actions for s in room.sessions.values())


def test_the_link_sets_an_httponly_strict_cookie_and_drops_the_token_from_the_url(
    client: Any, room: Classroom
):
    token = room.token_of("student", "s1")
    r = client.get(f"/?token={token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert (
        f"lab_token={token}" in cookie
        and "HttpOnly" in cookie
        and "samesite=strict" in cookie.lower()
    )
    # with the cookie, the page and the API answer
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text
    assert client.get("/api/session").json()["student"] == "s1"
    # other query parameters survive the redirect
    r = client.get(f"/api/hosts/CONN01/log?level=Error&token={token}", follow_redirects=False)
    assert r.headers["location"] == "/api/hosts/CONN01/log?level=Error"


def test_a_student_reaches_only_their_own_world(client: Any, room: Classroom):
    s1, s2 = bearer(room, "s1"), bearer(room, "s2")
    client.post("/api/steps", json={"do": "download_package", "host": "CONN01"}, headers=s1)
    assert len(room.sessions["s1"].actions) == 1 and not room.sessions["s2"].actions
    assert client.get("/api/actions", headers=s2).json() == {"actions": []}
    assert client.get("/api/hosts/CONN01", headers=s2).json()["downloads"] == []
    assert client.get("/api/hosts/CONN01", headers=s1).json()["downloads"]
    assert client.get("/api/session", headers=s2).json()["student"] == "s2"
    for path in TRAINER_GETS:
        error_of(client.get(path, headers=s1), 403)
    error_of(
        client.post(
            "/api/trainer/faults", json={"students": "all", "kind": "proxy_down"}, headers=s1
        ),
        403,
    )


def test_the_trainer_has_no_student_world_of_their_own(client: Any, room: Classroom):
    error_of(client.get("/api/clock", headers=bearer(room, "trainer")), 403)
    error_of(client.get("/", headers=bearer(room, "trainer")), 403)


# -- happy paths ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", STUDENT_GETS)
def test_every_student_read_answers(client: Any, room: Classroom, path: str):
    r = client.get(path, headers=bearer(room, "s1"))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", TRAINER_GETS)
def test_every_trainer_read_answers(client: Any, room: Classroom, path: str):
    assert client.get(path, headers=bearer(room, "trainer")).status_code == 200


def test_the_console_and_host_show_an_installed_connected_connector(client: Any, room: Classroom):
    me = bearer(room, "s1")
    for step in (
        {"do": "download_package", "host": "CONN01"},
        {"do": "install", "host": "CONN01"},
        configure(proxy=PROXY),
    ):
        assert client.post("/api/steps", json=step, headers=me).json()["ok"] is True
    conn = client.get("/api/console/connection", headers=me).json()["connection"]
    assert conn["Host"] == "CONN01" and conn["Account"].lower().endswith("svc-intune")
    host = client.get("/api/hosts/CONN01", headers=me).json()
    assert host["services"]["WIEC"] == "Running"
    assert host["setup_folder"] and host["connector"]["installed"] is True
    room.sessions["s1"].advance_to(3600)
    log = client.get("/api/hosts/CONN01/log", headers=me).json()
    assert log["total"] > 0 and {"time", "level", "event", "code", "message"} <= set(
        log["records"][0]
    )
    infos = client.get("/api/hosts/CONN01/log?level=Information&limit=3", headers=me).json()
    assert len(infos["records"]) <= 3 and all(r["level"] == "Information" for r in infos["records"])
    devices = client.get("/api/console/devices", headers=me).json()["devices"]
    assert devices and any(d["intune"] for d in devices)
    timeline = client.get("/api/timeline", headers=me)
    assert timeline.headers["content-type"].startswith("image/svg+xml") and "<svg" in timeline.text


def test_a_refused_step_is_an_action_with_the_worlds_message(client: Any, room: Classroom):
    me = bearer(room, "s1")
    r = client.post("/api/steps", json={"do": "install", "host": "CONN01"}, headers=me).json()
    # no package downloaded yet: setup's own refusal, as the product says it
    assert r["ok"] is False and "Exchange_Connector_Setup.zip" in r["error"]
    assert client.get("/api/actions", headers=me).json()["actions"][0]["ok"] is False


def test_the_shell_runs_a_line_keeps_history_and_completes(client: Any, room: Classroom):
    me = bearer(room, "s1")
    r = client.post(
        "/api/shell", json={"line": "Get-ExchangeServer | Select Name"}, headers=me
    ).json()
    assert r["ok"] is True and "EX01" in r["output"]
    bad = client.post("/api/shell", json={"line": "Get-Nothing"}, headers=me).json()
    assert bad["ok"] is False and "Get-Nothing" in bad["output"]
    assert client.get("/api/shell/history", headers=me).json()["lines"] == [
        "Get-ExchangeServer | Select Name",
        "Get-Nothing",
    ]
    done = client.get("/api/shell/complete", params={"line": "Get-MobileDev"}, headers=me).json()
    assert "Get-MobileDevice" in done["candidates"]
    params = client.get(
        "/api/shell/complete", params={"line": "Get-Mailbox -Result"}, headers=me
    ).json()
    assert params["candidates"] == ["-ResultSize"]
    before = room.sessions["s1"].env.now
    client.get("/api/shell/complete", params={"line": "Set-"}, headers=me)
    assert room.sessions["s1"].env.now == before  # a keystroke spends no simulated time


def test_a_student_may_not_change_the_world_itself(client: Any, room: Classroom):
    body = error_of(
        client.post(
            "/api/steps", json={"do": "server_down", "server": "EX01"}, headers=bearer(room, "s1")
        ),
        403,
    )
    assert body["field"] == "do"
    body = error_of(
        client.post("/api/steps", json={"advance": "1h"}, headers=bearer(room, "s1")), 400
    )
    assert "clock" in body["message"]


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/steps", {"do": "instal"}, "do"),
        (
            "/api/steps",
            {
                "do": "configure",
                "host": "CONN01",
                "exchange": {"server": "x"},
                "account": {"user": "u"},
            },
            "account.password",
        ),
        (
            "/api/steps",
            {
                "do": "configure",
                "host": "CONN01",
                "exchange": {"server": "x"},
                "account": {"user": "u", "password": "p"},
                "proxy": {"address": "p", "port": 99999},
            },
            "proxy.port",
        ),
        ("/api/steps", [1, 2], "body"),
        ("/api/clock", {"speed": 7}, "speed"),
        ("/api/clock", {"speed": "fast"}, "speed"),
        ("/api/clock", {}, "speed"),
        ("/api/clock/jump", {"to": "tomorrow"}, "to"),
        ("/api/clock/jump", {"to": "next_job"}, "to"),  # nothing is installed: no job
        ("/api/shell", {"line": 3}, "line"),
        ("/api/shell", {"line": "   "}, "line"),
    ],
)
def test_bad_input_is_a_json_error_naming_the_field(
    client: Any, room: Classroom, path: str, body: Any, field: str
):
    assert error_of(client.post(path, json=body, headers=bearer(room, "s1")), 400)["field"] == field


def test_bad_queries_and_unknown_things(client: Any, room: Classroom):
    me = bearer(room, "s1")
    assert error_of(client.get("/api/hosts/NOPE", headers=me), 404)["field"] == "host"
    assert (
        error_of(client.get("/api/hosts/CONN01/log?level=Loud", headers=me), 400)["field"]
        == "level"
    )
    assert (
        error_of(client.get("/api/hosts/CONN01/log?limit=x", headers=me), 400)["field"] == "limit"
    )
    assert error_of(client.get("/api/exercise", headers=me), 404)
    error_of(client.get("/api/nowhere", headers=me), 404)
    error_of(client.delete("/api/clock", headers=me), 405)
    error_of(client.get("/static/../app.py", headers=me), 404)


def test_a_body_that_is_not_json_or_too_large(client: Any, room: Classroom):
    me = bearer(room, "s1")
    body = error_of(client.post("/api/steps", content=b"{not json", headers=me), 400)
    assert body["field"] == "body"
    error_of(client.post("/api/steps", content=b"x" * (70 * 1024), headers=me), 413)


def test_an_internal_error_is_json_with_an_id_and_no_traceback(
    client: Any, room: Classroom, monkeypatch: Any
):
    from simulator.lab import views

    def broken(session: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "tenant", broken)
    r = client.get("/api/console/tenant", headers=bearer(room, "s1"))
    error_of(r, 500)
    assert "secret internals" not in r.text and "RuntimeError" not in r.text
    assert client.get("/api/clock", headers=bearer(room, "s1")).status_code == 200  # it lives on


# -- the trainer ----------------------------------------------------------------------------------
def test_a_fault_from_the_panel_reaches_one_world(client: Any, room: Classroom):
    kinds = client.get("/api/trainer/faults", headers=bearer(room, "trainer")).json()["faults"]
    assert {"proxy_moved", "account_locked", "throttling"} <= {k["kind"] for k in kinds}
    r = client.post(
        "/api/trainer/faults",
        json={
            "students": ["s2"],
            "kind": "account_locked",
            "params": {"account": "CONTOSO\\svc-intune"},
            "lasting": "2h",
        },
        headers=bearer(room, "trainer"),
    )
    assert r.status_code == 200 and set(r.json()["results"]) == {"s2"}
    assert room.sessions["s2"].actions[0].by == "trainer"
    assert [f.kind for f in room.sessions["s2"].world.faults.faults] == ["account_locked"]
    assert room.sessions["s1"].world.faults.faults == [] and not room.sessions["s1"].actions
    # the student sees it in the trace-backed log of actions, and it is in the export
    text, _ = room.sessions["s2"].export()
    assert "kind: account_locked" in text


def test_a_fault_from_the_panel_reaches_all_worlds(client: Any, room: Classroom):
    r = client.post(
        "/api/trainer/faults",
        json={"students": "all", "kind": "intune_unreachable"},
        headers=bearer(room, "trainer"),
    )
    assert set(r.json()["results"]) == {"s1", "s2"}
    for session in room.sessions.values():
        assert session.world.faults.active("intune_unreachable", session.env.now)
    progress = client.get("/api/trainer/students", headers=bearer(room, "trainer")).json()[
        "students"
    ]
    assert [p["actions"] for p in progress] == [1, 1]


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"students": "all", "kind": "proxy_gone"}, "kind", 400),
        ({"students": "all", "kind": "account_locked"}, "params", 400),
        ({"students": ["s9"], "kind": "proxy_down"}, "students", 404),
        ({"students": 3, "kind": "proxy_down"}, "students", 400),
        ({"kind": "proxy_down"}, "students", 400),
    ],
)
def test_a_bad_fault_refuses_every_world(
    client: Any, room: Classroom, body: Any, field: str, status: int
):
    error = error_of(
        client.post("/api/trainer/faults", json=body, headers=bearer(room, "trainer")), status
    )
    assert error["field"] is None or error["field"].startswith(field)
    assert all(not s.actions for s in room.sessions.values())


def test_the_trainer_sets_every_clock_and_plays_any_step(client: Any, room: Classroom):
    t = bearer(room, "trainer")
    r = client.post("/api/trainer/clock", json={"students": "all", "speed": 60}, headers=t).json()
    assert {c["speed"] for c in r["clocks"].values()} == {60}
    error_of(
        client.post("/api/trainer/clock", json={"students": "all", "speed": 5}, headers=t), 400
    )
    r = client.post(
        "/api/trainer/steps",
        json={"students": ["s1"], "step": {"do": "server_down", "server": "EX01"}},
        headers=t,
    )
    assert r.json()["results"]["s1"]["ok"] is True
    error_of(client.get("/api/trainer/students/s9/export", headers=t), 404)
