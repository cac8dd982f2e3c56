"""The device mix of the seeded population: an enterprise fleet of spring 2016 — iPhones and
iPads on iOS 8–9, Samsung phones with the native mail client, other Android phones through
Gmail-style EAS clients, Windows Phone 8.1/10, Outlook for iOS and Android, a few legacy Mail
for Exchange clients that cannot be provisioned, and (mailboxes on 2013 or later) OWA for
Devices partnerships — each kind with its weight, models, OS versions, user agent and id
style, and every (kind, model, OS) combination precomputed (`variants`).

Data apart from the generator that draws from it (population.py); `kind_variant` gives a
scenario one particular device's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeviceKind:
    """One kind of device in the mix: how to draw its attributes."""

    family: str
    weight: float
    device_type: str
    models: tuple[tuple[str, str], ...]  # (EAS model, friendly name)
    oses: tuple[str, ...]  # weighted by repetition
    ua: str  # format with {model}, {build}, {os_version}
    id_style: str  # apple, android, samsung, hex32
    eas_version: str = "14.1"
    phone: bool = True  # has an IMEI, a carrier and a number
    provisionable: bool = True
    client_type: str = "EAS"
    min_server_major: int = 0


def apple_build(os_name: str) -> str:
    """`iOS 9.3.2 13F69` → `1305.69`: Apple's EAS user agent encodes the build train (the
    letter counted from A = 00, as in `Apple-iPhone7C2/1302.143` for build 13C143)."""
    build = os_name.split()[-1]
    major = int(build[:2])
    letter = ord(build[2]) - ord("A")
    return f"{major}{letter:02d}.{build[3:]}"


_IOS = (
    "iOS 9.3.2 13F69",
    "iOS 9.3.2 13F69",
    "iOS 9.3.2 13F69",
    "iOS 9.3.2 13F69",
    "iOS 9.3.1 13E238",
    "iOS 9.3.1 13E238",
    "iOS 9.3 13E233",
    "iOS 9.2.1 13D15",
    "iOS 9.2.1 13D15",
    "iOS 8.4.1 12H321",
)
DEVICE_MIX: tuple[DeviceKind, ...] = (
    DeviceKind(
        "iPhone",
        0.44,
        "iPhone",
        (
            ("iPhone8C1", "iPhone 6s"),
            ("iPhone8C2", "iPhone 6s Plus"),
            ("iPhone7C2", "iPhone 6"),
            ("iPhone7C2", "iPhone 6"),
            ("iPhone7C1", "iPhone 6 Plus"),
            ("iPhone6C2", "iPhone 5s"),
            ("iPhone8C4", "iPhone SE"),
        ),
        _IOS,
        "Apple-{model}/{build}",
        "apple",
    ),
    DeviceKind(
        "iPad",
        0.09,
        "iPad",
        (
            ("iPad5C3", "iPad Air 2"),
            ("iPad4C1", "iPad Air"),
            ("iPad6C7", "iPad Pro"),
            ("iPad4C4", "iPad mini 2"),
        ),
        _IOS,
        "Apple-{model}/{build}",
        "apple",
        phone=False,
    ),
    DeviceKind(
        "Samsung",
        0.22,
        "SAMSUNGSMG920F",
        (
            ("SM-G920F", "Galaxy S6"),
            ("SM-G930F", "Galaxy S7"),
            ("SM-G925F", "Galaxy S6 edge"),
            ("SM-N920C", "Galaxy Note5"),
            ("SM-A500FU", "Galaxy A5"),
        ),
        ("Android 6.0.1", "Android 5.1.1", "Android 5.1.1", "Android 5.0.2", "Android 4.4.4"),
        "Android-SAMSUNG-{model}/101.60001",
        "samsung",
    ),
    DeviceKind(
        "Android",
        0.12,
        "Android",
        (
            ("HTC One M9", "HTC One M9"),
            ("LG-H815", "LG G4"),
            ("E6653", "Xperia Z5"),
            ("XT1092", "Moto X"),
            ("Nexus 5X", "Nexus 5X"),
            ("HUAWEI VNS-L31", "Huawei P9 lite"),
        ),
        ("Android 6.0", "Android 6.0.1", "Android 5.1", "Android 5.1.1", "Android 5.0.2"),
        "Android/{os_version}-EAS-2.0",
        "android",
        eas_version="14.0",
    ),
    DeviceKind(
        "WindowsPhone",
        0.06,
        "WP8",
        (("Lumia 950", "Lumia 950"), ("Lumia 930", "Lumia 930"), ("Lumia 640", "Lumia 640")),
        ("Windows Phone 10.0.10586", "Windows Phone 8.10.14219", "Windows Phone 8.10.15148"),
        "MSFT-WP/{os_version}",
        "hex32",
    ),
    DeviceKind(
        "Outlook",
        0.05,
        "Outlook",
        (("Outlook for iOS and Android", "Outlook"),),
        ("OutlookBasicAuth",),
        "Outlook-iOS-Android/1.0",
        "hex32",
        phone=False,
    ),
    DeviceKind(
        "Legacy",
        0.01,
        "NokiaE52",
        (("E52-1", "Nokia E52"),),
        ("Symbian S60 3.2",),
        "NokiaE521/2.00()MailforExchange",
        "hex32",
        eas_version="12.1",
        provisionable=False,
    ),
    DeviceKind(
        "OWA for Devices",
        0.01,
        "iPhone",
        (("iPhone", "iPhone"),),
        ("iOS 9.3.2 13F69",),
        "Mozilla/5.0 (iPhone; CPU iPhone OS 9_3_2 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) "
        "Mobile/13F69 MSAppHost/2.0",
        "hex32",
        eas_version="14.1",
        phone=False,
        client_type="MOWA",
        min_server_major=15,
    ),
)


@dataclass(frozen=True)
class Variant:
    """One precomputed (kind, model, OS) combination: everything but the random ids."""

    kind: DeviceKind
    device_type: str
    model: str
    friendly: str
    os: str
    user_agent: str


def variants(kind: DeviceKind) -> list[Variant]:
    out = []
    for model, friendly in kind.models:
        for os_name in kind.oses:
            apple = kind.id_style == "apple"
            os_version = os_name.split()[1] if apple else os_name.split()[-1]
            build = apple_build(os_name) if apple else ""
            device_type = (
                "SAMSUNG" + model.replace("-", "")
                if kind.id_style == "samsung"
                else kind.device_type
            )
            ua = kind.ua.format(model=model, build=build, os_version=os_version)
            out.append(Variant(kind, device_type, model, friendly, os_name, ua))
    return out


def kind_variant(name: str) -> dict[str, Any]:
    """The fields of a device of kind `name` (a kind of `DEVICE_MIX`, or its EAS device type:
    iPhone, iPad, Samsung, Android, WindowsPhone or WP8, Outlook, Legacy...), its first model
    and OS — for a scenario that sets up one particular device."""
    wanted = name.lower()
    for kind in DEVICE_MIX:
        if wanted in (kind.family.lower(), kind.device_type.lower()):
            v = variants(kind)[0]
            return {
                "device_type": v.device_type,
                "model": v.model,
                "friendly_name": v.friendly,
                "os": v.os,
                "user_agent": v.user_agent,
                "eas_version": kind.eas_version,
                "client_type": kind.client_type,
                "provisionable": kind.provisionable,
            }
    known = sorted({k.family for k in DEVICE_MIX} | {k.device_type for k in DEVICE_MIX})
    raise KeyError(f"unknown device kind {name!r} (kinds: {', '.join(known)})")
