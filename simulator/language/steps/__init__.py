"""The scenario language's steps: one module per family, each step a model with its handler.

Families: `connector` (the package, setup, the wizard, the service), `console` (the Intune
admin console), `exchange` (a shell line as an Exchange administrator), `directory` (Active
Directory), `devices` (partnerships, syncs, enrolment, compliance) and `world` (faults,
proxies, servers, DNS, Group Policy). Importing this package registers them all in `STEPS`;
`simulator.language.schema` builds the schema from it and the runner dispatches through it.
"""

from simulator.language.steps import connector, console, devices, directory, exchange, world
from simulator.language.steps.base import STEPS, StepBase, StepError, StepKind, StepRunner

FAMILIES = tuple(m.FAMILY for m in (connector, console, exchange, directory, devices, world))

__all__ = ["FAMILIES", "STEPS", "StepBase", "StepError", "StepKind", "StepRunner"]
