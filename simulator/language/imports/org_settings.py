"""`Get-ActiveSyncOrganizationSettings` (Export-Clixml or Export-Csv) → `world.exchange.settings`.

Carried over: what the twin's organisation settings hold (exchange/settings.py, set at
start through world/config's `OrgSettingsSpec`) — DefaultAccessLevel, AdminMailRecipients,
UserMailInsert, OtaNotificationMailInsert, AllowAccessForUnSupportedPlatform and
AllowRMSSupportForUnenlightenedApps. Reported as not mapped, never guessed: what the twin
cannot set at start (DeviceFiltering — device filtering rules; IsIntuneManaged, which only
Exchange Online sets), and a list Export-Csv wrote as its type name. Exchange's own
bookkeeping (names, GUIDs, DNs, versions, times) is made by the twin itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from simulator.language.imports.exports import read_export
from simulator.language.imports.powershell_csv import ExportError, multi_value

if TYPE_CHECKING:
    from simulator.language.imports.anonymise import Pseudonyms
    from simulator.language.imports.companions import ImportReport

TYPES = ["ActiveSyncOrganizationSettings"]
COLUMNS = ["DefaultAccessLevel"]
LEVELS = ("Allow", "Block", "Quarantine")
_SMTP = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TEXTS = {
    "usermailinsert": "user_mail_insert",
    "otanotificationmailinsert": "ota_notification_mail_insert",
}
_FLAGS = {
    "allowaccessforunsupportedplatform": "allow_access_for_unsupported_platform",
    "allowrmssupportforunenlightenedapps": "allow_rms_for_unenlightened_apps",
}
#: Properties the twin's settings do not hold, and why (listed as not mapped when set).
NOT_MODELLED = {
    "devicefiltering": "DeviceFiltering (device filtering rules are not modelled)",
    "isintunemanaged": "IsIntuneManaged (set by Exchange Online's Intune integration only)",
}
#: Exchange's own bookkeeping of the object, which the twin makes itself.
OWN = {
    "name",
    "identity",
    "guid",
    "distinguishedname",
    "exchangeversion",
    "admindisplayname",
    "whenchanged",
    "whencreated",
    "whenchangedutc",
    "whencreatedutc",
    "originatingserver",
    "isvalid",
    "objectstate",
    "id",
    "objectcategory",
    "objectclass",
    "organizationid",
}


def import_org_settings(path: str, pseudo: Pseudonyms, report: ImportReport) -> dict[str, Any]:
    """The `world.exchange.settings` of the export at `path` (one settings object)."""
    table = read_export(path, TYPES, COLUMNS)
    if not table.rows:
        raise ExportError(
            path,
            1,
            1,
            "no settings object; expected the export of Get-ActiveSyncOrganizationSettings",
        )
    if len(table.rows) > 1:
        raise table.error(
            1,
            None,
            f"{len(table.rows)} settings objects; an organisation has exactly one "
            "(Get-ActiveSyncOrganizationSettings)",
        )
    row = table.rows[0]

    def cell(column: str) -> str:
        i = table.index.get(column)
        return row[i] if i is not None else ""

    level = cell("defaultaccesslevel").strip()
    if level not in LEVELS:
        raise table.error(
            0, "DefaultAccessLevel", f"{level!r}: expected Allow, Block or Quarantine"
        )
    settings: dict[str, Any] = {"default_access_level": level}
    if table.has("AdminMailRecipients"):
        recipients = multi_value(cell("adminmailrecipients"))
        if recipients is None:
            report.unmapped_other[
                "AdminMailRecipients (Export-Csv wrote the list's type name, not its addresses; "
                "export with Export-Clixml to keep them)"
            ] += 1
        else:
            for address in recipients:
                if not _SMTP.match(address):
                    raise table.error(
                        0, "AdminMailRecipients", f"{address!r} is not an SMTP address"
                    )
            if recipients:
                settings["admin_mail_recipients"] = [pseudo.address(a) for a in recipients]
    for column, key in _TEXTS.items():
        value = cell(column)
        if len(value) > 256:
            raise table.error(0, column, f"{len(value)} characters; Exchange allows at most 256")
        if value:
            settings[key] = pseudo.text("mail-insert", value) if pseudo.enabled else value
    for column, key in _FLAGS.items():
        value = cell(column).strip()
        if value:
            if value not in ("True", "False"):
                raise table.error(0, column, f"{value!r}: expected True or False")
            settings[key] = value == "True"
    for column, what in NOT_MODELLED.items():
        value = cell(column).strip()
        if value and value != "False" and value != "{}":
            report.unmapped_other[f"organisation setting {what}: {value[:60]}"] += 1
    known = OWN | set(NOT_MODELLED) | set(_TEXTS) | set(_FLAGS)
    known |= {"defaultaccesslevel", "adminmailrecipients"}
    for column in table.columns:
        if column.lower() not in known and cell(column.lower()).strip():
            report.unmapped_other[f"organisation setting {column} (not modelled by the twin)"] += 1
    report.notes.append("organisation settings carried over: " + ", ".join(settings))
    return settings
