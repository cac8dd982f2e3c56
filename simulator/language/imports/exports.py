"""One reader for whatever a customer sent: an Export-Csv or an Export-Clixml file, told
apart by content (a CLIXML document starts with `<`, once the byte order mark is gone),
never by the file's name — customers rename files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simulator.language.imports.clixml import parse_clixml
from simulator.language.imports.powershell_csv import ExportError, Table, decode, parse_export


def read_export(path: str | Path, expected: Iterable[str], required: Iterable[str]) -> Table:
    """Read the export at `path` — Export-Csv or Export-Clixml, in any encoding PowerShell
    writes — whose objects are of one of the short type names `expected` (e.g.
    MobileDevice), with at least the properties `required`."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ExportError(name, 0, 0, f"cannot read: {exc.strerror or exc}") from None
    text = decode(name, data)
    if text.lstrip()[:1] == "<":
        return parse_clixml(name, text, list(expected), list(required))
    return parse_export(name, text, list(expected), list(required))
