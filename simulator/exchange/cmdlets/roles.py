"""Management roles as administrators change them: Get-ManagementRole and New-ManagementRole
(a custom role, a child of one role). Their entries are role_entries.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER
from simulator.exchange.cmdlets.rbac_common import check_name, find_role, like, rbac_model, role_dn
from simulator.exchange.errors import (
    InvalidArgument,
    ObjectAlreadyExists,
    ObjectNotFound,
)
from simulator.exchange.rbac import (
    ManagementRole,
    role_type,
)
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


# -- views ------------------------------------------------------------------------------------------
def role_view(ctx: Invocation, role: ManagementRole) -> Record:
    rbac = rbac_model(ctx)
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
            "DistinguishedName": role_dn(ctx, role.name),
            "WhenCreated": ctx.org.dt(role.created),
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
    roles=("View-Only Configuration", "Role Management"),
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
    rbac = rbac_model(ctx)
    roles = sorted(rbac.roles.values(), key=lambda r: r.name.lower())
    if (GetChildren or Recurse) and not Identity:
        raise InvalidArgument("The GetChildren and Recurse parameters need the Identity parameter.")
    if Identity and (GetChildren or Recurse):
        base = find_role(ctx, Identity)
        found: list[ManagementRole] = []
        frontier = [base]
        while frontier:
            children = [c for r in frontier for c in rbac.children(r.name)]
            found += children
            frontier = children if Recurse else []
        roles = sorted(found, key=lambda r: r.name.lower())
    elif Identity:
        roles = [r for r in roles if like(r.name, Identity)]
        if not roles and "*" not in Identity:
            raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    if RoleType:
        roles = [r for r in roles if role_view(ctx, r)["RoleType"].lower() == RoleType.lower()]
    if Cmdlet:
        roles = [r for r in roles if any(like(name, Cmdlet) for name in r.entries)]
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
    roles=("Role Management",),
)
def new_management_role(
    ctx: Invocation, Name: str, Parent: str, Description: str | None = None, **_: Any
) -> list[Record]:
    """Creates a custom role, a child of -Parent with a copy of every entry of it.

    Emulated: the new role's entries (each as its parent's, down to parameters), Parent,
    Description, the name's uniqueness and length (64).
    Not emulated: unscoped top-level roles (-UnScopedTopLevel), -EnabledCmdlets.
    """
    check_name(Name)
    parent = find_role(ctx, Parent)
    rbac = rbac_model(ctx)
    if rbac.role(Name) is not None:
        raise ObjectAlreadyExists(ctx.org.domain_controller, role_dn(ctx, Name))
    if not ctx.should_process(
        f'Creating management role "{Name}" with parent role "{parent.name}".'
    ):
        return []
    role = rbac.add_role(Name, parent.name, Description or "", ctx.now)
    ctx.changed(Name)
    return [role_view(ctx, role)]
