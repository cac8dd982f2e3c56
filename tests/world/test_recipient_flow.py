"""A recipient's address change flows on (SPEC R5.4): AD and Exchange at once, Intune at its
next directory synchronisation — and what the connector should report follows."""

from __future__ import annotations

from tests.exchange.conftest import connect, make_world


def test_an_upn_change_reaches_intune_at_the_next_directory_sync_with_its_licence():
    world = make_world(
        population={"users": 6, "devices_per_user": 1, "licensed": 1.0, "behaviour": False},
        exchange={"version": "2013 CU12", "servers": [{"name": "EX01"}]},
    )
    tenant = world.intune.tenant
    mailbox = next(m for m in world.org.mailboxes if m.devices)
    phone = mailbox.devices[0].device_id.lower()
    old_upn = mailbox.upn
    new_address = f"renamed.{mailbox.alias}@contoso.local"
    assert phone in world.expected_inventory()

    # the primary address moves away from the UPN: no longer matched, at once
    session = connect(world)
    session.invoke(
        "Set-Mailbox",
        {
            "Identity": mailbox.alias,
            "PrimarySmtpAddress": new_address,
            "EmailAddressPolicyEnabled": False,
        },
    )
    assert phone not in world.expected_inventory()

    # the UPN follows in AD: Exchange has it at once, Intune not yet
    session.invoke("Set-User", {"Identity": mailbox.alias, "UserPrincipalName": new_address})
    assert mailbox.upn == new_address
    assert old_upn.lower() in tenant.licensed_users()
    assert phone not in world.expected_inventory()

    # the next directory synchronisation: the same user under its new UPN, licence and all
    change = tenant.synchronise(world.directory, world.clock.now())
    assert (change.added, change.removed, change.changed) == (0, 0, 1)
    assert new_address.lower() in tenant.licensed_users()
    assert old_upn.lower() not in tenant.licensed_users()
    assert phone in world.expected_inventory()


def test_a_mail_edit_in_ad_leaves_the_match_alone():
    world = make_world(population={"users": 3, "devices_per_user": 1, "licensed": 1.0})
    mailbox = next(m for m in world.org.mailboxes if m.devices)
    phone = mailbox.devices[0].device_id.lower()
    world.directory.set_mail(f"CONTOSO\\{mailbox.sam}", "someone.else@contoso.com")
    world.intune.tenant.synchronise(world.directory, world.clock.now())
    assert mailbox.mail == "someone.else@contoso.com"
    assert mailbox.primary_smtp == mailbox.upn
    assert phone in world.expected_inventory()
