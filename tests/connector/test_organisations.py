"""The connector in a world of two Exchange organisations (two forests): it reports the
organisation of the server it names — read from that server's ExchangeLegacyDN — so that
Intune's rules hold across organisations: in 2018 one connection per organisation (both
coexist), in 2016 one per subscription (the second organisation's replaces the first)."""

from __future__ import annotations

import pytest

from connector.errors import ReplaceRequired
from connector.exchange import Credential
from simulator.plugin import ConnectorDriver
from tests.connector.conftest import SVC_PASSWORD, SVC_USER, installed, world
from tests.connector.test_configure import request, wizard

FABRIKAM_USER, FABRIKAM_PASSWORD = "FABRIKAM\\svc-intune", "F@brik-svc!"


def two_organisations():
    return world(
        directory={
            "domain": "contoso.local",
            "extra_domains": [{"name": "fabrikam.local", "netbios": "FABRIKAM"}],
            "accounts": [
                {
                    "name": SVC_USER,
                    "password": SVC_PASSWORD,
                    "role_groups": ["Organization Management"],
                },
                {
                    "name": FABRIKAM_USER,
                    "password": FABRIKAM_PASSWORD,
                    "role_groups": ["Organization Management"],
                },
            ],
        },
        exchange={"organization": "Contoso", "servers": [{"name": "EX01"}]},
        organizations=[
            {
                "organization": "Fabrikam",
                "forest": "fabrikam.local",
                "servers": [{"name": "EX01"}],
                "population": {"users": 3, "devices_per_user": 1, "behaviour": False},
            }
        ],
        hosts=[{"name": "CONN01"}, {"name": "CONN02", "domain": "fabrikam.local"}],
        tenant={"admin_sign_in": "not_required"},
    )


def both_configured(profile: str):
    twin, contoso = installed(two_organisations(), profile=profile)
    contoso.configure()
    fabrikam = ConnectorDriver(twin, "CONN02")
    fabrikam.download()
    fabrikam.install()
    fabrikam.configure(server="ex01.fabrikam.local", user=FABRIKAM_USER, password=FABRIKAM_PASSWORD)
    return twin, contoso, fabrikam


def test_profile_2018_each_organisation_keeps_its_connection():
    twin, contoso, fabrikam = both_configured("2018")
    conns = twin.observe("intune.connections")
    assert [(c["host"], c["organization"], c["server"]) for c in conns] == [
        ("CONN01", "Contoso", "ex01.contoso.local"),
        ("CONN02", "Fabrikam", "ex01.fabrikam.local"),
    ]
    fabrikam.advance("20m")
    assert [c["Status"] for c in twin.observe("console.exchange_connections")] == [
        "connected",
        "connected",
    ]
    assert contoso.service.retired is None and fabrikam.service.retired is None
    expected = twin.observe("expected.inventory.device_ids")
    fabrikam_ids = {
        d.device_id.lower() for d in twin.world.organizations.named("Fabrikam").devices()
    }
    assert fabrikam_ids and fabrikam_ids <= set(expected)
    assert twin.observe("intune.inventory.device_ids") == expected


def test_profile_2018_the_same_organisation_still_needs_replace():
    twin, _, _ = both_configured("2018")
    _, w = wizard(twin, "CONN02")
    again = request(
        server="ex01.fabrikam.local", service_account=Credential(FABRIKAM_USER, FABRIKAM_PASSWORD)
    )
    with pytest.raises(ReplaceRequired, match="organization Fabrikam"):
        twin.call(lambda: w.connect(again))
    assert twin.observe("intune.active_connectors") == 2


def test_profile_2016_the_second_organisations_connector_replaces_the_first():
    twin, contoso, _ = both_configured("2016")
    conns = twin.observe("intune.connections")
    assert [(c["organization"], c["status"]) for c in conns][0] == ("Contoso", "replaced")
    assert [r["Organization"] for r in twin.observe("console.exchange_connections")] == ["Fabrikam"]
    contoso.advance("10m")
    assert contoso.service.retired == "replaced"
