"""Registration with Intune: the account certificate, tenant prerequisites, administrator
sign-in per profile, and the one-connection rule of each release profile (SPEC R1.5, R1.6,
R2.2, R3; customer issues C03-C05, C22, C27, C32)."""

from __future__ import annotations

import base64
import json

import pytest

from simulator.intune.errors import Forbidden
from tests.world.conftest import ADMIN, Client, advance, certificate, small_world

SIGNER = {"userPrincipalName": "isa@contoso.onmicrosoft.com", "password": "Adm1n-pass!"}


def world_2018():
    """Profile 2018 without the sign-in, for the rules that do not concern it."""
    return small_world(tenant=tenant(admin_sign_in="not_required"), profile="2018")


def tenant(**extra):
    base = {"name": "contoso", "admins": [ADMIN]}
    base.update(extra)
    return base


def test_registration_with_the_package_certificate_is_pending_until_a_sync(world):
    client = Client(world)
    reply = client.register(certificate(world))
    assert reply.status == 201
    assert reply.body["status"] == "connectionPending"
    assert reply.body["heartbeatIntervalSeconds"] == 900
    assert reply.body["commandPollIntervalSeconds"] == 300
    assert world.intune.observe()["exchange_connection"]["status"] == "connectionPending"


def test_only_tenant_administrators_may_download_the_package():
    world = small_world(
        tenant=tenant(
            admins=[
                ADMIN,
                {"upn": "helpdesk@contoso.onmicrosoft.com", "roles": ["Helpdesk Administrator"]},
            ]
        )
    )
    with pytest.raises(Forbidden, match="not an administrator of the contoso tenant"):
        world.console.download_connector("mallory@contoso.onmicrosoft.com", world.clock.now())
    with pytest.raises(Forbidden, match="Intune Service Administrator"):
        world.console.download_connector("helpdesk@contoso.onmicrosoft.com", world.clock.now())


def test_a_certificate_of_another_tenant_or_altered_is_refused(world):
    other = small_world(tenant=tenant(name="fabrikam"))
    assert Client(world).register(certificate(other)).error == "invalidCertificate"
    doc = json.loads(base64.b64decode(certificate(world)))
    doc["tenantName"] = "fabrikam"
    forged = base64.b64encode(json.dumps(doc).encode()).decode()
    assert Client(world).register(forged).error == "invalidCertificate"
    assert Client(world).register("not a certificate").error == "invalidCertificate"


def test_the_account_certificate_expires():
    world = small_world(tenant=tenant(certificate_lifetime="2d"))
    cert = certificate(world)
    advance(world, days=2)
    reply = Client(world).register(cert)
    assert (reply.status, reply.error) == (401, "certificateExpired")


def test_certificate_expired_fault_refuses_registration_while_active():
    world = small_world()
    world.faults.schedule("certificate_expired", 3600, 7200)
    cert = certificate(world)
    advance(world, minutes=61)
    assert Client(world).register(cert).error == "certificateExpired"
    advance(world, hours=1)
    assert Client(world).register(cert).status == 201


@pytest.mark.parametrize(
    ("authority", "message"),
    [("none", "not set"), ("configmgr", "Configuration Manager"), ("office365", "Office 365")],
)
def test_mdm_authority_must_be_intune(authority, message):
    world = small_world(tenant=tenant(mdm_authority=authority))
    reply = Client(world).register(certificate(world))
    assert (reply.status, reply.error) == (403, "mdmAuthorityNotIntune")
    assert message in reply.body["message"]


def test_setting_the_mdm_authority_in_the_console_allows_registration():
    world = small_world(tenant=tenant(mdm_authority="none"))
    world.console.set_mdm_authority(ADMIN, "intune")
    assert Client(world).register(certificate(world)).status == 201


def test_mdm_authority_once_set_changes_only_as_the_profile_allows():
    from simulator.intune.errors import Conflict

    world = small_world(tenant=tenant(mdm_authority="configmgr"))
    with pytest.raises(Conflict, match="already Configuration Manager"):
        world.console.set_mdm_authority(ADMIN, "intune")
    later = small_world(tenant=tenant(mdm_authority="configmgr"), profile="2018")
    later.console.set_mdm_authority(ADMIN, "intune")
    assert later.intune.mdm_authority == "intune"
    with pytest.raises(Conflict):
        later.console.set_mdm_authority(ADMIN, "office365")


def test_directory_synchronisation_must_be_configured():
    world = small_world(tenant=tenant(directory_sync=False))
    assert Client(world).register(certificate(world)).error == "directorySyncNotConfigured"


def test_on_premises_and_exchange_online_connectors_cannot_coexist():
    world = small_world(tenant=tenant(exchange_online_connector=True))
    reply = Client(world).register(certificate(world))
    assert (reply.status, reply.error) == (403, "exchangeOnlineConnectorExists")
    world.console.remove_exchange_online_connector(ADMIN)
    assert Client(world).register(certificate(world)).status == 201
    from simulator.intune.errors import IntuneError

    with pytest.raises(IntuneError, match="on-premises Exchange connector is configured") as exc:
        world.console.configure_exchange_online_connector(ADMIN)
    assert exc.value.status == 409


# -- administrator sign-in -------------------------------------------------------------------
def admins_2018(**signer):
    return tenant(
        admins=[
            ADMIN,
            {
                "upn": SIGNER["userPrincipalName"],
                "password": SIGNER["password"],
                "roles": ["Intune Service Administrator"],
                **signer,
            },
        ]
    )


def test_profile_2016_registers_with_the_certificate_alone(world):
    assert Client(world).register(certificate(world)).status == 201


def test_profile_2018_requires_an_administrator_to_sign_in():
    world = small_world(tenant=admins_2018(), profile="2018")
    cert = certificate(world)
    assert Client(world).register(cert).error == "signInRequired"
    reply = Client(world).register(cert, administrator=SIGNER)
    assert reply.status == 201
    assert (
        world.intune.connectors[reply.body["connectorId"]].signed_in_as
        == SIGNER["userPrincipalName"]
    )


@pytest.mark.parametrize(
    ("signer", "password", "status", "error", "text"),
    [
        ({"roles": ["Helpdesk Administrator"]}, None, 400, "badRequest", "(400) Bad Request"),
        ({"licences": []}, None, 400, "badRequest", "no Intune licence"),
        ({"mfa": True}, None, 401, "signInFailed", "unexpected error"),
        ({}, "wrong", 401, "signInFailed", "password is incorrect"),
    ],
)
def test_the_signing_in_account_needs_a_role_and_a_licence(signer, password, status, error, text):
    world = small_world(tenant=admins_2018(**signer), profile="2018")
    credentials = {**SIGNER, "password": password or SIGNER["password"]}
    reply = Client(world).register(certificate(world), administrator=credentials)
    assert (reply.status, reply.error) == (status, error)
    assert text in reply.body["message"]


def test_sign_in_requirement_can_be_overridden_per_tenant():
    world = small_world(tenant={**admins_2018(), "admin_sign_in": "not_required"}, profile="2018")
    assert Client(world).register(certificate(world)).status == 201
    strict = small_world(tenant={**admins_2018(), "admin_sign_in": "required"})
    assert Client(strict).register(certificate(strict)).error == "signInRequired"


# -- one connection per scope -------------------------------------------------------------------
def test_profile_2016_any_new_registration_replaces_the_active_one(world):
    cert = certificate(world)
    first, second = Client(world), Client(world)
    first.register(cert)
    reply = second.register(cert, hostName="CONN02", exchangeOrganization="Other Org")
    assert reply.status == 201
    assert reply.body["replaced"] == [first.connector_id]
    refused = first.call("POST", first.me("/heartbeat"), {"health": "healthy"})
    assert (refused.status, refused.error) == (410, "connectorReplaced")
    assert second.connector_id in refused.body["message"]
    observed = world.intune.observe()
    assert (observed["connectors"], observed["active_connectors"]) == (2, 1)
    assert observed["exchange_connection"]["host"] == "CONN02"


def test_profile_2018_asks_to_replace_a_connector_of_the_same_organisation():
    world = world_2018()
    cert = certificate(world)
    first = Client(world)
    first.register(cert)
    reply = Client(world).register(cert, hostName="CONN02")
    assert (reply.status, reply.error) == (409, "replaceRequired")
    assert reply.body["existing"] == {
        "connectorId": first.connector_id,
        "hostName": "CONN01",
        "exchangeOrganization": "First Organization",
    }
    assert first.call("GET", first.me()).status == 200
    replaced = Client(world).register(cert, hostName="CONN02", replace=True)
    assert replaced.body["replaced"] == [first.connector_id]
    assert first.call("GET", first.me()).error == "connectorReplaced"


def test_profile_2018_keeps_one_connector_per_exchange_organisation():
    world = world_2018()
    cert = certificate(world)
    a, b = Client(world), Client(world)
    a.register(cert, exchangeOrganization="Contoso")
    assert b.register(cert, exchangeOrganization="Fabrikam").body["replaced"] == []
    assert world.intune.observe()["active_connectors"] == 2
    assert a.call("GET", a.me()).status == 200 and b.call("GET", b.me()).status == 200


def test_a_wrong_token_is_unauthorized_before_anything_else(world):
    client = Client(world)
    client.register(certificate(world))
    client.token = "0" * 48
    assert client.call("GET", client.me()).error == "unauthorized"
    client.connector_id = "nope"
    assert client.call("GET", client.me()).status == 401


def test_deleting_the_connection_in_the_console_retires_its_connector(world):
    client = Client(world)
    client.register(certificate(world))
    world.console.delete_connection(ADMIN, world.clock.now())
    reply = client.call("POST", client.me("/heartbeat"), {})
    assert (reply.status, reply.error) == (410, "connectionDeleted")
    assert "uninstall this connector" in reply.body["message"]
    assert world.console.exchange_connection() is None
    assert Client(world).register(certificate(world)).body["replaced"] == []


def test_the_package_holds_setup_its_files_a_manifest_and_a_tenant_bound_certificate(world):
    import hashlib

    from simulator.intune.package import read_package

    now = world.clock.now()
    name, data = world.console.download_connector(ADMIN, now)
    files = read_package(data)
    assert name == "Exchange_Connector_Setup.zip"
    assert "Exchange_Connector_Setup.exe" in files and "WindowsIntune.accountcert" in files
    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
        assert entry["size"] == len(files[path])
    cert = json.loads(base64.b64decode(files["WindowsIntune.accountcert"]))
    assert (cert["tenantId"], cert["tenantName"]) == (world.intune.tenant_id, "contoso")
    assert cert["notAfter"] == (now + world.intune.certificate_lifetime).isoformat()
    assert world.console.download_connector(ADMIN, now)[1] != data  # a fresh certificate each time


def test_an_expired_connector_credential_is_refused_until_configured_again(world):
    client = Client(world)
    cert = certificate(world)
    client.register(cert)
    world.faults.schedule("certificate_expired", 600, certificate="connector")
    assert client.call("GET", client.me()).status == 200
    advance(world, minutes=10)
    refused = client.call("GET", client.me())
    assert (refused.status, refused.error) == (401, "connectorCertificateExpired")
    again = Client(world)
    assert again.register(cert).status == 201  # the account certificate is still valid
    assert again.call("GET", again.me()).status == 200


def test_an_exchange_server_down_at_connect_fails_with_0x00000001():
    from simulator import run_scenario
    from tests.conftest import BASE, make_scenario

    scenario = make_scenario(
        world={**BASE["world"], "population": {"users": 2}},
        faults=[{"kind": "exchange_down", "at": "0s", "until": "1h", "server": "EX01"}],
        steps=[
            *BASE["steps"][:2],
            {**BASE["steps"][2], "expect_error": "0x00000001"},
            {"advance": "1h"},
            BASE["steps"][2],
            {"advance": "10m"},
        ],
        expect=[
            {"path": "intune.connectors", "equals": 1},
            {"path": "intune.exchange_connection.status", "equals": "connected"},
        ],
    )
    result = run_scenario(scenario)
    assert result.passed, result.failures
