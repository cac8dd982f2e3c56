"""Policy re-application and device commands, against a scripted Exchange session."""

from __future__ import annotations

from typing import Any

from connector.commands import DeviceCommands
from connector.config import ConnectorConfiguration, ExchangeTarget
from connector.exchange import Credential, ObjectNotFound
from connector.log import ConnectorLog
from connector.policy import apply_policy
from connector.runspaces import RunspacePool
from connector.state import ConnectorState
from tests.connector.fakes import FakePlatform, FakeShell


class MiniExchange:
    """Just enough Exchange state for the connector's writes to be observable."""

    def __init__(self, shell: FakeShell) -> None:
        self.default = "Allow"
        self.rules: dict[str, dict[str, Any]] = {}
        self.allowed: list[str] = []
        self.blocked: list[str] = ["OTHER"]
        self.devices = [
            {
                "DeviceId": "ApplABC",
                "Identity": "contoso.local/Users/Ann/ExchangeActiveSyncDevices/iPhone§ApplABC",
            }
        ]
        self.wiped: list[tuple[str, bool]] = []
        self.removed: list[str] = []
        self.wipe: dict[str, Any] = {"Status": "DeviceOk"}  # the statistics' wipe fields
        self.ignore_writes = False  # an Exchange that accepts a change and does not apply it
        shell.on(
            "Get-ActiveSyncOrganizationSettings", lambda **_: [{"DefaultAccessLevel": self.default}]
        )
        shell.on("Set-ActiveSyncOrganizationSettings", self.set_org)
        shell.on("Get-ActiveSyncDeviceAccessRule", lambda **_: list(self.rules.values()))
        shell.on("New-ActiveSyncDeviceAccessRule", self.new_rule)
        shell.on("Set-ActiveSyncDeviceAccessRule", self.set_rule)
        shell.on("Remove-ActiveSyncDeviceAccessRule", self.remove_rule)
        shell.on("Get-CasMailbox", self.get_cas)
        shell.on("Set-CasMailbox", self.set_cas)
        shell.on("Get-ActiveSyncDevice", self.get_devices)
        shell.on("Get-ActiveSyncDeviceStatistics", self.get_statistics)
        shell.on("Clear-ActiveSyncDevice", self.clear)
        shell.on("Remove-ActiveSyncDevice", self.remove)

    def clear(self, Identity, Cancel=False, **_):
        self.wiped.append((Identity, Cancel))
        if Cancel and self.wipe["Status"] == "DeviceWipePending":
            self.wipe = {"Status": "DeviceOk"}
        elif not Cancel:
            self.wipe = {"Status": "DeviceWipePending", "DeviceWipeRequestTime": "t1"}
        return []

    def acknowledge(self):
        """The phone's next contact: it receives the wipe and acknowledges it."""
        self.wipe = {**self.wipe, "Status": "DeviceWipeSucceeded", "DeviceWipeAckTime": "t2"}

    def remove(self, Identity, **_):
        self.removed.append(Identity)
        if not self.ignore_writes:
            self.devices = [d for d in self.devices if d["Identity"] != Identity]
        return []

    def access_state(self, device_id):
        if device_id in self.blocked:
            return "Blocked", "Individual"
        if device_id in self.allowed:
            return "Allowed", "Individual"
        return {"Allow": "Allowed", "Block": "Blocked", "Quarantine": "Quarantined"}[
            self.default
        ], "Global"

    def get_statistics(self, Mailbox, **_):
        self.get_cas(Mailbox)
        return [
            {"DeviceID": d["DeviceId"], "Identity": d["Identity"], **self.wipe}
            for d in self.devices
        ]

    def set_org(self, DefaultAccessLevel, **_):
        self.default = DefaultAccessLevel
        return []

    def new_rule(self, QueryString, Characteristic, AccessLevel, **_):
        name = f"{QueryString} ({Characteristic})"
        self.rules[name] = {
            "Name": name,
            "QueryString": QueryString,
            "Characteristic": Characteristic,
            "AccessLevel": AccessLevel,
        }
        return [self.rules[name]]

    def set_rule(self, Identity, AccessLevel, **_):
        self.rules[Identity]["AccessLevel"] = AccessLevel
        return []

    def remove_rule(self, Identity, **_):
        del self.rules[Identity]
        return []

    def get_cas(self, Identity, **_):
        if Identity != "ann@contoso.com":
            raise ObjectNotFound(
                f"The operation couldn't be performed because object '{Identity}' couldn't be found."
            )
        return [
            {
                "ActiveSyncAllowedDeviceIDs": list(self.allowed),
                "ActiveSyncBlockedDeviceIDs": list(self.blocked),
            }
        ]

    def set_cas(self, Identity, **params):
        if self.ignore_writes:
            return []
        for name, target in (
            ("ActiveSyncAllowedDeviceIDs", self.allowed),
            ("ActiveSyncBlockedDeviceIDs", self.blocked),
        ):
            change = params.get(name)
            if change:
                assert not (set(change.get("Add", [])) & set(target)), (
                    "adding a value already present fails in Exchange"
                )
                target.extend(change.get("Add", []))
                for v in change.get("Remove", []):
                    target.remove(v)
        return []

    def get_devices(self, Mailbox, **_):
        self.get_cas(Mailbox)
        out = []
        for d in self.devices:
            state, reason = self.access_state(d["DeviceId"])
            out.append({**d, "DeviceAccessState": state, "DeviceAccessStateReason": reason})
        return out


def setup():
    platform, shell = FakePlatform(), FakeShell()
    exchange = MiniExchange(shell)
    config = ConnectorConfiguration(
        ExchangeTarget("on_premises", "ex01"), Credential("CONTOSO\\svc", "pw")
    )
    state = ConnectorState()
    log = ConnectorLog(platform)
    pool = RunspacePool(platform, shell, config, state, log)
    return platform, shell, exchange, state, log, pool


POLICY = {
    "enabled": True,
    "defaultAccessLevel": "quarantine",
    "accessRules": [
        {"deviceClass": {"name": "WP8", "type": "family"}, "accessLevel": "block"},
        {"deviceClass": {"name": "iPhone8C1", "type": "model"}, "accessLevel": "allow"},
    ],
    "notification": {"subject": "Enroll now", "body": "<p>Get Started Now</p>"},
}


def test_policy_sets_default_level_and_creates_rules_once():
    _, shell, exchange, state, log, pool = setup()
    changes = apply_policy(pool, POLICY, state, log)
    assert exchange.default == "Quarantine"
    assert set(exchange.rules) == {"WP8 (DeviceType)", "iPhone8C1 (DeviceModel)"}
    assert exchange.rules["WP8 (DeviceType)"]["AccessLevel"] == "Block"
    assert len(changes) == 3
    assert apply_policy(pool, POLICY, state, log) == []  # re-applying changes nothing
    assert state.notification["subject"] == "Enroll now"


def test_policy_only_removes_rules_the_connector_created():
    _, _, exchange, state, log, pool = setup()
    exchange.rules["Android (DeviceType)"] = {
        "Name": "Android (DeviceType)",
        "AccessLevel": "Quarantine",
    }
    apply_policy(pool, POLICY, state, log)
    apply_policy(pool, {**POLICY, "accessRules": []}, state, log)
    assert set(exchange.rules) == {"Android (DeviceType)"}


def test_disabling_conditional_access_restores_allow_and_removes_managed_rules():
    _, _, exchange, state, log, pool = setup()
    apply_policy(pool, POLICY, state, log)
    apply_policy(pool, {"enabled": False}, state, log)
    assert exchange.default == "Allow" and exchange.rules == {}


def cmd(kind, device="ApplABC", upn="ann@contoso.com", notify=True):
    return {
        "commandId": "c1",
        "type": kind,
        "target": {"userPrincipalName": upn, "exchangeDeviceId": device},
        "parameters": {"reason": "notEnrolled", "notifyUser": notify},
    }


def test_allow_and_block_move_the_device_between_the_lists_idempotently():
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    assert commands.handle(cmd("block")).outcome == "succeeded"
    assert commands.handle(cmd("block")).outcome == "succeeded"  # delivered twice
    assert exchange.blocked == ["OTHER", "ApplABC"] and exchange.allowed == []
    assert commands.handle(cmd("allow")).outcome == "succeeded"
    assert exchange.blocked == ["OTHER"] and exchange.allowed == ["ApplABC"]
    exchange.default = "Quarantine"
    assert commands.handle(cmd("quarantine")).outcome == "succeeded"
    assert exchange.blocked == ["OTHER"] and exchange.allowed == []


def test_access_outcome_is_the_state_exchange_shows_afterwards():
    """Not the absence of an error: a change Exchange accepts but does not show fails,
    naming what Exchange shows, and the read-back goes to Intune."""
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    ok = commands.handle(cmd("block"))
    assert ok.exchange == {"deviceAccessState": "Blocked", "deviceAccessStateReason": "Individual"}
    exchange.ignore_writes = True
    allow = commands.handle(cmd("allow"))
    assert allow.outcome == "failed" and "Blocked (Individual)" in (allow.error or "")
    assert allow.exchange == {
        "deviceAccessState": "Blocked",
        "deviceAccessStateReason": "Individual",
    }
    exchange.ignore_writes = False
    quarantine = commands.handle(cmd("quarantine"))  # the default level is still Allow
    assert quarantine.outcome == "failed" and "Allowed (Global)" in (quarantine.error or "")


def test_a_wipe_is_pending_until_the_phone_acknowledges_it():
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    identity = exchange.devices[0]["Identity"]
    first = commands.handle(cmd("wipe"))
    assert first.outcome == "pending"
    assert first.exchange and first.exchange["wipeStatus"] == "DeviceWipePending"
    again = commands.handle({**cmd("wipe"), "state": "pending"})  # the next poll reads it back
    assert again.outcome == "pending"
    assert exchange.wiped == [(identity, False)]  # requested once, not at every poll
    exchange.acknowledge()
    done = commands.handle({**cmd("wipe"), "state": "pending"})
    assert done.outcome == "succeeded" and done.exchange["wipeAckTime"] == "t2"  # type: ignore[index]


def test_a_redelivered_wipe_is_not_requested_twice():
    """The connector requested the wipe but could not report it: delivered again as issued."""
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    commands.handle(cmd("wipe"))
    assert commands.handle(cmd("wipe")).outcome == "pending"
    assert len(exchange.wiped) == 1


def test_a_pending_wipe_no_longer_held_by_exchange_is_cancelled():
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    commands.handle(cmd("wipe"))
    exchange.wipe = {"Status": "DeviceOk"}  # an Exchange administrator ran Clear -Cancel
    cancelled = commands.handle({**cmd("wipe"), "state": "pending"})
    assert cancelled.outcome == "cancelled"
    commands.handle(cmd("wipe"))
    exchange.devices = []  # the partnership was removed: Exchange cancels its wipe
    gone = commands.handle({**cmd("wipe"), "state": "pending"})
    assert gone.outcome == "cancelled" and gone.exchange == {"partnership": False}


def test_cancel_wipe_reads_back_and_fails_once_acknowledged():
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    identity = exchange.devices[0]["Identity"]
    commands.handle(cmd("wipe"))
    assert commands.handle(cmd("cancelWipe")).outcome == "succeeded"
    assert exchange.wiped == [(identity, False), (identity, True)]
    assert commands.handle(cmd("cancelWipe")).outcome == "succeeded"  # nothing left to cancel
    assert len(exchange.wiped) == 2
    commands.handle(cmd("wipe"))
    exchange.acknowledge()
    late = commands.handle(cmd("cancelWipe"))
    assert late.outcome == "failed" and "DeviceWipeSucceeded" in (late.error or "")


def test_remove_reads_back_that_the_partnership_is_gone():
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, notifier=None)
    identity = exchange.devices[0]["Identity"]
    exchange.ignore_writes = True
    kept = commands.handle(cmd("removeDevice"))
    assert kept.outcome == "failed" and "still shows" in (kept.error or "")
    exchange.ignore_writes = False
    assert commands.handle(cmd("removeDevice")).outcome == "succeeded"
    assert commands.handle(cmd("removeDevice")).outcome == "succeeded"  # already gone: goal holds
    assert exchange.removed == [identity, identity]
    failed = commands.handle(cmd("wipe"))
    assert failed.outcome == "failed" and "no longer exists" in (failed.error or "")


def test_unknown_user_fails_the_command_with_exchange_message():
    platform, _, _, state, log, pool = setup()
    outcome = DeviceCommands(platform, pool, state, log, notifier=None).handle(
        cmd("block", upn="bob@contoso.com")
    )
    assert outcome.outcome == "failed" and "bob@contoso.com" in (outcome.error or "")


class RecordingNotifier:
    smtp = "notify@contoso.com"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send(self, to, subject, body):
        from connector.errors import NotificationFailed

        if self.fail:
            raise NotificationFailed("Autodiscover found no Exchange Web Services URL")
        self.sent.append((to, subject))


def test_block_notifies_the_user_first_and_only_once():
    platform, _, _, state, log, pool = setup()
    notifier = RecordingNotifier()
    state.notification = {"subject": "Enroll now", "body": "x"}
    commands = DeviceCommands(platform, pool, state, log, notifier)  # type: ignore[arg-type]
    assert commands.handle(cmd("block")).notified
    assert not commands.handle(cmd("block")).notified
    assert notifier.sent == [("ann@contoso.com", "Enroll now")]
    assert any(r["event"] == "SendEmail" for r in log.records())


def test_no_notification_unless_intune_asks_for_it():
    platform, _, _, state, log, pool = setup()
    notifier = RecordingNotifier()
    commands = DeviceCommands(platform, pool, state, log, notifier)  # type: ignore[arg-type]
    assert not commands.handle(cmd("block", notify=False)).notified
    assert notifier.sent == []


def test_notification_failure_is_logged_and_does_not_stop_the_block():
    platform, _, exchange, state, log, pool = setup()
    commands = DeviceCommands(platform, pool, state, log, RecordingNotifier(fail=True))  # type: ignore[arg-type]
    outcome = commands.handle(cmd("block"))
    assert outcome.outcome == "succeeded" and not outcome.notified
    assert "ApplABC" in exchange.blocked
    assert commands.notification_error and "Autodiscover" in commands.notification_error
    assert any(r["event"] == "SendEmailFailed" and r["level"] == "Error" for r in log.records())
