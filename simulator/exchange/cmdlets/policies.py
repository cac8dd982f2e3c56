"""Mailbox policies: Get-/Set-/New-/Remove-ActiveSyncMailboxPolicy and, on Exchange 2013+, their
*-MobileDeviceMailboxPolicy twins (which take the new-style setting names, e.g.
`PasswordEnabled` for `DevicePasswordEnabled`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange import policy_settings
from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER, deprecated, no_change
from simulator.exchange.errors import ObjectAlreadyExists, PropertyTooLong
from simulator.exchange.identity import resolve_policy
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.settings import MailboxPolicy
from simulator.exchange.views import Record, policy_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

MAX_NAME = 64
_OLD = "ActiveSyncMailboxPolicy"
_NEW = "MobileDeviceMailboxPolicy"
# Exchange 2013's own warning for Remove-ActiveSyncMailboxPolicy names a cmdlet that does not
# exist ("Remove-MobileMailboxPolicy"); the twin reproduces the quirk.
_REPLACEMENT = {
    "Get": f"Get-{_NEW}",
    "Set": f"Set-{_NEW}",
    "New": f"New-{_NEW}",
    "Remove": "Remove-MobileMailboxPolicy",
}


def _setting_params(mobile: bool) -> list[Param]:
    params = []
    for s in policy_settings.SETTINGS:
        name = s.new_name if (mobile and s.new_name) else s.name
        params.append(
            Param(name, "setting", setting=s, since=(max(s.min_major, 15 if mobile else 8), 0))
        )
    return params


def _default_params(mobile: bool) -> list[Param]:
    if mobile:
        return [Param("IsDefault", "bool", since=(15, 0))]
    return [
        Param("IsDefault", "bool", since=(15, 0)),
        Param("IsDefaultPolicy", "bool", since=(14, 0)),
    ]


def _settings_from(values: dict[str, Any]) -> dict[str, Any]:
    """Bound parameter values → policy settings keyed by their ActiveSync (2010) names."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        setting = policy_settings.BY_NAME.get(key.lower()) or policy_settings.BY_NEW_NAME.get(
            key.lower()
        )
        if setting is not None:
            out[setting.name] = value
    return out


def _make_default(ctx: Invocation, policy: MailboxPolicy) -> None:
    for other in ctx.org.policies:
        if other is not policy and other.is_default:
            other.is_default = False
            other.when_changed = ctx.now
    policy.is_default = True


def _check_name(ctx: Invocation, name: str, exclude: MailboxPolicy | None = None) -> None:
    if len(name) > MAX_NAME:
        raise PropertyTooLong(MAX_NAME, len(name))
    org = ctx.org
    if any(p is not exclude and p.name.lower() == name.lower() for p in org.policies):
        raise ObjectAlreadyExists(org.domain_controller, org.policy_dn(name))


# -- the four operations, shared by both families --------------------------------------------------
def _get(ctx: Invocation, identity: str | None, mobile: bool) -> list[Record]:
    if not mobile:
        deprecated(ctx, f"Get-{_OLD}", _REPLACEMENT["Get"])
    policies = [resolve_policy(ctx, identity)] if identity else ctx.org.policies
    return [policy_view(ctx.org, p, ctx.version, mobile) for p in policies]


def _set(ctx: Invocation, identity: str, values: dict[str, Any], mobile: bool) -> None:
    if not mobile:
        deprecated(ctx, f"Set-{_OLD}", _REPLACEMENT["Set"])
    policy = resolve_policy(ctx, identity)
    settings = _settings_from(values)
    new_name = values.get("Name")
    if new_name:
        _check_name(ctx, new_name, exclude=policy)
    if settings.get("DevicePasswordEnabled") is False and not any(
        policy_settings.BY_NAME[k.lower()].password
        for k in settings
        if k != "DevicePasswordEnabled"
    ):
        for s in policy_settings.SETTINGS:
            if s.password:
                settings[s.name] = s.default
    make_default = values.get("IsDefault", values.get("IsDefaultPolicy"))
    text = (
        f'Switching the default Mobile Device mailbox policy to "{policy.name}".'
        if make_default
        else f'Setting Mobile Device mailbox policy "{policy.name}".'
    )
    if not ctx.should_process(text):
        return None
    ctx.changed(policy.name)
    changed = {k: v for k, v in settings.items() if policy.settings.get(k) != v}
    renamed = bool(new_name) and new_name != policy.name
    default_changes = make_default is not None and make_default != policy.is_default
    if not (changed or renamed or default_changes):
        no_change(ctx, policy.name)
        return None
    policy.settings.update(changed)
    if renamed:
        policy.name = new_name
    if make_default:
        _make_default(ctx, policy)
    elif make_default is False:
        policy.is_default = False
    policy.when_changed = ctx.now
    return None


def _new(ctx: Invocation, name: str, values: dict[str, Any], mobile: bool) -> list[Record]:
    if not mobile:
        deprecated(ctx, f"New-{_OLD}", _REPLACEMENT["New"])
    _check_name(ctx, name)
    if not ctx.should_process(f'Creating Mobile Device mailbox policy "{name}".'):
        return []
    settings = policy_settings.defaults()
    settings.update(_settings_from(values))
    policy = MailboxPolicy(
        name=name,
        guid=ctx.org.new_guid(),
        settings=settings,
        when_created=ctx.now,
        when_changed=ctx.now,
    )
    ctx.org.policies.append(policy)
    if values.get("IsDefault", values.get("IsDefaultPolicy")):
        _make_default(ctx, policy)
    ctx.changed(name)
    return [policy_view(ctx.org, policy, ctx.version, mobile)]


def _remove(ctx: Invocation, identity: str, force: bool, mobile: bool) -> None:
    if not mobile:
        deprecated(ctx, f"Remove-{_OLD}", _REPLACEMENT["Remove"])
    org = ctx.org
    policy = resolve_policy(ctx, identity)
    users = [mb for mb in org.mailboxes if mb.policy is policy]
    text = (
        f'Removing Default Mobile Device mailbox policy "{policy.name}". Mailboxes that use the default '
        "policy won't have a Mobile Device mailbox policy applied."
        if policy.is_default
        else f'Removing Mobile Device mailbox policy "{policy.name}".'
    )
    if not ctx.should_process(text):
        return None
    if users and not ctx.should_continue(
        f'The mailbox policy "{policy.name}" has users associated with it. Are you sure you want to '
        "remove it?",
        force,
    ):
        return None
    for mb in users:
        mb.policy = None
    org.policies.remove(policy)
    ctx.changed(policy.name)
    return None


# -- registration --------------------------------------------------------------------------------------
def _register(noun: str, mobile: bool) -> None:
    since = (15, 0) if mobile else (8, 0)
    ident = dict(ps_type="MailboxPolicyIdParameter", position=0, pipeline=True)
    settings = _setting_params(mobile)
    defaults = _default_params(mobile)

    def get(ctx: Invocation, Identity: str | None = None, **_: Any) -> list[Record]:
        return _get(ctx, Identity, mobile)

    def set_(ctx: Invocation, Identity: str, **values: Any) -> None:
        return _set(ctx, Identity, values, mobile)

    def new(ctx: Invocation, Name: str, **values: Any) -> list[Record]:
        return _new(ctx, Name, values, mobile)

    def remove(ctx: Invocation, Identity: str, Force: bool = False, **_: Any) -> None:
        return _remove(ctx, Identity, Force, mobile)

    family = (
        "the *-MobileDeviceMailboxPolicy twin (2013+; new-style setting names)"
        if mobile
        else ("2013+ warns that it is deprecated")
    )
    get.__doc__ = f"""Returns mobile device mailbox policies with every setting ({family}).

    Emulated: Identity by Name, distinguished name or GUID; every setting with its schema
    default; IsDefault (2013+) and IsDefaultPolicy; on 2013+ the new-style names as well.
    """
    set_.__doc__ = f"""Changes a mobile device mailbox policy ({family}).

    Emulated: every setting with Exchange's range and length errors; -Name (rename, with
    ADObjectAlreadyExists); -IsDefault/-IsDefaultPolicy $true makes it the only default;
    -DevicePasswordEnabled $false alone resets the password and encryption settings; the "no
    settings modified" warning.
    """
    new.__doc__ = f"""Creates a mobile device mailbox policy and returns it ({family}).

    Emulated: -Name (64 characters at most; ADObjectAlreadyExists for a taken name), every
    setting, -IsDefault/-IsDefaultPolicy replacing the current default.
    """
    remove.__doc__ = f"""Removes a mobile device mailbox policy (ConfirmImpact High; {family}).

    Emulated: removing the default policy is allowed and only changes the confirmation text; a
    policy still assigned to mailboxes asks a second question that only -Force silences (a
    caller that cannot prompt gets an error and nothing is removed); its mailboxes return to
    the default policy.
    """
    common = [DOMAIN_CONTROLLER]
    cmdlet(
        f"Get-{noun}",
        [Param("Identity", "identity", **ident), *common],
        since=since,
        output_type="MobileMailboxPolicy",
        roles=(
            "View-Only Configuration",
            "Recipient Policies",
            "Mail Recipients",
            "Mail Recipient Creation",
            "View-Only Recipients",
        ),
    )(get)  # type: ignore[arg-type]
    cmdlet(
        f"Set-{noun}",
        [
            Param("Identity", "identity", mandatory=True, **ident),
            Param("Name", max_length=MAX_NAME),
            *settings,
            *defaults,
            *common,
        ],  # type: ignore[arg-type]
        since=since,
        roles=("Recipient Policies",),
    )(set_)
    cmdlet(
        f"New-{noun}",
        [Param("Name", mandatory=True, position=0), *settings, *defaults, *common],
        since=since,
        output_type="MobileMailboxPolicy",
        roles=("Recipient Policies",),
    )(new)
    cmdlet(
        f"Remove-{noun}",
        [Param("Identity", "identity", mandatory=True, **ident), Param("Force", "switch"), *common],  # type: ignore[arg-type]
        since=since,
        confirm_impact="High",
        roles=("Recipient Policies",),
    )(remove)


_register(_OLD, mobile=False)
_register(_NEW, mobile=True)
