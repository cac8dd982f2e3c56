"""The settings of an ActiveSync (Mobile Device) mailbox policy: types, defaults, valid ranges
and the 2013+ parameter names (reference/exchange-cmdlets.md, Get-ActiveSyncMailboxPolicy;
defaults and ranges from Exchange 2013's schema, which differ from the docs in places: the
docs' MaxDevicePasswordFailedAttempts 8 is the UI value, the schema default is Unlimited).

Values are typed: booleans, ints, `UNLIMITED`, `timedelta` for time spans and ints of bytes
for sizes. `parse` converts what a caller passes and raises Exchange's range and length errors.

Deviations: the docs' 30-second lower bound of MaxInactivityTimeDeviceLock is not accepted
(the schema's 1 minute is); `ApprovedApplicationList` entries are plain strings, not the
`ApprovedApplication` objects of the real cmdlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from simulator.exchange.errors import (
    ArgumentTransformationError,
    InvalidArgument,
    PropertyOutOfRange,
)

UNLIMITED = "Unlimited"
KB = 1024


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # bool, int, optint, unlimited_int, unlimited_timespan, bytes, enum, list
    default: Any
    low: Any = None
    high: Any = None
    choices: tuple[str, ...] = ()
    new_name: str | None = None  # the *-MobileDeviceMailboxPolicy name (2013+)
    password: bool = False  # reset when DevicePasswordEnabled is set to $false alone
    min_major: int = 14
    max_total: int | None = None  # lists: total characters
    max_entry: int | None = None  # lists: characters per entry

    @property
    def ps_type(self) -> str:
        return {
            "bool": "Boolean",
            "int": "Int32",
            "optint": "Nullable[Int32]",
            "unlimited_int": "Unlimited",
            "unlimited_timespan": "Unlimited",
            "bytes": "Unlimited",
            "enum": self.name,
            "list": "MultiValuedProperty",
        }[self.kind]


def _b(name: str, default: bool, **kw: Any) -> Setting:
    return Setting(name, "bool", default, **kw)


SETTINGS: tuple[Setting, ...] = (
    _b("DevicePasswordEnabled", False, new_name="PasswordEnabled"),
    _b(
        "AlphanumericDevicePasswordRequired",
        False,
        new_name="AlphanumericPasswordRequired",
        password=True,
    ),
    _b("AllowSimpleDevicePassword", True, new_name="AllowSimplePassword", password=True),
    Setting(
        "MinDevicePasswordLength",
        "optint",
        None,
        1,
        16,
        new_name="MinPasswordLength",
        password=True,
    ),
    Setting(
        "MinDevicePasswordComplexCharacters",
        "int",
        1,
        1,
        4,
        new_name="MinPasswordComplexCharacters",
        password=True,
    ),
    Setting(
        "MaxDevicePasswordFailedAttempts",
        "unlimited_int",
        UNLIMITED,
        4,
        16,
        new_name="MaxPasswordFailedAttempts",
        password=True,
    ),
    Setting(
        "MaxInactivityTimeDeviceLock",
        "unlimited_timespan",
        UNLIMITED,
        timedelta(minutes=1),
        timedelta(hours=1),
        new_name="MaxInactivityTimeLock",
        password=True,
    ),
    Setting(
        "DevicePasswordExpiration",
        "unlimited_timespan",
        UNLIMITED,
        timedelta(days=1),
        timedelta(days=730),
        new_name="PasswordExpiration",
        password=True,
    ),
    Setting("DevicePasswordHistory", "int", 0, 0, 50, new_name="PasswordHistory", password=True),
    _b("PasswordRecoveryEnabled", False, password=True),
    _b("RequireDeviceEncryption", False, password=True),
    _b("DeviceEncryptionEnabled", False, password=True),
    _b("RequireStorageCardEncryption", False, password=True),
    _b("AllowNonProvisionableDevices", False),
    _b("AttachmentsEnabled", True),
    Setting("MaxAttachmentSize", "bytes", UNLIMITED, 0, 2097151 * KB),
    *(
        _b(name, True)
        for name in (
            "AllowStorageCard",
            "AllowCamera",
            "AllowWiFi",
            "AllowTextMessaging",
            "AllowPOPIMAPEmail",
            "AllowIrDA",
            "AllowDesktopSync",
            "AllowHTMLEmail",
            "AllowBrowser",
            "AllowConsumerEmail",
            "AllowRemoteDesktop",
            "AllowInternetSharing",
            "AllowUnsignedApplications",
            "AllowUnsignedInstallationPackages",
            "AllowSMIMESoftCerts",
            "WSSAccessEnabled",
            "UNCAccessEnabled",
            "IrmEnabled",
        )
    ),
    _b("RequireManualSyncWhenRoaming", False),
    _b("RequireSignedSMIMEMessages", False),
    _b("RequireEncryptedSMIMEMessages", False),
    Setting("AllowBluetooth", "enum", "Allow", choices=("Disable", "HandsfreeOnly", "Allow")),
    Setting(
        "MaxEmailAgeFilter",
        "enum",
        "All",
        choices=(
            "All",
            "OneDay",
            "ThreeDays",
            "OneWeek",
            "TwoWeeks",
            "OneMonth",
            "ThreeMonths",
            "SixMonths",
        ),
    ),
    Setting(
        "MaxCalendarAgeFilter",
        "enum",
        "All",
        choices=("All", "TwoWeeks", "OneMonth", "ThreeMonths", "SixMonths"),
    ),
    Setting("MaxEmailBodyTruncationSize", "unlimited_int", UNLIMITED, 0, 2147483647),
    Setting("MaxEmailHTMLBodyTruncationSize", "unlimited_int", UNLIMITED, 0, 2147483647),
    Setting(
        "DevicePolicyRefreshInterval",
        "unlimited_timespan",
        UNLIMITED,
        timedelta(0),
        timedelta(days=24855),
    ),
    Setting(
        "RequireSignedSMIMEAlgorithm",
        "enum",
        "SHA1",
        choices=("SHA1", "MD5", "SHA256", "SHA384", "SHA512"),
    ),
    Setting(
        "RequireEncryptionSMIMEAlgorithm",
        "enum",
        "TripleDES",
        choices=("TripleDES", "DES", "RC2128bit", "RC264bit", "RC240bit"),
    ),
    Setting(
        "AllowSMIMEEncryptionAlgorithmNegotiation",
        "enum",
        "AllowAnyAlgorithmNegotiation",
        choices=(
            "BlockNegotiation",
            "OnlyStrongAlgorithmNegotiation",
            "AllowAnyAlgorithmNegotiation",
        ),
    ),
    Setting("ApprovedApplicationList", "list", (), max_total=5120, max_entry=2048),
    Setting("UnapprovedInROMApplicationList", "list", (), max_total=7168, max_entry=2048),
    _b("AllowApplePushNotifications", True, min_major=15),
    _b("AllowExternalDeviceManagement", False, min_major=15),
)

BY_NAME: dict[str, Setting] = {s.name.lower(): s for s in SETTINGS}
BY_NEW_NAME: dict[str, Setting] = {s.new_name.lower(): s for s in SETTINGS if s.new_name}


def defaults(major: int = 15) -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def format_timespan(value: timedelta) -> str:
    """.NET `TimeSpan.ToString()`: `[d.]hh:mm:ss`."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days}.{text}" if days else text


def format_bytes(value: int) -> str:
    """ByteQuantifiedSize: `10 MB (10,485,760 bytes)`."""
    for unit, size in (("GB", KB**3), ("MB", KB**2), ("KB", KB)):
        if value >= size:
            amount = value / size
            shown = f"{amount:.0f}" if amount == int(amount) else f"{amount:.3g}"
            return f"{shown} {unit} ({value:,} bytes)"
    return f"{value} B ({value:,} bytes)"


_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)


def _show(setting: Setting, value: Any) -> str:
    if isinstance(value, timedelta):
        return format_timespan(value)
    if setting.kind == "bytes" and isinstance(value, int):
        return format_bytes(value)
    return str(value)


def _range_check(setting: Setting, value: Any) -> Any:
    if setting.low is not None and (value < setting.low or value > setting.high):
        raise PropertyOutOfRange(
            _show(setting, value), _show(setting, setting.low), _show(setting, setting.high)
        )
    return value


def parse(setting: Setting, value: Any, parameter: str | None = None) -> Any:
    """Convert a caller's value for `setting`; raise Exchange's conversion and range errors."""
    name = parameter or setting.name
    kind = setting.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "$true", "1"):
            return True
        if text in ("false", "$false", "0"):
            return False
        raise ArgumentTransformationError(name, value, "System.Boolean")
    if kind == "enum":
        for choice in setting.choices:
            if str(value).lower() == choice.lower():
                return choice
        raise ArgumentTransformationError(
            name,
            value,
            f"Microsoft.Exchange.Data.Directory.SystemConfiguration.{setting.name}",
            f"Unable to match the identifier name {value} to a valid enumerator name. Specify one of "
            f"the following enumerator names and try again: {', '.join(setting.choices)}",
        )
    if kind == "list":
        items = [] if value is None else [str(v) for v in _as_list(value)]
        too_long = [v for v in items if len(v) > (setting.max_entry or 1 << 30)]
        if too_long or sum(map(len, items)) > (setting.max_total or 1 << 30):
            raise InvalidArgument(
                f"The {setting.name} is too long. Entries may have at most {setting.max_entry} "
                f"characters and the list at most {setting.max_total} characters in total."
            )
        return tuple(items)
    if value is None:
        if kind == "optint":
            return None
        raise ArgumentTransformationError(name, "", setting.ps_type)
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        if kind in ("unlimited_int", "unlimited_timespan", "bytes"):
            return UNLIMITED
        raise ArgumentTransformationError(name, value, "System.Int32")
    if kind in ("int", "optint", "unlimited_int"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ArgumentTransformationError(name, value, "System.Int32") from None
        return _range_check(setting, number)
    if kind == "unlimited_timespan":
        span = value if isinstance(value, timedelta) else _parse_timespan(str(value))
        if span is None:
            raise ArgumentTransformationError(
                name, value, "Microsoft.Exchange.Data.Unlimited`1[System.TimeSpan]"
            )
        return _range_check(setting, span)
    if kind == "bytes":
        size = _parse_size(value)
        if size is None:
            raise ArgumentTransformationError(
                name,
                value,
                "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]",
            )
        return _range_check(setting, size)
    raise ValueError(kind)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _parse_timespan(text: str) -> timedelta | None:
    m = _TIMESPAN.match(text.strip())
    if not m:
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _parse_size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    m = _SIZE.match(str(value))
    if not m:
        return None
    unit = (m.group(2) or "B").upper()
    return int(float(m.group(1)) * {"B": 1, "KB": KB, "MB": KB**2, "GB": KB**3}[unit])
