"""Intune's access decisions applied to Exchange by the connector, notifications before a
block, remote wipe and removal, and policy re-application (SPEC R4.4, R5.2, R7)."""

from __future__ import annotations

from tests.connector.conftest import (
    NOTIFY_PASSWORD,
    NOTIFY_USER,
    SVC_PASSWORD,
    SVC_USER,
    installed,
    log_records,
    world,
)

ADMIN = "admin@contoso.onmicrosoft.com"


def ca_world(**extra):
    directory = {
        "domain": "contoso.local",
        "accounts": [
            {
                "name": SVC_USER,
                "password": SVC_PASSWORD,
                "role_groups": ["Organization Management"],
            },
            {
                "name": NOTIFY_USER,
                "password": NOTIFY_PASSWORD,
                "mailbox": True,
                "upn": "notify@contoso.local",
            },
        ],
        "groups": [{"name": "Mobile Users", "population": 1.0}],
    }
    tenant = {
        "conditional_access": {
            "included_groups": ["Mobile Users"],
            "unmanaged_device_access": "block",
            "notification": {"subject": "Enroll to keep your email"},
        }
    }
    return world(directory=directory, tenant=tenant, **extra)


def configure_with_notifications(driver):
    driver.configure(notification={"user": NOTIFY_USER, "password": NOTIFY_PASSWORD})


def device_state(twin, device_id):
    return twin.observe(f"exchange.devices.by_id.{device_id}")


def test_unmanaged_devices_are_blocked_after_the_user_is_notified():
    twin, driver = installed(ca_world())
    configure_with_notifications(driver)
    driver.advance("30m")
    blocks = [c for c in twin.world.intune.commands.commands.values() if c.type == "block"]
    assert blocks and all(c.state == "succeeded" for c in blocks)
    notified_users = {
        c.target["userPrincipalName"] for c in blocks if c.parameters.get("notifyUser")
    }
    mails = twin.observe("exchange.notifications")
    assert {m["to"] for m in mails} == notified_users
    assert all(
        m["from"] == "notify@contoso.local"
        and m["subject"] == "Enroll to keep your email"
        and m["delivered"]
        for m in mails
    )
    device = blocks[0].target["exchangeDeviceId"]
    state = device_state(twin, device)
    assert state["reported"] == "Blocked" and state["reason"] == "Individual"
    assert any(r["event"] == "SendEmail" for r in log_records(driver))


def test_full_sync_reasserts_the_default_level_an_administrator_changed_by_hand():
    twin, driver = installed(ca_world())
    configure_with_notifications(driver)
    driver.advance("10m")
    assert twin.world.org.settings.default_access_level == "Block"
    twin.world.org.settings.default_access_level = "Allow"  # an administrator, in the EMC
    driver.service.due["fullSync"] = twin.world.clock.now()
    driver.advance("10m")
    assert twin.world.org.settings.default_access_level == "Block"


def test_missing_autodiscover_is_logged_and_visible_and_the_sync_goes_on():
    twin, driver = installed(ca_world(network={"autodiscover": False}))
    configure_with_notifications(driver)
    driver.advance("30m")
    failures = [r for r in log_records(driver) if r["event"] == "SendEmailFailed"]
    assert failures and "autodiscover.contoso.local" in failures[0]["message"]
    assert driver.service.health()["notification"]["lastError"]
    assert twin.observe("exchange.notifications") == []
    assert twin.observe("intune.exchange_connection.status") == "connected"
    assert twin.observe("intune.inventory.device_ids") == twin.observe(
        "expected.inventory.device_ids"
    )


def test_exchange_web_service_url_bypasses_autodiscover():
    twin, driver = installed(ca_world(network={"autodiscover": False}))
    connector = twin.runner.connectors["CONN01"]
    keys = {"ExchangeWebServiceURL": "https://ex01.contoso.local/EWS/Exchange.asmx"}
    twin.call(lambda: connector.set_service_keys(keys))
    configure_with_notifications(driver)
    driver.advance("30m")
    assert twin.observe("exchange.notifications")
    assert not [r for r in log_records(driver) if r["event"] == "SendEmailFailed"]


def test_wipe_reaches_the_device_at_its_next_contact_and_remove_deletes_the_partnership():
    twin, driver = installed(
        world(
            population={
                "users": 12,
                "behaviour": {
                    "new_partnerships_per_day": 0,
                    "stale_per_day": 0,
                    "offline_per_day": 0,
                },
            }
        )
    )
    driver.configure()
    driver.advance("10m")
    ids = twin.observe("intune.inventory.device_ids")
    wiped, removed = ids[0], ids[1]
    now = twin.world.clock.now()
    wipe = twin.world.console.wipe_device(ADMIN, wiped, now)
    remove = twin.world.console.remove_device(ADMIN, removed, now)
    driver.advance("6m")
    commands = twin.world.intune.commands.commands
    # Intune reports what Exchange shows: the wipe is requested, not yet acknowledged
    assert commands[wipe.command_id].state == "pending"
    assert commands[remove.command_id].state == "succeeded"
    assert twin.observe(f"intune.devices.by_id.{wiped}.wipe_state") == "pending"
    assert device_state(twin, wiped)["status"] == "DeviceWipePending"
    assert removed not in twin.observe("exchange.devices.device_ids")
    assert device_state(twin, removed)["partnership"] is False
    driver.advance("3h")  # the handset syncs and acknowledges; a later poll reads it back
    assert device_state(twin, wiped)["status"] == "DeviceWipeSucceeded"
    assert device_state(twin, wiped)["wipe_acknowledged"] is not None
    assert commands[wipe.command_id].state == "succeeded"
    entry = twin.observe(f"intune.devices.by_id.{wiped}")
    assert entry["wipe_state"] == "succeeded"
    assert entry["wipe"]["exchange_status"] == "DeviceWipeSucceeded"
    assert entry["wipe"]["acknowledged"] is not None
    # the removed device still exists: its next sync recreates the partnership (C28)
    assert device_state(twin, removed)["partnership"] is True


def test_cancel_wipe_while_pending():
    twin, driver = installed(world(population={"users": 12, "behaviour": False}))
    driver.configure()
    driver.advance("10m")
    device = twin.observe("intune.inventory.device_ids")[0]
    twin.world.console.wipe_device(ADMIN, device, twin.world.clock.now())
    driver.advance("6m")
    assert device_state(twin, device)["status"] == "DeviceWipePending"
    cancel = twin.world.console.cancel_wipe(ADMIN, device, twin.world.clock.now())
    driver.advance("6m")
    assert twin.world.intune.commands.commands[cancel.command_id].state == "succeeded"
    assert twin.observe(f"intune.devices.by_id.{device}.wipe_state") == "cancelled"
    state = device_state(twin, device)
    assert state["status"] == "DeviceOk" and state["wipe_requested"] is None
