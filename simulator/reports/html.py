"""The HTML report: one self-contained page for people — a summary of every run and, per
scenario, its timeline (`timeline.py`), steps, failures and expectations. Built from runs
read back from traces (`runs.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from simulator.reports.runs import TraceRun
from simulator.reports.timeline import BAD, GONE, GOOD, PENDING, escape, timeline_svg
from simulator.run.why.history import device_history, named_devices
from simulator.world.durations import format_span

if TYPE_CHECKING:
    pass


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
        ("reproduce", f"<code>{escape(run.reproducer())}</code>"),
    ]
    rows = "".join(
        f"<dt>{escape(k)}</dt><dd>{v if k in ('trace sha256', 'reproduce') else escape(v)}</dd>"
        for k, v in facts
    )
    out = [
        f'<section class="scenario {status}" id="{_anchor(run.name)}">',
        f"<h2>{escape(run.name)}{_badge(run.passed)}</h2>",
        f'<p class="sub">{escape(run.summary)}</p>' if run.summary else "",
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
        items = "".join(f"<li>{escape(f)}</li>" for f in run.failures)
        out.append(f'<h3>Failures</h3><ul class="failures">{items}</ul>')
    out.append("<h3>Expectations</h3>")
    if run.expectations:
        body = "".join(
            f'<tr class="{"fail" if x.passed is False else ""}"><td>{x.index}</td>'
            f"<td><code>{escape(x.expectation)}</code></td>"
            f"<td>{escape(x.at.isoformat() if x.at else 'end of run')}"
            + (
                f"<br><small>after step {x.after_failed_step} failed</small>"
                if x.after_failed_step
                else ""
            )
            + "</td>"
            f"<td>{_badge(x.passed)}</td><td>{'<br>'.join(escape(f) for f in x.failures)}</td></tr>"
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
            f"<td>{escape(e.get('index'))}</td><td>{escape(e['t'])}</td><td>{escape(what)}</td>"
            f"<td>{escape(outcome)}</td></tr>"
        )
    out.append(
        f"<details><summary>Steps ({len(step_rows)})</summary><table><tr><th>#</th>"
        f"<th>at</th><th>step</th><th>outcome</th></tr>{''.join(step_rows)}</table></details>"
    )
    out.append(_devices(run))
    kinds = Counter(e["kind"] for e in run.events)
    kind_rows = "".join(
        f"<tr><td><code>{escape(k)}</code></td><td>{n}</td></tr>" for k, n in sorted(kinds.items())
    )
    out.append(
        f"<details><summary>Trace events by kind ({len(kinds)})</summary><table>"
        f"<tr><th>kind</th><th>events</th></tr>{kind_rows}</table></details>"
    )
    out.append("</section>")
    return "\n".join(p for p in out if p)


MAX_DEVICES = 200  # a population's devices are named by cmdlets by the thousand


def _devices(run: TraceRun) -> str:
    """Each device the trace names, opened by a click: what touched it, when (the trace's
    half of `exchange-twin why`; the world's decisions need the scenario run again)."""
    ids = named_devices(run.events)
    if not ids:
        return ""
    items = []
    for device_id in ids[:MAX_DEVICES]:
        rows = "".join(
            f"<tr><td>{escape(h['t'])}</td><td><code>{escape(h['what'])}</code></td>"
            f"<td>{escape(h['by'] or '')}</td><td>{escape(h['error'] or '')}</td></tr>"
            for h in device_history(run.events, device_id)
        )
        command = f"exchange-twin why {device_id} --scenario {run.path or run.name + '.yaml'}"
        items.append(
            f'<details class="device"><summary><code>{escape(device_id)}</code></summary>'
            f"<table><tr><th>at</th><th>what</th><th>by</th><th>error</th></tr>{rows}</table>"
            f'<p class="sub">Which check decided its access, Intune\'s decision and its reason, '
            f"and what would change it: <code>{escape(command)}</code></p></details>"
        )
    more = len(ids) - MAX_DEVICES
    note = f'<p class="sub">{more} more not shown.</p>' if more > 0 else ""
    return (
        f"<details><summary>Devices ({len(ids)}): click one for its history</summary>"
        f"{''.join(items)}{note}</details>"
    )


def html_report(runs: Sequence[TraceRun], title: str = "exchange-twin report") -> str:
    """One HTML page for any number of runs: an index, then a section per run.

    No date of generation and no absolute paths of the machine: the same traces give the same
    page, so a report can be diffed or attached next to the trace it came from."""
    passed = sum(1 for r in runs if r.passed)
    index = "".join(
        f'<tr class="{"" if r.passed else "fail"}"><td><a href="#{_anchor(r.name)}">{escape(r.name)}</a>'
        f"</td><td>{_badge(r.passed)}</td><td>{escape(format_span(r.span_seconds))}</td>"
        f"<td>{sum(1 for x in r.expectations if x.passed)}/{len(r.expectations)}</td>"
        f'<td class="mono">{r.sha256[:16]}…</td></tr>'
        for r in runs
    )
    sections = "\n".join(_scenario_section(r) for r in runs)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="sub">{len(runs)} scenario(s): {passed} passed, {len(runs) - passed} failed. '
        "Times are simulated (UTC). Hover the timeline for details.</p>\n"
        "<table><tr><th>scenario</th><th>result</th><th>simulated</th><th>expectations held</th>"
        f"<th>trace sha256</th></tr>{index}</table>\n{sections}\n</main>\n</body>\n</html>\n"
    )
