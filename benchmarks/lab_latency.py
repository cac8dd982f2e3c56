"""The browser lab under a class's load: 30 students' worlds in one server process, each
connected and running at 60×, while a load generator over 127.0.0.1 sends what their pages
poll (the clock every second, the connection and the log every 5 s, the timeline every
10 s). Measured: the p95 latency of those requests (target ≤ 100 ms), and the server's CPU
per world (its CPU seconds per wall second, divided by the worlds; target: the whole class
within one core).

Floor: the p95 of the same requests to an app whose every route answers a constant `{}` at
once, served the same way (uvicorn on 127.0.0.1, the same client): what the HTTP stack costs
on this machine at this moment.

The server runs in a child process (`--serve`), so the load generator's own work is not
counted as the server's CPU; the child prints its port and tokens on its first line.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Record, progress

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"full": (30, 20.0), "tiny": (2, 2.0)}  # worlds, wall seconds of load
TARGET_MS = 100.0
POLLS = (
    ("/api/clock", 1.0),
    ("/api/console/connection", 5.0),
    ("/api/hosts/CONN01/log?limit=50", 5.0),
    ("/api/timeline", 10.0),
)
SETUP = (
    {"do": "download_package", "host": "CONN01"},
    {"do": "install", "host": "CONN01"},
    {
        "do": "configure",
        "host": "CONN01",
        "exchange": {"type": "on_premises", "server": "ex01.contoso.local"},
        "account": {"user": "CONTOSO\\Administrator", "password": "Pa$$w0rd-lab"},
    },
)


def _serve(students: int, trivial: bool) -> None:
    """The child: the lab (or the trivial floor app) on 127.0.0.1, port and tokens printed."""
    import socket

    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from simulator.lab.app import build_app
    from simulator.lab.classroom import Classroom
    from simulator.run.lab import default_scenario

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    if trivial:

        async def constant(request: Any) -> JSONResponse:
            return JSONResponse({})

        app: Any = Starlette(routes=[Route("/{path:path}", constant, methods=["GET", "POST"])])
        tokens = {"trainer": "x", "students": ["x"] * students}
    else:
        room = Classroom.create(default_scenario(), students)
        app = build_app(room)
        tokens = {
            "trainer": room.token_of("trainer"),
            "students": [room.token_of("student", s) for s in room.sessions],
        }
    print(json.dumps({"port": sock.getsockname()[1], **tokens}), flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="error")).run(sockets=[sock])


async def _load(port: int, tokens: dict[str, Any], seconds: float, setup: bool) -> list[float]:
    import httpx

    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        if setup:
            for token in tokens["students"]:
                for step in SETUP:
                    await client.post(
                        "/api/steps", json=step, headers={"authorization": f"Bearer {token}"}
                    )
            await client.post(
                "/api/trainer/clock",
                json={"students": "all", "speed": 60},
                headers={"authorization": f"Bearer {tokens['trainer']}"},
            )
        latencies: list[float] = []
        end = time.perf_counter() + seconds  # wall-clock-ok: a benchmark measures wall time

        async def page(token: str, offset: float) -> None:
            headers = {"authorization": f"Bearer {token}"}
            due = {
                path: time.perf_counter() + offset * every for path, every in POLLS
            }  # wall-clock-ok
            while time.perf_counter() < end:  # wall-clock-ok
                now = time.perf_counter()  # wall-clock-ok
                for path, every in POLLS:
                    if due[path] <= now:
                        t0 = time.perf_counter()  # wall-clock-ok
                        r = await client.get(path, headers=headers)
                        latencies.append(time.perf_counter() - t0)  # wall-clock-ok
                        if r.status_code != 200:
                            raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
                        due[path] = now + every
                await asyncio.sleep(
                    max(0.0, min(due.values()) - time.perf_counter())
                )  # wall-clock-ok

        n = len(tokens["students"])
        await asyncio.gather(*(page(t, i / n) for i, t in enumerate(tokens["students"])))
        return latencies


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (Linux)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(students: int, seconds: float, trivial: bool) -> tuple[float, float]:
    """(p95 seconds, server CPU seconds per wall second) for one load run."""
    command = [sys.executable, "-m", "benchmarks.lab_latency", "--serve", str(students)]
    if trivial:
        command.append("--trivial")
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        info = json.loads(child.stdout.readline())
        cpu0, wall0 = _cpu_seconds(child.pid), time.perf_counter()  # wall-clock-ok
        latencies = asyncio.run(_load(info["port"], info, seconds, setup=not trivial))
        cpu = (_cpu_seconds(child.pid) - cpu0) / (time.perf_counter() - wall0)  # wall-clock-ok
    finally:
        child.terminate()
        child.wait(timeout=30)
    latencies.sort()
    return latencies[int(0.95 * (len(latencies) - 1))], cpu


def run(size: str) -> list[Record]:
    students, seconds = SIZES[size]
    progress(f"lab_latency: {students} worlds at 60×, {seconds:.0f} s of page polling")
    p95, cpu = _measure(students, seconds, trivial=False)
    floor, floor_cpu = _measure(students, seconds, trivial=True)
    return [
        Record("lab_latency.p95", p95, "s", TARGET_MS / 1000, floor),
        # target: every world together within one core; floor: the HTTP stack's share alone
        Record(
            "lab_latency.cpu_per_world",
            cpu / students,  # CPU seconds per wall second, per world
            "s",
            1.0 / students,
            max(floor_cpu / students, 1e-6),
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        _serve(int(sys.argv[2]), "--trivial" in sys.argv)
