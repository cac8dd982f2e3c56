"""What the scenario library must cover: every SPEC requirement, and every customer problem of
`reference/connector-behaviour.md` that the twin can express.

The lists live in code (not in a scenario folder, where the loader would read them as
scenarios) so that the catalogue generator (`exchange-twin list --markdown`) can print the
coverage, and a test can fail when a requirement or an expressible customer problem has no
scenario. A customer problem the twin cannot express is listed with the reason, which the
catalogue shows: that is the honest answer to "can QA reproduce C31?".
"""

from __future__ import annotations

import re

# SPEC.md: R1 has ten requirements, R2 four, R3 five, R4 seven, R5 nine, R6 two, R7 three, R8 two.
_SECTIONS = ((1, 10), (2, 4), (3, 5), (4, 7), (5, 9), (6, 2), (7, 3), (8, 2))
SPEC_IDS: tuple[str, ...] = tuple(f"R{s}.{i}" for s, n in _SECTIONS for i in range(1, n + 1))

# The customer issues catalogue of reference/connector-behaviour.md, by id, in a few words.
CUSTOMER_ISSUES: dict[str, str] = {
    "C01": "setup error 0x00000001: Exchange unreachable through the proxy",
    "C02": "setup error 0x00000006: Intune unreachable (proxy, firewall)",
    "C03": "setup error 0x0000000b: the administrator is not a Global Administrator",
    "C04": "setup fails with (400) Bad Request: no Intune administrator role",
    "C05": "connector version not supported: no Intune licence",
    "C06": "installation fails: files of the setup folder renamed or moved",
    "C07": "service does not start (7000/7041): no Log on as a service",
    "C08": "sync errors: the service account lacks a required cmdlet",
    "C12": "non-compliant device keeps mail: user not targeted or excluded",
    "C13": "non-compliant device not blocked: device never discovered",
    "C14": "device blocked without an activation email",
    "C17": "enrolled, compliant Android still quarantined: not enrolled from the email link",
    "C18": "compliant device still blocked for minutes",
    "C19": "retired or wiped device keeps mail for hours: the access cache",
    "C20": "sync stops after a proxy change: the stored proxy snapshot",
    "C22": "a second connector for the same organisation replaces the first",
    "C23": "the connector's host dies: no failover, install a new connector",
    "C26": "slow discovery: a high-latency CAS",
    "C27": "setup with an MFA administrator fails with an unexpected error",
    "C28": "orphaned partnerships after retire",
    "C29": "Get next command exceptions in the log",
    "C30": "Outlook mobile users are not governed",
    "C31": "the connector stops syncing after the end of support (February 2024)",
    "C32": "on-premises and Exchange Online connectors in one tenant",
}

# Customer problems the twin cannot express, and why (the catalogue prints this).
NOT_EXPRESSIBLE: dict[str, str] = {}

CUSTOMER_TAG = re.compile(r"C\d\d")


def expressible_customer_issues() -> list[str]:
    """The catalogue's problems that some scenario must reproduce (tagged with the id)."""
    return sorted(c for c in CUSTOMER_ISSUES if c not in NOT_EXPRESSIBLE)
