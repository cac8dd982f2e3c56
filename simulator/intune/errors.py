"""Refusals of the fake Intune service: HTTP status, error code and message, as the JSON
body `{"error": <code>, "message": <text>, ...}` the connector reads (docs/intune-api.md).

One class per refusal, so that tests and handlers name the refusal rather than its numbers;
`IntuneError(message, status=..., error=...)` serves a one-off.
"""

from __future__ import annotations

from typing import Any


class IntuneError(Exception):
    """An API or console refusal: HTTP status, error code and message (the JSON body).

    Subclasses fix `status` and `error`; extra keyword arguments become extra body fields
    (`existing` of a 409 `replaceRequired`)."""

    status = 500
    error = "internalError"

    def __init__(
        self, message: str, *, status: int | None = None, error: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if error is not None:
            self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, **self.extra}


class BadRequest(IntuneError):
    """The signing-in account lacks the Intune Service Administrator or Global
    Administrator role, or an Intune licence (customer issue C04: "(400) Bad Request")."""

    status = 400
    error = "badRequest"


class InvalidBody(IntuneError):
    """The JSON body lacks a field or a field has the wrong type."""

    status = 400
    error = "invalidBody"


class InvalidDevice(IntuneError):
    """A device record is malformed."""

    status = 400
    error = "invalidDevice"


class InvalidSyncType(IntuneError):
    """`syncType` is neither fullSync nor deltaSync."""

    status = 400
    error = "invalidSyncType"


class InvalidPage(IntuneError):
    """The page number is not a whole number >= 0."""

    status = 400
    error = "invalidPage"


class Unauthorized(IntuneError):
    """Unknown connector id, or a wrong token."""

    status = 401
    error = "unauthorized"


class InvalidCertificate(IntuneError):
    """Not an account certificate this tenant issued."""

    status = 401
    error = "invalidCertificate"


class CertificateExpired(IntuneError):
    """The account certificate is past its expiry."""

    status = 401
    error = "certificateExpired"


class ConnectorCertificateExpired(IntuneError):
    """The registered connector's credential has expired; configure it again."""

    status = 401
    error = "connectorCertificateExpired"


class CertificateEnrollmentFailed(IntuneError):
    """Profile 2016: the connector's certificate is enrolled on behalf of the signing-in
    account, which must then be a Global Administrator; for any other account the enrolment
    fails the way setup reports it (customer issue C03, error 0x0000000b)."""

    status = 400
    error = "certificateEnrollmentFailed"


class EndOfSupport(IntuneError):
    """The on-premises connector is past its end of support: Intune accepts nothing from it
    (customer issue C31)."""

    status = 403
    error = "connectorEndOfSupport"


class SignInRequired(IntuneError):
    """The tenant requires an administrator to sign in to register."""

    status = 401
    error = "signInRequired"


class SignInFailed(IntuneError):
    """The administrator's credentials were refused (unknown account, wrong
    password, or multi-factor authentication the setup cannot complete, C27)."""

    status = 401
    error = "signInFailed"


class Forbidden(IntuneError):
    """The caller is not a tenant administrator with the role the action needs."""

    status = 403
    error = "forbidden"


class MdmAuthorityNotIntune(IntuneError):
    """The tenant's MDM authority is not Intune (SPEC R1.5)."""

    status = 403
    error = "mdmAuthorityNotIntune"


class DirectorySyncNotConfigured(IntuneError):
    """Directory synchronisation is not configured (SPEC R1.6)."""

    status = 403
    error = "directorySyncNotConfigured"


class ExchangeOnlineConnectorExists(IntuneError):
    """An Exchange Online connector exists; the two cannot coexist (SPEC R3.2, C32)."""

    status = 403
    error = "exchangeOnlineConnectorExists"


class NotFound(IntuneError):
    """No such route."""

    status = 404
    error = "notFound"


class SyncNotFound(IntuneError):
    """No such open sync for this connector."""

    status = 404
    error = "syncNotFound"


class CommandNotFound(IntuneError):
    """No such command for this connector."""

    status = 404
    error = "commandNotFound"


class ConnectionNotFound(IntuneError):
    """No such Exchange connection."""

    status = 404
    error = "connectionNotFound"


class MethodNotAllowed(IntuneError):
    """The route exists for other HTTP methods."""

    status = 405
    error = "methodNotAllowed"


class ReplaceRequired(IntuneError):
    """Profile 2018: a connector already serves this Exchange organisation."""

    status = 409
    error = "replaceRequired"


class Conflict(IntuneError):
    """The change contradicts the tenant's state."""

    status = 409
    error = "conflict"


class ConnectorReplaced(IntuneError):
    """A newer registration replaced this connector (SPEC R3.3)."""

    status = 410
    error = "connectorReplaced"


class ConnectionDeleted(IntuneError):
    """The Exchange connection was deleted in the console (SPEC R6.2)."""

    status = 410
    error = "connectionDeleted"
