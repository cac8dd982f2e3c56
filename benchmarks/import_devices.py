"""`exchange-twin import` of a 100,000-device export (≤ 10 s; ≤ 2× the csv-module floor).

The export is made by the twin itself: an organisation's devices as `Get-MobileDevice`
objects, written as Windows PowerShell's Export-Csv writes them (UTF-16 LE with BOM, every
field quoted), outside the measurement. Then, measured:

* `import_devices.parse` — reading the file into scenario data (`import_devices`: decoding,
  the #TYPE line and header checks, every record's fields, owners, dates, access states);
  floor: decoding the same bytes and reading every record with the `csv` module, nothing
  else (target ≤ 2× the floor).
* `import_devices.yaml` — the above and the scenario's YAML text (target ≤ 10 s). The
  command itself then refuses to write it: a scenario of 100,000 devices is some 40 MB,
  and the scenario loader reads at most 1 MiB (simulator/language/yamlsafe.py), which the
  command checks (`command refused` below; the tiny size writes its file).
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
from simulator.language.imports.output import scenario_yaml
from simulator.language.imports.powershell_csv import write_export
from simulator.language.yamlsafe import MAX_BYTES
from simulator.world.world import build_world

SIZES = {"full": 66_667, "tiny": 40}  # users, 1.5 devices each


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
        (scenario, report), parse_seconds = timed(lambda: import_devices(str(path)))
        progress(f"import: the YAML of {report.devices} devices")
        text, yaml_seconds = timed(lambda: scenario_yaml(scenario))
        out = Path(tmp) / "imported.yaml"
        code = main(["import", "--devices", str(path), "-o", str(out)])
        fits = len(text) <= MAX_BYTES
        if (code == 0) != fits or out.exists() != fits:
            raise RuntimeError(f"exchange-twin import: exit {code} for {len(text):,} characters")
    return [
        Record("import_devices.parse", parse_seconds, "s", 2 * floor_seconds, floor_seconds),
        Record("import_devices.yaml", parse_seconds + yaml_seconds, "s", 10.0, floor_seconds),
    ]
