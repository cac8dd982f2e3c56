"""Device partnerships: Get-ActiveSyncDevice, Get-ActiveSyncDeviceStatistics,
Clear-ActiveSyncDevice, Remove-ActiveSyncDevice and their 2013+ MobileDevice twins.

Each pair runs one implementation: the *-ActiveSync* cmdlet warns that it is deprecated on
2013+ and sees only `ClientType = EAS` partnerships there; the MobileDevice twin sees every
partnership (ActiveSync and OWA for Devices) and does not warn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import (
    DOMAIN_CONTROLLER,
    deprecated,
    filtered,
    limit,
    sort_by,
)
from simulator.exchange.device import Device
from simulator.exchange.device_views import (
    device_filter_getters,
    device_statistics_view,
    device_view,
)
from simulator.exchange.identity import (
    device_filter,
    devices_of,
    resolve_device,
    resolve_mailbox,
    visible_mailboxes,
)
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.opath import time_floor
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

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


def _device_id(**kw: Any) -> Param:
    return Param(
        "Identity", "identity", "ActiveSyncDeviceIdParameter", position=0, pipeline=True, **kw
    )


def _mailbox(**kw: Any) -> Param:
    return Param(
        "Mailbox",
        "identity",
        "MailboxIdParameter",
        sets=("Mailbox",),
        mandatory=True,
        pipeline=True,
        pipeline_types=("CASMailbox", "ReducedRecipient"),
        **kw,
    )


def _pair(
    noun: str,
    since: tuple[int, int],
    params: Callable[[bool], list[Param]],
    run: Callable[..., Any],
    doc: str,
    mobile_doc: str,
    **kw: Any,
) -> None:
    """Register `<Verb>-ActiveSync<noun>` and its `<Verb>-Mobile<noun>` twin (2013+)."""
    verb, rest = noun.split("-", 1)
    old, new = f"{verb}-ActiveSync{rest}", f"{verb}-Mobile{rest}"

    def activesync(ctx: Invocation, **values: Any) -> Any:
        deprecated(ctx, old, new)
        return run(ctx, False, **values)

    def mobile(ctx: Invocation, **values: Any) -> Any:
        return run(ctx, True, **values)

    activesync.__doc__, mobile.__doc__ = doc, mobile_doc
    cmdlet(old, params(False), since=since, **kw)(activesync)
    cmdlet(new, params(True), since=(15, 0), **kw)(mobile)


# -- Get-ActiveSyncDevice / Get-MobileDevice ----------------------------------------------------------
def _get_params(mobile: bool) -> list[Param]:
    params = [
        _device_id(sets=("Identity",)),
        _mailbox(),
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


def _get(
    ctx: Invocation,
    mobile: bool,
    Identity: str | None = None,
    Mailbox: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    SortBy: str | None = None,
    OrganizationalUnit: str | None = None,
    **switches: Any,
) -> list[Record]:
    eas_only = not mobile
    if Identity:
        device = resolve_device(ctx, Identity, eas_only)
        return [device_view(ctx.org, device, ctx.version, ctx.now)]
    visible = device_filter(ctx, eas_only)
    mailboxes: Iterable[Mailbox]
    if Mailbox:
        mailboxes = [resolve_mailbox(ctx, Mailbox)]
    else:
        mailboxes = visible_mailboxes(ctx)
        if OrganizationalUnit:
            root = OrganizationalUnit.lower().rstrip("/")
            mailboxes = (
                m for m in mailboxes if f"{m.domain}/{m.ou}".lower() == root or m.domain == root
            )
    getters = device_filter_getters(ctx.org, ctx.now)
    floor = time_floor(Filter, getters["WhenChanged"], "WhenChanged") if Filter else None
    if floor is not None:  # a mailbox's index is its devices' latest WhenChanged, or more
        mailboxes = [m for m in mailboxes if m.devices_changed > floor]
    devices: Iterable[Device] = devices_of(mailboxes, visible)
    wanted = {t for name, types in _CLIENT_SWITCHES.items() if switches.get(name) for t in types}
    if wanted:
        devices = (d for d in devices if d.client_type in wanted)
    selected = sort_by(filtered(devices, Filter, getters), SortBy, getters)
    return [device_view(ctx.org, d, ctx.version, ctx.now) for d in limit(ctx, selected, ResultSize)]


_pair(
    "Get-Device",
    (14, 0),
    _get_params,
    _get,
    """Returns ActiveSync device partnerships with their access state.

    Emulated: the Identity and Mailbox parameter sets, every identity form, -Filter over the
    documented filterable properties (plus WhenChanged/WhenCreated), -ResultSize with its
    warnings, -SortBy, -OrganizationalUnit; on 2013+ the deprecation warning and only
    `ClientType = EAS` partnerships; on a 2010 server, no devices of mailboxes hosted on 2013+
    servers (SPEC R5.8); DeviceAccessState/Reason/ControlRule in Exchange's order.
    Not emulated: -Monitoring returns nothing different (no monitoring mailboxes exist).
    """,
    """Returns every mobile device partnership: ActiveSync and OWA for Devices (2013+).

    Emulated: as Get-ActiveSyncDevice, without the deprecation warning and the EAS-only
    filter; -ActiveSync and -OWAforDevices (and on 2016 -RestApi, -UniversalOutlook) restrict
    the client types.
    Not emulated: -Monitoring returns nothing different (no monitoring mailboxes exist).
    """,
    output_type="MobileDevice",
    roles=(
        "Organization Client Access",
        "Recipient Policies",
        "Mail Recipients",
        "View-Only Recipients",
        "User Options",
    ),
)


# -- statistics ---------------------------------------------------------------------------------------
def _statistics_params(mobile: bool) -> list[Param]:
    params = [
        _device_id(sets=("Identity",), mandatory=True),
        _mailbox(),
        Param("GetMailboxLog", "switch"),
        Param("NotificationEmailAddresses", "multivalued"),
        Param("ShowRecoveryPassword", "switch"),
        DOMAIN_CONTROLLER,
    ]
    if mobile:
        params += [Param("ActiveSync", "switch"), Param("OWAforDevices", "switch")]
    return params


def _statistics(
    ctx: Invocation,
    mobile: bool,
    Identity: str | None = None,
    Mailbox: str | None = None,
    ShowRecoveryPassword: bool = False,
    **_: Any,
) -> list[Record]:
    if Identity:
        devices = [resolve_device(ctx, Identity, not mobile)]
    else:
        assert Mailbox is not None
        owner = resolve_mailbox(ctx, Mailbox, as_recipient=True)
        devices = list(devices_of([owner], device_filter(ctx, not mobile)))
    return [
        device_statistics_view(ctx.org, d, ctx.version, ctx.now, ShowRecoveryPassword)
        for d in devices
    ]


_STATISTICS_DOC = """Returns a partnership's sync statistics: sync times, wipe status, policy.

    Emulated: the Identity and Mailbox sets (RecipientNotFound / RecipientNotUnique for the
    mailbox), LastSuccessSync and LastSyncAttemptTime kept by the device population's own syncs,
    Status (DeviceOk, DeviceWipePending, DeviceWipeSucceeded — the "DeviceWipeStatus" of old
    docs) with DeviceWipeRequestTime/SentTime/AckTime and LastDeviceWipeRequestor,
    -ShowRecoveryPassword (else ********).
    Not emulated: -GetMailboxLog and -NotificationEmailAddresses are accepted but no mailbox log
    is produced (MailboxLogReport stays empty); Status is never DeviceBlocked.
    """
_pair(
    "Get-DeviceStatistics",
    (8, 0),
    _statistics_params,
    _statistics,
    _STATISTICS_DOC,
    _STATISTICS_DOC.replace("Returns a partnership's", "Returns a mobile device partnership's"),
    output_type="MobileDeviceConfiguration",
    roles=("Mail Recipients", "View-Only Recipients", "User Options"),
)


# -- wipe ---------------------------------------------------------------------------------------------
def _clear_params(mobile: bool) -> list[Param]:
    params = [
        _device_id(mandatory=True),
        Param("Cancel", "switch"),
        Param("NotificationEmailAddresses", "multivalued"),
        DOMAIN_CONTROLLER,
    ]
    if mobile:
        params.append(Param("AccountOnly", "switch", since=(15, 1)))
    return params


def _clear(
    ctx: Invocation,
    mobile: bool,
    Identity: str,
    Cancel: bool = False,
    NotificationEmailAddresses: list[str] | None = None,
    AccountOnly: bool = False,
    **_: Any,
) -> None:
    device = resolve_device(ctx, Identity, not mobile)
    ctx.check_recipient_write(device.mailbox)
    if Cancel:
        if not device.wipe_pending:
            ctx.warn(f"The wipe can't be canceled on the device: {device.identity}")
            return None
        if not ctx.should_process(
            f"Canceling the pending wipe of mobile device {device.identity}."
        ):
            return None
        device.wipe_requested = None
        device.wipe_requestor = None
        device.wipe_account_only = False
        ctx.org.device_changed(device, ctx.now)
        ctx.changed(device.identity)
        return None
    scope = "the email account on" if AccountOnly else "all data on"
    if not ctx.should_process(
        f"Clearing mobile device {device.identity}. Once the device is synchronized, {scope} the "
        "device will be permanently deleted."
    ):
        return None
    device.wipe_requested = ctx.now
    device.wipe_sent = None
    device.wipe_ack = None
    device.wipe_requestor = ctx.session.user.upn
    device.wipe_account_only = AccountOnly
    device.wipe_notify = tuple(NotificationEmailAddresses or ())
    ctx.org.device_changed(device, ctx.now)
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
_pair(
    "Clear-Device",
    (8, 0),
    _clear_params,
    _clear,
    _CLEAR_DOC,
    _CLEAR_DOC.replace(
        "Not emulated:",
        "2016+: -AccountOnly removes only the mail account. Not emulated: the account-only status "
        "names (unverified: the twin reports the same Status values as a full wipe);",
    ),
    confirm_impact="High",
    roles=("Mail Recipients", "User Options"),
)


# -- remove ---------------------------------------------------------------------------------------------
def _remove(ctx: Invocation, mobile: bool, Identity: str, **_: Any) -> None:
    device = resolve_device(ctx, Identity, not mobile)
    ctx.check_recipient_write(device.mailbox)
    text = f"Removing mobile device {device.identity}."
    if device.wipe_pending:
        text = (
            f"Mobile device {device.identity} has a pending wipe request. Removing the device will "
            "cancel the wipe request."
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
_pair(
    "Remove-Device",
    (8, 0),
    lambda mobile: [_device_id(mandatory=True), DOMAIN_CONTROLLER],
    _remove,
    _REMOVE_DOC,
    _REMOVE_DOC,
    confirm_impact="High",
    roles=("Mail Recipients", "User Options"),
)
