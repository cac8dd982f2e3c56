"""`exchange-twin validate`, `list` and `schema`: reading scenario files without running them."""

from __future__ import annotations

from simulator.cli.common import EXIT_INVALID, EXIT_OK, console, error, load_all, wide

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_validate(args: argparse.Namespace) -> int:
    """Scenario files, and lab exercises (a file with `task:` at its top) among them."""
    from pathlib import Path

    from simulator.lab.exercises import is_exercise_file
    from simulator.language.loader import find_scenarios

    out, err = console(), console(stderr=True)
    files = find_scenarios(args.paths)
    exercises = [f for f in files if is_exercise_file(f)]
    rest = [str(f) for f in files if f not in exercises]
    if not files or any(not Path(p).exists() for p in args.paths):
        scenarios = load_all(args.paths, err)  # names what is missing, or that none was found
    else:
        scenarios = load_all(rest, err) if rest else []
    valid_exercises = _validate_exercises(exercises, err)
    if scenarios is None or valid_exercises is None:
        return EXIT_INVALID
    for s in scenarios:
        out.print(f"[green]valid[/] {s.path}", highlight=False)
    for path in valid_exercises:
        out.print(f"[green]valid[/] {path} (exercise)", highlight=False)
    return EXIT_OK


def _validate_exercises(files: list[Any], err: Any) -> list[str] | None:
    """Each exercise file loaded (its starting world, checks and solution validated); None
    when one is invalid, with the reason on `err`."""
    from simulator.lab.exercises import ExerciseError, load_exercise

    valid, bad = [], False
    for f in files:
        try:
            valid.append(load_exercise(f).path or str(f))
        except ExerciseError as exc:
            err.print("[red]invalid:[/] ", end="")
            err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            bad = True
    return None if bad else valid


def cmd_list(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    out, err = wide(), console(stderr=True)
    scenarios = load_all(args.paths or ["scenarios"], err)
    if scenarios is None:
        return EXIT_INVALID
    if args.markdown:
        from simulator.reports.catalogue import catalogue_markdown

        base = Path(args.output).parent if args.output else Path.cwd()
        text = catalogue_markdown(scenarios, relative_to=base)
        if not args.output:
            sys.stdout.write(text)
            return EXIT_OK
        from simulator.run.trace import write_atomic

        try:
            write_atomic(args.output, text.encode())
        except OSError as exc:
            error(err, f"cannot write {args.output} ({exc.strerror})")
            return EXIT_INVALID
        err.print(f"wrote {args.output} ({len(scenarios)} scenarios)", highlight=False)
        return EXIT_OK
    from rich.table import Table

    table = Table(title="Scenarios")
    table.add_column("name", no_wrap=True)
    for col in ("tags", "spec", "summary", "file"):
        table.add_column(col, overflow="fold")
    for s in scenarios:
        table.add_row(s.name, ", ".join(s.tags), ", ".join(s.spec), s.summary, s.path or "")
    out.print(table)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    if args.exercise:
        from simulator.lab.exercises import exercise_json_schema

        print(json.dumps(exercise_json_schema(), indent=2))
        return EXIT_OK
    from simulator.language.schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def add_validate_parser(sub: Any) -> None:
    val = sub.add_parser(
        "validate", help="check scenario files (and lab exercises) without running them"
    )
    val.add_argument("paths", nargs="+")
    val.set_defaults(fn=cmd_validate)


def add_list_parser(sub: Any) -> None:
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


def add_schema_parser(sub: Any) -> None:
    sch = sub.add_parser("schema", help="print the scenario JSON Schema (or a lab exercise's)")
    sch.add_argument(
        "--exercise", action="store_true", help="the schema of a lab exercise (labs/*.yaml)"
    )
    sch.set_defaults(fn=cmd_schema)
