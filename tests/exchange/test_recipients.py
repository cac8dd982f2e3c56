"""Get-Recipient, Get-CASMailbox and Set-CASMailbox: identities, -ResultSize, -Filter,
multi-valued updates, policies, -WhatIf, the audit log and the forest scope."""

from __future__ import annotations

import pytest

from simulator.exchange import errors as ex
from simulator.exchange.cmdlets.common import DEFAULT_CAP_WARNING, EXPLICIT_CAP_WARNING
from tests.exchange.conftest import connect, make_world


def first_user(world):
    return next(m for m in world.org.mailboxes if m.recipient_type_details == "UserMailbox")


@pytest.mark.parametrize(
    "form",
    [
        "name",
        "alias",
        "upn",
        "primary_smtp",
        "identity",
        "distinguished_name",
        "legacy_dn",
        "guid_text",
        "sam",
        "domain_sam",
    ],
)
def test_mailbox_identity_forms(world, session, form):
    mailbox = first_user(world)
    identity = f"CONTOSO\\{mailbox.sam}" if form == "domain_sam" else getattr(mailbox, form)
    view = session.invoke("Get-CASMailbox", {"Identity": identity.upper()})[0]
    assert view["Identity"] == mailbox.identity
    assert session.invoke("Get-Recipient", [("Identity", identity)])[0]["Guid"] == mailbox.guid_text


def test_unknown_and_ambiguous_identities(world, session):
    with pytest.raises(ex.ObjectNotFound) as err:
        session.invoke("Get-CASMailbox", {"Identity": "nobody"})
    assert err.value.message == (
        "The operation couldn't be performed because object 'nobody' couldn't be found on 'dc01.contoso.local'."
    )
    a, b = world.org.mailboxes[0], world.org.mailboxes[1]
    b.name = a.name
    world.org._mailbox_keys[a.name.lower()] = [a, b]  # the index as add_mailbox keeps a shared name
    with pytest.raises(ex.AmbiguousIdentity) as err:
        session.invoke("Set-CASMailbox", {"Identity": a.name, "PopEnabled": False})
    assert (
        err.value.message
        == f"The operation couldn't be performed because '{a.name}' matches multiple entries."
    )


def test_result_size_default_cap_explicit_cap_and_unlimited():
    world = make_world(population={"users": 1005, "devices_per_user": 0, "resource_mailboxes": 0})
    session = connect(world)
    assert len(session.invoke("Get-CASMailbox")) == 1000
    assert session.warnings == [DEFAULT_CAP_WARNING]
    assert len(session.invoke("Get-Recipient", {"ResultSize": 10})) == 10
    assert session.warnings == [EXPLICIT_CAP_WARNING]
    assert len(session.invoke("Get-CASMailbox", {"ResultSize": "unlimited"})) == 1005
    assert session.warnings == []
    assert len(session.invoke("Get-CASMailbox", {"ResultSize": 1005})) == 1005
    assert session.warnings == []
    with pytest.raises(
        ex.InvalidArgument, match="Result size must be greater than 0 or 'Unlimited'"
    ):
        session.invoke("Get-CASMailbox", {"ResultSize": 0})
    with pytest.raises(ex.ArgumentTransformationError, match="Unlimited`1"):
        session.invoke("Get-CASMailbox", {"ResultSize": "lots"})


def test_filter_has_partnership_and_errors(world, session):
    with_devices = {m.identity for m in world.org.mailboxes if m.devices}
    found = session.invoke(
        "Get-CASMailbox",
        {"Filter": "HasActiveSyncDevicePartnership -eq $true", "ResultSize": "Unlimited"},
    )
    assert {v["Identity"] for v in found} == with_devices
    with pytest.raises(ex.FilterError, match="'Colour' is not a recognized filterable property"):
        session.invoke("Get-CASMailbox", {"Filter": "Colour -eq 'red'"})
    with pytest.raises(ex.FilterError, match="'-match' is not a valid operator"):
        session.invoke("Get-CASMailbox", {"Filter": "Name -match 'a'"})
    with pytest.raises(ex.FilterError, match="Invalid filter syntax"):
        session.invoke("Get-CASMailbox", {"Filter": "Name -eq"})


def test_anr_sort_and_organizational_unit(world, session):
    target = first_user(world)
    found = session.invoke("Get-CASMailbox", {"Anr": target.alias[:6]})
    assert target.identity in [v["Identity"] for v in found]
    names = [v["Name"] for v in session.invoke("Get-CASMailbox", {"SortBy": "Name"})]
    assert names == sorted(names, key=str.lower)
    assert session.invoke("Get-CASMailbox", {"OrganizationalUnit": "contoso.local/Users"})
    assert session.invoke("Get-CASMailbox", {"OrganizationalUnit": "contoso.local/Nowhere"}) == []


def test_get_recipient_types_and_details():
    world = make_world(population={"users": 50, "resource_mailboxes": 0.1})
    session = connect(world)
    shared = session.invoke("Get-Recipient", {"RecipientTypeDetails": "SharedMailbox"})
    assert shared and all(r["RecipientTypeDetails"] == "SharedMailbox" for r in shared)
    assert all(r["RecipientType"] == "UserMailbox" for r in shared)
    with pytest.raises(ex.InvalidArgument, match="None of the specified RecipientTypeDetails"):
        session.invoke(
            "Get-Recipient", {"RecipientType": "MailContact", "RecipientTypeDetails": "RoomMailbox"}
        )
    with pytest.raises(
        ex.ArgumentTransformationError, match="Unable to match the identifier name Robot"
    ):
        session.invoke("Get-Recipient", {"RecipientTypeDetails": "Robot"})
    assert len(
        session.invoke("Get-Recipient", {"Database": "DB01", "ResultSize": "Unlimited"})
    ) == len(world.org.mailboxes)


def test_ignore_default_scope_needs_a_distinguished_name(world, session):
    mailbox = first_user(world)
    with pytest.raises(ex.InvalidArgument, match="must be a distinguished name"):
        session.invoke("Get-CASMailbox", {"Identity": mailbox.alias, "IgnoreDefaultScope": True})
    view = session.invoke(
        "Get-CASMailbox", {"Identity": mailbox.distinguished_name, "IgnoreDefaultScope": True}
    )
    assert view[0]["Name"] == mailbox.name
    with pytest.raises(ex.InvalidArgument, match="DomainController"):
        session.invoke(
            "Get-CASMailbox", {"IgnoreDefaultScope": True, "DomainController": "dc01.contoso.local"}
        )


def test_debug_logging_shows_only_with_its_switch(world, session):
    mailbox = first_user(world)
    session.invoke("Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncDebugLogging": True})
    assert (
        session.invoke("Get-CASMailbox", positional=[mailbox.alias])[0]["ActiveSyncDebugLogging"]
        is False
    )
    assert (
        session.invoke(
            "Get-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncDebugLogging": True}
        )[0]["ActiveSyncDebugLogging"]
        is True
    )


def test_multivalued_lists_replace_add_remove_and_clear(world, session):
    mailbox = first_user(world)
    ident = mailbox.alias
    session.invoke("Set-CASMailbox", {"Identity": ident, "ActiveSyncAllowedDeviceIDs": ["A", "B"]})
    assert mailbox.allowed_device_ids == ["A", "B"]
    session.invoke(
        "Set-CASMailbox",
        {"Identity": ident, "ActiveSyncAllowedDeviceIDs": {"Add": "C", "Remove": ["a", "zz"]}},
    )
    assert mailbox.allowed_device_ids == ["B", "C"]
    with pytest.raises(ex.ValueAlreadyPresent) as err:
        session.invoke(
            "Set-CASMailbox", {"Identity": ident, "ActiveSyncAllowedDeviceIDs": {"Add": "b"}}
        )
    assert err.value.message == 'The value "b" is already present in the collection.'
    with pytest.raises(ex.ArgumentTransformationError, match="hash table key 'replace'"):
        session.invoke(
            "Set-CASMailbox", {"Identity": ident, "ActiveSyncAllowedDeviceIDs": {"Replace": "x"}}
        )
    session.invoke("Set-CASMailbox", {"Identity": ident, "ActiveSyncAllowedDeviceIDs": None})
    assert mailbox.allowed_device_ids == []


def test_policy_assignment_null_returns_to_the_default(world, session):
    mailbox = first_user(world)
    session.invoke("New-ActiveSyncMailboxPolicy", {"Name": "Strict"})
    session.invoke(
        "Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncMailboxPolicy": "Strict"}
    )
    view = session.invoke("Get-CASMailbox", positional=[mailbox.alias])[0]
    assert (view["ActiveSyncMailboxPolicy"], view["ActiveSyncMailboxPolicyIsDefaulted"]) == (
        "Strict",
        False,
    )
    session.invoke(
        "Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncMailboxPolicy": "Default"}
    )
    view = session.invoke("Get-CASMailbox", positional=[mailbox.alias])[0]
    assert (view["ActiveSyncMailboxPolicy"], view["ActiveSyncMailboxPolicyIsDefaulted"]) == (
        "Default",
        False,
    )
    session.invoke("Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncMailboxPolicy": None})
    view = session.invoke("Get-CASMailbox", positional=[mailbox.alias])[0]
    assert (view["ActiveSyncMailboxPolicy"], view["ActiveSyncMailboxPolicyIsDefaulted"]) == (
        "Default",
        True,
    )
    with pytest.raises(ex.ObjectNotFound, match="'Nope'"):
        session.invoke(
            "Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncMailboxPolicy": "Nope"}
        )


def test_whatif_changes_nothing_and_is_not_audited(world, session):
    mailbox = first_user(world)
    session.invoke(
        "Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncEnabled": False, "WhatIf": True}
    )
    assert mailbox.activesync_enabled is True
    assert session.messages == [("whatif", f'What if: Setting CAS mailbox "{mailbox.identity}".')]
    assert world.org.audit_log == []


def test_writes_are_audited_with_outcome(world, session):
    mailbox = first_user(world)
    session.invoke("Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncEnabled": False})
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Set-CASMailbox", {"Identity": "ghost", "PopEnabled": False})
    first, second = world.org.audit_log
    assert (first.cmdlet, first.object_modified, first.succeeded) == (
        "Set-CASMailbox",
        mailbox.identity,
        True,
    )
    assert first.parameters == {"ActiveSyncEnabled": False}
    assert first.caller == "contoso.local/Users/admin"
    assert (second.object_modified, second.succeeded) == ("ghost", False)
    observed = world.observe_exchange()["audit_log"]
    assert observed["count"] == 2 and observed["cmdlets"] == ["Set-CASMailbox", "Set-CASMailbox"]
    assert observed["entries"][1]["error"].startswith("The operation couldn't be performed")


def test_no_change_warns(world, session):
    mailbox = first_user(world)
    session.invoke("Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncEnabled": True})
    assert session.warnings == [
        f"The command completed successfully but no settings of '{mailbox.identity}' have been modified."
    ]


def test_has_activesync_device_partnership_parameter_exists_on_2010_only():
    world = make_world(exchange={"version": "2010 SP3"})
    session = connect(world)
    mailbox = first_user(world)
    session.invoke(
        "Set-CASMailbox", {"Identity": mailbox.alias, "HasActiveSyncDevicePartnership": False}
    )
    session13 = connect(make_world())
    with pytest.raises(ex.ParameterNotFound):
        session13.invoke(
            "Set-CASMailbox", {"Identity": "x", "HasActiveSyncDevicePartnership": False}
        )


def test_view_entire_forest_widens_recipient_and_device_cmdlets():
    world = make_world(
        directory={
            "extra_domains": [
                {"name": "emea.contoso.local", "netbios": "EMEA", "forest": "contoso.local"}
            ]
        },
        population={
            "users": 10,
            "devices_per_user": 1,
            "domains": ["contoso.local", "emea.contoso.local"],
        },
    )
    session = connect(world)
    child = next(m for m in world.org.mailboxes if m.domain == "emea.contoso.local")
    default = session.invoke("Get-CASMailbox", {"ResultSize": "Unlimited"})
    assert all(v["Identity"].startswith("contoso.local/") for v in default)
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-CASMailbox", positional=[child.alias])
    child_devices = len(child.devices)
    before = len(session.invoke("Get-ActiveSyncDevice", {"ResultSize": "Unlimited"}))
    session.invoke("Set-ADServerSettings", {"ViewEntireForest": True})
    everyone = session.invoke("Get-CASMailbox", {"ResultSize": "Unlimited"})
    assert len(everyone) == len(world.org.mailboxes)
    assert (
        session.invoke("Get-CASMailbox", positional=[child.alias])[0]["Identity"] == child.identity
    )
    assert (
        len(session.invoke("Get-ActiveSyncDevice", {"ResultSize": "Unlimited"}))
        >= before + child_devices
    )
    assert (
        connect(world).invoke("Get-ADServerSettings")[0]["ViewEntireForest"] is False
    )  # per session


def test_set_ad_server_settings_argument_errors(session):
    with pytest.raises(ex.InvalidArgument, match="can't specify both"):
        session.invoke(
            "Set-ADServerSettings", {"ViewEntireForest": True, "RecipientViewRoot": "contoso.local"}
        )
    with pytest.raises(ex.InvalidArgument, match="must specify RecipientViewRoot"):
        session.invoke("Set-ADServerSettings", {"ViewEntireForest": False})
    with pytest.raises(ex.ObjectNotFound, match="organizational unit 'nowhere.local'"):
        session.invoke("Set-ADServerSettings", {"RecipientViewRoot": "nowhere.local"})
    session.invoke("Set-ADServerSettings", {"RecipientViewRoot": "contoso.local/Users"})
    settings = session.invoke("Get-ADServerSettings")[0]
    assert (settings["ViewEntireForest"], settings["RecipientViewRoot"]) == (
        False,
        "contoso.local/users",
    )
    assert session.invoke("Get-CASMailbox", {"ResultSize": 1})


def test_mandatory_and_unknown_parameters(session):
    with pytest.raises(
        ex.MissingMandatoryParameter, match="missing mandatory parameters: Identity"
    ):
        session.invoke("Set-CASMailbox", {"PopEnabled": False})
    with pytest.raises(
        ex.AmbiguousParameter,
        match="is ambiguous. Possible matches include: -ActiveSyncAllowedDeviceIDs -ActiveSyncBlockedDeviceIDs",
    ):
        session.invoke("Set-CASMailbox", {"Identity": "x", "ActiveSync": 1})
    with pytest.raises(ex.AmbiguousParameterSet):
        session.invoke("Get-CASMailbox", {"Identity": "x", "Anr": "y"})
    with pytest.raises(ex.PositionalParameterNotFound, match="accepts argument 'b'"):
        session.invoke("Get-CASMailbox", positional=["a", "b"])
