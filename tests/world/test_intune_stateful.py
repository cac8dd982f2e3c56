"""Random sequences of registrations, replacements, deletions, heartbeats and uploads against
the fake Intune service (through its HTTP API), checked against a model of the rules:

* at most one active connection per scope — the subscription in profile 2016, the Exchange
  organisation in 2018;
* nothing is accepted from a replaced or deleted connector (every call gets 410 and changes
  nothing, including a sync it opened before it was replaced);
* the inventory equals the last full snapshot plus the deltas after it, per scope.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from simulator.intune.package import ACCOUNT_CERT, read_package
from simulator.intune.service import IntuneService
from tests.world.conftest import Client

ORGS = ("Contoso", "Fabrikam")
DEVICE_IDS = ("Dev1", "Dev2", "Dev3", "Dev4", "Dev5", "Dev6")
ids = st.sampled_from(DEVICE_IDS).flatmap(
    lambda d: st.sampled_from((d, d.upper(), d.lower()))  # ids are case-insensitive
)
entry = st.tuples(ids, st.booleans())  # (device id, removed?)
pages = st.lists(st.lists(entry, max_size=4), max_size=3)


class IntuneRules(RuleBasedStateMachine):
    profile = "2016"
    connectors = Bundle("connectors")
    open_syncs = Bundle("open_syncs")

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2016, 5, 2, 8, tzinfo=UTC)
        service = IntuneService(random.Random(7), "contoso", profile=self.profile)
        service.tenant.admin_sign_in = "not_required"
        self.service = service
        self.world = SimpleNamespace(intune=service, clock=SimpleNamespace(now=lambda: self.now))
        self.cert = read_package(service.download_package(self.now))[ACCOUNT_CERT].decode()
        self.active: dict[str, str] = {}  # scope -> connector id (the model)
        self.retired: set[str] = set()
        self.inventory: dict[str, str] = {}  # lower device id -> scope (the model)

    def scope(self, org: str) -> str:
        return "subscription" if self.profile == "2016" else org.lower()

    # -- rules ----------------------------------------------------------------------------------
    @rule(target=connectors, org=st.sampled_from(ORGS), replace=st.booleans())
    def register(self, org: str, replace: bool) -> Any:
        client = Client(self.world)  # type: ignore[arg-type]
        reply = client.register(self.cert, exchangeOrganization=org, replace=replace)
        scope = self.scope(org)
        old = self.active.get(scope)
        if old is not None and self.profile == "2018" and not replace:
            assert (reply.status, reply.error) == (409, "replaceRequired")
            assert reply.body["existing"]["connectorId"] == old
            client.connector_id, client.token = None, None
            return client
        assert reply.status == 201, reply.body
        assert reply.body["replaced"] == ([old] if old else [])
        if old:
            self.retired.add(old)
        self.active[scope] = client.connector_id
        client.org = org  # type: ignore[attr-defined]
        return client

    @rule()
    def delete_in_console(self) -> None:
        shown = self.service.exchange_connection()
        if shown is None:
            return
        self.service.delete_connection(None, self.now)
        self.retired.add(shown.connector_id)
        scope = next(s for s, cid in self.active.items() if cid == shown.connector_id)
        del self.active[scope]

    @rule(client=connectors)
    def heartbeat(self, client: Client) -> None:
        if client.connector_id is None:
            return
        reply = client.call("POST", client.me("/heartbeat"), {"health": "healthy"})
        self.check_refused_if_retired(client, reply)

    @rule(client=connectors, full=st.booleans(), pages=pages, fail=st.booleans())
    def sync(self, client: Client, full: bool, pages: list, fail: bool) -> None:
        if client.connector_id is None:
            return
        kind = "fullSync" if full else "deltaSync"
        pages = [[(d, removed and not full) for d, removed in page] for page in pages]
        body = [[self.record(d, removed) for d, removed in page] for page in pages]
        reply = client.sync(kind, body, outcome="failure" if fail else "success")
        if self.check_refused_if_retired(client, reply):
            return
        assert reply.status == 200, reply.body
        if not fail:
            self.apply(self.scope(client.org), full, [e for page in pages for e in page])  # type: ignore[attr-defined]

    @rule(target=open_syncs, client=connectors, page=st.lists(ids, max_size=3))
    def open_a_sync(self, client: Client, page: list[str]) -> Any:
        if client.connector_id is None or client.connector_id in self.retired:
            return None
        sid = client.call("POST", client.me("/syncs"), {"syncType": "fullSync"}).body["syncId"]
        client.call(
            "POST", client.me(f"/syncs/{sid}/devices"), {"devices": [self.record(d) for d in page]}
        )
        return (client, sid, page)

    @rule(pending=consumes(open_syncs))
    def complete_an_open_sync(self, pending: Any) -> None:
        if pending is None:
            return
        client, sid, page = pending
        reply = client.call("POST", client.me(f"/syncs/{sid}/complete"), {"outcome": "success"})
        if self.check_refused_if_retired(client, reply):
            return
        assert reply.status == 200
        self.apply(self.scope(client.org), True, [(d, False) for d in page])

    @rule(minutes=st.integers(0, 120))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    # -- the model ----------------------------------------------------------------------------------
    @staticmethod
    def record(device_id: str, removed: bool = False) -> dict[str, Any]:
        if removed:
            return {"exchangeDeviceId": device_id, "removed": True}
        return {"exchangeDeviceId": device_id, "userPrincipalName": "u@contoso.com"}

    def apply(self, scope: str, full: bool, entries: list[tuple[str, bool]]) -> None:
        final: dict[str, bool] = {}
        for device_id, removed in entries:
            final[device_id.lower()] = removed
        if full:
            for key in [k for k, s in self.inventory.items() if s == scope and k not in final]:
                del self.inventory[key]
        for key, removed in final.items():
            if not removed:
                self.inventory[key] = scope
            elif self.inventory.get(key) == scope:
                del self.inventory[key]

    def check_refused_if_retired(self, client: Client, reply: Any) -> bool:
        if client.connector_id in self.retired:
            assert reply.status == 410
            assert reply.error in ("connectorReplaced", "connectionDeleted")
            return True
        return False

    # -- invariants ----------------------------------------------------------------------------------
    @invariant()
    def one_active_connection_per_scope(self) -> None:
        scopes = Counter(c.scope for c in self.service.active_connectors())
        assert all(n == 1 for n in scopes.values()), scopes
        assert {c.connector_id for c in self.service.active_connectors()} == set(
            self.active.values()
        )

    @invariant()
    def retired_connections_stay_retired(self) -> None:
        for cid in self.retired:
            assert self.service.connectors[cid].status_at(self.now) in ("replaced", "deleted")
        assert all(s.connector_id not in self.retired for s in self.service.syncs.values())

    @invariant()
    def inventory_is_the_last_snapshot_plus_deltas(self) -> None:
        present = self.service.inventory.present()
        assert {k: r["scope"].removeprefix("org:") for k, r in present.items()} == self.inventory
        inventory = self.service.inventory
        for scope in {r["scope"] for r in inventory.devices.values()} | {"org:Contoso"}:
            assert inventory.count(scope) == len(inventory.present(scope)), scope
        assert len(inventory) == len(present)


class Profile2018Rules(IntuneRules):
    profile = "2018"


RULES = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestProfile2016 = IntuneRules.TestCase
TestProfile2016.settings = RULES
TestProfile2018 = Profile2018Rules.TestCase
TestProfile2018.settings = RULES
