"""Building the Exchange organisation from a scenario's `world:` section.

The servers with their versions and roles; the organisation's ActiveSync settings, the
"Default" mailbox policy that setup creates and any other policies; device access rules; RBAC
(custom role groups, direct assignments with their scopes); the throttling policy; the access
cache and Device Discovery durations; the seeded population; mailboxes for the scenario's own
accounts; the partnerships the world declares (`world.exchange.devices`, what `exchange-twin
import` writes from a customer's export); and — unless switched off — the fleet whose simpy
process gives the devices a life.

Deviations: a declared partnership (an import of Export-Csv output of Get-MobileDevice) keeps
its device id and type, model, OS, user agent, friendly name, IMEI, operator, phone number,
OS language, ActiveSync version, client type and first sync, but not its GUID, WhenCreated
or WhenChanged, nor its mailbox's CN and OU (the mailbox is named after its account's
sAMAccountName, in Users); Export-Csv times carry no time zone and are read as UTC; its
access state is not stored but decided as Exchange decides it (the owner's block and allow
lists, the rules, the default level), so a state Exchange had not yet re-evaluated (a rule
added after the device's last sync) is not reproduced, and Device Discovery, Policy and
Upgrade states are not carried over; without a Get-MobileDeviceStatistics export a declared
device has no last successful sync.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faker import Faker

from simulator.exchange import policy_settings
from simulator.exchange.behaviour import BehaviourSpec, Fleet
from simulator.exchange.cmdlets.rules import rule_name
from simulator.exchange.device import Device
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.model import Organization
from simulator.exchange.naming import DEFAULT_ORGANIZATION, guid_bits
from simulator.exchange.population import Population, PopulationBuilder, PopulationSpec
from simulator.exchange.servers import ExchangeServer
from simulator.exchange.settings import DeviceAccessRule, MailboxPolicy, OrganizationSettings
from simulator.exchange.throttling import ThrottlingPolicy
from simulator.exchange.versions import version
from simulator.world.accounts import DirectoryUser
from simulator.world.clock import SimClock
from simulator.world.config.base import seconds_from_start
from simulator.world.directory import Directory
from simulator.world.durations import parse_duration

if TYPE_CHECKING:
    from simulator.world.config.directory import AccountSpec
    from simulator.world.config.exchange import (
        BudgetSpec,
        DeviceSpec,
        ExchangeSpec,
        PopulationModel,
    )
    from simulator.world.config.world import WorldSpec

INSTALLED_DAYS_AGO = 400  # when setup created the organisation's configuration objects


@dataclass
class ExchangeWorld:
    org: Organization
    population: Population
    licensed: list[str]
    fleet: Fleet | None


def _budget(spec: BudgetSpec) -> ThrottlingPolicy:
    return ThrottlingPolicy(
        max_concurrency=spec.max_concurrency,
        max_cmdlets=spec.max_cmdlets,
        cmdlets_period=parse_duration(spec.cmdlets_period),
        idle_timeout=parse_duration(spec.idle_timeout),
    )


def account_forest(directory: Directory, account: str) -> str | None:
    """The forest root of a `DOMAIN\\user` account's domain (None for an unknown domain)."""
    found = directory.domain(account.split("\\", 1)[0]) if "\\" in account else None
    return found.forest if found is not None else None


def account_mailbox(user: DirectoryUser, server: str, ids: random.Random, now: float) -> Mailbox:
    """A mailbox for a named directory account (the scenario's own accounts, and users a step
    creates): its alias is the account name; its primary SMTP address is the account's `mail`
    (the UPN when it has none), and Exchange writes that address back to `mail`, as it does
    for every mailbox it creates."""
    mail = user.mail or user.upn
    if user.mail != mail:
        user.mail = mail
    return Mailbox(
        guid=guid_bits(ids),
        exchange_guid=guid_bits(ids),
        name=user.sam,
        alias=user.sam.lower(),
        display_name=user.display_name,
        upn=user.upn,
        primary_smtp=mail,
        sam=user.sam,
        domain=user.domain,
        server=server,
        database="DB01",
        when_created=now,
        when_changed=now,
    )


def declared_device(
    spec: DeviceSpec, mailbox: Mailbox, ids: random.Random, clock: SimClock
) -> Device:
    """A partnership of `world.exchange.devices` (an imported export): its recorded names and
    times; its owner's allow/block list holds it when it was individually allowed or blocked.
    It syncs on the population's schedule from its last successful sync on."""
    now = clock.seconds
    first = now if spec.first_sync is None else seconds_from_start(spec.first_sync, clock.start)
    last = (
        None
        if spec.last_success_sync is None
        else seconds_from_start(spec.last_success_sync, clock.start)
    )
    device = Device(
        guid=guid_bits(ids),
        mailbox=mailbox,
        device_id=spec.device_id,
        device_type=spec.device_type,
        model=spec.model,
        os=spec.os,
        user_agent=spec.user_agent,
        friendly_name=spec.friendly_name,
        imei=spec.imei,
        operator=spec.operator,
        phone=spec.phone,
        os_language=spec.os_language,
        eas_version=spec.eas_version,
        first_sync=first,
        last_success_sync=last,
        last_sync_attempt=last,
        when_created=first,
        when_changed=max(first, last or first),
        client_type=spec.client_type,
        provisionable=spec.client_type == "EAS",
    )
    device.last_policy_update = first if device.provisionable else None
    device.next_sync = now + (device.guid % int(device.interval))
    if spec.individual == "Allow":
        mailbox.allowed_device_ids.append(spec.device_id)
    elif spec.individual == "Block":
        mailbox.blocked_device_ids.append(spec.device_id)
    return device


def build_exchange(
    spec: WorldSpec,
    directory: Directory,
    clock: SimClock,
    rng: Callable[[str], random.Random],
    faker: Faker,
    domain: str,
    emit: Callable[..., Any] | None = None,
) -> ExchangeWorld:
    """The first organisation: `world.exchange` and `world.population`, in the directory's own
    forest, with every account no further organisation's forest claims (see organizations.py)."""
    others = {o.forest.lower() for o in spec.organizations}
    accounts = [
        a for a in spec.directory.accounts if account_forest(directory, a.name) not in others
    ]
    return build_organization(
        spec.exchange, spec.population, accounts, directory, clock, rng, faker, domain, emit
    )


def build_organization(
    ex: ExchangeSpec,
    pop: PopulationModel,
    accounts: list[AccountSpec],
    directory: Directory,
    clock: SimClock,
    rng: Callable[[str], random.Random],
    faker: Faker,
    domain: str,
    emit: Callable[..., Any] | None = None,
) -> ExchangeWorld:
    """One organisation in the forest whose root is `domain`: its servers and configuration
    from `ex`, its population from `pop`, mailboxes, licences and direct role assignments for
    `accounts`. `rng(purpose)` gives its generators (a further organisation's are its own)."""
    now = clock.seconds
    org = Organization(ex.organization or DEFAULT_ORGANIZATION, domain, clock.start)
    org.rng = rng("exchange.objects")
    org.directory = directory
    directory.watchers.append(org.directory_changed)
    installed = now - INSTALLED_DAYS_AGO * 86400.0
    ids = rng("exchange")
    for s in ex.servers:
        server_domain = (s.domain or domain).lower()
        org.add_server(
            ExchangeServer(
                name=s.name.upper(),
                fqdn=f"{s.name.lower()}.{server_domain}",
                domain=server_domain,
                roles=tuple(s.roles),
                version=version(s.version or ex.version),
                guid=guid_bits(ids),
                site=s.site,
                edition=s.edition,
            )
        )
    org.cas_arrays = [a.lower() for a in ex.cas_arrays]
    org.settings = OrganizationSettings(
        guid=guid_bits(ids),
        default_access_level=ex.settings.default_access_level,
        admin_mail_recipients=list(ex.settings.admin_mail_recipients),
        user_mail_insert=ex.settings.user_mail_insert,
        ota_notification_mail_insert=ex.settings.ota_notification_mail_insert,
        allow_access_for_unsupported_platform=ex.settings.allow_access_for_unsupported_platform,
        allow_rms_for_unenlightened_apps=ex.settings.allow_rms_for_unenlightened_apps,
        when_created=installed,
        when_changed=installed,
    )
    org.policies.append(
        MailboxPolicy(
            "Default",
            guid_bits(ids),
            is_default=not any(p.default for p in ex.policies),
            settings=policy_settings.defaults(),
            when_created=installed,
            when_changed=installed,
        )
    )
    for p in ex.policies:
        org.policies.append(
            MailboxPolicy(
                p.name,
                guid_bits(ids),
                is_default=p.default,
                settings={**policy_settings.defaults(), **p.settings},
                when_created=installed,
                when_changed=installed,
            )
        )
    for r in ex.rules:
        org.rules.append(
            DeviceAccessRule(
                rule_name(r.query_string, r.characteristic),
                r.query_string,
                r.characteristic,
                r.access_level,
                guid_bits(ids),
                installed,
                installed,
            )
        )
    org.rules_changed()
    for group in ex.role_groups:
        org.rbac.add_role_group(group.name, group.roles, group.recipient_root, group.members)
    for acc in accounts:
        for role in acc.roles:
            if isinstance(role, str):
                org.rbac.assign(acc.name, role)
            else:
                org.rbac.assign(acc.name, role.role, role.recipient_root)
    org.throttling.policy = _budget(ex.throttling)
    org.throttling.overrides = {k.lower(): _budget(v) for k, v in ex.throttling.accounts.items()}
    org.access_cache_seconds = parse_duration(ex.access_cache)
    org.discovery_seconds = parse_duration(ex.device_discovery)

    mailbox_servers = [s.name for s in org.servers if s.is_mailbox] or [org.servers[0].name]
    for d in pop.domains:
        if directory.domain(d) is None:
            raise ValueError(
                f"world.population.domains: {d!r} is not a domain of world.directory "
                f"(domains: {', '.join(sorted(directory.domains))})"
            )
    builder = PopulationBuilder(
        rng("population"), faker, now, sync_interval=parse_duration(pop.sync_interval)
    )
    population = builder.populate(
        org,
        directory,
        PopulationSpec(
            users=pop.users,
            devices_per_user=pop.devices_per_user,
            licensed=pop.licensed,
            email_domain=pop.email_domain,
            domains=tuple(pop.domains),
            ous=tuple(pop.ous),
            resource_mailboxes=pop.resource_mailboxes,
            stale=pop.stale,
            sync_interval=parse_duration(pop.sync_interval),
        ),
        domain,
        mailbox_servers,
    )
    licensed = list(population.licensed)
    owned: dict[str, Mailbox] = {}
    for i, acc in enumerate(accounts):
        user = directory.find(acc.name)
        if user is None:
            continue
        if acc.mailbox:
            mailbox = account_mailbox(user, mailbox_servers[i % len(mailbox_servers)], ids, now)
            org.add_mailbox(mailbox)
            owned[acc.name.lower()] = mailbox
        if acc.licensed:
            licensed.append(user.upn)
    for spec_device in ex.devices:
        mailbox = owned.get(spec_device.owner.lower())
        if mailbox is not None:  # another organisation's account: WorldSpec checked the rest
            device = declared_device(spec_device, mailbox, ids, clock)
            org.add_device(device)
            population.devices.append(device)
    fleet = None
    b = pop.behaviour
    if b.enabled:
        fleet = Fleet(
            org,
            builder,
            BehaviourSpec(
                enabled=True,
                tick=parse_duration(b.tick),
                new_partnerships_per_day=b.new_partnerships_per_day,
                stale_per_day=b.stale_per_day,
                offline_per_day=b.offline_per_day,
                offline_duration=parse_duration(b.offline_duration),
            ),
            rng("exchange.behaviour"),
            population.devices,
            population.user_mailboxes,
            emit,
        )
    return ExchangeWorld(org, population, licensed, fleet)
