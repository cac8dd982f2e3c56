"""Exchange versions with their real build numbers and `AdminDisplayVersion` strings
(reference/exchange-cmdlets.md §4; builds from microsoft/Get-ExchangeBuildNumber)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExchangeVersion:
    label: str  # "2013 CU12"
    major: int
    minor: int
    build: int
    revision: int

    @property
    def admin_display_version(self) -> str:
        return f"Version {self.major}.{self.minor} (Build {self.build}.{self.revision})"

    @property
    def product(self) -> int:
        """2007, 2010, 2013, 2016 or 2019."""
        return int(self.label.split()[0])

    @property
    def is_e14_or_later(self) -> bool:
        return self.major >= 14

    @property
    def is_e15_or_later(self) -> bool:
        return self.major >= 15

    @property
    def tuple(self) -> tuple[int, int, int, int]:
        return (self.major, self.minor, self.build, self.revision)

    @property
    def major_minor(self) -> tuple[int, int]:
        """What a cmdlet's or parameter's availability is keyed on: (14, 1) = 2010 SP1."""
        return (self.major, self.minor)

    def at_least(self, major: int, minor: int = 0) -> bool:
        return (self.major, self.minor) >= (major, minor)

    @property
    def has_remote_powershell(self) -> bool:
        """Exchange 2010 introduced remote PowerShell; 2007 only had a local shell."""
        return self.major >= 14

    @property
    def exchange_version(self) -> str:
        """The object schema version printed as `ExchangeVersion` (not the product version)."""
        return "0.1 (14.0.100.0)" if self.major >= 15 else "0.1 (8.0.535.0)"


_BUILDS = {
    "2007 RTM": "8.0.685.24",
    "2007 SP1": "8.1.240.6",
    "2007 SP2": "8.2.176.2",
    "2007 SP3": "8.3.83.6",
    "2010 RTM": "14.0.639.21",
    "2010 SP1": "14.1.218.15",
    "2010 SP2": "14.2.247.5",
    "2010 SP3": "14.3.123.4",
    "2013 RTM": "15.0.516.32",
    "2013 CU1": "15.0.620.29",
    "2013 CU2": "15.0.712.24",
    "2013 CU3": "15.0.775.38",
    "2013 SP1": "15.0.847.32",
    "2013 CU5": "15.0.913.22",
    "2013 CU6": "15.0.995.29",
    "2013 CU7": "15.0.1044.25",
    "2013 CU8": "15.0.1076.9",
    "2013 CU9": "15.0.1104.5",
    "2013 CU10": "15.0.1130.7",
    "2013 CU11": "15.0.1156.6",
    "2013 CU12": "15.0.1178.4",
    "2013 CU13": "15.0.1210.3",
    "2013 CU14": "15.0.1236.3",
    "2013 CU15": "15.0.1263.5",
    "2013 CU16": "15.0.1293.2",
    "2013 CU17": "15.0.1320.4",
    "2013 CU18": "15.0.1347.2",
    "2013 CU19": "15.0.1365.1",
    "2013 CU20": "15.0.1367.3",
    "2013 CU21": "15.0.1395.4",
    "2013 CU22": "15.0.1473.3",
    "2013 CU23": "15.0.1497.2",
    "2016 RTM": "15.1.225.42",
    "2016 CU1": "15.1.396.30",
    "2016 CU2": "15.1.466.34",
    "2016 CU3": "15.1.544.27",
    "2016 CU4": "15.1.669.32",
    "2016 CU5": "15.1.845.34",
    "2016 CU6": "15.1.1034.26",
    "2016 CU7": "15.1.1261.35",
    "2016 CU8": "15.1.1415.2",
    "2016 CU9": "15.1.1466.3",
    "2016 CU10": "15.1.1531.3",
    "2016 CU11": "15.1.1591.10",
    "2016 CU12": "15.1.1713.5",
    "2016 CU13": "15.1.1779.2",
    "2016 CU14": "15.1.1847.3",
    "2016 CU15": "15.1.1913.5",
    "2016 CU16": "15.1.1979.3",
    "2016 CU17": "15.1.2044.4",
    "2016 CU18": "15.1.2106.2",
    "2016 CU19": "15.1.2176.2",
    "2016 CU20": "15.1.2242.4",
    "2016 CU21": "15.1.2308.8",
    "2016 CU22": "15.1.2375.7",
    "2016 CU23": "15.1.2507.6",
    "2019 RTM": "15.2.221.12",
    "2019 CU1": "15.2.330.5",
    "2019 CU2": "15.2.397.3",
    "2019 CU3": "15.2.464.5",
    "2019 CU4": "15.2.529.5",
    "2019 CU5": "15.2.595.3",
    "2019 CU6": "15.2.659.4",
}
_ALIASES = {
    "2013 CU4": "2013 SP1",
    "2010": "2010 RTM",
    "2007": "2007 RTM",
    "2013": "2013 RTM",
    "2016": "2016 RTM",
    "2019": "2019 RTM",
}

VERSIONS: dict[str, ExchangeVersion] = {
    label: ExchangeVersion(label, *(int(p) for p in build.split(".")))  # type: ignore[arg-type]
    for label, build in _BUILDS.items()
}


def version(label: str) -> ExchangeVersion:
    """Look up `2013 CU12`, `2010 SP3`, `2016` (= RTM)... case-insensitively."""
    key = " ".join(label.upper().replace("EXCHANGE", "").split())
    key = _ALIASES.get(key, key)
    for name, v in VERSIONS.items():
        if name.upper() == key:
            return v
    raise KeyError(f"unknown Exchange version {label!r}; known: {', '.join(VERSIONS)}")
