"""`exchange-twin`: run, validate and list scenarios; compare traces; build reports; serve
a fake Intune tenant for labs; open an Exchange Management Shell on a world.

Exit codes: 0 when every expectation holds, 1 when one fails, 2 for invalid input (a
scenario that does not validate, a path that does not exist, a bad option, a selection that
selects nothing, a report that cannot be written). Each subcommand has its own `cmd_*`
function and `_add_*_parser`, so that adding one touches nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulator.language.schema import (
    Scenario,
    ScenarioError,
    find_scenarios,
    json_schema,
    load_scenario,
)
from simulator.run.trace import write_atomic

if TYPE_CHECKING:
    from simulator.run.runner import RunResult

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _wide() -> Console:
    """A console wide enough that names and hashes are never cut, even when piped."""
    return Console(width=max(Console().width, 160))


def _error(err: Console, message: str) -> None:
    """An error line naming what is wrong, never wrapped (paths stay greppable) nor parsed
    as markup (a path or a message may contain brackets)."""
    err.print("[red]error:[/] ", end="")
    err.print(message, markup=False, highlight=False, soft_wrap=True)


def _load_all(paths: list[str], err: Console) -> list[Scenario] | None:
    files = find_scenarios(paths)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        for p in missing:
            err.print(f"[red]error:[/] {p}: no such file or folder")
        return None
    if not files:
        err.print(f"[red]error:[/] no scenario files (*.yaml) under {', '.join(paths)}")
        return None
    scenarios, bad = [], False
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except ScenarioError as exc:
            err.print(f"[red]invalid:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            bad = True
    names: dict[str, str] = {}
    for s in scenarios:
        if s.name in names:
            err.print(
                f"[red]invalid:[/] {s.path}: name: {s.name!r} is already used by {names[s.name]}"
            )
            bad = True
        names[s.name] = s.path or ""
    return None if bad else scenarios


class KeywordError(ValueError):
    """A `-k` expression that cannot be parsed."""


class Keyword:
    """`-k` in pytest's simple form, matched against scenario names.

    Supported: a word matches the names that contain it (case-insensitive substring);
    `not X`, `X and Y`, `X or Y` and parentheses combine them, with `not` binding tighter
    than `and`, and `and` tighter than `or` — so `sync and not proxy or smoke` means
    `(sync and (not proxy)) or smoke`. A word is any run of characters other than spaces and
    parentheses, so names with dashes need no quoting: `-k first-full`."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = expression.replace("(", " ( ").replace(")", " ) ").split()
        if not self.tokens:
            raise KeywordError("-k needs an expression, e.g. -k sync or -k 'not proxy'")
        self.pos = 0
        self.tree = self._or()
        if self.pos != len(self.tokens):
            raise KeywordError(
                f"-k {expression!r}: unexpected {self.tokens[self.pos]!r} "
                "(combine words with and, or, not and parentheses)"
            )

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _binary(self, op: str, operand: Callable[[], Any]) -> Any:
        """`operand (op operand)*`, left-associative: one precedence level."""
        node = operand()
        while self._peek() == op:
            self.pos += 1
            node = (op, node, operand())
        return node

    def _or(self) -> Any:
        return self._binary("or", self._and)

    def _and(self) -> Any:
        return self._binary("and", self._not)

    def _not(self) -> Any:
        token = self._peek()
        if token is None:
            raise KeywordError(f"-k {self.expression!r}: the expression ends too early")
        self.pos += 1
        if token == "not":
            return ("not", self._not())
        if token == "(":
            node = self._or()
            if self._peek() != ")":
                raise KeywordError(f"-k {self.expression!r}: a '(' is not closed")
            self.pos += 1
            return node
        if token in ("and", "or", ")"):
            raise KeywordError(f"-k {self.expression!r}: unexpected {token!r}")
        return ("word", token.lower())

    def matches(self, name: str) -> bool:
        def ev(node: Any) -> bool:
            op = node[0]
            if op == "word":
                return node[1] in name.lower()
            if op == "not":
                return not ev(node[1])
            if op == "and":
                return ev(node[1]) and ev(node[2])
            return ev(node[1]) or ev(node[2])

        return ev(self.tree)


def _select(
    scenarios: list[Scenario], keyword: str | None, tags: list[str] | None, err: Console
) -> list[Scenario] | None:
    """The scenarios `-k` and `--tags` select; None (and a message) when they select none."""
    chosen = scenarios
    if keyword is not None:
        try:
            expr = Keyword(keyword)
        except KeywordError as exc:
            _error(err, str(exc))
            return None
        chosen = [s for s in chosen if expr.matches(s.name)]
    wanted = {t.strip().lower() for group in tags or [] for t in group.split(",") if t.strip()}
    if tags is not None and not wanted:
        _error(err, "--tags needs at least one tag, e.g. --tags proxy,smoke")
        return None
    if wanted:
        chosen = [s for s in chosen if wanted & {t.lower() for t in s.tags}]
    if not chosen:
        asked = " ".join(
            ([f"-k {keyword!r}"] if keyword is not None else [])
            + ([f"--tags {','.join(sorted(wanted))}"] if wanted else [])
        )
        known = sorted({t for s in scenarios for t in s.tags})
        _error(
            err,
            f"{asked} selects none of the {len(scenarios)} scenario(s) found"
            + (f" (their tags: {', '.join(known)})" if wanted and known else ""),
        )
        return None
    return chosen


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
    from simulator.reports.html import html_report, json_report, junit_report, runs_from_results

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
            _error(err, f"cannot write {target} ({exc.strerror})")
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
    from simulator.run.runner import run_many

    out, err = _wide(), Console(stderr=True)
    loaded = _load_all(args.paths, err)
    if loaded is None:
        return EXIT_INVALID
    scenarios = _select(loaded, args.keyword, args.tags, err)
    if scenarios is None:
        return EXIT_INVALID
    if args.seed is not None:
        _note_seed_sensitive(scenarios, args.seed, err)
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
    passed = sum(r.passed for r in results)
    out.print(f"{passed} passed, {len(results) - passed} failed")
    if not _write_reports(args, results, err):
        return EXIT_INVALID
    return EXIT_OK if passed == len(results) else EXIT_FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    out, err = Console(), Console(stderr=True)
    scenarios = _load_all(args.paths, err)
    if scenarios is None:
        return EXIT_INVALID
    for s in scenarios:
        out.print(f"[green]valid[/] {s.path}", highlight=False)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    out, err = _wide(), Console(stderr=True)
    scenarios = _load_all(args.paths or ["scenarios"], err)
    if scenarios is None:
        return EXIT_INVALID
    if args.markdown:
        from simulator.reports.html import catalogue_markdown

        base = Path(args.output).parent if args.output else Path.cwd()
        text = catalogue_markdown(scenarios, relative_to=base)
        if not args.output:
            sys.stdout.write(text)
            return EXIT_OK
        try:
            write_atomic(args.output, text.encode())
        except OSError as exc:
            _error(err, f"cannot write {args.output} ({exc.strerror})")
            return EXIT_INVALID
        err.print(f"wrote {args.output} ({len(scenarios)} scenarios)", highlight=False)
        return EXIT_OK
    table = Table(title="Scenarios")
    table.add_column("name", no_wrap=True)
    for col in ("tags", "spec", "summary", "file"):
        table.add_column(col, overflow="fold")
    for s in scenarios:
        table.add_row(s.name, ", ".join(s.tags), ", ".join(s.spec), s.summary, s.path or "")
    out.print(table)
    return EXIT_OK


def cmd_trace_diff(args: argparse.Namespace) -> int:
    """Exit 0 when the traces hold the same events, 1 at the first divergence, 2 unreadable."""
    from simulator.reports.tracediff import first_divergence, format_divergence
    from simulator.run.trace import TraceFileError, read_trace

    err = Console(stderr=True)
    try:
        data_a, events_a = read_trace(args.a)
        data_b, events_b = read_trace(args.b)
    except TraceFileError as exc:
        _error(err, str(exc))
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
    from simulator.reports.html import TraceRun, html_report
    from simulator.run.trace import TraceFileError, read_trace

    err = Console(stderr=True)
    files: list[Path] = []
    for p in map(Path, args.traces):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*.jsonl") if f.is_file()))
        else:
            files.append(p)
    if not files:
        _error(err, f"no traces (*.jsonl) under {', '.join(args.traces)}")
        return EXIT_INVALID
    runs = []
    for f in files:
        try:
            data, _ = read_trace(f)
            runs.append(TraceRun.parse(data, str(f)))
        except TraceFileError as exc:
            _error(err, str(exc))
            return EXIT_INVALID
    try:
        write_atomic(args.output, html_report(runs).encode())
    except OSError as exc:
        _error(err, f"cannot write {args.output} ({exc.strerror})")
        return EXIT_INVALID
    err.print(f"wrote {args.output} ({len(runs)} run(s))", highlight=False)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def cmd_shell(args: argparse.Namespace) -> int:
    """An Exchange Management Shell over a scenario's world (or a small default one)."""
    from simulator.exchange.shell.lab import LabError, open_shell
    from simulator.exchange.shell.repl import run_repl
    from simulator.run.lab import default_scenario
    from simulator.world.world import build_world

    err = Console(stderr=True)
    try:
        scenario = load_scenario(args.scenario) if args.scenario else default_scenario()
        world = build_world(scenario, args.seed)
        shell = open_shell(world, args.account, args.server)
    except (ScenarioError, LabError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        return EXIT_INVALID
    if args.command_text is not None:
        output = shell.execute(args.command_text)
        if output:
            print(output)
        return EXIT_OK if shell.last_ok else EXIT_FAILED
    session = shell.session
    banner = (
        "Welcome to the Exchange Management Shell (exchange-connector-twin)!\n"
        f"Connected to {session.server.fqdn} ({session.server.version.admin_display_version}) as "
        f"{session.account}, {scenario.name}, simulated time {world.clock.iso()}.\n"
        "Get-Command lists what you may run; Get-Help <cmdlet> shows its syntax; "
        "Start-Sleep -Seconds N lets simulated time pass; exit leaves."
    )
    return run_repl(shell, banner)


def cmd_paths(args: argparse.Namespace) -> int:
    """Every observation path with its type and an example value, from a run of the code."""
    from simulator.run.paths import paths_of_scenario

    err = Console(stderr=True)
    scenario = None
    if args.scenario:
        loaded = _load_all([args.scenario], err)
        if loaded is None:
            return EXIT_INVALID
        if len(loaded) != 1:
            _error(err, f"{args.scenario}: give one scenario file, not a folder")
            return EXIT_INVALID
        scenario = loaded[0]
    found = paths_of_scenario(scenario)
    if args.json:
        print(json.dumps([p.to_dict() for p in found], indent=2))
        return EXIT_OK
    table = Table("path", "type", "example", box=None, pad_edge=False)
    for p in found:
        table.add_row(p.path, p.type, p.example)
    _wide().print(table, markup=False, highlight=False)
    return EXIT_OK


def cmd_fidelity(args: argparse.Namespace) -> int:
    """Print (or check) the Exchange fidelity table generated from the cmdlet registry."""
    from simulator.exchange.fidelity import fidelity_markdown

    text = fidelity_markdown()
    if args.check:
        current = Path(args.check).read_text(encoding="utf-8") if Path(args.check).exists() else ""
        if current != text:
            Console(stderr=True).print(
                f"{args.check} is out of date: run exchange-twin fidelity > {args.check}"
            )
            return EXIT_FAILED
        return EXIT_OK
    sys.stdout.write(text)
    return EXIT_OK


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, found {value}")
    return value


def _add_run_parser(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="run scenarios (files or folders, searched recursively)",
        description="Run scenarios. Exit 0 when every expectation holds, 1 when one fails, "
        "2 for invalid input (including a -k/--tags that selects nothing).",
    )
    run.add_argument("paths", nargs="+")
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
        type=_positive,
        default=1,
        metavar="N",
        help="run scenarios in N parallel processes (results identical to a serial run)",
    )
    run.set_defaults(fn=cmd_run)


def _add_trace_parser(sub: Any) -> None:
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


def _add_report_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="build the HTML report from saved traces (files or folders of *.jsonl)"
    )
    report.add_argument("traces", nargs="+", metavar="TRACE")
    report.add_argument("-o", "--output", required=True, metavar="F", help="the HTML file")
    report.set_defaults(fn=cmd_report)


def cmd_intune_serve(args: argparse.Namespace) -> int:
    """Serve a scenario's Intune tenant (or a default one) on 127.0.0.1 until interrupted."""
    from simulator.intune.api import IntuneApi
    from simulator.intune.server import make_server, on_wall_clock
    from simulator.world.world import build_world

    out, err = Console(), Console(stderr=True)
    if args.scenario:
        scenarios = _load_all([args.scenario], err)
        if scenarios is None:
            return EXIT_INVALID
        scenario = scenarios[0]
    else:
        scenario = Scenario(name="intune-lab")
    world = build_world(scenario)
    service = world.intune
    started = on_wall_clock(world)
    if args.package:
        admin = next(iter(sorted(service.admins)), "")
        name, data = world.console.download_connector(admin, started)
        Path(args.package).write_bytes(data)
        out.print(f"wrote {name} for tenant {service.tenant_name} to {args.package}")
    try:
        server = make_server(IntuneApi(service), args.port)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot listen on 127.0.0.1:{args.port}: {exc.strerror}")
        return EXIT_INVALID
    host, port = server.server_address[:2]
    out.print(
        f"Intune tenant {service.tenant_name} (profile {service.profile}) serving the connector "
        f"API on http://{host}:{port}/api/v1 — Ctrl+C stops it",
        highlight=False,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _add_intune_parser(sub: Any) -> None:
    intune = sub.add_parser("intune", help="the fake Intune service")
    intune_sub = intune.add_subparsers(dest="intune_command", required=True)
    serve = intune_sub.add_parser(
        "serve",
        help="serve the connector API on 127.0.0.1 for labs (wall-clock time)",
        description="Serve a scenario's Intune tenant (a default one without SCENARIO) until "
        "Ctrl+C. Exit 0 when stopped, 2 for an invalid scenario or a port in use.",
    )
    serve.add_argument("scenario", nargs="?", help="a scenario whose tenant to serve")
    serve.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    serve.add_argument(
        "--package", metavar="FILE", help="also write the tenant's connector package to FILE"
    )
    serve.set_defaults(fn=cmd_intune_serve)


def _add_shell_parsers(sub: Any) -> None:
    sh = sub.add_parser(
        "shell", help="an Exchange Management Shell over a scenario's world (or a default one)"
    )
    sh.add_argument("scenario", nargs="?", help="a scenario file whose world: to open")
    sh.add_argument("--as", dest="account", metavar="DOMAIN\\user", help="the account to log on as")
    sh.add_argument("--server", help="the Client Access server to connect to (the first one)")
    sh.add_argument("--seed", type=int, help="override the scenario's seed")
    sh.add_argument("-c", dest="command_text", metavar="COMMAND", help="run one command and exit")
    sh.set_defaults(fn=cmd_shell)
    paths = sub.add_parser(
        "paths",
        help="list every observation path (for expect: path:) with its type and an example",
    )
    paths.add_argument(
        "scenario", nargs="?", help="the scenario to run and walk (default: a small built-in one)"
    )
    paths.add_argument("--json", action="store_true", help="the list as JSON")
    paths.set_defaults(fn=cmd_paths)
    fid = sub.add_parser("fidelity", help="print the Exchange fidelity table (docs/fidelity.md)")
    fid.add_argument("--check", metavar="FILE", help="exit 1 when FILE differs from the table")
    fid.set_defaults(fn=cmd_fidelity)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exchange-twin",
        description="A digital twin of the Intune on-premises Exchange connector.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run_parser(sub)
    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("paths", nargs="+")
    val.set_defaults(fn=cmd_validate)
    lst = sub.add_parser("list", help="list scenarios with their summaries")
    lst.add_argument("paths", nargs="*")
    lst.add_argument(
        "--markdown", action="store_true", help="print the catalogue as Markdown (for a README)"
    )
    lst.add_argument(
        "-o",
        "--output",
        metavar="F",
        help="with --markdown: write F (links relative to its folder) instead of printing",
    )
    lst.set_defaults(fn=cmd_list)
    _add_trace_parser(sub)
    _add_report_parser(sub)
    sch = sub.add_parser("schema", help="print the scenario JSON Schema")
    sch.set_defaults(fn=cmd_schema)
    _add_intune_parser(sub)
    _add_shell_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_INVALID if exc.code else EXIT_OK
    return int(args.fn(args))
