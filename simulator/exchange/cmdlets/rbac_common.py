"""What the RBAC cmdlets share (roles.py, role_entries.py, role_groups.py): the model of the
organisation, distinguished names, wildcard matching, String[] arguments, name lengths and the
look-ups of a role, a role group or an account, each refusing an unknown one as Exchange does.

The model is `rbac.RbacModel`. A custom role is a child of one role and holds a subset of its
entries (down to parameters): this is how an account comes to lack exactly one cmdlet or one
parameter. Every change applies to sessions opened after it: a session's grants are fixed when
it opens.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import (
    InvalidArgument,
    ObjectNotFound,
    PropertyTooLong,
)
from simulator.exchange.rbac import (
    MAX_NAME,
    ManagementRole,
    RbacModel,
    RoleGroup,
)

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation
    from simulator.world.accounts import DirectoryUser

SNAPIN = "Microsoft.Exchange.Management.PowerShell.E2010"


# -- names, DNs and look-ups ---------------------------------------------------------------------
def rbac_model(ctx: Invocation) -> RbacModel:
    return ctx.org.rbac


def role_dn(ctx: Invocation, name: str) -> str:
    return f"CN={name},CN=Roles,CN=RBAC,{ctx.org.config_dn}"


def assignment_dn(ctx: Invocation, name: str) -> str:
    return f"CN={name},CN=Role Assignments,CN=RBAC,{ctx.org.config_dn}"


def group_dn(ctx: Invocation, name: str) -> str:
    dc = ",".join(f"DC={part}" for part in ctx.org.domain.split("."))
    return f"CN={name},OU=Microsoft Exchange Security Groups,{dc}"


def like(value: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def names(value: Any) -> list[str]:
    """A String[] argument (`a,b`, one name, or $null) as a list of names."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, dict):
        raise InvalidArgument("Cannot convert the System.Collections.Hashtable value to String[].")
    return [str(value)]


def check_name(name: str) -> None:
    if len(name) > MAX_NAME:
        raise PropertyTooLong(MAX_NAME, len(name))


def find_role(ctx: Invocation, identity: str) -> ManagementRole:
    role = rbac_model(ctx).role(identity)
    if role is None:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    return role


def find_group(ctx: Invocation, identity: str) -> RoleGroup:
    group = rbac_model(ctx).group(identity)
    if group is None:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    return group


def find_user(ctx: Invocation, identity: str) -> tuple[str, DirectoryUser]:
    """An account by DOMAIN\\user, UPN or sAMAccountName → (DOMAIN\\user, the user)."""
    directory = ctx.org.directory
    user = directory.find(identity) if directory is not None else None
    if user is None or directory is None:
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)
    return directory.account_name(user), user
