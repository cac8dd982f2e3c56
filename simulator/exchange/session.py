"""Opening a remote PowerShell session on an Exchange server, and running cmdlets in it.

Opening checks, in the order a real client meets them: DNS resolution of the name; the name
being one server (a Client Access array name is refused — remote PowerShell needs a server);
the server being up; the server holding the Client Access role; the server having remote
PowerShell at all (Exchange 2007 has no /PowerShell virtual directory: IIS answers the WinRM
client with HTTP 404, before any authentication); the credentials (wrong
password, locked, disabled, expired, each with its own message — `Directory.authenticate`
gives the reason); the trust between the Exchange server's domain and the account's domain;
the account's runspace budget (`throttling`). The session's cmdlets and parameters are fixed
by RBAC when it opens: role changes apply to new sessions only.

Running a cmdlet: the session must still be open (not closed, not idle past the timeout, its
server up), the account's cmdlet budget must allow it, the caller's grants must include the
cmdlet (else "not recognized as the name of a cmdlet") and each parameter (else "A parameter
cannot be found"); then PowerShell binding, the cmdlet itself, and for every Set, New, Remove
or Clear that ran (not -WhatIf) an admin audit log entry, successful or not. Each call spends
its simulated cost on the clock.

Runspaces a client opens side by side (its parallel threads, e.g. the connector with
EnableParallelCommandSupport) each spend their opening and their cmdlets on a simulated-clock
lane of their own, so k runspaces working at once take about 1/k of the time one would;
throttling still admits them one at a time, so the account's PowerShellMaxConcurrency holds
and the opens beyond it are refused.

The recipient scope of a new session is the domain of its Exchange server (the classic
Exchange Management Shell default); `Set-ADServerSettings -ViewEntireForest $true` widens it
to the forest for this session only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.exchange import cmdlets as _cmdlets  # noqa: F401  (registers the cmdlets)
from simulator.exchange.binding import Bound, bind
from simulator.exchange.errors import (
    CommandNotFound,
    ExchangeError,
    RemoteConnectError,
    SessionBroken,
)
from simulator.exchange.invocation import Invocation, Prompter
from simulator.exchange.mailbox import Scoped
from simulator.exchange.model import Organization
from simulator.exchange.rbac import Grant
from simulator.exchange.registry import REGISTRY, lookup
from simulator.exchange.servers import ExchangeServer
from simulator.exchange.settings import AuditEntry
from simulator.world.accounts import DirectoryUser, LogonError
from simulator.world.directory import Directory

if TYPE_CHECKING:
    from simulator.world.clock import SimClock
    from simulator.world.network import Network

CMDLET_BASE_COST = 0.08  # seconds of simulated time per cmdlet round trip
CMDLET_PER_OBJECT_COST = 0.0004
# Objects that cost Exchange more to produce (model): a device partnership is an AD object
# plus its mailbox sync state, so listing thousands of them takes minutes, as it does on a
# real server ("this can take a while for a large organisation", SPEC R5.1) — and is what
# makes parallel runspaces pay off at about 5,000 devices (R5.6).
PER_OBJECT_COST = {
    "ActiveSyncDevice": 0.02,
    "MobileDevice": 0.02,
    "ActiveSyncDeviceStatistics": 0.05,
    "MobileDeviceStatistics": 0.05,
    "CASMailbox": 0.004,
    "Recipient": 0.002,
}
SESSION_OPEN_COST = 1.5

_LOGON_MESSAGES = {
    "unknown_user": "Access is denied.",
    "bad_password": "Access is denied.",
    "locked": "The referenced account is currently locked out and may not be logged on to.",
    "disabled": "This user can't sign in because this account is currently disabled.",
    "password_expired": "The user's password has expired and must be changed.",
}
NO_REMOTE_POWERSHELL = (
    "The WinRM client received an HTTP status code of 404 from the remote WS-Management service."
)
_UNREACHABLE = (
    "WinRM cannot complete the operation. Verify that the specified computer name is valid, that the "
    "computer is accessible over the network, and that a firewall exception for the WinRM service is "
    "enabled and allows access from this computer."
)


class RemoteSession:
    """One remote PowerShell runspace on a Client Access server, for one account."""

    def __init__(
        self,
        org: Organization,
        server: ExchangeServer,
        user: DirectoryUser,
        account: str,
        grants: dict[str, Grant],
        clock: SimClock,
        is_up: Callable[[str], bool] | None = None,
    ) -> None:
        self.org = org
        self.server = server
        self.user = user
        self.account = account
        self.grants = grants  # lower-case cmdlet name -> Grant
        self.clock = clock
        self.is_up = is_up
        self.view_entire_forest = False
        self.recipient_view_root: str | None = server.domain
        self.open = True
        self.last_used = clock.seconds
        self.messages: list[tuple[str, str]] = []
        self.common: dict[str, Any] = {}

    @property
    def warnings(self) -> list[str]:
        """Warnings written by the last cmdlet (the -ResultSize cap, deprecations, ...)."""
        return [text for kind, text in self.messages if kind == "warning"]

    # -- what the caller may see and run -----------------------------------------------------------
    @property
    def sees_everything(self) -> bool:
        """True when the read scope is the whole forest (no mailbox needs testing)."""
        return self.view_entire_forest or self.recipient_view_root is None

    def visible(self, mailbox: Scoped) -> bool:
        """Recipient read scope: the session's root unless ViewEntireForest (Set-ADServerSettings)."""
        root = self.recipient_view_root
        if self.view_entire_forest or root is None:
            return True
        return mailbox.domain == root or mailbox.identity.lower().startswith(root + "/")

    def available_cmdlets(self) -> list[str]:
        """Cmdlets the caller may run on this server's version (what Get-Command lists)."""
        version = self.server.version
        names = []
        for grant in self.grants.values():
            spec = lookup(grant.name)
            if spec is not None and spec.available(version):
                names.append(spec.name)
        return sorted(names, key=str.lower)

    def grant(self, cmdlet: str) -> Grant | None:
        grant = self.grants.get(cmdlet.lower())
        spec = REGISTRY.get(cmdlet.lower())
        if grant is None or spec is None or not spec.available(self.server.version):
            return None
        return grant

    def granted_parameters(self, cmdlet: str) -> frozenset[str] | None:
        grant = self.grant(cmdlet)
        return grant.parameters if grant else None

    def parameter_names(self, cmdlet: str) -> list[str]:
        """The parameters of `cmdlet` this caller may use here (for tab completion)."""
        grant = self.grant(cmdlet)
        spec = lookup(cmdlet)
        if grant is None or spec is None:
            return []
        return sorted(p.name for p in spec.visible_params(self.server.version, grant.parameters))

    # -- running a cmdlet -----------------------------------------------------------------------------
    def _check_alive(self) -> None:
        now = self.clock.seconds
        if not self.open:
            raise SessionBroken(
                "The session state is Broken, which is not valid for running commands. The session "
                "was closed."
            )
        timeout = self.org.throttling.policy_for(self.account).idle_timeout
        if now - self.last_used >= timeout:
            self.close()
            raise SessionBroken(
                f"Processing data from remote server {self.server.fqdn} failed with the following error "
                f"message: The session was closed after being idle for more than {int(timeout // 60)} "
                "minutes. For more information, see the about_Remote_Troubleshooting Help topic."
            )
        if self.is_up is not None and not self.is_up(self.server.name):
            self.close()
            raise SessionBroken(
                f"Processing data from remote server {self.server.fqdn} failed with the following error "
                "message: The WinRM client cannot complete the operation within the time specified. "
                "Check if the machine name is valid and is reachable over the network and firewall "
                "exception for Windows Remote Management service is enabled. For more information, see "
                "the about_Remote_Troubleshooting Help topic."
            )

    def invoke(
        self,
        name: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        positional: list[Any] | None = None,
        *,
        prompter: Prompter | None = None,
    ) -> list[dict[str, Any]]:
        """Run one cmdlet; return its output objects. Raises Exchange-shaped errors."""
        self.messages = []
        self.common = {}
        self._check_alive()
        clock = self.clock
        clock.spend(CMDLET_BASE_COST)
        now = clock.seconds
        self.last_used = now
        self.org.throttling.charge_cmdlet(self.account, now, self.server.name)
        grant = self.grant(name)
        spec = lookup(name)
        if grant is None or spec is None:
            raise CommandNotFound(name)
        bound = bind(spec, params or {}, grant.parameters, self.server.version, positional)
        self.common = bound.common
        ctx = Invocation(
            self.org,
            self,
            spec,
            grant,
            now,
            bound.parameter_set,
            bound.values,
            prompter=prompter,
        )
        try:
            result = spec.fn(ctx, **bound.values)
        except ExchangeError as exc:
            self.messages = ctx.messages
            self._audit(ctx, bound, succeeded=False, error=exc.message)
            raise
        self.messages = ctx.messages
        self._audit(ctx, bound, succeeded=True)
        out = list(result or [])
        clock.spend(PER_OBJECT_COST.get(spec.noun, CMDLET_PER_OBJECT_COST) * len(out))
        return out

    def _audit(self, ctx: Invocation, bound: Bound, succeeded: bool, error: str = "") -> None:
        if not ctx.spec.writes or ctx.whatif:
            return
        if succeeded and not ctx.modified:
            return  # declined at a confirmation prompt: nothing ran
        targets = ctx.modified or [
            str(bound.values.get("Identity") or bound.values.get("Name") or "")
        ]
        parameters = {
            k: v for k, v in bound.values.items() if k not in ("WhatIf", "Confirm", "Identity")
        }
        for target in targets:
            self.org.audit(
                AuditEntry(
                    time=ctx.now,
                    caller=f"{self.user.domain}/Users/{self.user.sam}",
                    cmdlet=ctx.spec.name,
                    parameters=parameters,
                    object_modified=target,
                    succeeded=succeeded,
                    error=error,
                    server=self.server.name,
                )
            )

    def close(self) -> None:
        self.open = False


def open_session(
    org: Organization,
    directory: Directory,
    network: Network,
    clock: SimClock,
    server_name: str,
    account: str,
    password: str,
    server_up: bool = True,
    *,
    is_up: Callable[[str], bool] | None = None,
) -> RemoteSession:
    """Open a remote PowerShell session on `server_name` as `account`.

    `is_up(server)` is asked now and before every cmdlet (the fault timeline); `server_up`
    is the older one-off answer. Raises RemoteConnectError, or ConcurrencyExceeded (Throttled)."""
    clock.spend(SESSION_OPEN_COST)
    target = network.resolve(server_name, clock.seconds)
    if target is None:
        raise RemoteConnectError(
            server_name,
            "The WinRM client cannot process the request because the server name cannot be resolved.",
            "dns",
        )
    server = org.server(target) or org.server(server_name)
    if server is None:
        if any(server_name.lower() == name or target == name for name in org.cas_arrays):
            raise RemoteConnectError(
                server_name,
                "The WS-Management service cannot process the request because the name is a Client Access "
                "server array; remote PowerShell needs the name of one server.",
                "not_cas",
            )
        raise RemoteConnectError(server_name, _UNREACHABLE, "unreachable")
    if not server_up or (is_up is not None and not is_up(server.name)):
        raise RemoteConnectError(server_name, _UNREACHABLE, "unreachable")
    if not server.is_client_access:
        raise RemoteConnectError(
            server_name,
            "The WS-Management service cannot process the request. The resource URI "
            "(http://schemas.microsoft.com/powershell/Microsoft.Exchange) was not found in the WS-Management catalog.",
            "not_cas",
        )
    if not server.version.has_remote_powershell:
        # Exchange 2007 has only a local shell: there is no /PowerShell virtual directory
        raise RemoteConnectError(server_name, NO_REMOTE_POWERSHELL, "no_remote_powershell")
    try:
        user = directory.authenticate(account, password)
    except LogonError as exc:
        raise RemoteConnectError(
            server_name, _LOGON_MESSAGES.get(exc.reason, "Access is denied."), f"auth:{exc.reason}"
        ) from None
    if not directory.trusts(server.domain, user.domain):
        raise RemoteConnectError(
            server_name,
            "The trust relationship between this workstation and the primary domain failed.",
            "trust",
        )
    key = f"{directory.netbios_of(user)}\\{user.sam}"
    org.throttling.admit_session(key, server_name, clock.seconds, server.name)
    home = directory.domain(user.domain)
    # an account of another organisation's forest is in that organisation's role groups
    groups = [] if home is not None and home.forest in org.other_forests else list(user.groups)
    grants = org.rbac.grants(key, groups)
    session = RemoteSession(org, server, user, key, grants, clock, is_up)
    org.throttling.register(key, session)
    return session
