"""The cmdlets, one module per noun family; importing the package registers them all.

Every function receives the `Invocation` (organisation, session, simulated time, bound
parameters, ShouldProcess) and returns output objects built by `views`. Errors are raised as
the Exchange-shaped errors of `errors`. Each cmdlet's docstring says what is emulated and what
is not: `exchange-twin fidelity` collects them into docs/fidelity.md.
"""

from simulator.exchange.cmdlets import (  # noqa: F401  (registration)
    audit,
    command,
    device_classes,
    devices,
    mailboxes,
    organization,
    orgconfig,
    policies,
    recipients,
    role_entries,
    role_groups,
    roles,
    rules,
    servers,
    users,
)
