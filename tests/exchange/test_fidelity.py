"""docs/fidelity.md is generated from the cmdlet registry and must be committed up to date."""

from __future__ import annotations

from pathlib import Path

from simulator.cli import main
from simulator.exchange.fidelity import fidelity_markdown
from simulator.exchange.registry import REGISTRY

DOC = Path(__file__).resolve().parents[2] / "docs" / "fidelity.md"


def test_committed_fidelity_table_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == fidelity_markdown(), (
        "docs/fidelity.md is stale: run `exchange-twin fidelity > docs/fidelity.md`"
    )
    assert main(["fidelity", "--check", str(DOC)]) == 0


def test_every_cmdlet_says_what_it_emulates():
    text = fidelity_markdown()
    for spec in REGISTRY.values():
        assert f"## {spec.name}\n" in text
        assert spec.summary, spec.name
    assert text.count("**Not emulated:**") == len(REGISTRY)
    assert "## Deviations of the model" in text and "* **access.py**" in text


def test_check_reports_a_stale_file(tmp_path):
    stale = tmp_path / "fidelity.md"
    stale.write_text("old\n")
    assert main(["fidelity", "--check", str(stale)]) == 1


def test_the_intune_service_deviations_are_listed():
    """The remote actions' lifecycle, the per-device record and the quick sync's targeting
    changes each say where they are a model rather than documented behaviour."""
    text = fidelity_markdown()
    section = text.split("## Deviations of the Intune service", 1)[1]
    for module in ("intune/commands.py", "intune/observe.py", "intune/service.py"):
        assert f"* **{module}**" in section, module
    assert "stays pending" in section and "/users/changes" in section
