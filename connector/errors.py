"""Errors the connector reports, with the documented setup error codes where one exists.

`0x00000001` (the Exchange server address cannot be reached) and `0x00000006` (the connector
cannot connect to the Intune service) are the codes Microsoft documents; the others are the
twin's own (model), kept in the same format so logs read alike.
"""

from __future__ import annotations

from dataclasses import dataclass

EXCHANGE_UNREACHABLE = "0x00000001"
INTUNE_UNREACHABLE = "0x00000006"
CERTIFICATE_ENROLLMENT_FAILED = "0x0000000b"
# Model codes (not documented by Microsoft):
PREREQUISITE_NOT_MET = "0x00000010"
PACKAGE_INTEGRITY = "0x00000011"
INVALID_CONFIGURATION = "0x00000012"
EXCHANGE_AUTHENTICATION = "0x00000013"
EXCHANGE_VERSION = "0x00000014"
MISSING_CMDLETS = "0x00000015"
REGISTRATION_REFUSED = "0x00000016"
CONNECTOR_RETIRED = "0x00000017"
SERVICE_START_FAILED = "0x00000018"
NOT_INSTALLED = "0x00000019"
EXCHANGE_COMMAND_FAILED = "0x0000001b"
NOTIFICATION_FAILED = "0x0000001c"


class ConnectorError(Exception):
    """Base of everything the connector reports as a failure; `code` is its error code."""

    code = "0x00000000"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} (error {self.code})"


@dataclass(frozen=True)
class Finding:
    """One prerequisite result: what was checked, what was found, what is needed."""

    requirement: str  # SPEC id, e.g. "R1.1"
    title: str
    severity: str  # "ok", "warning" or "blocker"
    found: str
    needed: str
    remedy: str = ""

    @classmethod
    def of(
        cls,
        requirement: str,
        title: str,
        met: bool,
        found: str,
        needed: str,
        remedy: str,
        severity: str = "blocker",
    ) -> Finding:
        """A check's result: `ok` when `met`, else `severity` with its remedy."""
        return cls(
            requirement, title, "ok" if met else severity, found, needed, "" if met else remedy
        )

    def describe(self) -> str:
        text = f"[{self.requirement}] {self.title}: found {self.found}; needed {self.needed}"
        return f"{text}. {self.remedy}" if self.remedy else text


class PrerequisiteNotMet(ConnectorError):
    code = PREREQUISITE_NOT_MET

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = [f for f in findings if f.severity == "blocker"]
        super().__init__("Prerequisites not met: " + "; ".join(f.describe() for f in self.findings))


class PackageIntegrityError(ConnectorError):
    code = PACKAGE_INTEGRITY

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "The setup folder does not match the package manifest; extract "
            "Exchange_Connector_Setup.zip again without renaming or moving files: "
            + "; ".join(problems)
        )


class InvalidConfiguration(ConnectorError):
    """Bad input to the configuration wizard, found before anything is contacted."""

    code = INVALID_CONFIGURATION

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class ExchangeUnreachable(ConnectorError):
    code = EXCHANGE_UNREACHABLE


class ExchangeAuthenticationFailed(ConnectorError):
    code = EXCHANGE_AUTHENTICATION


class UnsupportedExchangeVersion(ConnectorError):
    code = EXCHANGE_VERSION


class MissingCmdlets(ConnectorError):
    code = MISSING_CMDLETS

    def __init__(self, account: str, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            f"The account {account} cannot run the required Exchange cmdlets: " + ", ".join(missing)
        )


class IntuneUnreachable(ConnectorError):
    code = INTUNE_UNREACHABLE


class RegistrationRefused(ConnectorError):
    code = REGISTRATION_REFUSED
    error = ""  # Intune's error code, e.g. badRequest, certificateExpired


class CertificateEnrollmentFailed(ConnectorError):
    """Setup could not enrol the connector's certificate for the signing-in account (the
    2016 service wants a Global Administrator, customer issue C03)."""

    code = CERTIFICATE_ENROLLMENT_FAILED


class ReplaceRequired(ConnectorError):
    """Profile 2018: a connector already serves this Exchange organisation; the administrator
    must confirm Replace to go on (SPEC R3.2)."""

    code = REGISTRATION_REFUSED


class ConnectorRetired(ConnectorError):
    """Intune no longer accepts this connector: it was replaced, or its connection deleted."""

    code = CONNECTOR_RETIRED

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason  # "replaced", "deleted" or "end_of_support"
        super().__init__(message)


class ServiceStartFailed(ConnectorError):
    code = SERVICE_START_FAILED


class ExchangeCommandFailed(ConnectorError):
    """A cmdlet failed during a job; the message carries Exchange's own error."""

    code = EXCHANGE_COMMAND_FAILED

    def __init__(self, cmdlet: str, error_id: str, message: str) -> None:
        self.cmdlet = cmdlet
        self.error_id = error_id
        super().__init__(
            f"{cmdlet} failed: {message} ({error_id})"
            if error_id
            else f"{cmdlet} failed: {message}"
        )


class NotificationFailed(ConnectorError):
    """Autodiscover or EWS refused to deliver a notification (sync is not affected)."""

    code = NOTIFICATION_FAILED


class NotInstalled(ConnectorError):
    code = NOT_INSTALLED
