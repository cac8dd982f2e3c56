"""Planted bugs: test-only switches that each break one invariant on purpose.

Why they exist: an oracle that never fires proves nothing. The explorer's tests plant each
bug (`explore --plant NAME`, hidden from `--help`) and require that a sweep finds it within
200 seeds and shrinks it to a small scenario that replays to the same failure. Each plant
patches the product (or the twin) for the duration of one run only, inside the process that
runs it — a Dask worker included — and is undone afterwards.

Plants name their targets as strings: the explorer never imports the connector (only the
run layer does); `unittest.mock.patch` resolves them when the run starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock


def _drop_last_device(
    original: Callable[..., list[dict[str, Any]]],
) -> Callable[..., list[dict[str, Any]]]:
    def devices(self: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        records = original(self, *args, **kwargs)
        return records[:-1] if len(records) > 1 else records

    return devices


def _forget_retirement(original: Callable[..., Any]) -> Callable[..., Any]:  # noqa: ARG001
    def retire(self: Any, exc: Any) -> None:  # noqa: ARG001
        """The connector shrugs off being replaced: its jobs simply come round again."""
        now = self.platform.now()
        self.due = {job: max(when, now) + self._interval(job) for job, when in self.due.items()}

    return retire


def _log_the_password(original: Callable[..., Any]) -> Callable[..., Any]:
    def reload(self: Any) -> None:
        original(self)
        if self.config is not None:
            # written straight to the file, past the log's redaction
            account = self.config.service_account
            self.platform.write_file(
                self.log.file_path(0) + ".debug", f"{account.user} {account.password}\n".encode()
            )

    return reload


def _crash_on_quick_sync(original: Callable[..., Any]) -> Callable[..., Any]:
    def quick(self: Any) -> Any:
        raise KeyError("planted: quick sync lost its watermark")

    return quick


def _uncoded_failures(original: Callable[..., Any]) -> Callable[..., Any]:
    def failed(self: Any, job: str, exc: Any) -> None:
        exc.code = ""  # the failure is logged without its code
        original(self, job, exc)

    return failed


def _sync_success_on_failure(original: Callable[..., Any]) -> Callable[..., Any]:
    def complete_sync(self: Any, record: Any, session: Any, body: dict[str, Any], now: Any) -> Any:
        # the twin's Intune counts a sync reported as failed as the last successful one
        result = original(self, record, session, body, now)
        if body.get("outcome") == "failure":
            record.last_successful_sync = now
        return result

    return complete_sync


def _stale_proxy(original: Callable[..., Any]) -> Callable[..., Any]:
    def reload(self: Any) -> None:
        old = self.config
        original(self)
        if old is not None and self.config is not None:
            self.config = old  # the service never takes the new configuration

    return reload


def _wipe_reported_unread(original: Callable[..., Any]) -> Callable[..., Any]:
    outcome = importlib.import_module("connector.commands").CommandOutcome

    def wipe(self: Any, upn: str, device_id: str) -> Any:  # noqa: ARG001
        # success without asking Exchange for the wipe, nor reading back what it shows
        return outcome("succeeded")

    return wipe


#: name → (target, how to build its replacement from the original)
PLANTS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "convergence": ("connector.sync.SyncEngine._devices", _drop_last_device),
    "retired_silent": ("connector.service.ConnectorService._retire", _forget_retirement),
    "no_secret": ("connector.service.ConnectorService.reload", _log_the_password),
    "no_crash": ("connector.sync.SyncEngine.quick", _crash_on_quick_sync),
    "log_codes": ("connector.service.ConnectorService._failed", _uncoded_failures),
    "sync_monotonic": (
        "simulator.intune.syncing.ConnectorCalls.complete_sync",
        _sync_success_on_failure,
    ),
    "reconnects": ("connector.service.ConnectorService.reload", _stale_proxy),
    "commands_final": ("connector.commands.DeviceCommands._wipe", _wipe_reported_unread),
}


@contextmanager
def planted(name: str | None) -> Iterator[None]:
    """Within the block, the named bug is in the code (nothing when `name` is None)."""
    if name is None:
        yield
        return
    if name not in PLANTS:
        raise ValueError(f"no planted bug {name!r}; plants: {', '.join(sorted(PLANTS))}")
    target, build = PLANTS[name]
    module_name, _, attr = target.rpartition(".")
    owner_path, _, cls_name = module_name.rpartition(".")
    owner = importlib.import_module(owner_path)
    cls = getattr(owner, cls_name)
    original = getattr(cls, attr)
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(cls, attr, build(original)))
        yield
