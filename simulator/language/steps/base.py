"""What every step shares: the base model, the registry, and what a handler may use.

A step kind is a pydantic model (`Strict`, so a misspelled key is refused with the closest
names) whose `do: Literal["name"]` is its tag, registered together with the handler that
carries it out on the world. `simulator.language.schema` builds the steps' discriminated union and
the list of action names from this registry, and the runner dispatches through it, so adding
a step is one model and one function in the module of its family — nothing else to keep in
step.

Handlers run as one job on the simulated clock (`Runner.job`): whatever port calls they make
spend simulated time, and the step ends when that time has passed. They raise `StepError`
when the world refuses what the step asks (an unknown account, a device Intune does not
hold...) and let the connector's own errors (`ConnectorError`) through: both fail the step
with the message, and a step with `expect_error` passes only if it fails that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import Field, field_validator

from simulator.world.config.base import Strict
from simulator.world.durations import parse_duration

if TYPE_CHECKING:
    import simpy

    from simulator.world.world import World


class StepError(Exception):
    """A step could not be carried out (the world refused it, or the connector failed)."""


class StepBase(Strict):
    expect_error: str | None = Field(
        None, description="the step must fail with an error containing this text"
    )


class CredentialSpec(Strict):
    user: str
    password: str


CONNECTOR_SERVICE = "WIEC"
"""The connector's Windows service, for the steps that name it (a schema default, so it is
spelled here; tests/test_steps.py checks it is the connector's own `SERVICE_NAME`)."""

Account = tuple[str, str]  # DOMAIN\\user (or user@tenant) and password


@dataclass(frozen=True)
class WizardRequest:
    """What an administrator types into the connector's configuration wizard, in plain
    values: the runner turns it into the connector's own request (`run.adapters`), so the
    language never names a connector type."""

    server_type: str
    server: str
    account: Account
    notification: Account | None = None
    proxy: tuple[str, int, str | None, str | None] | None = None
    replace: bool = False
    administrator: Account | None = None


class ConnectorOnHost(Protocol):
    """What a step may do with the connector product on one host, as an administrator does:
    setup, the configuration wizard, its configuration file, the Windows service. The
    runner's `HostConnector` implements it; results are the connector's own objects, read
    by attribute."""

    @property
    def platform(self) -> Any: ...
    @property
    def installed(self) -> bool: ...
    @property
    def configured(self) -> bool: ...
    def install(self, folder: str, profile: str) -> Any: ...
    def uninstall(self) -> None: ...
    def connect(self, request: WizardRequest) -> Any: ...
    def preflight(self, request: WizardRequest) -> list[Any]: ...
    def set_service_keys(self, keys: dict[str, str]) -> Any: ...
    def restart(self, service: str) -> Any: ...


class StepRunner(Protocol):
    """What a handler may use of the runner: the world, its clock, the connector on a host,
    and telling the runner that a host's connector changed. Defined here, implemented by
    `simulator.run.runner.Runner` (structurally), so that the language never imports the
    runner."""

    world: World
    env: simpy.Environment

    @property
    def profile(self) -> str: ...

    def connector(self, host_name: str) -> ConnectorOnHost: ...

    def notify(self, runtime: ConnectorOnHost) -> None: ...


M = TypeVar("M", bound=StepBase)
# A handler returns nothing, or what its actor sees besides the world's state (the shell's
# output); the runner hands it back from `play`.
Handler = Callable[[Any, StepRunner], object]


@dataclass(frozen=True)
class StepKind:
    name: str
    family: str
    model: type[StepBase]
    handler: Handler

    @property
    def summary(self) -> str:
        """The first line of the model's docstring: what the step does, for catalogues."""
        return (self.model.__doc__ or "").strip().splitlines()[0]


STEPS: dict[str, StepKind] = {}


def step(model: type[M], family: str) -> Callable[[Callable[[M, StepRunner], object]], Handler]:
    """Register `model` (its `do` literal is the action name) with the decorated handler."""
    name = _action_name(model)

    def register(handler: Callable[[M, StepRunner], object]) -> Handler:
        if name in STEPS:
            raise ValueError(f"step '{name}' is registered twice")
        STEPS[name] = StepKind(name, family, model, handler)
        return handler

    return register


def _action_name(model: type[StepBase]) -> str:
    annotation = model.model_fields["do"].annotation
    args = getattr(annotation, "__args__", ())
    if len(args) != 1 or not isinstance(args[0], str):
        raise TypeError(f"{model.__name__}.do must be a Literal of one action name")
    return args[0]


def duration(v: str | None) -> str | None:
    """A field validator for durations (`90s`, `2h`, `1d`): checked at load time."""
    if v is not None:
        parse_duration(v)
    return v


def duration_field(*names: str) -> Any:
    return field_validator(*names)(duration)


def wrap(error: Exception) -> StepError:
    """A world error as a step failure, keeping the world's own message."""
    message = getattr(error, "message", None) or (error.args[0] if error.args else str(error))
    status = getattr(error, "status", None)
    code = getattr(error, "error", None)
    if status is not None and code:
        message = f"{message} (HTTP {status} {code})"
    return StepError(str(message))
