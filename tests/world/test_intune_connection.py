"""The connector's routes after registration: syncs and the inventory, status transitions,
heartbeats, command polling and results, targeted users and the policy (SPEC R5, R6)."""

from __future__ import annotations

import pytest

from tests.world.conftest import ADMIN, Client, advance, certificate, device, small_world


@pytest.fixture
def client(world):
    c = Client(world)
    c.register(certificate(world))
    return c


def ids(world):
    return world.intune.observe()["inventory"]["device_ids"]


def test_full_snapshot_in_pages_becomes_the_inventory(client, world):
    reply = client.sync("fullSync", [[device("A1"), device("B2")], [device("C3")]])
    assert reply.status == 200
    assert reply.body["devices"] == 3 and reply.body["status"] == "connected"
    assert ids(world) == ["a1", "b2", "c3"]
    status = client.call("GET", client.me()).body
    assert status["status"] == "connected"
    assert status["lastSyncType"] == "fullSync"
    assert status["lastSyncDateTime"] == world.clock.now().isoformat()


def test_pages_are_idempotent_by_device_id_case_insensitively(client, world):
    page = [device("Ab1", deviceModel="iPhone8C1")]
    client.sync("fullSync", [page, page, [device("AB1", deviceModel="iPhone8C2")]])
    assert ids(world) == ["ab1"]
    record = world.intune.inventory.get("ab1")
    assert record["deviceModel"] == "iPhone8C2"


def test_a_full_snapshot_marks_devices_it_no_longer_contains_as_removed(client, world):
    client.sync("fullSync", [[device("A1"), device("B2")]])
    advance(world, hours=1)
    client.sync("fullSync", [[device("B2"), device("C3")]])
    observed = world.intune.observe()["inventory"]
    assert observed["device_ids"] == ["b2", "c3"]
    assert observed["removed_ids"] == ["a1"]
    assert world.intune.inventory.devices["a1"]["removedDateTime"] == world.clock.now().isoformat()


def test_an_unchanged_device_keeps_its_record_and_is_reported_again(client, world):
    """A re-reported device equal to the held record is applied to that record (no copy);
    a failed sync leaves it as it was, a changed one gets a record of its own."""
    client.sync("fullSync", [[device("A1"), device("B2")]])
    held = world.intune.inventory.devices["a1"]
    first = held["lastReportedDateTime"]
    advance(world, hours=1)
    client.sync("fullSync", [[device("A1"), device("B2")]], outcome="failure")
    assert world.intune.inventory.devices["a1"]["lastReportedDateTime"] == first
    advance(world, hours=1)
    client.sync("fullSync", [[device("A1"), device("B2", deviceModel="iPhone8C2")]])
    inventory = world.intune.inventory
    assert inventory.devices["a1"] is held
    assert held["lastReportedDateTime"] == world.clock.now().isoformat() != first
    assert inventory.devices["b2"]["deviceModel"] == "iPhone8C2"
    assert inventory.devices["b2"]["lastReportedDateTime"] == world.clock.now().isoformat()


def test_a_device_back_after_its_removal_is_present_again(client, world):
    client.sync("fullSync", [[device("A1"), device("B2")]])
    client.sync("fullSync", [[device("B2")]])
    client.sync("fullSync", [[device("A1"), device("B2")]])
    assert ids(world) == ["a1", "b2"]
    assert "removedDateTime" not in world.intune.inventory.devices["a1"]
    assert len(world.intune.inventory) == 2


def test_deltas_add_update_and_remove(client, world):
    client.sync("fullSync", [[device("A1"), device("B2")]])
    client.sync("deltaSync", [[device("C3"), {"exchangeDeviceId": "a1", "removed": True}]])
    assert ids(world) == ["b2", "c3"]
    assert world.intune.observe()["inventory"]["removed_ids"] == ["a1"]


def test_a_removal_belongs_to_deltas_not_to_full_snapshots(client, world):
    reply = client.sync("fullSync", [[device("A1"), {"exchangeDeviceId": "B2", "removed": True}]])
    assert (reply.status, reply.error) == (400, "invalidDevice")
    assert ids(world) == []


def test_a_malformed_page_changes_nothing(client, world):
    sid = client.call("POST", client.me("/syncs"), {"syncType": "fullSync"}).body["syncId"]
    bad = client.call("POST", client.me(f"/syncs/{sid}/devices"), {"devices": [device("A1"), {}]})
    assert (bad.status, bad.error) == (400, "invalidDevice")
    assert "devices[1]" in bad.body["message"]
    client.call("POST", client.me(f"/syncs/{sid}/devices"), {"devices": [device("B2")]})
    client.call("POST", client.me(f"/syncs/{sid}/complete"), {"outcome": "success"})
    assert ids(world) == ["b2"]


def test_a_failed_sync_changes_nothing_and_disconnects(client, world):
    client.sync("fullSync", [[device("A1")]])
    last = world.intune.observe()["exchange_connection"]["last_successful_sync"]
    advance(world, hours=2)
    reply = client.sync("fullSync", [[device("Z9")]], outcome="failure")
    assert reply.body["status"] == "disconnected"
    observed = world.intune.observe()
    assert observed["inventory"]["device_ids"] == ["a1"]
    assert observed["exchange_connection"]["last_successful_sync"] == last
    advance(world, minutes=5)
    assert client.sync("deltaSync", []).body["status"] == "connected"


def test_a_completed_sync_cannot_be_completed_or_fed_again(client):
    sid = client.call("POST", client.me("/syncs"), {"syncType": "deltaSync"}).body["syncId"]
    assert (
        client.call("POST", client.me(f"/syncs/{sid}/complete"), {"outcome": "success"}).status
        == 200
    )
    again = client.call("POST", client.me(f"/syncs/{sid}/complete"), {"outcome": "success"})
    assert (again.status, again.error) == (404, "syncNotFound")


def test_bad_sync_type_and_outcome_are_refused(client):
    assert (
        client.call("POST", client.me("/syncs"), {"syncType": "quick"}).error == "invalidSyncType"
    )
    sid = client.call("POST", client.me("/syncs"), {"syncType": "fullSync"}).body["syncId"]
    assert client.call("POST", client.me(f"/syncs/{sid}/complete"), {"outcome": "ok"}).error == (
        "invalidBody"
    )


def test_no_contact_for_three_heartbeat_intervals_is_disconnected(client, world):
    client.sync("fullSync", [[device("A1")]])
    advance(world, minutes=44)
    assert client.call("POST", client.me("/heartbeat"), {"health": "healthy"}).body["status"] == (
        "connected"
    )
    advance(world, minutes=45, seconds=1)
    assert world.intune.observe()["exchange_connection"]["status"] == "disconnected"
    assert world.console.exchange_connection()["Status"] == "disconnected"
    assert client.call("POST", client.me("/heartbeat"), {}).body["status"] == "connected"


def test_an_unhealthy_heartbeat_disconnects_until_a_healthy_one(client, world):
    client.sync("fullSync", [])
    reply = client.call(
        "POST",
        client.me("/heartbeat"),
        {"health": "unhealthy", "lastError": "WinRM", "errorCode": "0x00000001"},
    )
    assert reply.body["status"] == "disconnected"
    assert world.intune.connectors[client.connector_id].last_error_code == "0x00000001"
    assert client.call("POST", client.me("/heartbeat"), {"health": "healthy"}).body["status"] == (
        "connected"
    )
    assert client.call("POST", client.me("/heartbeat"), {"health": "ok"}).error == "invalidBody"


def test_sync_requests_from_the_console_are_delivered_at_least_once(client, world):
    command = world.console.request_sync(ADMIN, "quick", world.clock.now())
    assert client.call("POST", client.me("/heartbeat"), {}).body["pendingCommands"] == 1
    for _ in range(2):  # every poll returns it until the result is reported
        polled = client.call("GET", client.me("/commands")).body["commands"]
        assert [(c["commandId"], c["type"]) for c in polled] == [(command.command_id, "quickSync")]
    path = client.me(f"/commands/{command.command_id}/result")
    assert client.call("POST", path, {"outcome": "succeeded"}).body["state"] == "succeeded"
    assert client.call("POST", path, {"outcome": "failed"}).body["state"] == "succeeded"
    assert client.call("GET", client.me("/commands")).body["commands"] == []
    unknown = client.call("POST", client.me("/commands/nope/result"), {"outcome": "succeeded"})
    assert (unknown.status, unknown.error) == (404, "commandNotFound")


def test_pending_commands_pass_to_the_connector_that_replaces(client, world):
    world.console.request_sync(ADMIN, "full", world.clock.now())
    newer = Client(world)
    newer.register(certificate(world), hostName="CONN02")
    assert [c["type"] for c in newer.call("GET", newer.me("/commands")).body["commands"]] == [
        "fullSync"
    ]
    assert client.call("GET", client.me("/commands")).status == 410


def test_nothing_a_replaced_connector_sends_is_accepted(client, world):
    sid = client.call("POST", client.me("/syncs"), {"syncType": "fullSync"}).body["syncId"]
    client.call("POST", client.me(f"/syncs/{sid}/devices"), {"devices": [device("A1")]})
    Client(world).register(certificate(world), hostName="CONN02")
    late = client.call("POST", client.me(f"/syncs/{sid}/complete"), {"outcome": "success"})
    assert late.status == 410
    assert ids(world) == [] and world.intune.syncs == {}


def test_targeted_users_come_in_pages_of_a_thousand():
    world = small_world(population={"users": 1203, "devices_per_user": 0})
    client = Client(world)
    client.register(certificate(world))
    first = client.call("GET", client.me("/users"), query={"page": "0"}).body
    second = client.call("GET", client.me("/users"), query={"page": "1"}).body
    assert (len(first["users"]), first["nextPage"]) == (1000, 1)
    assert (len(second["users"]), second["nextPage"]) == (203, None)
    assert first["users"] + second["users"] == world.intune.targeted_users()
    assert client.call("GET", client.me("/users"), query={"page": "-1"}).error == "invalidPage"


def test_policy_carries_the_access_settings(client, world):
    from simulator.intune.access import PlatformException

    world.console.set_conditional_access(
        ADMIN,
        world.clock.now(),
        included_groups=["Mobile"],
        unmanaged_access="quarantine",
        platform_exceptions=[PlatformException("WP8", "family", "allow")],
        notification_subject="Enrol now",
    )
    policy = client.call("GET", client.me("/policy")).body
    assert policy["enabled"] is True
    assert policy["defaultAccessLevel"] == "quarantine"
    assert policy["accessRules"] == [
        {"deviceClass": {"name": "WP8", "type": "family"}, "accessLevel": "allow"}
    ]
    assert policy["notification"]["subject"] == "Enrol now"
    shown = world.console.conditional_access()
    assert (shown["TargetedGroups"], shown["UnmanagedDeviceAccess"]) == (["Mobile"], "quarantine")


def test_unknown_routes_methods_and_bodies_are_json_errors(client):
    assert client.call("GET", "/nothing").error == "notFound"
    assert client.call("DELETE", client.me("/heartbeat")).error == "methodNotAllowed"
    status, _, body = client.api.handle(
        "POST", "/api/v1/connectors", {}, {}, b"{not json", client.now()
    )
    assert status == 400 and b"invalidJson" in body
    assert client.call("POST", "/connectors", ["a list"]).error == "invalidJson"
    assert client.register(certificate(client.world), serverType="cloud").error == "invalidBody"


def test_a_delta_withdraws_the_devices_of_a_user_no_longer_targeted(client, world):
    ann, bob = "ann@contoso.local", "bob@contoso.local"
    client.sync("fullSync", [[device("A1", ann), device("B2", ann), device("C3", bob)]])
    withdraw = {"userPrincipalName": "ANN@contoso.local", "removed": True}
    client.sync("deltaSync", [[withdraw, device("B2", ann)]])  # reported again: it stays
    assert ids(world) == ["b2", "c3"]
    assert world.intune.observe()["inventory"]["removed_ids"] == ["a1"]
    refused = client.sync("fullSync", [[device("C3", bob), withdraw]])
    assert (refused.status, refused.error) == (400, "invalidDevice")
    empty = client.sync("deltaSync", [[{"userPrincipalName": " ", "removed": True}]])
    assert (empty.status, empty.error) == (400, "invalidDevice")


def test_targeting_changes_are_stamped_and_served_since_a_time(client, world):
    intune = world.intune
    intune.note_targeting(world.clock.now())  # the baseline: not a change
    since = world.clock.now()
    path = client.me("/users/changes")
    assert client.call("GET", path, query={"since": since.isoformat()}).body == {
        "changes": [],
        "nextPage": None,
    }
    licensed = intune.targeted_users()
    unlicensed = sorted(u for u in intune.tenant.users if u not in licensed)
    advance(world, minutes=10)
    world.console.remove_licence(ADMIN, licensed[0], "intune", world.clock.now())
    world.console.assign_licence(ADMIN, unlicensed[0], "intune", world.clock.now())
    changes = client.call("GET", path, query={"since": since.isoformat()}).body["changes"]
    assert changes == sorted(
        [
            {"userPrincipalName": licensed[0], "targeted": False},
            {"userPrincipalName": unlicensed[0], "targeted": True},
        ],
        key=lambda c: c["userPrincipalName"],
    )
    advance(world, minutes=1)
    after = world.clock.now().isoformat().replace("+00:00", "Z")
    assert client.call("GET", path, query={"since": after}).body["changes"] == []
    for bad in ("yesterday", "2016-05-02T08:00:00"):
        reply = client.call("GET", path, query={"since": bad})
        assert (reply.status, reply.error) == (400, "invalidBody")
    page = client.call("GET", path, query={"since": after, "page": "x"})
    assert page.error == "invalidPage"


def _wipe_in_flight(client, world):
    client.sync("fullSync", [[device("A1"), device("B2")]])
    wipe = world.console.wipe_device(ADMIN, "A1", world.clock.now())
    return wipe, client.me(f"/commands/{wipe.command_id}/result")


def test_a_wipe_is_pending_until_a_final_result_is_read_back(client, world):
    wipe, path = _wipe_in_flight(client, world)
    shown = {"wipeStatus": "DeviceWipePending", "wipeRequestTime": "2016-05-02T08:01:00Z"}
    reply = client.call("POST", path, {"outcome": "pending", "exchange": shown})
    assert reply.body["state"] == "pending"
    polled = client.call("GET", client.me("/commands")).body["commands"]
    assert [(c["commandId"], c["state"]) for c in polled] == [(wipe.command_id, "pending")]
    entry = world.intune.observe()["devices"]["by_id"]["a1"]
    assert (
        entry["wipe_state"] == "pending" and entry["wipe"]["exchange_status"] == "DeviceWipePending"
    )
    done = {**shown, "wipeStatus": "DeviceWipeSucceeded", "wipeAckTime": "2016-05-02T09:00:00Z"}
    assert client.call("POST", path, {"outcome": "succeeded", "exchange": done}).body["state"] == (
        "succeeded"
    )
    assert client.call("POST", path, {"outcome": "pending"}).body["state"] == "succeeded"  # stands
    assert client.call("GET", client.me("/commands")).body["commands"] == []
    entry = world.intune.observe()["devices"]["by_id"]["a1"]
    assert (
        entry["wipe_state"] == "succeeded" and entry["wipe"]["acknowledged"] == done["wipeAckTime"]
    )


def test_only_a_wipe_is_cancelled_and_a_read_back_is_an_object(client, world):
    client.sync("fullSync", [[device("A1")]])
    block = world.intune.commands.issue(
        world.intune.exchange_connection().scope,
        "block",
        world.clock.now(),
        {"userPrincipalName": "user@contoso.local", "exchangeDeviceId": "A1"},
    )
    path = client.me(f"/commands/{block.command_id}/result")
    assert client.call("POST", path, {"outcome": "cancelled"}).error == "invalidBody"
    assert client.call("POST", path, {"outcome": "failed", "exchange": "Blocked"}).error == (
        "invalidBody"
    )
    sync = world.console.request_sync(ADMIN, "quick", world.clock.now())
    pending = client.call(
        "POST", client.me(f"/commands/{sync.command_id}/result"), {"outcome": "pending"}
    )
    assert pending.error == "invalidBody"


def test_cancelling_a_wipe_ends_it_cancelled(client, world):
    wipe, path = _wipe_in_flight(client, world)
    client.call("POST", path, {"outcome": "pending"})
    cancel = world.console.cancel_wipe(ADMIN, "A1", world.clock.now())
    assert world.intune.commands.commands[wipe.command_id].state == "pending"  # still in Exchange
    client.call(
        "POST", client.me(f"/commands/{cancel.command_id}/result"), {"outcome": "succeeded"}
    )
    assert world.intune.commands.commands[wipe.command_id].state == "cancelled"
    # a wipe the connector has not carried out yet is cancelled at once
    again = world.console.wipe_device(ADMIN, "B2", world.clock.now())
    world.console.cancel_wipe(ADMIN, "B2", world.clock.now())
    assert world.intune.commands.commands[again.command_id].state == "cancelled"
    assert world.intune.observe()["devices"]["by_id"]["b2"]["wipe_state"] == "cancelled"


def test_the_device_record_shows_owner_platform_enrolment_and_exchange_access(client, world):
    upn = world.intune.targeted_users()[0]
    client.sync(
        "fullSync",
        [[device("A1", upn, exchangeAccessState="Allowed", exchangeAccessStateReason="Global")]],
    )
    world.intune.enrol(upn, "A1", "iOS", world.clock.now(), compliant=False, evaluate=False)
    entry = world.intune.observe()["devices"]["by_id"]["a1"]
    assert (entry["owner"], entry["platform"], entry["enrolled"], entry["compliance"]) == (
        upn,
        "iOS",
        True,
        "notCompliant",
    )
    assert (entry["access_state"], entry["wipe_state"], entry["reported"]) == (
        "Allowed",
        "none",
        True,
    )
    assert entry["last_sync"] == world.intune.inventory.get("a1")["lastReportedDateTime"]
    advance(world, minutes=5)
    block = world.intune.commands.issue(
        world.intune.exchange_connection().scope,
        "block",
        world.clock.now(),
        {"userPrincipalName": upn, "exchangeDeviceId": "A1"},
    )
    shown = {"deviceAccessState": "Blocked", "deviceAccessStateReason": "Individual"}
    client.call(
        "POST",
        client.me(f"/commands/{block.command_id}/result"),
        {"outcome": "succeeded", "exchange": shown},
    )
    entry = world.intune.observe()["devices"]["by_id"]["a1"]
    assert (entry["access_state"], entry["access_state_reason"]) == ("Blocked", "Individual")
    assert (
        entry["last_command"]["type"] == "block" and entry["last_command"]["state"] == "succeeded"
    )
