"""Management role entries: Get-/Add-/Set-/Remove-ManagementRoleEntry. A custom role holds a
subset of its parent's entries, down to parameters; an entry a child role still holds cannot be
taken from its parent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER
from simulator.exchange.cmdlets.rbac_common import SNAPIN, find_role, like, names, rbac_model
from simulator.exchange.errors import (
    InvalidArgument,
    ObjectNotFound,
    RbacOperationError,
)
from simulator.exchange.rbac import (
    ManagementRole,
)
from simulator.exchange.registry import ALL, Param, cmdlet, lookup
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


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
    parent = find_role(ctx, role.parent or "")
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
    for child in rbac_model(ctx).children(role.name):
        found = child.entry(cmdlet_name)
        if found is None:
            continue
        held = _expanded(found[0], found[1])
        if dropped is None or held & dropped:
            raise RbacOperationError.held_by_child(f"{role.name}\\{cmdlet_name}", child.name)


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
    roles=("View-Only Configuration", "Role Management"),
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
    wanted = names(Parameters)
    rbac = rbac_model(ctx)
    wildcard = "*" in Identity
    roles = [r for r in rbac.roles.values() if like(r.name, role_pattern)]
    if not roles and not wildcard:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    out = []
    for role in sorted(roles, key=lambda r: r.name.lower()):
        for name in sorted(role.entries, key=str.lower):
            if not like(name, name_pattern):
                continue
            params = role.entries[name]
            expanded = {p.lower() for p in _expanded(name, params)}
            if wanted and not all(p.lower() in expanded for p in wanted):
                continue
            if PSSnapinName and not like(SNAPIN, PSSnapinName):
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
    roles=("Role Management",),
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
    role = _custom(ctx, find_role(ctx, role_name))
    name, parent_params = _parent_entry(ctx, role, cmdlet_name)
    params = (
        _canonical_parameters(ctx, role, name, names(Parameters))
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
    roles=("Role Management",),
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
    role = _custom(ctx, find_role(ctx, role_name))
    found = role.entry(cmdlet_name)
    if found is None:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    name, current = found[0], _expanded(found[0], found[1])
    given = names(Parameters)
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
    roles=("Role Management",),
)
def remove_management_role_entry(ctx: Invocation, Identity: str, **_: Any) -> None:
    """Removes an entry from a custom role: the role's assignees no longer get the cmdlet in
    sessions they open from then on.

    Emulated: refusal on a built-in role and while a child role still has the entry; not-found
    for an entry the role lacks; the High confirmation.
    Not emulated: -UnScopedTopLevel.
    """
    role_name, cmdlet_name = _entry_identity(Identity)
    role = _custom(ctx, find_role(ctx, role_name))
    found = role.entry(cmdlet_name)
    if found is None:
        raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
    _check_children(ctx, role, found[0], None)
    if not ctx.should_process(f'Removing management role entry "{role.name}\\{found[0]}".'):
        return None
    del role.entries[found[0]]
    ctx.changed(f"{role.name}\\{found[0]}")
    return None
