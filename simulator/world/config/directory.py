"""Configuration of Active Directory: domains, trusts, accounts, groups, computers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import (
    Field,
    field_validator,
)

from simulator.world.config.base import Strict


class GroupSpec(Strict):
    name: str
    domain: str | None = None
    members: list[str] = Field(default_factory=list, description="accounts, DOMAIN\\user")
    member_of: list[str] = Field(default_factory=list, description="parent groups (nesting)")
    population: float = Field(0.0, ge=0, le=1, description="share of population users added")
    description: str = ""


class ComputerSpec(Strict):
    name: str
    domain: str | None = None
    operating_system: str = ""


class RoleAssignmentSpec(Strict):
    """A management role assigned directly, optionally scoped to a recipient root for writes."""

    role: str
    recipient_root: str | None = Field(
        None, description="write scope: a domain or OU, e.g. contoso.local/Sales"
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, v: str) -> str:
        from simulator.exchange.rbac import canonical_role

        return canonical_role(v)


class AccountSpec(Strict):
    name: str = Field(description="DOMAIN\\user")
    password: str
    upn: str | None = None
    role_groups: list[str] = Field(default_factory=list)
    roles: list[str | RoleAssignmentSpec] = Field(
        default_factory=list,
        description="direct management role assignments: a role name, or {role, recipient_root}",
    )

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: list[str | RoleAssignmentSpec]) -> list[str | RoleAssignmentSpec]:
        from simulator.exchange.rbac import canonical_role

        return [canonical_role(r) if isinstance(r, str) else r for r in v]

    mailbox: bool = False
    licensed: bool = False
    enabled: bool = True
    locked: bool = False
    password_expired: bool = False
    password_expires: date | None = Field(None, description="expired from this date (UTC) on")
    mail: str | None = Field(
        None, description="E-mail attribute: its mailbox's primary SMTP address; the UPN if unset"
    )
    groups: list[str] = Field(default_factory=list, description="AD groups (see directory.groups)")

    @field_validator("mail")
    @classmethod
    def _smtp(cls, v: str | None) -> str | None:
        from simulator.exchange.addresses import invalid_smtp_detail, is_smtp

        if v is not None and not is_smtp(v):
            raise ValueError(invalid_smtp_detail(v))
        return v

    @field_validator("name")
    @classmethod
    def _domain_user(cls, v: str) -> str:
        if "\\" not in v or not all(v.split("\\", 1)):
            raise ValueError(f"expected DOMAIN\\user, found {v!r}")
        return v


class DomainSpec(Strict):
    name: str
    netbios: str | None = None
    forest: str | None = None


class TrustSpec(Strict):
    trusting: str
    trusted: str
    two_way: bool = True
    kind: Literal["external", "forest"] = Field(
        "external", description="external: these two domains; forest: every domain of both forests"
    )


class DirectorySpec(Strict):
    domain: str = "contoso.local"
    netbios: str | None = None
    extra_domains: list[DomainSpec] = Field(default_factory=list)
    trusts: list[TrustSpec] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)
    accounts_file: str | None = Field(
        None,
        description="a CSV file beside the scenario with more of `accounts`, one per row "
        "(what a large import writes)",
    )
    groups: list[GroupSpec] = Field(default_factory=list)
    computers: list[ComputerSpec] = Field(
        default_factory=list, description="more computer accounts (hosts and servers get theirs)"
    )
    lockout_threshold: int = Field(
        0, ge=0, le=1000, description="bad passwords before lockout; 0 never"
    )
