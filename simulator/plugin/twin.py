"""What the pytest fixtures hand a test: the world driven by hand (`Twin`: play a step,
advance the clock with the connector services running, observe, check), handles on Exchange
and Intune, and the connector set up on a host (`ConnectorDriver`). The fixtures themselves
are in `simulator/plugin/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from simulator.exchange.model import Organization
from simulator.exchange.session import RemoteSession, open_session
from simulator.intune.console import AdminConsole
from simulator.intune.service import IntuneService
from simulator.language.loader import load_scenario, parse_scenario
from simulator.language.schema import Advance, Scenario
from simulator.run.runner import Runner
from simulator.world.world import World

T = TypeVar("T")


DEFAULT_SCENARIO: dict[str, Any] = {
    "name": "pytest-twin",
    "summary": "The pytest fixtures' default world: small, one of everything.",
    "seed": 1,
    "world": {
        "directory": {
            "domain": "contoso.local",
            "accounts": [
                {
                    "name": "CONTOSO\\svc-intune",
                    "password": "P@ssw0rd-svc!",
                    "role_groups": ["Organization Management"],
                }
            ],
        },
        "exchange": {"version": "2013 CU12", "servers": [{"name": "EX01"}]},
        "population": {"users": 10, "devices_per_user": 1.5},
        "hosts": [{"name": "CONN01"}],
    },
}


def as_scenario(source: Any, label: str = "<twin_scenario>", base: Path | None = None) -> Scenario:
    """A `Scenario` from a Scenario, a dict or a path; errors name what was given."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        data = {"name": "pytest-twin", **source}
        return parse_scenario(yaml.safe_dump(data, sort_keys=False), label)
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_absolute() and base is not None and not path.exists():
            path = base / path
        return load_scenario(path)
    raise TypeError(
        f"{label}: a scenario is a path, a dict or a Scenario; found {type(source).__name__}"
    )


class Twin:
    """A world driven by hand, one call at a time, on the simulated clock.

    Each call runs as a simpy process until it is done, so the connector services (started
    by a `configure` step) and the world's own processes run beside it exactly as they do in
    a scenario; time advances by what the call cost."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.runner = Runner(scenario, seed)
        self.world: World = self.runner.world
        self._index = 0

    @property
    def now(self) -> Any:
        return self.world.clock.now()

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` now as a job on the clock (its port calls cost simulated time)."""
        with self.runner.live():
            process = self.runner.env.process(self.runner.job(fn))
            return self.runner.env.run(until=process)  # type: ignore[no-any-return]

    def play(self, step: dict[str, Any] | Any) -> None:
        """Carry out one step written as in a scenario file (`{"do": "install"}`,
        `{"advance": "2h"}`); raises the step's error (`StepError`, `ConnectorError`)."""
        if isinstance(step, dict):
            step = parse_scenario(
                yaml.safe_dump({"name": "step", "steps": [step]}, sort_keys=False), "<step>"
            ).steps[0]
        self._index += 1
        with self.runner.live():
            process = self.runner.env.process(self.runner.play(self._index, step))
            self.runner.env.run(until=process)
        self.runner.sample()

    def play_steps(self) -> None:
        """Play the scenario's own steps, in order (stopping at the first that fails)."""
        for step in self.scenario.steps:
            self.play(step)

    def advance(self, duration: str | float) -> None:
        """Let simulated time pass (services run their schedules meanwhile)."""
        self.play(Advance(advance=str(duration) if isinstance(duration, str) else f"{duration}s"))

    def observe(self, path: str) -> Any:
        """The value at a path of the world's observable state, as expectations read it."""
        return self.runner.observe(path)

    def check(self, expectation: dict[str, Any]) -> list[str]:
        """Failures of an expectation written as in a scenario file (empty when it holds)."""
        scenario = parse_scenario(
            yaml.safe_dump({"name": "check", "expect": [expectation]}, sort_keys=False),
            "<expectation>",
        )
        return self.runner.check(scenario.expect[0])


class TwinSession:
    """A remote PowerShell session into the Exchange twin, as one account."""

    def __init__(self, twin: Twin, session: RemoteSession) -> None:
        self.twin = twin
        self.session = session

    def invoke(self, cmdlet: str, **params: Any) -> list[dict[str, Any]]:
        """Run a cmdlet (`invoke("Get-CasMailbox", ResultSize="Unlimited")`); Exchange's
        errors (`simulator.exchange.errors`) are raised as Exchange would report them."""
        return self.twin.call(lambda: self.session.invoke(cmdlet, params))

    def close(self) -> None:
        self.session.close()


@dataclass
class ExchangeHandle:
    twin: Twin

    @property
    def org(self) -> Organization:
        return self.twin.world.org

    def session(
        self, account: str | None = None, password: str | None = None, server: str | None = None
    ) -> TwinSession:
        """Open a session as `account` (default: the world's first directory account, with
        its password from the scenario) on `server` (default: the first Client Access
        server). Opening fails as it would for the connector: `RemoteConnectError`."""
        world = self.twin.world
        account, password = _credential(world, account, password, "account=")
        target = server or _first_cas(world)
        found = world.org.server(world.network.resolve(target, world.clock.seconds) or target)
        up = found is None or world.exchange_server_up(found.name)
        session = self.twin.call(
            lambda: open_session(
                world.org,
                world.directory,
                world.network,
                world.clock,
                target,
                account,
                password,
                server_up=up,
            )
        )
        return TwinSession(self.twin, session)


@dataclass
class IntuneHandle:
    twin: Twin

    @property
    def service(self) -> IntuneService:
        return self.twin.world.intune

    @property
    def console(self) -> AdminConsole:
        return self.twin.world.console

    def observe(self) -> dict[str, Any]:
        """What scenario expectations see under `intune.`."""
        return self.service.observe()


def _credential(
    world: World, user: str | None, password: str | None, keyword: str, with_role: bool = False
) -> tuple[str, str]:
    """(user, password) with the world's accounts as defaults: the first one (the first that
    holds an Exchange role, `with_role`), and the password the scenario gives that user."""
    accounts = world.spec.directory.accounts
    if user is None:
        ranked = [a for a in accounts if a.role_groups or a.roles] if with_role else []
        chosen = (ranked or accounts or [None])[0]
        if chosen is None:
            raise ValueError(
                "the world has no directory account (world.directory.accounts); "
                f"pass {keyword} and password="
            )
        user = chosen.name
    if password is None:
        password = next((a.password for a in accounts if a.name.lower() == user.lower()), "")
    return user, password


def _first_cas(world: World) -> str:
    servers = [s for s in world.org.servers if "ClientAccess" in s.roles] or world.org.servers
    if not servers:
        raise ValueError("the world has no Exchange server")
    return servers[0].fqdn


class ConnectorDriver:
    """The connector on one host, installed and driven the way an administrator would."""

    def __init__(self, twin: Twin, host: str | None = None) -> None:
        self.twin = twin
        self.host = twin.world.host(host).name

    def download(self, **step: Any) -> None:
        self.twin.play({"do": "download_package", "host": self.host, **step})

    def install(self, **step: Any) -> None:
        self.twin.play({"do": "install", "host": self.host, **step})

    def configure(
        self,
        server: str | None = None,
        user: str | None = None,
        password: str | None = None,
        **step: Any,
    ) -> None:
        """Run the configuration wizard; defaults: the first Client Access server and the
        world's first directory account that holds an Exchange role (else the first one)."""
        world = self.twin.world
        user, password = _credential(world, user, password, "user=", with_role=True)
        self.twin.play(
            {
                "do": "configure",
                "host": self.host,
                "exchange": {"type": "on_premises", "server": server or _first_cas(world)},
                "account": {"user": user, "password": password},
                **step,
            }
        )

    def setup(self) -> ConnectorDriver:
        """Download, install and configure with the defaults; the service then runs."""
        self.download()
        self.install()
        self.configure()
        return self

    @property
    def service(self) -> Any:
        """The connector's `ConnectorService` on this host (None before configuration)."""
        runtime = self.twin.runner.connectors.get(self.host)
        return runtime.service if runtime else None

    @property
    def state(self) -> dict[str, Any]:
        """What expectations see under `hosts.<host>.connector`."""
        return self.twin.observe(f"hosts.{self.host}.connector")  # type: ignore[no-any-return]

    def advance(self, duration: str | float) -> None:
        """Let the service run its schedule for `duration` of simulated time."""
        self.twin.advance(duration)

    def run_due(self) -> list[str]:
        """Run the jobs that are due now, at once; the names of those that ran."""
        service = self.service
        if service is None:
            raise RuntimeError(f"the connector on {self.host} is not configured")
        return self.twin.call(service.run_due)  # type: ignore[no-any-return]
