"""`run --matrix`: every scenario in every cell of the version × profile axes."""

from __future__ import annotations

import pytest

from simulator.cli import main
from simulator.language.matrix import apply_cell, parse_matrix
from tests.conftest import make_scenario


def test_cells_are_the_product_of_the_axes_with_real_version_labels():
    cells = parse_matrix(["exchange=2010SP3,2016CU3", "profile=2016,2018"])
    assert cells == [
        {"exchange": "2010 SP3", "profile": "2016"},
        {"exchange": "2010 SP3", "profile": "2018"},
        {"exchange": "2016 CU3", "profile": "2016"},
        {"exchange": "2016 CU3", "profile": "2018"},
    ]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["exchange=2099"], "unknown Exchange version '2099'"),
        (["profile=2017"], "unknown profile '2017'"),
        (["version=2016"], "AXIS one of exchange, profile"),
        (["profile=2016", "profile=2018"], "given twice"),
        (["exchange="], "no values"),
    ],
)
def test_bad_axes_are_refused(specs, message):
    with pytest.raises(ValueError, match="--matrix") as info:
        parse_matrix(specs)
    assert message in str(info.value)


def test_a_cell_replaces_every_servers_version_and_the_profile():
    scenario = make_scenario()
    cell = apply_cell(scenario, {"exchange": "2010 SP3", "profile": "2018"})
    assert cell.name == "test[exchange=2010 SP3,profile=2018]"
    assert cell.profile == "2018" and cell.world.exchange.version == "2010 SP3"
    assert all(s.version is None for s in cell.world.exchange.servers)
    assert scenario.profile == "2016"  # the original is untouched


def test_the_cli_runs_one_result_per_cell(capsys, first_full_sync):
    code = main(["run", str(first_full_sync), "--matrix", "exchange=2010SP3,2013CU12"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Matrix" in out and out.count("pass") >= 4
    assert main(["run", str(first_full_sync), "--matrix", "exchange=2099"]) == 2
