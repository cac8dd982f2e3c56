"""Exchange throttling of remote PowerShell, per account (SPEC R5.6).

Two budgets from Exchange's throttling policy: `PowerShellMaxConcurrency` — open runspaces per
account (18 in the Exchange 2010 fallback and default policies, reference/connector-behaviour.md
S20) — and `PowerShellMaxCmdlets` per `PowerShellMaxCmdletsTimePeriod` (unlimited by default,
as in the default policy; scenarios set it to stage throttling). A runspace left idle longer
than the idle timeout (15 minutes, as Exchange's remote PowerShell) no longer counts: the
session is broken and its slot freed. Counting is O(1) amortised per cmdlet.

Deviations: budgets are counted per account across the organisation (Exchange keeps them per
server); `PowerShellMaxCmdletQueueDepth` and `PowerShellMaxRunspaces` per time period are not
modelled.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

    def policy_for(self, account: str) -> ThrottlingPolicy:
        return self.overrides.get(account.lower(), self.policy)

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

    def admit_session(self, account: str, server: str, now: float) -> None:
        """Raise `ConcurrencyExceeded` when the account already has its maximum of runspaces."""
        limit = self.policy_for(account).max_concurrency
        if limit is None:
            return
        sessions = self.open_sessions(account, now)
        if len(sessions) >= limit:
            timeout = self.policy_for(account).idle_timeout
            retry = min(s.last_used + timeout for s in sessions) - now
            raise ConcurrencyExceeded(server, limit, max(retry, 1.0))

    def register(self, account: str, session: RemoteSession) -> None:
        self._budget(account).sessions.append(session)

    def charge_cmdlet(self, account: str, now: float) -> None:
        """Count one cmdlet; raise `CmdletBudgetExceeded` when the window's quota is spent."""
        policy = self.policy_for(account)
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
