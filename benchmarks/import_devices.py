"""`exchange-twin import` of a 100,000-device export (≤ 10 s; reading ≤ 2× the csv floor).

The export is made by the twin itself: an organisation's devices as `Get-MobileDevice`
objects, written as Windows PowerShell's Export-Csv writes them (UTF-16 LE with BOM, every
field quoted), outside the measurement. Then, measured:

* `import_devices.parse` — reading the file into scenario data (`import_devices`: decoding,
  the #TYPE line and header checks, every record's fields, owners, dates, access states);
  floor: decoding the same bytes and reading every record with the `csv` module, nothing
  else (target ≤ 2× the floor).
* `import_devices.command` — the whole command, `exchange-twin import --devices ... -o`:
  the above, the devices and their owners written as data files beside a small scenario
  (simulator/language/datafiles.py; a 100,000-device scenario as YAML is some 40 MB, past the
  loader's 1 MiB), the files validated by the loader before anything is written, and
  written (target ≤ 10 s).
* `import_devices.load` — `load_scenario` of what it wrote (the scenario and its data
  files, every row validated), as `validate` and `run` read it (target ≤ 10 s).

Then `exchange-twin validate` and `exchange-twin run` of the imported scenario must pass
(the world of every imported device is built and its expectations checked; not timed).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from benchmarks.common import Record, organisation, progress, timed
from simulator.cli import main
from simulator.exchange.device_views import device_view
from simulator.language.imports.devices import import_devices
from simulator.language.imports.powershell_csv import write_export
from simulator.language.loader import load_scenario
from simulator.world.world import build_world

SIZES = {"full": 66_667, "tiny": 800}  # users, 1.5 devices each (tiny: past INLINE_DEVICES)


def export(users: int) -> bytes:
    """The Export-Csv bytes of every device of a `users`-user organisation."""
    world = build_world(organisation("bench-import", users, fleet=False))
    org, now = world.org, world.clock.seconds
    version = org.servers[0].version
    return write_export(
        (device_view(org, d, version, now) for d in org.devices()), "MobileDevice", "utf-16"
    )


def floor(data: bytes) -> float:
    """Wall seconds of decoding the bytes and reading every record with the csv module."""

    def read() -> int:
        text = data[2:].decode("utf-16-le")
        body = text.split("\n", 1)[1]
        return sum(1 for _ in csv.reader(io.StringIO(body, newline="")))

    return timed(read)[1]


def run(size: str) -> list[Record]:
    users = SIZES[size]
    progress(f"export: {users} users' devices as Export-Csv writes them")
    data = export(users)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "devices.csv"
        path.write_bytes(data)
        floor_seconds = floor(data)
        progress("import: parse")
        (_, report), parse_seconds = timed(lambda: import_devices(str(path)))
        out = Path(tmp) / "imported.yaml"
        progress(f"import: the command, {report.devices} devices")
        code, command_seconds = timed(
            lambda: main(["import", "--devices", str(path), "-o", str(out)])
        )
        if code != 0 or not (Path(tmp) / "imported.devices.csv").exists():
            raise RuntimeError(f"exchange-twin import: exit {code}, no data file")
        progress("load the imported scenario")
        scenario, load_seconds = timed(lambda: load_scenario(out))
        if len(scenario.world.exchange.devices) != report.devices:
            raise RuntimeError("the imported scenario does not hold every device")
        progress("validate and run it")
        for argv in (["validate", str(out)], ["run", str(out)]):
            if main(argv) != 0:
                raise RuntimeError(f"exchange-twin {argv[0]} of the imported scenario failed")
    return [
        Record("import_devices.parse", parse_seconds, "s", 2 * floor_seconds, floor_seconds),
        Record("import_devices.command", command_seconds, "s", 10.0, floor_seconds),
        Record("import_devices.load", load_seconds, "s", 10.0, floor_seconds),
    ]
