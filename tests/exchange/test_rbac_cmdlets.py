"""The RBAC cmdlets administrators use (cmdlets/rbac.py): custom roles from a parent, their
entries down to parameters, role groups and their members, role assignments — and that every
change reaches only the sessions opened after it."""

from __future__ import annotations

import pytest

from simulator.exchange import errors as ex
from tests.exchange.conftest import account, connect, make_world, with_accounts

SVC = "CONTOSO\\svc"


@pytest.fixture
def world():
    return make_world(directory=with_accounts(account(SVC)))


def _admin(world):
    return connect(world)


def _custom_role(admin, name="Intune Recipients", parent="Mail Recipients"):
    return admin.invoke("New-ManagementRole", {"Name": name, "Parent": parent})[0]


def test_a_custom_role_is_a_child_with_a_copy_of_its_parents_entries(world):
    admin = _admin(world)
    role = _custom_role(admin)
    assert (role["Name"], role["Parent"], role["RoleType"], role["IsRootRole"]) == (
        "Intune Recipients",
        "Mail Recipients",
        "MailRecipients",
        False,
    )
    ours = admin.invoke("Get-ManagementRoleEntry", {"Identity": "Intune Recipients\\*"})
    theirs = admin.invoke("Get-ManagementRoleEntry", {"Identity": "Mail Recipients\\*"})
    assert [(e["Name"], e["Parameters"]) for e in ours] == [
        (e["Name"], e["Parameters"]) for e in theirs
    ]
    assert ours[0]["Identity"] == f"Intune Recipients\\{ours[0]['Name']}"
    children = admin.invoke(
        "Get-ManagementRole", {"Identity": "Mail Recipients", "GetChildren": True}
    )
    assert [r["Name"] for r in children] == ["Intune Recipients"]
    with pytest.raises(ex.ObjectAlreadyExists):
        _custom_role(admin)


def test_built_in_roles_and_the_parents_entries_bound_what_a_custom_role_may_hold(world):
    admin = _admin(world)
    with pytest.raises(ex.RbacOperationError) as err:
        admin.invoke(
            "Remove-ManagementRoleEntry",
            {"Identity": "Mail Recipients\\Clear-ActiveSyncDevice", "Confirm": False},
        )
    assert "built-in role 'Mail Recipients'" in err.value.message
    _custom_role(admin)
    with pytest.raises(ex.RbacOperationError) as err:
        admin.invoke(
            "Add-ManagementRoleEntry",
            {"Identity": "Intune Recipients\\Set-ActiveSyncOrganizationSettings"},
        )
    assert "doesn't exist in the parent role 'Mail Recipients'" in err.value.message
    with pytest.raises(ex.RbacOperationError) as err:
        admin.invoke(
            "Set-ManagementRoleEntry",
            {
                "Identity": "Intune Recipients\\Set-CASMailbox",
                "Parameters": ["ActiveSyncBlockedDeviceIDs"],
                "AddParameter": True,
            },
        )
    assert "ActiveSyncBlockedDeviceIDs" in err.value.message  # Mail Recipients lacks it
    with pytest.raises(ex.ObjectNotFound):
        admin.invoke(
            "Get-ManagementRoleEntry", {"Identity": "Intune Recipients\\Get-ExchangeServer"}
        )


def test_an_entry_a_child_role_holds_cannot_be_taken_from_its_parent(world):
    admin = _admin(world)
    _custom_role(admin)
    _custom_role(admin, "Intune Helpdesk", "Intune Recipients")
    with pytest.raises(ex.RbacOperationError) as err:
        admin.invoke(
            "Remove-ManagementRoleEntry",
            {"Identity": "Intune Recipients\\Clear-ActiveSyncDevice", "Confirm": False},
        )
    assert "child role 'Intune Helpdesk'" in err.value.message
    admin.invoke(
        "Remove-ManagementRoleEntry",
        {"Identity": "Intune Helpdesk\\Clear-ActiveSyncDevice", "Confirm": False},
    )
    admin.invoke(
        "Remove-ManagementRoleEntry",
        {"Identity": "Intune Recipients\\Clear-ActiveSyncDevice", "Confirm": False},
    )
    with pytest.raises(ex.HostPromptNotSupported):  # High impact: it asks, and cannot here
        admin.invoke("Remove-ManagementRoleEntry", {"Identity": "Intune Helpdesk\\Get-Recipient"})


def test_an_account_lacks_exactly_the_removed_cmdlet_in_sessions_opened_after(world):
    admin = _admin(world)
    _custom_role(admin)
    assigned = admin.invoke(
        "New-ManagementRoleAssignment", {"Role": "Intune Recipients", "User": SVC}
    )
    assert (assigned[0]["Name"], assigned[0]["RoleAssigneeType"]) == (
        "Intune Recipients-svc",
        "User",
    )
    before = connect(world, SVC)
    admin.invoke(
        "Remove-ManagementRoleEntry",
        {"Identity": "Intune Recipients\\Clear-ActiveSyncDevice", "Confirm": False},
    )
    after = connect(world, SVC)
    lost = set(before.available_cmdlets()) - set(after.available_cmdlets())
    assert lost == {"Clear-ActiveSyncDevice"}
    with pytest.raises(ex.CommandNotFound):
        after.invoke("Clear-ActiveSyncDevice", {"Identity": "x", "Confirm": False})
    assert "Clear-ActiveSyncDevice" in before.available_cmdlets()  # opened before: unchanged


def test_one_parameter_taken_away_is_not_found_for_the_assignee(world):
    admin = _admin(world)
    _custom_role(admin, "Intune Client Access", "Organization Client Access")
    admin.invoke("New-ManagementRoleAssignment", {"Role": "Intune Client Access", "User": SVC})
    admin.invoke(
        "Set-ManagementRoleEntry",
        {
            "Identity": "Intune Client Access\\Set-CASMailbox",
            "Parameters": "ActiveSyncBlockedDeviceIDs",
            "RemoveParameter": True,
        },
    )
    entry = admin.invoke(
        "Get-ManagementRoleEntry", {"Identity": "Intune Client Access\\Set-CASMailbox"}
    )[0]
    assert "ActiveSyncBlockedDeviceIDs" not in entry["Parameters"]
    assert "ActiveSyncAllowedDeviceIDs" in entry["Parameters"]
    svc = connect(world, SVC)
    mailbox = svc.invoke("Get-CASMailbox", {"ResultSize": 1})[0]["Identity"]
    with pytest.raises(ex.ParameterNotFound):
        svc.invoke("Set-CASMailbox", {"Identity": mailbox, "ActiveSyncBlockedDeviceIDs": "d1"})
    svc.invoke("Set-CASMailbox", {"Identity": mailbox, "ActiveSyncAllowedDeviceIDs": "d1"})


def test_role_groups_members_and_assignments(world):
    admin = _admin(world)
    group = admin.invoke(
        "New-RoleGroup",
        {"Name": "Intune Connector", "Roles": ["Mail Recipients", "View-Only Configuration"]},
    )[0]
    assert group["RoleAssignments"] == [
        "Mail Recipients-Intune Connector",
        "View-Only Configuration-Intune Connector",
    ]
    assert connect(world, SVC).grant("Get-CASMailbox") is None
    admin.invoke("Add-RoleGroupMember", {"Identity": "Intune Connector", "Member": SVC})
    with pytest.raises(ex.RbacOperationError) as err:
        admin.invoke("Add-RoleGroupMember", {"Identity": "Intune Connector", "Member": SVC})
    assert err.value.error_id == "MemberAlreadyExistsException"
    assert connect(world, SVC).grant("Get-CASMailbox") is not None
    effective = admin.invoke("Get-ManagementRoleAssignment", {"RoleAssignee": SVC})
    assert {(a["Role"], a["AssignmentMethod"]) for a in effective} == {
        ("Mail Recipients", "SecurityGroup"),
        ("View-Only Configuration", "SecurityGroup"),
    }
    admin.invoke(
        "Remove-ManagementRoleAssignment",
        {"Identity": "Mail Recipients-Intune Connector", "Confirm": False},
    )
    svc = connect(world, SVC)
    assert svc.grant("Get-CASMailbox") is None and svc.grant("Get-ExchangeServer") is not None
    admin.invoke(
        "Remove-RoleGroupMember", {"Identity": "Intune Connector", "Member": SVC, "Confirm": False}
    )
    assert connect(world, SVC).grant("Get-ExchangeServer") is None
    # a built-in role group's own AD members can be removed too
    admin.invoke(
        "Remove-RoleGroupMember",
        {"Identity": "Organization Management", "Member": "CONTOSO\\admin", "Confirm": False},
    )
    assert connect(world).grant("Get-ManagementRole") is None


def test_only_role_management_changes_rbac(world):
    viewer = make_world(
        directory=with_accounts(account("CONTOSO\\viewer", "View-Only Organization Management"))
    )
    session = connect(viewer, "CONTOSO\\viewer")
    assert session.invoke("Get-ManagementRole", {"Identity": "Mail Recipients"})[0]["IsRootRole"]
    with pytest.raises(ex.CommandNotFound):
        session.invoke("New-ManagementRole", {"Name": "x", "Parent": "Mail Recipients"})
    built_in = _admin(world).invoke(
        "Get-ManagementRoleAssignment", {"Identity": "Role Management-Organization Management"}
    )
    assert built_in[0]["RoleAssigneeType"] == "RoleGroup"


def test_rbac_changes_are_audited(world):
    admin = _admin(world)
    _custom_role(admin)
    logged = [e.cmdlet for e in world.org.audit_log]
    assert logged == ["New-ManagementRole"]
