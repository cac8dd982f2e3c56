"""Role Based Access Control as administrators change it: management roles (Get-/New-ManagementRole),
their entries (Get-/Add-/Set-/Remove-ManagementRoleEntry), role groups (Get-/New-RoleGroup,
Add-/Remove-RoleGroupMember) and role assignments (Get-/New-/Remove-ManagementRoleAssignment).

The model is `rbac.RbacModel`. A custom role is a child of one role and holds a subset of its
entries (down to parameters): this is how an account comes to lack exactly one cmdlet or one
parameter. Every change applies to sessions opened after it: a session's grants are fixed when
it opens.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER
from simulator.exchange.errors import (
    AmbiguousIdentity,
    InvalidArgument,
    ObjectAlreadyExists,
    ObjectNotFound,
    PropertyTooLong,
    RbacOperationError,
)
from simulator.exchange.rbac import (
    MAX_NAME,
    ManagementRole,
    RbacModel,
    RoleAssignment,
    RoleGroup,
    role_type,
)
from simulator.exchange.registry import ALL, Param, cmdlet, lookup
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation
    from simulator.world.accounts import DirectoryUser

SNAPIN = "Microsoft.Exchange.Management.PowerShell.E2010"


# -- names, DNs and look-ups ---------------------------------------------------------------------
def _rbac(ctx: Invocation) -> RbacModel:
    return ctx.org.rbac


def _role_dn(ctx: Invocation, name: str) -> str:
    return f"CN={name},CN=Roles,CN=RBAC,{ctx.org.config_dn}"


def _assignment_dn(ctx: Invocation, name: str) -> str:
    return f"CN={name},CN=Role Assignments,CN=RBAC,{ctx.org.config_dn}"


def _group_dn(ctx: Invocation, name: str) -> str:
    dc = ",".join(f"DC={part}" for part in ctx.org.domain.split("."))
    return f"CN={name},OU=Microsoft Exchange Security Groups,{dc}"


def _like(value: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _names(value: Any) -> list[str]:
    """A String[] argument (`a,b`, one name, or $null) as a list of names."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, dict):
        raise InvalidArgument("Cannot convert the System.Collections.Hashtable value to String[].")
    return [str(value)]


def _check_name(name: str) -> None:
    if len(name) > MAX_NAME:
        raise PropertyTooLong(MAX_NAME, len(name))


def _role(ctx: Invocation, identity: str) -> ManagementRole:
    role = _rbac(ctx).role(identity)
    if role is None:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    return role


def _group(ctx: Invocation, identity: str) -> RoleGroup:
    group = _rbac(ctx).group(identity)
    if group is None:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    return group


def _user(ctx: Invocation, identity: str) -> tuple[str, DirectoryUser]:
    """An account by DOMAIN\\user, UPN or sAMAccountName → (DOMAIN\\user, the user)."""
    directory = ctx.org.directory
    user = directory.find(identity) if directory is not None else None
    if user is None or directory is None:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    return directory.account_name(user), user


def _entry_identity(identity: str) -> tuple[str, str]:
    """`Role\\Cmdlet` → (role, cmdlet); Exchange refuses any other form."""
    role, sep, name = identity.partition("\\")
    if not sep or not role or not name:
        raise InvalidArgument(
            f"The value '{identity}' isn't valid for a role entry identity. Use the format "
            "<management role>\\<role entry name>, for example, ExampleRole\\Set-Mailbox."
        )
    return role, name


def _all_parameters(cmdlet_name: str) -> frozenset[str]:
    """Every parameter of a cmdlet: what an entry granting `ALL` lists."""
    spec = lookup(cmdlet_name)
    return frozenset(p.name for p in spec.params.values()) if spec else frozenset()


def _expanded(cmdlet_name: str, parameters: frozenset[str]) -> frozenset[str]:
    return _all_parameters(cmdlet_name) if parameters >= ALL else parameters


def _custom(ctx: Invocation, role: ManagementRole) -> ManagementRole:
    if role.built_in:
        raise RbacOperationError.built_in(role.name)
    return role


def _parent_entry(ctx: Invocation, role: ManagementRole, name: str) -> tuple[str, frozenset[str]]:
    parent = _role(ctx, role.parent or "")
    found = parent.entry(name)
    if found is None:
        raise RbacOperationError.not_in_parent(name, role.name, parent.name)
    return found[0], _expanded(found[0], found[1])


def _canonical_parameters(
    ctx: Invocation, role: ManagementRole, cmdlet_name: str, given: list[str]
) -> frozenset[str]:
    """`given` in the parent entry's spelling; refuses any the parent entry lacks."""
    _, allowed = _parent_entry(ctx, role, cmdlet_name)
    by_lower = {p.lower(): p for p in allowed}
    missing = [p for p in given if p.lower() not in by_lower]
    if missing:
        raise RbacOperationError.parameters_not_in_parent(
            missing, f"{role.name}\\{cmdlet_name}", role.parent or ""
        )
    return frozenset(by_lower[p.lower()] for p in given)


def _check_children(
    ctx: Invocation, role: ManagementRole, cmdlet_name: str, dropped: frozenset[str] | None
) -> None:
    """Refuse to take away what a child role still holds (`dropped` None: the whole entry)."""
    for child in _rbac(ctx).children(role.name):
        found = child.entry(cmdlet_name)
        if found is None:
            continue
        held = _expanded(found[0], found[1])
        if dropped is None or held & dropped:
            raise RbacOperationError.held_by_child(f"{role.name}\\{cmdlet_name}", child.name)


# -- views ------------------------------------------------------------------------------------------
def role_view(ctx: Invocation, role: ManagementRole) -> Record:
    rbac = _rbac(ctx)
    root = role
    while root.parent is not None and rbac.role(root.parent) is not None:
        root = rbac.role(root.parent)  # type: ignore[assignment]
    return Record(
        "ExchangeRole",
        {
            "Name": role.name,
            "RoleType": role_type(root.name),
            "ImplicitRecipientReadScope": "Organization",
            "ImplicitRecipientWriteScope": "Organization",
            "ImplicitConfigReadScope": "OrganizationConfig",
            "ImplicitConfigWriteScope": "OrganizationConfig",
            "IsRootRole": role.built_in,
            "IsEndUserRole": False,
            "Description": role.description,
            "Parent": role.parent,
            "Identity": role.name,
            "DistinguishedName": _role_dn(ctx, role.name),
            "WhenCreated": ctx.org.dt(role.created),
        },
    )


def entry_view(role: ManagementRole, name: str, parameters: frozenset[str]) -> Record:
    return Record(
        "ExchangeRoleEntryPresentation",
        {
            "Name": name,
            "Role": role.name,
            "Parameters": sorted(_expanded(name, parameters), key=str.lower),
            "Type": "Cmdlet",
            "PSSnapinName": SNAPIN,
            "Id": role.name,
            "Identity": f"{role.name}\\{name}",
        },
    )


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
            "DistinguishedName": _assignment_dn(ctx, a.name),
            "WhenCreated": ctx.org.dt(a.created),
        },
    )


def _members(ctx: Invocation, group: RoleGroup) -> list[str]:
    """DOMAIN\\user of every member: AD membership of the group, plus Add-RoleGroupMember's."""
    directory = ctx.org.directory
    rbac = _rbac(ctx)
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
    assignments = _rbac(ctx).role_group(group.name) or ()
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
            "DistinguishedName": _group_dn(ctx, group.name),
        },
    )


# -- management roles ---------------------------------------------------------------------------------
@cmdlet(
    "Get-ManagementRole",
    [
        Param("Identity", "identity", "RoleIdParameter", position=0, pipeline=True),
        Param("RoleType", "string", "RoleType"),
        Param("Cmdlet"),
        Param("GetChildren", "switch"),
        Param("Recurse", "switch"),
        DOMAIN_CONTROLLER,
    ],
    output_type="ExchangeRole",
)
def get_management_role(
    ctx: Invocation,
    Identity: str | None = None,
    RoleType: str | None = None,
    Cmdlet: str | None = None,
    GetChildren: bool = False,
    Recurse: bool = False,
    **_: Any,
) -> list[Record]:
    """Lists management roles, built-in and custom.

    Emulated: -Identity with wildcards, -RoleType, -Cmdlet (roles that hold an entry for it),
    -GetChildren (the roles whose parent is the role), -Recurse (all descendants); Name, RoleType
    (a custom role has its root role's type), IsRootRole, Parent, Description, the implicit scopes.
    Not emulated: -CmdletParameters, -Script, end-user and unscoped top-level roles; only the
    built-in roles that hold one of the connector's cmdlets have entries.
    """
    rbac = _rbac(ctx)
    roles = sorted(rbac.roles.values(), key=lambda r: r.name.lower())
    if (GetChildren or Recurse) and not Identity:
        raise InvalidArgument("The GetChildren and Recurse parameters need the Identity parameter.")
    if Identity and (GetChildren or Recurse):
        base = _role(ctx, Identity)
        found: list[ManagementRole] = []
        frontier = [base]
        while frontier:
            children = [c for r in frontier for c in rbac.children(r.name)]
            found += children
            frontier = children if Recurse else []
        roles = sorted(found, key=lambda r: r.name.lower())
    elif Identity:
        roles = [r for r in roles if _like(r.name, Identity)]
        if not roles and "*" not in Identity:
            raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    if RoleType:
        roles = [r for r in roles if role_view(ctx, r)["RoleType"].lower() == RoleType.lower()]
    if Cmdlet:
        roles = [r for r in roles if any(_like(name, Cmdlet) for name in r.entries)]
    return [role_view(ctx, r) for r in roles]


@cmdlet(
    "New-ManagementRole",
    [
        Param("Name", position=0, mandatory=True),
        Param("Parent", "identity", "RoleIdParameter", mandatory=True, pipeline=True),
        Param("Description"),
        DOMAIN_CONTROLLER,
    ],
    output_type="ExchangeRole",
)
def new_management_role(
    ctx: Invocation, Name: str, Parent: str, Description: str | None = None, **_: Any
) -> list[Record]:
    """Creates a custom role, a child of -Parent with a copy of every entry of it.

    Emulated: the new role's entries (each as its parent's, down to parameters), Parent,
    Description, the name's uniqueness and length (64).
    Not emulated: unscoped top-level roles (-UnScopedTopLevel), -EnabledCmdlets.
    """
    _check_name(Name)
    parent = _role(ctx, Parent)
    rbac = _rbac(ctx)
    if rbac.role(Name) is not None:
        raise ObjectAlreadyExists(ctx.org.domain_controller, _role_dn(ctx, Name))
    if not ctx.should_process(
        f'Creating management role "{Name}" with parent role "{parent.name}".'
    ):
        return []
    role = rbac.add_role(Name, parent.name, Description or "", ctx.now)
    ctx.changed(Name)
    return [role_view(ctx, role)]


# -- role entries ------------------------------------------------------------------------------------
@cmdlet(
    "Get-ManagementRoleEntry",
    [
        Param(
            "Identity",
            "identity",
            "RoleEntryIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Parameters", "object", "String[]"),
        Param("PSSnapinName"),
        Param("Type", "enum", "ManagementRoleEntryType[]", choices=("Cmdlet", "Script", "All")),
        DOMAIN_CONTROLLER,
    ],
    output_type="ExchangeRoleEntryPresentation",
)
def get_management_role_entry(
    ctx: Invocation,
    Identity: str,
    Parameters: list[str] | None = None,
    PSSnapinName: str | None = None,
    Type: str | None = None,
    **_: Any,
) -> list[Record]:
    """Lists role entries, `Role\\Cmdlet`, with the parameters each grants.

    Emulated: wildcards in both parts (`Mail Recipients\\*`, `*\\Set-CASMailbox`), -Parameters
    (entries holding every one named), -PSSnapinName; an entry granting every parameter lists
    them all. Not emulated: script and web-service entries (every entry is a Cmdlet).
    """
    role_pattern, name_pattern = _entry_identity(Identity)
    wanted = _names(Parameters)
    rbac = _rbac(ctx)
    wildcard = "*" in Identity
    roles = [r for r in rbac.roles.values() if _like(r.name, role_pattern)]
    if not roles and not wildcard:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    out = []
    for role in sorted(roles, key=lambda r: r.name.lower()):
        for name in sorted(role.entries, key=str.lower):
            if not _like(name, name_pattern):
                continue
            params = role.entries[name]
            expanded = {p.lower() for p in _expanded(name, params)}
            if wanted and not all(p.lower() in expanded for p in wanted):
                continue
            if PSSnapinName and not _like(SNAPIN, PSSnapinName):
                continue
            if Type and Type not in ("Cmdlet", "All"):
                continue
            out.append(entry_view(role, name, params))
    if not out and not wildcard:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    return out


@cmdlet(
    "Add-ManagementRoleEntry",
    [
        Param(
            "Identity",
            "identity",
            "RoleEntryIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Parameters", "object", "String[]"),
        Param("Overwrite", "switch"),
        Param("Force", "switch"),
        DOMAIN_CONTROLLER,
    ],
)
def add_management_role_entry(
    ctx: Invocation,
    Identity: str,
    Parameters: list[str] | None = None,
    Overwrite: bool = False,
    **_: Any,
) -> None:
    """Adds an entry to a custom role: one its parent role has, with the parent's parameters or
    the subset named by -Parameters.

    Emulated: refusal on a built-in role, for a cmdlet the parent role lacks and for a parameter
    the parent's entry lacks; an existing entry is kept unless -Overwrite.
    Not emulated: the ParentRoleEntry parameter set (piping Get-ManagementRoleEntry output with
    -Role), -PSSnapinName, -Type, -UnScopedTopLevel. The error texts are modelled on Exchange's.
    """
    role_name, cmdlet_name = _entry_identity(Identity)
    role = _custom(ctx, _role(ctx, role_name))
    name, parent_params = _parent_entry(ctx, role, cmdlet_name)
    params = (
        _canonical_parameters(ctx, role, name, _names(Parameters))
        if "Parameters" in ctx.values
        else parent_params
    )
    if role.entry(name) is not None and not Overwrite:
        raise RbacOperationError.entry_exists(name, role.name)
    if not ctx.should_process(f'Adding management role entry "{name}" to role "{role.name}".'):
        return None
    role.entries[name] = params
    ctx.changed(f"{role.name}\\{name}")
    return None


@cmdlet(
    "Set-ManagementRoleEntry",
    [
        Param(
            "Identity",
            "identity",
            "RoleEntryIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Parameters", "object", "String[]"),
        Param("AddParameter", "switch"),
        Param("RemoveParameter", "switch"),
        DOMAIN_CONTROLLER,
    ],
)
def set_management_role_entry(
    ctx: Invocation,
    Identity: str,
    Parameters: list[str] | None = None,
    AddParameter: bool = False,
    RemoveParameter: bool = False,
    **_: Any,
) -> None:
    """Changes the parameters of an entry of a custom role: -AddParameter adds those named
    (the parent's entry must have them), -RemoveParameter takes them away, neither replaces
    the entry's parameters with those named ($null: none).

    Emulated: refusal on a built-in role, for a parameter the parent's entry lacks, for a
    parameter a child role's entry still holds, and for -AddParameter with -RemoveParameter.
    Not emulated: -UnScopedTopLevel.
    """
    if AddParameter and RemoveParameter:
        raise InvalidArgument(
            "The AddParameter and RemoveParameter parameters can't be used together."
        )
    role_name, cmdlet_name = _entry_identity(Identity)
    role = _custom(ctx, _role(ctx, role_name))
    found = role.entry(cmdlet_name)
    if found is None:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    name, current = found[0], _expanded(found[0], found[1])
    given = _names(Parameters)
    if RemoveParameter:
        by_lower = {p.lower(): p for p in current}
        dropped = frozenset(by_lower[p.lower()] for p in given if p.lower() in by_lower)
        new = current - dropped
    else:
        named = _canonical_parameters(ctx, role, name, given)
        new = current | named if AddParameter else named
        dropped = current - new
    if dropped:
        _check_children(ctx, role, name, dropped)
    if not ctx.should_process(f'Changing management role entry "{role.name}\\{name}".'):
        return None
    role.entries[name] = frozenset(new)
    ctx.changed(f"{role.name}\\{name}")
    return None


@cmdlet(
    "Remove-ManagementRoleEntry",
    [
        Param(
            "Identity",
            "identity",
            "RoleEntryIdParameter",
            position=0,
            mandatory=True,
            pipeline=True,
        ),
        Param("Force", "switch"),
        DOMAIN_CONTROLLER,
    ],
    confirm_impact="High",
)
def remove_management_role_entry(ctx: Invocation, Identity: str, **_: Any) -> None:
    """Removes an entry from a custom role: the role's assignees no longer get the cmdlet in
    sessions they open from then on.

    Emulated: refusal on a built-in role and while a child role still has the entry; not-found
    for an entry the role lacks; the High confirmation.
    Not emulated: -UnScopedTopLevel.
    """
    role_name, cmdlet_name = _entry_identity(Identity)
    role = _custom(ctx, _role(ctx, role_name))
    found = role.entry(cmdlet_name)
    if found is None:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    _check_children(ctx, role, found[0], None)
    if not ctx.should_process(f'Removing management role entry "{role.name}\\{found[0]}".'):
        return None
    del role.entries[found[0]]
    ctx.changed(f"{role.name}\\{found[0]}")
    return None


# -- role groups --------------------------------------------------------------------------------------
@cmdlet(
    "Get-RoleGroup",
    [
        Param("Identity", "identity", "RoleGroupIdParameter", position=0, pipeline=True),
        DOMAIN_CONTROLLER,
    ],
    output_type="RoleGroup",
)
def get_role_group(ctx: Invocation, Identity: str | None = None, **_: Any) -> list[Record]:
    """Lists role groups with their roles, role assignments and members.

    Emulated: -Identity with wildcards; Members from AD membership and Add-RoleGroupMember.
    Not emulated: -Filter, -SortBy, linked role groups, ManagedBy.
    """
    groups = sorted(_rbac(ctx).role_groups.values(), key=lambda g: g.name.lower())
    if Identity:
        groups = [g for g in groups if _like(g.name, Identity)]
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
    _check_name(Name)
    rbac = _rbac(ctx)
    if rbac.group(Name) is not None:
        raise ObjectAlreadyExists(ctx.org.domain_controller, _group_dn(ctx, Name))
    roles = [_role(ctx, r).name for r in _names(Roles)]
    members = [_user(ctx, m)[0] for m in _names(Members)]
    if not ctx.should_process(f'Creating role group "{Name}".'):
        return []
    group = rbac.add_role_group(
        Name, roles, RecipientOrganizationalUnitScope, members, Description or "", ctx.now
    )
    ctx.changed(Name)
    return [group_view(ctx, group)]


def _is_member(ctx: Invocation, group: RoleGroup, account: str, user: DirectoryUser) -> bool:
    added = _rbac(ctx).group_members.get(account.lower(), [])
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
)
def add_role_group_member(ctx: Invocation, Identity: str, Member: str, **_: Any) -> None:
    """Adds an account to a role group: its sessions opened from then on have the group's roles.

    Emulated: accounts by DOMAIN\\user, UPN or sAMAccountName; "already a member".
    Not emulated: groups as members, the ManagedBy check (-BypassSecurityGroupManagerCheck is
    accepted and changes nothing).
    """
    group = _group(ctx, Identity)
    account, user = _user(ctx, Member)
    if _is_member(ctx, group, account, user):
        raise RbacOperationError.already_member(account, group.name)
    if not ctx.should_process(f'Adding member "{account}" to role group "{group.name}".'):
        return None
    _rbac(ctx).add_member(group.name, account)
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
)
def remove_role_group_member(ctx: Invocation, Identity: str, Member: str, **_: Any) -> None:
    """Removes an account from a role group (its AD membership of the group, as in Exchange,
    where role groups are universal security groups); sessions opened from then on lack the
    group's roles.

    Emulated: "isn't a member"; the High confirmation.
    Not emulated: groups as members, the ManagedBy check.
    """
    group = _group(ctx, Identity)
    account, user = _user(ctx, Member)
    if not _is_member(ctx, group, account, user):
        raise RbacOperationError.not_member(account, group.name)
    if not ctx.should_process(f'Removing member "{account}" from role group "{group.name}".'):
        return None
    user.groups[:] = [g for g in user.groups if g.lower() != group.name.lower()]
    added = _rbac(ctx).group_members.get(account.lower())
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
    rbac = _rbac(ctx)
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
            account, user = _user(ctx, RoleAssignee)
            rows = [
                (a, "Direct" if a.assignee_type == "User" else "SecurityGroup")
                for a in rbac.assignments_for(account, list(user.groups))
            ]
    if Identity:
        rows = [(a, m) for a, m in rows if _like(a.name, Identity)]
        if not rows and "*" not in Identity:
            raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    if Role:
        role = _role(ctx, Role)
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
    rbac = _rbac(ctx)
    role = _role(ctx, Role)
    if SecurityGroup is not None:
        group = _group(ctx, SecurityGroup)
        assignee, kind, shown = group.name, "RoleGroup", group.name
    else:
        assert User is not None
        assignee, _user_obj = _user(ctx, User)
        kind, shown = "User", _user_obj.sam
    name = Name or f"{role.name}-{shown}"[:MAX_NAME]
    _check_name(name)
    if any(a.name.lower() == name.lower() for a in rbac.assignments):
        raise ObjectAlreadyExists(ctx.org.domain_controller, _assignment_dn(ctx, name))
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
)
def remove_management_role_assignment(ctx: Invocation, Identity: str, **_: Any) -> None:
    """Removes a role assignment; its assignee's sessions opened from then on lack the role
    (unless another assignment gives it).

    Emulated: not-found and several-match errors; the High confirmation.
    Not emulated: the refusal to remove the last delegating assignment of a role.
    """
    rbac = _rbac(ctx)
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
