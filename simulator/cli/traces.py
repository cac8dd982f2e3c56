"""`exchange-twin trace diff` and `report`: working with saved traces."""

from __future__ import annotations

from simulator.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, console, error

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_trace_diff(args: argparse.Namespace) -> int:
    """Exit 0 when the traces hold the same events, 1 at the first divergence, 2 unreadable."""
    from simulator.reports.tracediff import first_divergence, format_divergence
    from simulator.run.trace import TraceFileError, read_trace

    err = console(stderr=True)
    try:
        data_a, events_a = read_trace(args.a)
        data_b, events_b = read_trace(args.b)
    except TraceFileError as exc:
        error(err, str(exc))
        return EXIT_INVALID
    ignore = [f.strip() for group in args.ignore or [] for f in group.split(",") if f.strip()]
    divergence = first_divergence(events_a, events_b, ignore)
    if divergence is None:
        note = "" if data_a == data_b else " (the files differ only in formatting)"
        if ignore:
            note += f" (ignoring {', '.join(ignore)})"
        print(f"traces are identical: {len(events_a)} events{note}")
        return EXIT_OK
    print(format_divergence(divergence, args.a, args.b))
    return EXIT_FAILED


def cmd_report(args: argparse.Namespace) -> int:
    """Build the HTML report from saved traces (files, or folders of *.jsonl)."""
    from pathlib import Path

    from simulator.reports.html import html_report
    from simulator.reports.runs import TraceRun
    from simulator.run.trace import TraceFileError, read_trace, write_atomic

    err = console(stderr=True)
    files: list[Path] = []
    for p in map(Path, args.traces):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*.jsonl") if f.is_file()))
        else:
            files.append(p)
    if not files:
        error(err, f"no traces (*.jsonl) under {', '.join(args.traces)}")
        return EXIT_INVALID
    runs = []
    for f in files:
        try:
            data, _ = read_trace(f)
            runs.append(TraceRun.parse(data, str(f)))
        except TraceFileError as exc:
            error(err, str(exc))
            return EXIT_INVALID
    try:
        write_atomic(args.output, html_report(runs).encode())
    except OSError as exc:
        error(err, f"cannot write {args.output} ({exc.strerror})")
        return EXIT_INVALID
    err.print(f"wrote {args.output} ({len(runs)} run(s))", highlight=False)
    return EXIT_OK


def add_trace_parser(sub: Any) -> None:
    trace = sub.add_parser("trace", help="work with saved traces")
    trace_sub = trace.add_subparsers(dest="trace_command", required=True)
    diff = trace_sub.add_parser(
        "diff",
        help="show the first divergence between two traces",
        description="Exit 0 when the traces hold the same events, 1 when they differ, "
        "2 when a file cannot be read.",
    )
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    diff.add_argument(
        "--ignore",
        action="append",
        metavar="FIELD[,FIELD]",
        help="leave these top-level fields out of the comparison (e.g. t)",
    )
    diff.set_defaults(fn=cmd_trace_diff)


def add_report_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="build the HTML report from saved traces (files or folders of *.jsonl)"
    )
    report.add_argument("traces", nargs="+", metavar="TRACE")
    report.add_argument("-o", "--output", required=True, metavar="F", help="the HTML file")
    report.set_defaults(fn=cmd_report)
