"""Building the Intune service from the world's `tenant:` section.

The tenant (its name, MDM authority, profile, directory synchronisation and its interval,
administrator sign-in, an Exchange Online connector, the end of support), its administrators
and licences (each licensed user of the organisations, licence groups), the account
certificate's lifetime, conditional access with its notification, and the directory as the
tenant last synchronised it — it has been synchronising long before the scenario starts.
Beside `exchange/build.py`, which builds the organisation the same way.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from simulator.intune.access import ConditionalAccess, PlatformException
from simulator.intune.service import IntuneService
from simulator.intune.tenant import Administrator
from simulator.world.config.tenant import TenantSpec
from simulator.world.directory import Directory
from simulator.world.durations import parse_duration
from simulator.world.faults import FaultTimeline


def build_intune(
    t: TenantSpec,
    profile: str,
    rng: random.Random,
    faults: FaultTimeline,
    clock: Callable[[], datetime],
    directory: Directory,
    licensed: list[str],
    add_secret: Callable[[str], None],
) -> IntuneService:
    """The service for `t`; `licensed` are the users holding an Intune licence, and every
    administrator's password goes to `add_secret` (the trace redacts it)."""
    intune = IntuneService(
        rng,
        t.name,
        t.mdm_authority,
        t.directory_sync,
        profile,
        faults=faults,
        clock=clock,
    )
    tenant = intune.tenant
    tenant.directory_sync_interval = parse_duration(t.directory_sync_interval)
    tenant.admin_sign_in = t.admin_sign_in
    tenant.exchange_online_connector = t.exchange_online_connector
    intune.end_of_support = t.end_of_support
    for a in t.admins:
        tenant.add_admin(Administrator(a.upn, a.password, tuple(a.roles), tuple(a.licences), a.mfa))
        add_secret(a.password)
    for upn in licensed:
        tenant.assign_licence(upn, "intune")
    tenant.licence_groups = {
        sku: [g.lower() for g in groups] for sku, groups in t.licence_groups.items()
    }
    intune.certificate_lifetime = timedelta(seconds=parse_duration(t.certificate_lifetime))
    ca = t.conditional_access
    if ca is not None:
        settings = ConditionalAccess(
            enabled=ca.enabled,
            included_groups=list(ca.included_groups),
            excluded_groups=list(ca.excluded_groups),
            unmanaged_access=ca.unmanaged_device_access,
            platform_exceptions=[
                PlatformException(e.name, e.type, e.access) for e in ca.platform_exceptions
            ],
        )
        if ca.notification is not None:
            settings.notification_subject = ca.notification.subject or settings.notification_subject
            settings.notification_body = ca.notification.body or settings.notification_body
        settings.validate()
        intune.access = settings
    if t.directory_sync:  # the directory has been synchronising long before the scenario
        tenant.synchronise(directory, clock())
    return intune
