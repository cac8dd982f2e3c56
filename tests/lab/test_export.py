"""Every session is a scenario: the export of a session driven through the API replays, with
`exchange-twin run`, to the session's own trace byte for byte — and no typed secret that the
starting scenario does not hold appears in the export, the trace or any response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.cli import main
from simulator.lab.classroom import Classroom
from simulator.language.loader import parse_scenario
from simulator.run.runner import Runner
from tests.lab.conftest import EXCHANGE, PROXY, SERVICE, Wall, bearer, configure

TYPED_WRONG = "typo-Pr0xy!"  # a password the student mistypes: the scenario does not hold it
ROTATED = "Rotated-by-trainer-9"  # typed by the trainer into the fault panel


def drive(client: Any, room: Classroom, wall: Wall) -> list[dict[str, Any]]:
    """A lesson through the API: every page action, the clock, a fault from the trainer."""
    me, trainer = bearer(room, "s1"), bearer(room, "trainer")
    session = room.sessions["s1"]
    answers = []

    def step(data: dict[str, Any]) -> dict[str, Any]:
        r = client.post("/api/steps", json=data, headers=me)
        assert r.status_code == 200, r.text
        answers.append(r.json())
        return r.json()

    step({"do": "download_package", "host": "CONN01"})
    step({"do": "extract_package", "host": "CONN01"})
    step({"do": "install", "host": "CONN01"})
    bad = step(configure(proxy={**PROXY, "password": TYPED_WRONG}))
    assert bad["ok"] is False and bad["error"]
    assert step(configure(proxy=PROXY))["ok"] is True
    client.get("/api/console/connection", headers=me)  # reads between actions change nothing
    client.get("/api/hosts/CONN01/log", headers=me)
    client.get("/api/console/devices", headers=me)
    client.get("/api/timeline", headers=me)
    shell = client.post(
        "/api/shell", json={"line": "Get-Mailbox | Select -First 2 Name"}, headers=me
    )
    assert shell.json()["ok"] is True and "Name" in shell.json()["output"]
    assert client.post("/api/clock/jump", json={"to": "next_job"}, headers=me).status_code == 200
    client.post("/api/clock", json={"speed": 3600}, headers=me)
    wall.now += 0.5  # half a wall second at 3600×: half an hour
    session.tick()
    client.post("/api/clock", json={"speed": 0}, headers=me)
    fault = client.post(
        "/api/trainer/faults",
        json={
            "students": ["s1"],
            "kind": "proxy_credentials_changed",
            "params": {"password": ROTATED},
        },
        headers=trainer,
    )
    assert fault.status_code == 200, fault.text
    answers.append(fault.json())
    session.advance_to(session.env.now + 3 * 3600)
    client.post("/api/clock/jump", json={"to": "next_job"}, headers=me)
    step(
        {
            "do": "reconfigure",
            "host": "CONN01",
            "exchange": EXCHANGE,
            "account": SERVICE,
            "proxy": {**PROXY, "password": ROTATED},
        }
    )
    session.advance_to(session.env.now + 1800)
    step({"do": "request_sync", "kind": "quick"})
    session.advance_to(session.env.now + 600)
    return answers


def test_an_exported_session_replays_to_the_same_trace(
    client: Any, room: Classroom, wall: Wall, tmp_path: Path
):
    drive(client, room, wall)
    session = room.sessions["s1"]
    text, trace = session.export()
    path = tmp_path / "export.yaml"
    path.write_text(text)
    # what `exchange-twin run` writes: the same bytes
    out = tmp_path / "traces"
    main(["run", str(path), "--trace", str(out)])
    written = out / f"{session.scenario.name}.jsonl"
    assert written.read_bytes() == trace
    # and the session goes on: a later export still replays, the earlier one unchanged
    session.act({"do": "request_sync", "kind": "full"})
    session.advance_to(session.env.now + 900)
    later_text, later_trace = session.export()
    replay = Runner(parse_scenario(later_text, "<later>")).run()
    assert replay.trace_bytes == later_trace
    earlier = parse_scenario(text, "<earlier>").steps
    assert parse_scenario(later_text, "<later>").steps[: len(earlier) - 1] == earlier[:-1]


def test_the_export_is_the_starting_scenario_plus_timed_steps(
    client: Any, room: Classroom, wall: Wall
):
    drive(client, room, wall)
    text, _ = room.sessions["s1"].export()
    exported = parse_scenario(text, "<export>")
    start = room.scenario
    assert exported.name == start.name and exported.world == start.world
    assert exported.expect == start.expect
    steps = exported.steps
    # every action is preceded by the moment it was taken at; the last step is the end
    actions = [s for s in steps if getattr(s, "do", None)]
    assert [s.do for s in actions][:5] == [
        "download_package",
        "extract_package",
        "install",
        "configure",
        "configure",
    ]
    assert "fault" in [s.do for s in actions] and "exchange" in [s.do for s in actions]
    moments = [s.at for s in steps if hasattr(s, "at")]
    assert moments == sorted(moments) and len(moments) == len(actions) + 1


def test_typed_secrets_never_leave_the_request(client: Any, room: Classroom, wall: Wall):
    answers = drive(client, room, wall)
    session = room.sessions["s1"]
    text, trace = session.export()
    me, trainer = bearer(room, "s1"), bearer(room, "trainer")
    responses = [str(a) for a in answers]
    for path in (
        "/api/actions",
        "/api/console/connection",
        "/api/hosts/CONN01",
        "/api/hosts/CONN01/log",
        "/api/timeline",
        "/api/export",
        "/api/session",
    ):
        responses.append(client.get(path, headers=me).text)
    responses.append(client.get("/api/trainer/students", headers=trainer).text)
    log = str(session.runner.connectors["CONN01"].log_records())
    for secret in (TYPED_WRONG, ROTATED):
        assert secret not in text
        assert secret.encode() not in trace
        assert secret not in log
        assert not [r for r in responses if secret in r]
    # the stand-ins carried the typed values, the same value the same stand-in: the trainer's
    # rotated password and the student's retyping of it are one secret, so it connected
    assert "lab-secret-1" in text and "lab-secret-2" in text
    assert text.count("lab-secret-2") == 2
    assert session.world.console.exchange_connection()["Status"] == "connected"
    # the scenario's own secrets stay as the scenario carries them (the export is a scenario);
    # no other response shows them
    assert "P@ssw0rd-svc!" in text
    shown = [r for r in responses if not r.startswith("# The browser lab session")]
    assert not [r for r in shown if "P@ssw0rd-svc!" in r or "Pr0xy-2016!" in r]
