"""The imported scenario as files: validated by the scenario loader before anything is
written, then written atomically (a reader sees the old file or the new one, never half).

A large import (more than `INLINE_DEVICES` devices) writes its devices and the accounts
that own them as data files beside the scenario (`<stem>.devices.csv`,
`<stem>.accounts.csv`; language/datafiles.py), which the scenario names: its YAML stays a
few KiB whatever the organisation's size, within the loader's limits, and CSV is written
and read far faster than YAML.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

#: Up to this many devices are written in the scenario itself (a readable file of some
#: 400 KiB at most); more go to data files.
INLINE_DEVICES = 1000


def scenario_yaml(scenario: dict[str, Any], header: list[str] | None = None) -> str:
    """The scenario as YAML: sections in block style, each device, account and rule on one
    line (a flow mapping), so that a file of thousands of devices stays readable; `header`
    as leading comments (where the import's inferences come from)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    comments = "".join(f"# {line}\n" for line in header or [])
    return comments + yaml.dump(
        scenario,
        Dumper=dumper,
        default_flow_style=None,
        sort_keys=False,
        allow_unicode=True,
        width=4096,
    )


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> str:
    """Rows as a data file: a header of the fields any row has (in the model's order)."""
    used = {k for row in rows for k in row}
    columns = [f for f in fields if f in used]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                ("true" if v else "false") if isinstance(v := row.get(c), bool) else v
                for c in columns
            ]
        )
    return out.getvalue()


def split_data(scenario: dict[str, Any], stem: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario with its devices (and the accounts that fit a row: no lists) moved to
    data files when there are more than INLINE_DEVICES, and those files (name → text)."""
    from simulator.world.config.directory import AccountSpec
    from simulator.world.config.exchange import DeviceSpec

    world = scenario.get("world", {})
    devices = world.get("exchange", {}).get("devices", [])
    if len(devices) <= INLINE_DEVICES:
        return scenario, {}
    directory = dict(world["directory"])
    rows = [
        a for a in directory.get("accounts", []) if not any(isinstance(v, list) for v in a.values())
    ]
    inline = [
        a for a in directory.get("accounts", []) if any(isinstance(v, list) for v in a.values())
    ]
    names = {"devices": f"{stem}.devices.csv", "accounts": f"{stem}.accounts.csv"}
    files = {
        names["accounts"]: _csv(rows, list(AccountSpec.model_fields)),
        names["devices"]: _csv(devices, list(DeviceSpec.model_fields)),
    }
    if inline:
        directory["accounts"] = inline
    else:
        directory.pop("accounts", None)
    directory["accounts_file"] = names["accounts"]
    exchange = {k: v for k, v in world["exchange"].items() if k != "devices"}
    exchange["devices_file"] = names["devices"]
    return {**scenario, "world": {**world, "directory": directory, "exchange": exchange}}, files


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_scenario(
    scenario: dict[str, Any], path: str | Path, header: list[str] | None = None
) -> str:
    """Validate `scenario` as the loader would read it from `path` (with its data files),
    then write the data files and the scenario. Raises the loader's `ScenarioError`
    (nothing written) when it does not validate."""
    from simulator.language.loader import ScenarioError, parse_scenario
    from simulator.language.yamlsafe import MAX_BYTES

    path = Path(path)
    small, files = split_data(scenario, path.stem.removesuffix(".scenario"))
    text = scenario_yaml(small, header)
    if len(text) > MAX_BYTES:
        raise ScenarioError(
            str(path),
            None,
            None,
            "",
            f"the scenario is {len(text):,} characters, and the scenario loader reads at most "
            f"{MAX_BYTES:,} (its devices and accounts are in data files already)",
        )

    def read(name: str) -> bytes:
        if name not in files:
            raise FileNotFoundError(2, "not written by this import", name)
        return files[name].encode("utf-8")

    parse_scenario(text, str(path), read_data=read)
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():  # the data first: the scenario names them
        _atomic_write(path.parent / name, data)
    _atomic_write(path, text)
    return text
