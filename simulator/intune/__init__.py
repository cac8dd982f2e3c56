"""The fake Intune service: tenant, admin console, and the connector's HTTP API."""

from simulator.intune.api import IntuneApi
from simulator.intune.console import AdminConsole
from simulator.intune.errors import IntuneError
from simulator.intune.service import IntuneService

__all__ = ["AdminConsole", "IntuneApi", "IntuneError", "IntuneService"]
