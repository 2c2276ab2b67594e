"""Moments of Truth — the simulation engine of an IT service organisation.

The public API (front ends, reports and the command line use nothing else):

- `load_scenario(path)`, `scenario_from_text(text)`, `scenario_from_data(data)`: read and
  validate a scenario; bad input raises `ScenarioError`, whose `problems` are located
  (`FILE:LINE: field.path: what was expected`);
- `list_builtin()`, `load_builtin(id)`, `resolve_scenario(path_or_id)`: the scenario library;
- `Simulation(scenario, seed)`: one run, driven by `run()` to the end or `advance(to_min)`
  step by step, with a `Snapshot` of the world after each step;
- `run_scenario(scenario, seed)`: one run in one call, returning its `Outcome` (event log and
  key figures);
- `run_replications(scenario, seed, replications)`: many seeds in parallel, summarised by
  `Estimate`s (mean and 95% confidence interval).

`sim` never imports pygame, matplotlib, `game` or `reports`.
"""

from sim.builtin import list_builtin, load_builtin, resolve_scenario
from sim.engine import ENGINE_VERSION, Outcome, Simulation, Snapshot
from sim.eventlog import EVENTS, EventLog
from sim.experiments import load_experiment, run_experiment
from sim.kpis import backlog_over_time, compute_kpis
from sim.loader import Problem, ScenarioError, load_scenario, scenario_from_data, scenario_from_text
from sim.replications import Estimate, Replications, estimate, run_replications
from sim.scenario import Scenario


def run_scenario(scenario: Scenario, seed: int = 0, replication: int = 0) -> Outcome:
    """Run a scenario once, to the end, and return its outcome."""
    return Simulation(scenario, seed=seed, replication=replication).run()


__all__ = [
    "ENGINE_VERSION", "EVENTS", "Estimate", "EventLog", "Outcome", "Problem", "Replications",
    "Scenario", "ScenarioError", "Simulation", "Snapshot", "backlog_over_time",
    "compute_kpis", "estimate", "list_builtin", "load_builtin", "load_experiment",
    "load_scenario", "run_experiment",
    "resolve_scenario", "run_replications", "run_scenario", "scenario_from_data",
    "scenario_from_text",
]
