"""The imported scenario as a YAML file: validated by the scenario loader before anything is
written, then written atomically (a reader sees the old file or the new one, never half)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


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


def write_scenario(
    scenario: dict[str, Any], path: str | Path, header: list[str] | None = None
) -> str:
    """Validate `scenario` as the loader would read it from `path`, then write it. Raises the
    loader's `ScenarioError` (nothing written) when it does not validate."""
    from simulator.language.loader import ScenarioError, parse_scenario
    from simulator.language.yamlsafe import MAX_BYTES

    text = scenario_yaml(scenario, header)
    if len(text) > MAX_BYTES:
        devices = len(scenario.get("world", {}).get("exchange", {}).get("devices", []))
        fits = int(devices * MAX_BYTES / len(text))
        raise ScenarioError(
            str(path),
            None,
            None,
            "",
            f"{devices:,} devices make a scenario of {len(text):,} characters, and the scenario "
            f"loader reads at most {MAX_BYTES:,} (about {fits:,} devices of this export): "
            "import a part of the export",
        )
    parse_scenario(text, str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return text
