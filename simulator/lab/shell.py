"""The page's shell beside its lines: who it runs as and tab completion, read from the world
without opening a session (opening one spends simulated time and a throttling slot, which a
keystroke must not). Running a line is a `do: exchange` step (simulator/lab/student.py)."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.exchange.session import RemoteSession
from simulator.exchange.shell.interpreter import completions as shell_completions
from simulator.exchange.shell.lab import LabError, choose_account
from simulator.lab.session import LabSession


@dataclass
class _Completing:
    """What `completions` reads of a shell: its session's grants, nothing else."""

    session: RemoteSession


def shell_identity(session: LabSession) -> tuple[str | None, str | None]:
    """(DOMAIN\\user, server fqdn) the page's shell lines run as — the `exchange` step's
    defaults: the scenario's first Exchange administrator, the first Client Access server."""
    world = session.world
    try:
        account, _ = choose_account(world, None)
    except LabError:
        account = None
    cas = [s for s in world.org.servers if s.is_client_access]
    return account, cas[0].fqdn if cas else None


def completions(session: LabSession, line: str) -> list[str]:
    """The shell's own tab completion for `line`, as the account's grants allow."""
    world = session.world
    account, fqdn = shell_identity(session)
    if account is None or fqdn is None:
        return []
    user = world.directory.find(account)
    server = world.org.server(fqdn)
    if user is None or server is None:
        return []
    key = f"{world.directory.netbios_of(user)}\\{user.sam}"
    grants = world.org.rbac.grants(key, list(user.groups))
    remote = RemoteSession(world.org, server, user, key, grants, world.clock)
    return shell_completions(_Completing(remote), line)  # type: ignore[arg-type]
