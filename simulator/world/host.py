"""Simulated Windows hosts: facts, a file system with folder security, services, local
accounts, user rights (with Group Policy), and a machine key for DPAPI-like secret protection.

Facts come from a catalogue of Windows releases (`WINDOWS`): kernel version, which
editions exist, whether a 32-bit build or a Server Core installation exists — so a scenario
can stage an unsupported host (Windows Server 2003, a 32-bit Windows Server 2008, Server
Core, a client OS) but not an impossible one (a 32-bit Windows Server 2012 R2).

Paths are Windows paths, compared case-insensitively. A folder is *secure* when only
administrators may read it: folders under `C:\\Users\\<profile>` are secure by default, other
folders are readable by everyone unless the scenario says otherwise (SPEC R2.4).

"Log on as a service" (SeServiceLogonRight) is what setup grants the connector's local
account (SPEC R3.5). A domain GPO that *defines* that right replaces the local list when the
host refreshes its policy (every 90 minutes by default, and at the first refresh after the
GPO is linked): the connector's account silently loses the right, and the next start of its
service fails with events 7041 and 7000 (customer issue C07).
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WindowsRelease:
    name: str
    kernel: str
    server: bool
    x86: bool  # a 32-bit build exists
    server_core: bool  # a Server Core installation option exists
    editions: tuple[str, ...]


WINDOWS: dict[str, WindowsRelease] = {
    r.name: r
    for r in (
        WindowsRelease(
            "Windows Server 2003", "5.2", True, True, False, ("Standard", "Enterprise", "Web")
        ),
        WindowsRelease(
            "Windows Server 2003 R2", "5.2", True, True, False, ("Standard", "Enterprise")
        ),
        WindowsRelease(
            "Windows Server 2008",
            "6.0",
            True,
            True,
            True,
            ("Standard", "Enterprise", "Datacenter", "Web", "Foundation"),
        ),
        WindowsRelease(
            "Windows Server 2008 R2",
            "6.1",
            True,
            False,
            True,
            ("Standard", "Enterprise", "Datacenter", "Web", "Foundation"),
        ),
        WindowsRelease(
            "Windows Server 2012",
            "6.2",
            True,
            False,
            True,
            ("Standard", "Datacenter", "Essentials", "Foundation"),
        ),
        WindowsRelease(
            "Windows Server 2012 R2",
            "6.3",
            True,
            False,
            True,
            ("Standard", "Datacenter", "Essentials", "Foundation"),
        ),
        WindowsRelease(
            "Windows Server 2016",
            "10.0",
            True,
            False,
            True,
            ("Standard", "Datacenter", "Essentials"),
        ),
        WindowsRelease(
            "Windows Server 2019",
            "10.0",
            True,
            False,
            True,
            ("Standard", "Datacenter", "Essentials"),
        ),
        WindowsRelease("Windows 7", "6.1", False, True, False, ("Professional", "Enterprise")),
        WindowsRelease("Windows 8.1", "6.3", False, True, False, ("Pro", "Enterprise")),
        WindowsRelease("Windows 10", "10.0", False, True, False, ("Pro", "Enterprise")),
    )
}

POWERSHELL_VERSIONS = ("", "1.0", "2.0", "3.0", "4.0", "5.0", "5.1")
_DOTNET_RE = re.compile(r"^(\d+(?:\.\d+){1,2})(?:\s+(Full|Client)(?:\s+Profile)?)?$", re.IGNORECASE)


def windows_release(name: str) -> WindowsRelease:
    """The catalogue entry for an OS name; the error suggests the closest names."""
    release = WINDOWS.get(name)
    if release is None:
        close = difflib.get_close_matches(name, list(WINDOWS), n=2)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"unknown operating system {name!r}{hint} (known: {', '.join(WINDOWS)})")
    return release


def check_installation(os_name: str, edition: str | None, architecture: str, core: bool) -> None:
    """Refuse a combination that cannot exist (a 32-bit 2012 R2, Server Core on 2003...)."""
    release = windows_release(os_name)
    if architecture == "x86" and not release.x86:
        raise ValueError(f"{os_name} has no 32-bit (x86) edition")
    if core and not release.server_core:
        raise ValueError(f"{os_name} has no Server Core installation option")
    if edition is not None and edition not in release.editions:
        raise ValueError(
            f"{os_name} has no {edition} edition (editions: {', '.join(release.editions)})"
        )


def parse_dotnet(text: str) -> tuple[str, str]:
    """`4.5.2` → ("4.5.2", "Full"); `4.0 Client` → ("4.0", "Client"). Only .NET 4.0 (and
    3.5) shipped a Client Profile."""
    m = _DOTNET_RE.match(text.strip())
    if not m:
        raise ValueError(f"expected a .NET version such as '4.5.2' or '4.0 Client', found {text!r}")
    version, profile = m.group(1), (m.group(2) or "Full").capitalize()
    if profile == "Client" and version not in ("3.5", "4.0"):
        raise ValueError(f".NET {version} has no Client Profile (only 3.5 and 4.0 do)")
    return version, profile


def norm(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").lower()


def parent(path: str) -> str:
    return path.rsplit("\\", 1)[0] if "\\" in path else ""


@dataclass(frozen=True)
class GroupPolicy:
    """A GPO linked to the host's domain that defines "Log on as a service" (None: it does
    not touch that right). `linked_at` is when it is linked, in simulated seconds."""

    name: str
    logon_as_service: tuple[str, ...] | None = None
    linked_at: float = 0.0


@dataclass
class ServiceRecord:
    name: str
    display_name: str
    account: str
    binary: str
    state: str = "Stopped"


@dataclass(frozen=True)
class EventRecord:
    log: str
    source: str
    event_id: int
    message: str
    time: str


@dataclass
class SimHost:
    name: str
    os_name: str = "Windows Server 2012 R2"
    os_version: str = "6.3"
    edition: str = "Standard"
    service_pack: int = 0
    architecture: str = "x64"
    server_core: bool = False
    cpu_ghz: float = 2.4
    ram_gb: float = 8.0
    free_disk_gb: float = 100.0
    dotnet: list[tuple[str, str]] = field(default_factory=lambda: [("4.5.2", "Full")])
    powershell_version: str = "4.0"
    domain: str | None = None
    machine_key: bytes = b""
    secure_folders: list[str] = field(default_factory=list)
    insecure_folders: list[str] = field(default_factory=list)
    up: bool = True

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # norm path -> (path, data)
    folders: dict[str, str] = field(default_factory=dict)  # norm path -> path
    services: dict[str, ServiceRecord] = field(default_factory=dict)
    local_accounts: set[str] = field(default_factory=set)
    logon_as_service: set[str] = field(default_factory=set)  # accounts holding SeServiceLogonRight
    event_log: list[EventRecord] = field(default_factory=list)
    group_policies: list[GroupPolicy] = field(default_factory=list)
    applied_policies: list[str] = field(default_factory=list)  # names of GPOs applied so far

    @property
    def fqdn(self) -> str:
        return f"{self.name.lower()}.{self.domain}" if self.domain else self.name.lower()

    # -- file system -----------------------------------------------------------------------
    def make_dirs(self, path: str) -> None:
        path = path.replace("/", "\\").rstrip("\\")
        while path and norm(path) not in self.folders:
            if norm(path) in self.files:
                raise FileExistsError(f"{path} is a file")
            self.folders[norm(path)] = path
            path = parent(path)

    def write_file(self, path: str, data: bytes) -> None:
        path = path.replace("/", "\\")
        if norm(path) in self.folders:
            raise IsADirectoryError(path)
        self.make_dirs(parent(path))
        self.files[norm(path)] = (path, bytes(data))

    def append_file(self, path: str, data: bytes) -> None:
        old = self.files.get(norm(path), (path, b""))[1]
        self.write_file(path, old + data)

    def read_file(self, path: str) -> bytes:
        try:
            return self.files[norm(path)][1]
        except KeyError:
            raise FileNotFoundError(f"Could not find file '{path}'.") from None

    def exists(self, path: str) -> bool:
        return norm(path) in self.files or norm(path) in self.folders

    def is_dir(self, path: str) -> bool:
        return norm(path) in self.folders

    def list_files(self, folder: str) -> list[str]:
        prefix = norm(folder) + "\\"
        return sorted(
            p[len(prefix) :] for p, _ in self.files.values() if norm(p).startswith(prefix)
        )

    def delete_file(self, path: str) -> None:
        if self.files.pop(norm(path), None) is None:
            raise FileNotFoundError(f"Could not find file '{path}'.")

    def rename_file(self, src: str, dst: str) -> None:
        data = self.read_file(src)
        self.delete_file(src)
        self.write_file(dst, data)

    def remove_tree(self, path: str) -> None:
        prefix = norm(path)
        for key in [k for k in self.files if k == prefix or k.startswith(prefix + "\\")]:
            del self.files[key]
        for key in [k for k in self.folders if k == prefix or k.startswith(prefix + "\\")]:
            del self.folders[key]

    def is_secure_folder(self, path: str) -> bool:
        p = norm(path)
        declared = [(norm(f), True) for f in self.secure_folders] + [
            (norm(f), False) for f in self.insecure_folders
        ]
        best = max(
            ((f, secure) for f, secure in declared if p == f or p.startswith(f + "\\")),
            key=lambda item: len(item[0]),
            default=None,
        )
        if best is not None:
            return best[1]
        return p.startswith("c:\\users\\") and p.count("\\") >= 2

    # -- secrets -----------------------------------------------------------------------------
    def _keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = [
            hashlib.sha256(self.machine_key + nonce + counter.to_bytes(4, "big")).digest()
            for counter in range((length + 31) // 32)
        ]
        return b"".join(blocks)[:length]

    def protect(self, data: bytes) -> bytes:
        """DPAPI-like: machine-bound, authenticated, not clear text (model, not real DPAPI)."""
        nonce = hashlib.sha256(self.machine_key + data).digest()[:12]
        body = _xor(data, self._keystream(nonce, len(data)))
        tag = hmac.new(self.machine_key, nonce + body, hashlib.sha256).digest()[:16]
        return b"DPAPI1" + nonce + tag + body

    def unprotect(self, blob: bytes) -> bytes:
        if not blob.startswith(b"DPAPI1"):
            raise ValueError("not a protected blob")
        nonce, tag, body = blob[6:18], blob[18:34], blob[34:]
        if not hmac.compare_digest(
            tag, hmac.new(self.machine_key, nonce + body, hashlib.sha256).digest()[:16]
        ):
            raise ValueError(
                "Key not valid for use in specified state (protected on another machine)"
            )
        return _xor(body, self._keystream(nonce, len(body)))

    # -- user rights and Group Policy ----------------------------------------------------------
    def has_logon_as_service(self, account: str) -> bool:
        return account.lower() in {a.lower() for a in self.logon_as_service}

    def grant_logon_as_service(self, account: str) -> None:
        """A local grant (setup, secpol.msc): in force until a GPO that defines the right is
        applied again."""
        if not self.has_logon_as_service(account):
            self.logon_as_service.add(account)

    def revoke_logon_as_service(self, account: str) -> None:
        self.logon_as_service = {a for a in self.logon_as_service if a.lower() != account.lower()}

    def refresh_group_policy(self, at: float) -> list[str]:
        """Apply the GPOs linked by `at`; return the accounts that lost "Log on as a service".

        When several linked GPOs define the right, the one linked last wins (link order
        precedence, simplified)."""
        linked = [g for g in self.group_policies if g.linked_at <= at]
        self.applied_policies = [g.name for g in linked]
        defining = [g for g in linked if g.logon_as_service is not None]
        if not defining:
            return []
        winner = max(defining, key=lambda g: g.linked_at)
        granted = {a.lower() for a in winner.logon_as_service or ()}
        lost = sorted(a for a in self.logon_as_service if a.lower() not in granted)
        self.logon_as_service = set(winner.logon_as_service or ())
        return lost

    # -- services ------------------------------------------------------------------------------
    def restart_service(self, name: str, time: str) -> tuple[bool, int | None, str]:
        """Stop and start a service (a restart after patching, or by an operator)."""
        svc = self.services.get(name)
        if svc is not None:
            svc.state = "Stopped"
        return self.start_service(name, time)

    def start_service(self, name: str, time: str) -> tuple[bool, int | None, str]:
        svc = self.services.get(name)
        if svc is None:
            return (
                False,
                1060,
                f"The specified service {name} does not exist as an installed service.",
            )
        if not self.has_logon_as_service(svc.account):
            msg_7041 = (
                f"The {svc.display_name} service was unable to log on as {svc.account} with the currently "
                "configured password due to the following error: Logon failure: the user has not been "
                "granted the requested logon type at this computer."
            )
            msg_7000 = f"The {svc.display_name} service failed to start due to the following error: The service did not start due to a logon failure."
            self.event_log.append(
                EventRecord("System", "Service Control Manager", 7041, msg_7041, time)
            )
            self.event_log.append(
                EventRecord("System", "Service Control Manager", 7000, msg_7000, time)
            )
            return False, 7000, msg_7000
        svc.state = "Running"
        return True, None, ""


def _xor(data: bytes, key: bytes) -> bytes:
    """`data` XOR `key` (equal lengths) as one big-integer operation, not a loop per byte: the
    connector reads its protected configuration at every job, thousands of times a month."""
    if len(data) != len(key):
        raise ValueError("the key stream must be as long as the data")
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(key, "big")
    return mixed.to_bytes(len(data), "big")
