"""The connector product on one host, as the runner and the connector's steps handle it.

`HostConnector` implements the language's `ConnectorOnHost` (simulator/language/steps/base.py):
setup, the configuration wizard (the steps' plain `WizardRequest` becomes the connector's
request in `adapters.configuration_request`), the service configuration file and the Windows
service. With the runner and the adapters, one of the few modules that know both sides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import simpy

from connector import SERVICE_NAME
from connector.config import ConfigStore, ServiceSettings
from connector.configure import ConfigurationWizard, ConnectResult
from connector.errors import Finding, PrerequisiteNotMet
from connector.install import InstallResult, lingering_certificate
from connector.install import install as install_connector
from connector.install import uninstall as uninstall_connector
from connector.log import ConnectorLog
from connector.platform import ServiceStartResult
from connector.service import ConnectorService
from simulator.language.steps.base import WizardRequest
from simulator.run.adapters import SimPlatform, SimRemoteShell, configuration_request
from simulator.world.durations import format_time


@dataclass
class HostConnector:
    """The connector product on one host: the runner drives its service on the clock, and the
    connector's scenario steps handle it as an administrator does — setup, the configuration
    wizard, its configuration file, the Windows service — through these methods, so that the
    runner and the adapters stay the only modules that know both sides (DESIGN)."""

    platform: SimPlatform
    shell: SimRemoteShell
    changed: simpy.Event
    service: ConnectorService | None = None
    last_error: str | None = None
    findings: list[Finding] = field(default_factory=list)  # the last prerequisite check

    @property
    def installed(self) -> bool:
        return self.platform.service_state(SERVICE_NAME) is not None

    @property
    def configured(self) -> bool:
        return ConfigStore(self.platform).load() is not None

    def install(self, folder: str, profile: str) -> InstallResult:
        """Run setup from `folder`; its findings are kept even when it refuses."""
        try:
            result = install_connector(self.platform, folder, profile)
        except PrerequisiteNotMet as exc:
            self.findings = list(exc.findings)
            raise
        self.findings = list(result.findings)
        return result

    def uninstall(self) -> None:
        uninstall_connector(self.platform)
        self.service = None
        self.findings = []

    def _wizard(self) -> ConfigurationWizard:
        return ConfigurationWizard(self.platform, self.shell, ConnectorLog(self.platform))

    def connect(self, request: WizardRequest) -> ConnectResult:
        """The wizard's Connect; the service then (re)reads the stored configuration."""
        result = self._wizard().connect(configuration_request(request))
        if self.service is None:
            self.service = ConnectorService(self.platform, self.shell)
        else:
            self.service.reload()
        return result

    def preflight(self, request: WizardRequest) -> list[Finding]:
        """Setup's prerequisite check for `request`, nothing registered."""
        self.findings = self._wizard().preflight(configuration_request(request))
        return self.findings

    def set_service_keys(self, keys: dict[str, str]) -> ServiceSettings:
        return ConfigStore(self.platform).set_keys(keys)

    def restart(self, service: str) -> ServiceStartResult:
        """Stop and start a Windows service; the connector's reads its configuration again."""
        self.platform.stop_service(service)
        started = self.platform.start_service(service)
        if service.upper() == SERVICE_NAME:
            if self.service is not None:
                self.service.reload()
            elif started.started and self.configured:
                self.service = ConnectorService(self.platform, self.shell)
        return started

    def log_records(self) -> list[dict[str, Any]]:
        """The connector's own log on this host, oldest first (what its log viewer shows)."""
        return list(ConnectorLog(self.platform).records())

    def observe(self) -> dict[str, Any]:
        """`hosts.<name>.connector.*`: the product on this host as an expectation reads it —
        its service, its last sync (timed), its log and the last prerequisite check."""
        svc = self.service
        records = ConnectorLog(self.platform).records()
        last = None if svc is None else svc.last_result
        return {
            "installed": self.platform.service_state(SERVICE_NAME) is not None,
            "service_state": self.platform.service_state(SERVICE_NAME),
            "configured": svc is not None and svc.config is not None,
            "retired": svc.retired if svc else None,
            "last_error": self.last_error,
            "last_sync": None
            if last is None
            else {
                "type": last.sync_type,
                "devices": last.devices,
                "users": last.users,
                "started": format_time(last.started),
                "finished": format_time(last.finished),
                # simulated seconds the job took: what parallel runspaces shorten
                "duration": (last.finished - last.started).total_seconds(),
            },
            "log": {
                "records": len(records),
                "errors": sum(1 for r in records if r["level"] == "Error"),
                "events": dict(sorted(Counter(str(r["event"]) for r in records).items())),
                "codes": dict(
                    sorted(Counter(str(r["code"]) for r in records if r.get("code")).items())
                ),
                "error_messages": [r["message"] for r in records if r["level"] == "Error"],
            },
            "findings": [
                {
                    "requirement": f.requirement,
                    "title": f.title,
                    "severity": f.severity,
                    "found": f.found,
                    "needed": f.needed,
                }
                for f in self.findings
            ],
            "blockers": _requirements(self.findings, "blocker"),
            "warnings": _requirements(self.findings, "warning"),
            "checked": sorted({f.requirement for f in self.findings}, key=_spec_order),
            "security_findings": [
                f.describe() for f in (lingering_certificate(self.platform),) if f is not None
            ],
        }


def _spec_order(requirement: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", requirement)]


def _requirements(findings: list[Finding], severity: str) -> list[str]:
    return sorted({f.requirement for f in findings if f.severity == severity}, key=_spec_order)
