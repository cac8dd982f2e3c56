"""Licences, directory synchronisation, conditional access targeting, enrolment and
compliance, Intune's decision per device and the commands it queues (SPEC R5.4, R7;
reference §4; customer issues C12, C13, C28)."""

from __future__ import annotations

import pytest

from simulator.intune.access import (
    ConditionalAccess,
    ManagedDevice,
    PlatformException,
    decide,
)
from simulator.intune.errors import Forbidden, NotFound
from tests.world.conftest import ADMIN, Client, certificate, device, small_world

ANN = "CONTOSO\\ann"
ANN_UPN = "ann@contoso.local"


def accounts():
    return [
        {
            "name": "CONTOSO\\svc-intune",
            "password": "P@ssw0rd-svc!",
            "role_groups": ["Organization Management"],
        },
        {"name": ANN, "password": "Ann-pass-1", "licensed": True, "groups": ["Sales"]},
        {
            "name": "CONTOSO\\bob",
            "password": "Bob-pass-1",
            "licensed": True,
            "groups": ["Contractors"],
        },
        {"name": "CONTOSO\\cid", "password": "Cid-pass-1", "groups": ["Sales"]},
    ]


def ca_world(**ca):
    return small_world(
        population={"users": 0},
        directory={
            "domain": "contoso.local",
            "accounts": accounts(),
            "groups": [
                {"name": "Mobile", "population": 0},
                {"name": "Sales", "member_of": ["Mobile"]},
                {"name": "Contractors", "member_of": ["Mobile"]},
            ],
        },
        tenant={
            "name": "contoso",
            "admins": [ADMIN],
            "conditional_access": {"included_groups": ["Mobile"], **ca},
        },
    )


def test_targeted_users_are_licensed_and_included_through_nesting_minus_excluded():
    world = ca_world(excluded_groups=["Contractors"])
    assert world.intune.targeted_users() == [ANN_UPN]  # bob excluded, cid unlicensed


def test_without_conditional_access_every_licensed_user_is_targeted():
    world = small_world(population={"users": 0}, directory={"accounts": accounts()})
    assert world.intune.targeted_users() == ["ann@contoso.local", "bob@contoso.local"]


def test_on_premises_changes_reach_intune_only_with_the_next_directory_sync():
    world = ca_world()
    world.directory.remove_member(ANN, "Sales")
    world.directory.add_member("CONTOSO\\cid", "Contractors")
    assert world.intune.targeted_users() == [ANN_UPN, "bob@contoso.local"]
    change = world.intune.synchronise_directory(world.directory, world.clock.now())
    assert change.changed == 2
    assert world.intune.targeted_users() == ["bob@contoso.local"]  # cid is not licensed


def test_targeting_changes_are_stamped_when_the_directory_sync_brings_them():
    """Moving between targeted groups on-premises changes who is targeted at the directory
    synchronisation that brings it, and is stamped then (what a quick sync asks for)."""
    from tests.world.conftest import advance

    world = ca_world(excluded_groups=["Contractors"])
    intune = world.intune
    intune.note_targeting(world.clock.now())
    start = world.clock.now()
    world.directory.remove_member(ANN, "Sales")
    world.directory.add_member("CONTOSO\\bob", "Sales")
    world.directory.remove_member("CONTOSO\\bob", "Contractors")
    advance(world, minutes=30)
    assert intune.targeting_changes(start, world.clock.now()) == []  # not synchronised yet
    synced = world.clock.now()
    intune.synchronise_directory(world.directory, synced)
    assert intune.targeting_changes(start, synced) == [
        (ANN_UPN, False),
        ("bob@contoso.local", True),
    ]
    assert intune.targeting_changed == {ANN_UPN: synced, "bob@contoso.local": synced}


def test_group_based_licensing_follows_synchronised_membership():
    world = small_world(
        population={"users": 0},
        directory={"accounts": accounts(), "groups": [{"name": "Sales"}, {"name": "Licensed"}]},
        tenant={"name": "contoso", "admins": [ADMIN], "licence_groups": {"intune": ["Licensed"]}},
    )
    tenant = world.intune.tenant
    assert "cid@contoso.local" not in tenant.licensed_users()
    world.directory.add_member("CONTOSO\\cid", "Licensed")
    assert "cid@contoso.local" not in tenant.licensed_users()
    world.intune.synchronise_directory(world.directory, world.clock.now())
    assert "cid@contoso.local" in tenant.licensed_users()


def test_a_licence_assigned_in_the_console_counts_at_once():
    world = small_world(population={"users": 0}, directory={"accounts": accounts()})
    world.console.assign_licence(ADMIN, "cid@contoso.local", "intune", world.clock.now())
    assert "cid@contoso.local" in world.intune.targeted_users()
    world.console.remove_licence(ADMIN, ANN_UPN, "intune", world.clock.now())
    assert ANN_UPN not in world.intune.targeted_users()


# -- the decision ---------------------------------------------------------------------------------
IPHONE = {"deviceType": "iPhone", "deviceModel": "iPhone8C1"}


def managed(compliant):
    from datetime import UTC, datetime

    return ManagedDevice("id", "eas", ANN_UPN, "iOS", datetime(2016, 5, 2, tzinfo=UTC), compliant)


@pytest.mark.parametrize(
    ("unmanaged", "exceptions", "enrolment", "expected"),
    [
        ("allow", [], None, ("block", "notEnrolled")),
        ("block", [], None, ("block", "notEnrolled")),
        ("quarantine", [], None, ("quarantine", "notEnrolled")),
        ("allow", [], False, ("block", "notCompliant")),
        ("allow", [], True, ("allow", "compliant")),
        ("quarantine", [], True, ("allow", "compliant")),
        # with unmanaged access Block, a compliant device is allowed despite a blocking exception
        ("block", [("iPhone", "family", "block")], True, ("allow", "compliant")),
        ("allow", [("iPhone", "family", "block")], True, ("block", "exchangeDeviceRule")),
        ("block", [("iPhone", "family", "allow")], None, ("allow", "exchangeDeviceRule")),
        (
            "allow",
            [("iPhone", "family", "allow"), ("iPhone8C1", "model", "quarantine")],
            None,
            ("quarantine", "exchangeDeviceRule"),
        ),
        ("allow", [("Android", "family", "block")], None, ("block", "notEnrolled")),
    ],
)
def test_decision_per_device(unmanaged, exceptions, enrolment, expected):
    ca = ConditionalAccess(
        enabled=True,
        unmanaged_access=unmanaged,
        platform_exceptions=[PlatformException(*e) for e in exceptions],
    )
    decision = decide(ca, IPHONE, None if enrolment is None else managed(enrolment))
    assert (decision.access, decision.reason) == expected


def reported(world, *devices):
    client = Client(world)
    client.register(certificate(world))
    client.sync("fullSync", [list(devices)])
    return client


def queued(client):
    return [
        (c["type"], c["target"]["exchangeDeviceId"], c["parameters"])
        for c in client.call("GET", client.me("/commands")).body["commands"]
    ]


def test_reported_devices_of_targeted_users_get_commands_with_a_notification_first():
    world = ca_world()
    client = reported(
        world,
        device("ANN1", ANN_UPN),
        device("BOB1", "bob@contoso.local"),
        device("CID1", "cid@contoso.local"),
    )
    assert queued(client) == [
        ("block", "ANN1", {"reason": "notEnrolled", "notifyUser": True}),
        ("block", "BOB1", {"reason": "notEnrolled", "notifyUser": True}),
    ]


def test_enrolling_and_becoming_compliant_supersedes_the_block_with_allow():
    world = ca_world()
    client = reported(world, device("ANN1", ANN_UPN))
    now = world.clock.now()
    world.intune.enrol(ANN_UPN, "ann1", "iOS", now)
    assert queued(client) == [("block", "ANN1", {"reason": "notEnrolled", "notifyUser": True})]
    world.intune.set_compliance("ANN1", True, now)
    assert queued(client) == [("allow", "ANN1", {"reason": "compliant"})]
    world.intune.set_compliance("ANN1", False, now)
    assert queued(client) == [("block", "ANN1", {"reason": "notCompliant"})]  # told once already
    assert world.intune.observe()["decisions"] == {"allow": 0, "block": 1, "quarantine": 0}


def test_a_device_intune_never_saw_gets_no_decision():
    """C13: a device the connector has not discovered cannot be blocked."""
    world = ca_world()
    client = reported(world)
    world.intune.enrol(ANN_UPN, "ANN1", "iOS", world.clock.now())
    assert queued(client) == []


def test_only_licensed_users_enrol():
    world = ca_world()
    with pytest.raises(Forbidden, match="no Intune licence"):
        world.intune.enrol("cid@contoso.local", "CID1", "iOS", world.clock.now())
    with pytest.raises(NotFound):
        world.intune.set_compliance("nothing", True, world.clock.now())


def test_excluding_a_user_later_withdraws_pending_decisions():
    """C12: a user outside the targeted groups keeps access; Intune decides nothing for them."""
    world = ca_world()
    client = reported(world, device("ANN1", ANN_UPN))
    world.console.set_conditional_access(
        ADMIN, world.clock.now(), included_groups=["Mobile"], excluded_groups=["Sales"]
    )
    assert world.intune.decisions == {}
    assert [c[0] for c in queued(client)] == ["block"]  # already issued; Exchange keeps it


def test_a_failed_access_command_is_issued_again_at_the_next_evaluation():
    world = ca_world()
    client = reported(world, device("ANN1", ANN_UPN))
    (command,) = client.call("GET", client.me("/commands")).body["commands"]
    client.call(
        "POST",
        client.me(f"/commands/{command['commandId']}/result"),
        {"outcome": "failed", "error": "x"},
    )
    assert queued(client) == []
    client.sync("fullSync", [[device("ANN1", ANN_UPN)]])
    assert [c[0] for c in queued(client)] == ["block"]


def test_a_device_leaving_the_inventory_drops_its_pending_decision():
    world = ca_world()
    client = reported(world, device("ANN1", ANN_UPN))
    client.sync("fullSync", [[]])
    assert queued(client) == []


def test_remote_actions_go_through_the_connector():
    world = ca_world(enabled=False)
    client = reported(world, device("ANN1", ANN_UPN))
    now = world.clock.now()
    world.console.wipe_device(ADMIN, "ann1", now)
    world.console.remove_device(ADMIN, "ANN1", now)
    assert [c[0] for c in queued(client)] == ["wipe", "removeDevice"]
    world.console.cancel_wipe(ADMIN, "ANN1", now)
    assert [c[0] for c in queued(client)] == ["removeDevice", "cancelWipe"]
    with pytest.raises(NotFound):
        world.console.wipe_device(ADMIN, "unknown", now)


def test_retiring_an_enrolment_makes_the_device_unmanaged_again():
    """C28: Intune forgets the enrolment; the partnership stays in Exchange."""
    world = ca_world()
    client = reported(world, device("ANN1", ANN_UPN))
    now = world.clock.now()
    world.intune.enrol(ANN_UPN, "ANN1", "iOS", now, compliant=True)
    world.console.retire_device(ADMIN, "ANN1", now)
    assert queued(client) == [("block", "ANN1", {"reason": "notEnrolled"})]
    assert world.intune.inventory.get("ANN1") is not None
