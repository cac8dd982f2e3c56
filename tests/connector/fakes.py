"""Test doubles for the connector's ports, for unit tests of connector logic in isolation
(the integration tests run the connector against the full twin instead)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from connector.exchange import Credential, ExchangeError, ServerUnavailable
from connector.platform import HostFacts, ServiceStartResult


class FakePlatform:
    """An in-memory host with a hand-driven clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.time = now or datetime(2016, 5, 2, 8, 0, tzinfo=UTC)
        self.files: dict[str, bytes] = {}
        self.services: dict[str, str] = {}
        self.rights: set[str] = set()
        self.slept: list[float] = []
        self._guid = 0

    def facts(self) -> HostFacts:
        return HostFacts(
            name="CONN01",
            os_name="Windows Server 2012 R2",
            os_version="6.3",
            domain="contoso.local",
        )

    def now(self) -> datetime:
        return self.time

    def advance(self, **kw: float) -> None:
        self.time += timedelta(**kw)

    def new_guid(self) -> str:
        self._guid += 1
        return f"00000000-0000-4000-8000-{self._guid:012d}"

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += timedelta(seconds=seconds)

    @staticmethod
    def _k(path: str) -> str:
        return path.lower()

    def read_file(self, path: str) -> bytes:
        return self.files[self._k(path)]

    def write_file(self, path: str, data: bytes) -> None:
        self.files[self._k(path)] = data

    def append_file(self, path: str, data: bytes) -> None:
        self.files[self._k(path)] = self.files.get(self._k(path), b"") + data

    def exists(self, path: str) -> bool:
        return self._k(path) in self.files or self.is_dir(path)

    def is_dir(self, path: str) -> bool:
        prefix = self._k(path).rstrip("\\") + "\\"
        return any(k.startswith(prefix) for k in self.files)

    def list_files(self, folder: str) -> list[str]:
        prefix = self._k(folder).rstrip("\\") + "\\"
        return sorted(k[len(prefix) :] for k in self.files if k.startswith(prefix))

    def file_size(self, path: str) -> int:
        return len(self.files[self._k(path)])

    def delete_file(self, path: str) -> None:
        del self.files[self._k(path)]

    def rename_file(self, src: str, dst: str) -> None:
        self.files[self._k(dst)] = self.files.pop(self._k(src))

    def make_dirs(self, path: str) -> None:
        pass

    def remove_tree(self, path: str) -> None:
        prefix = self._k(path).rstrip("\\") + "\\"
        for k in [k for k in self.files if k.startswith(prefix)]:
            del self.files[k]

    def is_secure_folder(self, path: str) -> bool:
        return True

    def protect(self, data: bytes) -> bytes:
        return b"P:" + data[::-1]

    def unprotect(self, data: bytes) -> bytes:
        return data[2:][::-1]

    def create_local_account(self, name: str) -> None:
        pass

    def delete_local_account(self, name: str) -> None:
        pass

    def has_logon_as_service_right(self, account: str) -> bool:
        return account in self.rights

    def grant_logon_as_service_right(self, account: str) -> None:
        self.rights.add(account)

    def install_service(self, name: str, display_name: str, account: str, binary: str) -> None:
        self.services[name] = "Stopped"

    def uninstall_service(self, name: str) -> None:
        self.services.pop(name, None)

    def start_service(self, name: str) -> ServiceStartResult:
        self.services[name] = "Running"
        return ServiceStartResult(True)

    def stop_service(self, name: str) -> None:
        self.services[name] = "Stopped"

    def service_state(self, name: str) -> str | None:
        return self.services.get(name)

    def http_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        return session


Handler = Callable[..., list[dict[str, Any]]]


class FakeTransport:
    """A scriptable session: `handlers` answer cmdlets; every call is recorded."""

    def __init__(self, server: str, shell: FakeShell) -> None:
        self.server = server
        self.shell = shell
        self.warnings: list[str] = []
        self.open = True

    def invoke(self, cmdlet: str, **params: Any) -> list[dict[str, Any]]:
        self.shell.calls.append((self.server, cmdlet, params))
        if self.shell.fail_next:
            raise self.shell.fail_next.pop(0)
        handler = self.shell.handlers.get(cmdlet.lower())
        return handler(**params) if handler else []

    def close(self) -> None:
        self.open = False


class FakeShell:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.down: set[str] = set()
        self.opened: list[str] = []
        self.fail_next: list[Exception] = []
        self.open_errors: list[Exception] = []

    def on(self, cmdlet: str, handler: Handler) -> None:
        self.handlers[cmdlet.lower()] = handler

    def open(self, server: str, credential: Credential, proxy: str | None = None) -> FakeTransport:
        if self.open_errors:
            raise self.open_errors.pop(0)
        if server.lower() in self.down:
            raise ServerUnavailable(f"WinRM cannot complete the operation on {server}")
        self.opened.append(server)
        return FakeTransport(server, self)

    def open_concurrently(
        self, server: str, credential: Credential, count: int, proxy: str | None = None
    ) -> list[Any]:
        out: list[Any] = []
        for _ in range(count):
            try:
                out.append(self.open(server, credential, proxy))
            except ExchangeError as exc:
                out.append(exc)
        return out

    def cmdlets(self) -> list[str]:
        return [c for _, c, _ in self.calls]
