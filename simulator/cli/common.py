"""What every command shares: exit codes, consoles, error lines, loading scenario files.

Nothing heavy is imported at module level — `rich` and the scenario language load when a
command needs them — so `exchange-twin --help` stays light.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rich.console import Console

    from simulator.language.schema import Scenario

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def console(stderr: bool = False) -> Console:
    """A rich console (stdout, or stderr for errors and progress), loaded when first used."""
    from rich.console import Console

    return Console(stderr=stderr)


def wide() -> Console:
    """A console wide enough that names and hashes are never cut, even when piped."""
    from rich.console import Console

    return Console(width=max(Console().width, 160))


def error(err: Console, message: str) -> None:
    """An error line naming what is wrong, never wrapped (paths stay greppable) nor parsed
    as markup (a path or a message may contain brackets)."""
    err.print("[red]error:[/] ", end="")
    err.print(message, markup=False, highlight=False, soft_wrap=True)


def load_all(paths: list[str], err: Console, build: bool = False) -> list[Scenario] | None:
    """The scenarios under `paths`, each validated; None (and the reasons on `err`) when a
    path is missing, none is found, one is invalid or two share a name. With `build` (run),
    each world is built too: a world the models refuse is an invalid file, refused before
    anything is written."""
    from pathlib import Path

    from simulator.language.loader import ScenarioError, check_steps, find_scenarios, load_scenario

    files = find_scenarios(paths)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        for p in missing:
            err.print(f"[red]error:[/] {p}: no such file or folder")
        return None
    if not files:
        err.print(f"[red]error:[/] no scenario files (*.yaml) under {', '.join(paths)}")
        return None
    check = check_steps
    if build:
        from simulator.run.buildcheck import check_world as check
    scenarios, bad = [], False
    for f in files:
        try:
            scenario = load_scenario(f)
            check(scenario)
            scenarios.append(scenario)
        except ScenarioError as exc:
            err.print("[red]invalid:[/] ", end="")
            # the message quotes the file: never parsed as markup (it may hold "[/]")
            err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
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


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (--workers)."""
    import argparse

    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, found {value}")
    return value
