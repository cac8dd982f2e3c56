"""A run's timeline as inline SVG: lanes for steps, connector jobs, faults and expectations,
and the sampled counts and states over simulated time.

Inline SVG written here rather than a JavaScript charting library: the page must open from
a mail attachment or a CI artefact with no network, and a few hundred lines of deterministic
SVG are easier to test than a bundled library.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.reports.runs import TraceRun, parse_time

if TYPE_CHECKING:
    pass


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


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class _Axis:
    start: datetime
    span: float
    left: float
    width: float

    def x(self, when: datetime | str) -> float:
        if isinstance(when, str):
            when = parse_time(when)
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
        self.add(f'<text x="{x}" y="{y}" text-anchor="{anchor}"{c}>{escape(content)}</text>')


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
            f'fill="{colour}"><title>{escape(chr(10).join(tips))}</title></path>'
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
                f"<title>{escape(tip)}</title></circle>"
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
                f'fill="{_colour(value)}"><title>{escape(label)}: {escape(shown)} from '
                f"{escape(start.isoformat())} to {escape(end.isoformat())}</title></rect>"
            )
            if x1 - x0 > 8 * len(shown) + 8:
                svg.text(x0 + 4, top + 13, shown, "band")

    bands("Intune connection", [(parse_time(e["t"]), e.get("connection")) for e in samples])
    for host in hosts:
        bands(
            f"service {host}",
            [(parse_time(e["t"]), e.get("connectors", {}).get(host, "absent")) for e in samples],
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
        points = [(parse_time(e["t"]), int(e.get(key, 0))) for e in samples]
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
            f"{mark}<title>{escape(tip)}</title></text>"
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
            f'height="{bottom - 24}"><title>{escape(tip)}</title></rect>'
        )
        svg.text(x0 + 3, 18, f"⚠ {e.get('fault')}", "fault-label")

    body = "".join(svg.parts)
    return (
        f'<svg class="timeline" viewBox="0 0 {width} {height:.0f}" width="100%" role="img" '
        f'aria-label="timeline of {escape(run.name)} over simulated time">{body}</svg>'
    )
