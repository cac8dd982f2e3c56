"""The lab's fixtures: a small proxied world, a class of two on a hand-driven wall clock, and
a TestClient on its app (the ticker off: tests move the clocks themselves, never sleep)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simulator.lab.app import build_app
from simulator.lab.classroom import Classroom
from simulator.language.loader import parse_scenario

with warnings.catch_warnings():  # starlette's note that it would prefer another httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

WORLD = r"""
name: lab-test
summary: A proxied organisation for the lab's tests.
seed: 7
world:
  directory:
    domain: contoso.local
    accounts:
      - {name: CONTOSO\svc-intune, password: "P@ssw0rd-svc!", role_groups: [Organization Management]}
  exchange: {version: "2013 CU12", servers: [{name: EX01}]}
  population: {users: 8, devices_per_user: 1.5}
  network:
    direct_internet: false
    proxy:
      address: proxy.contoso.local
      port: 8080
      user: CONTOSO\proxy-intune
      password: "Pr0xy-2016!"
      allow: ["*.manage.microsoft.com:443"]
  hosts: [{name: CONN01}]
expect:
  - {path: intune.exchange_connection.status, equals: connected, at: 30m}
  - {path: intune.exchange_connection.status, equals: connected}
"""

SERVICE = {"user": "CONTOSO\\svc-intune", "password": "P@ssw0rd-svc!"}
PROXY = {
    "address": "proxy.contoso.local",
    "port": 8080,
    "user": "CONTOSO\\proxy-intune",
    "password": "Pr0xy-2016!",
}
EXCHANGE = {"type": "on_premises", "server": "ex01.contoso.local"}


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def configure(**extra: Any) -> dict[str, Any]:
    return {"do": "configure", "host": "CONN01", "exchange": EXCHANGE, "account": SERVICE, **extra}


@pytest.fixture
def scenario() -> Any:
    return parse_scenario(WORLD, "<lab-test>")


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def room(scenario: Any, wall: Wall) -> Classroom:
    return Classroom.create(scenario, 2, wall=wall)


@pytest.fixture
def client(room: Classroom) -> Iterator[TestClient]:
    with TestClient(build_app(room, ticker=False)) as c:
        yield c


def bearer(room: Classroom, who: str) -> dict[str, str]:
    token = room.token_of("trainer") if who == "trainer" else room.token_of("student", who)
    return {"authorization": f"Bearer {token}"}


# -- the browser tests' harness ----------------------------------------------------------------------
# The system's Chromium (never a downloaded one), one browser per module, and the lab's real
# server on a free 127.0.0.1 port in a background thread. Policy when no Chromium is found:
# under CI (`CI` set) the browser tests fail, so a machine that lost its browser cannot pass
# by skipping them; anywhere else they are skipped with a message saying what to install.
# `.ci/run` installs Debian's `chromium` when it is missing.
ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / ".lab-screens"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The system's Chromium: $LAB_CHROMIUM, then `chromium` on the PATH, then Debian's path."""
    for candidate in (
        os.environ.get("LAB_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_problem(path: str | None) -> str | None:
    """Why the browser tests cannot run here (no Chromium, no Playwright), or None."""
    if path is None:
        return (
            "no Chromium found (looked at $LAB_CHROMIUM, chromium on the PATH, /usr/bin/chromium): "
            "install Debian's package (apt-get install -y chromium) to run the browser tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed in this environment (make install)"
    return None


def require_browser(path: str | None, ci: bool) -> str:
    """The policy: the browser's path, or fail under CI, or skip with the reason elsewhere."""
    problem = browser_problem(path)
    if problem is not None:
        if ci:
            pytest.fail(f"browser tests under CI: {problem}")
        pytest.skip(problem)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser's executable, or the policy's fail (CI) / skip (elsewhere)."""
    return require_browser(chromium_path(), bool(os.environ.get("CI")))


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """One headless Chromium for the module (its pages are cheap, its start is not)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class LabServer:
    """A lab served on 127.0.0.1: its classroom (tokens, sessions) and its address."""

    room: Any
    url: str

    def student_link(self, student: str) -> str:
        return f"{self.url}/?token={self.room.token_of('student', student)}"

    def trainer_link(self) -> str:
        return f"{self.url}/trainer?token={self.room.token_of('trainer')}"


def serve(room: Any) -> Iterator[LabServer]:
    """The lab's ASGI app under uvicorn in a thread, on a socket bound before the thread
    starts (so the port is known and connections queue until the server accepts: nothing
    to wait for). Stopped and joined at the end."""
    import uvicorn

    from simulator.lab.app import build_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        build_app(room, ticker=True), log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield LabServer(room, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def screens() -> Path:
    SCREENS.mkdir(exist_ok=True)
    return SCREENS
