"""A seeded population of users, mailboxes and ActiveSync devices with a realistic 2016 mix.

Names come from pools drawn once from a seeded Faker and combined with the world's
`random.Random`, which keeps generation linear and fast at any scale; every id (GUIDs,
device ids, IMEIs) comes from the same generator, so a seed reproduces the organisation
exactly.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from faker import Faker

from simulator.directory import Directory, DirectoryUser
from simulator.exchange.model import Device, Mailbox, Organization

_HEX = "0123456789ABCDEF"
_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class DeviceKind:
    """One kind of device in the mix: how to draw its attributes."""

    family: str
    weight: float
    device_type: str
    models: tuple[tuple[str, str], ...]  # (EAS model, friendly name)
    oses: tuple[str, ...]
    ua: str  # format with {model} and {build}
    id_style: str  # apple, android, hex32
    operators: tuple[str, ...] = ("Verizon", "AT&T", "T-Mobile", "Vodafone", "Orange", "O2")


def _apple_build(os_name: str) -> str:
    """`iOS 9.3.2 13F69` → `1306.69`: Apple's EAS user agent encodes the build train."""
    build = os_name.split()[-1]
    major = int(build[:2])
    letter = ord(build[2]) - ord("A") + 1
    return f"{major}{letter:02d}.{build[3:]}"


DEVICE_MIX: tuple[DeviceKind, ...] = (
    DeviceKind(
        "iPhone",
        0.42,
        "iPhone",
        (
            ("iPhone8C1", "iPhone 6s"),
            ("iPhone8C2", "iPhone 6s Plus"),
            ("iPhone7C2", "iPhone 6"),
            ("iPhone7C1", "iPhone 6 Plus"),
            ("iPhone6C2", "iPhone 5s"),
            ("iPhone8C4", "iPhone SE"),
        ),
        ("iOS 9.3.2 13F69", "iOS 9.3.1 13E238", "iOS 9.2.1 13D15", "iOS 8.4.1 12H321"),
        "Apple-{model}/{build}",
        "apple",
    ),
    DeviceKind(
        "iPad",
        0.10,
        "iPad",
        (
            ("iPad5C3", "iPad Air 2"),
            ("iPad4C1", "iPad Air"),
            ("iPad6C7", "iPad Pro"),
            ("iPad4C4", "iPad mini 2"),
        ),
        ("iOS 9.3.2 13F69", "iOS 9.3.1 13E238", "iOS 9.2.1 13D15"),
        "Apple-{model}/{build}",
        "apple",
    ),
    DeviceKind(
        "Samsung",
        0.24,
        "Android",
        (
            ("SM-G920F", "Galaxy S6"),
            ("SM-G930F", "Galaxy S7"),
            ("SM-G925F", "Galaxy S6 edge"),
            ("SM-N920C", "Galaxy Note5"),
            ("SM-A500FU", "Galaxy A5"),
        ),
        ("Android 6.0.1", "Android 5.1.1", "Android 5.0.2"),
        "Android-SAMSUNG-{model}/101.60001",
        "hex32",
    ),
    DeviceKind(
        "Android",
        0.15,
        "Android",
        (
            ("HTC One M9", "HTC One M9"),
            ("LG-H815", "LG G4"),
            ("E6653", "Xperia Z5"),
            ("XT1092", "Moto X"),
            ("Nexus 5X", "Nexus 5X"),
            ("HUAWEI VNS-L31", "Huawei P9 lite"),
        ),
        ("Android 6.0", "Android 6.0.1", "Android 5.1", "Android 5.0.2"),
        "Android/{os_version}-EAS-2.0",
        "android",
    ),
    DeviceKind(
        "WindowsPhone",
        0.07,
        "WP8",
        (("Lumia 950", "Lumia 950"), ("Lumia 930", "Lumia 930"), ("Lumia 640", "Lumia 640")),
        ("Windows Phone 10.0.10586", "Windows Phone 8.10.14219"),
        "MSFT-WP/{os_version}",
        "hex32",
    ),
    DeviceKind(
        "Outlook",
        0.02,
        "Outlook",
        (("Outlook for iOS and Android", "Outlook"),),
        ("OutlookBasicAuth",),
        "Outlook-iOS-Android/1.0",
        "hex32",
    ),
)


@dataclass(frozen=True)
class PopulationSpec:
    users: int = 50
    devices_per_user: float = 1.5
    licensed: float = 1.0  # share of users with an Intune licence
    email_domain: str | None = None  # UPN and SMTP suffix; the AD domain when None


def new_guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ascii(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum() or c == "-")
    ).lower()


class PopulationBuilder:
    """Draws users, mailboxes and devices from seeded generators into an organisation."""

    def __init__(self, rng: random.Random, faker: Faker, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.first_names = sorted({faker.first_name() for _ in range(400)})
        self.last_names = sorted({faker.last_name() for _ in range(600)})
        self._kinds = DEVICE_MIX
        self._weights = [k.weight for k in DEVICE_MIX]
        self._taken: set[str] = set()

    # -- devices -------------------------------------------------------------------------------
    def device_id(self, style: str) -> str:
        rng = self.rng
        if style == "apple":
            return "Appl" + "".join(rng.choice(_ALNUM) for _ in range(11))
        if style == "android":
            return "androidc" + str(rng.randrange(10**9, 10**10))
        return "".join(rng.choice(_HEX) for _ in range(32))

    def device(self, mailbox: Mailbox, first_sync: datetime | None = None) -> Device:
        rng = self.rng
        kind = rng.choices(self._kinds, self._weights)[0]
        model, friendly = rng.choice(kind.models)
        os_name = rng.choice(kind.oses)
        os_version = os_name.split()[-1] if kind.id_style != "apple" else os_name.split()[1]
        build = _apple_build(os_name) if kind.id_style == "apple" else ""
        first = first_sync or self.now - timedelta(seconds=rng.randrange(3600, 700 * 86400))
        last = max(first, self.now - timedelta(seconds=rng.randrange(60, 2 * 86400)))
        return Device(
            guid=new_guid(rng),
            mailbox=mailbox,
            device_id=self.device_id(kind.id_style),
            device_type=kind.device_type,
            model=model,
            os=os_name,
            user_agent=kind.ua.format(model=model, build=build, os_version=os_version),
            friendly_name=friendly,
            imei=str(rng.randrange(10**14, 10**15)),
            operator=rng.choice(kind.operators),
            phone=f"+1{rng.randrange(2000000000, 9999999999)}",
            os_language="English",
            eas_version="14.1" if kind.id_style != "apple" else "16.0",
            first_sync=first,
            last_success_sync=last,
            when_created=first,
            when_changed=last,
        )

    # -- users -----------------------------------------------------------------------------------
    def person(self) -> tuple[str, str, str, str]:
        """(first name, last name, unique alias, unique display name)."""
        first = self.rng.choice(self.first_names)
        last = self.rng.choice(self.last_names)
        base = f"{_ascii(first) or 'user'}.{_ascii(last) or 'x'}"
        alias, n = base, 1
        while alias in self._taken:
            n += 1
            alias = f"{base}{n}"
        self._taken.add(alias)
        return first, last, alias, f"{first} {last}" if n == 1 else f"{first} {last} {n}"

    def populate(
        self,
        org: Organization,
        directory: Directory,
        spec: PopulationSpec,
        domain: str,
        servers: list[str],
    ) -> list[str]:
        """Create `spec.users` users with mailboxes and devices; return the licensed UPNs."""
        rng = self.rng
        email_domain = (spec.email_domain or domain).lower()
        licensed: list[str] = []
        for i in range(spec.users):
            first, last, alias, name = self.person()
            upn = f"{alias}@{email_domain}"
            sam = alias[:20]
            user = directory.add_user(
                DirectoryUser(
                    sam=sam,
                    domain=domain,
                    upn=upn,
                    display_name=f"{first} {last}",
                    first_name=first,
                    last_name=last,
                )
            )
            created = self.now - timedelta(days=rng.randrange(30, 2000))
            server = servers[i % len(servers)]
            mailbox = Mailbox(
                guid=new_guid(rng),
                exchange_guid=new_guid(rng),
                name=name,
                alias=alias,
                display_name=user.display_name,
                upn=upn,
                primary_smtp=upn,
                sam=sam,
                domain=domain,
                server=server,
                database=f"DB{(i % len(servers)) + 1:02d}",
                when_created=created,
                when_changed=created,
            )
            org.add_mailbox(mailbox)
            count = int(spec.devices_per_user)
            if rng.random() < spec.devices_per_user - count:
                count += 1
            for _ in range(count):
                org.add_device(self.device(mailbox))
            if rng.random() < spec.licensed:
                licensed.append(upn)
        return licensed
