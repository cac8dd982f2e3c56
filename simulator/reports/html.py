"""Reports of runs: JSON and JUnit for machines, one self-contained HTML page for people, and
the scenario catalogue in Markdown.

The HTML report is built from traces only (`TraceRun.parse`), never from live objects, so
that `exchange-twin report` gives the same page from saved traces as `run --html` gives at
the end of a run. The runner leaves in the trace what the page draws: `run.start` (summary,
tags, SPEC ids), `step`/`step.failed`, `connector.jobs`, `sample` (devices in Exchange and in
Intune, the Intune connection status, each connector service's state), `fault` (one per fault
of the timeline) and `expect` (every expectation with its result and, when timed, its moment).

The timeline is inline SVG written here rather than a JavaScript charting library: the page
must open from a mail attachment or a CI artefact with no network, and a few hundred lines of
deterministic SVG are easier to test than a bundled library. Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.run.trace import parse_events, write_atomic
from simulator.world.clock import format_span

if TYPE_CHECKING:
    from simulator.language.schema import Scenario
    from simulator.run.runner import RunResult

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


def write_report(path: str | Path, data: bytes | str) -> None:
    write_atomic(path, data.encode() if isinstance(data, str) else data)


# -- traces read back --------------------------------------------------------------------------------
def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class ExpectationResult:
    index: int
    expectation: str
    passed: bool | None  # None: skipped because a step failed
    failures: list[str]
    at: datetime | None  # when checked, for a timed expectation; else the end of the run
    after_failed_step: int | None = None  # checked after this step failed (it may explain it)


@dataclass
class TraceRun:
    """One run as its trace tells it: what the HTML report shows."""

    source: str
    sha256: str
    events: list[dict[str, Any]]
    name: str = "?"
    seed: int | None = None
    profile: str | None = None
    summary: str = ""
    spec: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    path: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    passed: bool | None = None
    expectations: list[ExpectationResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, source: str, path: str | None = None) -> TraceRun:
        """Read a trace; `TraceFileError` (naming the line) when it is not one."""
        events = parse_events(data, source)
        run = cls(source=source, sha256=hashlib.sha256(data).hexdigest(), events=events, path=path)
        times = [_time(e["t"]) for e in events if "t" in e]
        run.start = min(times) if times else None
        run.end = max(times) if times else None
        for e in events:
            kind = e["kind"]
            if kind == "run.start":
                run.name = str(e.get("scenario", "?"))
                run.seed = e.get("seed")
                run.profile = e.get("profile")
                run.summary = str(e.get("summary", ""))
                run.spec = list(e.get("spec", []))
                run.tags = list(e.get("tags", []))
                run.start = _time(e["t"])
            elif kind == "run.end":
                run.passed = bool(e.get("passed"))
            elif kind == "step.failed" and not e.get("expected"):
                run.failures.append(
                    f"step {e.get('index')} ({e.get('do')}) failed at {e['t']}: {e.get('error')}"
                )
            elif kind == "expect":
                result = ExpectationResult(
                    index=int(e.get("index", len(run.expectations) + 1)),
                    expectation=str(e.get("expectation", "")),
                    passed=e.get("passed"),
                    failures=list(e.get("failures", [])),
                    at=_time(e["at"]) if e.get("at") else None,
                    after_failed_step=e.get("after_failed_step"),
                )
                run.expectations.append(result)
                run.failures.extend(result.failures)
        run.expectations.sort(key=lambda x: x.index)
        return run

    @property
    def span_seconds(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return (self.end - self.start).total_seconds()

    def reproducer(self) -> str:
        target = self.path or f"<{self.name}.yaml>"
        return f"exchange-twin run {target}" + (
            f" --seed {self.seed}" if self.seed is not None else ""
        )

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] in kinds]


# -- the timeline ----------------------------------------------------------------------------------
GOOD, PENDING, BAD, GONE, OTHER = "#2e9e5b", "#e3a63a", "#d64545", "#b9bec7", "#7a8fa6"
STATE_COLOURS = {
    "connected": GOOD,
    "running": GOOD,
    "connectionpending": PENDING,
    "startpending": PENDING,
    "stoppending": PENDING,
    "disconnected": BAD,
    "stopped": BAD,
    "replaced": GONE,
    "deleted": GONE,
    "absent": GONE,
    "none": GONE,
}
EXCHANGE_COLOUR, INTUNE_COLOUR = "#2f6fb5", "#c2571a"
_TICKS = (1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
_TICKS += (2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400)


def _colour(state: str | None) -> str:
    return STATE_COLOURS.get(str(state).lower(), OTHER)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class _Axis:
    start: datetime
    span: float
    left: float
    width: float

    def x(self, when: datetime | str) -> float:
        if isinstance(when, str):
            when = _time(when)
        offset = (when - self.start).total_seconds()
        return round(self.left + max(0.0, min(offset, self.span)) / self.span * self.width, 1)


def _tick_step(span: float) -> int:
    return next((s for s in _TICKS if span / s <= 8), _TICKS[-1])


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _tick_label(when: datetime, step: int, span: float) -> str:
    if step >= 86400:
        return f"{_MONTHS[when.month - 1]} {when.day:02d}"  # not %b: that follows the locale
    if span > 86400:
        return when.strftime("%m-%d %H:%M")
    return when.strftime("%H:%M:%S" if step < 60 else "%H:%M")


def _ticks(axis: _Axis) -> list[tuple[float, str]]:
    step = _tick_step(axis.span)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = (axis.start - epoch).total_seconds()
    first = (int(first) // step + (0 if first % step == 0 else 1)) * step
    out = []
    at = epoch + timedelta(seconds=first)
    end = axis.start + timedelta(seconds=axis.span)
    while at <= end:
        out.append((axis.x(at), _tick_label(at, step, axis.span)))
        at += timedelta(seconds=step)
    return out


def _segments(
    points: list[tuple[datetime, Any]], end: datetime
) -> list[tuple[datetime, datetime, Any]]:
    """Step function: each value holds from its sample until the next one (or the end)."""
    out = []
    for i, (when, value) in enumerate(points):
        until = points[i + 1][0] if i + 1 < len(points) else end
        if until > when or i + 1 == len(points):
            out.append((when, until, value))
    return out


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(self, x: float, y: float, content: str, cls: str = "", anchor: str = "start") -> None:
        c = f' class="{cls}"' if cls else ""
        self.add(f'<text x="{x}" y="{y}" text-anchor="{anchor}"{c}>{_e(content)}</text>')


def timeline_svg(run: TraceRun, width: int = 1000) -> str:
    """The run on one picture over simulated time: steps, connector jobs (green when they
    succeeded, red when they failed), the Intune connection and each connector service as
    coloured state bands, devices in Exchange and in Intune as step lines, expectations at the
    moment they were checked, and faults as translucent bands across everything."""
    if run.start is None or run.end is None:
        return '<p class="empty">This trace has no timed events.</p>'
    left, right = 160.0, 24.0
    axis = _Axis(run.start, max(run.span_seconds, 1.0), left, width - left - right)
    samples = sorted(run.of_kind("sample"), key=lambda e: e["t"])
    hosts = sorted({h for e in samples for h in e.get("connectors", {})})
    job_hosts = sorted({str(e.get("host")) for e in run.of_kind("connector.jobs")})
    svg = _Svg()
    y = 28.0  # room above the first lane for fault labels
    lanes: list[tuple[float, float]] = []

    def lane(label: str, height: float) -> float:
        nonlocal y
        top = y
        svg.add(f'<rect class="lane" x="{left}" y="{top}" width="{axis.width}" height="{height}"/>')
        svg.text(left - 8, top + height / 2 + 4, label, "label", "end")
        lanes.append((top, height))
        y += height + 8
        return top

    # steps: those within a few pixels of each other share one marker and one label
    top = lane("steps", 26)
    failed = {e.get("index"): e for e in run.of_kind("step.failed")}
    groups: list[list[dict[str, Any]]] = []
    for e in run.of_kind("step"):
        if "do" not in e:
            continue
        if groups and axis.x(e["t"]) - axis.x(groups[-1][0]["t"]) < 8:
            groups[-1].append(e)
        else:
            groups.append([e])
    last_label = -1e9
    for group in groups:
        x = axis.x(group[0]["t"])
        fails = [failed[e.get("index")] for e in group if e.get("index") in failed]
        colour = "#44505f"
        if fails:
            colour = BAD if any(not f.get("expected") for f in fails) else PENDING
        tips = []
        for e in group:
            tip = f"step {e.get('index')}: {e['do']} at {e['t']}"
            if (fail := failed.get(e.get("index"))) is not None:
                tip += " — " + ("expected failure" if fail.get("expected") else "FAILED")
                tip += f": {fail.get('error')}"
            tips.append(tip)
        cy = top + 13
        svg.add(
            f'<path class="step" d="M{x} {cy - 6} L{x + 6} {cy} L{x} {cy + 6} L{x - 6} {cy} Z" '
            f'fill="{colour}"><title>{_e(chr(10).join(tips))}</title></path>'
        )
        if x - last_label >= 120:
            label = str(group[0]["do"]) + (f" +{len(group) - 1}" if len(group) > 1 else "")
            svg.text(x + 8, cy + 4, label, "small")
            last_label = x

    # connector jobs, one lane per host
    for host in job_hosts or ["connector"]:
        top = lane(f"jobs {host}" if job_hosts else "connector jobs", 22)
        for e in run.of_kind("connector.jobs"):
            if str(e.get("host")) != host or not e.get("ran"):
                continue
            errors = e.get("errors") or {}
            ok = not errors and not e.get("retired")
            x = axis.x(e["t"])
            failed = (
                "; ".join(f"{job}: {text}" for job, text in sorted(errors.items()))
                or f"retired ({e.get('retired')})"
            )
            tip = f"{', '.join(e['ran'])} at {e['t']}: " + (
                "succeeded" if ok else f"failed: {failed}"
            )
            svg.add(
                f'<circle class="job" cx="{x}" cy="{top + 11}" r="5" fill="{GOOD if ok else BAD}">'
                f"<title>{_e(tip)}</title></circle>"
            )

    # state bands
    def bands(label: str, points: list[tuple[datetime, Any]]) -> None:
        top = lane(label, 18)
        assert run.end is not None
        for start, end, value in _segments(points, run.end):
            x0, x1 = axis.x(start), axis.x(end)
            shown = "none" if value is None else str(value)
            svg.add(
                f'<rect x="{x0}" y="{top + 2}" width="{max(x1 - x0, 1.5):.1f}" height="14" '
                f'fill="{_colour(value)}"><title>{_e(label)}: {_e(shown)} from '
                f"{_e(start.isoformat())} to {_e(end.isoformat())}</title></rect>"
            )
            if x1 - x0 > 8 * len(shown) + 8:
                svg.text(x0 + 4, top + 13, shown, "band")

    bands("Intune connection", [(_time(e["t"]), e.get("connection")) for e in samples])
    for host in hosts:
        bands(
            f"service {host}",
            [(_time(e["t"]), e.get("connectors", {}).get(host, "absent")) for e in samples],
        )

    # devices chart
    chart_h = 130.0
    top = lane("devices", chart_h)
    peak = max(
        [1]
        + [int(e.get("exchange_devices", 0)) for e in samples]
        + [int(e.get("intune_devices", 0)) for e in samples]
    )

    def yv(v: float) -> float:
        return round(top + chart_h - 6 - v / peak * (chart_h - 30), 1)

    for v in (0, peak // 2, peak):
        svg.add(
            f'<line class="grid" x1="{left}" x2="{left + axis.width}" y1="{yv(v)}" y2="{yv(v)}"/>'
        )
        svg.text(left + axis.width - 2, yv(v) - 2, str(v), "small", "end")
    # Exchange wide and pale under Intune narrow and dark: when Intune holds every device
    # the two lines coincide, and both must stay visible.
    for key, colour, name, cls in (
        ("exchange_devices", EXCHANGE_COLOUR, "in Exchange", "series wide"),
        ("intune_devices", INTUNE_COLOUR, "in Intune", "series"),
    ):
        points = [(_time(e["t"]), int(e.get(key, 0))) for e in samples]
        if not points:
            continue
        path: list[str] = []
        for start, end, value in _segments(points, run.end):
            x0, x1, yy = axis.x(start), axis.x(end), yv(value)
            path.append(f"{'M' if not path else 'L'}{x0} {yy} L{x1} {yy}")
        svg.add(
            f'<path class="{cls}" d="{" ".join(path)}" stroke="{colour}">'
            f"<title>devices {name}</title></path>"
        )
    svg.text(left + 6, top + 14, "■ in Exchange", "legend exchange")
    svg.text(left + 110, top + 14, "■ in Intune", "legend intune")

    # expectations
    top = lane("expectations", 22)
    for exp in run.expectations:
        when = exp.at or run.end
        x = axis.x(when)
        mark, colour = {True: ("✓", GOOD), False: ("✗", BAD), None: ("–", GONE)}[exp.passed]
        tip = f"#{exp.index} {exp.expectation}: " + (
            "held" if exp.passed else "skipped" if exp.passed is None else "; ".join(exp.failures)
        )
        svg.add(
            f'<text class="mark" x="{x}" y="{top + 16}" text-anchor="middle" fill="{colour}">'
            f"{mark}<title>{_e(tip)}</title></text>"
        )

    # axis
    bottom = y
    for x, label in _ticks(axis):
        svg.add(f'<line class="tick" x1="{x}" x2="{x}" y1="28" y2="{bottom}"/>')
        svg.text(x, bottom + 14, label, "small", "middle")
    height = bottom + 24

    # faults over everything
    for e in run.of_kind("fault"):
        x0 = axis.x(e.get("start") or run.start)
        x1 = axis.x(e.get("end") or run.end)
        params = ", ".join(f"{k}={v}" for k, v in sorted((e.get("params") or {}).items()))
        tip = f"fault {e.get('fault')} from {e.get('start')} to {e.get('end') or 'the end'}"
        tip += f" ({params})" if params else ""
        svg.add(
            f'<rect class="fault" x="{x0}" y="24" width="{max(x1 - x0, 2):.1f}" '
            f'height="{bottom - 24}"><title>{_e(tip)}</title></rect>'
        )
        svg.text(x0 + 3, 18, f"⚠ {e.get('fault')}", "fault-label")

    body = "".join(svg.parts)
    return (
        f'<svg class="timeline" viewBox="0 0 {width} {height:.0f}" width="100%" role="img" '
        f'aria-label="timeline of {_e(run.name)} over simulated time">{body}</svg>'
    )


# -- the page --------------------------------------------------------------------------------------
_CSS = """
:root { --good:#2e9e5b; --bad:#d64545; --pending:#e3a63a; --muted:#6b7280; --line:#e5e7eb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1f2933; background: #f6f7f9; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 24px; } h2 { margin: 0; font-size: 19px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
.sub { color: var(--muted); margin: 0 0 16px; }
section.scenario { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--good);
  border-radius: 8px; padding: 18px 22px; margin: 18px 0; }
section.scenario.fail { border-left-color: var(--bad); }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; color: #fff; font-size: 12px;
  font-weight: 600; vertical-align: middle; margin-left: 8px; }
.badge.pass { background: var(--good); } .badge.fail { background: var(--bad); }
.badge.skip { background: #9aa1ab; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 12px 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12.5px; }
tr.fail td { background: #fdf1f1; }
.failures { background: #fdf1f1; border: 1px solid #f3c9c9; border-radius: 6px; padding: 10px 14px; }
.failures li { margin: 3px 0; }
details { margin-top: 12px; } summary { cursor: pointer; color: #374151; font-weight: 600; }
svg.timeline { background: #fff; font-size: 11px; }
svg .lane { fill: #f8fafc; stroke: var(--line); }
svg .label { fill: #374151; font-weight: 600; font-size: 11.5px; }
svg .small { fill: #4b5563; font-size: 10.5px; }
svg .band { fill: #fff; font-size: 10px; }
svg .tick { stroke: #e5e7eb; stroke-dasharray: 2 3; }
svg .grid { stroke: #eef0f3; }
svg .series { fill: none; stroke-width: 2; }
svg .series.wide { stroke-width: 6; stroke-opacity: 0.35; }
svg .legend { font-size: 11px; } svg .exchange { fill: #2f6fb5; } svg .intune { fill: #c2571a; }
svg .fault { fill: rgba(214, 69, 69, 0.13); stroke: rgba(214, 69, 69, 0.55); stroke-dasharray: 4 3; }
svg .fault-label { fill: #b23131; font-size: 11px; font-weight: 600; }
svg .mark { font-size: 15px; font-weight: 700; }
.legend-row { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.chip { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 12px;
  vertical-align: -1px; }
"""


def _badge(passed: bool | None) -> str:
    if passed is None:
        return '<span class="badge skip">SKIPPED</span>'
    return (
        '<span class="badge pass">PASS</span>' if passed else '<span class="badge fail">FAIL</span>'
    )


def _anchor(name: str) -> str:
    return "s-" + re.sub(r"[^a-zA-Z0-9_-]+", "-", name)


def _scenario_section(run: TraceRun) -> str:
    status = "pass" if run.passed else "fail"
    facts = [
        ("seed", str(run.seed)),
        ("profile", run.profile or "-"),
        (
            "simulated",
            f"{run.start.isoformat() if run.start else '-'} → "
            f"{run.end.isoformat() if run.end else '-'} ({format_span(run.span_seconds)})",
        ),
        ("events", str(len(run.events))),
        ("trace sha256", f'<span class="mono">{run.sha256}</span>'),
        ("SPEC", ", ".join(run.spec) or "-"),
        ("tags", ", ".join(run.tags) or "-"),
        ("reproduce", f"<code>{_e(run.reproducer())}</code>"),
    ]
    rows = "".join(
        f"<dt>{_e(k)}</dt><dd>{v if k in ('trace sha256', 'reproduce') else _e(v)}</dd>"
        for k, v in facts
    )
    out = [
        f'<section class="scenario {status}" id="{_anchor(run.name)}">',
        f"<h2>{_e(run.name)}{_badge(run.passed)}</h2>",
        f'<p class="sub">{_e(run.summary)}</p>' if run.summary else "",
        f'<dl class="facts">{rows}</dl>',
        "<h3>Timeline</h3>",
        timeline_svg(run),
        '<p class="legend-row">'
        f'<span class="chip" style="background:{GOOD}"></span>connected / running / job succeeded'
        f'<span class="chip" style="background:{PENDING}"></span>pending / expected step failure'
        f'<span class="chip" style="background:{BAD}"></span>disconnected / stopped / failed'
        f'<span class="chip" style="background:{GONE}"></span>none / replaced / deleted'
        '<span class="chip" style="background:rgba(214,69,69,0.25)"></span>fault'
        "</p>",
    ]
    if run.failures:
        items = "".join(f"<li>{_e(f)}</li>" for f in run.failures)
        out.append(f'<h3>Failures</h3><ul class="failures">{items}</ul>')
    out.append("<h3>Expectations</h3>")
    if run.expectations:
        body = "".join(
            f'<tr class="{"fail" if x.passed is False else ""}"><td>{x.index}</td>'
            f"<td><code>{_e(x.expectation)}</code></td>"
            f"<td>{_e(x.at.isoformat() if x.at else 'end of run')}"
            + (
                f"<br><small>after step {x.after_failed_step} failed</small>"
                if x.after_failed_step
                else ""
            )
            + "</td>"
            f"<td>{_badge(x.passed)}</td><td>{'<br>'.join(_e(f) for f in x.failures)}</td></tr>"
            for x in run.expectations
        )
        out.append(
            "<table><tr><th>#</th><th>expectation</th><th>checked at</th><th>result</th>"
            f"<th>found</th></tr>{body}</table>"
        )
    else:
        out.append('<p class="sub">This scenario has no expectations.</p>')
    failed = {e.get("index"): e for e in run.of_kind("step.failed")}
    step_rows = []
    for e in run.of_kind("step"):
        fail = failed.get(e.get("index"))
        what = e.get("do") or (f"at {e['at']}" if e.get("at") else f"advance {e.get('advance')}")
        outcome = (
            ("expected failure: " if fail.get("expected") else "FAILED: ") + str(fail.get("error"))
            if fail
            else "ok"
        )
        step_rows.append(
            f'<tr class="{"fail" if fail and not fail.get("expected") else ""}">'
            f"<td>{_e(e.get('index'))}</td><td>{_e(e['t'])}</td><td>{_e(what)}</td>"
            f"<td>{_e(outcome)}</td></tr>"
        )
    out.append(
        f"<details><summary>Steps ({len(step_rows)})</summary><table><tr><th>#</th>"
        f"<th>at</th><th>step</th><th>outcome</th></tr>{''.join(step_rows)}</table></details>"
    )
    kinds = Counter(e["kind"] for e in run.events)
    kind_rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td>{n}</td></tr>" for k, n in sorted(kinds.items())
    )
    out.append(
        f"<details><summary>Trace events by kind ({len(kinds)})</summary><table>"
        f"<tr><th>kind</th><th>events</th></tr>{kind_rows}</table></details>"
    )
    out.append("</section>")
    return "\n".join(p for p in out if p)


def html_report(runs: Sequence[TraceRun], title: str = "exchange-twin report") -> str:
    """One HTML page for any number of runs: an index, then a section per run.

    No date of generation and no absolute paths of the machine: the same traces give the same
    page, so a report can be diffed or attached next to the trace it came from."""
    passed = sum(1 for r in runs if r.passed)
    index = "".join(
        f'<tr class="{"" if r.passed else "fail"}"><td><a href="#{_anchor(r.name)}">{_e(r.name)}</a>'
        f"</td><td>{_badge(r.passed)}</td><td>{_e(format_span(r.span_seconds))}</td>"
        f"<td>{sum(1 for x in r.expectations if x.passed)}/{len(r.expectations)}</td>"
        f'<td class="mono">{r.sha256[:16]}…</td></tr>'
        for r in runs
    )
    sections = "\n".join(_scenario_section(r) for r in runs)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{_e(title)}</h1>\n"
        f'<p class="sub">{len(runs)} scenario(s): {passed} passed, {len(runs) - passed} failed. '
        "Times are simulated (UTC). Hover the timeline for details.</p>\n"
        "<table><tr><th>scenario</th><th>result</th><th>simulated</th><th>expectations held</th>"
        f"<th>trace sha256</th></tr>{index}</table>\n{sections}\n</main>\n</body>\n</html>\n"
    )


def runs_from_results(results: Iterable[RunResult]) -> list[TraceRun]:
    """The report's view of results just run (their traces are in memory). A run that broke
    before it had a trace still gets its section, holding the error, so no result is lost."""
    runs = []
    for r in results:
        if r.trace_bytes:
            runs.append(TraceRun.parse(r.trace_bytes, r.path or r.name, path=r.path))
        else:
            runs.append(
                TraceRun(
                    source=r.path or r.name,
                    sha256="-",
                    events=[],
                    name=r.name,
                    seed=r.seed,
                    path=r.path,
                    passed=False,
                    failures=list(r.failures),
                )
            )
    return runs


# -- the scenario catalogue ---------------------------------------------------------------------------
CATALOGUE_COMMAND = "exchange-twin list --markdown -o scenarios/README.md"


def _spec_key(spec_id: str) -> list[Any]:
    """R10.2 after R9.1: compare the numbers as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", spec_id)]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def catalogue_markdown(scenarios: Sequence[Scenario], relative_to: str | Path) -> str:
    """The library as Markdown: one table per theme (the folder a scenario is in: the library
    is organised one folder per theme), then which scenarios cover each SPEC id. Links are
    relative to `relative_to`, the folder of the file the catalogue is written to."""
    base = Path(relative_to).resolve()
    themes: dict[str, list[tuple[Scenario, str]]] = {}
    for s in scenarios:
        path = Path(s.path or f"{s.name}.yaml").resolve()
        link = Path(os.path.relpath(path, base)).as_posix()
        themes.setdefault(path.parent.name, []).append((s, link))
    lines = [
        "# Scenario catalogue",
        "",
        f"Generated by `{CATALOGUE_COMMAND}`; do not edit by hand "
        "(a test fails when it is out of date).",
        "",
        f"{len(scenarios)} scenario(s) in {len(themes)} theme(s). Run one with "
        "`exchange-twin run <file>`, a theme with `exchange-twin run scenarios/<theme>`.",
        "",
    ]
    for theme in sorted(themes):
        lines += [f"## {theme}", "", "| scenario | summary | SPEC | tags |", "|---|---|---|---|"]
        for s, rel in themes[theme]:
            lines.append(
                f"| [{_cell(s.name)}]({rel}) | {_cell(s.summary) or '-'} | "
                f"{_cell(', '.join(s.spec)) or '-'} | {_cell(', '.join(s.tags)) or '-'} |"
            )
        lines.append("")
    coverage: dict[str, list[str]] = {}
    for s in scenarios:
        for spec_id in s.spec:
            coverage.setdefault(spec_id, []).append(s.name)
    lines += ["## SPEC coverage", ""]
    if coverage:
        lines += ["| SPEC id | scenarios |", "|---|---|"]
        for spec_id in sorted(coverage, key=_spec_key):
            lines.append(f"| {_cell(spec_id)} | {_cell(', '.join(coverage[spec_id]))} |")
    else:
        lines.append("No scenario names a SPEC id yet.")
    lines += ["", *_customer_coverage(scenarios)]
    return "\n".join(lines) + "\n"


def _customer_coverage(scenarios: Sequence[Scenario]) -> list[str]:
    """The customer problems of reference/connector-behaviour.md: the scenarios tagged with
    each id, or why the twin cannot express it (simulator/coverage.py)."""
    from simulator.language.coverage import CUSTOMER_ISSUES, CUSTOMER_TAG, NOT_EXPRESSIBLE

    tagged: dict[str, list[str]] = {}
    for s in scenarios:
        for tag in s.tags:
            if CUSTOMER_TAG.fullmatch(tag):
                tagged.setdefault(tag, []).append(s.name)
    ids = sorted(set(CUSTOMER_ISSUES) | set(tagged))
    lines = [
        "## Customer issues",
        "",
        "The problems of the customer issues catalogue (reference/connector-behaviour.md; "
        "its numbering has gaps) and the scenarios that reproduce them.",
        "",
        "| id | problem | scenarios |",
        "|---|---|---|",
    ]
    for cid in ids:
        covered = ", ".join(tagged.get(cid, []))
        if not covered and cid in NOT_EXPRESSIBLE:
            covered = f"not expressible: {NOT_EXPRESSIBLE[cid]}"
        lines.append(
            f"| {cid} | {_cell(CUSTOMER_ISSUES.get(cid, '-'))} | {_cell(covered) or '-'} |"
        )
    return lines
