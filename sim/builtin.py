"""The built-in scenario library: the YAML files in the project's `scenarios/` folder.

A scenario can be named by its file path or, for the built-in ones, by its id
(`normal-week`). `ITSM_SCENARIOS` points at another folder when set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.loader import Problem, ScenarioError, load_scenario
from sim.scenario import Scenario


def scenarios_dir() -> Path:
    override = os.environ.get("ITSM_SCENARIOS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class BuiltinScenario:
    id: str
    title: str
    path: Path
    description: str


def list_builtin() -> list[BuiltinScenario]:
    """Every scenario in the library, by id."""
    found = []
    folder = scenarios_dir()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        scenario = load_scenario(path)
        found.append(BuiltinScenario(scenario.id, scenario.title, path, scenario.description))
    return found


def builtin_path(scenario_id: str) -> Path:
    path = scenarios_dir() / f"{scenario_id}.yaml"
    if path.is_file():
        return path
    ids = ", ".join(s.stem for s in sorted(scenarios_dir().glob("*.yaml")))
    raise ScenarioError([Problem(
        scenario_id, None, "",
        f"no such file, and no built-in scenario with this id (built-in: {ids or 'none'})",
    )])


def load_builtin(scenario_id: str) -> Scenario:
    return load_scenario(builtin_path(scenario_id))


def resolve_scenario(name: str | os.PathLike) -> Scenario:
    """A scenario from a file path, or from the library by id."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists() or os.sep in str(name):
        return load_scenario(path)
    return load_builtin(str(name))
