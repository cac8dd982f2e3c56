"""Device access: Exchange's order (SPEC R7.1) against a reference model, the Device Discovery
transient, and the access cache delay of SPEC R5.9 (what Exchange reports vs what a device
gets)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.exchange.access import decide, serve
from simulator.exchange.settings import DeviceAccessRule
from tests.exchange.conftest import connect, make_world

LEVELS = ("Allow", "Block", "Quarantine")
STATE = {"Allow": "Allowed", "Block": "Blocked", "Quarantine": "Quarantined"}


def reference(device, allowed, blocked, rules, default, provisionable_ok=True, discovery=False):
    """SPEC R7.1 written out as plainly as possible."""
    if not provisionable_ok:
        return ("Blocked", "Policy")
    if device.device_id.lower() in {b.lower() for b in blocked}:
        return ("Blocked", "Individual")
    if device.device_id.lower() in {a.lower() for a in allowed}:
        return ("Allowed", "Individual")
    if discovery:
        return ("DeviceDiscovery", "Global")
    fields = {
        "DeviceType": device.device_type,
        "DeviceModel": device.model,
        "DeviceOS": device.os,
        "UserAgent": device.user_agent,
    }
    for level in ("Block", "Quarantine", "Allow"):
        if any(lvl == level and fields[ch].lower() == q.lower() for q, ch, lvl in rules):
            return (STATE[level], "DeviceRule")
    return (STATE[default], "Global")


_WORLD = make_world(population={"users": 8, "devices_per_user": 2})
_DEVICES = _WORLD.org.devices()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(_DEVICES) - 1),
    in_allow=st.booleans(),
    in_block=st.booleans(),
    rule_specs=st.lists(
        st.tuples(
            st.sampled_from(("DeviceType", "DeviceModel", "DeviceOS", "UserAgent")),
            st.sampled_from(LEVELS),
            st.booleans(),  # matches the device or not
        ),
        max_size=5,
    ),
    default=st.sampled_from(LEVELS),
    provisionable=st.booleans(),
    allow_non_provisionable=st.booleans(),
    discovery=st.booleans(),
)
def test_access_state_follows_exchanges_order(
    index,
    in_allow,
    in_block,
    rule_specs,
    default,
    provisionable,
    allow_non_provisionable,
    discovery,
):
    org = _WORLD.org
    device = _DEVICES[index]
    mailbox = device.mailbox
    attr = {
        "DeviceType": "device_type",
        "DeviceModel": "model",
        "DeviceOS": "os",
        "UserAgent": "user_agent",
    }
    rules = []
    for n, (ch, level, match) in enumerate(rule_specs):
        query = getattr(device, attr[ch]) if match else f"other-{n}"
        rules.append((query.upper() if n % 2 else query, ch, level))
    saved = (
        list(mailbox.allowed_device_ids),
        list(mailbox.blocked_device_ids),
        list(org.rules),
        org.settings.default_access_level,
        device.provisionable,
        dict(org.default_policy().settings),
        device.discovery_until,
    )
    try:
        mailbox.allowed_device_ids = [device.device_id.lower()] if in_allow else ["x"]
        mailbox.blocked_device_ids = [device.device_id.upper()] if in_block else []
        org.rules = [
            DeviceAccessRule(f"r{n}", q, ch, lvl, n) for n, (q, ch, lvl) in enumerate(rules)
        ]
        org.rules_changed()
        org.settings.default_access_level = default
        device.provisionable = provisionable
        org.default_policy().settings["AllowNonProvisionableDevices"] = allow_non_provisionable
        device.discovery_until = 10.0 if discovery else float("-inf")
        decision = decide(org, device, 0.0)
        expected = reference(
            device,
            mailbox.allowed_device_ids,
            mailbox.blocked_device_ids,
            rules,
            default,
            provisionable or allow_non_provisionable,
            discovery,
        )
        assert (decision.state, decision.reason) == expected
        if decision.reason == "DeviceRule":
            assert decision.rule is not None and decision.rule.access_level in LEVELS
            assert STATE[decision.rule.access_level] == decision.state
        else:
            assert decision.rule is None
    finally:
        (
            mailbox.allowed_device_ids,
            mailbox.blocked_device_ids,
            org.rules,
            org.settings.default_access_level,
            device.provisionable,
            policy,
            device.discovery_until,
        ) = saved
        org.default_policy().settings.clear()
        org.default_policy().settings.update(policy)
        org.rules_changed()


def test_rule_names_the_control_rule_in_get_activesync_device(world, session):
    device = world.org.devices()[0]
    session.invoke(
        "New-ActiveSyncDeviceAccessRule",
        {"QueryString": device.model, "Characteristic": "DeviceModel", "AccessLevel": "Quarantine"},
    )
    view = session.invoke("Get-ActiveSyncDevice", {"Identity": device.identity})[0]
    assert view["DeviceAccessState"] == "Quarantined"
    assert view["DeviceAccessStateReason"] == "DeviceRule"
    assert view["DeviceAccessControlRule"] == f"{device.model} (DeviceModel)"


def test_default_level_applies_at_once_except_to_rules_and_personal_lists(world, session):
    devices = world.org.devices()
    listed, ruled = devices[0], devices[1]
    other = next(
        d
        for d in devices[2:]
        if d.user_agent != ruled.user_agent and d.mailbox is not listed.mailbox and d.provisionable
    )
    listed.mailbox.allowed_device_ids = [listed.device_id]
    session.invoke(
        "New-ActiveSyncDeviceAccessRule",
        {"QueryString": ruled.user_agent, "Characteristic": "UserAgent", "AccessLevel": "Allow"},
    )
    session.invoke("Set-ActiveSyncOrganizationSettings", {"DefaultAccessLevel": "Block"})
    now = world.clock.seconds
    assert decide(world.org, listed, now).state == "Allowed"
    assert decide(world.org, ruled, now).reason == "DeviceRule"
    assert decide(world.org, other, now).state == "Blocked"


def test_a_blocked_device_keeps_its_cached_access_for_about_six_hours():
    quiet = {
        "enabled": True,
        "offline_per_day": 0,
        "stale_per_day": 0,
        "new_partnerships_per_day": 0,
    }
    world = make_world(
        population={"users": 3, "devices_per_user": 1, "stale": 0, "behaviour": quiet}
    )
    device = next(d for d in world.fleet.devices if d.state == "active")
    env = world.clock.env
    for p in world.processes():
        env.process(p)
    env.run(until=2 * 3600)  # the device has synced and cached "Allowed"
    assert device.served_state == "Allowed"
    session = connect(world)
    session.invoke(
        "Set-CASMailbox",
        {"Identity": device.mailbox.identity, "ActiveSyncBlockedDeviceIDs": device.device_id},
    )
    blocked_at = world.clock.seconds
    assert (
        session.invoke("Get-ActiveSyncDevice", {"Identity": device.identity})[0][
            "DeviceAccessState"
        ]
        == "Blocked"
    )
    observed = world.observe_exchange()["devices"]["by_id"][device.device_id.lower()]
    assert observed["reported"] == "Blocked" and observed["effective"] == "Allowed"
    last_success = device.last_success_sync
    env.run(until=env.now + 3 * 3600)
    assert device.served_state == "Allowed"  # still syncing mail three hours later
    assert device.last_success_sync > last_success
    env.run(until=blocked_at + 8 * 3600)
    assert device.served_state == "Blocked"
    stuck = device.last_success_sync
    env.run(until=env.now + 3 * 3600)
    assert device.last_success_sync == stuck
    assert (
        world.observe_exchange()["devices"]["by_id"][device.device_id.lower()]["effective"]
        == "Blocked"
    )


def test_access_cache_is_configurable_and_can_be_switched_off():
    world = make_world(
        exchange={"access_cache": "0s"}, population={"users": 2, "devices_per_user": 1}
    )
    device = world.org.devices()[0]
    assert serve(world.org, device, 0.0) == "Allowed"
    device.mailbox.blocked_device_ids = [device.device_id]
    assert serve(world.org, device, 1.0) == "Blocked"


def test_new_partnership_is_in_device_discovery_first():
    world = make_world(exchange={"device_discovery": "10m"})
    device = world.org.devices()[0]
    device.discovery_until = 600.0
    assert decide(world.org, device, 0.0).state == "DeviceDiscovery"
    assert decide(world.org, device, 601.0).state == "Allowed"
    device.mailbox.blocked_device_ids = [device.device_id]
    assert decide(world.org, device, 0.0).state == "Blocked"  # the device id is known at once
    device.mailbox.blocked_device_ids = []
    assert serve(world.org, device, 0.0) == "DeviceDiscovery"
    assert serve(world.org, device, 601.0) == "Allowed"  # discovery is never cached


def test_activesync_disabled_refuses_the_device_without_changing_the_report(world):
    device = world.org.devices()[0]
    device.mailbox.activesync_enabled = False
    assert decide(world.org, device, 0.0).state == "Allowed"
    assert serve(world.org, device, 0.0) == "Blocked"
