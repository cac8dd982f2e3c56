"""A seeded population of users, mailboxes and ActiveSync devices with a realistic 2016 mix.

Names come from pools drawn once from a seeded Faker and combined with the world's
`random.Random`, which keeps generation linear and fast at any scale (100,000 mailboxes and
150,000 devices in a few seconds); every id (GUIDs, device ids, IMEIs) comes from the same
generator, so a seed reproduces the organisation exactly. No per-object Faker call, no
quadratic uniqueness check: aliases are made unique with a counter per name.

The device mix is an enterprise fleet of spring 2016: iPhones and iPads on iOS 8–9, Samsung
phones with the native mail client, other Android phones (HTC, LG, Sony, Motorola, Huawei,
Nexus) through Gmail-style EAS clients, Windows Phone 8.1/10, Outlook for iOS and Android, a
few legacy Mail for Exchange clients that cannot be provisioned, and — with mailboxes on
Exchange 2013 or later — some OWA for Devices partnerships (ClientType MOWA). A share of the
partnerships is stale: old handsets nobody removed, still listed, long silent. The mix
itself is data, in `device_mix.py`.
"""

from __future__ import annotations

import gc
import random
import unicodedata
from bisect import bisect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate

from faker import Faker

from simulator.exchange.device import Device
from simulator.exchange.device_mix import DEVICE_MIX, variants
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.model import Organization
from simulator.exchange.naming import format_guid, guid_bits
from simulator.world.accounts import DirectoryUser
from simulator.world.directory import Directory

_HEX = "0123456789ABCDEF"
_LANGUAGES = (
    "English",
    "English",
    "English",
    "English",
    "English",
    "English",
    "French",
    "German",
    "Spanish",
)
_CARRIERS = ("Verizon", "AT&T", "T-Mobile", "Sprint", "Vodafone", "Orange", "O2")
_HEARTBEATS = (480, 900, 1680, 1740)
_SERIAL = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_SERIAL_PAIRS = [a + b for a in _SERIAL for b in _SERIAL]


@dataclass(frozen=True)
class PopulationSpec:
    users: int = 50
    devices_per_user: float = 1.5
    licensed: float = 1.0  # share of users with an Intune licence
    email_domain: str | None = None  # UPN and SMTP suffix; the user's AD domain when None
    domains: tuple[str, ...] = ()  # AD domains the users are spread over; the main one when empty
    ous: tuple[str, ...] = ("Users",)
    resource_mailboxes: float = 0.0  # shared, room and equipment mailboxes per user mailbox
    stale: float = 0.08  # share of partnerships whose handset stopped syncing long ago
    sync_interval: float = 3600.0  # mean seconds between a device's syncs


@dataclass
class Population:
    """What `populate` made: the licensed UPNs and the mailboxes that can get new devices."""

    licensed: list[str] = field(default_factory=list)
    user_mailboxes: list[Mailbox] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)


def new_guid(rng: random.Random) -> str:
    """A GUID string drawn from `rng` (for callers outside the Exchange model)."""
    return format_guid(guid_bits(rng))


def _ascii(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum() or c == "-")
    ).lower()


@contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk generation: the objects made then all live
    on, and letting it scan the growing heap again and again makes generation quadratic.
    Re-entrant: an inner pause leaves the collector as the outer one wants it.

    `freeze`: on the way out, move everything that exists to the collector's permanent
    generation (`gc.freeze`) before it runs again. Without it, the first allocation after the
    pause scans every object the pause let pile up in the youngest generation (half a second
    for a world of 100,000 mailboxes) only to find them all alive. `Runner.live` unfreezes
    them when the run ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


class PopulationBuilder:
    """Draws users, mailboxes and devices from seeded generators into an organisation.

    Hot paths draw with `rng.random()` and precomputed tables (device variants, ASCII forms of
    the name pools, cumulative weights) rather than `choice`/`choices`, which keeps a device at
    a few microseconds."""

    def __init__(
        self, rng: random.Random, faker: Faker, now: float, sync_interval: float = 3600.0
    ) -> None:
        self.rng = rng
        self.now = now
        self.sync_interval = sync_interval
        self.first_names = sorted({faker.first_name() for _ in range(400)})
        self.last_names = sorted({faker.last_name() for _ in range(600)})
        self._first_ascii = [_ascii(n) or "user" for n in self.first_names]
        self._last_ascii = [_ascii(n) or "x" for n in self.last_names]
        self._variants = [variants(k) for k in DEVICE_MIX]
        self._cum_weights = list(accumulate(k.weight for k in DEVICE_MIX))
        self._legacy_weights = list(
            accumulate(0.0 if k.min_server_major else k.weight for k in DEVICE_MIX)
        )
        self._alias_counts: dict[str, int] = {}
        self._sams: set[str] = set()

    # -- devices -------------------------------------------------------------------------------
    def device_id(self, style: str) -> str:
        rng = self.rng
        if style == "apple":  # "Appl" + a 12-character serial number
            bits, pairs = rng.getrandbits(66), _SERIAL_PAIRS  # six 11-bit draws of a pair
            return (
                "Appl"
                + pairs[(bits & 2047) % 1156]
                + pairs[(bits >> 11 & 2047) % 1156]
                + pairs[(bits >> 22 & 2047) % 1156]
                + pairs[(bits >> 33 & 2047) % 1156]
                + pairs[(bits >> 44 & 2047) % 1156]
                + pairs[(bits >> 55 & 2047) % 1156]
            )
        if style == "samsung":
            return "SEC" + format(rng.getrandbits(56), "014X")
        if style == "android":
            return "androidc" + str(1_000_000_000 + int(rng.random() * 9_000_000_000))
        return format(rng.getrandbits(128), "032X")

    def device(
        self, mailbox: Mailbox, first_sync: float | None = None, modern: bool = True
    ) -> Device:
        """A new partnership for `mailbox`; `modern`: its server is Exchange 2013 or later."""
        rng = self.rng
        rnd = rng.random
        weights = self._cum_weights if modern else self._legacy_weights
        index = bisect(weights, rnd() * weights[-1])
        kind_variants = self._variants[min(index, len(weights) - 1)]
        v = kind_variants[int(rnd() * len(kind_variants))]
        kind = v.kind
        if first_sync is None:
            first_sync = self.now - (3600 + int(rnd() * (700 * 86400 - 3600)))
        phone = kind.phone
        return Device(
            guid=guid_bits(rng),
            mailbox=mailbox,
            device_id=self.device_id(kind.id_style),
            device_type=v.device_type,
            model=v.model,
            os=v.os,
            user_agent=v.user_agent,
            friendly_name=v.friendly,
            imei=str(100_000_000_000_000 + int(rnd() * 899_999_999_999_999)) if phone else "",
            operator=_CARRIERS[int(rnd() * len(_CARRIERS))] if phone else "",
            phone=f"+1{2_012_000_000 + int(rnd() * 7_887_999_999)}" if phone else "",
            os_language=_LANGUAGES[int(rnd() * len(_LANGUAGES))],
            eas_version=kind.eas_version,
            first_sync=first_sync,
            last_success_sync=None,
            last_sync_attempt=None,
            when_created=first_sync,
            when_changed=first_sync,
            client_type=kind.client_type,
            provisionable=kind.provisionable,
            heartbeat=_HEARTBEATS[int(rnd() * 4)] if phone else None,
            interval=float(round(self.sync_interval * (0.5 + rnd()))),
        )

    def _settle(self, device: Device, stale_share: float) -> None:
        """Give an existing partnership its history: stale, or syncing on its schedule."""
        rnd = self.rng.random
        if rnd() < stale_share:
            device.state = "stale"
            last = max(device.first_sync, self.now - (30 * 86400 + int(rnd() * 370 * 86400)))
        else:
            device.next_sync = self.now + round(rnd() * device.interval)
            last = max(device.first_sync, device.next_sync - device.interval)
        device.last_success_sync = device.last_sync_attempt = last
        device.last_policy_update = device.first_sync if device.provisionable else None

    # -- users -----------------------------------------------------------------------------------
    def person(self) -> tuple[str, str, str, str]:
        """(first name, last name, unique alias, unique display name)."""
        rnd = self.rng.random
        i = int(rnd() * len(self.first_names))
        j = int(rnd() * len(self.last_names))
        first, last = self.first_names[i], self.last_names[j]
        base = f"{self._first_ascii[i]}.{self._last_ascii[j]}"
        n = self._alias_counts.get(base, 0) + 1
        self._alias_counts[base] = n
        alias = base if n == 1 else f"{base}{n}"
        return first, last, alias, f"{first} {last}" if n == 1 else f"{first} {last} {n}"

    def sam_for(self, alias: str) -> str:
        """A unique sAMAccountName (20 characters at most) for `alias`."""
        sam = alias[:20]
        n = 1
        while sam in self._sams:
            n += 1
            suffix = str(n)
            sam = alias[: 20 - len(suffix)] + suffix
        self._sams.add(sam)
        return sam

    def mailbox(
        self,
        org: Organization,
        directory: Directory,
        domain: str,
        email_domain: str,
        server: str,
        database: str,
        ou: str,
        details: str = "UserMailbox",
    ) -> Mailbox:
        rng = self.rng
        first, last, alias, name = self.person()
        upn = f"{alias}@{email_domain}"
        sam = self.sam_for(alias)
        user = directory.add_user(
            DirectoryUser(
                sam=sam,
                domain=domain,
                upn=upn,
                display_name=name,
                mail=upn,
                first_name=first,
                last_name=last,
                enabled=details == "UserMailbox",
            )
        )
        created = self.now - (30 * 86400 + int(rng.random() * 1970 * 86400))
        mailbox = Mailbox(
            guid=guid_bits(rng),
            exchange_guid=guid_bits(rng),
            name=name,
            alias=alias,
            display_name=user.display_name,
            upn=upn,
            primary_smtp=upn,
            sam=sam,
            domain=user.domain,
            server=server,
            database=database,
            when_created=created,
            when_changed=created,
            ou=ou,
            recipient_type_details=details,
            proxy_addresses=(f"{sam.lower()}@{email_domain}",) if sam.lower() != alias else (),
        )
        org.add_mailbox(mailbox)
        return mailbox

    def populate(
        self,
        org: Organization,
        directory: Directory,
        spec: PopulationSpec,
        domain: str,
        servers: list[str],
    ) -> Population:
        """Create `spec.users` users with mailboxes and devices, plus resource mailboxes."""
        with gc_paused():
            rng = self.rng
            domains = [d.lower() for d in spec.domains] or [domain.lower()]
            ous = list(spec.ous) or ["Users"]
            modern = {s.name: s.version.major >= 15 for s in org.servers}
            out = Population()
            whole = int(spec.devices_per_user)
            fraction = spec.devices_per_user - whole

            def place(i: int, ou: str, details: str = "UserMailbox") -> Mailbox:
                """The i-th mailbox, spread round-robin over domains and mailbox servers."""
                user_domain = domains[i % len(domains)]
                return self.mailbox(
                    org,
                    directory,
                    user_domain,
                    (spec.email_domain or user_domain).lower(),
                    servers[i % len(servers)],
                    f"DB{(i % len(servers)) + 1:02d}",
                    ou,
                    details,
                )

            for i in range(spec.users):
                mailbox = place(i, ous[i % len(ous)])
                out.user_mailboxes.append(mailbox)
                count = whole + (1 if rng.random() < fraction else 0)
                for _ in range(count):
                    device = self.device(mailbox, modern=modern.get(mailbox.server, True))
                    self._settle(device, spec.stale)
                    org.add_device(device)
                    out.devices.append(device)
                if rng.random() < spec.licensed:
                    out.licensed.append(mailbox.upn)
            for j in range(int(spec.users * spec.resource_mailboxes)):
                place(
                    j,
                    ous[0],
                    ("SharedMailbox", "SharedMailbox", "RoomMailbox", "EquipmentMailbox")[j % 4],
                )
            return out
