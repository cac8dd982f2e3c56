"""`make bench` entry point: `python -m benchmarks [NAME...] [--size tiny]`.

Each benchmark runs in a fresh child process of its own (`--child NAME`), so its peak memory
is its own and nothing one leaves behind (a frozen clock, a patched `requests`, a grown heap)
touches the next. The parent gathers the records, prints the table and writes them to
`.bench/results.json` atomically (a reader sees the old file or the new one, never half).
Exit status: 0 when every benchmark ran (whether or not it met its target: benchmarks
measure, the table says which targets hold), 1 when one crashed, 2 for an unknown name.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks import BENCHMARKS
from benchmarks.common import SIZES, Record
from simulator.run.trace import write_atomic

DEFAULT_OUTPUT = Path(".bench/results.json")


def run_benchmark(name: str, size: str) -> list[Record]:
    """Run one benchmark in this process (what a child does)."""
    module = importlib.import_module(f"benchmarks.{name}")
    records: list[Record] = module.run(size)
    return records


def _child(name: str, size: str, out: Path) -> int:
    records = run_benchmark(name, size)
    out.write_text(json.dumps([r.to_dict() for r in records]))
    return 0


def _in_child(name: str, size: str) -> list[Record] | None:
    """Run `name` in a fresh interpreter; its records, or None when it crashed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.json"
        command = [sys.executable, "-m", "benchmarks", "--child", name, "--size", size]
        done = subprocess.run([*command, "--out", str(out)], check=False)
        if done.returncode != 0 or not out.exists():
            return None
        return [
            Record(d["name"], d["value"], d["unit"], d["target"], d["floor"])
            for d in json.loads(out.read_text())
        ]


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def table(records: list[Record]) -> Table:
    out = Table(title="Benchmarks")
    for column in ("benchmark", "value", "unit", "target", "floor", "ratio", "meets"):
        out.add_column(column, justify="left" if column in ("benchmark", "unit") else "right")
    for r in records:
        target = ("≥ " if r.higher_is_better else "≤ ") + _number(r.target)
        meets = "[green]yes[/green]" if r.meets else "[red]no[/red]"
        out.add_row(
            r.name, _number(r.value), r.unit, target, _number(r.floor), f"{r.ratio:.3g}", meets
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--size", choices=SIZES, default="full", help="tiny: a smoke run")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.size, args.out)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; benchmarks: {', '.join(BENCHMARKS)}")
        return 2
    console = Console(stderr=False)
    records: list[Record] = []
    crashed: list[str] = []
    for name in args.names or BENCHMARKS:
        console.print(f"[bold]{name}[/bold]")
        got = _in_child(name, args.size)
        if got is None:
            crashed.append(name)
            console.print(f"[red]{name} crashed[/red]")
            continue
        records.extend(got)
    console.print(table(records))
    write_atomic(args.output, json.dumps([r.to_dict() for r in records], indent=2).encode())
    console.print(f"results: {args.output}")
    if crashed:
        console.print(f"[red]crashed: {', '.join(crashed)}[/red]")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
