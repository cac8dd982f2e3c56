"""Role groups and role assignments: Get-/New-RoleGroup, Add-/Remove-RoleGroupMember and
Get-/New-/Remove-ManagementRoleAssignment. A group's members are its AD members plus those
Add-RoleGroupMember added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER
from simulator.exchange.cmdlets.rbac_common import (
    assignment_dn,
    check_name,
    find_group,
    find_role,
    find_user,
    group_dn,
    like,
    names,
    rbac_model,
)
from simulator.exchange.errors import (
    AmbiguousIdentity,
    ObjectAlreadyExists,
    ObjectNotFound,
    RbacOperationError,
)
from simulator.exchange.rbac import (
    MAX_NAME,
    RoleAssignment,
    RoleGroup,
)
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation
    from simulator.world.accounts import DirectoryUser


def assignment_view(ctx: Invocation, a: RoleAssignment, method: str = "Direct") -> Record:
    return Record(
        "ExchangeRoleAssignmentPresentation",
        {
            "Name": a.name,
            "Role": a.role,
            "RoleAssigneeName": a.assignee.split("\\")[-1]
            if a.assignee_type == "User"
            else a.assignee,
            "RoleAssignee": a.assignee,
            "RoleAssigneeType": a.assignee_type,
            "AssignmentMethod": method,
            "CustomRecipientWriteScope": None,
            "CustomConfigWriteScope": None,
            "RecipientReadScope": "Organization",
            "ConfigReadScope": "OrganizationConfig",
            "RecipientWriteScope": "OU" if a.recipient_root else "Organization",
            "RecipientOrganizationalUnitScope": a.recipient_root,
            "ConfigWriteScope": "OrganizationConfig",
            "Enabled": True,
            "Identity": a.name,
            "DistinguishedName": assignment_dn(ctx, a.name),
            "WhenCreated": ctx.org.dt(a.created),
        },
    )


def _members(ctx: Invocation, group: RoleGroup) -> list[str]:
    """DOMAIN\\user of every member: AD membership of the group, plus Add-RoleGroupMember's."""
    directory = ctx.org.directory
    rbac = rbac_model(ctx)
    out: list[str] = []
    if directory is not None:
        for user in directory.users():
            account = directory.account_name(user)
            if any(g.lower() == group.name.lower() for g in user.groups) or any(
                g.lower() == group.name.lower() for g in rbac.group_members.get(account.lower(), ())
            ):
                out.append(account)
    return sorted(out, key=str.lower)


def group_view(ctx: Invocation, group: RoleGroup) -> Record:
    assignments = rbac_model(ctx).role_group(group.name) or ()
    return Record(
        "RoleGroup",
        {
            "Name": group.name,
            "AssignedRoles": sorted({a.role for a in assignments}, key=str.lower),
            "RoleAssignments": [a.name for a in assignments],
            "Roles": sorted({a.role for a in assignments}, key=str.lower),
            "Members": _members(ctx, group),
            "RoleGroupType": "Standard",
            "Description": group.description,
            "Identity": group.name,
            "DistinguishedName": group_dn(ctx, group.name),
        },
    )


# -- role groups --------------------------------------------------------------------------------------
@cmdlet(
    "Get-RoleGroup",
    [
        Param("Identity", "identity", "RoleGroupIdParameter", position=0, pipeline=True),
        DOMAIN_CONTROLLER,
    ],
    output_type="RoleGroup",
    roles=("View-Only Configuration", "Role Management"),
)
def get_role_group(ctx: Invocation, Identity: str | None = None, **_: Any) -> list[Record]:
    """Lists role groups with their roles, role assignments and members.

    Emulated: -Identity with wildcards; Members from AD membership and Add-RoleGroupMember.
    Not emulated: -Filter, -SortBy, linked role groups, ManagedBy.
    """
    groups = sorted(rbac_model(ctx).role_groups.values(), key=lambda g: g.name.lower())
    if Identity:
        groups = [g for g in groups if like(g.name, Identity)]
        if not groups and "*" not in Identity:
            raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    return [group_view(ctx, g) for g in groups]


@cmdlet(
    "New-RoleGroup",
    [
        Param("Name", position=0, mandatory=True),
        Param("Roles", "object", "RoleIdParameter[]"),
        Param("Members", "object", "SecurityPrincipalIdParameter[]"),
        Param("Description"),
        Param("RecipientOrganizationalUnitScope", "string", "OrganizationalUnitIdParameter"),
        DOMAIN_CONTROLLER,
    ],
    output_type="RoleGroup",
    roles=("Role Management",),
)
def new_role_group(
    ctx: Invocation,
    Name: str,
    Roles: list[str] | None = None,
    Members: list[str] | None = None,
    Description: str | None = None,
    RecipientOrganizationalUnitScope: str | None = None,
    **_: Any,
) -> list[Record]:
    """Creates a role group, one role assignment per role (`<Role>-<Group>`), and its members.

    Emulated: -Roles (built-in or custom), -Members (accounts), -RecipientOrganizationalUnitScope
    (the write scope of every assignment), -Description.
    Not emulated: -CustomRecipientWriteScope and the other management scopes, -ManagedBy,
    linked role groups.
    """
    check_name(Name)
    rbac = rbac_model(ctx)
    if rbac.group(Name) is not None:
        raise ObjectAlreadyExists(ctx.org.domain_controller, group_dn(ctx, Name))
    roles = [find_role(ctx, r).name for r in names(Roles)]
    members = [find_user(ctx, m)[0] for m in names(Members)]
    if not ctx.should_process(f'Creating role group "{Name}".'):
        return []
    group = rbac.add_role_group(
        Name, roles, RecipientOrganizationalUnitScope, members, Description or "", ctx.now
    )
    ctx.changed(Name)
    return [group_view(ctx, group)]


def _is_member(ctx: Invocation, group: RoleGroup, account: str, user: DirectoryUser) -> bool:
    added = rbac_model(ctx).group_members.get(account.lower(), [])
    return any(g.lower() == group.name.lower() for g in [*user.groups, *added])


@cmdlet(
    "Add-RoleGroupMember",
    [
        Param(
            "Identity",
            "identity",
            "RoleGroupIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Member", "identity", "SecurityPrincipalIdParameter", mandatory=True),
        Param("BypassSecurityGroupManagerCheck", "switch"),
        DOMAIN_CONTROLLER,
    ],
    roles=("Role Management",),
)
def add_role_group_member(ctx: Invocation, Identity: str, Member: str, **_: Any) -> None:
    """Adds an account to a role group: its sessions opened from then on have the group's roles.

    Emulated: accounts by DOMAIN\\user, UPN or sAMAccountName; "already a member".
    Not emulated: groups as members, the ManagedBy check (-BypassSecurityGroupManagerCheck is
    accepted and changes nothing).
    """
    group = find_group(ctx, Identity)
    account, user = find_user(ctx, Member)
    if _is_member(ctx, group, account, user):
        raise RbacOperationError.already_member(account, group.name)
    if not ctx.should_process(f'Adding member "{account}" to role group "{group.name}".'):
        return None
    rbac_model(ctx).add_member(group.name, account)
    ctx.changed(group.name)
    return None


@cmdlet(
    "Remove-RoleGroupMember",
    [
        Param(
            "Identity",
            "identity",
            "RoleGroupIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Member", "identity", "SecurityPrincipalIdParameter", mandatory=True),
        Param("BypassSecurityGroupManagerCheck", "switch"),
        DOMAIN_CONTROLLER,
    ],
    confirm_impact="High",
    roles=("Role Management",),
)
def remove_role_group_member(ctx: Invocation, Identity: str, Member: str, **_: Any) -> None:
    """Removes an account from a role group (its AD membership of the group, as in Exchange,
    where role groups are universal security groups); sessions opened from then on lack the
    group's roles.

    Emulated: "isn't a member"; the High confirmation.
    Not emulated: groups as members, the ManagedBy check.
    """
    group = find_group(ctx, Identity)
    account, user = find_user(ctx, Member)
    if not _is_member(ctx, group, account, user):
        raise RbacOperationError.not_member(account, group.name)
    if not ctx.should_process(f'Removing member "{account}" from role group "{group.name}".'):
        return None
    user.groups[:] = [g for g in user.groups if g.lower() != group.name.lower()]
    added = rbac_model(ctx).group_members.get(account.lower())
    if added is not None:
        added[:] = [g for g in added if g.lower() != group.name.lower()]
    ctx.changed(group.name)
    return None


# -- role assignments ---------------------------------------------------------------------------------
@cmdlet(
    "Get-ManagementRoleAssignment",
    [
        Param("Identity", "identity", "RoleAssignmentIdParameter", position=0, pipeline=True),
        Param("Role", "identity", "RoleIdParameter"),
        Param("RoleAssignee", "identity", "RoleAssigneeIdParameter"),
        Param("RoleAssigneeType", "enum", "RoleAssigneeType", choices=("User", "RoleGroup")),
        DOMAIN_CONTROLLER,
    ],
    output_type="ExchangeRoleAssignmentPresentation",
    roles=("View-Only Configuration", "Role Management"),
)
def get_management_role_assignment(
    ctx: Invocation,
    Identity: str | None = None,
    Role: str | None = None,
    RoleAssignee: str | None = None,
    RoleAssigneeType: str | None = None,
    **_: Any,
) -> list[Record]:
    """Lists role assignments: to role groups (Exchange's built-in ones are `<Role>-<Group>`)
    and to users.

    Emulated: -Identity with wildcards, -Role, -RoleAssigneeType, -RoleAssignee (a role group:
    its assignments; a user: every assignment that applies to them, AssignmentMethod
    SecurityGroup for those through a role group), the OU write scope.
    Not emulated: delegating assignments, -Enabled, -Exclusive, -WritableRecipient and the
    other effective-scope filters, management scopes.
    """
    rbac = rbac_model(ctx)
    rows: list[tuple[RoleAssignment, str]] = [(a, "Direct") for a in rbac.assignments]
    if RoleAssignee:
        group = rbac.group(RoleAssignee)
        if group is not None:
            rows = [
                (a, "Direct")
                for a in rbac.assignments
                if a.assignee_type == "RoleGroup" and a.assignee.lower() == group.name.lower()
            ]
        else:
            account, user = find_user(ctx, RoleAssignee)
            rows = [
                (a, "Direct" if a.assignee_type == "User" else "SecurityGroup")
                for a in rbac.assignments_for(account, list(user.groups))
            ]
    if Identity:
        rows = [(a, m) for a, m in rows if like(a.name, Identity)]
        if not rows and "*" not in Identity:
            raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    if Role:
        role = find_role(ctx, Role)
        rows = [(a, m) for a, m in rows if a.role.lower() == role.name.lower()]
    if RoleAssigneeType:
        rows = [(a, m) for a, m in rows if a.assignee_type == RoleAssigneeType]
    return [assignment_view(ctx, a, m) for a, m in rows]


@cmdlet(
    "New-ManagementRoleAssignment",
    [
        Param("Name", position=0),
        Param("Role", "identity", "RoleIdParameter", mandatory=True, pipeline=True),
        Param("User", "identity", "UserIdParameter", sets=("User",), mandatory=True),
        Param(
            "SecurityGroup",
            "identity",
            "SecurityGroupIdParameter",
            sets=("SecurityGroup",),
            mandatory=True,
        ),
        Param("RecipientOrganizationalUnitScope", "string", "OrganizationalUnitIdParameter"),
        Param("Force", "switch"),
        DOMAIN_CONTROLLER,
    ],
    default_set="User",
    output_type="ExchangeRoleAssignmentPresentation",
    roles=("Role Management",),
)
def new_management_role_assignment(
    ctx: Invocation,
    Role: str,
    Name: str | None = None,
    User: str | None = None,
    SecurityGroup: str | None = None,
    RecipientOrganizationalUnitScope: str | None = None,
    **_: Any,
) -> list[Record]:
    """Assigns a role (built-in or custom) to a user or to a role group; sessions opened from
    then on have its entries.

    Emulated: the User and SecurityGroup (role group) sets, the name made as
    `<Role>-<assignee>` when -Name is not given (64 characters), -RecipientOrganizationalUnitScope
    (a domain or OU write scope).
    Not emulated: the Policy, Computer and App sets, -Delegating, custom and exclusive management
    scopes, -RecipientRelativeWriteScope.
    """
    rbac = rbac_model(ctx)
    role = find_role(ctx, Role)
    if SecurityGroup is not None:
        group = find_group(ctx, SecurityGroup)
        assignee, kind, shown = group.name, "RoleGroup", group.name
    else:
        assert User is not None
        assignee, _user_obj = find_user(ctx, User)
        kind, shown = "User", _user_obj.sam
    name = Name or f"{role.name}-{shown}"[:MAX_NAME]
    check_name(name)
    if any(a.name.lower() == name.lower() for a in rbac.assignments):
        raise ObjectAlreadyExists(ctx.org.domain_controller, assignment_dn(ctx, name))
    if not ctx.should_process(
        f'Creating management role assignment "{name}" of role "{role.name}" to "{shown}".'
    ):
        return []
    assignment = RoleAssignment(
        name, role.name, assignee, kind, RecipientOrganizationalUnitScope, ctx.now
    )
    rbac.assignments.append(assignment)
    ctx.changed(name)
    return [assignment_view(ctx, assignment)]


@cmdlet(
    "Remove-ManagementRoleAssignment",
    [
        Param(
            "Identity",
            "identity",
            "RoleAssignmentIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Force", "switch"),
        DOMAIN_CONTROLLER,
    ],
    confirm_impact="High",
    roles=("Role Management",),
)
def remove_management_role_assignment(ctx: Invocation, Identity: str, **_: Any) -> None:
    """Removes a role assignment; its assignee's sessions opened from then on lack the role
    (unless another assignment gives it).

    Emulated: not-found and several-match errors; the High confirmation.
    Not emulated: the refusal to remove the last delegating assignment of a role.
    """
    rbac = rbac_model(ctx)
    matches = [a for a in rbac.assignments if a.name.lower() == Identity.lower()]
    if not matches:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    if len(matches) > 1:
        raise AmbiguousIdentity(Identity)
    target = matches[0]
    if not ctx.should_process(f'Removing management role assignment "{target.name}".'):
        return None
    rbac.assignments.remove(target)
    ctx.changed(target.name)
    return None
