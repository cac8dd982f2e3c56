"""Device partnerships: identities, versions and mixed organisations, statistics, wipe and
removal with the device's next contact."""

from __future__ import annotations

import pytest

from simulator.exchange import errors as ex
from tests.exchange.conftest import connect, make_world

LIVE = {"enabled": True, "offline_per_day": 0, "stale_per_day": 0, "new_partnerships_per_day": 0}


def active_device(world):
    return next(d for d in world.org.devices() if d.state == "active" and d.client_type == "EAS")


@pytest.mark.parametrize("form", ["guid", "dn", "canonical", "backslash", "name"])
def test_device_identity_forms(world, session, form):
    device = world.org.devices()[0]
    identity = {
        "guid": device.guid_text,
        "dn": device.distinguished_name,
        "canonical": device.identity,
        "backslash": f"{device.mailbox.alias}\\ExchangeActiveSyncDevices\\{device.name}",
        "name": device.name,
    }[form]
    view = session.invoke("Get-ActiveSyncDevice", {"Identity": identity})[0]
    assert view["DeviceId"] == device.device_id and view["Identity"] == device.identity


def test_backslash_form_is_2013_only_and_unknown_devices_are_not_found():
    world = make_world(exchange={"version": "2010 SP3"})
    session = connect(world)
    device = world.org.devices()[0]
    with pytest.raises(ex.ObjectNotFound) as err:
        session.invoke(
            "Get-ActiveSyncDevice",
            {"Identity": f"{device.mailbox.alias}\\ExchangeActiveSyncDevices\\{device.name}"},
        )
    assert "The mobile device" in err.value.message and "cannot be found." in err.value.message
    assert session.warnings == []  # 2010: no deprecation warning
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-ActiveSyncDevice", {"Identity": "iPhone§ApplNOSUCHDEVICE"})


def test_mailbox_parameter_set_and_output(world, session):
    mailbox = next(m for m in world.org.mailboxes if len(m.devices) >= 1)
    views = session.invoke("Get-ActiveSyncDevice", {"Mailbox": mailbox.primary_smtp})
    assert {v["DeviceId"] for v in views} == {d.device_id for d in mailbox.devices}
    assert "Use the Get-MobileDevice cmdlet instead" in session.warnings[0]
    view = views[0]
    for prop in (
        "FriendlyName",
        "DeviceOS",
        "DeviceUserAgent",
        "FirstSyncTime",
        "UserDisplayName",
        "DeviceAccessState",
        "DeviceAccessStateReason",
        "DeviceAccessControlRule",
        "DeviceActiveSyncVersion",
        "ClientType",
        "Guid",
    ):
        assert prop in view
    assert view["UserDisplayName"] == mailbox.identity
    assert view["FirstSyncTime"].tzinfo is not None


def test_2013_hides_owa_for_devices_from_the_activesync_cmdlets(world, session):
    mowa = world.org.devices()[0]
    mowa.client_type = "MOWA"
    ids = {
        v["DeviceId"] for v in session.invoke("Get-ActiveSyncDevice", {"ResultSize": "Unlimited"})
    }
    assert mowa.device_id not in ids
    every = {v["DeviceId"] for v in session.invoke("Get-MobileDevice", {"ResultSize": "Unlimited"})}
    assert mowa.device_id in every and session.warnings == []
    only_owa = session.invoke(
        "Get-MobileDevice", {"OWAforDevices": True, "ResultSize": "Unlimited"}
    )
    assert [v["DeviceId"] for v in only_owa] == [mowa.device_id]
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-ActiveSyncDevice", {"Identity": mowa.identity})


def test_mixed_organisation_2010_cas_does_not_see_2013_mailboxes_devices():
    world = make_world(
        exchange={
            "servers": [
                {
                    "name": "EX10",
                    "version": "2010 SP3",
                    "roles": ["Mailbox", "ClientAccess", "HubTransport"],
                },
                {"name": "EX13", "version": "2013 CU12"},
            ]
        },
        population={"users": 10, "devices_per_user": 1},
    )
    on_2010 = {d.device_id for d in world.org.devices() if d.mailbox.server == "EX10"}
    everything = {d.device_id for d in world.org.devices() if d.client_type == "EAS"}
    assert on_2010 and on_2010 != everything
    s10 = connect(world, server="ex10.contoso.local")
    assert {
        v["DeviceId"] for v in s10.invoke("Get-ActiveSyncDevice", {"ResultSize": "Unlimited"})
    } == on_2010
    s13 = connect(world, server="ex13.contoso.local")
    assert {
        v["DeviceId"] for v in s13.invoke("Get-ActiveSyncDevice", {"ResultSize": "Unlimited"})
    } == everything


def test_filter_and_sort_devices(world, session):
    iphones = session.invoke(
        "Get-ActiveSyncDevice",
        {"Filter": "DeviceType -eq 'iPhone' -and DeviceAccessState -eq 'Allowed'"},
    )
    assert iphones and all(v["DeviceType"] == "iPhone" for v in iphones)
    models = [
        v["DeviceModel"] for v in session.invoke("Get-ActiveSyncDevice", {"SortBy": "DeviceModel"})
    ]
    assert models == sorted(models, key=str.lower)


def test_statistics_by_identity_and_by_mailbox(world, session):
    device = active_device(world)
    stats = session.invoke("Get-ActiveSyncDeviceStatistics", positional=[device.identity])[0]
    assert stats["DeviceID"] == device.device_id and stats["Status"] == "DeviceOk"
    assert stats["LastSuccessSync"] is not None and stats["RecoveryPassword"] == "********"
    assert stats["DevicePolicyApplied"] == "Default"
    by_mailbox = session.invoke("Get-ActiveSyncDeviceStatistics", {"Mailbox": device.mailbox.alias})
    assert device.device_id in {s["DeviceID"] for s in by_mailbox}
    with pytest.raises(ex.RecipientNotFound):
        session.invoke("Get-ActiveSyncDeviceStatistics", {"Mailbox": "ghost"})
    with pytest.raises(ex.MissingMandatoryParameter):
        session.invoke("Get-ActiveSyncDeviceStatistics")


def _live_world():
    world = make_world(
        population={"users": 4, "devices_per_user": 1, "stale": 0, "behaviour": LIVE}
    )
    env = world.clock.env
    for process in world.processes():
        env.process(process)
    return world, env


def test_wipe_is_pending_until_the_next_contact_then_acknowledged():
    world, env = _live_world()
    session = connect(world)
    device = active_device(world)
    session.invoke("Clear-ActiveSyncDevice", {"Identity": device.identity, "Confirm": False})
    stats = session.invoke("Get-ActiveSyncDeviceStatistics", {"Identity": device.identity})[0]
    assert stats["Status"] == "DeviceWipePending"
    assert stats["DeviceWipeRequestTime"] is not None and stats["DeviceWipeAckTime"] is None
    assert stats["LastDeviceWipeRequestor"] == "admin@contoso.local"
    env.run(until=env.now + device.interval + 1200)
    stats = connect(world).invoke("Get-ActiveSyncDeviceStatistics", {"Identity": device.identity})[
        0
    ]
    assert stats["Status"] == "DeviceWipeSucceeded"
    assert (
        stats["DeviceWipeSentTime"] == stats["DeviceWipeAckTime"] >= stats["DeviceWipeRequestTime"]
    )
    assert device.state == "wiped"
    assert world.trace.count("exchange.device.wiped") == 1


def test_cancel_while_pending_and_nothing_to_cancel(world, session):
    device = active_device(world)
    session.invoke(
        "Clear-ActiveSyncDevice", {"Identity": device.identity, "Cancel": True, "Confirm": False}
    )
    assert session.warnings[-1] == f"The wipe can't be canceled on the device: {device.identity}"
    session.invoke("Clear-ActiveSyncDevice", {"Identity": device.identity, "Confirm": False})
    session.invoke(
        "Clear-ActiveSyncDevice", {"Identity": device.identity, "Cancel": True, "Confirm": False}
    )
    assert device.wipe_status == "DeviceOk" and device.wipe_requested is None


def test_clear_needs_confirmation_and_whatif_changes_nothing(world, session):
    device = active_device(world)
    with pytest.raises(
        ex.HostPromptNotSupported, match="all data on the device will be permanently deleted"
    ):
        session.invoke("Clear-ActiveSyncDevice", {"Identity": device.identity})
    session.invoke("Clear-ActiveSyncDevice", {"Identity": device.identity, "WhatIf": True})
    assert device.wipe_requested is None
    declined = session.invoke(
        "Clear-ActiveSyncDevice", {"Identity": device.identity}, prompter=lambda c, t: False
    )
    assert declined == [] and device.wipe_requested is None
    assert world.org.audit_log[-1].succeeded is False  # the refused prompt was an error


def test_account_only_wipe_exists_on_2016_mobile_cmdlet():
    world = make_world(
        exchange={"version": "2016 CU1", "servers": [{"name": "EX16", "roles": ["Mailbox"]}]}
    )
    session = connect(world)
    device = active_device(world)
    session.invoke(
        "Clear-MobileDevice", {"Identity": device.identity, "AccountOnly": True, "Confirm": False}
    )
    assert device.wipe_account_only and device.wipe_status == "DeviceWipePending"
    with pytest.raises(ex.ParameterNotFound):
        connect(make_world()).invoke("Clear-MobileDevice", {"Identity": "x", "AccountOnly": True})


def test_removed_partnership_is_recreated_at_the_next_sync():
    world, env = _live_world()
    session = connect(world)
    device = active_device(world)
    old_guid = device.guid_text
    session.invoke("Remove-ActiveSyncDevice", {"Identity": device.identity, "Confirm": False})
    with pytest.raises(ex.ObjectNotFound):
        session.invoke("Get-ActiveSyncDevice", {"Identity": device.identity})
    assert device.device_id.lower() not in world.observe_exchange()["devices"]["device_ids"]
    env.run(until=env.now + device.interval + 1200)
    view = connect(world).invoke("Get-ActiveSyncDevice", {"Identity": device.identity})[0]
    assert view["Guid"] != old_guid
    assert view["FirstSyncTime"] > world.org.dt(0)
    assert world.trace.count("exchange.device.partnership_recreated") == 1


def test_remove_warns_about_a_pending_wipe(world, session):
    device = active_device(world)
    session.invoke("Clear-ActiveSyncDevice", {"Identity": device.identity, "Confirm": False})
    session.invoke("Remove-ActiveSyncDevice", {"Identity": device.identity, "WhatIf": True})
    assert "has a pending wipe request" in session.messages[-1][1]


def test_mobile_device_twins_on_2013_and_their_absence_on_2010(world, session):
    device = active_device(world)
    stats = session.invoke("Get-MobileDeviceStatistics", {"Mailbox": device.mailbox.alias})
    assert device.device_id in {s["DeviceID"] for s in stats} and session.warnings == []
    session.invoke("Remove-MobileDevice", {"Identity": device.identity, "Confirm": False})
    assert not device.partnered and session.warnings == []
    assert world.org.audit_log[-1].cmdlet == "Remove-MobileDevice"
    s10 = connect(make_world(exchange={"version": "2010 SP3"}))
    for name in (
        "Get-MobileDevice",
        "Get-MobileDeviceStatistics",
        "Clear-MobileDevice",
        "Remove-MobileDevice",
    ):
        with pytest.raises(ex.CommandNotFound):
            s10.invoke(name, {"Identity": "x"})
