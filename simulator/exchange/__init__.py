"""The Exchange organisation twin, organised like one moto service: model, cmdlets, rbac,
session, population, errors — one concern per file."""

from simulator.exchange.model import ExchangeServer, Organization
from simulator.exchange.session import RemoteSession, open_session

__all__ = ["ExchangeServer", "Organization", "RemoteSession", "open_session"]
