"""`exchange-twin intune serve`: the same routes from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading

import requests

from simulator.cli import main
from simulator.intune.api import IntuneApi
from simulator.intune.package import ACCOUNT_CERT, read_package
from simulator.intune.server import make_server, on_wall_clock, wall_now
from tests.world.conftest import ADMIN, small_world


def test_the_lab_server_serves_the_connector_api_on_loopback():
    world = small_world()
    on_wall_clock(world)
    server = make_server(IntuneApi(world.intune), 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        base = f"http://{host}:{port}/api/v1"
        _, package = world.console.download_connector(ADMIN, wall_now())
        cert = read_package(package)[ACCOUNT_CERT].decode()
        session = requests.Session()
        session.trust_env = False
        registered = session.post(
            base + "/connectors",
            json={"accountCertificate": cert, "serverType": "on_premises", "hostName": "LAB01"},
            timeout=5,
        )
        assert registered.status_code == 201
        token, cid = registered.json()["token"], registered.json()["connectorId"]
        beat = session.post(
            f"{base}/connectors/{cid}/heartbeat",
            json={"health": "healthy"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert beat.json() == {"status": "connectionPending", "pendingCommands": 0}
        refused = session.get(f"{base}/connectors/{cid}", timeout=5)
        assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")
        assert session.get(f"http://{host}:{port}/elsewhere", timeout=5).status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_serve_refuses_an_invalid_scenario(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworld: {tenant: {nme: contoso}}\n")
    assert main(["intune", "serve", str(bad), "--port", "0"]) == 2
    assert "bad.yaml:2" in capsys.readouterr().err


def test_the_command_serves_until_interrupted_and_writes_the_package(tmp_path, first_full_sync):
    package = tmp_path / "Exchange_Connector_Setup.zip"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "intune", "serve", str(first_full_sync)]
        + ["--port", "0", "--package", str(package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
    )
    try:
        lines = [proc.stdout.readline(), proc.stdout.readline()]  # type: ignore[union-attr]
        match = re.search(r"http://127\.0\.0\.1:(\d+)/api/v1", "".join(lines))
        assert match, lines
        assert "tenant contoso (profile 2016)" in lines[1]
        session = requests.Session()
        session.trust_env = False  # never through an environment proxy, even to loopback
        reply = session.post(
            f"http://127.0.0.1:{match.group(1)}/api/v1/connectors",
            json={"accountCertificate": read_package(package.read_bytes())[ACCOUNT_CERT].decode()},
            timeout=5,
        )
        assert (reply.status_code, reply.json()["error"]) == (400, "invalidBody")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
    assert code == 0
