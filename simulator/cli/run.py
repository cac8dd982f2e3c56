"""`exchange-twin run` (scenarios on the simulated clock, with progress, results and reports)
and `exchange-twin paths` (every observation path, from a run).
"""

from __future__ import annotations

from simulator.cli.common import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    console,
    error,
    load_all,
    positive,
    wide,
)
from simulator.cli.select import select

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from rich.console import Console
    from rich.progress import Progress

    from simulator.language.schema import Scenario
    from simulator.run.results import RunResult


class _Progress:
    """Suite progress on stderr: a rich bar on a terminal, one plain line per scenario
    otherwise (CI logs), nothing for a single scenario. Failure details are printed in the
    order of the files whatever order parallel workers finish in, so logs are comparable."""

    def __init__(self, err: Console, scenarios: list[Scenario]) -> None:
        self.err = err
        self.total = len(scenarios)
        self.done: dict[int, RunResult] = {}
        self.next_to_print = 0
        self.bar: Progress | None = None
        if self.total > 1 and err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]running scenarios"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self.task = self.bar.add_task("run", total=self.total, last="")

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()

    def result(self, index: int, result: RunResult) -> None:
        self.done[index] = result
        if self.bar is not None:
            self.bar.update(self.task, advance=1, last=result.name)
        elif self.total > 1:
            self.err.print(
                f"[{len(self.done)}/{self.total}] {'pass' if result.passed else 'FAIL'} "
                f"{result.name} ({result.wall_seconds:.1f}s)",  # wall-clock-ok: progress only
                highlight=False,
                markup=False,
            )
        while self.next_to_print in self.done:
            self._details(self.done[self.next_to_print])
            self.next_to_print += 1

    def _details(self, result: RunResult) -> None:
        if result.passed:
            return
        self.err.print(f"[red]FAIL[/] {result.name} ({result.path})", highlight=False)
        for failure in result.failures:
            self.err.print(f"  - {failure}", highlight=False, markup=False, soft_wrap=True)
        self.err.print(f"  reproduce: {result.reproducer()}", highlight=False, markup=False)


def _write_reports(args: argparse.Namespace, results: list[RunResult], err: Console) -> bool:
    from simulator.reports.html import html_report
    from simulator.reports.json_report import json_report
    from simulator.reports.junit import junit_report
    from simulator.reports.runs import runs_from_results
    from simulator.run.trace import write_atomic

    outputs = [
        (args.json, lambda: json_report(results)),
        (args.junit, lambda: junit_report(results)),
        (args.html, lambda: html_report(runs_from_results(results)).encode()),
    ]
    ok = True
    for target, build in outputs:
        if not target:
            continue
        try:
            write_atomic(target, build())
        except OSError as exc:
            error(err, f"cannot write {target} ({exc.strerror})")
            ok = False
    return ok


def _note_seed_sensitive(scenarios: list[Scenario], seed: int, err: Console) -> None:
    """`--seed` on a scenario that states it needs its own: run it anyway, but say that its
    result at another seed may differ, and why (the file's `seed_sensitive`)."""
    for s in scenarios:
        if s.seed_sensitive and seed != s.seed:
            err.print(
                f"[yellow]note:[/] {s.name} is seed-sensitive (its own seed is {s.seed}): "
                f"{s.seed_sensitive}; at --seed {seed} its result may differ",
                highlight=False,
                soft_wrap=True,
            )


def cmd_run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from simulator.run.batch import run_many

    out, err = wide(), console(stderr=True)
    if args.snapshot_at or args.save or args.from_snapshot:
        from simulator.cli import snapshot

        problem = snapshot.snapshot_options_problem(args)
        if problem is not None:
            error(err, problem)
            return EXIT_INVALID
        if args.from_snapshot:
            return snapshot.resume_from(args)
    if not args.paths:
        error(err, "give scenario files or folders to run (or --from SNAPSHOT)")
        return EXIT_INVALID
    loaded = load_all(args.paths, err, build=True)
    if loaded is None:
        return EXIT_INVALID
    scenarios = select(loaded, args.keyword, args.tags, err)
    if scenarios is None:
        return EXIT_INVALID
    cells: list[dict[str, str]] = []
    if args.matrix:
        from simulator.language.matrix import apply_cell, parse_matrix

        try:
            cells = parse_matrix(args.matrix)
        except ValueError as exc:
            error(err, str(exc))
            return EXIT_INVALID
        scenarios = [apply_cell(s, cell) for s in scenarios for cell in cells]
    if args.seed is not None:
        _note_seed_sensitive(scenarios, args.seed, err)
    if args.snapshot_at:
        from simulator.cli.snapshot import run_with_snapshot

        return run_with_snapshot(args, scenarios)
    with _Progress(err, scenarios) as progress:
        results = run_many(
            scenarios,
            seed=args.seed,
            trace_dir=args.trace,
            workers=args.workers,
            on_result=progress.result,
        )
    table = Table(title="Scenario results")
    for col in ("scenario", "result", "seed", "simulated", "events"):
        table.add_column(col, overflow="fold")
    table.add_column("trace sha256", no_wrap=True, min_width=64)
    for r in results:
        table.add_row(
            r.name,
            "[green]pass[/]" if r.passed else ("[red]ERROR[/]" if r.error else "[red]FAIL[/]"),
            str(r.seed),
            r.simulated_span,
            str(r.events),
            r.sha256 or "-",
        )
    out.print(table)
    if cells:
        _matrix_table(out, results, cells)
    passed = sum(r.passed for r in results)
    out.print(f"{passed} passed, {len(results) - passed} failed")
    if not _write_reports(args, results, err):
        return EXIT_INVALID
    return EXIT_OK if passed == len(results) else EXIT_FAILED


def _matrix_table(out: Console, results: list[RunResult], cells: list[dict[str, str]]) -> None:
    """One row per scenario, one column per cell: the matrix as a table."""
    from rich.table import Table

    from simulator.language.matrix import cell_name

    names = [cell_name(c) for c in cells]
    table = Table("scenario", *names, title="Matrix")
    rows: dict[str, dict[str, str]] = {}
    for r in results:
        base, _, cell = r.name.rpartition("[")
        mark = "[green]pass[/]" if r.passed else ("[red]ERROR[/]" if r.error else "[red]FAIL[/]")
        rows.setdefault(base, {})[cell.rstrip("]")] = mark
    for base, marks in rows.items():
        table.add_row(base, *(marks.get(n, "-") for n in names))
    out.print(table)


def cmd_paths(args: argparse.Namespace) -> int:
    """Every observation path with its type and an example value, from a run of the code."""
    import json

    from rich.table import Table

    from simulator.run.paths import paths_of_scenario

    err = console(stderr=True)
    scenario = None
    if args.scenario:
        loaded = load_all([args.scenario], err)
        if loaded is None:
            return EXIT_INVALID
        if len(loaded) != 1:
            error(err, f"{args.scenario}: give one scenario file, not a folder")
            return EXIT_INVALID
        scenario = loaded[0]
    found = paths_of_scenario(scenario)
    if args.json:
        print(json.dumps([p.to_dict() for p in found], indent=2))
        return EXIT_OK
    table = Table("path", "type", "example", box=None, pad_edge=False)
    for p in found:
        table.add_row(p.path, p.type, p.example)
    wide().print(table, markup=False, highlight=False)
    return EXIT_OK


def add_run_parser(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="run scenarios (files or folders, searched recursively)",
        description="Run scenarios. Exit 0 when every expectation holds, 1 when one fails, "
        "2 for invalid input (including a -k/--tags that selects nothing).",
    )
    run.add_argument(
        "paths", nargs="*", help="scenario files or folders; with --from, one steps file"
    )
    run.add_argument("--seed", type=int, help="override the seed of every scenario")
    run.add_argument(
        "-k",
        dest="keyword",
        metavar="PATTERN",
        help="select scenarios by name: a word matches names containing it (case-insensitive); "
        "combine with not, and, or and parentheses, e.g. -k 'sync and not proxy'",
    )
    run.add_argument(
        "--tags",
        action="append",
        metavar="T[,T]",
        help="select scenarios having any of these tags (repeatable)",
    )
    run.add_argument("--trace", metavar="DIR", help="write one JSONL trace per scenario into DIR")
    run.add_argument("--json", metavar="F", help="write the results as JSON to F")
    run.add_argument("--junit", metavar="F", help="write the results as JUnit XML to F (for CI)")
    run.add_argument(
        "--html", metavar="F", help="write a self-contained HTML report with timelines to F"
    )
    run.add_argument(
        "--workers",
        type=positive,
        default=1,
        metavar="N",
        help="run scenarios on a local Dask cluster of N processes (results identical to a "
        "serial run)",
    )
    run.add_argument(
        "--matrix",
        nargs="+",
        metavar="AXIS=V1,V2",
        help="run every scenario in each cell of these axes: exchange=2010SP3,2013CU12,2016CU3 "
        "profile=2016,2018 (one result per cell, and the matrix as a table)",
    )
    run.add_argument(
        "--snapshot-at",
        metavar="T",
        help="save the world at T (3h from the start, an ISO time, or step:N): the first "
        "boundary between two steps at or after it; needs --save (docs/snapshots.md)",
    )
    run.add_argument("--save", metavar="F", help="where --snapshot-at writes the snapshot")
    run.add_argument(
        "--from",
        dest="from_snapshot",
        metavar="F",
        help="resume the snapshot F: its run replayed to the snapshot (checked), then the "
        "steps file given as the path (default: the rest of the original steps)",
    )
    run.set_defaults(fn=cmd_run)


def add_paths_parser(sub: Any) -> None:
    paths = sub.add_parser(
        "paths",
        help="list every observation path (for expect: path:) with its type and an example",
    )
    paths.add_argument(
        "scenario", nargs="?", help="the scenario to run and walk (default: a small built-in one)"
    )
    paths.add_argument("--json", action="store_true", help="the list as JSON")
    paths.set_defaults(fn=cmd_paths)
