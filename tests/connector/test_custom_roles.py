"""Connect against an account built from custom roles (SPEC R1.10): it names exactly the
cmdlets the account lacks — one removed role entry is one missing cmdlet — and the
administrator's fix reaches the account's next session."""

from __future__ import annotations

import pytest

from connector.config import ConfigurationRequest
from connector.configure import ConfigurationWizard
from connector.errors import MissingCmdlets
from connector.exchange import Credential
from tests.connector.conftest import installed, world

SVC, PASSWORD = "CONTOSO\\svc-intune", "P@ssw0rd-svc!"
ACCOUNTS = {
    "domain": "contoso.local",
    "accounts": [
        {
            "name": "CONTOSO\\exadmin",
            "password": "Ex-Adm1n!",
            "role_groups": ["Organization Management"],
        },
        {"name": SVC, "password": PASSWORD},
    ],
}


def _connect(twin):
    runtime = twin.runner.connector("CONN01")
    wizard = ConfigurationWizard(runtime.platform, runtime.shell)
    request = ConfigurationRequest("on_premises", "ex01.contoso.local", Credential(SVC, PASSWORD))
    return twin.call(lambda: wizard.connect(request))


@pytest.mark.parametrize("removed", ["Clear-ActiveSyncDevice", "Set-ActiveSyncMailboxPolicy"])
def test_connect_names_exactly_the_one_cmdlet_a_custom_role_lacks(removed):
    twin, _ = installed(world(directory=ACCOUNTS))
    parent = "Recipient Policies" if removed == "Set-ActiveSyncMailboxPolicy" else "Mail Recipients"
    others = [
        r
        for r in (
            "Mail Recipients",
            "Organization Client Access",
            "Recipient Policies",
            "View-Only Configuration",
        )
        if r != parent
    ]
    roles = ",".join(f'"{r}"' for r in ["Custom", *others])
    for line in (
        f'New-ManagementRole Custom -Parent "{parent}"',
        f"Remove-ManagementRoleEntry Custom\\{removed} -Confirm:$false",
        f'New-RoleGroup "Intune Connector" -Roles {roles} -Members {SVC}',
    ):
        twin.play({"exchange": line})
    with pytest.raises(MissingCmdlets) as err:
        _connect(twin)
    assert err.value.missing == [removed]
    twin.play({"exchange": f"Add-ManagementRoleEntry Custom\\{removed}"})
    assert _connect(twin).connector_id
