"""The service's schedule and the syncs, against the twin (SPEC R5, R6)."""

from __future__ import annotations

from collections import Counter

from tests.connector.conftest import build, events, installed, log_records, world


def jobs(twin, host="CONN01"):
    """Counter of job names that ran, from the trace."""
    ran = Counter()
    for e in events(twin, "connector.jobs", host=host):
        ran.update(e["ran"])
    return ran


def test_default_schedule_full_daily_quick_every_two_hours_poll_and_heartbeat(connected):
    twin, driver = connected
    driver.advance("25h")
    ran = jobs(twin)
    assert ran["fullSync"] == 2  # at start and a day later
    assert ran["quickSync"] == 11  # every two hours in between
    assert 299 <= ran["poll"] <= 301  # every 5 minutes
    assert 99 <= ran["heartbeat"] <= 101  # every 15 minutes
    assert twin.observe("intune.exchange_connection.status") == "connected"


def test_intervals_are_configurable():
    twin, driver = installed()
    driver.configure()
    connector = twin.runner.connectors["CONN01"]
    keys = {"QuickSyncIntervalMinutes": "30", "FullSyncIntervalMinutes": "360"}
    twin.call(lambda: connector.set_service_keys(keys))
    twin.call(driver.service.reload)
    driver.advance("12h")
    ran = jobs(twin)
    assert ran["fullSync"] >= 3 and ran["quickSync"] >= 15


def test_only_devices_of_licensed_users_are_reported():
    twin, driver = installed(
        world(population={"users": 30, "devices_per_user": 2, "behaviour": False, "licensed": 0.5})
    )
    driver.configure()
    driver.advance("10m")
    reported = set(twin.observe("intune.inventory.device_ids"))
    assert reported == set(twin.observe("expected.inventory.device_ids"))
    assert 0 < len(reported) < twin.observe("exchange.devices.count")


def test_quick_sync_uploads_a_new_partnership_as_a_delta():
    still_fleet = {"new_partnerships_per_day": 0, "stale_per_day": 0, "offline_per_day": 0}
    twin, driver = installed(world(population={"users": 12, "behaviour": still_fleet}))
    driver.configure()
    driver.advance("10m")
    w = twin.world
    mailbox = next(
        mb for mb in w.org.mailboxes if mb.primary_smtp.lower() in w.intune.targeted_users()
    )
    device = twin.call(lambda: w.fleet.new_partnership(mailbox, w.clock.seconds))
    assert device.device_id.lower() not in twin.observe("intune.inventory.device_ids")
    driver.advance("2h")
    assert device.device_id.lower() in twin.observe("intune.inventory.device_ids")
    quick = [
        r
        for r in log_records(driver)
        if r["event"] == "SyncComplete" and r["syncType"] == "deltaSync"
    ]
    assert quick and quick[0]["devices"] == 1  # only what changed since the watermark


def test_console_sync_request_is_picked_up_at_the_next_poll(connected):
    twin, driver = connected
    driver.advance("1h")
    before = jobs(twin)["fullSync"]
    now = twin.world.clock.now()
    command = twin.world.console.request_sync("admin@contoso.onmicrosoft.com", "full", now)
    driver.advance("6m")
    assert jobs(twin)["fullSync"] == before + 1
    assert twin.world.intune.commands.commands[command.command_id].state == "succeeded"


def test_a_console_request_never_postpones_a_sync_already_due(connected):
    twin, driver = connected
    driver.advance("1h")
    now = twin.world.clock.now()
    driver.service.due["fullSync"] = driver.service.due["poll"] = now  # both due as it starts
    twin.world.console.request_sync("admin@contoso.onmicrosoft.com", "full", now)
    ran = driver.run_due()  # the poll picks the request up first, later than `now`
    assert ran[:2] == ["poll", "fullSync"]


def test_exchange_down_fails_syncs_with_back_off_then_recovers():
    twin, driver = installed()
    driver.configure()
    driver.advance("1h")
    last = twin.observe("intune.exchange_connection.last_successful_sync")
    start = twin.world.clock.seconds
    twin.world.faults.schedule("exchange_down", start, start + 3 * 3600, server="EX01")
    driver.service.due["fullSync"] = twin.world.clock.now()
    driver.advance("2h")
    failed = [
        r for r in log_records(driver) if r["event"] == "JobFailed" and r["job"] == "fullSync"
    ]
    assert len(failed) >= 3 and all(r["code"] == "0x00000001" for r in failed)
    gaps = [r["attempt"] for r in failed]
    assert gaps == sorted(gaps)  # attempts counted up: back-off
    assert twin.observe("intune.exchange_connection.status") == "disconnected"
    assert twin.observe("intune.exchange_connection.last_successful_sync") == last  # R5.5
    driver.advance("4h")
    assert twin.observe("intune.exchange_connection.status") == "connected"
    assert twin.observe("intune.exchange_connection.last_successful_sync") > last


def test_cas_failover_and_return():
    spec = world(exchange={"servers": [{"name": "EX01"}, {"name": "EX02"}]})
    twin, driver = installed(spec)
    driver.configure(server="ex01.contoso.local")
    driver.advance("10m")
    start = twin.world.clock.seconds
    twin.world.faults.schedule("exchange_down", start, start + 4 * 3600, server="EX01")
    driver.service.due["fullSync"] = twin.world.clock.now()
    driver.advance("1h")
    assert any(
        r["event"] == "CasFailover" and r["server"] == "ex02.contoso.local"
        for r in log_records(driver)
    )
    assert twin.observe("intune.exchange_connection.status") == "connected"
    driver.advance("4h")
    assert any(r["event"] == "CasFailback" for r in log_records(driver))
    recent = events(twin, "cmdlet", host="CONN01")[-1]
    assert recent["server"] == "ex01.contoso.local"


def test_no_failover_when_the_key_is_off():
    spec = world(exchange={"servers": [{"name": "EX01"}, {"name": "EX02"}]})
    twin, driver = installed(spec)
    driver.configure(server="ex01.contoso.local")
    connector = twin.runner.connectors["CONN01"]
    twin.call(lambda: connector.set_service_keys({"IsCasFailoverEnabled": "false"}))
    twin.call(driver.service.reload)
    driver.advance("10m")
    start = twin.world.clock.seconds
    twin.world.faults.schedule("exchange_down", start, None, server="EX01")
    driver.service.due["fullSync"] = twin.world.clock.now()
    driver.advance("1h")
    assert not any(r["event"] == "CasFailover" for r in log_records(driver))
    assert twin.observe("intune.exchange_connection.status") == "disconnected"


def test_throttling_is_waited_out_and_the_sync_succeeds():
    twin, driver = installed()
    driver.configure()
    driver.advance("10m")
    start = twin.world.clock.seconds
    twin.world.faults.schedule(
        "throttling", start, start + 3600, account="CONTOSO\\svc-intune", max_cmdlets=3, period=60.0
    )
    driver.service.due["fullSync"] = twin.world.clock.now()
    driver.advance("30m")
    records = log_records(driver)
    assert any(r["event"] == "Throttled" for r in records)
    assert not any(r["event"] == "JobFailed" and r["job"] == "fullSync" for r in records)
    assert events(twin, "host.sleep")
    assert twin.observe("intune.inventory.device_ids") == twin.observe(
        "expected.inventory.device_ids"
    )


def test_parallel_runspaces_shorten_a_large_full_sync_within_the_budget():
    durations = {}
    for parallel in (False, True):
        twin, driver = build(
            world(population={"users": 3400, "devices_per_user": 1.5, "behaviour": False})
        )
        driver.download()
        driver.install()
        connector = twin.runner.connector("CONN01")
        keys = {"EnableParallelCommandSupport": str(parallel).lower()}
        twin.call(lambda connector=connector, keys=keys: connector.set_service_keys(keys))
        driver.configure()
        driver.advance("5h")
        done = [
            r
            for r in log_records(driver)
            if r["event"] == "SyncComplete" and r["syncType"] == "fullSync"
        ]
        starts = [
            r
            for r in log_records(driver)
            if r["event"] == "SyncStart" and r["syncType"] == "fullSync"
        ]
        assert done, f"parallel={parallel}: no full sync completed"
        from datetime import datetime

        durations[parallel] = (
            datetime.fromisoformat(done[0]["time"].replace("Z", "+00:00"))
            - datetime.fromisoformat(starts[0]["time"].replace("Z", "+00:00"))
        ).total_seconds()
        assert twin.observe("intune.inventory.device_ids") == twin.observe(
            "expected.inventory.device_ids"
        )
        opened = events(twin, "exchange.session", host="CONN01")
        if parallel:
            assert (
                any(r["event"] == "ParallelRunspaces" for r in log_records(driver))
                or len(opened) > 2
            )
    assert durations[True] < 0.75 * durations[False]


def test_a_deleted_connection_stops_the_connector_for_good(connected):
    twin, driver = connected
    driver.advance("30m")
    twin.world.console.delete_connection("admin@contoso.onmicrosoft.com", twin.world.clock.now())
    driver.advance("30m")
    assert driver.service.retired == "deleted"
    assert driver.state["service_state"] == "Stopped"
    retired = [r for r in log_records(driver) if r["event"] == "ConnectorRetired"]
    assert retired and "Uninstall it" in retired[0]["message"]
    before = len(events(twin, "http", host="CONN01"))
    driver.advance("2h")
    assert len(events(twin, "http", host="CONN01")) == before  # nothing more is sent


def test_large_inventories_are_uploaded_in_pages():
    twin, driver = installed(
        world(population={"users": 700, "devices_per_user": 1.5, "behaviour": False})
    )
    driver.configure()
    driver.advance("1h")
    pages = [e for e in events(twin, "http", host="CONN01") if e["url"].endswith("/devices")]
    total = twin.observe("intune.inventory.count")
    assert total > 1000 and len(pages) >= total // 500
    assert twin.observe("intune.inventory.device_ids") == twin.observe(
        "expected.inventory.device_ids"
    )


ADMIN = "admin@contoso.onmicrosoft.com"


def _licensing_world():
    """Half the users licensed, a still organisation, a quick sync every two hours."""
    return world(
        population={"users": 20, "devices_per_user": 1, "behaviour": False, "licensed": 0.5}
    )


def _unlicensed_owner(twin):
    w = twin.world
    targeted = set(w.intune.targeted_users())
    owners = {d.mailbox.primary_smtp.lower() for d in w.org.devices()}
    return sorted(u for u in owners if u not in targeted and u in w.intune.tenant.users)[0]


def _devices_of(twin, upn):
    return sorted(
        d.device_id.lower()
        for d in twin.world.org.devices()
        if d.mailbox.primary_smtp.lower() == upn
    )


def test_a_user_licensed_mid_run_is_reported_by_the_next_quick_sync():
    """Becoming licensed is a change: the quick sync carries the user's devices, though none
    of them changed in Exchange, without waiting for the daily full sync."""
    twin, driver = installed(_licensing_world())
    driver.configure()
    driver.advance("10m")
    upn = _unlicensed_owner(twin)
    devices = _devices_of(twin, upn)
    assert devices and not set(devices) & set(twin.observe("intune.inventory.device_ids"))
    twin.call(
        lambda: twin.world.console.assign_licence(ADMIN, upn, "intune", twin.world.clock.now())
    )
    driver.advance("2h")  # one quick sync, no full sync
    assert jobs(twin)["fullSync"] == 1 and jobs(twin)["quickSync"] == 1
    assert set(devices) <= set(twin.observe("intune.inventory.device_ids"))
    assert twin.observe(f"intune.devices.by_id.{devices[0]}.owner") == upn
    assert set(twin.observe("intune.inventory.device_ids")) == set(
        twin.observe("expected.inventory.device_ids")
    )


def test_a_user_whose_licence_is_removed_is_withdrawn_by_the_next_quick_sync():
    twin, driver = installed(_licensing_world())
    driver.configure()
    driver.advance("10m")
    w = twin.world
    targeted = set(w.intune.targeted_users())
    upn = next(u for u in sorted(targeted) if _devices_of(twin, u))
    devices = _devices_of(twin, upn)
    twin.call(lambda: w.console.remove_licence(ADMIN, upn, "intune", w.clock.now()))
    assert set(devices) <= set(twin.observe("intune.inventory.device_ids"))  # not before a sync
    driver.advance("2h")
    assert jobs(twin)["fullSync"] == 1
    assert not set(devices) & set(twin.observe("intune.inventory.device_ids"))
    assert set(devices) <= set(twin.observe("intune.inventory.removed_ids"))
    assert twin.observe(f"intune.devices.by_id.{devices[0]}.reported") is False


def test_a_device_set_up_after_the_last_sync_is_expected_from_the_next_one():
    """`expected.inventory` is Exchange as the last successful sync read it: a partnership
    made after that sync opened waits for the next one (explore's convergence finding)."""
    twin, driver = installed()
    driver.configure()
    driver.advance("10m")
    upn = twin.world.intune.targeted_users()[0]
    twin.play({"do": "new_partnership", "user": upn, "device_id": "LATEPHONE01"})
    assert "latephone01" not in twin.observe("expected.inventory.device_ids")
    assert twin.observe("intune.inventory.device_ids") == twin.observe(
        "expected.inventory.device_ids"
    )
    twin.play({"do": "request_sync", "kind": "quick"})
    driver.advance("10m")
    assert "latephone01" in twin.observe("intune.inventory.device_ids")
    assert twin.observe("intune.inventory.device_ids") == twin.observe(
        "expected.inventory.device_ids"
    )
