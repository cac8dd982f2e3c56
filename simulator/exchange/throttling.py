"""Exchange throttling of remote PowerShell, per account (SPEC R5.6).

Two budgets from Exchange's throttling policy: `PowerShellMaxConcurrency` — open runspaces per
account (18 in the Exchange 2010 fallback and default policies, reference/connector-behaviour.md
S20) — and `PowerShellMaxCmdlets` per `PowerShellMaxCmdletsTimePeriod` (unlimited by default,
as in the default policy; scenarios set it to stage throttling). A runspace left idle longer
than the idle timeout (15 minutes, as Exchange's remote PowerShell) no longer counts: the
session is broken and its slot freed. Counting is O(1) amortised per cmdlet.

Deviations: budgets are counted per account across the organisation (Exchange keeps them per
server); `PowerShellMaxCmdletQueueDepth` and `PowerShellMaxRunspaces` per time period are not
modelled; the cmdlets of runspaces working side by side are counted against
`PowerShellMaxCmdlets` in the order they ran, not strictly by their simulated times.

A `throttling` fault of the scenario's timeline tightens the budget while it is active
(`tightened`, wired by the world): its `max_concurrency`, `max_cmdlets` and `period` replace the
policy's for the account and server it names.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import CmdletBudgetExceeded, ConcurrencyExceeded

if TYPE_CHECKING:
    from simulator.exchange.session import RemoteSession


@dataclass(frozen=True)
class ThrottlingPolicy:
    max_concurrency: int | None = 18
    max_cmdlets: int | None = None
    cmdlets_period: float = 60.0
    idle_timeout: float = 15 * 60.0


@dataclass
class _Budget:
    sessions: list[RemoteSession] = field(default_factory=list)
    recent: deque[float] = field(default_factory=deque)


class Throttling:
    """The budgets of every account, under one default policy and per-account overrides."""

    def __init__(self, policy: ThrottlingPolicy) -> None:
        self.policy = policy
        self.overrides: dict[str, ThrottlingPolicy] = {}
        self._budgets: dict[str, _Budget] = {}
        # (account, server, simulated seconds) -> the parameters of an active throttling fault
        self.tightened: Callable[[str, str, float], dict[str, Any] | None] | None = None

    def policy_for(
        self, account: str, server: str = "", at: float | None = None
    ) -> ThrottlingPolicy:
        """The account's policy, tightened by a throttling fault active at `at` (if any)."""
        policy = self.overrides.get(account.lower(), self.policy)
        if self.tightened is None or at is None:
            return policy
        fault = self.tightened(account, server, at)
        if not fault:
            return policy
        changes = {
            field_: fault[key]
            for key, field_ in (
                ("max_concurrency", "max_concurrency"),
                ("max_cmdlets", "max_cmdlets"),
                ("period", "cmdlets_period"),
            )
            if fault.get(key) is not None
        }
        return replace(policy, **changes)

    def _budget(self, account: str) -> _Budget:
        key = account.lower()
        budget = self._budgets.get(key)
        if budget is None:
            budget = self._budgets[key] = _Budget()
        return budget

    def open_sessions(self, account: str, now: float) -> list[RemoteSession]:
        """The account's runspaces that still count: open and not idle past the timeout."""
        budget = self._budget(account)
        timeout = self.policy_for(account).idle_timeout
        budget.sessions = [s for s in budget.sessions if s.open and now - s.last_used < timeout]
        return budget.sessions

    def admit_session(self, account: str, target: str, now: float, server: str = "") -> None:
        """Raise `ConcurrencyExceeded` when the account already has its maximum of runspaces
        (`target`: the name the client connects to; `server`: the Exchange server's name)."""
        limit = self.policy_for(account, server, now).max_concurrency
        if limit is None:
            return
        sessions = self.open_sessions(account, now)
        if len(sessions) >= limit:
            timeout = self.policy_for(account).idle_timeout
            retry = min(s.last_used + timeout for s in sessions) - now
            raise ConcurrencyExceeded(target, limit, max(retry, 1.0))

    def register(self, account: str, session: RemoteSession) -> None:
        self._budget(account).sessions.append(session)

    def charge_cmdlet(self, account: str, now: float, server: str = "") -> None:
        """Count one cmdlet; raise `CmdletBudgetExceeded` when the window's quota is spent."""
        policy = self.policy_for(account, server, now)
        if policy.max_cmdlets is None:
            return
        recent = self._budget(account).recent
        horizon = now - policy.cmdlets_period
        while recent and recent[0] <= horizon:
            recent.popleft()
        if len(recent) >= policy.max_cmdlets:
            raise CmdletBudgetExceeded(
                policy.max_cmdlets, policy.cmdlets_period, recent[0] + policy.cmdlets_period - now
            )
        recent.append(now)
