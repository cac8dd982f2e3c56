"""Run results as JUnit XML (`run --junit`), for CI: one test case per scenario, its
failures, and the seed and trace hash that reproduce it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.run.results import RunResult


def _classname(path: str | None) -> str:
    """`scenarios/sync/x.yaml` → `scenarios.sync`: CI servers group test cases by it."""
    if not path:
        return "scenarios"
    parts = [p for p in Path(path).parent.parts if p not in (".", "/", "")]
    return ".".join(parts) or "scenarios"


def junit_report(results: Sequence[RunResult]) -> bytes:
    """JUnit XML as Jenkins, GitLab and GitHub test reporters read it: one `testcase` per
    scenario, `failure` with every failed expectation and the command that reproduces it,
    `error` when the run itself broke. Seed, trace hash and simulated span are properties."""
    failures = sum(1 for r in results if not r.passed and r.error is None)
    errors = sum(1 for r in results if r.error is not None)
    total_time = f"{sum(r.wall_seconds for r in results):.3f}"
    counts = {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": "0",
        "time": total_time,
    }
    root = ET.Element("testsuites", {"name": "exchange-twin", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "exchange-twin", **counts})
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _classname(r.path),
                "name": r.name,
                "file": r.path or "",
                "time": f"{r.wall_seconds:.3f}",
            },
        )
        props = ET.SubElement(case, "properties")
        for name, value in (
            ("seed", str(r.seed)),
            ("sha256", r.sha256),
            ("simulated", r.simulated_span),
            ("events", str(r.events)),
        ):
            ET.SubElement(props, "property", {"name": name, "value": value})
        if not r.passed:
            body = "\n".join(r.failures) + f"\n\nreproduce: {r.reproducer()}\n"
            if r.error is not None:
                element = ET.SubElement(case, "error", {"message": r.error, "type": "RunError"})
            else:
                first = r.failures[0] if r.failures else "failed"
                message = f"{len(r.failures)} failure(s): {first}"
                element = ET.SubElement(
                    case, "failure", {"message": message, "type": "ExpectationFailed"}
                )
            element.text = body
        ET.SubElement(
            case, "system-out"
        ).text = f"seed {r.seed}; trace sha256 {r.sha256 or '-'}; simulated {r.simulated_span}\n"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
