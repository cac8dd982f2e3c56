"""Steps of the connector's life on a host: the package, setup, the wizard, the service.

The connector product itself (its setup, configuration wizard, stored configuration and
service) is handled through the runner's per-host connector (`run.connector(host)`, a
`ConnectorOnHost`), and the wizard's fields become a plain `WizardRequest` that the runner
turns into the connector's own request: this module never imports `connector` nor the runner (DESIGN: the runner and the adapters are the only
modules that know both sides; tests/test_architecture.py checks it).

Steps: `download_package`, `extract_package` (optionally tampering one file: SPEC R2.3),
`install`, `uninstall` (R3.4), `configure` and `reconfigure` (R4; the proxy snapshot is taken
again, R4.6), `check_prerequisites` (every R1 requirement as a finding, nothing registered),
`set_service_config` (the service's hand-editable keys, R8.2), `restart_service` (the service
reads its configuration again — or fails to start, R3.5), `stop_service` and `delete_file` (e.g. the account
certificate left in an insecure folder, R2.4).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulator.language.steps.base import (
    CONNECTOR_SERVICE,
    CredentialSpec,
    StepBase,
    StepError,
    StepRunner,
    WizardRequest,
    step,
)
from simulator.language.steps.refs import admin_of
from simulator.world.config.base import Strict

FAMILY = "connector"
DOWNLOADS = r"C:\Users\Administrator\Downloads"
SETUP_FOLDER = DOWNLOADS + r"\Exchange_Connector_Setup"


# -- the package ------------------------------------------------------------------------------------
class DownloadPackage(StepBase):
    """An administrator downloads Exchange_Connector_Setup.zip from the admin console (R2.1)."""

    do: Literal["download_package"]
    host: str | None = None
    admin: str | None = Field(None, description="the tenant administrator; the first one if unset")
    to: str = DOWNLOADS


@step(DownloadPackage, FAMILY)
def download_package(s: DownloadPackage, run: StepRunner) -> None:
    world = run.world
    admin = admin_of(world, s.admin)
    name, data = world.console.download_connector(admin, world.clock.now())
    host = world.host(s.host)
    path = f"{s.to.rstrip(chr(92))}\\{name}"
    host.write_file(path, data)
    world.trace.emit("package.downloaded", host=host.name, path=path, admin=admin, bytes=len(data))


class TamperSpec(Strict):
    """One file of the extracted folder changed by hand (what setup must refuse, R2.3)."""

    file: str = Field(description="a file of the package, e.g. Newtonsoft.Json.dll")
    action: Literal["rename", "move", "alter", "delete"]
    to: str | None = Field(
        None, description="rename: the new name; move: the sub-folder it is moved into"
    )


class ExtractPackage(StepBase):
    """Extract the downloaded package into a folder, optionally tampering with one file."""

    do: Literal["extract_package"]
    host: str | None = None
    to: str = SETUP_FOLDER
    tamper: TamperSpec | None = None


def _extract(run: StepRunner, host_name: str | None, folder: str) -> None:
    from simulator.intune.package import PACKAGE_NAME, read_package

    world = run.world
    host = world.host(host_name)
    zips = [p for p, _ in host.files.values() if p.lower().endswith(PACKAGE_NAME.lower())]
    if not zips:
        raise StepError(f"no {PACKAGE_NAME} was downloaded to {host.name}")
    for name, data in sorted(read_package(host.read_file(zips[-1])).items()):
        host.write_file(f"{folder}\\{name}", data)
    world.trace.emit("package.extracted", host=host.name, zip=zips[-1], folder=folder)


@step(ExtractPackage, FAMILY)
def extract_package(s: ExtractPackage, run: StepRunner) -> None:
    _extract(run, s.host, s.to)
    if s.tamper is None:
        return
    host = run.world.host(s.host)
    t = s.tamper
    source = f"{s.to}\\{t.file}"
    if not host.exists(source):
        raise StepError(f"{t.file} is not in {s.to} (files: {', '.join(host.list_files(s.to))})")
    name = t.file.rsplit("\\", 1)[-1]
    target = None
    if t.action == "rename":
        target = f"{s.to}\\{t.to or 'Copy of ' + name}"
        host.rename_file(source, target)
    elif t.action == "move":
        target = f"{s.to}\\{t.to or 'moved'}\\{name}"
        host.rename_file(source, target)
    elif t.action == "alter":
        host.append_file(source, b"\r\n")
    else:
        host.delete_file(source)
    run.world.trace.emit(
        "package.tampered", host=host.name, file=t.file, action=t.action, to=target
    )


# -- setup ----------------------------------------------------------------------------------------------
class Install(StepBase):
    """Run Exchange_Connector_Setup.exe from a folder (extracting the package first if the
    folder does not exist): host checks, manifest, WIEC service (R1.1–R1.4, R2.3, R3.5)."""

    do: Literal["install"]
    host: str | None = None
    folder: str = SETUP_FOLDER


@step(Install, FAMILY)
def install(s: Install, run: StepRunner) -> None:
    world = run.world
    host = world.host(s.host)
    if not host.is_dir(s.folder):
        _extract(run, host.name, s.folder)
    rt = run.connector(host.name)
    result = rt.install(s.folder, run.profile)
    world.trace.emit(
        "connector.installed",
        host=host.name,
        folder=s.folder,
        tenant=result.tenant,
        warnings=result.warnings,
        findings=[f.describe() for f in result.findings if f.severity != "ok"],
    )


class Uninstall(StepBase):
    """Uninstall the connector: service, local account, files and stored configuration (R3.4)."""

    do: Literal["uninstall"]
    host: str | None = None


@step(Uninstall, FAMILY)
def uninstall(s: Uninstall, run: StepRunner) -> None:
    world = run.world
    host = world.host(s.host)
    rt = run.connector(host.name)
    if not rt.installed:
        raise StepError(f"the connector is not installed on {host.name}")
    rt.uninstall()
    run.notify(rt)
    world.trace.emit("connector.uninstalled", host=host.name)


# -- the configuration wizard -------------------------------------------------------------------------------
class ExchangeTargetSpec(Strict):
    type: Literal["on_premises", "hosted"] = "on_premises"
    server: str


class ConfigureProxySpec(Strict):
    address: str
    port: int = Field(8080, ge=1, le=65535)
    user: str | None = None
    password: str | None = None


class WizardFields(StepBase):
    """What the administrator types into the configuration wizard."""

    host: str | None = None
    exchange: ExchangeTargetSpec
    account: CredentialSpec = Field(description="the Exchange service account, DOMAIN\\user")
    notification: CredentialSpec | None = Field(
        None, description="the notification account (a mailbox on the on-premises Exchange)"
    )
    proxy: ConfigureProxySpec | None = None
    administrator: CredentialSpec | None = Field(
        None, description="the tenant administrator who signs in to Intune (user@tenant)"
    )
    replace: bool = Field(False, description="confirm Replace when a connector already exists")

    def request(self, run: StepRunner) -> WizardRequest:
        trace = run.world.trace
        for secret in (
            self.account.password,
            self.proxy and self.proxy.password,
            self.notification and self.notification.password,
            self.administrator and self.administrator.password,
        ):
            trace.add_secret(secret or None)
        proxy, notification, administrator = self.proxy, self.notification, self.administrator
        return WizardRequest(
            self.exchange.type,
            self.exchange.server,
            (self.account.user, self.account.password),
            notification=(notification.user, notification.password) if notification else None,
            proxy=(proxy.address, proxy.port, proxy.user, proxy.password) if proxy else None,
            replace=self.replace,
            administrator=(administrator.user, administrator.password) if administrator else None,
        )


class Configure(WizardFields):
    """Run the configuration wizard and Connect: validate, open the remote session, check the
    version and cmdlets, register with Intune, store the configuration, start the service (R4)."""

    do: Literal["configure"]


class Reconfigure(WizardFields):
    """Run the wizard again on a host that is already configured (a new proxy, account or
    server): the stored configuration, proxy snapshot included, is replaced (R4.6, C20)."""

    do: Literal["reconfigure"]


def _connect(s: WizardFields, run: StepRunner, event: str) -> None:
    world = run.world
    rt = run.connector(world.host(s.host).name)
    result = rt.connect(s.request(run))
    world.trace.emit(
        event,
        host=rt.platform.host.name,
        connector_id=result.connector_id,
        status=result.status,
        replaced=result.replaced,
        server=s.exchange.server,
        warnings=result.warnings,
    )
    run.notify(rt)


@step(Configure, FAMILY)
def configure(s: Configure, run: StepRunner) -> None:
    _connect(s, run, "connector.configured")


@step(Reconfigure, FAMILY)
def reconfigure(s: Reconfigure, run: StepRunner) -> None:
    rt = run.connector(run.world.host(s.host).name)
    if not rt.configured:
        raise StepError(
            f"the connector on {rt.platform.host.name} has no configuration to change; "
            "use configure"
        )
    _connect(s, run, "connector.reconfigured")


class CheckPrerequisites(WizardFields):
    """Setup's prerequisite check: every SPEC R1 requirement as one finding, nothing
    registered; observable as hosts.<host>.connector.findings / blockers / warnings."""

    do: Literal["check_prerequisites"]


@step(CheckPrerequisites, FAMILY)
def check_prerequisites(s: CheckPrerequisites, run: StepRunner) -> None:
    world = run.world
    rt = run.connector(world.host(s.host).name)
    findings = rt.preflight(s.request(run))
    world.trace.emit(
        "connector.findings",
        host=rt.platform.host.name,
        findings=[
            {"requirement": f.requirement, "severity": f.severity, "found": f.found}
            for f in findings
        ],
        blockers=sorted({f.requirement for f in findings if f.severity == "blocker"}),
    )


# -- the service and its files ------------------------------------------------------------------------------
class SetServiceConfig(StepBase):
    """Edit keys of OnPremisesExchangeConnectorServiceConfiguration.xml by name, as an
    administrator does by hand (R8.2); the service reads them at its next start."""

    do: Literal["set_service_config"]
    host: str | None = None
    keys: dict[str, str | int | bool] = Field(
        description="e.g. {IsCasFailoverEnabled: false, QuickSyncIntervalMinutes: 30}"
    )

    @model_validator(mode="after")
    def _some(self) -> SetServiceConfig:
        if not self.keys:
            raise ValueError("keys must name at least one service configuration key")
        return self


@step(SetServiceConfig, FAMILY)
def set_service_config(s: SetServiceConfig, run: StepRunner) -> None:
    world = run.world
    rt = run.connector(world.host(s.host).name)
    settings = rt.set_service_keys(
        {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in s.keys.items()}
    )
    world.trace.emit(
        "connector.service_config",
        host=rt.platform.host.name,
        keys=sorted(s.keys),
        settings=settings.__dict__,
    )


class RestartService(StepBase):
    """Restart a Windows service on the host (the connector's WIEC by default): stopped, then
    started again; the connector service reads its configuration again when it starts. A
    service that cannot start (no "Log on as a service", R3.5) fails the step."""

    do: Literal["restart_service"]
    host: str | None = None
    service: str = CONNECTOR_SERVICE


@step(RestartService, FAMILY)
def restart_service(s: RestartService, run: StepRunner) -> None:
    world = run.world
    host = world.host(s.host)
    rt = run.connector(host.name)
    if rt.platform.service_state(s.service) is None:
        raise StepError(f"no service {s.service} is installed on {host.name}")
    started = rt.restart(s.service)
    if s.service.upper() == CONNECTOR_SERVICE:
        run.notify(rt)
    if not started.started:
        raise StepError(
            f"Windows could not start the {s.service} service on {host.name}: "
            f"{started.message} (event {started.event_id})"
        )


class StopService(StepBase):
    """Stop a Windows service on the host (the connector's WIEC by default) — an operator, or
    the host going down: the connector stops syncing and sending heartbeats (C23)."""

    do: Literal["stop_service"]
    host: str | None = None
    service: str = CONNECTOR_SERVICE


@step(StopService, FAMILY)
def stop_service(s: StopService, run: StepRunner) -> None:
    host = run.world.host(s.host)
    rt = run.connector(host.name)
    if rt.platform.service_state(s.service) is None:
        raise StepError(f"no service {s.service} is installed on {host.name}")
    rt.platform.stop_service(s.service)
    run.notify(rt)


class DeleteFile(StepBase):
    """Delete a file on a host (e.g. the account certificate left in the setup folder, R2.4)."""

    do: Literal["delete_file"]
    host: str | None = None
    path: str


@step(DeleteFile, FAMILY)
def delete_file(s: DeleteFile, run: StepRunner) -> None:
    host = run.world.host(s.host)
    try:
        host.delete_file(s.path)
    except FileNotFoundError as exc:
        raise StepError(f"{host.name}: {exc}") from None
    run.world.trace.emit("host.file_deleted", host=host.name, path=s.path)
