"""Run results as JSON (`run --json`): one object per scenario, versioned."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.run.results import RunResult


REPORT_VERSION = 1


# -- JSON and JUnit --------------------------------------------------------------------------------
def json_report(results: Sequence[RunResult]) -> bytes:
    """`{"version", "passed", "failed", "results": [...]}`, one entry per scenario in run order."""
    passed = sum(r.passed for r in results)
    doc = {
        "version": REPORT_VERSION,
        "passed": passed,
        "failed": len(results) - passed,
        "results": [r.to_dict() for r in results],
    }
    return (json.dumps(doc, indent=2) + "\n").encode()
