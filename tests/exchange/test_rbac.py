"""RBAC: built-in role groups against the reference counts, parameter-level grants, custom
role groups and direct assignments with write scopes, and Get-Command ⊆ grants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.prereqs import REQUIRED_CMDLETS
from simulator.exchange import errors as ex
from simulator.exchange.rbac import (
    BUILT_IN_ROLES,
    ROLE_GROUPS,
    RbacModel,
    built_in_entries,
    canonical_role,
)
from tests.exchange.conftest import account, connect, make_world, with_accounts

REQUIRED = tuple(c for c in REQUIRED_CMDLETS if c != "Get-Command")  # SPEC R1.10


def required_granted(groups: list[str]) -> set[str]:
    grants = RbacModel().grants("CONTOSO\\x", groups)
    return {name.lower() for name in REQUIRED if name.lower() in grants}


@pytest.mark.parametrize(
    ("group", "count"),
    [
        ("Organization Management", 20),
        ("Recipient Management", 13),
        ("View-Only Organization Management", 10),
        ("Server Management", 4),
        ("Help Desk", 9),
        ("Compliance Management", 10),
        ("Hygiene Management", 10),
    ],
)
def test_built_in_role_groups_grant_what_the_reference_counts(group, count):
    assert len(required_granted([group])) == count


def test_recipient_management_lacks_the_organization_client_access_cmdlets():
    missing = {n.lower() for n in REQUIRED} - required_granted(["Recipient Management"])
    assert missing == {
        n.lower()
        for n in (
            "Get-ActiveSyncOrganizationSettings",
            "Set-ActiveSyncOrganizationSettings",
            "Get-ActiveSyncDeviceAccessRule",
            "Set-ActiveSyncDeviceAccessRule",
            "New-ActiveSyncDeviceAccessRule",
            "Remove-ActiveSyncDeviceAccessRule",
            "Get-ActiveSyncDeviceClass",
        )
    }


def test_minimum_custom_set_for_the_connector_covers_every_required_cmdlet():
    model = RbacModel()
    for role in (
        "Mail Recipients",
        "Organization Client Access",
        "Recipient Policies",
        "View-Only Configuration",
    ):
        model.assign("CONTOSO\\svc", role)
    grants = model.grants("CONTOSO\\svc", [])
    assert all(n.lower() in grants for n in REQUIRED)


def test_only_organization_client_access_grants_the_device_lists():
    world = make_world(directory=with_accounts(account("CONTOSO\\rm", "Recipient Management")))
    session = connect(world, "CONTOSO\\rm")
    mailbox = session.invoke("Get-CASMailbox", {"ResultSize": 1})[0]["Identity"]
    with pytest.raises(ex.ParameterNotFound) as err:
        session.invoke("Set-CASMailbox", {"Identity": mailbox, "ActiveSyncBlockedDeviceIDs": "x"})
    assert (
        err.value.message
        == "A parameter cannot be found that matches parameter name 'ActiveSyncBlockedDeviceIDs'."
    )
    session.invoke("Set-CASMailbox", {"Identity": mailbox, "ActiveSyncEnabled": False})
    syntax = session.invoke("Get-Command", {"Name": "Set-CASMailbox", "Syntax": True})[0]
    assert "-ActiveSyncEnabled" in syntax and "ActiveSyncBlockedDeviceIDs" not in syntax


def test_a_cmdlet_no_role_grants_is_not_recognized():
    world = make_world(
        directory=with_accounts(account("CONTOSO\\ro", "View-Only Organization Management"))
    )
    session = connect(world, "CONTOSO\\ro")
    with pytest.raises(ex.CommandNotFound) as err:
        session.invoke("Set-ActiveSyncOrganizationSettings", {"DefaultAccessLevel": "Block"})
    assert err.value.message.startswith(
        "The term 'Set-ActiveSyncOrganizationSettings' is not recognized as the name of a cmdlet"
    )
    names = [c["Name"] for c in session.invoke("Get-Command")]
    assert "Set-ActiveSyncOrganizationSettings" not in names and "Get-ActiveSyncDevice" in names


def test_custom_role_group_from_the_scenario():
    world = make_world(
        directory=with_accounts(account("CONTOSO\\svc")),
        exchange={
            "role_groups": [
                {
                    "name": "Intune Connector",
                    "roles": [
                        "Mail Recipients",
                        "Organization Client Access",
                        "Recipient Policies",
                        "View-Only Configuration",
                    ],
                    "members": ["CONTOSO\\svc"],
                }
            ]
        },
    )
    names = {c["Name"].lower() for c in connect(world, "CONTOSO\\svc").invoke("Get-Command")}
    assert {n.lower() for n in REQUIRED} <= names


def test_scoped_assignment_writes_only_inside_its_recipient_root():
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
    sales = next(m for m in world.org.mailboxes if m.ou == "Sales")
    finance = next(m for m in world.org.mailboxes if m.ou == "Finance")
    session.invoke("Set-CASMailbox", {"Identity": sales.identity, "PopEnabled": False})
    assert sales.pop_enabled is False
    with pytest.raises(ex.WriteScopeError) as err:
        session.invoke("Set-CASMailbox", {"Identity": finance.identity, "PopEnabled": False})
    assert err.value.message == (
        f"The operation on mailbox '{finance.identity}' failed because it's out of the current user's write scope."
    )
    assert session.invoke("Get-CASMailbox", {"Identity": finance.identity})  # still readable
    assert world.org.audit_log[-1].succeeded is False


def test_the_built_in_roles_hold_the_entries_exchange_defines():
    """The built-in roles' entries, declared by each cmdlet's `roles=`, are those of
    Exchange 2013 CU23's role definitions as the twin had them in rbac.py (frozen in
    built_in_roles.json when the entries moved to the cmdlets): every role, in order, with
    the same cmdlets and the same parameters."""
    frozen = json.loads((Path(__file__).parent / "built_in_roles.json").read_text())
    entries = built_in_entries()
    assert list(entries) == list(frozen) == list(BUILT_IN_ROLES)
    assert {
        role: {cmdlet: sorted(params) for cmdlet, params in cmdlets.items()}
        for role, cmdlets in entries.items()
    } == frozen


def test_a_cmdlet_naming_no_built_in_role_is_refused(monkeypatch):
    from simulator.exchange.registry import REGISTRY, cmdlet

    monkeypatch.setitem(REGISTRY, "get-twinprobe", REGISTRY["get-mailbox"])
    cmdlet("Get-TwinProbe", roles=("Mail Recipient",))(lambda ctx: [])
    with pytest.raises(ValueError, match="Get-TwinProbe: roles names 'Mail Recipient'"):
        built_in_entries()


def test_unknown_role_is_refused_with_the_list():
    with pytest.raises(ValueError, match="unknown management role 'Mail Recipient'"):
        canonical_role("Mail Recipient")


_ROLE_NAMES = sorted(BUILT_IN_ROLES)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    roles=st.lists(st.sampled_from(_ROLE_NAMES), max_size=5, unique=True),
    groups=st.lists(st.sampled_from(sorted(ROLE_GROUPS)), max_size=2, unique=True),
)
def test_get_command_lists_exactly_what_the_roles_grant(world, roles, groups):
    key = "CONTOSO\\admin"
    world.org.rbac.assignments = [
        a for a in world.org.rbac.assignments if a.assignee_type != "User"
    ]
    user = world.directory.find(key)
    user.groups[:] = groups
    for role in roles:
        world.org.rbac.assign(key, role)
    session = connect(world)
    listed = {c["Name"] for c in session.invoke("Get-Command")}
    granted = {"Get-Command", "Get-Help"}
    entries = built_in_entries()
    for group in groups:
        for role in ROLE_GROUPS[group]:
            granted |= set(entries[role])
    for role in roles:
        granted |= set(entries[role])
    assert listed <= granted
    # everything granted and present in the server's version is listed
    version = session.server.version
    from simulator.exchange.registry import lookup

    assert listed == {n for n in granted if lookup(n) and lookup(n).available(version)}
    for command in session.invoke("Get-Command"):
        grant = session.grant(command["Name"])
        assert grant is not None
        assert all(grant.allows(p) for p in command["Parameters"])
    session.close()
