"""`exchange-twin validate`, `list` and `schema`: reading scenario files without running them."""

from __future__ import annotations

from simulator.cli.common import EXIT_INVALID, EXIT_OK, console, error, load_all, wide

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any


def cmd_validate(args: argparse.Namespace) -> int:
    out, err = console(), console(stderr=True)
    scenarios = load_all(args.paths, err)
    if scenarios is None:
        return EXIT_INVALID
    for s in scenarios:
        out.print(f"[green]valid[/] {s.path}", highlight=False)
    return EXIT_OK


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

    from simulator.language.schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def add_validate_parser(sub: Any) -> None:
    val = sub.add_parser("validate", help="check scenario files without running them")
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
    sch = sub.add_parser("schema", help="print the scenario JSON Schema")
    sch.set_defaults(fn=cmd_schema)
