"""The tenant's administrator roles (Entra ID directory roles) the twin knows, and those that
may administer Intune — apart from `tenant.py` so that the world's configuration types can
name them without loading the tenant's model (`exchange-twin validate` starts light)."""

from __future__ import annotations

GLOBAL_ADMIN = "Global Administrator"
INTUNE_ADMIN = "Intune Service Administrator"
ADMIN_ROLES = (GLOBAL_ADMIN, INTUNE_ADMIN, "Exchange Administrator", "Helpdesk Administrator")
INTUNE_ROLES = (GLOBAL_ADMIN, INTUNE_ADMIN)
