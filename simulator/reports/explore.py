"""A sweep's results as data: JSON, JUnit XML (one test case per seed) and an HTML page
(failures first, each with the shrunk reproducer and its command), plus docs/invariants.md.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from simulator.explore.invariants import INVARIANTS

if TYPE_CHECKING:
    from simulator.explore.sweep import SweepResult


def to_json(swept: SweepResult) -> bytes:
    return (json.dumps(swept.to_dict(), indent=2, sort_keys=True) + "\n").encode()


def to_junit(swept: SweepResult) -> bytes:
    suite = ET.Element(
        "testsuite",
        name="exchange-twin explore",
        tests=str(len(swept.results)),
        failures=str(len(swept.failed)),
        errors="0",
        skipped="0",
    )
    for r in swept.results:
        case = ET.SubElement(suite, "testcase", classname="explore", name=f"seed {r.seed}")
        for v in r.violations:
            failure = ET.SubElement(case, "failure", message=f"{v.invariant}: {v.message}"[:500])
            failure.text = f"{v.invariant} at {v.at}: {v.message}\nreplay: exchange-twin explore --seeds {r.seed}"
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)


def to_html(swept: SweepResult) -> bytes:
    e = html.escape
    rows = []
    for r in sorted(swept.results, key=lambda r: (r.passed, r.seed)):
        status = "pass" if r.passed else "fail"
        found = (
            "<br>".join(
                f"<b>{e(v.invariant)}</b> at {e(v.at)}: {e(v.message)}" for v in r.violations
            )
            or "every invariant held"
        )
        rows.append(
            f'<tr class="{status}"><td>{r.seed}</td><td>{status.upper()}</td><td>{found}</td><td><code>{e(r.sha256[:16])}</code></td></tr>'
        )
    repro = "".join(
        f"<li><b>{e(x.invariant)}</b> (seed {x.seed}): <code>{e(x.path)}</code> — {x.devices} devices, "
        f"{x.faults} faults, {x.steps} steps after {x.runs} runs; replay with "
        f"<code>exchange-twin explore --replay {e(x.path)}</code><br>{e(x.message)}"
        f"{_timeline(x.trace, x.path)}</li>"
        for x in swept.reproducers
    )
    counts = "".join(
        f"<tr><td>{e(name)}</td><td>{e(INVARIANTS[name].statement)}</td><td>{n}</td></tr>"
        for name, n in swept.failures_by_invariant().items()
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>exchange-twin explore</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}tr.fail td{{background:#fde8e8}}</style></head><body>
<h1>exchange-twin explore</h1>
<p>{len(swept.results)} seeds: {len(swept.results) - len(swept.failed)} held every invariant, {len(swept.failed)} failed.</p>
<h2>Shrunk reproducers</h2><ul>{repro or "<li>none</li>"}</ul>
<h2>Invariants</h2><table><tr><th>invariant</th><th>statement</th><th>failing seeds</th></tr>{counts}</table>
<h2>Seeds (failures first)</h2><table><tr><th>seed</th><th>result</th><th>violations</th><th>trace sha256</th></tr>{"".join(rows)}</table>
</body></html>
"""
    return page.encode()


def _timeline(trace: bytes, source: str) -> str:
    """The shrunk run's timeline, drawn as the HTML report draws a scenario's."""
    if not trace:
        return ""
    from simulator.reports.runs import TraceRun
    from simulator.reports.timeline import timeline_svg

    return f'<div class="timeline">{timeline_svg(TraceRun.parse(trace, source))}</div>'


def invariants_markdown() -> str:
    """docs/invariants.md: every invariant the explorer checks, with its statement."""
    lines = [
        "# Invariants",
        "",
        "Generated from `simulator/explore/invariants.py` (`exchange-twin explore --invariants`).",
        "Each is checked while every explored run goes (after each step and connector job) and at",
        "its end; a violation names the invariant, what was seen and the simulated time.",
        "",
        "| invariant | statement |",
        "|---|---|",
    ]
    lines += [f"| `{i.name}` | {i.statement} |" for i in INVARIANTS.values()]
    return "\n".join(lines) + "\n"
