"""Several Exchange organisations in one world, one per AD forest (world.organizations):
each with its own name, servers, population and accounts; DNS, sessions and EWS per
organisation; the schema's checks; exchange.organizations.<name>.* observation."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from simulator.exchange import errors as ex
from simulator.exchange.session import open_session
from simulator.language.loader import ScenarioError, parse_scenario
from simulator.world.world import World, build_world

CONTOSO_ADMIN, FABRIKAM_ADMIN, PASSWORD = "CONTOSO\\admin", "FABRIKAM\\admin", "P@ssw0rd!"


def two_forests(**extra: Any) -> dict[str, Any]:
    world: dict[str, Any] = {
        "directory": {
            "domain": "contoso.local",
            "extra_domains": [{"name": "fabrikam.local", "netbios": "FABRIKAM"}],
            "trusts": [
                {"trusting": "contoso.local", "trusted": "fabrikam.local", "kind": "forest"}
            ],
            "accounts": [
                {
                    "name": CONTOSO_ADMIN,
                    "password": PASSWORD,
                    "role_groups": ["Organization Management"],
                    "mailbox": True,
                },
                {
                    "name": FABRIKAM_ADMIN,
                    "password": PASSWORD,
                    "role_groups": ["Organization Management"],
                    "mailbox": True,
                },
            ],
        },
        "exchange": {"organization": "Contoso", "servers": [{"name": "EX01"}]},
        "population": {"users": 5, "devices_per_user": 1, "behaviour": False},
        "organizations": [
            {
                "organization": "Fabrikam",
                "forest": "fabrikam.local",
                "version": "2016 CU3",
                "servers": [{"name": "FBEX01"}, {"name": "FBEX02"}],
                "population": {"users": 3, "devices_per_user": 2, "behaviour": False},
            }
        ],
        "hosts": [{"name": "CONN01"}, {"name": "CONN02", "domain": "fabrikam.local"}],
    }
    world.update(extra)
    return world


def make(world: dict[str, Any]) -> World:
    text = yaml.safe_dump({"name": "orgs", "seed": 4, "world": world})
    return build_world(parse_scenario(text, "orgs.yaml"))


def session(world: World, server: str, user: str = FABRIKAM_ADMIN):
    found = world.organizations.server(world.network.resolve(server, 0.0) or server)
    assert found is not None
    return open_session(
        found[0], world.directory, world.network, world.clock, server, user, PASSWORD
    )


def test_each_forest_has_its_organisation_with_its_servers_population_and_accounts():
    world = make(two_forests())
    contoso, fabrikam = list(world.organizations)
    assert (contoso.name, fabrikam.name) == ("Contoso", "Fabrikam")
    assert world.org is contoso and fabrikam.domain == "fabrikam.local"
    assert [s.fqdn for s in fabrikam.servers] == ["fbex01.fabrikam.local", "fbex02.fabrikam.local"]
    assert {m.domain for m in fabrikam.mailboxes} == {"fabrikam.local"}
    assert {m.domain for m in contoso.mailboxes} == {"contoso.local"}
    # 3 population users + FABRIKAM\admin; 5 + CONTOSO\admin
    assert (len(fabrikam.mailboxes), len(contoso.mailboxes)) == (4, 6)
    assert fabrikam.device_count() == 6
    assert all(m.legacy_dn.startswith("/o=Fabrikam/") for m in fabrikam.mailboxes)
    assert world.directory.find("FABRIKAM\\admin") is not None


def test_the_first_organisation_is_drawn_as_it_was_without_the_others():
    alone = make(two_forests(organizations=[]))  # FABRIKAM\admin's mailbox is then Contoso's
    both = make(two_forests())
    assert [m.guid for m in alone.org.mailboxes if m.domain == "contoso.local"] == [
        m.guid for m in both.org.mailboxes
    ]
    assert [d.device_id for d in alone.org.devices()] == [d.device_id for d in both.org.devices()]


def test_a_session_sees_the_organisation_whose_server_it_names():
    world = make(two_forests())
    fabrikam = session(world, "fbex01.fabrikam.local")
    config = fabrikam.invoke("Get-OrganizationConfig", {})[0]
    assert config["Name"] == "Fabrikam"
    assert config["DistinguishedName"].endswith("CN=Configuration,DC=fabrikam,DC=local")
    servers = fabrikam.invoke("Get-ExchangeServer", {})
    assert [s["Name"] for s in servers] == ["FBEX01", "FBEX02"]
    assert servers[0]["ExchangeLegacyDN"].startswith("/o=Fabrikam/")
    mailboxes = fabrikam.invoke("Get-CASMailbox", {})
    assert len(mailboxes) == 4
    users = fabrikam.invoke("Get-User", {"ResultSize": "Unlimited"})
    assert {u["Identity"].split("/")[0] for u in users} == {"fabrikam.local"}
    contoso = session(world, "ex01.contoso.local", CONTOSO_ADMIN)
    assert contoso.invoke("Get-OrganizationConfig", {})[0]["Name"] == "Contoso"


def test_role_groups_count_in_the_accounts_own_forests_organisation_only():
    world = make(two_forests())
    # the forest trust lets FABRIKAM\admin log on to Contoso's server, but Contoso's
    # Organization Management is Contoso's group, not Fabrikam's
    stranger = session(world, "ex01.contoso.local", FABRIKAM_ADMIN)
    with pytest.raises(ex.ExchangeError, match="is not recognized"):
        stranger.invoke("Get-OrganizationConfig", {})


def test_dns_and_autodiscover_point_at_each_organisations_servers():
    world = make(two_forests())
    net = world.network
    assert net.resolve("fbex01.fabrikam.local", 0.0) == "fbex01.fabrikam.local"
    assert net.resolve("autodiscover.fabrikam.local", 0.0) == "fbex01.fabrikam.local"
    assert net.resolve("autodiscover.contoso.local", 0.0) == "ex01.contoso.local"
    assert world.http_services["fbex01.fabrikam.local"].ews.org is world.organizations.named(
        "Fabrikam"
    )
    assert world.directory.computers[("fabrikam.local", "fbex02")].name == "FBEX02"


def test_observation_names_each_organisation():
    world = make(two_forests())
    observed = world.observe_exchange()
    assert observed["organization"] == "Contoso"
    assert sorted(observed["organizations"]) == ["Contoso", "Fabrikam"]
    fabrikam = observed["organizations"]["Fabrikam"]
    assert fabrikam["organization"] == "Fabrikam"
    assert fabrikam["devices"]["count"] == 6
    assert [s["name"] for s in fabrikam["servers"]] == ["FBEX01", "FBEX02"]
    assert len(world.expected_inventory()) == sum(
        1 for o in world.organizations for d in o.devices() if d.client_type == "EAS"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"forest": "northwind.local"}, "'northwind.local' is not a forest of world.directory"),
        ({"forest": "contoso.local"}, "already holds an Exchange organisation"),
        ({"organization": "contoso"}, "another organisation of the world is named 'contoso'"),
    ],
)
def test_the_schema_refuses_a_forest_without_domain_a_shared_forest_and_a_shared_name(
    change, message
):
    world = two_forests()
    world["organizations"][0].update(change)
    with pytest.raises(ScenarioError) as err:
        make(world)
    assert message in str(err.value)
    assert "orgs.yaml:" in str(err.value)


def test_a_population_domain_outside_the_forest_is_refused():
    world = two_forests()
    world["organizations"][0]["population"]["domains"] = ["contoso.local"]
    with pytest.raises(ValueError, match="not a domain of the forest fabrikam.local"):
        make(world)
