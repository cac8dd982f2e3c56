"""`exchange-twin list --markdown`: the scenario catalogue, and the committed one is current."""

from __future__ import annotations

from simulator import load_scenario
from simulator.cli import main
from simulator.language.loader import find_scenarios
from simulator.reports.catalogue import CATALOGUE_COMMAND, catalogue_markdown
from tests.conftest import ROOT
from tests.reports.helpers import write_scenario


def test_committed_catalogue_is_up_to_date():
    scenarios = [load_scenario(p) for p in find_scenarios([ROOT / "scenarios"])]
    expected = catalogue_markdown(scenarios, relative_to=ROOT / "scenarios")
    committed = (ROOT / "scenarios" / "README.md").read_text()
    assert committed == expected, f"scenarios/README.md is out of date: run `{CATALOGUE_COMMAND}`"


def test_catalogue_groups_by_theme_and_lists_spec_coverage(tmp_path, capsys):
    write_scenario(
        tmp_path / "proxy",
        "p1",
        summary="Proxy | with a pipe.",
        spec=["R10.1", "R2.1"],
        tags=["proxy"],
    )
    write_scenario(tmp_path / "sync", "s1", summary="Sync\n  over lines.", spec=["R2.1"])
    out = tmp_path / "README.md"
    assert main(["list", str(tmp_path), "--markdown", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.index("## proxy") < text.index("## sync") < text.index("## SPEC coverage")
    assert "| [p1](proxy/p1.yaml) | Proxy \\| with a pipe. | R10.1, R2.1 | proxy |" in text
    assert "| [s1](sync/s1.yaml) | Sync over lines. | R2.1 | - |" in text
    assert text.index("| R2.1 | p1, s1 |") < text.index("| R10.1 | p1 |")
    assert main(["list", str(tmp_path), "--markdown"]) == 0
    assert "## proxy" in capsys.readouterr().out
