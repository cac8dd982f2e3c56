"""Loading scenario files: YAML with line numbers, validation against the schema, and
errors that name the file, the line and column, the field, what was expected and, for a
misspelled key or action, the closest valid names. A file that does not validate never
starts. Also the cross-references pydantic cannot see (a group naming an undeclared domain,
a fault naming an unknown account).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from simulator.language import datafiles, yamlsafe
from simulator.language.schema import CLOCK_STEPS, Scenario, shown
from simulator.language.steps import STEPS
from simulator.world.config.base import FieldError, seconds_from_start
from simulator.world.config.faults import FAULT_MODELS
from simulator.world.config.world import WorldSpec
from simulator.world.faults import FAULT_KINDS


# -- loading with line numbers ---------------------------------------------------------------------
class ScenarioError(Exception):
    """An invalid scenario file: where, which field, and what was expected."""

    def __init__(
        self, file: str, line: int | None, column: int | None, field: str, message: str
    ) -> None:
        self.file, self.line, self.column, self.field, self.message = (
            file,
            line,
            column,
            field,
            message,
        )
        where = file + (f":{line}" if line else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[yaml.Node | None, bool]:
    """Walk a composed YAML node along a pydantic error location; (node, key_node?)."""
    key_node = False
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for k, v in node.value:
                if k.value == part:
                    node, key_node = v, False
                    break
            else:
                # a discriminator tag or an unknown key: stay here unless the key exists as a key node
                continue
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else node
            key_node = False
    return node, key_node


def _extra_key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k
    return None


def _model_for(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The pydantic model that owns the field at `loc` under `root` (a Scenario unless said
    otherwise: a lab exercise is another file of the language), to suggest close key names."""
    model: Any = root or Scenario
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if _is_tag(loc, i):
            model = _STEP_MODELS[part]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return model
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


_STEP_MODELS: dict[str, type[BaseModel]] = {
    **{name: kind.model for name, kind in STEPS.items()},
    **CLOCK_STEPS,
    **FAULT_MODELS,  # fault entries are tagged by kind the way steps are by action
}


def _is_tag(loc: tuple[Any, ...], i: int) -> bool:
    """Is `loc[i]` a union tag — the action of a step, the kind of a fault — rather than a
    field? Tags follow the entry's index in `steps` or `faults` (and may share a field's name:
    the `exchange` step, the `at` step)."""
    return (
        i >= 2
        and isinstance(loc[i - 1], int)
        and loc[i - 2] in ("steps", "faults")
        and loc[i] in _STEP_MODELS
    )


def _describe(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the field a person wrote: `steps[2].account.user`
    (union tags — an action name, a fault kind — are not fields and are left out)."""
    parts = []
    for i, p in enumerate(loc):
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif _is_tag(loc, i) or str(p).startswith(("function-", "tagged-union[")):
            continue
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def error_from_validation(
    file: str,
    root: yaml.Node | None,
    exc: ValidationError,
    model: type[BaseModel] | None = None,
    tables: list[datafiles.DataFile] | None = None,
) -> ScenarioError:
    errors = exc.errors()
    # a misspelled key is the cause of the "missing" error of the key it meant: report it
    errors.sort(key=lambda e: (e["type"] != "extra_forbidden", len(e["loc"])))
    err = errors[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        loc += cause.loc
    node, _ = _node_at(root, loc[:-1] if err["type"] == "extra_forbidden" else loc)
    field = _describe(loc)
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        key_node = _extra_key_node(node, key)
        node = key_node or node
        owner = _model_for(loc[:-1], model)
        valid = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(key, valid, n=3)
        message = (
            f"unknown key {key!r}"
            + (f"; did you mean {' or '.join(close)}?" if close else "")
            + (f" (valid keys: {', '.join(k for k in valid if k != 'path')})" if valid else "")
        )
    elif err["type"] == "missing":
        message = "this field is required"
    elif "input" in err and err["type"] not in ("value_error",):
        message = f"{message}; found {shown(err['input'])}"
        if err["type"] == "literal_error" and isinstance(err["input"], str):
            choices = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
            close = difflib.get_close_matches(err["input"], choices, n=1, cutoff=0.5)
            message += f" (did you mean {close[0]!r}?)" if close else ""
    for table in tables or []:  # a row of a data file: its own line and column
        found = table.locate(loc)
        if found is not None:
            return ScenarioError(table.path, found[0], found[1], found[2], message)
    node = node or root
    line = node.start_mark.line + 1 if node is not None else 1
    column = node.start_mark.column + 1 if node is not None else 1
    return ScenarioError(file, line, column, field, message)


def load_mapping(text: str, file: str, expected: str) -> tuple[dict, Any]:
    """The YAML of a language file (scenario, exercise) as data and its node tree, refused
    with a located ScenarioError unless it is a mapping (`expected` says what it should be)."""
    try:
        data, root = yamlsafe.load(text)
    except yamlsafe.YamlInputError as exc:
        raise ScenarioError(file, exc.line, exc.column, "", exc.message) from None
    if not isinstance(data, dict):
        line, column = (root.start_mark.line + 1, root.start_mark.column + 1) if root else (1, 1)
        raise ScenarioError(file, line, column, "", expected)
    return data, root


def parse_scenario(
    text: str, file: str = "<string>", read_data: Callable[[str], bytes] | None = None
) -> Scenario:
    """Validate a scenario's text; any problem is a ScenarioError naming file:line:column.
    The data files it names (language/datafiles.py) are read beside `file`, or by
    `read_data(name)` (the importer's, before anything is written)."""
    data, root = load_mapping(
        text, file, "a scenario file must be a mapping with name, world, steps and expect"
    )
    try:
        tables = datafiles.attach(data, read_data or datafiles.reader_beside(file), file)
    except datafiles.DataFileError as exc:
        raise ScenarioError(exc.file, exc.line, exc.column, exc.field, exc.message) from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(file, root, exc, tables=tables) from None
    problem = world_problem(scenario.world) or fault_problem(scenario)
    if problem is not None:
        for table in tables:  # a row of a data file: its own line and column
            found = table.locate(problem[0])
            if found is not None:
                line, column, name = found
                raise ScenarioError(table.path, line, column, name, problem[1])
        raise located_error(file, root, *problem)
    scenario.path = file
    return scenario


def located_error(
    file: str, root: yaml.Node | None, loc: tuple[Any, ...], message: str
) -> ScenarioError:
    """A ScenarioError for the field at `loc`, at the line of the closest node that exists."""
    node, _ = _node_at(root, loc)
    node = node or root
    return ScenarioError(
        file,
        node.start_mark.line + 1 if node is not None else 1,
        node.start_mark.column + 1 if node is not None else 1,
        _describe(loc),
        message,
    )


def _unknown(what: str, value: str, known: set[str]) -> str:
    return f"unknown {what} {value!r} (known: {', '.join(sorted(known)) or 'none'})"


def world_problem(world: WorldSpec) -> tuple[tuple[Any, ...], str] | None:
    """The first reference in the world to a domain, group or account it does not declare:
    (location, message)."""
    d = world.directory
    declared = [(d.domain, d.netbios)] + [(x.name, x.netbios) for x in d.extra_domains]
    domains = {n.lower() for n, _ in declared} | {
        (b or n.split(".")[0]).lower() for n, b in declared
    }
    groups = {g.name.lower() for g in d.groups}
    accounts = {a.name.lower() for a in d.accounts}
    refs: list[tuple[tuple[Any, ...], str, str | None, set[str]]] = []
    for i, trust in enumerate(d.trusts):
        refs += [
            (("world", "directory", "trusts", i, k), "domain", getattr(trust, k), domains)
            for k in ("trusting", "trusted")
        ]
    for i, group in enumerate(d.groups):
        refs.append(
            (("world", "directory", "groups", i, "domain"), "domain", group.domain, domains)
        )
        refs += [
            (("world", "directory", "groups", i, "member_of", j), "group", g, groups)
            for j, g in enumerate(group.member_of)
        ]
        refs += [
            (("world", "directory", "groups", i, "members", j), "account", a, accounts)
            for j, a in enumerate(group.members)
        ]
    for i, computer in enumerate(d.computers):
        refs.append(
            (("world", "directory", "computers", i, "domain"), "domain", computer.domain, domains)
        )
    for i, host in enumerate(world.hosts):
        refs.append((("world", "hosts", i, "domain"), "domain", host.domain, domains))
    for loc, what, value, known in refs:
        if value is not None and value.lower() not in known:
            return loc, _unknown(what, value, known)
    return None


RootSource = Callable[[], yaml.Node | None]


def root_of(scenario: Scenario, root: RootSource | None = None) -> yaml.Node | None:
    """A loaded file's node tree for positions, composed again only on an error path (a
    Scenario keeps its path, not its nodes: it is pickled into --workers processes)."""
    if root is not None:
        return root()
    if not scenario.path:
        return None
    try:
        with open(scenario.path, "rb") as f:
            return yamlsafe.load(yamlsafe.decode(f.read(yamlsafe.MAX_BYTES + 1)))[1]
    except (OSError, yamlsafe.YamlInputError):
        return None


def check_steps(scenario: Scenario, root: RootSource | None = None) -> None:
    """The whole file's cross-references from steps (see step_problem), as a ScenarioError."""
    problem = step_problem(scenario)
    if problem is not None:
        raise located_error(scenario.path or "<string>", root_of(scenario, root), *problem)


def step_problem(scenario: Scenario) -> tuple[tuple[Any, ...], str] | None:
    """The first step that names a connector host the world does not have: (location,
    message). Hosts only: a step's `server` may name any address on purpose (a wrong one).
    Checked with the whole file (simulator.run.buildcheck), not for a step parsed alone."""
    hosts = {h.name.lower() for h in scenario.world.hosts}
    for i, step in enumerate(scenario.steps):
        host = getattr(step, "host", None)
        if isinstance(host, str) and host.lower() not in hosts:
            return ("steps", i, "host"), _unknown("host", host, hosts)
    return None


def fault_problem(scenario: Scenario) -> tuple[tuple[Any, ...], str] | None:
    """The first fault entry that cannot be placed on the timeline or names something the
    world does not have: (location, message)."""
    world = scenario.world
    accounts = {a.name.lower() for a in world.directory.accounts} | {
        (a.upn or "").lower() for a in world.directory.accounts if a.upn
    }
    names = {
        "account": accounts,
        "address": {p.address.lower() for p in world.network.all_proxies()},
        "host": {h.name.lower() for h in world.hosts},
        "server": {s.name.lower() for s in world.exchange.servers},
    }
    for i, fault in enumerate(scenario.faults):
        kind = FAULT_KINDS[fault.kind]  # type: ignore[attr-defined]
        at = seconds_from_start(fault.at, scenario.start)  # type: ignore[attr-defined]
        until = fault.until  # type: ignore[attr-defined]
        if at < 0:
            return ("faults", i, "at"), "the fault starts before the scenario does"
        if until is not None:
            if kind.instant:
                return ("faults", i, "until"), f"{fault.kind} happens at one instant; drop until"  # type: ignore[attr-defined]
            if seconds_from_start(until, scenario.start) <= at:
                return ("faults", i, "until"), "until must come after at"
        for param, known in names.items():
            value = getattr(fault, param, None)
            if value is None or kind.params[param].pattern and any(c in value for c in "*?["):
                continue
            if str(value).lower() not in known:
                return ("faults", i, param), _unknown(param, str(value), known)
    return None


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(yamlsafe.MAX_BYTES + 1)  # no more: a huge file is refused by size
    except OSError as exc:
        raise ScenarioError(str(path), 1, 1, "", f"cannot read the file ({exc.strerror})") from None
    return parse_scenario_bytes(data, str(path))


def parse_scenario_bytes(data: bytes, file: str) -> Scenario:
    """A scenario file's bytes: refused by name when too large, binary or not UTF-8."""
    try:
        text = yamlsafe.decode(data)
    except yamlsafe.YamlInputError as exc:
        raise ScenarioError(file, exc.line, exc.column, "", exc.message) from None
    return parse_scenario(text, file)


def find_scenarios(paths: list[str | Path]) -> list[Path]:
    """Expand folders (recursively) into their *.yaml / *.yml files, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
            )
        else:
            out.append(p)
    return out
