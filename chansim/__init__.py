"""chansim: a training and simulation sandbox for channel sales management.

The engine (scenario, model, engine, results, metrics) never imports the UI.
"""

from chansim.engine import Session, SimulationError, replicate, run
from chansim.io import ScenarioError, dump_scenario, load_scenario, parse_scenario, scenario_to_yaml
from chansim.scenario import Scenario

__version__ = "0.1.0"

__all__ = [
    "Scenario",
    "ScenarioError",
    "Session",
    "SimulationError",
    "__version__",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
    "replicate",
    "run",
    "scenario_to_yaml",
]
