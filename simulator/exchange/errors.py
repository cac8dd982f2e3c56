"""Errors shaped like Exchange's: the exception type name as FullyQualifiedErrorId, the
PowerShell category, and the real message text (reference/exchange-cmdlets.md §1, §3)."""

from __future__ import annotations


class ExchangeError(Exception):
    error_id = "ExchangeException"
    category = "NotSpecified"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CommandNotFound(ExchangeError):
    error_id = "CommandNotFoundException"
    category = "ObjectNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or "
            "operable program. Check the spelling of the name, or if a path was included, verify that "
            "the path is correct and try again."
        )
        self.name = name


class ParameterNotFound(ExchangeError):
    error_id = "NamedParameterNotFound"
    category = "InvalidArgument"

    def __init__(self, cmdlet: str, parameter: str) -> None:
        super().__init__(f"A parameter cannot be found that matches parameter name '{parameter}'.")
        self.cmdlet = cmdlet
        self.parameter = parameter


class ParameterBindingError(ExchangeError):
    """Missing mandatory parameter, ambiguous parameter set, bad value transformation."""

    error_id = "ParameterBindingException"
    category = "InvalidArgument"


class InvalidArgument(ExchangeError):
    error_id = "ArgumentException"
    category = "InvalidArgument"


class ObjectNotFound(ExchangeError):
    error_id = "ManagementObjectNotFoundException"
    category = "NotSpecified"

    @classmethod
    def for_identity(cls, identity: str, domain_controller: str | None = None) -> ObjectNotFound:
        where = f" on '{domain_controller}'" if domain_controller else ""
        return cls(
            f"The operation couldn't be performed because object '{identity}' couldn't be found{where}."
        )


class AmbiguousIdentity(ExchangeError):
    error_id = "ManagementObjectAmbiguousException"
    category = "NotSpecified"

    def __init__(self, identity: str) -> None:
        super().__init__(
            f"The operation couldn't be performed because '{identity}' matches multiple entries."
        )


class ObjectAlreadyExists(ExchangeError):
    error_id = "ADObjectAlreadyExistsException"
    category = "NotSpecified"

    def __init__(self, dc: str, dn: str) -> None:
        super().__init__(
            f"Active Directory operation failed on {dc}. The object '{dn}' already exists."
        )


class WriteScopeError(ExchangeError):
    error_id = "OperationRequiresGroupManagerException"
    category = "PermissionDenied"


class FilterError(ExchangeError):
    error_id = "ParserException"
    category = "InvalidArgument"


class Throttled(ExchangeError):
    error_id = "ThrottlingException"  # PSRemotingTransportException in a real runspace
    category = "ResourceUnavailable"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RemoteConnectError(ExchangeError):
    """Opening the remote session failed (PSRemotingTransportException)."""

    error_id = "PSSessionOpenFailed"
    category = "OpenError"

    def __init__(self, server: str, reason: str, kind: str) -> None:
        super().__init__(
            f"Connecting to remote server {server} failed with the following error message : {reason} "
            "For more information, see the about_Remote_Troubleshooting Help topic."
        )
        self.server = server
        self.kind = kind  # unreachable, dns, not_cas, auth:<reason>, trust
