"""Simulated Windows Server hosts: facts, a file system with folder security, services,
local accounts, user rights and a machine key for DPAPI-like secret protection.

Paths are Windows paths, compared case-insensitively. A folder is *secure* when only
administrators may read it: folders under `C:\\Users\\<profile>` are secure by default, other
folders are readable by the Users group unless the scenario says otherwise (SPEC R2.4).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field


def norm(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").lower()


def parent(path: str) -> str:
    return path.rsplit("\\", 1)[0] if "\\" in path else ""


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
        out, counter = b"", 0
        while len(out) < length:
            out += hashlib.sha256(self.machine_key + nonce + counter.to_bytes(4, "big")).digest()
            counter += 1
        return out[:length]

    def protect(self, data: bytes) -> bytes:
        """DPAPI-like: machine-bound, authenticated, not clear text (model, not real DPAPI)."""
        nonce = hashlib.sha256(self.machine_key + data).digest()[:12]
        body = bytes(a ^ b for a, b in zip(data, self._keystream(nonce, len(data)), strict=True))
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
        return bytes(a ^ b for a, b in zip(body, self._keystream(nonce, len(body)), strict=True))

    # -- services ------------------------------------------------------------------------------
    def start_service(self, name: str, time: str) -> tuple[bool, int | None, str]:
        svc = self.services.get(name)
        if svc is None:
            return (
                False,
                1060,
                f"The specified service {name} does not exist as an installed service.",
            )
        if svc.account.lower() not in {a.lower() for a in self.logon_as_service}:
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
