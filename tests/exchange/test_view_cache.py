"""A CASMailbox object reused from the cache is the object Exchange would show now."""

from __future__ import annotations

from simulator.exchange.recipient_views import _cas_mailbox_view, cas_mailbox_view
from simulator.plugin.twin import DEFAULT_SCENARIO, as_scenario
from simulator.world.world import build_world


def test_a_cached_object_follows_every_change_and_is_never_shared() -> None:
    world = build_world(as_scenario(DEFAULT_SCENARIO))
    org = world.org
    version = org.servers[0].version
    mailbox = next(m for m in org.mailboxes if m.devices)
    first = cas_mailbox_view(org, mailbox, version)
    first["EmailAddresses"].append("smtp:intruder@example.com")
    first["ActiveSyncBlockedDeviceIDs"].append("X")
    assert cas_mailbox_view(org, mailbox, version) == _cas_mailbox_view(
        org, mailbox, version, False
    )
    mailbox.activesync_enabled = False
    mailbox.blocked_device_ids = ["ABC"]
    mailbox.policy = org.policies[0]
    again = cas_mailbox_view(org, mailbox, version)
    assert again == _cas_mailbox_view(org, mailbox, version, False)
    assert again["ActiveSyncEnabled"] is False and again["ActiveSyncBlockedDeviceIDs"] == ["ABC"]
    assert again["ActiveSyncMailboxPolicyIsDefaulted"] is False
    assert again.type_name == "CASMailbox"
