"""chansim: a training and simulation sandbox for channel sales management.

The engine (scenario, model, engine, results, metrics) never imports the UI.
"""

import importlib

from chansim import engine as _engine
from chansim.engine import Session, SimulationError, replicate, run
from chansim.io import ScenarioError, dump_scenario, load_scenario, parse_scenario, scenario_to_yaml
from chansim.scenario import Scenario
from chansim.version import __version__

#: The layers above the engine that plug themselves in when imported: the business layer as
#: the engine's extension, the result classes, the KPI functions (see chansim.engine.install_*).
#: They (and pandas with them) are imported before the first session is built, not by
#: ``import chansim``: a kernel that only shows a page (the home page) never loads them.
PLUGIN_MODULES = ("chansim.results", "chansim.metrics", "chansim.business.kpis", "chansim.business.runtime")


def load_plugins() -> None:
    """Import the layers above the engine (:data:`PLUGIN_MODULES`); each installs itself."""
    for name in PLUGIN_MODULES:
        importlib.import_module(name)


_engine.install_loader(load_plugins)


def __getattr__(name: str):  # ``chansim.results``, ``chansim.metrics`` before anything imported them
    if name in ("results", "metrics"):
        return importlib.import_module(f"chansim.{name}")
    raise AttributeError(f"module 'chansim' has no attribute {name!r}")


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
