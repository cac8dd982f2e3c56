"""Reading a scenario file's YAML safely: every refusal has a line and a column.

Why not `yaml.safe_load`: it keeps the last of two duplicated keys without a word, expands
an alias bomb (a few hundred bytes that become billions of nodes once validated), recurses
until Python's stack gives out on deep nesting, reads a binary file as text, and raises
plain `ValueError`s (a 30 February, a 5,000-digit number) with no position. This module
puts limits in front of all of that and turns every problem into a :class:`YamlInputError`
naming where it is; the scenario loader adds the file name and the field.

Limits (documented in docs/bad-input.md): a file of at most :data:`MAX_BYTES`; nesting at
most :data:`MAX_DEPTH` deep, aliases expanded; at most :data:`MAX_NODES` nodes once aliases
are expanded; UTF-8 text without control characters; one document; each key once per
mapping; only the standard YAML tags (SafeLoader's).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

#: The largest scenario file read (the library's largest is a few KiB).
MAX_BYTES = 1024 * 1024
#: How deep mappings and sequences may nest, aliases expanded (the library needs about 8).
MAX_DEPTH = 64
#: How many nodes the document may have once every alias is expanded (refuses alias bombs).
MAX_NODES = 200_000

# What YAML 1.1 allows in a stream (PyYAML's reader refuses the rest, without a line).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class YamlInputError(Exception):
    """A document that is not acceptable YAML: 1-based ``line`` and ``column``, and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line, self.column, self.message = line, column, message


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def decode(data: bytes) -> str:
    """The file's text, refusing oversized, binary and non-UTF-8 files by what they are."""
    if len(data) > MAX_BYTES:
        raise YamlInputError(
            1, 1, f"the file is {len(data):,} bytes; a scenario file may have at most {MAX_BYTES:,}"
        )
    nul = data.find(b"\0")
    if nul >= 0:
        head = data[:nul].decode("utf-8", "replace")
        line, column = _position(head, len(head))
        raise YamlInputError(
            line, column, "a binary file (it contains a NUL byte), not a YAML text file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start].decode("utf-8", "replace")
        line, column = _position(head, len(head))
        raise YamlInputError(
            line,
            column,
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start or continue a character "
            "(save the file as UTF-8)",
        ) from None


def check_text(text: str) -> None:
    """Refuse what PyYAML's reader would refuse without a position: size and control chars."""
    if len(text) > MAX_BYTES:
        raise YamlInputError(
            1,
            1,
            f"the text has {len(text):,} characters; a scenario may have at most {MAX_BYTES:,}",
        )
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        what = (
            "a NUL character"
            if bad.group() == "\0"
            else f"control character U+{ord(bad.group()):04X}"
        )
        raise YamlInputError(
            line, column, f"{what} is not allowed in a YAML file (is this a binary file?)"
        )


class _Loader(yaml.SafeLoader):
    """SafeLoader with a nesting limit while composing, duplicate-key refusal and positioned
    construction errors. Aliases are composed as shared nodes (cheap); their expansion is
    measured afterwards by :func:`_measure`, before anything is constructed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlInputError(
                    mark.line + 1,
                    mark.column + 1,
                    f"nested more than {MAX_DEPTH} levels deep",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, YamlInputError):
            raise
        except Exception as exc:  # noqa: BLE001 - any constructor failure is a bad value here
            # e.g. a date that does not exist (2016-02-30) or an integer of 5,000 digits
            what = node.tag.rsplit(":", 1)[-1]
            value = node.value if isinstance(node, ScalarNode) else ""
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise ConstructorError(
                None, None, f"cannot read {shown!r} as a {what}: {exc}", node.start_mark
            ) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # unhashable: SafeConstructor refuses it with its position
                if first is not None:
                    raise YamlInputError(
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        f"duplicated key {_short(key)!r} (first at line {first.start_mark.line + 1}); "
                        "YAML would silently keep only the last one",
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _measure(root: Node) -> None:
    """Refuse a document whose aliases expand beyond the limits, or refer to themselves.

    Each distinct node is measured once (memoised by identity), so measuring a bomb costs what
    its source does, not what it would expand to."""
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded height)
    active: set[int] = set()

    def visit(node: Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in done:
            size, height = done[key]
        else:
            if key in active:
                raise YamlInputError(
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    "an alias refers to a node that contains it (a recursive structure)",
                )
            if depth > MAX_DEPTH:
                raise _too_deep(node)
            active.add(key)
            size, height = 1, 1
            if isinstance(node, SequenceNode):
                children = node.value
            elif isinstance(node, MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = []
            for child in children:
                s, h = visit(child, depth + 1)
                size += s
                height = max(height, h + 1)
                if size > MAX_NODES:
                    raise YamlInputError(
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                        f"aliases here expand to more than {MAX_NODES:,} nodes (an alias bomb?)",
                    )
            active.discard(key)
            done[key] = (size, height)
        if depth + height - 1 > MAX_DEPTH:
            raise _too_deep(node)
        return size, height

    visit(root, 1)


def _too_deep(node: Node) -> YamlInputError:
    return YamlInputError(
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        f"nested more than {MAX_DEPTH} levels deep (aliases expanded)",
    )


def load(text: str) -> tuple[Any, Node | None]:
    """The document's data and its node tree (for positions), or a YamlInputError."""
    check_text(text)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _measure(root)
        return loader.construct_document(root), root
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem:
            # "while parsing a flow mapping (line 3): expected ',' or '}'"
            where = exc.context_mark
            at = f" (line {where.line + 1})" if where and mark and where.line != mark.line else ""
            problem = f"{exc.context}{at}: {exc.problem}"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlInputError(line, column, f"not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        raise YamlInputError(line, column, f"not valid YAML: {exc}") from None
    except yaml.YAMLError as exc:
        raise YamlInputError(1, 1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
