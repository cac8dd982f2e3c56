"""`Get-CasMailbox -Identity <one>` through a remote session (≥ 20,000 calls/s).

A session is opened on the Exchange twin as the service account (DNS, credentials, RBAC
grants, throttling budget), then the cmdlet is run again and again, each time for another
mailbox named by its UPN, its alias or its canonical identity in turn, inside one job on the
simulated clock. Each call goes through everything a call does: session liveness, the
cmdlet budget, RBAC, parameter binding, identity resolution, the read scope and the output
object with its real properties.

Floor: a dict lookup of the lower-cased identity plus building the same output dict (31
properties) from the mailbox's attributes.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import (
    SERVICE_ACCOUNT,
    SERVICE_PASSWORD,
    Record,
    organisation,
    progress,
    timed,
)
from simulator.exchange.model import Mailbox
from simulator.exchange.session import RemoteSession, open_session
from simulator.run.runner import Runner

SIZES = {"full": (10_000, 100_000), "tiny": (100, 300)}  # users, calls


def identities(mailboxes: list[Mailbox], calls: int) -> list[str]:
    forms = (lambda m: m.upn, lambda m: m.alias, lambda m: m.identity)
    return [forms[i % 3](mailboxes[(i * 7919) % len(mailboxes)]) for i in range(calls)]


def floor(mailboxes: list[Mailbox], names: list[str]) -> float:
    """Wall seconds of a lookup plus an output dict per call, from plain tuples."""
    index: dict[str, tuple[Any, ...]] = {}
    for m in mailboxes:
        row = (m.name, m.alias, m.display_name, m.primary_smtp, m.sam, m.server, m.identity)
        for key in (m.upn, m.alias, m.identity):
            index[key.lower()] = row

    def loop() -> None:
        for name in names:
            r = index[name.lower()]
            {
                "Name": r[0],
                "ActiveSyncEnabled": True,
                "OWAEnabled": True,
                "PopEnabled": True,
                "ImapEnabled": True,
                "MAPIEnabled": True,
                "EwsEnabled": True,
                "ECPEnabled": True,
                "OWAforDevicesEnabled": True,
                "ActiveSyncAllowedDeviceIDs": [],
                "ActiveSyncBlockedDeviceIDs": [],
                "ActiveSyncMailboxPolicy": "Default",
                "ActiveSyncMailboxPolicyIsDefaulted": True,
                "ActiveSyncDebugLogging": False,
                "HasActiveSyncDevicePartnership": True,
                "DisplayName": r[2],
                "Alias": r[1],
                "PrimarySmtpAddress": r[3],
                "EmailAddresses": [r[3]],
                "SamAccountName": r[4],
                "LegacyExchangeDN": r[1],
                "ServerName": r[5],
                "ServerLegacyDN": r[5],
                "ExternalDirectoryObjectId": "",
                "Identity": r[6],
                "Guid": r[1],
                "DistinguishedName": r[6],
                "OrganizationalUnit": r[6],
                "WhenChanged": None,
                "WhenCreated": None,
                "ExchangeVersion": "0.20 (15.0.0.0)",
                "IsValid": True,
            }

    return timed(loop)[1]


def run(size: str) -> list[Record]:
    users, calls = SIZES[size]
    runner = Runner(organisation("bench-cas-mailbox", users, fleet=False))
    world = runner.world
    mailboxes = [m for m in world.org.mailboxes if m.recipient_type_details == "UserMailbox"]
    names = identities(mailboxes, calls)
    floor_seconds = floor(mailboxes, names)

    def loop() -> int:
        session: RemoteSession = open_session(
            world.org,
            world.directory,
            world.network,
            world.clock,
            "ex01.contoso.local",
            SERVICE_ACCOUNT,
            SERVICE_PASSWORD,
            is_up=world.exchange_server_up,
        )
        session.invoke("Set-ADServerSettings", {"ViewEntireForest": True})
        found = 0
        for name in names:
            found += len(session.invoke("Get-CasMailbox", {"Identity": name}))
        return found

    progress(f"twin: {calls} calls over {len(mailboxes)} mailboxes")
    env = runner.env
    with runner.live():
        # the session is opened inside the measured job: a few calls' worth at this count
        found, seconds = timed(lambda: env.run(until=env.process(runner.job(loop))))
    if found != calls:
        raise RuntimeError(f"{calls - found} identities were not found")
    return [Record("cas_mailbox.rate", calls / seconds, "calls/s", 20_000.0, calls / floor_seconds)]
