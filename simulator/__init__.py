"""The world around the connector: Exchange, Active Directory, hosts, network and Intune,
all on one simulated clock, plus the scenario language and its runner."""

from simulator.runner import RunResult, run_many, run_scenario
from simulator.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run_many", "run_scenario"]
