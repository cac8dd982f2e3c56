"""`python -m fuzz` (`make fuzz`): the long profile of every fuzz target, and the catalogue.

    python -m fuzz                          # every target at 10,000 inputs, the convergence
                                            # state machine at 2,000 examples
    python -m fuzz --target server --examples 500 --convergence 0
    python -m fuzz --catalogue docs/bad-input.md   # (re)generate the bad-input catalogue

Prints one row per target — inputs, clean errors, accepted, and a column for each unclean
kind — writes every unclean input into ``fuzz/corpus/<target>/`` (kept as a regression
case), and exits 1 when any outcome was unclean (2 for a usage error).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fuzz.catalogue import CatalogueError, catalogue_markdown
from fuzz.common import CLEAN, UNCLEAN, FuzzTarget, Tally, judge, run_target
from fuzz.convergence import MachineRun, run_convergence
from fuzz.corpus import corpus, keep
from fuzz.targets import discover
from simulator.run.trace import write_atomic

EXAMPLES = 10_000
CONVERGENCE_EXAMPLES = 2_000
TITLES = {
    "clean_error": "clean errors",
    "accepted": "accepted",
    "unexpected_exception": "unexpected exceptions",
    "hang": "hangs",
    "no_location": "no location",
    "traceback": "tracebacks",
    "internal_error": "internal errors",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=EXAMPLES, help="inputs per target")
    p.add_argument("--target", action="append", metavar="NAME", help="only these targets")
    p.add_argument(
        "--convergence",
        type=int,
        default=CONVERGENCE_EXAMPLES,
        metavar="N",
        help="examples of the convergence state machine (0 skips it)",
    )
    p.add_argument("--seed", type=int, default=0, help="hypothesis seed (a run is repeatable)")
    p.add_argument("--catalogue", metavar="FILE", help="write the bad-input catalogue and stop")
    return p


def _replay(target: FuzzTarget, tally: Tally) -> int:
    """Judge every corpus input first (they count in the table); returns how many."""
    cases = corpus(target)
    for _, value in cases:
        tally.add(value, judge(target, value))
    return len(cases)


def _row(tally: Tally, replayed: int, seconds: float) -> list[str]:
    cells = [tally.target, str(tally.inputs), str(replayed)]
    for kind in CLEAN + UNCLEAN:
        n = tally.counts.get(kind, 0)
        cells.append(f"[red]{n}[/]" if n and kind in UNCLEAN else str(n))
    return [*cells, f"{seconds:.0f}"]


def _machine_row(run: MachineRun) -> list[str]:
    cells = ["convergence (state machine)", str(run.examples), "-"]
    for kind in CLEAN + UNCLEAN:
        if kind == "accepted":
            cells.append(str(run.examples - run.failures))
        elif kind == "unexpected_exception":
            cells.append(f"[red]{run.failures}[/]" if run.failures else "0")
        else:
            cells.append("-")
    return [*cells, f"{run.seconds:.0f}"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True)
    out = Console(width=max(Console().width, 180))  # the table's thirteen columns on one line
    targets = discover()
    if args.target:
        unknown = sorted(set(args.target) - {t.name for t in targets})
        if unknown:
            names = ", ".join(t.name for t in targets) or "none"
            err.print(f"[red]error:[/] no fuzz target {', '.join(unknown)} (targets: {names})")
            return 2
        targets = [t for t in targets if t.name in args.target]
    if args.catalogue:
        try:
            text = catalogue_markdown(targets)
        except CatalogueError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            return 1
        write_atomic(Path(args.catalogue), text.encode("utf-8"))
        out.print(f"wrote {args.catalogue}", highlight=False)
        return 0

    table = Table(title=f"Fuzzing ({args.examples} inputs per target, seed {args.seed})")
    table.add_column("target")
    table.add_column("inputs", justify="right")
    table.add_column("of them corpus", justify="right")
    for kind in CLEAN + UNCLEAN:
        table.add_column(TITLES.get(kind, kind), justify="right")
    table.add_column("seconds", justify="right")
    unclean = 0
    for target in targets:
        err.print(f"fuzzing {target.name} …", highlight=False)
        started = time.monotonic()  # wall-clock-ok: the table says how long each target took
        tally = Tally(target.name)
        replayed = _replay(target, tally)
        generated = run_target(target, args.examples, args.seed)
        tally.counts.update(generated.counts)
        tally.failures.extend(generated.failures)
        table.add_row(*_row(tally, replayed, time.monotonic() - started))
        unclean += tally.unclean
        for value, outcome in tally.failures:
            path = keep(target, value)
            err.print(
                f"[red]{target.name}: {outcome.kind}[/] {outcome.detail}"
                + (f" (kept as {path})" if path else ""),
                highlight=False,
            )
    if args.convergence > 0:
        err.print(f"running the convergence state machine ({args.convergence} examples) …")
        run = run_convergence(args.convergence, args.seed)
        table.add_row(*_machine_row(run))
        unclean += run.failures
        if run.failures:
            err.print(f"[red]convergence failed:[/] {run.error}", highlight=False)
    out.print(table)
    verdict = "[green]clean[/]" if not unclean else f"[red]{unclean} unclean outcome(s)[/]"
    out.print(f"{verdict}: not-clean columns are {', '.join(TITLES.get(k, k) for k in UNCLEAN)}")
    return 1 if unclean else 0


if __name__ == "__main__":
    sys.exit(main())
