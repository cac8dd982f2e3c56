"""The connector's client for the Intune service: JSON over HTTPS, through the stored proxy.

Every call goes through the host's HTTP stack (`Platform.http_session`) with the proxy
snapshot of the configuration (SPEC R4.6/R4.7) and never reads environment proxies. Network
failures become `IntuneUnreachable` (error 0x00000006); a refusal because this connector was
replaced or its connection deleted becomes `ConnectorRetired`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from connector.config import ProxySettings
from connector.errors import (
    CertificateEnrollmentFailed,
    ConnectorError,
    ConnectorRetired,
    Finding,
    IntuneUnreachable,
    PrerequisiteNotMet,
    RegistrationRefused,
    ReplaceRequired,
)
from connector.platform import Platform

API = "/api/v1"
TIMEOUT_SECONDS = 100


class IntuneRequestFailed(ConnectorError):
    """Intune answered with an error the connector cannot act on."""

    code = "0x0000001a"

    def __init__(self, status: int, error: str, message: str) -> None:
        self.status = status
        self.error = error
        super().__init__(f"Intune refused the request: HTTP {status} {error}: {message}")


class IntuneClient:
    def __init__(
        self,
        platform: Platform,
        endpoint: str,
        proxy: ProxySettings | None,
        token: str | None = None,
        connector_id: str | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.connector_id = connector_id
        self.session = platform.http_session()
        self.session.trust_env = False
        if proxy is not None:
            url = proxy.url()
            self.session.proxies = {"http": url, "https": url}
        else:
            self.session.proxies = {}

    # -- plumbing ----------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None, params: dict | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.endpoint + API + path
        try:
            resp = self.session.request(
                method, url, json=body, params=params, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except requests.exceptions.ProxyError as exc:
            raise IntuneUnreachable(
                f"Cannot connect to the Intune service through the proxy: {_reason(exc)}"
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise IntuneUnreachable(
                f"The Intune service did not answer in time: {_reason(exc)}"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise IntuneUnreachable(
                f"Cannot connect to the Intune service: {_reason(exc)}"
            ) from exc
        payload = _json(resp)
        if resp.status_code >= 400:
            error = payload.get("error", "") if isinstance(payload, dict) else ""
            message = (
                payload.get("message", resp.reason or "")
                if isinstance(payload, dict)
                else resp.text
            )
            retired = _RETIREMENTS.get(error)
            if retired is not None and resp.status_code in (403, 410):
                raise ConnectorRetired(retired, message)
            raise IntuneRequestFailed(resp.status_code, error, message)
        return payload

    def _connector_path(self, suffix: str = "") -> str:
        if not self.connector_id:
            raise ConnectorError("The connector is not registered with Intune")
        return f"/connectors/{self.connector_id}{suffix}"

    # -- routes ------------------------------------------------------------------------
    def register(
        self, account_certificate: str, info: dict[str, Any], replace: bool = False
    ) -> dict[str, Any]:
        try:
            result = self._call(
                "POST",
                "/connectors",
                {"accountCertificate": account_certificate, "replace": replace, **info},
            )
        except IntuneRequestFailed as exc:
            if exc.error == "replaceRequired":
                raise ReplaceRequired(exc.message) from exc
            if exc.error == "certificateEnrollmentFailed":
                raise CertificateEnrollmentFailed(exc.message) from exc
            finding = tenant_finding(exc.error, exc.message)
            if finding is not None:
                raise PrerequisiteNotMet([finding]) from exc
            refused = RegistrationRefused(
                f"Intune refused the registration: {exc.error}: {exc.message}"
            )
            refused.error = exc.error
            raise refused from exc
        self.token = result["token"]
        self.connector_id = result["connectorId"]
        return result

    def readiness(self, account_certificate: str) -> dict[str, Any]:
        """The tenant's side of the prerequisites (MDM authority, directory sync...)."""
        return self._call("POST", "/readiness", {"accountCertificate": account_certificate})

    def status(self) -> dict[str, Any]:
        return self._call("GET", self._connector_path())

    def heartbeat(self, health: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", self._connector_path("/heartbeat"), health)

    def targeted_users(self) -> Iterator[str]:
        """UPNs of the licensed users that conditional access targets, page by page."""
        page: int | None = 0
        while page is not None:
            result = self._call("GET", self._connector_path("/users"), params={"page": page})
            yield from result["users"]
            page = result.get("nextPage")

    def start_sync(self, sync_type: str) -> str:
        return self._call("POST", self._connector_path("/syncs"), {"syncType": sync_type})["syncId"]

    def upload_devices(self, sync_id: str, devices: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call(
            "POST", self._connector_path(f"/syncs/{sync_id}/devices"), {"devices": devices}
        )

    def commands(self) -> list[dict[str, Any]]:
        """Pending commands (delivered at least once: a command repeats until its result is sent)."""
        return list(self._call("GET", self._connector_path("/commands")).get("commands", []))

    def report_command(
        self,
        command_id: str,
        outcome: str,
        error: str | None = None,
        code: str | None = None,
        exchange: dict[str, Any] | None = None,
    ) -> None:
        """A command's result: `outcome` and `exchange` are what Exchange showed afterwards."""
        body: dict[str, Any] = {"outcome": outcome, "error": error, "errorCode": code}
        if exchange is not None:
            body["exchange"] = exchange
        self._call("POST", self._connector_path(f"/commands/{command_id}/result"), body)

    def targeting_changes(self, since: str) -> Iterator[tuple[str, bool]]:
        """Users whose targeting changed since `since` (licensed or targeted, or no longer),
        as (UPN, targeted now), page by page."""
        page: int | None = 0
        while page is not None:
            result = self._call(
                "GET",
                self._connector_path("/users/changes"),
                params={"since": since, "page": page},
            )
            for change in result["changes"]:
                yield str(change["userPrincipalName"]), bool(change["targeted"])
            page = result.get("nextPage")

    def policy(self) -> dict[str, Any]:
        """The Exchange on-premises access policy a full sync re-applies to Exchange."""
        return self._call("GET", self._connector_path("/policy"))

    def complete_sync(self, sync_id: str, outcome: str, summary: dict[str, Any]) -> dict[str, Any]:
        return self._call(
            "POST",
            self._connector_path(f"/syncs/{sync_id}/complete"),
            {"outcome": outcome, **summary},
        )


# Intune's answers that end the connector for good (SPEC R3.3, R6.2; C31)
_RETIREMENTS = {
    "connectorReplaced": "replaced",
    "connectionDeleted": "deleted",
    "connectorEndOfSupport": "end_of_support",
}

_TENANT_REQUIREMENTS = {
    "mdmAuthorityNotIntune": (
        "R1.5",
        "Mobile device management authority",
        "Intune",
        "Set the MDM authority to Intune in the admin console.",
    ),
    "directorySyncNotConfigured": (
        "R1.6",
        "Directory synchronization",
        "directory synchronization from Active Directory to Azure AD",
        "Configure directory synchronization so that on-premises users and groups reach Intune.",
    ),
    "exchangeOnlineConnectorExists": (
        "R3.2",
        "Exchange Online connector",
        "no Exchange Online connector in the tenant",
        "On-premises and Exchange Online connectors cannot coexist; remove one.",
    ),
}


def tenant_finding(error: str, message: str) -> Finding | None:
    """A registration refusal that is really an unmet prerequisite of the tenant (SPEC R1)."""
    known = _TENANT_REQUIREMENTS.get(error)
    if known is None:
        return None
    requirement, title, needed, remedy = known
    return Finding(requirement, title, "blocker", message, needed, remedy)


def _json(resp: requests.Response) -> Any:
    if not resp.content:
        return {}
    try:
        return resp.json()
    except ValueError:
        return {}


def _reason(exc: Exception) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return text
