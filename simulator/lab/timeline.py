"""The live timeline: the HTML report's chart (`reports/timeline.py`) of the run so far,
redrawn only when the trace has grown since the last drawing."""

from __future__ import annotations

from simulator.lab.session import LabSession
from simulator.reports.runs import TraceRun
from simulator.reports.timeline import timeline_svg


def live_timeline(session: LabSession, width: int = 1000) -> str:
    """The SVG of `session`'s trace as it stands (every event so far)."""
    size = len(session.world.trace.events)
    cached = session.cache.get("timeline")
    if cached is not None and cached[0] == (size, width):
        return str(cached[1])
    data = session.trace_bytes()
    svg = timeline_svg(TraceRun.parse(data, f"<{session.student}>"), width)
    session.cache["timeline"] = ((size, width), svg)
    return svg
