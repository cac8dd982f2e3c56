"""The Exchange organisation twin, organised like one moto service: model, cmdlets, rbac,
session, population, errors — one concern per file.

Nothing is imported here, so that the scenario schema can read what it validates against
(`versions`, `rbac`, `policy_settings`) without loading the organisation's model."""
