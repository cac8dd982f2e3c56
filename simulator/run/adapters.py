"""Adapters that fit the world to the connector's ports (DESIGN "Dependency direction").

* `SimPlatform` — the `Platform` port over a simulated Windows host.
* `SimRemoteShell` / `SimTransport` — the Exchange port over the Exchange twin's remote
  sessions, mapping Exchange-shaped errors to the port's typed errors.
* `HttpMount` (`http_mount.py`) — the `responses` mount: every HTTP request the connector
  makes is decided by the network model, then served by the fake Intune API.

Every port call is traced and spends its simulated cost on the clock.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests

from connector import exchange as port
from connector.config import ConfigurationRequest, ProxySettings
from connector.platform import DotNetInstall, HostFacts, ServiceStartResult
from simulator.exchange import errors as ex
from simulator.exchange.session import RemoteSession, open_session
from simulator.language.steps.base import WizardRequest
from simulator.run.http_mount import SourceTaggingAdapter
from simulator.world.host import SimHost

if TYPE_CHECKING:
    from simulator.world.world import World


def configuration_request(request: WizardRequest) -> ConfigurationRequest:
    """What an administrator typed into the connector's configuration wizard, as the
    connector's own request (the scenario steps speak plain values, never connector types)."""
    return ConfigurationRequest(
        server_type=request.server_type,
        server=request.server,
        service_account=port.Credential(*request.account),
        notification_account=port.Credential(*request.notification)
        if request.notification
        else None,
        proxy=ProxySettings(*request.proxy) if request.proxy else None,
        replace=request.replace,
        administrator=port.Credential(*request.administrator) if request.administrator else None,
    )


_ERROR_MAP: list[tuple[type[ex.ExchangeError], type[port.ExchangeError]]] = [
    (ex.CommandNotFound, port.CommandNotFound),
    (ex.ParameterNotFound, port.ParameterNotFound),
    (ex.ParameterBindingError, port.InvalidArgument),
    (ex.InvalidArgument, port.InvalidArgument),
    (ex.FilterError, port.InvalidArgument),
    (ex.DataValidationError, port.InvalidArgument),
    (ex.ObjectNotFound, port.ObjectNotFound),
    (ex.RecipientNotFound, port.ObjectNotFound),
    (ex.DomainNotFound, port.ObjectNotFound),
    (ex.AmbiguousIdentity, port.AmbiguousIdentity),
    (ex.RecipientNotUnique, port.AmbiguousIdentity),
    (ex.ObjectAlreadyExists, port.ObjectAlreadyExists),
    (ex.WriteScopeError, port.AccessDenied),
    (ex.SessionBroken, port.ServerUnavailable),
]


def to_port_error(exc: ex.ExchangeError) -> port.ExchangeError:
    if isinstance(exc, ex.Throttled):
        return port.Throttled(
            exc.message,
            exc.error_id,
            exc.category,
            retry_after=exc.retry_after,
            limit=getattr(exc, "limit", None),
        )
    if isinstance(exc, ex.RemoteConnectError):
        if exc.kind.startswith("auth:"):
            return port.AuthenticationFailed(
                exc.message, exc.error_id, exc.category, reason=exc.kind[5:]
            )
        if exc.kind == "trust":
            return port.AuthenticationFailed(
                exc.message, exc.error_id, exc.category, reason="no_trust"
            )
        if exc.kind == "no_remote_powershell":
            return port.RemotePowerShellMissing(exc.message, exc.error_id, exc.category)
        if exc.kind == "not_cas":
            return port.SessionRefused(exc.message, exc.error_id, exc.category)
        return port.ServerUnavailable(exc.message, exc.error_id, exc.category)
    for world_type, port_type in _ERROR_MAP:
        if isinstance(exc, world_type):
            return port_type(exc.message, exc.error_id, exc.category)
    return port.ExchangeError(exc.message, exc.error_id, exc.category)


class SimPlatform:
    """The `Platform` port over a `SimHost`."""

    def __init__(self, world: World, host: SimHost) -> None:
        self.world = world
        self.host = host
        self._rng = random.Random(f"{world.seed}:platform:{host.name}")

    def facts(self) -> HostFacts:
        h = self.host
        return HostFacts(
            name=h.name,
            os_name=h.os_name,
            os_version=h.os_version,
            service_pack=h.service_pack,
            architecture=h.architecture,
            server_core=h.server_core,
            cpu_ghz=h.cpu_ghz,
            ram_gb=h.ram_gb,
            free_disk_gb=h.free_disk_gb,
            dotnet=tuple(DotNetInstall(v, p) for v, p in h.dotnet),
            powershell_version=h.powershell_version,
            domain=h.domain,
        )

    def now(self) -> datetime:
        return self.world.clock.now()

    def new_guid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def sleep(self, seconds: float) -> None:
        """A blocking wait inside a job: simulated time passes for this job only (the rest of
        the world does not run meanwhile; faults and budgets are read at the later time)."""
        self.world.trace.emit("host.sleep", host=self.host.name, seconds=round(seconds, 3))
        self.world.clock.spend(seconds)

    # file system
    def read_file(self, path: str) -> bytes:
        return self.host.read_file(path)

    def write_file(self, path: str, data: bytes) -> None:
        self.host.write_file(path, data)

    def append_file(self, path: str, data: bytes) -> None:
        self.host.append_file(path, data)

    def exists(self, path: str) -> bool:
        return self.host.exists(path)

    def is_dir(self, path: str) -> bool:
        return self.host.is_dir(path)

    def list_files(self, folder: str) -> list[str]:
        return self.host.list_files(folder)

    def file_size(self, path: str) -> int:
        return len(self.host.read_file(path))

    def delete_file(self, path: str) -> None:
        self.host.delete_file(path)

    def rename_file(self, src: str, dst: str) -> None:
        self.host.rename_file(src, dst)

    def make_dirs(self, path: str) -> None:
        self.host.make_dirs(path)

    def remove_tree(self, path: str) -> None:
        self.host.remove_tree(path)

    def is_secure_folder(self, path: str) -> bool:
        return self.host.is_secure_folder(path)

    # secrets
    def protect(self, data: bytes) -> bytes:
        return self.host.protect(data)

    def unprotect(self, data: bytes) -> bytes:
        return self.host.unprotect(data)

    # services and accounts
    def create_local_account(self, name: str) -> None:
        self.host.local_accounts.add(name)

    def delete_local_account(self, name: str) -> None:
        self.host.local_accounts.discard(name)
        self.host.revoke_logon_as_service(f".\\{name}")

    def has_logon_as_service_right(self, account: str) -> bool:
        return self.host.has_logon_as_service(account)

    def grant_logon_as_service_right(self, account: str) -> None:
        self.host.grant_logon_as_service(account)

    def install_service(self, name: str, display_name: str, account: str, binary: str) -> None:
        from simulator.world.host import ServiceRecord

        self.host.services[name] = ServiceRecord(name, display_name, account, binary)
        self.world.trace.emit("service.installed", host=self.host.name, service=name)

    def uninstall_service(self, name: str) -> None:
        self.host.services.pop(name, None)
        self.world.trace.emit("service.uninstalled", host=self.host.name, service=name)

    def start_service(self, name: str) -> ServiceStartResult:
        started, event_id, message = self.host.start_service(name, self.world.clock.iso())
        self.world.trace.emit(
            "service.start", host=self.host.name, service=name, started=started, event_id=event_id
        )
        return ServiceStartResult(started, event_id, message)

    def stop_service(self, name: str) -> None:
        svc = self.host.services.get(name)
        if svc is not None:
            svc.state = "Stopped"
            self.world.trace.emit("service.stop", host=self.host.name, service=name)

    def service_state(self, name: str) -> str | None:
        svc = self.host.services.get(name)
        return svc.state if svc else None

    # network
    def http_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        adapter = SourceTaggingAdapter(self.host.name)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session


class SimTransport:
    """The `ExchangeTransport` port over one remote session of the Exchange twin."""

    def __init__(self, world: World, session: RemoteSession, source: str) -> None:
        self.world = world
        self.session = session
        self.source = source
        self.server = session.server.fqdn
        self.warnings: list[str] = []
        # the clock lane its cmdlets spend their time on: its own, or the one it was opened on
        self.lane: object = self

    def invoke(self, cmdlet: str, **params: Any) -> list[dict[str, Any]]:
        trace = self.world.trace
        if not self.world.exchange_server_up(self.session.server.name):
            self.session.close()
            error = port.ServerUnavailable(
                f"Processing data from remote server {self.server} failed with the following error message: "
                "The WinRM client cannot complete the operation within the time specified.",
                "JobFailure",
                "OpenError",
            )
            self._trace_failure(cmdlet, params, type(error).__name__, error.message)
            raise error
        try:
            with self.world.clock.lane(self.lane):
                # the round trip to the server: LAN time plus any `latency` fault on it (C26)
                self.world.clock.spend(
                    self.world.network.latency(self.server, self.world.clock.seconds)
                )
                result = self.session.invoke(cmdlet, params)
        except ex.ExchangeError as exc:
            self._trace_failure(cmdlet, params, exc.error_id, exc.message)
            raise to_port_error(exc) from None
        self.warnings = list(self.session.warnings)
        trace.emit(
            "cmdlet",
            host=self.source,
            server=self.server,
            cmdlet=cmdlet,
            params=params,
            objects=len(result),
            warnings=len(self.warnings),
        )
        return result

    def _trace_failure(self, cmdlet: str, params: dict[str, Any], error: str, message: str) -> None:
        self.world.trace.emit(
            "cmdlet",
            host=self.source,
            server=self.server,
            cmdlet=cmdlet,
            params=params,
            error=error,
            message=message,
        )

    def close(self) -> None:
        self.session.close()


class SimRemoteShell:
    """The `RemoteShell` port: opens sessions from one host into the Exchange twin."""

    def __init__(self, world: World, host: SimHost) -> None:
        self.world = world
        self.host = host

    def open(
        self, server: str, credential: port.Credential, proxy: str | None = None
    ) -> SimTransport:
        world = self.world
        world.trace.add_secret(credential.password)
        # the organisation whose server the name resolves to (one per forest)
        found = world.organizations.server(
            world.network.resolve(server, world.clock.seconds) or server
        )
        org, target = found if found is not None else (world.org, None)
        up = target is None or world.exchange_server_up(target.name)
        try:
            if (
                proxy is None
                and target is not None
                and self.host.domain
                and not world.directory.trusts(target.domain, self.host.domain)
            ):
                # SPEC R1.7: the connector's computer must be in a domain the Exchange domain trusts
                raise ex.RemoteConnectError(
                    server,
                    "The trust relationship between this workstation and the primary domain failed.",
                    "trust",
                )
            path = world.network.decide_winrm(self.host.name, server, world.clock.seconds, proxy)
            if not path.ok:  # the host's WinHTTP proxy or firewall is in the way (C01)
                world.clock.spend(path.seconds)
                raise ex.RemoteConnectError(server, path.detail, "unreachable")
            session = open_session(
                org,
                world.directory,
                world.network,
                world.clock,
                server,
                credential.user,
                credential.password,
                server_up=up,
                is_up=world.exchange_server_up,
            )
        except ex.ExchangeError as exc:
            world.trace.emit(
                "exchange.session",
                host=self.host.name,
                server=server,
                account=credential.user,
                error=exc.error_id,
                message=exc.message,
            )
            raise to_port_error(exc) from None
        world.trace.emit(
            "exchange.session",
            host=self.host.name,
            server=session.server.fqdn,
            account=credential.user,
            opened=True,
        )
        return SimTransport(world, session, self.host.name)

    def open_concurrently(
        self, server: str, credential: port.Credential, count: int, proxy: str | None = None
    ) -> list[SimTransport | port.ExchangeError]:
        """Open `count` sessions side by side: each opening spends its time on a lane of its
        own, which the session then keeps for its cmdlets (SimClock lanes). Throttling still
        admits them one at a time, so the account's runspace budget holds."""
        out: list[SimTransport | port.ExchangeError] = []
        for index in range(count):
            lane = ("runspace", self.host.name, index, len(self.world.trace.events))
            with self.world.clock.lane(lane):
                try:
                    transport = self.open(server, credential, proxy)
                except port.ExchangeError as exc:
                    out.append(exc)
                    continue
            transport.lane = lane
            out.append(transport)
        return out
