"""Opening the shell on a world: which account, which server, and keeping the world alive.

Used by `exchange-twin shell` (on a world `simulator.run.lab` chooses) and by scenario steps
that run a shell line. The account's password is taken from the world's directory — a lab convenience: the session still checks that the
account can log on (enabled, not locked, password not expired), trusts, RBAC and throttling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.exchange.errors import ExchangeError
from simulator.exchange.invocation import Prompter
from simulator.exchange.session import open_session
from simulator.exchange.shell.interpreter import ExchangeShell

if TYPE_CHECKING:
    from simulator.world.world import World

DEFAULT_ADMIN = "CONTOSO\\Administrator"
DEFAULT_PASSWORD = "Pa$$w0rd-lab"


class LabError(Exception):
    """The shell cannot start on this world (no such account, no Client Access server...)."""


def choose_account(world: World, account: str | None) -> tuple[str, str]:
    """(DOMAIN\\user, password) of `account`, or of the scenario's first administrator."""
    accounts = world.spec.directory.accounts
    if account is None:
        admins = [a for a in accounts if a.role_groups or a.roles] or list(accounts)
        if not admins:
            raise LabError(
                "the scenario has no account to open the shell with; pass --as DOMAIN\\user"
            )
        return admins[0].name, admins[0].password
    user = world.directory.find(account)
    if user is None or user.password is None:
        known = ", ".join(a.name for a in accounts) or "none"
        raise LabError(
            f"no account {account!r} with a password in the scenario (accounts: {known})"
        )
    netbios = world.directory.netbios_of(user)
    return f"{netbios}\\{user.sam}", user.password


def open_shell(
    world: World,
    account: str | None = None,
    server: str | None = None,
    prompter: Prompter | None = None,
    live: bool = True,
) -> ExchangeShell:
    """An ExchangeShell on `world`. With `live`, the world's processes (the device fleet) run
    as simulated time passes — each cmdlet's cost, and Start-Sleep."""
    name, password = choose_account(world, account)
    if server is None:
        cas = [s for s in world.org.servers if s.is_client_access]
        if not cas:
            raise LabError("the organisation has no Client Access server")
        server = cas[0].fqdn
    clock = world.clock
    # the organisation whose server it is (a world may hold one per forest)
    org = world.organizations.of_server(world.network.resolve(server, clock.seconds) or server)
    if live:
        for process in world.processes():
            clock.env.process(process)
    try:
        session = open_session(
            org or world.org,
            world.directory,
            world.network,
            clock,
            server,
            name,
            password,
            is_up=world.exchange_server_up,
        )
    except ExchangeError as exc:
        raise LabError(f"New-PSSession : [{server}] {exc.message}") from None
    finally:
        if live:
            _run_clock(world)

    def after_command() -> None:
        if live:
            _run_clock(world)

    return ExchangeShell(session, prompter=prompter, after_command=after_command)


def _run_clock(world: World) -> None:
    """Let simulated time catch up with what the commands spent, running the world's processes."""
    clock = world.clock
    spent = clock.take_offset()
    if spent > 0:
        clock.env.run(until=clock.env.now + spent)
