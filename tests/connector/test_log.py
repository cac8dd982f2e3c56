"""The connector's log: structured, rotated, redacted (SPEC R8.1)."""

from __future__ import annotations

from connector.log import ConnectorLog
from tests.connector.conftest import log_records
from tests.connector.fakes import FakePlatform


def test_rotates_over_a_circular_set_of_files_and_resumes_after_a_restart():
    platform = FakePlatform()
    log = ConnectorLog(platform, folder=r"C:\Logs", max_bytes=400, max_files=3)
    for i in range(40):
        log.info("Tick", f"record {i}", n=i)
    files = sorted(k for k in platform.files if k.startswith(r"c:\logs"))
    assert files == [
        r"c:\logs\connector0.log",
        r"c:\logs\connector1.log",
        r"c:\logs\connector2.log",
    ]
    assert all(len(platform.files[f]) <= 400 for f in files)
    kept = [r["n"] for r in log.records()]
    assert kept == sorted(kept) and kept[-1] == 39 and kept[0] > 0  # the oldest were overwritten
    again = ConnectorLog(platform, folder=r"C:\Logs", max_bytes=400, max_files=3)
    again.info("Tick", "after restart", n=40)
    assert again.records()[-1]["n"] == 40


def test_secrets_never_reach_the_disk():
    platform = FakePlatform()
    log = ConnectorLog(platform, folder=r"C:\Logs")
    log.add_secret("S3cret-Pass!")
    log.error(
        "Configure", "could not log on with S3cret-Pass!", password="S3cret-Pass!", token="abc123"
    )
    raw = b"".join(platform.files.values())
    assert b"S3cret-Pass!" not in raw and b"abc123" not in raw
    record = log.records()[0]
    assert record["message"] == "could not log on with ***" and record["password"] == "***"


def test_level_filters_verbose_records():
    platform = FakePlatform()
    log = ConnectorLog(platform, folder=r"C:\Logs", level="Warning")
    log.info("Sync", "kept out")
    log.warning("Sync", "kept")
    assert [r["message"] for r in log.records()] == ["kept"]


def test_a_day_of_service_logs_each_sync_command_and_error_with_its_code(connected):
    twin, driver = connected
    start = twin.world.clock.seconds
    twin.world.faults.schedule("exchange_down", start + 3 * 3600, start + 5 * 3600, server="EX01")
    driver.advance("1d")
    records = log_records(driver)
    starts = [r for r in records if r["event"] == "SyncStart"]
    completes = [r for r in records if r["event"] == "SyncComplete"]
    assert starts and all({"syncType", "users"} <= set(r) for r in starts)
    assert completes and all({"syncType", "devices", "syncId"} <= set(r) for r in completes)
    errors = [r for r in records if r["level"] == "Error"]
    assert errors and all(r.get("code", "").startswith("0x") for r in errors)
    assert "without a time filter (full sync)" in starts[0]["message"]
    assert all(r["time"].startswith("2016-05-0") for r in records)
    raw = b"".join(
        data for path, data in twin.world.hosts["CONN01"].files.values() if "logs" in path.lower()
    )
    assert b"P@ssw0rd-svc!" not in raw
