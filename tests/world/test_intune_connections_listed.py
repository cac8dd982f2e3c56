"""The console lists every Exchange connection in force, with its organisation: one per
organisation in profile 2018, one per subscription in 2016 (SPEC R3.1, R3.2, R6.1)."""

from __future__ import annotations

from tests.world.conftest import Client, certificate, small_world
from tests.world.test_intune_registration import world_2018


def test_profile_2018_lists_a_connection_per_organisation():
    world = world_2018()
    Client(world).register(certificate(world), exchangeOrganization="Contoso")
    Client(world).register(
        certificate(world),
        hostName="CONN02",
        exchangeServer="ex01.fabrikam.local",
        exchangeOrganization="Fabrikam",
    )
    rows = world.console.exchange_connections()
    assert [(r["Organization"], r["Server"], r["Host"]) for r in rows] == [
        ("Contoso", "ex01.contoso.local", "CONN01"),
        ("Fabrikam", "ex01.fabrikam.local", "CONN02"),
    ]
    assert {r["Status"] for r in rows} == {"connectionPending"}
    assert [c["organization"] for c in world.intune.observe()["exchange_connections"]] == [
        "Contoso",
        "Fabrikam",
    ]


def test_profile_2016_lists_the_one_connection_of_the_subscription():
    world = small_world()
    Client(world).register(certificate(world), exchangeOrganization="Contoso")
    Client(world).register(certificate(world), hostName="CONN02", exchangeOrganization="Fabrikam")
    rows = world.console.exchange_connections()
    assert [(r["Organization"], r["Host"]) for r in rows] == [("Fabrikam", "CONN02")]
    assert rows[0]["LastSuccessfulSync"] is None
    assert [c["status"] for c in world.intune.observe()["connections"]] == [
        "replaced",
        "connectionPending",
    ]
