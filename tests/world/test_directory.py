"""Active Directory: forests and trusts (SPEC R1.7), groups with nesting, computer accounts,
and logons decided at the simulated time (password expiry, lockout, faults)."""

from __future__ import annotations

from datetime import date

import pytest

from simulator.world.accounts import DirectoryUser, LogonError
from simulator.world.directory import Directory
from tests.world.conftest import advance, small_world


def directory() -> Directory:
    d = Directory()
    d.add_domain("contoso.local", "CONTOSO")
    d.add_domain("emea.contoso.local", "EMEA", forest="contoso.local")
    d.add_domain("fabrikam.local", "FABRIKAM")
    d.add_domain("eu.fabrikam.local", "EUFAB", forest="fabrikam.local")
    d.add_domain("tailspin.local", "TAILSPIN")
    return d


def test_domains_of_one_forest_trust_each_other():
    d = directory()
    assert d.trusts("contoso.local", "EMEA") and d.trusts("emea.contoso.local", "contoso.local")
    assert not d.trusts("contoso.local", "fabrikam.local")
    assert d.forests() == {
        "contoso.local": ["contoso.local", "emea.contoso.local"],
        "fabrikam.local": ["eu.fabrikam.local", "fabrikam.local"],
        "tailspin.local": ["tailspin.local"],
    }


def test_one_way_external_trust_is_one_way_and_not_transitive():
    d = directory()
    d.add_trust("contoso.local", "fabrikam.local", two_way=False)
    assert d.trusts("contoso.local", "fabrikam.local")
    assert not d.trusts("fabrikam.local", "contoso.local")
    assert not d.trusts("contoso.local", "eu.fabrikam.local")  # external: these two domains only
    assert not d.trusts("emea.contoso.local", "fabrikam.local")


def test_forest_trust_covers_every_domain_of_both_forests():
    d = directory()
    d.add_trust("contoso.local", "fabrikam.local", two_way=True, kind="forest")
    assert d.trusts("emea.contoso.local", "eu.fabrikam.local")
    assert d.trusts("eu.fabrikam.local", "emea.contoso.local")
    assert not d.trusts("contoso.local", "tailspin.local")


def test_nested_group_membership_and_cycles():
    d = directory()
    for name in ("All Staff", "Sales", "EMEA Sales"):
        d.add_group(name)
    d.nest("EMEA Sales", "Sales")
    d.nest("Sales", "All Staff")
    d.nest("All Staff", "EMEA Sales")  # a cycle must not loop
    user = d.add_user(DirectoryUser("ann", "contoso.local", "ann@contoso.com", "Ann"))
    d.add_member("CONTOSO\\ann", "EMEA Sales")
    assert d.memberships(user) == ["all staff", "emea sales", "sales"]
    assert d.memberships(user, nested=False) == ["emea sales"]
    with pytest.raises(KeyError):
        d.add_member("CONTOSO\\ann", "Nope")


def test_users_have_a_primary_smtp_address_and_can_be_renamed():
    d = directory()
    user = d.add_user(
        DirectoryUser(
            "ann", "contoso.local", "ann@contoso.local", "Ann", mail="Ann.Lee@contoso.com"
        )
    )
    assert user.primary_smtp == "Ann.Lee@contoso.com"
    d.set_upn("CONTOSO\\ann", "ann.lee@contoso.com")
    assert d.by_upn("ann.lee@contoso.com") is user and d.by_upn("ann@contoso.local") is None


def logon_world(**account):
    return small_world(
        directory={
            "domain": "contoso.local",
            "accounts": [{"name": "CONTOSO\\svc", "password": "Secret-1", **account}],
        }
    )


def test_password_expiry_date_is_compared_with_the_simulated_date():
    world = logon_world(password_expires=date(2016, 5, 3))
    assert world.directory.authenticate("CONTOSO\\svc", "Secret-1").sam == "svc"
    advance(world, hours=16)  # 2016-05-03T00:00Z
    with pytest.raises(LogonError) as exc:
        world.directory.authenticate("CONTOSO\\svc", "Secret-1")
    assert exc.value.reason == "password_expired"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("account_locked", "locked"),
        ("account_disabled", "disabled"),
        ("password_expired", "password_expired"),
    ],
)
def test_account_faults_hold_between_their_start_and_end(kind, reason):
    world = logon_world()
    world.faults.schedule(kind, 3600, 7200, account="svc@contoso.local")
    directory = world.directory
    directory.authenticate("CONTOSO\\svc", "Secret-1")
    advance(world, hours=1)
    with pytest.raises(LogonError) as exc:
        directory.authenticate("contoso\\SVC", "Secret-1")
    assert exc.value.reason == reason
    advance(world, hours=1)
    directory.authenticate("CONTOSO\\svc", "Secret-1")


def test_a_changed_password_takes_effect_at_the_start_of_the_fault():
    world = logon_world()
    world.faults.schedule("password_changed", 60, account="CONTOSO\\svc", password="Rotated-2")
    world.directory.authenticate("CONTOSO\\svc", "Secret-1")
    advance(world, seconds=60)
    with pytest.raises(LogonError, match="bad_password"):
        world.directory.authenticate("CONTOSO\\svc", "Secret-1")
    world.directory.authenticate("CONTOSO\\svc", "Rotated-2")


def test_lockout_threshold_locks_after_bad_passwords():
    world = small_world(
        directory={
            "domain": "contoso.local",
            "lockout_threshold": 3,
            "accounts": [{"name": "CONTOSO\\svc", "password": "Secret-1"}],
        }
    )
    d = world.directory
    for _ in range(2):
        with pytest.raises(LogonError, match="bad_password"):
            d.authenticate("CONTOSO\\svc", "old")
    d.authenticate("CONTOSO\\svc", "Secret-1")  # a good logon resets the count
    for _ in range(3):
        with pytest.raises(LogonError, match="bad_password"):
            d.authenticate("CONTOSO\\svc", "old")
    with pytest.raises(LogonError, match="locked"):
        d.authenticate("CONTOSO\\svc", "Secret-1")
    d.unlock("CONTOSO\\svc")
    d.authenticate("CONTOSO\\svc", "Secret-1")


def test_the_world_builds_groups_trusts_and_computer_accounts():
    world = small_world(
        population={"users": 30, "devices_per_user": 0},
        directory={
            "domain": "contoso.local",
            "extra_domains": [{"name": "fabrikam.local"}],
            "trusts": [
                {"trusting": "contoso.local", "trusted": "fabrikam.local", "two_way": False}
            ],
            "accounts": [{"name": "FABRIKAM\\svc", "password": "Secret-1", "groups": ["Mobile"]}],
            "groups": [{"name": "Mobile", "population": 0.5}],
            "computers": [{"name": "WS01"}],
        },
        hosts=[{"name": "CONN01"}, {"name": "LAB", "workgroup": True}],
    )
    d = world.directory
    assert d.trusts("contoso.local", "fabrikam.local") and not d.trusts(
        "fabrikam.local", "contoso.local"
    )
    members = [u for u in d.users() if "mobile" in d.memberships(u)]
    assert 5 < len(members) < 25 and d.find("FABRIKAM\\svc") in members
    assert d.computer("CONN01", "contoso.local").dns_host_name == "conn01.contoso.local"
    assert d.computer("EX01", "contoso.local") is not None
    assert d.computer("WS01", "CONTOSO") is not None
    assert d.computer("LAB", "contoso.local") is None


@pytest.mark.parametrize(
    ("directory", "hosts", "needle", "message"),
    [
        (
            {"groups": [{"name": "Sales", "member_of": ["Everyone"]}]},
            None,
            "Everyone",
            "unknown group",
        ),
        (
            {"groups": [{"name": "Sales", "members": ["CONTOSO\\nobody"]}]},
            None,
            "nobody",
            "unknown account",
        ),
        (
            {"trusts": [{"trusting": "contoso.local", "trusted": "fabrikam"}]},
            None,
            "fabrikam",
            "unknown domain",
        ),
        ({}, [{"name": "CONN01", "domain": "corp.local"}], "corp.local", "unknown domain"),
    ],
)
def test_references_to_undeclared_things_are_refused_with_their_line(
    directory, hosts, needle, message
):
    import yaml

    from simulator.language.loader import ScenarioError, parse_scenario
    from tests.conftest import BASE

    world = {**BASE["world"], "directory": {**BASE["world"]["directory"], **directory}}
    if hosts is not None:
        world["hosts"] = hosts
    text = yaml.safe_dump({**BASE, "world": world}, sort_keys=False)
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "lab.yaml")
    assert message in exc.value.message
    assert exc.value.line == next(
        i for i, line in enumerate(text.splitlines(), 1) if needle in line
    )
