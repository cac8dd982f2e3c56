"""The scenario loader under bad input: fuzzed, replayed from the corpus, and each limit.

Every input must end in a clean error naming file, line and column — or be accepted, its
world built and run briefly. The fuzz run here is the CI profile (few examples); `make fuzz`
runs the long one.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fuzz.common import judge, run_target
from fuzz.loader import BOMB, CATALOGUE, TARGET, check, dump, load
from simulator.cli import main
from simulator.language import yamlsafe
from simulator.language.loader import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    parse_scenario_bytes,
)

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "loader"


def refused(data: bytes | str, file: str = "bad.yaml") -> ScenarioError:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(ScenarioError) as err:
        parse_scenario_bytes(raw, file)
    return err.value


def test_fuzzed_library_mutations_are_all_clean():
    tally = run_target(TARGET, examples=150, seed=0)
    assert tally.inputs == 150
    assert tally.unclean == 0, tally.failures[:3]
    # the strategy reaches both sides: refusals and scenarios that build and run
    assert tally.counts["clean_error"] and tally.counts["accepted"]


@pytest.mark.parametrize("entry", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_corpus_input_is_clean(entry: Path):
    outcome = judge(TARGET, load(entry.read_text(encoding="utf-8")))
    assert outcome.clean, outcome


def test_corpus_is_not_empty():
    assert len(list(CORPUS.glob("*"))) >= 5


@pytest.mark.parametrize("bad", CATALOGUE, ids=lambda b: b.kind)
def test_catalogue_message(bad):
    outcome = check(bad.value)
    assert outcome.kind == "clean_error", outcome
    assert bad.expect in outcome.detail, outcome.detail


def test_corpus_dump_round_trips_text_and_bytes():
    for data in (b"name: x\n", b"\xff\x00binary", "名前: x\n".encode()):
        assert load(dump(data)) == data
    assert dump(b"name: x\n") == "name: x\n"  # a readable file when it is text


# -- each limit --------------------------------------------------------------------------------
def test_alias_bomb_is_refused_before_it_expands():
    # nine to the ninth power of "x" once expanded: measured on the shared nodes, never built
    err = refused(BOMB + b"name: x\n")
    assert "expand to more than" in err.message and "alias bomb" in err.message
    assert err.line is not None and err.column is not None


def test_merge_key_bomb_is_refused():
    text = "a: &a {k0: 1, k1: 1}\n" + "".join(
        f"b{i}: &b{i} [{', '.join(['*' + ('a' if i == 0 else f'b{i - 1}')] * 10)}]\n"
        for i in range(7)
    )
    assert "alias bomb" in refused(text + "name: x\n").message


def test_recursive_alias_is_refused():
    err = refused("name: x\ntags: &t [a, *t]\n")
    assert "recursive" in err.message and err.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "name: x\ntags: " + "[" * 1000 + "]" * 1000 + "\n",
        "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v\n",
    ],
    ids=["flow", "block"],
)
def test_deep_nesting_is_refused(text):
    err = refused(text)
    assert f"nested more than {yamlsafe.MAX_DEPTH} levels deep" in err.message
    assert err.line is not None


def test_aliases_cannot_build_deep_nesting():
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 70))
    assert "levels deep (aliases expanded)" in refused(chain + "name: x\n").message


def test_duplicated_key_is_refused_at_its_second_line():
    err = refused("name: x\nseed: 1\nsummary: s\nseed: 2\n")
    assert (err.line, err.column) == (4, 1)
    assert "duplicated key 'seed' (first at line 2)" in err.message


def test_duplicated_key_deep_inside_is_refused():
    err = refused("name: x\nworld:\n  population:\n    users: 5\n    users: 6\n")
    assert err.line == 5 and "duplicated key 'users'" in str(err)


def test_merge_keys_override_without_a_duplicate_error():
    # a merged key overridden by the mapping's own is YAML's inheritance, not a duplicate
    s = parse_scenario("name: x\nworld:\n  population:\n    <<: {users: 3}\n    users: 4\n")
    assert s.world.population.users == 4


def test_binary_file_is_refused_by_name(tmp_path):
    path = tmp_path / "photo.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}:")
    assert "a binary file" in str(err.value)


def test_non_utf8_file_is_refused_with_its_position(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\nsummary: café\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert (err.value.line, err.value.column) == (2, 13)
    assert "not UTF-8 text: byte 0xe9" in str(err.value)


def test_utf8_bom_is_accepted():
    assert parse_scenario_bytes(b"\xef\xbb\xbfname: x\n", "bom.yaml").name == "x"


def test_oversized_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"name: x\n" + b"# padding\n" * 200_000)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "a scenario file may have at most 1,048,576" in str(err.value)


def test_control_character_is_refused_at_its_position():
    err = refused("name: x\nsummary: a\x1bb\n")
    assert (err.line, err.column) == (2, 11) and "U+001B" in err.message


@pytest.mark.parametrize(
    "text, expect",
    [
        ("name: x\nstart: 2016-02-30T08:00:00Z\n", "day is out of range"),
        ("name: x\nseed: " + "9" * 5000 + "\n", "cannot read"),
        ("name: !!python/object/apply:os.system [ls]\n", "could not determine a constructor"),
        ("name: x\nsummary: !!timestamp not-a-date\n", "cannot read 'not-a-date' as a timestamp"),
    ],
    ids=["bad-date", "huge-int", "python-tag", "bad-timestamp-tag"],
)
def test_values_yaml_cannot_construct_are_refused_at_their_line(text, expect):
    err = refused(text)
    assert err.line in (1, 2) and expect in err.message


def test_bad_step_is_reported_at_its_own_line():
    err = refused("name: x\nsteps:\n  - advance: 1m\n  - advance: 2m\n  - do: instal\n")
    assert (err.line, err.column) == (5, 9)
    assert err.field == "steps[2].do" and "did you mean install" in err.message


def test_step_without_action_is_reported_at_its_own_line():
    err = refused("name: x\nsteps:\n  - advance: 1m\n  - {host: CONN01}\n")
    assert (err.line, err.field) == (4, "steps[1]")


def test_validate_refuses_a_step_on_an_unknown_host(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsteps:\n  - advance: 1m\n  - {do: install, host: CONN99}\n")
    assert main(["validate", str(path)]) == 2
    assert f"{path}:4:" in capsys.readouterr().err


def test_step_naming_an_unknown_host_is_refused_with_the_whole_file():
    from simulator.run.buildcheck import check_world

    scenario = parse_scenario("name: x\nsteps:\n  - advance: 1m\n  - {do: install, host: CONN99}\n")
    with pytest.raises(ScenarioError) as err:
        check_world(
            scenario,
            lambda: yamlsafe.load(
                "name: x\nsteps:\n  - advance: 1m\n  - {do: install, host: CONN99}\n"
            )[1],
        )
    assert err.value.line == 4 and err.value.field == "steps[1].host"
    assert "unknown host 'CONN99'" in str(err.value)


@pytest.mark.parametrize("port, ok", [(0, False), (1, True), (65535, True), (65536, False)])
def test_configure_proxy_port_range(port, ok):
    text = textwrap.dedent(
        f"""\
        name: x
        steps:
          - do: configure
            exchange: {{server: ex01.contoso.local}}
            account: {{user: CONTOSO\\svc, password: p}}
            proxy: {{address: proxy.contoso.local, port: {port}}}
        """
    )
    if ok:
        assert parse_scenario(text).steps[0].proxy.port == port
    else:
        err = refused(text)
        assert err.field == "steps[0].proxy.port" and err.line == 6


@pytest.mark.parametrize(
    "text, field",
    [
        ("name: x\nsteps: [{advance: 99999d}]\n", "steps[0].advance"),
        ("name: x\nworld: {network: {internet_rtt: .inf}}\n", "world.network.internet_rtt"),
        ("name: x\nworld: {population: {users: 100000000}}\n", "world.population.users"),
        ("name: x\nstart: 9999-12-31T00:00:00Z\n", "start"),
        ("name: x\nfaults: [{kind: dns_failure, at: .nan}]\n", "faults[0]"),
        ("name: x\nworld: {exchange: {servers: []}}\n", "world.exchange.servers"),
        ("name: ../x\n", "name"),
    ],
    ids=["duration", "infinite-rtt", "population", "start", "nan-time", "no-servers", "name"],
)
def test_unbounded_numbers_have_bounds(text, field):
    assert refused(text).field.startswith(field)


def test_misspelled_choice_suggests_the_closest():
    err = refused(
        "name: x\nworld:\n  exchange:\n    servers: [{name: EX01, edition: Enterprize}]\n"
    )
    assert "did you mean 'Enterprise'?" in err.message and err.line == 4


# -- the command line: one message, exit 2, nothing written --------------------------------------
INVALID = {
    "schema": "name: bad\nsteps:\n  - advance: 1m\n  - do: instal\n",
    "yaml": "name: bad\nseed: 1\nseed: 2\n",
    "world": "name: bad\nworld:\n  population:\n    domains: [emea.contoso.local]\n",
}


@pytest.mark.parametrize(
    "command, kind",
    [("run", k) for k in sorted(INVALID)] + [("validate", "schema"), ("validate", "yaml")],
)
def test_invalid_file_exits_2_with_one_message_and_writes_nothing(tmp_path, capsys, command, kind):
    path = tmp_path / "bad.yaml"
    path.write_text(INVALID[kind])
    out = tmp_path / "out"
    extra = []
    if command == "run":
        extra = ["--trace", str(out / "traces"), "--junit", str(out / "j.xml")]
        extra += ["--json", str(out / "r.json"), "--html", str(out / "r.html")]
    assert main([command, str(path), *extra]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"invalid: {path}:"), err
    assert not out.exists()


def test_world_the_models_refuse_is_reported_at_its_field(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(INVALID["world"])
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4:" in err and "world.population.domains" in err


def test_message_with_brackets_is_printed_as_text(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nstpes: '[/]'\n")
    assert main(["validate", str(path)]) == 2
    assert "unknown key 'stpes'" in capsys.readouterr().err


def test_step_that_is_not_a_mapping_says_what_a_step_is():
    err = refused("name: x\nsteps:\n  - advance: 1m\n  - [install, CONN01]\n")
    assert (err.line, err.field) == (4, "steps[1]")
    assert "must be a mapping such as 'do: install'" in err.message


def test_yaml_syntax_error_names_where_the_construct_began():
    err = refused("name: x\nsteps: [\n  {a: 1\n")
    assert err.line == 4 and "while parsing a flow mapping (line 3)" in err.message


def test_expectation_indexing_past_the_end_fails_the_expectation_not_the_run():
    from simulator.run.batch import run_scenario

    result = run_scenario(load_scenario(CORPUS / "expectation-index-past-the-end.yaml"))
    assert result.error is None and not result.passed
    assert "exchange.notifications has 0 items; there is no item 0" in result.failures[0]
