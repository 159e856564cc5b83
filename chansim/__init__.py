"""chansim: a training and simulation sandbox for channel sales management.

The engine (scenario, model, engine, results, metrics) never imports the UI.
"""

# the layers above the engine plug themselves in when imported: the business layer as the
# engine's extension, the result classes, the KPI functions (see chansim.engine.install_*)
import chansim.business.kpis
import chansim.business.runtime
import chansim.metrics
import chansim.results  # noqa: F401
from chansim.engine import Session, SimulationError, replicate, run
from chansim.io import ScenarioError, dump_scenario, load_scenario, parse_scenario, scenario_to_yaml
from chansim.scenario import Scenario
from chansim.version import __version__

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
