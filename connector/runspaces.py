"""The connector's remote PowerShell runspaces (SPEC R5.6, R5.7).

`RunspacePool` hides three behaviours from the sync and command code:

* **CAS failover** — when the configured Client Access server cannot be reached and
  `IsCasFailoverEnabled` is on, the pool opens a session on another CAS discovered by the
  last full sync, and returns to the configured one as soon as it answers again (it is
  tried first at the start of every job).
* **Throttling is waited out, not failed** — a `Throttled` error makes the pool sleep for
  the `retry_after` Exchange gives, then retry (up to a limit; connector/throttling.py).
* **Parallel runspaces** — with `EnableParallelCommandSupport`, `map` spreads independent
  cmdlet calls (one per mailbox) over several sessions. The extra runspaces are opened side
  by side, not one after another, and no more than the account's Exchange runspace budget
  (PowerShellMaxConcurrency) allows: the first refusal names the budget, which the pool then
  keeps to, so later jobs open exactly what fits (a refused runspace just means fewer).

Every new session gets `Set-ADServerSettings -ViewEntireForest $true` so that recipients of
every domain of the forest are visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.config import HOSTED, ConfigurationRequest, ConnectorConfiguration
from connector.exchange import (
    ExchangeError,
    ExchangeTransport,
    RemoteShell,
    ServerUnavailable,
    Throttled,
)
from connector.log import ConnectorLog
from connector.platform import Platform
from connector.state import ConnectorState
from connector.throttling import wait_out_throttling

MAX_PARALLEL_RUNSPACES = 16  # leaves room in Exchange's default budget of 18 for administrators
Call = tuple[str, dict[str, Any]]


class RunspacePool:
    def __init__(
        self,
        platform: Platform,
        shell: RemoteShell,
        config: ConnectorConfiguration,
        state: ConnectorState,
        log: ConnectorLog,
    ) -> None:
        self.platform = platform
        self.shell = shell
        self.config = config
        self.state = state
        self.log = log
        self._sessions: list[ExchangeTransport] = []
        self.server: str | None = None  # the server the sessions are open on
        self.runspace_budget: int | None = None  # learnt from Exchange's first refusal

    @property
    def primary(self) -> str:
        return self.config.exchange.server

    @property
    def on_failover(self) -> bool:
        return self.server is not None and not _same_server(self.server, self.primary)

    # -- opening -----------------------------------------------------------------------------
    def _candidates(self) -> list[str]:
        servers = [self.primary]
        if self.config.settings.is_cas_failover_enabled:
            servers += [s for s in self.state.cas_servers if not _same_server(s, self.primary)]
        return servers

    def _shell_open(self, server: str) -> ExchangeTransport:
        return self.shell.open(server, self.config.service_account, exchange_proxy(self.config))

    def _open_one(self, server: str) -> ExchangeTransport:
        session = self._with_throttling(lambda: self._shell_open(server))
        self._with_throttling(lambda: session.invoke("Set-ADServerSettings", ViewEntireForest=True))
        return session

    def begin_job(self) -> None:
        """At the start of a job: go back to the configured CAS if we had failed over."""
        if self.on_failover:
            self.close()

    def session(self) -> ExchangeTransport:
        if self._sessions:
            return self._sessions[0]
        last: ServerUnavailable | None = None
        for server in self._candidates():
            try:
                session = self._open_one(server)
            except ServerUnavailable as exc:
                last = exc
                self.log.warning(
                    "ExchangeUnavailable",
                    f"Cannot open a remote PowerShell session on {server}: {exc.message}",
                    server=server,
                )
                continue
            if not _same_server(server, self.primary):
                self.log.warning(
                    "CasFailover",
                    f"Failed over from {self.primary} to the Client Access server {server}",
                    server=server,
                    primary=self.primary,
                )
            elif self.server is not None and not _same_server(self.server, self.primary):
                self.log.info("CasFailback", f"Returned to the configured server {server}")
            self.server = server
            self._sessions = [session]
            return session
        assert last is not None
        raise last

    # -- running -----------------------------------------------------------------------------
    def _with_throttling(self, fn: Any) -> Any:
        return wait_out_throttling(self.platform, self.log, fn)

    def invoke(self, cmdlet: str, **params: Any) -> list[dict[str, Any]]:
        """Run one cmdlet on the main runspace, failing over once if the server goes away."""
        self.log.verbose(
            "Cmdlet", f"Running {cmdlet}", cmdlet=cmdlet, parameters=_printable(params)
        )
        try:
            return self._with_throttling(lambda: self.session().invoke(cmdlet, **params))
        except ServerUnavailable:
            self.close()
            return self._with_throttling(lambda: self.session().invoke(cmdlet, **params))

    def map(self, calls: Iterable[Call]) -> list[list[dict[str, Any]]]:
        """Run independent calls, over several runspaces when parallel support is on."""
        calls = list(calls)
        if not self.config.settings.enable_parallel_command_support or len(calls) < 2:
            return [self.invoke(name, **params) for name, params in calls]
        sessions = self._widen(min(MAX_PARALLEL_RUNSPACES, len(calls)))
        self.log.verbose(
            "Cmdlet",
            f"Running {len(calls)} commands over {len(sessions)} runspaces",
            runspaces=len(sessions),
        )
        results: list[list[dict[str, Any]]] = []
        for i, (name, params) in enumerate(calls):
            session = sessions[i % len(sessions)]
            try:
                results.append(
                    self._with_throttling(lambda s=session, n=name, p=params: s.invoke(n, **p))
                )
            except ServerUnavailable:
                self.close()
                sessions = [self.session()]
                results.append(self.invoke(name, **params))
        return results

    def _widen(self, width: int) -> list[ExchangeTransport]:
        """Open extra runspaces, side by side, up to `width` and the known runspace budget."""
        self.session()
        if self.runspace_budget is not None:
            width = min(width, self.runspace_budget)
        wanted = width - len(self._sessions)
        if wanted <= 0:
            return list(self._sessions)
        server = self.server or self.primary
        results = self.shell.open_concurrently(
            server, self.config.service_account, wanted, exchange_proxy(self.config)
        )
        opened = [r for r in results if not isinstance(r, ExchangeError)]
        refused = [r for r in results if isinstance(r, ExchangeError)]
        for session in opened:
            try:
                session.invoke("Set-ADServerSettings", ViewEntireForest=True)
            except (Throttled, ServerUnavailable) as exc:
                session.close()
                refused.append(exc)
                continue
            self._sessions.append(session)
        budgets = [r.limit for r in refused if isinstance(r, Throttled) and r.limit]
        if budgets:
            self.runspace_budget = min(budgets)
        if refused:
            self.log.info(
                "ParallelRunspaces",
                f"Runspace budget reached: running with {len(self._sessions)} runspaces "
                f"({len(refused)} refused: {refused[0].message})",
                runspaces=len(self._sessions),
                refused=len(refused),
                budget=self.runspace_budget,
            )
        return list(self._sessions)

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions = []


def _printable(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as they read in a log: values as text (multi-valued updates included)."""
    return {
        k: v if isinstance(v, str | int | bool | list | dict) else str(v) for k, v in params.items()
    }


def exchange_proxy(config: ConnectorConfiguration | ConfigurationRequest) -> str | None:
    """The proxy Exchange traffic takes: none on premises, the configured one for hosted
    Exchange (which is on the Internet)."""
    server_type = (
        config.exchange.server_type
        if isinstance(config, ConnectorConfiguration)
        else config.server_type
    )
    return config.proxy.url() if server_type == HOSTED and config.proxy else None


def _same_server(a: str, b: str) -> bool:
    return a.lower() == b.lower() or a.split(".")[0].lower() == b.split(".")[0].lower()
