"""Convergence (issue 5): whatever interleaving of faults (network, Exchange down,
throttling), device changes in Exchange and connector syncs, once the faults have ended and a
full sync completes, Intune's inventory equals Exchange's devices of the licensed targeted
users — nothing lost, nothing duplicated, nothing invented."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.connector.conftest import installed, world

PROXY = {"address": "proxy.contoso.local", "port": 8080}
QUIET_FLEET = {"new_partnerships_per_day": 0, "stale_per_day": 0, "offline_per_day": 0}
FAULTS = {
    "exchange_down": {"server": "EX01"},
    "intune_unreachable": {},
    "proxy_down": {"address": "proxy.contoso.local"},
    "throttling": {"account": "CONTOSO\\svc-intune", "max_cmdlets": 4, "period": 60.0},
}


class ConnectorConvergence(RuleBasedStateMachine):
    @initialize(licensed=st.sampled_from([0.5, 1.0]))
    def build(self, licensed: float) -> None:
        spec = world(
            population={
                "users": 10,
                "devices_per_user": 1.5,
                "licensed": licensed,
                "behaviour": QUIET_FLEET,
            },
            network={"direct_internet": False, "proxy": PROXY},
        )
        self.twin, self.driver = installed(spec)
        self.driver.configure(proxy=PROXY)
        self.last_sync = None
        self.seen: set[str] = set()
        self.fault_end = 0.0

    @property
    def now(self) -> float:
        return self.twin.world.clock.seconds

    @rule(minutes=st.sampled_from([5, 30, 120, 300]))
    def time_passes(self, minutes: int) -> None:
        self.driver.advance(f"{minutes}m")

    @rule(kind=st.sampled_from(sorted(FAULTS)), minutes=st.sampled_from([10, 60, 240]))
    def fault(self, kind: str, minutes: int) -> None:
        end = self.now + minutes * 60
        self.twin.world.faults.schedule(kind, self.now, end, **FAULTS[kind])
        self.fault_end = max(self.fault_end, end)

    @rule(user=st.integers(0, 9))
    def new_partnership(self, user: int) -> None:
        world = self.twin.world
        mailbox = world.org.mailboxes[user]
        self.twin.call(lambda: world.fleet.new_partnership(mailbox, world.clock.seconds))

    @rule(pick=st.integers(0, 30))
    def administrator_removes_a_partnership(self, pick: int) -> None:
        org = self.twin.world.org
        devices = [d for d in org.devices() if d.partnered]
        if devices:
            self.twin.call(lambda: org.remove_device(devices[pick % len(devices)]))

    @rule(kind=st.sampled_from(["quick", "full"]))
    def console_requests_a_sync(self, kind: str) -> None:
        self.twin.world.console.request_sync(
            "admin@contoso.onmicrosoft.com", kind, self.twin.world.clock.now()
        )

    @invariant()
    def last_successful_sync_never_goes_back(self) -> None:
        if not hasattr(self, "twin"):
            return
        current = self.twin.observe("intune.exchange_connection.last_successful_sync")
        if self.last_sync is not None:
            assert current is not None and current >= self.last_sync
        self.last_sync = current

    @invariant()
    def intune_holds_only_devices_exchange_had(self) -> None:
        if not hasattr(self, "twin"):
            return
        self.seen |= {d.device_id.lower() for d in self.twin.world.org.devices()}
        inventory = self.twin.observe("intune.inventory.device_ids")
        assert len(inventory) == len(set(inventory))
        assert set(inventory) <= self.seen

    def teardown(self) -> None:
        if not hasattr(self, "twin"):
            return
        if self.now < self.fault_end:
            self.driver.advance(f"{int(self.fault_end - self.now) + 60}s")
        asked = self.twin.world.clock.now()
        self.driver.service.due["fullSync"] = asked
        self.driver.run_due()
        # a full sync ran since: as the fullSync job, or inside the poll that found the
        # console's request for one. Not "the last sync was a full one": while the job's
        # simulated time is waited out, the service's own loop may poll, find a console
        # request for a quick sync and run it after the full one.
        full = self.driver.service.state.last_full_sync
        assert full is not None and datetime.fromisoformat(full) >= asked
        assert self.driver.service.last_error is None, self.driver.service.last_error
        assert self.twin.observe("intune.inventory.device_ids") == self.twin.observe(
            "expected.inventory.device_ids"
        )
        assert self.twin.observe("intune.exchange_connection.status") == "connected"


ConnectorConvergence.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestConnectorConvergence = ConnectorConvergence.TestCase
