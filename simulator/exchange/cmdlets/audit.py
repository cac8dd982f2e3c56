"""Search-AdminAuditLog: the admin audit log every Set/New/Remove/Clear is recorded in."""

from __future__ import annotations

import fnmatch
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import DOMAIN_CONTROLLER, limit
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record, audit_view

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


@cmdlet(
    "Search-AdminAuditLog",
    [
        Param("Cmdlets", "multivalued"),
        Param("Parameters", "multivalued"),
        Param("ObjectIds", "multivalued"),
        Param("UserIds", "multivalued"),
        Param("StartDate", "datetime"),
        Param("EndDate", "datetime"),
        Param("IsSuccess", "bool"),
        Param("ResultSize", "int"),
        DOMAIN_CONTROLLER,
    ],
    since=(14, 0),
    output_type="AdminAuditLogEvent",
    roles=("Audit Logs", "View-Only Audit Logs"),
)
def search_admin_audit_log(
    ctx: Invocation,
    Cmdlets: list[str] | None = None,
    Parameters: list[str] | None = None,
    ObjectIds: list[str] | None = None,
    UserIds: list[str] | None = None,
    StartDate: datetime | None = None,
    EndDate: datetime | None = None,
    IsSuccess: bool | None = None,
    ResultSize: int | None = None,
    **_: Any,
) -> list[Record]:
    """Searches the admin audit log: every Set/New/Remove/Clear that ran, newest first.

    Emulated: -Cmdlets, -Parameters, -ObjectIds (wildcards), -UserIds, -StartDate, -EndDate,
    -IsSuccess, -ResultSize (default 1000).
    Not emulated: Exchange writes entries into an arbitration mailbox with a delay of up to 15
    minutes; the twin's entries are searchable at once. Set-ADServerSettings (a session
    setting) is not audited.
    """
    org = ctx.org
    wanted_cmdlets = {c.lower() for c in Cmdlets or ()}
    wanted_params = {p.lower() for p in Parameters or ()}
    users = [u.lower() for u in UserIds or ()]

    def keep(entry: Any) -> bool:
        when = org.dt(entry.time)
        assert when is not None
        return (
            (not wanted_cmdlets or entry.cmdlet.lower() in wanted_cmdlets)
            and (not wanted_params or wanted_params & {k.lower() for k in entry.parameters})
            and (
                not ObjectIds
                or any(
                    fnmatch.fnmatchcase(entry.object_modified.lower(), o.lower()) for o in ObjectIds
                )
            )
            and (not users or any(u in entry.caller.lower() for u in users))
            and (StartDate is None or when >= StartDate)
            and (EndDate is None or when <= EndDate)
            and (IsSuccess is None or entry.succeeded == IsSuccess)
        )

    entries = (e for e in reversed(org.audit_log) if keep(e))
    return [audit_view(org, e) for e in limit(ctx, entries, ResultSize)]
