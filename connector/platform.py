"""The host port: what the connector may know and do on the Windows machine it runs on.

Facts (OS, edition, hardware, .NET, PowerShell, domain), the file system (with atomic
writes and folder security), secret protection (DPAPI on a real host), Windows services and
user rights, the host's HTTP stack, fresh identifiers, and the time. A simulated host and a
real Windows host both fit this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import requests


@dataclass(frozen=True)
class DotNetInstall:
    version: str  # "4.0", "4.5", "4.6.2", ...
    profile: str = "Full"  # "Full" or "Client"


@dataclass(frozen=True)
class HostFacts:
    """What setup reads off the host (registry, WMI) before it installs."""

    name: str
    os_name: str  # "Windows Server 2012 R2", "Windows Server 2008", ...
    os_version: str  # kernel version, "6.3", "6.0", ...
    service_pack: int = 0
    architecture: str = "x64"  # "x64" or "x86"
    server_core: bool = False
    cpu_ghz: float = 2.4
    ram_gb: float = 8.0
    free_disk_gb: float = 100.0
    dotnet: tuple[DotNetInstall, ...] = field(default_factory=tuple)
    powershell_version: str = "4.0"
    domain: str | None = None  # DNS name of the joined domain, None for a workgroup


@dataclass(frozen=True)
class ServiceStartResult:
    started: bool
    event_id: int | None = None  # Service Control Manager event on failure (7000, 7041)
    message: str = ""


class Platform(Protocol):
    """The Windows host the connector is installed on."""

    def facts(self) -> HostFacts: ...

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def new_guid(self) -> str:
        """A fresh GUID string (a real host uses the OS generator)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling job for `seconds` (waiting out Exchange throttling, back-off)."""
        ...

    # -- file system -------------------------------------------------------------------
    def read_file(self, path: str) -> bytes: ...

    def write_file(self, path: str, data: bytes) -> None:
        """Write atomically: readers see the old content or the new one, never a mix."""
        ...

    def append_file(self, path: str, data: bytes) -> None: ...

    def exists(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...

    def list_files(self, folder: str) -> list[str]:
        """Paths of every file under `folder`, recursively, relative to it ('\\' separated)."""
        ...

    def file_size(self, path: str) -> int: ...

    def delete_file(self, path: str) -> None: ...

    def rename_file(self, src: str, dst: str) -> None: ...

    def make_dirs(self, path: str) -> None: ...

    def remove_tree(self, path: str) -> None: ...

    def is_secure_folder(self, path: str) -> bool:
        """True when only administrators may read the folder."""
        ...

    # -- secrets -----------------------------------------------------------------------
    def protect(self, data: bytes) -> bytes:
        """Encrypt for this machine (DPAPI, LocalMachine scope)."""
        ...

    def unprotect(self, data: bytes) -> bytes: ...

    # -- services and accounts ---------------------------------------------------------
    def create_local_account(self, name: str) -> None: ...

    def delete_local_account(self, name: str) -> None: ...

    def has_logon_as_service_right(self, account: str) -> bool: ...

    def grant_logon_as_service_right(self, account: str) -> None: ...

    def install_service(self, name: str, display_name: str, account: str, binary: str) -> None: ...

    def uninstall_service(self, name: str) -> None: ...

    def start_service(self, name: str) -> ServiceStartResult: ...

    def stop_service(self, name: str) -> None: ...

    def service_state(self, name: str) -> str | None:
        """'Running', 'Stopped', or None when no such service is installed."""
        ...

    # -- network -----------------------------------------------------------------------
    def http_session(self) -> requests.Session:
        """A requests session on this host's network stack (no environment proxies)."""
        ...
