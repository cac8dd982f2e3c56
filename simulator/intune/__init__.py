"""The fake Intune service: tenant, admin console, and the connector's HTTP API
(`service.IntuneService`, `api.IntuneApi`, `console.AdminConsole`, `errors.IntuneError`).

Nothing is imported here, so that reading a constant of one module (the scenario schema
reads `admin_roles.ADMIN_ROLES`) does not load the whole service."""
