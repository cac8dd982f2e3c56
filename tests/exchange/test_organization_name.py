"""The organisation's name (world.exchange.organization) is the one Exchange shows everywhere:
Get-OrganizationConfig, the servers' and recipients' legacyExchangeDN and DNs, and the
configuration container — "First Organization", setup's default, when the scenario names none."""

from __future__ import annotations

import pytest

from tests.exchange.conftest import connect, make_world

ADMIN_GROUP = "ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"


@pytest.mark.parametrize(
    ("named", "expected"), [(None, "First Organization"), ("Contoso Corp", "Contoso Corp")]
)
def test_get_organization_config_names_the_organisation(named, expected):
    world = make_world(exchange={"organization": named} if named else {})
    config = connect(world).invoke("Get-OrganizationConfig")[0]
    assert config["Name"] == config["Identity"] == expected
    assert config["LegacyExchangeDN"] == f"/o={expected}"
    assert config["DistinguishedName"] == (
        f"CN={expected},CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=local"
    )


def test_the_name_is_in_every_legacy_dn_and_dn():
    world = make_world(exchange={"organization": "Contoso Corp"})
    session = connect(world)
    server = session.invoke("Get-ExchangeServer")[0]
    assert server["ExchangeLegacyDN"] == (
        f"/o=Contoso Corp/{ADMIN_GROUP}/cn=Configuration/cn=Servers/cn=EX01"
    )
    assert ",CN=Contoso Corp,CN=Microsoft Exchange," in server["DistinguishedName"]
    mailbox = session.invoke("Get-CASMailbox", {"ResultSize": 1})[0]
    assert mailbox["LegacyExchangeDN"].startswith(f"/o=Contoso Corp/{ADMIN_GROUP}/cn=Recipients/")
    assert mailbox["ServerLegacyDN"].startswith(f"/o=Contoso Corp/{ADMIN_GROUP}/cn=Configuration/")
    settings = session.invoke("Get-ActiveSyncOrganizationSettings")[0]
    assert settings["DistinguishedName"].startswith(
        "CN=Mobile Mailbox Settings,CN=Contoso Corp,CN=Microsoft Exchange,"
    )
    assert world.observe_exchange()["organization"] == "Contoso Corp"


def test_a_recipient_is_found_by_its_legacy_dn_in_a_named_organisation():
    world = make_world(exchange={"organization": "Contoso Corp"})
    mailbox = next(m for m in world.org.mailboxes if m.recipient_type_details == "UserMailbox")
    found = connect(world).invoke("Get-Recipient", {"Identity": mailbox.legacy_dn})
    assert [r["Guid"] for r in found] == [mailbox.guid_text]
    assert mailbox.legacy_dn.startswith("/o=Contoso Corp/")
