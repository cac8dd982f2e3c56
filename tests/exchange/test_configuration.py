"""Configuration cmdlets: organisation settings, mailbox policies, device access rules,
device classes, servers, Get-Command / Get-Help and the admin audit log search."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.exchange import errors as ex
from simulator.exchange.cmdlets.rules import rule_name
from tests.exchange.conftest import connect, make_world

# -- organisation settings -----------------------------------------------------------------------------


def test_organization_settings_get_and_set(world, session):
    view = session.invoke("Get-ActiveSyncOrganizationSettings")[0]
    assert view["Name"] == "Mobile Mailbox Settings" and view["DefaultAccessLevel"] == "Allow"
    assert "IsIntuneManaged" in view and "AllowRMSSupportForUnenlightenedApps" not in view
    session.invoke(
        "Set-ActiveSyncOrganizationSettings",
        {
            "DefaultAccessLevel": "quarantine",
            "AdminMailRecipients": ["it@contoso.local"],
            "UserMailInsert": "Call IT",
        },
    )
    view = session.invoke(
        "Get-ActiveSyncOrganizationSettings", {"Identity": "Mobile Mailbox Settings"}
    )[0]
    assert (view["DefaultAccessLevel"], view["AdminMailRecipients"], view["UserMailInsert"]) == (
        "Quarantine",
        ["it@contoso.local"],
        "Call IT",
    )
    assert world.org.audit_log[-1].object_modified == "Mobile Mailbox Settings"


def test_organization_settings_errors(session):
    with pytest.raises(ex.ArgumentTransformationError) as err:
        session.invoke("Set-ActiveSyncOrganizationSettings", {"DefaultAccessLevel": "Deny"})
    assert (
        "Specify one of the following enumerator names and try again: Allow, Block, Quarantine"
        in err.value.message
    )
    with pytest.raises(
        ex.PropertyTooLong,
        match="maximum length is 256 and the length of the value provided is 300",
    ):
        session.invoke("Set-ActiveSyncOrganizationSettings", {"UserMailInsert": "x" * 300})
    with pytest.raises(ex.DataValidationError, match="isn't correct"):
        session.invoke(
            "Set-ActiveSyncOrganizationSettings", {"AdminMailRecipients": "not-an-address"}
        )
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-ActiveSyncOrganizationSettings", {"Identity": "Other Settings"})


def test_organization_settings_surface_by_version():
    s10 = connect(make_world(exchange={"version": "2010 SP3"}))
    view = s10.invoke("Get-ActiveSyncOrganizationSettings")[0]
    assert "AllowAccessForUnSupportedPlatform" not in view
    with pytest.raises(ex.ParameterNotFound):
        s10.invoke(
            "Set-ActiveSyncOrganizationSettings", {"AllowAccessForUnSupportedPlatform": True}
        )
    s16 = connect(make_world(exchange={"version": "2016 CU3"}))
    assert (
        "AllowRMSSupportForUnenlightenedApps" in s16.invoke("Get-ActiveSyncOrganizationSettings")[0]
    )


# -- mailbox policies ------------------------------------------------------------------------------------


def test_default_policy_and_version_specific_names():
    s10 = connect(make_world(exchange={"version": "2010 SP1"}))
    policy = s10.invoke("Get-ActiveSyncMailboxPolicy")[0]
    assert (
        policy["Name"] == "Default"
        and policy["IsDefaultPolicy"] is True
        and "IsDefault" not in policy
    )
    assert "PasswordEnabled" not in policy and s10.warnings == []
    with pytest.raises(ex.CommandNotFound):
        s10.invoke("Get-MobileDeviceMailboxPolicy")
    s13 = connect(make_world())
    policy = s13.invoke("Get-ActiveSyncMailboxPolicy", {"Identity": "Default"})[0]
    assert policy["IsDefault"] is True and policy["PasswordEnabled"] is False
    assert policy["MaxDevicePasswordFailedAttempts"] == "Unlimited"
    assert "Use the Get-MobileDeviceMailboxPolicy cmdlet instead" in s13.warnings[0]
    mobile = s13.invoke("Get-MobileDeviceMailboxPolicy")[0]
    assert (
        "PasswordEnabled" in mobile and "DevicePasswordEnabled" not in mobile and s13.warnings == []
    )


def test_new_policy_duplicate_name_and_default_switch(world, session):
    created = session.invoke(
        "New-ActiveSyncMailboxPolicy",
        {"Name": "Strict", "IsDefault": True, "DevicePasswordEnabled": True},
    )
    assert created[0]["IsDefault"] is True and created[0]["DevicePasswordEnabled"] is True
    assert [p.name for p in world.org.policies if p.is_default] == ["Strict"]
    with pytest.raises(ex.ObjectAlreadyExists) as err:
        session.invoke("New-ActiveSyncMailboxPolicy", positional=["strict"])
    assert err.value.message == (
        "Active Directory operation failed on dc01.contoso.local. The object "
        "'CN=strict,CN=Mobile Mailbox Policies,CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration,"
        "DC=contoso,DC=local' already exists."
    )
    session.invoke("Set-ActiveSyncMailboxPolicy", {"Identity": "Default", "IsDefault": True})
    assert [p.name for p in world.org.policies if p.is_default] == ["Default"]


def test_policy_ranges_and_types(session):
    with pytest.raises(ex.PropertyOutOfRange) as err:
        session.invoke(
            "Set-ActiveSyncMailboxPolicy", {"Identity": "Default", "MinDevicePasswordLength": 20}
        )
    assert (
        err.value.message == "The property, (20), is out of range. The valid range is from 1 to 16."
    )
    with pytest.raises(ex.PropertyOutOfRange, match="from 00:01:00 to 01:00:00"):
        session.invoke(
            "Set-ActiveSyncMailboxPolicy",
            {"Identity": "Default", "MaxInactivityTimeDeviceLock": "02:00:00"},
        )
    with pytest.raises(ex.ArgumentTransformationError, match="AllowBluetooth"):
        session.invoke(
            "Set-ActiveSyncMailboxPolicy", {"Identity": "Default", "AllowBluetooth": "Sometimes"}
        )
    session.invoke(
        "Set-ActiveSyncMailboxPolicy",
        {
            "Identity": "Default",
            "MaxInactivityTimeDeviceLock": "00:15:00",
            "MaxAttachmentSize": "10MB",
            "MaxDevicePasswordFailedAttempts": "8",
        },
    )
    policy = session.invoke("Get-ActiveSyncMailboxPolicy", positional=["Default"])[0]
    assert policy["MaxInactivityTimeDeviceLock"] == timedelta(minutes=15)
    assert policy["MaxAttachmentSize"] == "10 MB (10,485,760 bytes)"
    assert policy["MaxDevicePasswordFailedAttempts"] == 8


def test_disabling_device_password_alone_resets_password_settings(world, session):
    session.invoke(
        "Set-ActiveSyncMailboxPolicy",
        {
            "Identity": "Default",
            "DevicePasswordEnabled": True,
            "MinDevicePasswordLength": 6,
            "RequireDeviceEncryption": True,
        },
    )
    session.invoke(
        "Set-ActiveSyncMailboxPolicy", {"Identity": "Default", "DevicePasswordEnabled": False}
    )
    settings = world.org.default_policy().settings
    assert (
        settings["MinDevicePasswordLength"] is None and settings["RequireDeviceEncryption"] is False
    )


def test_mobile_policy_cmdlets_take_the_new_names(world, session):
    session.invoke(
        "New-MobileDeviceMailboxPolicy",
        {"Name": "Phones", "PasswordEnabled": True, "MinPasswordLength": 4},
    )
    policy = next(p for p in world.org.policies if p.name == "Phones")
    assert (
        policy.settings["DevicePasswordEnabled"] is True
        and policy.settings["MinDevicePasswordLength"] == 4
    )
    with pytest.raises(ex.ParameterNotFound):
        session.invoke(
            "Set-MobileDeviceMailboxPolicy", {"Identity": "Phones", "DevicePasswordEnabled": True}
        )


def test_removing_the_default_policy_only_changes_the_confirmation(world, session):
    session.invoke("Remove-ActiveSyncMailboxPolicy", {"Identity": "Default", "WhatIf": True})
    assert "Removing Default Mobile Device mailbox policy" in session.messages[-1][1]
    with pytest.raises(ex.HostPromptNotSupported) as err:
        session.invoke("Remove-ActiveSyncMailboxPolicy", {"Identity": "Default"})
    assert err.value.error_id == "HostFunctionNotImplemented"
    session.invoke("Remove-ActiveSyncMailboxPolicy", {"Identity": "Default", "Confirm": False})
    assert world.org.policies == []
    assert "Remove-MobileMailboxPolicy" in session.warnings[0]  # Exchange 2013's own quirk


def test_removing_a_policy_with_users_needs_force(world, session):
    session.invoke("New-ActiveSyncMailboxPolicy", {"Name": "Sales"})
    mailbox = world.org.mailboxes[0]
    session.invoke(
        "Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncMailboxPolicy": "Sales"}
    )
    with pytest.raises(ex.HostPromptNotSupported, match="has users associated with it"):
        session.invoke("Remove-ActiveSyncMailboxPolicy", {"Identity": "Sales", "Confirm": False})
    assert any(p.name == "Sales" for p in world.org.policies)
    session.invoke(
        "Remove-ActiveSyncMailboxPolicy", {"Identity": "Sales", "Confirm": False, "Force": True}
    )
    assert mailbox.policy is None
    answers = []
    session.invoke("New-ActiveSyncMailboxPolicy", {"Name": "Again"})
    session.invoke(
        "Set-CASMailbox", {"Identity": mailbox.alias, "ActiveSyncMailboxPolicy": "Again"}
    )
    session.invoke(
        "Remove-ActiveSyncMailboxPolicy",
        {"Identity": "Again"},
        prompter=lambda caption, text: answers.append(text) or True,
    )
    assert len(answers) == 2 and "Are you sure you want to perform this action?" in answers[0]


# -- device access rules -----------------------------------------------------------------------------------


def test_rule_lifecycle(world, session):
    rule = session.invoke(
        "New-ActiveSyncDeviceAccessRule",
        {"QueryString": "iPhone", "Characteristic": "DeviceType", "AccessLevel": "Block"},
    )[0]
    assert rule["Name"] == "iPhone (DeviceType)" and rule["Identity"] == "iPhone (DeviceType)"
    with pytest.raises(
        ex.ObjectAlreadyExists, match="CN=iPhone \\(DeviceType\\),CN=Mobile Mailbox Settings"
    ):
        session.invoke(
            "New-ActiveSyncDeviceAccessRule",
            {"QueryString": "iPhone", "Characteristic": "DeviceType", "AccessLevel": "Allow"},
        )
    session.invoke(
        "Set-ActiveSyncDeviceAccessRule",
        {"Identity": "iPhone (DeviceType)", "AccessLevel": "Allow"},
    )
    assert (
        session.invoke("Get-ActiveSyncDeviceAccessRule", positional=["iphone (devicetype)"])[0][
            "AccessLevel"
        ]
        == "Allow"
    )
    with pytest.raises(ex.HostPromptNotSupported):
        session.invoke("Remove-ActiveSyncDeviceAccessRule", {"Identity": "iPhone (DeviceType)"})
    session.invoke(
        "Remove-ActiveSyncDeviceAccessRule", {"Identity": "iPhone (DeviceType)", "Confirm": False}
    )
    assert session.invoke("Get-ActiveSyncDeviceAccessRule") == []
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-ActiveSyncDeviceAccessRule", {"Identity": "iPhone (DeviceType)"})
    assert [e.cmdlet for e in world.org.audit_log if e.succeeded] == [
        "New-ActiveSyncDeviceAccessRule",
        "Set-ActiveSyncDeviceAccessRule",
        "Remove-ActiveSyncDeviceAccessRule",
    ]


def test_rule_parameters_are_mandatory_and_xmswlheader_is_2013_only(session):
    with pytest.raises(
        ex.MissingMandatoryParameter, match="QueryString Characteristic AccessLevel"
    ):
        session.invoke("New-ActiveSyncDeviceAccessRule", {})
    session.invoke(
        "New-ActiveSyncDeviceAccessRule",
        {"QueryString": "x", "Characteristic": "XMSWLHeader", "AccessLevel": "Allow"},
    )
    s10 = connect(make_world(exchange={"version": "2010 SP2"}))
    with pytest.raises(
        ex.ArgumentTransformationError,
        match='try again: DeviceType, DeviceModel, DeviceOS, UserAgent"$',
    ):
        s10.invoke(
            "New-ActiveSyncDeviceAccessRule",
            {"QueryString": "x", "Characteristic": "XMSWLHeader", "AccessLevel": "Allow"},
        )
    with pytest.raises(ex.ParameterNotFound):
        session.invoke(
            "New-ActiveSyncDeviceAccessRule",
            {
                "Name": "mine",
                "QueryString": "x",
                "Characteristic": "DeviceOS",
                "AccessLevel": "Allow",
            },
        )


def test_long_rule_names_are_cut_with_a_hash():
    name = rule_name("A" * 80, "UserAgent")
    assert len(name) <= 64 and name.endswith(" (UserAgent)")
    assert rule_name("A" * 80, "UserAgent") == name != rule_name("A" * 79 + "B", "UserAgent")


# -- device classes, servers, commands -----------------------------------------------------------------------


def test_device_classes_one_per_type_and_model(world, session):
    classes = session.invoke("Get-ActiveSyncDeviceClass")
    expected = {f"{d.device_type}§{d.model}" for d in world.org.devices()}
    assert {c["Name"] for c in classes} == expected
    one = classes[0]
    assert (
        session.invoke("Get-ActiveSyncDeviceClass", positional=[one["Identity"]])[0]["Guid"]
        == one["Guid"]
    )
    iphones = session.invoke("Get-ActiveSyncDeviceClass", {"Filter": "DeviceType -eq 'iPhone'"})
    assert all(c["DeviceType"] == "iPhone" for c in iphones)


def test_exchange_server_identities_domain_and_versions():
    world = make_world(
        exchange={
            "servers": [
                {
                    "name": "EX10",
                    "version": "2010 SP3",
                    "roles": ["Mailbox", "ClientAccess", "HubTransport"],
                },
                {"name": "EX13", "version": "2013 CU12"},
                {
                    "name": "EX16",
                    "version": "2016 RTM",
                    "roles": ["Mailbox"],
                    "edition": "Enterprise",
                },
            ]
        }
    )
    session = connect(world, server="ex13.contoso.local")
    by_name = {s["Name"]: s for s in session.invoke("Get-ExchangeServer")}
    assert by_name["EX10"]["AdminDisplayVersion"] == "Version 14.3 (Build 123.4)"
    assert by_name["EX10"]["ServerRole"] == "Mailbox, ClientAccess, HubTransport"
    assert by_name["EX13"]["ServerRole"] == "Mailbox, ClientAccess"
    assert (
        by_name["EX16"]["ServerRole"] == "Mailbox"
        and by_name["EX16"]["IsClientAccessServer"] is True
    )
    assert by_name["EX16"]["Edition"] == "Enterprise" and by_name["EX16"]["IsE15OrLater"] is True
    ex13 = world.org.server("EX13")
    for identity in ("ex13", "EX13.contoso.local", ex13.distinguished_name, ex13.legacy_dn):
        assert session.invoke("Get-ExchangeServer", positional=[identity])[0]["Name"] == "EX13"
    assert len(session.invoke("Get-ExchangeServer", {"Domain": "contoso.local"})) == 3
    with pytest.raises(ex.DomainNotFound, match="The domain 'fabrikam.com' couldn't be found."):
        session.invoke("Get-ExchangeServer", {"Domain": "fabrikam.com"})
    assert (
        "CurrentDomainControllers"
        in session.invoke("Get-ExchangeServer", {"Identity": "EX13", "Status": True})[0]
    )


def test_get_command_names_syntax_and_not_recognized(session):
    names = [c["Name"] for c in session.invoke("Get-Command", {"Name": "*-ActiveSyncDevice"})]
    assert names == ["Clear-ActiveSyncDevice", "Get-ActiveSyncDevice", "Remove-ActiveSyncDevice"]
    syntax = session.invoke(
        "Get-Command", {"Name": "Get-ActiveSyncDeviceStatistics", "Syntax": True}
    )
    assert syntax == [
        "Get-ActiveSyncDeviceStatistics [-Identity] <ActiveSyncDeviceIdParameter> [-DomainController <Fqdn>] "
        "[-GetMailboxLog] [-NotificationEmailAddresses <MultiValuedProperty>] [-ShowRecoveryPassword] [<CommonParameters>]",
        "Get-ActiveSyncDeviceStatistics -Mailbox <MailboxIdParameter> [-DomainController <Fqdn>] [-GetMailboxLog] "
        "[-NotificationEmailAddresses <MultiValuedProperty>] [-ShowRecoveryPassword] [<CommonParameters>]",
    ]
    with pytest.raises(ex.CommandNotFound):
        session.invoke("Get-Command", {"Name": "Get-MailboxDatabase"})
    assert (
        session.invoke("Get-Command", {"Noun": "ActiveSyncDeviceClass", "Verb": "Get"})[0][
            "CommandType"
        ]
        == "Cmdlet"
    )
    help_text = session.invoke("Get-Help", positional=["Clear-ActiveSyncDevice"])[0]
    assert "SYNOPSIS" in help_text and "Clear-ActiveSyncDevice [-Identity]" in help_text


def test_search_admin_audit_log(world, session):
    session.invoke("Set-ActiveSyncOrganizationSettings", {"DefaultAccessLevel": "Block"})
    session.invoke(
        "New-ActiveSyncDeviceAccessRule",
        {"QueryString": "iPad", "Characteristic": "DeviceType", "AccessLevel": "Allow"},
    )
    entries = session.invoke("Search-AdminAuditLog")
    assert [e["CmdletName"] for e in entries] == [
        "New-ActiveSyncDeviceAccessRule",
        "Set-ActiveSyncOrganizationSettings",
    ]
    only = session.invoke("Search-AdminAuditLog", {"Cmdlets": "Set-ActiveSyncOrganizationSettings"})
    assert (
        only[0]["CmdletParameters"] == ["DefaultAccessLevel=Block"] and only[0]["Succeeded"] is True
    )
    assert (
        session.invoke("Search-AdminAuditLog", {"ObjectIds": "iPad*"})[0]["ObjectModified"]
        == "iPad (DeviceType)"
    )
