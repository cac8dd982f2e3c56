"""The Exchange Management Shell twin: a PowerShell subset over a remote Exchange session,
for people (`exchange-twin shell`) and for scenarios (one line at a time)."""

from simulator.exchange.shell.interpreter import ExchangeShell
from simulator.exchange.shell.parser import parse
from simulator.exchange.shell.scanner import ShellParseError

__all__ = ["ExchangeShell", "ShellParseError", "parse"]
