"""The Exchange port: remote PowerShell sessions, as the connector sees them.

A `RemoteShell` opens an `ExchangeTransport` (one remote PowerShell runspace on a Client
Access server) for a credential; `invoke` runs one cmdlet and returns its output objects as
property dictionaries. Failures are raised as the typed errors below, which carry Exchange's
own FullyQualifiedErrorId and message so that the connector can log what a real administrator
would see. A real implementation (WinRM/PSRP against a real Exchange) fits the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Credential:
    """A `DOMAIN\\user` + password pair. The password never appears in `repr`."""

    user: str
    password: str = field(repr=False)

    @property
    def domain(self) -> str:
        return self.user.split("\\", 1)[0] if "\\" in self.user else ""

    @property
    def name(self) -> str:
        return self.user.split("\\", 1)[1] if "\\" in self.user else self.user


class ExchangeError(Exception):
    """An error returned by Exchange, with its FullyQualifiedErrorId and message."""

    def __init__(self, message: str, error_id: str = "", category: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.category = category

    def __str__(self) -> str:
        return self.message


class CommandNotFound(ExchangeError):
    """The session does not offer the cmdlet (RBAC grants no role that contains it)."""


class ParameterNotFound(ExchangeError):
    """The cmdlet exists but the parameter is not granted (or does not exist)."""


class InvalidArgument(ExchangeError):
    """A parameter value failed validation (range, enum, format, parameter set)."""


class ObjectNotFound(ExchangeError):
    """The identity resolves to nothing the caller can see."""


class AmbiguousIdentity(ExchangeError):
    """The identity matches several objects."""


class ObjectAlreadyExists(ExchangeError):
    """A New-* cmdlet would create an object whose name is taken."""


class AccessDenied(ExchangeError):
    """The object is outside the caller's write scope, or the operation is not permitted."""


class Throttled(ExchangeError):
    """The account's throttling budget is spent; `retry_after` seconds until it recovers.
    `limit`: the number of concurrent runspaces the account may hold, when the refusal was
    for a runspace (Exchange names it: "allowed a maximum number of N concurrent shells")."""

    def __init__(
        self,
        message: str,
        error_id: str = "",
        category: str = "",
        retry_after: float = 60.0,
        limit: int | None = None,
    ) -> None:
        super().__init__(message, error_id, category)
        self.retry_after = retry_after
        self.limit = limit


class ServerUnavailable(ExchangeError):
    """The server cannot be reached (down, DNS, network), or the session broke."""


class AuthenticationFailed(ExchangeError):
    """The credential was refused; `reason` is one of bad_password, locked, disabled,
    password_expired, unknown_user, no_trust."""

    def __init__(
        self, message: str, error_id: str = "", category: str = "", reason: str = "bad_password"
    ) -> None:
        super().__init__(message, error_id, category)
        self.reason = reason


class SessionRefused(ExchangeError):
    """The target refuses remote PowerShell (not a Client Access server, a CAS array name)."""


class RemotePowerShellMissing(SessionRefused):
    """The server has no remote PowerShell endpoint (Exchange 2007: the WinRM client gets
    HTTP 404 for /PowerShell) — the server is older than Exchange 2010."""


class ExchangeTransport(Protocol):
    """One open remote PowerShell session on a Client Access server."""

    server: str
    """The FQDN of the server the session is open on."""

    warnings: list[str]
    """Warnings written by the last `invoke` (e.g. the -ResultSize cap, deprecations)."""

    def invoke(self, cmdlet: str, **params: Any) -> list[dict[str, Any]]:
        """Run one cmdlet with named parameters; return its output objects."""
        ...

    def close(self) -> None:
        """Close the runspace (returns its slot to the account's throttling budget)."""
        ...


class RemoteShell(Protocol):
    """Opens remote PowerShell sessions to Exchange from the connector's host."""

    def open(
        self, server: str, credential: Credential, proxy: str | None = None
    ) -> ExchangeTransport:
        """Open a session on `server` (name, FQDN or, for hosted Exchange, its external
        address) as `credential`; `proxy` (a proxy URL) only for hosted Exchange, reached over
        the Internet — an on-premises server is always reached directly (SPEC R4.7)."""
        ...

    def open_concurrently(
        self, server: str, credential: Credential, count: int, proxy: str | None = None
    ) -> list[ExchangeTransport | ExchangeError]:
        """Open `count` sessions on `server` side by side (a real host opens them on parallel
        threads; each then runs its cmdlets alongside the others). One entry per attempt: the
        session, or the error that refused it (throttling's runspace budget, the server)."""
        ...
