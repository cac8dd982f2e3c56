"""Errors shaped like Exchange's (DESIGN "Errors carry the real identity").

One base class carries what PowerShell prints for an error record: the message, the
`FullyQualifiedErrorId` (the exception type name or PowerShell's own id) and the category.
One subclass per real error, each building the real message text from its arguments
(reference/exchange-cmdlets.md §1, §2, §3), so tests assert the id and the text together.
"""

from __future__ import annotations


class ExchangeError(Exception):
    """An error record as a remote Exchange session returns it."""

    error_id = "ExchangeException"
    category = "NotSpecified"
    exception_type = ""  # the .NET exception type PowerShell prints in CategoryInfo

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.target = ""  # the object the error is about, when known

    def __str__(self) -> str:
        return self.message

    @property
    def type_name(self) -> str:
        return self.exception_type or self.error_id


# -- PowerShell's own errors (before the cmdlet runs) ---------------------------------------------
class CommandNotFound(ExchangeError):
    """The session offers no such command: RBAC grants no role containing it, or the server's
    version does not have it."""

    error_id = "CommandNotFoundException"
    category = "ObjectNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or "
            "operable program. Check the spelling of the name, or if a path was included, verify that "
            "the path is correct and try again."
        )
        self.name = name
        self.target = name


class ParameterBindingError(ExchangeError):
    """A parameter could not be bound: missing mandatory, unresolvable set, bad conversion."""

    error_id = "ParameterBindingException"
    category = "InvalidArgument"
    exception_type = "ParameterBindingException"


class ParameterNotFound(ParameterBindingError):
    """The cmdlet has no such parameter, or the caller's roles do not grant it."""

    error_id = "NamedParameterNotFound"

    def __init__(self, cmdlet: str, parameter: str) -> None:
        super().__init__(f"A parameter cannot be found that matches parameter name '{parameter}'.")
        self.cmdlet = cmdlet
        self.parameter = parameter


class AmbiguousParameter(ParameterBindingError):
    error_id = "AmbiguousParameter"

    def __init__(self, parameter: str, matches: list[str]) -> None:
        options = " ".join(f"-{m}" for m in matches)
        super().__init__(
            f"Parameter cannot be processed because the parameter name '{parameter}' is ambiguous. "
            f"Possible matches include: {options}."
        )


class PositionalParameterNotFound(ParameterBindingError):
    error_id = "PositionalParameterNotFound"

    def __init__(self, argument: object) -> None:
        super().__init__(
            f"A positional parameter cannot be found that accepts argument '{argument}'."
        )


class AmbiguousParameterSet(ParameterBindingError):
    error_id = "AmbiguousParameterSet"

    def __init__(self) -> None:
        super().__init__("Parameter set cannot be resolved using the specified named parameters.")


class MissingMandatoryParameter(ParameterBindingError):
    error_id = "MissingMandatoryParameter"

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            "Cannot process command because of one or more missing mandatory parameters: "
            f"{' '.join(names)}."
        )


class ArgumentTransformationError(ParameterBindingError):
    error_id = "ParameterArgumentTransformationError"

    def __init__(self, parameter: str, value: object, type_name: str, detail: str = "") -> None:
        text = (
            f"Cannot process argument transformation on parameter '{parameter}'. Cannot convert value "
            f'"{value}" to type "{type_name}".'
        )
        if detail:
            text += f' Error: "{detail}"'
        super().__init__(text)


class HostPromptNotSupported(ExchangeError):
    """A ConfirmImpact High cmdlet (or a ShouldContinue question) needed an answer and the
    caller's host cannot prompt — what a non-interactive remote runspace reports."""

    error_id = "HostFunctionNotImplemented"
    category = "NotImplemented"
    exception_type = "HostException"

    def __init__(self, question: str) -> None:
        super().__init__(
            "A command that prompts the user failed because the host program or the command type does "
            "not support user interaction. The host was attempting to request confirmation with the "
            f"following message: {question}"
        )


class PipelineStopped(ExchangeError):
    """The person answered No to a confirmation prompt; nothing was changed."""

    error_id = "PipelineStopped"
    category = "OperationStopped"

    def __init__(self) -> None:
        super().__init__("The pipeline has been stopped.")


# -- Exchange's errors -----------------------------------------------------------------------------
class InvalidArgument(ExchangeError):
    error_id = "ArgumentException"
    category = "InvalidArgument"


class DataValidationError(ExchangeError):
    """A property value Exchange's schema refuses (range, length, format)."""

    error_id = "DataValidationException"
    category = "InvalidData"


class PropertyOutOfRange(DataValidationError):
    def __init__(self, value: object, low: object, high: object) -> None:
        super().__init__(
            f"The property, ({value}), is out of range. The valid range is from {low} to {high}."
        )


class PropertyTooLong(DataValidationError):
    def __init__(self, maximum: int, length: int) -> None:
        super().__init__(
            f"The length of the property is too long. The maximum length is {maximum} and the length "
            f"of the value provided is {length}."
        )


class ValueAlreadyPresent(DataValidationError):
    """Adding a value a multi-valued property already holds."""

    error_id = "InvalidOperationException"
    category = "InvalidOperation"

    def __init__(self, value: object) -> None:
        super().__init__(f'The value "{value}" is already present in the collection.')


class ObjectNotFound(ExchangeError):
    error_id = "ManagementObjectNotFoundException"
    category = "NotSpecified"

    @classmethod
    def for_identity(cls, identity: str, domain_controller: str | None = None) -> ObjectNotFound:
        where = f" on '{domain_controller}'" if domain_controller else ""
        error = cls(
            f"The operation couldn't be performed because object '{identity}' couldn't be found{where}."
        )
        error.target = identity
        return error


class MobileDeviceNotFound(ObjectNotFound):
    @classmethod
    def for_device(cls, identity: str) -> MobileDeviceNotFound:
        error = cls(f"The mobile device {identity} cannot be found.")
        error.target = identity
        return error


class RecipientNotFound(ExchangeError):
    error_id = "RecipientNotFoundException"
    category = "NotSpecified"

    def __init__(self, identity: str) -> None:
        super().__init__(f"Recipient '{identity}' couldn't be found on the domain controller.")
        self.target = identity


class RecipientNotUnique(ExchangeError):
    error_id = "RecipientNotUniqueException"
    category = "NotSpecified"

    def __init__(self, identity: str) -> None:
        super().__init__(f"Recipient '{identity}' isn't unique.")
        self.target = identity


class AmbiguousIdentity(ExchangeError):
    error_id = "ManagementObjectAmbiguousException"
    category = "NotSpecified"

    def __init__(self, identity: str) -> None:
        super().__init__(
            f"The operation couldn't be performed because '{identity}' matches multiple entries."
        )
        self.target = identity


class ObjectAlreadyExists(ExchangeError):
    error_id = "ADObjectAlreadyExistsException"
    category = "NotSpecified"

    def __init__(self, dc: str, dn: str) -> None:
        super().__init__(
            f"Active Directory operation failed on {dc}. The object '{dn}' already exists."
        )
        self.target = dn


class DomainNotFound(ExchangeError):
    error_id = "DomainNotFoundException"
    category = "NotSpecified"

    def __init__(self, domain: str) -> None:
        super().__init__(f"The domain '{domain}' couldn't be found.")
        self.target = domain


class NoOrganizationSettings(ExchangeError):
    error_id = "NoActiveSyncOrganizationSettingsException"
    category = "NotSpecified"

    def __init__(self, organization: str) -> None:
        super().__init__(
            "There are no Exchange ActiveSync organization settings configured for Organization "
            f"'{organization}'."
        )


class WriteScopeError(ExchangeError):
    """The object is visible but outside the write scope of every role that grants the cmdlet."""

    error_id = "OperationRequiresGroupManagerException"
    category = "PermissionDenied"

    @classmethod
    def recipient(cls, identity: str) -> WriteScopeError:
        error = cls(
            f"The operation on mailbox '{identity}' failed because it's out of the current user's write "
            "scope."
        )
        error.target = identity
        return error

    @classmethod
    def configuration(cls, identity: str) -> WriteScopeError:
        error = cls(
            f"'{identity}' isn't within your current write scopes. Can't perform save operation."
        )
        error.target = identity
        return error


class FilterError(ExchangeError):
    error_id = "ParserException"
    category = "InvalidArgument"


class SessionBroken(ExchangeError):
    """The runspace is closed, timed out, or its server went down."""

    error_id = "JobFailure"
    category = "OpenError"
    exception_type = "PSRemotingTransportException"


class Throttled(ExchangeError):
    """The account's throttling budget is spent; `retry_after` seconds until it recovers."""

    error_id = "ThrottlingException"
    category = "ResourceUnavailable"
    exception_type = "PSRemotingTransportException"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CmdletBudgetExceeded(Throttled):
    """PowerShellMaxCmdlets per PowerShellMaxCmdletsTimePeriod (the WinRM user load quota)."""

    error_id = "-2144108120,PSSessionStateBroken"

    def __init__(self, limit: int, period: float, retry_after: float) -> None:
        super().__init__(
            "The WS-Management service cannot process the request. The user load quota of "
            f"{limit} requests per {int(period)} seconds has been exceeded. Send future requests at a "
            "slower rate or raise the quota for this user. The next request from this user will not be "
            f"approved for at least {int(retry_after * 1000)} milliseconds.",
            retry_after,
        )


class ConcurrencyExceeded(Throttled):
    """PowerShellMaxConcurrency: too many open runspaces for the account."""

    error_id = "PSSessionOpenFailed"
    category = "OpenError"

    def __init__(self, server: str, limit: int, retry_after: float) -> None:
        super().__init__(
            f"Connecting to remote server {server} failed with the following error message : The "
            f"WS-Management service cannot process the request. This user is allowed a maximum number of "
            f"{limit} concurrent shells, which has been exceeded. Close existing shells or raise the quota "
            "for this user. For more information, see the about_Remote_Troubleshooting Help topic.",
            retry_after,
        )
        self.limit = limit


class RemoteConnectError(ExchangeError):
    """Opening the remote session failed (PSRemotingTransportException)."""

    error_id = "PSSessionOpenFailed"
    category = "OpenError"
    exception_type = "PSRemotingTransportException"

    def __init__(self, server: str, reason: str, kind: str) -> None:
        super().__init__(
            f"Connecting to remote server {server} failed with the following error message : {reason} "
            "For more information, see the about_Remote_Troubleshooting Help topic."
        )
        self.server = server
        self.kind = kind  # unreachable, dns, not_cas, no_remote_powershell, auth:<reason>, trust


# -- RBAC: management roles, role entries, role groups (cmdlets/rbac.py) ----------------------------
class RbacOperationError(ExchangeError):
    """A change RBAC refuses: an entry of a built-in role, an entry or parameter the parent role
    lacks, an entry a child role still holds, a member already in (or not in) a group."""

    error_id = "InvalidOperationException"
    category = "InvalidOperation"

    @classmethod
    def built_in(cls, role: str) -> RbacOperationError:
        return cls(f"You can't add, remove, or modify role entries on built-in role '{role}'.")

    @classmethod
    def not_in_parent(cls, cmdlet: str, role: str, parent: str) -> RbacOperationError:
        return cls(
            f"The role entry '{cmdlet}' can't be added to the role '{role}' because it doesn't "
            f"exist in the parent role '{parent}'."
        )

    @classmethod
    def parameters_not_in_parent(
        cls, parameters: list[str], entry: str, parent: str
    ) -> RbacOperationError:
        return cls(
            f"The parameters {', '.join(parameters)} can't be added to the role entry '{entry}' "
            f"because they don't exist on the role entry of the parent role '{parent}'."
        )

    @classmethod
    def entry_exists(cls, cmdlet: str, role: str) -> RbacOperationError:
        return cls(f"The role entry '{cmdlet}' already exists on the role '{role}'.")

    @classmethod
    def held_by_child(cls, entry: str, child: str) -> RbacOperationError:
        return cls(
            f"The role entry '{entry}' can't be changed because the child role '{child}' has it. "
            "Remove the entry (or its parameters) from the child roles first."
        )

    @classmethod
    def already_member(cls, member: str, group: str) -> RbacOperationError:
        error = cls(f'The recipient "{member}" is already a member of the group "{group}".')
        error.error_id = "MemberAlreadyExistsException"
        return error

    @classmethod
    def not_member(cls, member: str, group: str) -> RbacOperationError:
        error = cls(f'The recipient "{member}" isn\'t a member of the group "{group}".')
        error.error_id = "MemberNotFoundException"
        return error
