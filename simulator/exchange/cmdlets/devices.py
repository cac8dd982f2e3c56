"""Device partnerships: Get-ActiveSyncDevice, Get-ActiveSyncDeviceStatistics,
Clear-ActiveSyncDevice, Remove-ActiveSyncDevice and their 2013+ MobileDevice twins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import (
    DOMAIN_CONTROLLER,
    deprecated,
    filtered,
    limit,
    sort_by,
)
from simulator.exchange.identity import (
    device_filter,
    devices_of,
    resolve_device,
    resolve_mailbox,
    visible_mailboxes,
)
from simulator.exchange.model import Device, Mailbox
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import (
    Record,
    device_filter_getters,
    device_statistics_view,
    device_view,
)

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

_DEVICE_ID = dict(ps_type="ActiveSyncDeviceIdParameter", position=0, pipeline=True)
_MAILBOX = dict(
    ps_type="MailboxIdParameter", pipeline=True, pipeline_types=("CASMailbox", "ReducedRecipient")
)
_SORTABLE = (
    "DeviceAccessControlRule",
    "DeviceAccessState",
    "DeviceAccessStateReason",
    "DeviceId",
    "DeviceImei",
    "DeviceMobileOperator",
    "DeviceModel",
    "DeviceOS",
    "DeviceOSLanguage",
    "DeviceTelephoneNumber",
    "DeviceType",
    "DeviceUserAgent",
    "FirstSyncTime",
    "FriendlyName",
    "UserDisplayName",
)
_CLIENT_SWITCHES = {
    "ActiveSync": ("EAS",),
    "OWAforDevices": ("MOWA",),
    "RestApi": ("REST",),
    "UniversalOutlook": ("Outlook",),
}


def _list_devices(
    ctx: Invocation,
    eas_only: bool,
    identity: str | None,
    mailbox: str | None,
    filter_text: str | None,
    result_size: Any,
    sort: str | None,
    ou: str | None,
    client_types: tuple[str, ...] | None = None,
) -> list[Record]:
    if identity:
        device = resolve_device(ctx, identity, eas_only)
        return [device_view(ctx.org, device, ctx.version, ctx.now)]
    visible = device_filter(ctx, eas_only)
    mailboxes: Iterable[Mailbox]
    if mailbox:
        mailboxes = [resolve_mailbox(ctx, mailbox)]
    else:
        mailboxes = visible_mailboxes(ctx)
        if ou:
            root = ou.lower().rstrip("/")
            mailboxes = (
                m for m in mailboxes if f"{m.domain}/{m.ou}".lower() == root or m.domain == root
            )
    devices: Iterable[Device] = devices_of(mailboxes, visible)
    if client_types:
        devices = (d for d in devices if d.client_type in client_types)
    getters = device_filter_getters(ctx.org, ctx.now)
    selected = sort_by(filtered(devices, filter_text, getters), sort, getters)
    return [
        device_view(ctx.org, d, ctx.version, ctx.now) for d in limit(ctx, selected, result_size)
    ]


def _get_params(mobile: bool) -> list[Param]:
    params = [
        Param("Identity", "identity", sets=("Identity",), **_DEVICE_ID),  # type: ignore[arg-type]
        Param("Mailbox", "identity", sets=("Mailbox",), mandatory=True, **_MAILBOX),  # type: ignore[arg-type]
        Param("Filter"),
        Param("ResultSize", "resultsize"),
        Param("SortBy", "enum", choices=_SORTABLE),
        Param("OrganizationalUnit", "identity", "OrganizationalUnitIdParameter"),
        Param("Monitoring", "switch", since=(15, 0)),
        DOMAIN_CONTROLLER,
    ]
    if mobile:
        params += [
            Param("ActiveSync", "switch"),
            Param("OWAforDevices", "switch"),
            Param("RestApi", "switch", since=(15, 1)),
            Param("UniversalOutlook", "switch", since=(15, 1)),
        ]
    return params


@cmdlet("Get-ActiveSyncDevice", _get_params(False), since=(14, 0), output_type="MobileDevice")
def get_activesync_device(
    ctx: Invocation,
    Identity: str | None = None,
    Mailbox: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    SortBy: str | None = None,
    OrganizationalUnit: str | None = None,
    **_: Any,
) -> list[Record]:
    """Returns ActiveSync device partnerships with their access state.

    Emulated: the Identity and Mailbox parameter sets, every identity form, -Filter over the
    documented filterable properties (plus WhenChanged/WhenCreated), -ResultSize with its
    warnings, -SortBy, -OrganizationalUnit; on 2013+ the deprecation warning and only
    `ClientType = EAS` partnerships; on a 2010 server, no devices of mailboxes hosted on 2013+
    servers (SPEC R5.8); DeviceAccessState/Reason/ControlRule in Exchange's order.
    Not emulated: -Monitoring returns nothing different (no monitoring mailboxes exist).
    """
    deprecated(ctx, "Get-ActiveSyncDevice", "Get-MobileDevice")
    return _list_devices(
        ctx, True, Identity, Mailbox, Filter, ResultSize, SortBy, OrganizationalUnit
    )


@cmdlet("Get-MobileDevice", _get_params(True), since=(15, 0), output_type="MobileDevice")
def get_mobile_device(
    ctx: Invocation,
    Identity: str | None = None,
    Mailbox: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    SortBy: str | None = None,
    OrganizationalUnit: str | None = None,
    **switches: Any,
) -> list[Record]:
    """Returns every mobile device partnership: ActiveSync and OWA for Devices (2013+).

    Emulated: as Get-ActiveSyncDevice, without the deprecation warning and the EAS-only
    filter; -ActiveSync and -OWAforDevices (and on 2016 -RestApi, -UniversalOutlook) restrict
    the client types.
    """
    wanted = tuple(
        t for name, types in _CLIENT_SWITCHES.items() if switches.get(name) for t in types
    )
    return _list_devices(
        ctx,
        False,
        Identity,
        Mailbox,
        Filter,
        ResultSize,
        SortBy,
        OrganizationalUnit,
        wanted or None,
    )


def _statistics_params(mobile: bool) -> list[Param]:
    params = [
        Param("Identity", "identity", sets=("Identity",), mandatory=True, **_DEVICE_ID),  # type: ignore[arg-type]
        Param("Mailbox", "identity", sets=("Mailbox",), mandatory=True, **_MAILBOX),  # type: ignore[arg-type]
        Param("GetMailboxLog", "switch"),
        Param("NotificationEmailAddresses", "multivalued"),
        Param("ShowRecoveryPassword", "switch"),
        DOMAIN_CONTROLLER,
    ]
    if mobile:
        params += [Param("ActiveSync", "switch"), Param("OWAforDevices", "switch")]
    return params


def _statistics(
    ctx: Invocation, eas_only: bool, identity: str | None, mailbox: str | None, show: bool
) -> list[Record]:
    if identity:
        devices = [resolve_device(ctx, identity, eas_only)]
    else:
        assert mailbox is not None
        owner = resolve_mailbox(ctx, mailbox, as_recipient=True)
        devices = list(devices_of([owner], device_filter(ctx, eas_only)))
    return [device_statistics_view(ctx.org, d, ctx.version, ctx.now, show) for d in devices]


_STATISTICS_DOC = """Returns a partnership's sync statistics: sync times, wipe status, policy.

    Emulated: the Identity and Mailbox sets (RecipientNotFound / RecipientNotUnique for the
    mailbox), LastSuccessSync and LastSyncAttemptTime kept by the device population's own syncs,
    Status (DeviceOk, DeviceWipePending, DeviceWipeSucceeded — the "DeviceWipeStatus" of old
    docs) with DeviceWipeRequestTime/SentTime/AckTime and LastDeviceWipeRequestor,
    -ShowRecoveryPassword (else ********).
    Not emulated: -GetMailboxLog and -NotificationEmailAddresses are accepted but no mailbox log
    is produced (MailboxLogReport stays empty); Status is never DeviceBlocked.
    """


@cmdlet(
    "Get-ActiveSyncDeviceStatistics",
    _statistics_params(False),
    since=(8, 0),
    output_type="MobileDeviceConfiguration",
)
def get_activesync_device_statistics(
    ctx: Invocation,
    Identity: str | None = None,
    Mailbox: str | None = None,
    ShowRecoveryPassword: bool = False,
    **_: Any,
) -> list[Record]:
    deprecated(ctx, "Get-ActiveSyncDeviceStatistics", "Get-MobileDeviceStatistics")
    return _statistics(ctx, True, Identity, Mailbox, ShowRecoveryPassword)


@cmdlet(
    "Get-MobileDeviceStatistics",
    _statistics_params(True),
    since=(15, 0),
    output_type="MobileDeviceConfiguration",
)
def get_mobile_device_statistics(
    ctx: Invocation,
    Identity: str | None = None,
    Mailbox: str | None = None,
    ShowRecoveryPassword: bool = False,
    **_: Any,
) -> list[Record]:
    return _statistics(ctx, False, Identity, Mailbox, ShowRecoveryPassword)


get_activesync_device_statistics.__doc__ = _STATISTICS_DOC
get_mobile_device_statistics.__doc__ = _STATISTICS_DOC.replace(
    "Returns a partnership's",
    "Returns a mobile device partnership's (2013+, no deprecation warning)",
)


# -- wipe ---------------------------------------------------------------------------------------------
def _clear(
    ctx: Invocation,
    identity: str,
    eas_only: bool,
    cancel: bool,
    notify: list[str] | None,
    account_only: bool,
) -> None:
    device = resolve_device(ctx, identity, eas_only)
    ctx.check_recipient_write(device.mailbox)
    if cancel:
        if not device.wipe_pending or device.wipe_sent is not None:
            ctx.warn(f"The wipe can't be canceled on the device: {device.identity}")
            return None
        if not ctx.should_process(
            f"Canceling the pending wipe of mobile device {device.identity}."
        ):
            return None
        device.wipe_requested = None
        device.wipe_requestor = None
        device.wipe_account_only = False
        device.when_changed = ctx.now
        ctx.changed(device.identity)
        return None
    scope = "the email account on" if account_only else "all data on"
    if not ctx.should_process(
        f"Clearing mobile device {device.identity}. Once the device is synchronized, {scope} the device "
        "will be permanently deleted."
    ):
        return None
    device.wipe_requested = ctx.now
    device.wipe_sent = None
    device.wipe_ack = None
    device.wipe_requestor = ctx.session.user.upn
    device.wipe_account_only = account_only
    device.wipe_notify = tuple(notify or ())
    device.when_changed = ctx.now
    ctx.changed(device.identity)
    return None


_CLEAR_DOC = """Requests a remote wipe of a device, effective at its next contact (ConfirmImpact High).

    Emulated: the wipe stays pending (Status DeviceWipePending, DeviceWipeRequestTime,
    LastDeviceWipeRequestor) until the device next syncs, which sends it and gets it
    acknowledged (DeviceWipeSentTime, DeviceWipeAckTime, DeviceWipeSucceeded); an offline
    device never acknowledges. -Cancel while pending, with the real warning when there is
    nothing to cancel; write scope.
    Not emulated: -NotificationEmailAddresses is recorded but no mail is sent;
    MobileDeviceNotExistException (every partnership in the twin has sync state).
    """


def _clear_params(mobile: bool) -> list[Param]:
    params = [
        Param("Identity", "identity", mandatory=True, **_DEVICE_ID),  # type: ignore[arg-type]
        Param("Cancel", "switch"),
        Param("NotificationEmailAddresses", "multivalued"),
        DOMAIN_CONTROLLER,
    ]
    if mobile:
        params.append(Param("AccountOnly", "switch", since=(15, 1)))
    return params


@cmdlet("Clear-ActiveSyncDevice", _clear_params(False), since=(8, 0), confirm_impact="High")
def clear_activesync_device(
    ctx: Invocation,
    Identity: str,
    Cancel: bool = False,
    NotificationEmailAddresses: list[str] | None = None,
    **_: Any,
) -> None:
    deprecated(ctx, "Clear-ActiveSyncDevice", "Clear-MobileDevice")
    return _clear(ctx, Identity, True, Cancel, NotificationEmailAddresses, False)


@cmdlet("Clear-MobileDevice", _clear_params(True), since=(15, 0), confirm_impact="High")
def clear_mobile_device(
    ctx: Invocation,
    Identity: str,
    Cancel: bool = False,
    NotificationEmailAddresses: list[str] | None = None,
    AccountOnly: bool = False,
    **_: Any,
) -> None:
    return _clear(ctx, Identity, False, Cancel, NotificationEmailAddresses, AccountOnly)


clear_activesync_device.__doc__ = _CLEAR_DOC
clear_mobile_device.__doc__ = _CLEAR_DOC + (
    "    2016+: -AccountOnly removes only the mail account (status names unverified: the twin\n"
    "    reports the same Status values as a full wipe).\n"
)


# -- remove ---------------------------------------------------------------------------------------------
def _remove(ctx: Invocation, identity: str, eas_only: bool) -> None:
    device = resolve_device(ctx, identity, eas_only)
    ctx.check_recipient_write(device.mailbox)
    text = f"Removing mobile device {device.identity}."
    if device.wipe_pending:
        text = (
            f"Mobile device {device.identity} has a pending wipe request. Removing the device will cancel "
            "the wipe request."
        )
    if not ctx.should_process(text):
        return None
    ctx.org.remove_device(device)
    ctx.changed(device.identity)
    return None


_REMOVE_DOC = """Deletes a device partnership (ConfirmImpact High); the device recreates it at its next sync.

    Emulated: the partnership disappears at once; the handset, still configured, syncs again
    later and recreates it (a new GUID and FirstSyncTime, Device Discovery again) — and until
    Exchange's access cache expires it keeps the access it had (SPEC R5.9). The confirmation
    text warns when a wipe is pending; write scope.
    Not emulated: Exchange Online's monthly removal throttle.
    """


@cmdlet(
    "Remove-ActiveSyncDevice",
    [Param("Identity", "identity", mandatory=True, **_DEVICE_ID), DOMAIN_CONTROLLER],  # type: ignore[arg-type]
    since=(8, 0),
    confirm_impact="High",
)
def remove_activesync_device(ctx: Invocation, Identity: str, **_: Any) -> None:
    deprecated(ctx, "Remove-ActiveSyncDevice", "Remove-MobileDevice")
    return _remove(ctx, Identity, True)


@cmdlet(
    "Remove-MobileDevice",
    [Param("Identity", "identity", mandatory=True, **_DEVICE_ID), DOMAIN_CONTROLLER],  # type: ignore[arg-type]
    since=(15, 0),
    confirm_impact="High",
)
def remove_mobile_device(ctx: Invocation, Identity: str, **_: Any) -> None:
    return _remove(ctx, Identity, False)


remove_activesync_device.__doc__ = _REMOVE_DOC
remove_mobile_device.__doc__ = _REMOVE_DOC
