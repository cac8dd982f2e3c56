"""`exchange-twin lab`: builds the class, prints the trainer's and each student's link (a
token each, on 127.0.0.1 only), stops cleanly on Ctrl+C; refuses a bad file or port."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import uvicorn

from simulator.cli import main
from tests.lab.conftest import WORLD


def test_the_lab_prints_a_link_per_student_and_stops_on_ctrl_c(
    tmp_path: Path, monkeypatch: Any, capsys: Any
):
    seen: dict[str, Any] = {}

    def serve(self: Any, sockets: Any = None) -> None:
        seen["bound"] = sockets[0].getsockname()
        raise KeyboardInterrupt

    monkeypatch.setattr(uvicorn.Server, "run", serve)
    path = tmp_path / "world.yaml"
    path.write_text(WORLD)
    assert main(["lab", str(path), "--students", "3", "--port", "0"]) == 0
    out = capsys.readouterr().out
    assert seen["bound"][0] == "127.0.0.1"
    links = re.findall(r"http://127\.0\.0\.1:\d+/(trainer)?\?token=([\w-]+)", out)
    assert len(links) == 4 and len({token for _, token in links}) == 4
    assert [name for name in re.findall(r"^\s+(s\d|trainer):", out, re.M)] == [
        "trainer",
        "s1",
        "s2",
        "s3",
    ]
    assert "The lab is closed." in out


def test_a_missing_or_invalid_file_is_refused(tmp_path: Path, capsys: Any):
    assert main(["lab", str(tmp_path / "nope.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworld: {directory: {domian: x}}\n")
    assert main(["lab", str(bad)]) == 2
    assert "domian" in capsys.readouterr().err
