"""Opening a remote PowerShell session on an Exchange server, and running cmdlets in it.

Opening checks, in the order a real client meets them: DNS resolution of the name, the
server being up, the name being one server (a CAS array name is refused) holding the Client
Access role, the credentials (wrong password, locked, disabled, expired each with its own
message), and the trust between the Exchange domain and the account's domain. The session's
cmdlets and parameters are fixed by RBAC when it opens (role changes apply to new sessions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.directory import Directory, DirectoryUser, LogonError
from simulator.exchange import cmdlets as _cmdlets  # noqa: F401  (registers the cmdlets)
from simulator.exchange.errors import CommandNotFound, ExchangeError, RemoteConnectError
from simulator.exchange.model import ExchangeServer, Mailbox, Organization
from simulator.exchange.registry import bind, call, lookup

if TYPE_CHECKING:
    from simulator.clock import SimClock
    from simulator.network import Network

CMDLET_BASE_COST = 0.08  # seconds of simulated time per cmdlet round trip
CMDLET_PER_OBJECT_COST = 0.0004
SESSION_OPEN_COST = 1.5

_LOGON_MESSAGES = {
    "unknown_user": "Access is denied.",
    "bad_password": "Access is denied.",
    "locked": "The referenced account is currently locked out and may not be logged on to.",
    "disabled": "This user can't sign in because this account is currently disabled.",
    "password_expired": "The user's password has expired and must be changed.",
}


@dataclass
class Invocation:
    """What a cmdlet function sees of its caller and world."""

    org: Organization
    session: RemoteSession
    now: datetime
    warnings: list[str] = field(default_factory=list)
    parameter_set: str = "Identity"

    @property
    def major(self) -> int:
        return self.session.server.version.major

    def warn(self, text: str) -> None:
        self.warnings.append(text)


class RemoteSession:
    def __init__(
        self,
        org: Organization,
        server: ExchangeServer,
        user: DirectoryUser,
        account: str,
        grants: dict[str, frozenset[str]],
        clock: SimClock,
    ) -> None:
        self.org = org
        self.server = server
        self.user = user
        self.account = account
        self.grants = grants  # lower-case names in keys via _granted
        self._granted = {name.lower(): (name, params) for name, params in grants.items()}
        self.clock = clock
        self.view_entire_forest = False
        self.recipient_view_root: str | None = org.domain
        self.open = True
        self.warnings: list[str] = []

    # -- what the caller may see -------------------------------------------------------------
    def visible(self, mailbox: Mailbox) -> bool:
        """Recipient read scope: the session's domain unless ViewEntireForest (Set-ADServerSettings)."""
        if self.view_entire_forest or self.recipient_view_root is None:
            return True
        root = self.recipient_view_root.lower()
        return mailbox.domain == root or mailbox.identity.lower().startswith(root + "/")

    def available_cmdlets(self) -> list[str]:
        """Cmdlets the caller may run on this server's version (what Get-Command lists)."""
        out = []
        for name, _params in self.grants.items():
            spec = lookup(name)
            if spec is None or spec.available_on(self.server.version.major):
                out.append(spec.name if spec else name)
        return sorted(out)

    def granted_parameters(self, cmdlet: str) -> frozenset[str] | None:
        entry = self._granted.get(cmdlet.lower())
        return entry[1] if entry else None

    # -- running a cmdlet ----------------------------------------------------------------------
    def invoke(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.open:
            raise ExchangeError(
                "The session state is Broken, which is not valid for running commands."
            )
        self.clock.spend(CMDLET_BASE_COST)
        self.warnings = []
        granted = self.granted_parameters(name)
        spec = lookup(name)
        if granted is None or spec is None or not spec.available_on(self.server.version.major):
            raise CommandNotFound(name)
        parameter_set, bound = bind(spec, params, granted, self.server.version.major)
        ctx = Invocation(self.org, self, self.clock.now(), parameter_set=parameter_set)
        result = call(spec, ctx, bound)
        self.warnings = ctx.warnings
        self.clock.spend(CMDLET_PER_OBJECT_COST * len(result))
        return result

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
) -> RemoteSession:
    """Open a remote PowerShell session on `server_name` as `account` (raises RemoteConnectError)."""
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
        raise RemoteConnectError(
            server_name,
            "WinRM cannot complete the operation. Verify that the specified computer name is valid, that the "
            "computer is accessible over the network, and that a firewall exception for the WinRM service is "
            "enabled and allows access from this computer.",
            "unreachable",
        )
    if not server_up:
        raise RemoteConnectError(
            server_name,
            "WinRM cannot complete the operation. Verify that the specified computer name is valid, that the "
            "computer is accessible over the network, and that a firewall exception for the WinRM service is "
            "enabled and allows access from this computer.",
            "unreachable",
        )
    if not server.is_client_access:
        raise RemoteConnectError(
            server_name,
            "The WS-Management service cannot process the request. The resource URI "
            "(http://schemas.microsoft.com/powershell/Microsoft.Exchange) was not found in the WS-Management catalog.",
            "not_cas",
        )
    try:
        user = directory.authenticate(account, password)
    except LogonError as exc:
        raise RemoteConnectError(
            server_name, _LOGON_MESSAGES[exc.reason], f"auth:{exc.reason}"
        ) from None
    if not directory.trusts(server.domain, user.domain):
        raise RemoteConnectError(
            server_name,
            "The trust relationship between this workstation and the primary domain failed.",
            "trust",
        )
    key = f"{directory.netbios_of(user)}\\{user.sam}"
    grants = org.rbac.grants(key, user.groups)
    return RemoteSession(org, server, user, key, grants, clock)
