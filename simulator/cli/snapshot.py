"""Snapshots on the command line: `run S --snapshot-at T --save F`, `run --from F [steps.yaml]`
and `snapshot show F` (docs/snapshots.md). `cli/run.py` hands the first two over here."""

from __future__ import annotations

from simulator.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, console, error, wide

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from rich.console import Console

    from simulator.language.schema import Scenario
    from simulator.run.results import RunResult


def snapshot_options_problem(args: argparse.Namespace) -> str | None:
    """Why these `run` options cannot go together (None: they can)."""
    if args.snapshot_at and not args.save:
        return "--snapshot-at needs --save FILE (where the snapshot is written)"
    if args.save and not args.snapshot_at:
        return "--save needs --snapshot-at T (a duration such as 3h, a time, or step:N)"
    if not (args.snapshot_at or args.from_snapshot):
        return None
    if args.matrix:
        return "--matrix cannot be combined with snapshots (a snapshot is of one run)"
    if args.workers > 1:
        return "--workers cannot be combined with snapshots (a snapshot is of one run)"
    if args.from_snapshot and len(args.paths) > 1:
        return "run --from SNAPSHOT takes at most one steps file"
    if args.from_snapshot and args.seed is not None:
        return "--seed cannot be combined with --from (the snapshot's seed is part of it)"
    return None


def _report(out: Console, result: RunResult) -> int:
    out.print(
        f"{result.name}: {'pass' if result.passed else 'FAIL'} · {result.events} events · "
        f"simulated {result.simulated_span} · trace sha256 {result.sha256}",
        highlight=False,
        markup=False,
    )
    for failure in result.failures:
        out.print(f"  - {failure}", highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK if result.passed else EXIT_FAILED


def _saved_line(err: Console, saved: Any) -> None:
    later = (
        f" (the first step boundary at or after {saved.requested}: a snapshot is taken "
        "between two steps)"
        if saved.later_than_requested
        else ""
    )
    err.print(
        f"snapshot {saved.path}: {saved.time}, after {saved.steps_applied} steps, "
        f"{saved.size:,} bytes{later}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def run_with_snapshot(args: argparse.Namespace, scenarios: list[Scenario]) -> int:
    """`run S --snapshot-at T --save F`: the whole run, and its snapshot at T."""
    from pathlib import Path

    from simulator.run.snapshot.format import SnapshotError
    from simulator.run.snapshot.take import parse_point, run_and_save

    out, err = wide(), console(stderr=True)
    if len(scenarios) != 1:
        error(err, f"--snapshot-at takes one scenario file; {len(scenarios)} were given")
        return EXIT_INVALID
    scenario = scenarios[0]
    try:
        point = parse_point(args.snapshot_at, scenario.start)
        source = Path(scenario.path or "").read_text(encoding="utf-8")
    except (ValueError, OSError) as exc:
        error(err, str(exc))
        return EXIT_INVALID
    try:
        result, saved = run_and_save(
            scenario, source, point, args.save, seed=args.seed, trace_dir=args.trace
        )
    except SnapshotError as exc:
        error(err, str(exc))
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - a crash of the run, reported as `run` does
        error(err, f"{scenario.name}: the run stopped with an error: {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    _saved_line(err, saved)
    return _report(out, result)


def resume_from(args: argparse.Namespace) -> int:
    """`run --from F [steps.yaml]`: the snapshot's run replayed and continued."""
    from simulator.language.loader import ScenarioError
    from simulator.run.snapshot.format import SnapshotError
    from simulator.run.snapshot.resume import resume
    from simulator.run.snapshot.take import parse_point

    out, err = wide(), console(stderr=True)
    steps = args.paths[0] if args.paths else None
    try:
        point = None
        if args.snapshot_at:
            from datetime import datetime

            from simulator.run.snapshot.format import read_snapshot

            head = read_snapshot(args.from_snapshot, state=False)
            start = datetime.fromisoformat(str(head.coordinate["start"]))
            point = parse_point(args.snapshot_at, start)
        resumed = resume(
            args.from_snapshot, steps, trace_dir=args.trace, point=point, save=args.save
        )
    except (SnapshotError, ScenarioError, ValueError) as exc:
        error(err, str(exc))
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - a crash of the run, reported as `run` does
        error(err, f"the resumed run stopped with an error: {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    coordinate = resumed.snapshot.coordinate
    err.print(
        f"resumed {args.from_snapshot}: replayed {coordinate['steps_applied']} steps to "
        f"{coordinate['time']} (state sha256 matches), then "
        + (f"the steps of {steps}" if steps else "the rest of the original steps"),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if resumed.saved is not None:
        _saved_line(err, resumed.saved)
    elif args.save:
        error(err, f"{args.save}: no snapshot written: the run never reached {args.snapshot_at}")
        return EXIT_INVALID
    return _report(out, resumed.result)


def cmd_snapshot_show(args: argparse.Namespace) -> int:
    """What a snapshot holds: where in which run, the world in numbers, objects per class."""
    import json

    from rich.table import Table

    from simulator.run.snapshot.format import SnapshotError, read_snapshot

    err = console(stderr=True)
    try:
        snap = read_snapshot(args.file, state=args.verify)
    except SnapshotError as exc:
        error(err, str(exc))
        return EXIT_INVALID
    header = snap.header
    coordinate = dict(header["coordinate"])
    scenario = dict(coordinate.pop("scenario"))
    if args.json:
        scenario.pop("source", None)
        print(
            json.dumps(
                {
                    "file": snap.path,
                    "bytes": snap.size,
                    "format": header["format"],
                    "version": header["version"],
                    "twin": header["twin"],
                    "scenario": scenario,
                    "coordinate": coordinate,
                    "state_sha256": header["state_sha256"],
                    "verified": args.verify,
                    "summary": header["summary"],
                },
                indent=2,
            )
        )
        return EXIT_OK
    summary = dict(header["summary"])
    objects = summary.pop("objects", {})
    foreign = summary.pop("not_captured", {})
    for shown_above in ("time", "steps_applied"):
        summary.pop(shown_above, None)
    out = wide()
    table = Table(title=f"Snapshot {snap.path}", show_header=False)
    rows = [
        ("format", f"{header['format']} version {header['version']} (twin {header['twin']})"),
        ("file", f"{snap.size:,} bytes; state {header['state_bytes']:,} bytes of JSON"),
        ("state sha256", header["state_sha256"] + (" (verified)" if args.verify else "")),
        ("scenario", f"{scenario['name']} ({scenario.get('path') or 'no file'})"),
        ("seed", str(coordinate["seed"])),
        ("at", f"{coordinate['time']} (asked: {coordinate.get('requested')})"),
        ("steps applied", f"{coordinate['steps_applied']} of {coordinate['steps_total']}"),
    ]
    rows += [(key.replace("_", " "), json.dumps(value)) for key, value in summary.items()]
    for key, value in rows:
        table.add_row(key, value)
    out.print(table, markup=False, highlight=False)
    classes = Table("class", "objects", title="Objects in the state")
    for name, count in sorted(objects.items(), key=lambda kv: (-kv[1], kv[0])):
        classes.add_row(name, f"{count:,}")
    out.print(classes, markup=False, highlight=False)
    if foreign:
        out.print(
            "named, not captured (their state is rebuilt by the replay): "
            + ", ".join(f"{k} ×{v}" for k, v in foreign.items()),
            markup=False,
            highlight=False,
        )
    return EXIT_OK


def add_snapshot_parser(sub: Any) -> None:
    snap = sub.add_parser(
        "snapshot",
        help="look into a saved snapshot (run --snapshot-at T --save F writes one)",
        description="Snapshots are written by `run S --snapshot-at T --save F` and resumed "
        "by `run --from F [steps.yaml]` (docs/snapshots.md).",
    )
    actions = snap.add_subparsers(dest="snapshot_command", required=True)
    show = actions.add_parser("show", help="what a snapshot holds: run, moment, world, objects")
    show.add_argument("file")
    show.add_argument("--json", action="store_true", help="the header as JSON")
    show.add_argument(
        "--verify",
        action="store_true",
        help="also inflate the state and check its SHA-256 (slower on a large world)",
    )
    show.set_defaults(fn=cmd_snapshot_show)
