"""`exchange-twin explore`: generated worlds and fault timelines swept over seeds, invariants
checked, failures shrunk to small scenario files (simulator/explore/)."""

from __future__ import annotations

from simulator.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, console, error, positive, wide

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any


def _csv(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def cmd_explore(args: argparse.Namespace) -> int:
    from pathlib import Path

    import yaml

    from simulator.explore.generate import EXCHANGE_VERSIONS, PROFILES, Options
    from simulator.explore.plants import PLANTS
    from simulator.reports.explore import invariants_markdown, to_html, to_json, to_junit
    from simulator.run.trace import write_atomic

    err = console(stderr=True)
    if args.invariants:
        print(invariants_markdown(), end="")
        return EXIT_OK
    if args.plant is not None and args.plant not in PLANTS:
        error(err, f"--plant: no planted bug {args.plant!r} (plants: {', '.join(sorted(PLANTS))})")
        return EXIT_INVALID
    if args.replay:
        return _replay(args, err)
    from simulator.explore.sweep import parse_seeds, promote, sweep

    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        error(err, str(exc))
        return EXIT_INVALID
    profiles, versions = _csv(args.profile), _csv(args.exchange)
    bad = [p for p in profiles if p not in PROFILES] + [v for v in versions if v not in _versions()]
    if bad or not profiles or not versions:
        error(
            err,
            f"unknown profile or Exchange version: {', '.join(bad) or '(none given)'} (profiles: {', '.join(PROFILES)}; versions such as {', '.join(EXCHANGE_VERSIONS)})",
        )
        return EXIT_INVALID
    if not 0.05 <= args.days <= 30:
        error(err, f"--days takes 0.05 to 30; found {args.days}")
        return EXIT_INVALID
    base = None
    if args.base:
        from simulator.cli.common import load_all

        loaded = load_all([args.base], err)
        if loaded is None:
            return EXIT_INVALID
        base = yaml.safe_load(Path(args.base).read_text(encoding="utf-8"))
    options = Options(days=args.days, profiles=profiles, exchange=versions)
    with _Bar(err, len(seeds)) as bar:
        swept = sweep(
            seeds,
            options,
            base=base,
            workers=args.workers,
            scheduler=args.scheduler,
            plant=args.plant,
            out=Path(args.out),
            shrink_failures=not args.no_shrink,
            on_result=bar.advance,
        )
    _table(swept)
    for target, render in ((args.json, to_json), (args.junit, to_junit), (args.html, to_html)):
        if target:
            write_atomic(Path(target), render(swept))
    if args.promote and swept.reproducers:
        for path in promote(swept.reproducers, Path(args.promote_to)):
            print(f"promoted {path}")
    return EXIT_OK if not swept.failed else EXIT_FAILED


def _versions() -> set[str]:
    from simulator.exchange.versions import VERSIONS

    return set(VERSIONS)


def _replay(args: argparse.Namespace, err: Any) -> int:
    from pathlib import Path

    from simulator.explore.sweep import replay

    path = Path(args.replay)
    if not path.is_file():
        error(err, f"{path}: no such file")
        return EXIT_INVALID
    try:
        result = replay(path, args.plant)
    except ValueError as exc:
        error(err, str(exc))
        return EXIT_INVALID
    if result.passed:
        print(f"{path}: every invariant held (trace sha256 {result.sha256})")
        return EXIT_OK
    for v in result.violations:
        print(f"{path}: {v.invariant} at {v.at}: {v.message}")
    print(f"trace sha256 {result.sha256}")
    return EXIT_FAILED


def _table(swept: Any) -> None:
    from rich.table import Table

    from simulator.explore.invariants import INVARIANTS

    out = wide()
    summary = Table(title="Explore", show_header=False)
    summary.add_row("seeds run", str(len(swept.results)))
    summary.add_row("every invariant held", str(len(swept.results) - len(swept.failed)))
    summary.add_row("failed", str(len(swept.failed)))
    out.print(summary)
    table = Table("invariant", "failing seeds", "statement", title="Invariants")
    for name, n in swept.failures_by_invariant().items():
        table.add_row(name, str(n), INVARIANTS[name].statement)
    out.print(table)
    if swept.reproducers:
        shrunk = Table(
            "invariant",
            "seed",
            "devices",
            "faults",
            "steps",
            "runs",
            "reproducer",
            title="Shrunk reproducers",
        )
        for r in swept.reproducers:
            shrunk.add_row(
                r.invariant,
                str(r.seed),
                str(r.devices),
                str(r.faults),
                str(r.steps),
                str(r.runs),
                r.path,
            )
        out.print(shrunk)


class _Bar:
    """Progress on stderr as seeds finish (a rich bar on a terminal, nothing otherwise)."""

    def __init__(self, err: Any, total: int) -> None:
        self.err, self.total, self.bar, self.done = err, total, None, 0

    def __enter__(self) -> _Bar:
        if self.err.is_terminal and self.total > 1:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]exploring"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.err,
                transient=True,
            )
            self.task = self.bar.add_task("explore", total=self.total)
            self.bar.start()
        return self

    def advance(self, index: int, result: Any) -> None:  # noqa: ARG002
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def add_explore_parser(sub: Any) -> None:
    import argparse

    p = sub.add_parser(
        "explore",
        help="generate worlds and fault timelines from seeds, check invariants, shrink failures",
        description="Deterministic simulation testing: every seed generates a scenario (world, "
        "faults, administrator actions, device churn), runs it and checks the invariants "
        "(docs/invariants.md). Failures are shrunk to small scenario files. Exit 0 when every "
        "seed held every invariant, 1 when one failed, 2 for invalid input.",
    )
    p.add_argument("base", nargs="?", help="a scenario whose world: the generated ones start from")
    p.add_argument("--seeds", default="1-100", help="N, N-M or a list of them (default 1-100)")
    p.add_argument(
        "--days", type=float, default=1.0, help="span of the turbulence, days (default 1)"
    )
    p.add_argument("--profile", default="2016,2018", help="release profiles to draw from")
    p.add_argument(
        "--exchange",
        default="2010 SP3,2013 CU12,2016 CU3",
        help="Exchange versions to draw from, e.g. '2010 SP3,2013 CU12'",
    )
    p.add_argument(
        "--workers",
        type=positive,
        default=1,
        metavar="N",
        help="a local Dask cluster of N processes",
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="a running Dask scheduler to send the seeds to",
    )
    p.add_argument(
        "--out",
        default="explore-failures",
        metavar="DIR",
        help="where shrunk reproducers are written",
    )
    p.add_argument(
        "--no-shrink", action="store_true", help="report failing seeds without shrinking them"
    )
    p.add_argument(
        "--promote", action="store_true", help="copy shrunk reproducers into the library"
    )
    p.add_argument(
        "--promote-to", default="scenarios/regressions", metavar="DIR", help=argparse.SUPPRESS
    )
    p.add_argument("--replay", metavar="FILE", help="run a written reproducer under the invariants")
    p.add_argument("--json", metavar="F", help="write the results as JSON")
    p.add_argument(
        "--junit", metavar="F", help="write the results as JUnit XML (a test case per seed)"
    )
    p.add_argument("--html", metavar="F", help="write an HTML page (failures first)")
    p.add_argument("--invariants", action="store_true", help="print docs/invariants.md")
    p.add_argument(
        "--plant", help=argparse.SUPPRESS
    )  # test-only: plant a bug (simulator/explore/plants.py)
    p.set_defaults(fn=cmd_explore)
