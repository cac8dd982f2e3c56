"""A world's Exchange organisations: one per Active Directory forest.

The first organisation is `world.exchange` (with `world.population`), installed in the
directory's own forest; `world.organizations` adds one per further forest, each with its own
name, servers, configuration, RBAC, throttling, population and fleet. A directory account
belongs to the organisation of its domain's forest (its mailbox, licence and direct role
assignments are made there); accounts of a forest without Exchange stay with the first
organisation, as they did when a world had only one.

What ties a connector to an organisation is the server it names: DNS resolves that name to one
organisation's server, and a session opened there sees that organisation alone — its
Get-OrganizationConfig, its servers' ExchangeLegacyDN (`/o=<name>/...`, which the connector
reports to Intune as its organisation), its recipients and its partnerships; Get-User lists
the directory's users except those of another organisation's forest. A host joins a
forest through its `domain:`; reaching another forest's Exchange needs the trust as ever.

Deviations: the role groups an account is in count only in the organisation of its own forest
(a forest with Exchange has its own role groups; membership across forests — linked role
groups, foreign security principals — is not modelled). Intune tells organisations apart by
the name the connector reports (from the server's ExchangeLegacyDN): profile 2018's one
connection per organisation, its Replace, and the console's list of connections key on it, so
the world refuses two organisations with the same name (real forests may both keep "First
Organization"; given only the name, Intune could not tell them apart either). Scenario steps
that name a user, a device or a server (partnerships, device syncs, a server going down, a
shell line on a named server) find it in whichever organisation holds it, the first one
searched first; a user that `create_user` makes, `add_role_group_member` and a shell line on
no named server concern the first organisation, and so does the interactive shell lab.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faker import Faker

from simulator.exchange.build import ExchangeWorld, account_forest, build_organization
from simulator.exchange.model import ExchangeServer, Mailbox, Organization
from simulator.world.clock import SimClock
from simulator.world.directory import Directory

if TYPE_CHECKING:
    from simulator.world.config.world import WorldSpec


@dataclass
class Organizations:
    """Every organisation of the world, the first first; lookups by name, server and forest."""

    built: list[ExchangeWorld]

    def __iter__(self) -> Iterator[Organization]:
        return (b.org for b in self.built)

    def __len__(self) -> int:
        return len(self.built)

    @property
    def first(self) -> Organization:
        return self.built[0].org

    def named(self, name: str) -> Organization | None:
        low = name.lower()
        return next((o for o in self if o.name.lower() == low), None)

    def names(self) -> list[str]:
        return [o.name for o in self]

    def of_server(self, name: str) -> Organization | None:
        """The organisation holding the server `name` (short name or FQDN)."""
        return next((o for o in self if o.server(name) is not None), None)

    def server(self, name: str) -> tuple[Organization, ExchangeServer] | None:
        for org in self:
            found = org.server(name)
            if found is not None:
                return org, found
        return None

    def servers(self) -> list[ExchangeServer]:
        return [s for o in self for s in o.servers]

    def mailboxes(self) -> Iterator[Mailbox]:
        return (m for o in self for m in o.mailboxes)

    def find_mailboxes(self, identity: str) -> list[Mailbox]:
        """The first organisation's mailboxes `identity` names, else the next one's, ..."""
        for org in self:
            found = org.find_mailboxes(identity)
            if found:
                return found
        return []

    def of_mailbox(self, mailbox: Mailbox) -> Organization:
        """The organisation holding `mailbox` (its legacyExchangeDN names it)."""
        return self.named(mailbox.organization) or self.first

    def fleet_of(self, org: Organization) -> Any:
        return next((b.fleet for b in self.built if b.org is org), None)


def further_organisations(
    spec: WorldSpec,
    directory: Directory,
    clock: SimClock,
    rng: Callable[[str], random.Random],
    faker: Faker,
    emit: Callable[..., Any] | None = None,
) -> list[ExchangeWorld]:
    """Build `world.organizations`, each in its forest, with its own generators (`rng` of
    `<purpose>@<organisation>`, so the first organisation's draws are what they were)."""
    out = []
    for i, o in enumerate(spec.organizations):
        forest = o.forest.lower()
        for d in o.population.domains:
            found = directory.domain(d)
            if found is None or found.forest != forest:
                raise ValueError(
                    f"world.organizations.{i}.population.domains: {d!r} is not a domain of the "
                    f"forest {forest} (its domains: {', '.join(directory.forests().get(forest, []))})"
                )
        accounts = [
            a for a in spec.directory.accounts if account_forest(directory, a.name) == forest
        ]
        key = o.organization.lower()
        built = build_organization(
            o,
            o.population,
            accounts,
            directory,
            clock,
            lambda purpose, key=key: rng(f"{purpose}@{key}"),  # type: ignore[misc]
            faker,
            forest,
            emit,
        )
        out.append(built)
    return out
