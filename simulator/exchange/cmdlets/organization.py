"""The organisation's ActiveSync settings: Get-/Set-ActiveSyncOrganizationSettings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER, no_change, update_multivalued
from simulator.exchange.errors import DataValidationError, ObjectNotFound
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record, org_settings_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

SETTINGS_NAME = "Mobile Mailbox Settings"
ACCESS_LEVELS = ("Allow", "Block", "Quarantine")
_SMTP = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = Param(
    "Identity", "identity", "ActiveSyncOrganizationSettingsIdParameter", position=0, pipeline=True
)


def _check_identity(ctx: Invocation, identity: str | None) -> None:
    if identity and identity.strip().lower() not in (
        SETTINGS_NAME.lower(),
        ctx.org.mobile_settings_dn.lower(),
        ctx.org.name.lower(),
    ):
        raise ObjectNotFound.for_identity(identity, ctx.org.domain_controller)


@cmdlet(
    "Get-ActiveSyncOrganizationSettings",
    [_ID, DOMAIN_CONTROLLER],
    output_type="ActiveSyncOrganizationSettings",
    roles=("Organization Client Access", "View-Only Configuration"),
)
def get_activesync_organization_settings(
    ctx: Invocation, Identity: str | None = None, **_: Any
) -> list[Record]:
    """Returns the organisation's single ActiveSync settings object, "Mobile Mailbox Settings".

    Emulated: DefaultAccessLevel, UserMailInsert, AdminMailRecipients,
    OtaNotificationMailInsert, and per version AllowAccessForUnSupportedPlatform,
    DeviceFiltering, IsIntuneManaged (2013+) and AllowRMSSupportForUnenlightenedApps (2016+).
    Not emulated: an organisation without the object (NoActiveSyncOrganizationSettings) cannot
    be staged.
    """
    _check_identity(ctx, Identity)
    return [org_settings_view(ctx.org, ctx.version)]


@cmdlet(
    "Set-ActiveSyncOrganizationSettings",
    [
        _ID,
        Param("DefaultAccessLevel", "enum", "DeviceAccessLevel", choices=ACCESS_LEVELS),
        Param("AdminMailRecipients", "multivalued"),
        Param("UserMailInsert", max_length=256),
        Param("OtaNotificationMailInsert", max_length=256),
        Param("AllowAccessForUnSupportedPlatform", "bool", since=(15, 0)),
        Param("AllowRMSSupportForUnenlightenedApps", "bool", since=(15, 1)),
        DOMAIN_CONTROLLER,
    ],
    roles=("Organization Client Access",),
)
def set_activesync_organization_settings(
    ctx: Invocation,
    Identity: str | None = None,
    DefaultAccessLevel: str | None = None,
    AdminMailRecipients: Any = ...,
    UserMailInsert: Any = ...,
    OtaNotificationMailInsert: Any = ...,
    AllowAccessForUnSupportedPlatform: bool | None = None,
    AllowRMSSupportForUnenlightenedApps: bool | None = None,
    **_: Any,
) -> None:
    """Changes the organisation's ActiveSync settings; the default access level applies at once
    to every partnership not governed by a device access rule or a personal allow/block entry.

    Emulated: -DefaultAccessLevel (Allow, Block, Quarantine), -AdminMailRecipients (SMTP
    addresses; list, @{Add=..;Remove=..}, $null), -UserMailInsert and -OtaNotificationMailInsert
    (256 characters at most), the 2013+ and 2016+ switches, the "no settings modified" warning.
    Not emulated: no quarantine or block notification mail is sent.
    """
    _check_identity(ctx, Identity)
    settings = ctx.org.settings
    changes: dict[str, Any] = {}
    if DefaultAccessLevel is not None and DefaultAccessLevel != settings.default_access_level:
        changes["default_access_level"] = DefaultAccessLevel
    if AdminMailRecipients is not ...:
        new = update_multivalued(settings.admin_mail_recipients, AdminMailRecipients)
        bad = [a for a in new if not _SMTP.match(a)]
        if bad:
            raise DataValidationError(
                f'The email address "{bad[0]}" isn\'t correct. Please use this format: user name, the '
                "@ sign, followed by the domain name. For example, tonysmith@contoso.com or "
                "tony.smith@contoso.com."
            )
        if new != settings.admin_mail_recipients:
            changes["admin_mail_recipients"] = new
    for value, attr in (
        (UserMailInsert, "user_mail_insert"),
        (OtaNotificationMailInsert, "ota_notification_mail_insert"),
    ):
        if value is not ... and (value or "") != getattr(settings, attr):
            changes[attr] = value or ""
    for flag, attr in (
        (AllowAccessForUnSupportedPlatform, "allow_access_for_unsupported_platform"),
        (AllowRMSSupportForUnenlightenedApps, "allow_rms_for_unenlightened_apps"),
    ):
        if flag is not None and flag != getattr(settings, attr):
            changes[attr] = flag
    if not ctx.should_process(f'Setting Mobile Mailbox Settings "{SETTINGS_NAME}".'):
        return None
    ctx.changed(SETTINGS_NAME)
    if not changes:
        no_change(ctx, SETTINGS_NAME)
        return None
    for attr, value in changes.items():
        setattr(settings, attr, value)
    settings.when_changed = ctx.now
    return None
