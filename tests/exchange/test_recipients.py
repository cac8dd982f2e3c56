"""Get-Recipient, Get-CASMailbox and Set-CASMailbox: identities, -ResultSize, -Filter,
multi-valued updates, policies, -WhatIf, the audit log and the forest scope."""

from __future__ import annotations

import pytest

from simulator.exchange import errors as ex
from simulator.exchange.cmdlets.common import DEFAULT_CAP_WARNING, EXPLICIT_CAP_WARNING
from tests.exchange.conftest import account, connect, make_world, with_accounts


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


# -- addresses and UPN: Get-Mailbox, Set-Mailbox, Get-User, Set-User ----------------------------
ANN = "CONTOSO\\ann"


def address_world(**extra):
    """A world whose ann has a mailbox built from her AD mail (ann.lee@contoso.com), not her UPN."""
    accounts = with_accounts(
        account(ANN, mailbox=True, mail="ann.lee@contoso.com"),
        account("CONTOSO\\bob", mailbox=True),
        *extra.pop("accounts", ()),
    )
    return make_world(directory=accounts, **extra)


def ann_of(world):
    return next(m for m in world.org.mailboxes if m.sam == "ann")


def test_an_accounts_mail_becomes_its_mailboxs_primary_smtp_address():
    world = address_world()
    session = connect(world)
    view = session.invoke("Get-Mailbox", positional=["ann"])[0]
    assert view.type_name == "Mailbox"
    assert (view["UserPrincipalName"], view["PrimarySmtpAddress"]) == (
        "ann@contoso.local",
        "ann.lee@contoso.com",
    )
    assert view["EmailAddresses"] == ["SMTP:ann.lee@contoso.com"]
    assert view["WindowsEmailAddress"] == "ann.lee@contoso.com"
    assert view["EmailAddressPolicyEnabled"] is True
    bob = session.invoke("Get-Mailbox", {"Identity": "bob"})[0]
    assert bob["PrimarySmtpAddress"] == bob["UserPrincipalName"] == "bob@contoso.local"
    assert world.directory.find("CONTOSO\\bob").mail == "bob@contoso.local"  # Exchange writes mail


def test_get_mailbox_parameter_sets_and_filters():
    world = address_world()
    session = connect(world)
    differing = session.invoke(
        "Get-Mailbox", {"Filter": "UserPrincipalName -eq 'ann@contoso.local'"}
    )
    assert [v["Alias"] for v in differing] == ["ann"]
    assert [v["Alias"] for v in session.invoke("Get-Mailbox", {"Anr": "ann"})] == ["ann"]
    on_db = session.invoke("Get-Mailbox", {"Database": "DB01", "ResultSize": "Unlimited"})
    assert len(on_db) == len(world.org.mailboxes)
    assert len(session.invoke("Get-Mailbox", {"Server": "EX01", "ResultSize": "Unlimited"})) == len(
        world.org.mailboxes
    )
    with pytest.raises(ex.AmbiguousParameterSet):
        session.invoke("Get-Mailbox", {"Identity": "ann", "Anr": "a"})
    with pytest.raises(ex.ObjectNotFound, match="'nobody'"):
        session.invoke("Get-Mailbox", {"Identity": "nobody"})


def test_set_primary_smtp_address_is_refused_while_the_email_address_policy_governs_it():
    world = address_world()
    session = connect(world)
    session.invoke("Set-Mailbox", {"Identity": "ann", "PrimarySmtpAddress": "ann@contoso.local"})
    assert session.warnings[0].startswith(
        "Couldn't update the primary SMTP address because this mailbox is configured to use an "
        "email address policy."
    )
    assert ann_of(world).primary_smtp == "ann.lee@contoso.com"
    session.invoke(
        "Set-Mailbox",
        {
            "Identity": "ann",
            "PrimarySmtpAddress": "ann@contoso.local",
            "EmailAddressPolicyEnabled": False,
        },
    )
    view = session.invoke("Get-Mailbox", {"Identity": "ann"})[0]
    assert view["PrimarySmtpAddress"] == "ann@contoso.local"
    assert view["EmailAddresses"] == ["SMTP:ann@contoso.local", "smtp:ann.lee@contoso.com"]
    assert view["WindowsEmailAddress"] == "ann@contoso.local"
    assert view["EmailAddressPolicyEnabled"] is False
    assert world.directory.find(ANN).mail == "ann@contoso.local"  # written to AD
    # both addresses still find the mailbox
    assert session.invoke("Get-CASMailbox", {"Identity": "ann.lee@contoso.com"})[0]["Name"] == "ann"
    assert session.invoke("Get-CASMailbox", {"Identity": "ann@contoso.local"})[0]["Name"] == "ann"


def test_email_addresses_replace_add_remove_and_their_errors():
    world = address_world()
    session = connect(world)
    session.invoke("Set-Mailbox", {"Identity": "ann", "EmailAddressPolicyEnabled": False})
    session.invoke(
        "Set-Mailbox", {"Identity": "ann", "EmailAddresses": {"Add": ["smtp:al@contoso.com"]}}
    )
    assert ann_of(world).email_addresses == ["SMTP:ann.lee@contoso.com", "smtp:al@contoso.com"]
    session.invoke(
        "Set-Mailbox", {"Identity": "ann", "EmailAddresses": {"Add": "SMTP:ann@contoso.local"}}
    )
    assert ann_of(world).email_addresses == [
        "SMTP:ann@contoso.local",
        "smtp:ann.lee@contoso.com",
        "smtp:al@contoso.com",
    ]
    session.invoke(
        "Set-Mailbox", {"Identity": "ann", "EmailAddresses": {"Remove": "al@contoso.com"}}
    )
    assert ann_of(world).proxy_addresses == ("ann.lee@contoso.com",)
    with pytest.raises(ex.DataValidationError, match="can't be removed"):
        session.invoke(
            "Set-Mailbox", {"Identity": "ann", "EmailAddresses": {"Remove": "ann@contoso.local"}}
        )
    session.invoke(
        "Set-Mailbox",
        {"Identity": "ann", "EmailAddresses": ["x@contoso.com", "SMTP:a@contoso.com"]},
    )
    assert ann_of(world).email_addresses == ["SMTP:a@contoso.com", "smtp:x@contoso.com"]
    with pytest.raises(ex.InvalidArgument, match="SMTP proxy addresses only"):
        session.invoke("Set-Mailbox", {"Identity": "ann", "EmailAddresses": {"Add": "X500:/o=x"}})
    with pytest.raises(ex.DataValidationError) as err:
        session.invoke(
            "Set-Mailbox", {"Identity": "ann", "EmailAddresses": {"Add": "bob@contoso.local"}}
        )
    assert err.value.message == (
        'The proxy address "smtp:bob@contoso.local" is already being used by the proxy addresses '
        'or LegacyExchangeDN of "bob". Please choose another proxy address.'
    )
    with pytest.raises(
        ex.InvalidArgument, match="can't use the PrimarySmtpAddress and EmailAddresses"
    ):
        session.invoke(
            "Set-Mailbox",
            {
                "Identity": "ann",
                "PrimarySmtpAddress": "a@contoso.com",
                "EmailAddresses": ["b@c.com"],
            },
        )
    with pytest.raises(ex.ArgumentTransformationError) as err:
        session.invoke("Set-Mailbox", {"Identity": "ann", "PrimarySmtpAddress": "not-an-address"})
    assert 'The email address "not-an-address" isn\'t correct.' in err.value.message
    assert "Microsoft.Exchange.Data.SmtpAddress" in err.value.message


def test_windows_email_address_follows_the_policy_rule():
    world = address_world()
    session = connect(world)
    session.invoke("Set-Mailbox", {"Identity": "bob", "WindowsEmailAddress": "b@contoso.com"})
    bob = next(m for m in world.org.mailboxes if m.sam == "bob")
    assert (bob.primary_smtp, bob.mail) == ("bob@contoso.local", "bob@contoso.local")
    assert session.warnings == [
        f"The command completed successfully but no settings of '{bob.identity}' have been modified."
    ]
    session.invoke(
        "Set-Mailbox",
        {
            "Identity": "bob",
            "WindowsEmailAddress": "b@contoso.com",
            "EmailAddressPolicyEnabled": False,
        },
    )
    assert (bob.primary_smtp, bob.mail) == ("b@contoso.com", "b@contoso.com")


def test_directory_changes_reach_exchange_at_once():
    world = address_world()
    session = connect(world)
    world.directory.set_upn(ANN, "ann.lee@contoso.com")
    assert session.invoke("Get-Mailbox", {"Identity": "ann"})[0]["UserPrincipalName"] == (
        "ann.lee@contoso.com"
    )
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-Mailbox", {"Identity": "ann@contoso.local"})
    world.directory.set_mail(ANN, "ann.other@contoso.com")
    view = session.invoke("Get-Mailbox", {"Identity": "ann"})[0]
    # editing mail in AD does not change the primary address (Set-Mailbox docs)
    assert (view["WindowsEmailAddress"], view["PrimarySmtpAddress"]) == (
        "ann.other@contoso.com",
        "ann.lee@contoso.com",
    )


def test_set_user_changes_the_upn_in_ad_and_refuses_a_taken_one():
    world = address_world()
    session = connect(world)
    session.invoke("Set-User", {"Identity": ANN, "UserPrincipalName": "ann.lee@contoso.com"})
    assert world.directory.find(ANN).upn == "ann.lee@contoso.com"
    assert ann_of(world).upn == "ann.lee@contoso.com"
    user = session.invoke("Get-User", {"Identity": "ann.lee@contoso.com"})[0]
    assert (user.type_name, user["RecipientType"], user["UserPrincipalName"]) == (
        "User",
        "UserMailbox",
        "ann.lee@contoso.com",
    )
    with pytest.raises(ex.DataValidationError, match="already used by CONTOSO\\\\bob"):
        session.invoke("Set-User", {"Identity": ANN, "UserPrincipalName": "bob@contoso.local"})
    with pytest.raises(ex.DataValidationError, match="isn't a valid user principal name"):
        session.invoke("Set-User", {"Identity": ANN, "UserPrincipalName": "ann"})
    session.invoke("Set-User", {"Identity": ANN, "UserPrincipalName": "ann.lee@contoso.com"})
    assert session.warnings[-1].startswith("The command completed successfully but no settings")
    session.invoke(
        "Set-Mailbox", {"Identity": "ann", "UserPrincipalName": "ann@contoso.local", "WhatIf": True}
    )
    assert ann_of(world).upn == "ann.lee@contoso.com"
    assert session.messages[-1] == (
        "whatif",
        f'What if: Setting mailbox "{ann_of(world).identity}".',
    )


def test_get_user_lists_users_with_and_without_mailboxes():
    world = address_world()
    session = connect(world)
    admin = session.invoke("Get-User", {"Identity": "CONTOSO\\admin"})[0]
    assert (admin["RecipientType"], admin["RecipientTypeDetails"]) == ("User", "User")
    assert admin["UserPrincipalName"] == "admin@contoso.local"
    everyone = session.invoke("Get-User", {"ResultSize": "Unlimited"})
    assert len(everyone) == len(world.directory.users())
    plain = session.invoke("Get-User", {"RecipientTypeDetails": "User", "ResultSize": "Unlimited"})
    assert [u["SamAccountName"] for u in plain] == ["admin"]
    for form in ("Guid", "Identity", "DistinguishedName", "UserPrincipalName", "SamAccountName"):
        assert session.invoke("Get-User", {"Identity": admin[form]})[0]["Name"] == "admin", form
    assert admin["DistinguishedName"] == "CN=admin,CN=Users,DC=contoso,DC=local"
    session.invoke(
        "Set-User", {"Identity": "CONTOSO\\admin", "WindowsEmailAddress": "it@contoso.com"}
    )
    assert world.directory.find("CONTOSO\\admin").mail == "it@contoso.com"


def test_recipient_cmdlets_need_mail_recipients():
    world = address_world(
        accounts=[
            account("CONTOSO\\viewer", "View-Only Organization Management"),
            account("CONTOSO\\oca", roles=["Organization Client Access"]),
            account("CONTOSO\\recip", "Recipient Management"),
        ]
    )
    viewer = connect(world, "CONTOSO\\viewer")
    assert viewer.invoke("Get-Mailbox", {"Identity": "ann"})[0]["Alias"] == "ann"
    assert viewer.invoke("Get-User", {"Identity": ANN})[0]["SamAccountName"] == "ann"
    for cmdlet in ("Set-Mailbox", "Set-User"):
        with pytest.raises(ex.CommandNotFound) as err:
            viewer.invoke(cmdlet, {"Identity": "ann", "UserPrincipalName": "a@contoso.com"})
        assert err.value.message.startswith(f"The term '{cmdlet}' is not recognized")
    with pytest.raises(ex.CommandNotFound):
        connect(world, "CONTOSO\\oca").invoke("Get-Mailbox")
    recip = connect(world, "CONTOSO\\recip")
    recip.invoke(
        "Set-Mailbox",
        {
            "Identity": "ann",
            "PrimarySmtpAddress": "ann@contoso.local",
            "EmailAddressPolicyEnabled": False,
        },
    )
    assert ann_of(world).primary_smtp == "ann@contoso.local"
    names = {c["Name"] for c in recip.invoke("Get-Command")}
    assert {"Get-Mailbox", "Set-Mailbox", "Get-User", "Set-User"} <= names


def test_set_mailbox_respects_the_write_scope():
    world = make_world(
        population={"users": 6, "ous": ["Sales", "Finance"]},
        directory=with_accounts(
            account(
                "CONTOSO\\sales-admin",
                roles=[{"role": "Mail Recipients", "recipient_root": "contoso.local/Sales"}],
            )
        ),
    )
    session = connect(world, "CONTOSO\\sales-admin")
    finance = next(m for m in world.org.mailboxes if m.ou == "Finance")
    with pytest.raises(ex.WriteScopeError):
        session.invoke("Set-User", {"Identity": finance.identity, "FirstName": "X"})
    with pytest.raises(ex.WriteScopeError):
        session.invoke(
            "Set-Mailbox", {"Identity": finance.identity, "EmailAddressPolicyEnabled": False}
        )
    assert finance.email_address_policy_enabled is True
