"""Replay files: a run kept as the few things it is a function of.

A run is a pure function of (scenario, seed, decisions), so a replay file holds just those —
the scenario's id, where it came from and a hash of its content, the seed, the decisions
with their moments — plus the engine version and the digest of the event log, so that
replaying can say whether it reproduced the run exactly. It is a small JSON file:

    {"format": "moments-of-truth/replay", "version": 1, "engine_version": "0.1.0",
     "scenario": {"id": "softphone-cutover", "source": "softphone-cutover",
                  "sha256": "..."},
     "seed": 7, "replication": 0, "team": "Blue table",
     "decisions": [{"point": "preparation", "occurrence": 1, "at_min": 0.0,
                    "levers": ["brief-help-desk"]},
                   {"at_min": 612.5, "levers": ["temp-staff"]}],
     "event_log_sha256": "...", "kpis": {...}}

A replay whose scenario has changed since (another hash) is refused: replaying it would not
reproduce the run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.decisions import Decision, DecisionPlan
from sim.errors import Problem, ScenarioError
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.yamlsafe import Marks

FORMAT = "moments-of-truth/replay"
VERSION = 1


def scenario_hash(scenario: Scenario) -> str:
    """A hash of what the scenario says (not of how the file is laid out): comments,
    whitespace and key order do not change it; any value does."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    levers: list[str]
    point: str | None = None
    occurrence: Annotated[int, Field(ge=1)] | None = None
    at_min: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _when(self) -> _Decision:
        if self.point is None and self.at_min is None:
            raise PydanticCustomError(
                "replay_decision", "a decision names its point (an answer) or its at_min (a "
                "free decision), and this one gives neither", {})
        return self


class _ScenarioRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ReplayFile(BaseModel):
    """What a replay file holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = FORMAT
    version: int = VERSION
    engine_version: str
    scenario: _ScenarioRef
    seed: int = Field(ge=0)
    replication: int = Field(ge=0, default=0)
    team: str = ""
    decisions: list[_Decision]
    event_log_sha256: str = ""
    kpis: dict[str, float | None] = {}
    #: lines of the file it was read from, by path (for messages about it); None for a
    #: replay made in memory
    _marks: Marks | None = PrivateAttr(default=None)
    #: the folder of the file it was read from (a relative scenario source is looked for
    #: there first); None for a replay made in memory
    _folder: Path | None = PrivateAttr(default=None)

    @field_validator("version")
    @classmethod
    def _readable(cls, version: int) -> int:
        if version != VERSION:
            raise PydanticCustomError(
                "replay_version", "this replay file is of version {v}, and this itsm reads "
                "version {known} only (was it saved by another version of itsm?)",
                {"v": version, "known": VERSION})
        return version

    def line_of(self, *path: str) -> int | None:
        """The line of `path` (e.g. "scenario", "sha256") in the file read, if known."""
        return self._marks.line_of(tuple(path)) if self._marks is not None else None

    def plan(self) -> DecisionPlan:
        return DecisionPlan([Decision(levers=tuple(d.levers), point=d.point,
                                      occurrence=d.occurrence,
                                      at_min=None if d.point else d.at_min)
                             for d in self.decisions])


def replay_of(outcome, source: str, team: str = "") -> ReplayFile:
    """The replay file of a finished run (`source`: the built-in id or path of the scenario)."""
    from sim.engine import ENGINE_VERSION

    return ReplayFile(
        engine_version=ENGINE_VERSION,
        scenario=_ScenarioRef(id=outcome.scenario.id, source=str(source),
                              sha256=scenario_hash(outcome.scenario)),
        seed=outcome.seed, replication=outcome.replication, team=team,
        decisions=[_Decision(**d.as_dict()) for d in outcome.decisions],
        event_log_sha256=outcome.log.digest(),
        kpis={k: v for k, v in outcome.kpis().items()},
    )


def save_replay(replay: ReplayFile, path: str | os.PathLike) -> None:
    """Write the replay in full or not at all (a partial file is never left behind)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(replay.model_dump(mode="json"), indent=2) + "\n",
                       encoding="utf-8")
    os.replace(partial, path)


def load_replay(path: str | os.PathLike, text: str | None = None) -> ReplayFile:
    """Read a replay file; any problem is a located ScenarioError. (Its decisions are
    checked against its scenario by `scenario_for`, once the scenario is known.)

    With `text`, the replay is that text and `path` only its name in messages ("run:12",
    a run kept in the history): nothing is read from disk, and a scenario named by a
    relative path is looked for from the working folder."""
    from sim.loader import located_problems
    from sim.yamlsafe import KIND_WORDS, file_kind, read_json

    name = str(path)
    expected = ("a replay file (a JSON object with the scenario, the seed and the decisions: "
                "itsm run --save-replay FILE writes one)")
    data, marks = read_json(Path(path) if text is None else text, source_name=name,
                            expected=expected)
    kind = file_kind(data)
    if kind not in (None, "replay"):  # one sentence, not every field of it listed as wrong
        raise ScenarioError([Problem(name, 1, "", f"this is {KIND_WORDS[kind]}, not a replay "
                                     f"file: expected {expected}")])
    if isinstance(data, dict) and data.get("format") not in (None, FORMAT):
        raise ScenarioError([Problem(name, 1, "format",
                                     f"expected a replay file ({FORMAT!r}), got "
                                     f"{data.get('format')!r}")])
    try:
        saved = ReplayFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(located_problems(error, data, name, marks,
                                             root=ReplayFile)) from None
    saved._marks = marks
    saved._folder = Path(path).resolve().parent if text is None else None
    return saved


def scenario_for(replay: ReplayFile, name: str, scenario: Scenario | None = None,
                 given_as: str | None = None, how_to_point: str = "") -> Scenario:
    """The replay's scenario (given, or found again by its source), refused when it is
    another scenario or has changed, or when the replay's decisions do not fit it.
    `given_as`: how the given scenario was named (the path after --scenario), for the
    message; else the replay's own source names it. A source that is a relative path is
    looked for next to the replay file first, then from the current folder;
    `how_to_point` says, when it is in neither, how to name it instead (e.g. "give its
    path with --scenario PATH")."""
    if scenario is None:
        scenario = _saved_scenario(replay, name, how_to_point)
    saved = replay.scenario
    where = given_as or saved.source
    if scenario.id != saved.id:
        raise ScenarioError([Problem(
            name, replay.line_of("scenario", "id"), "scenario.id",
            f"this replay is a run of scenario {saved.id!r}, but {where} is scenario "
            f"{scenario.id!r}: replay it with the file of {saved.id!r} as it was")])
    if scenario_hash(scenario) != saved.sha256:
        raise ScenarioError([Problem(
            name, replay.line_of("scenario", "sha256"), "scenario.sha256",
            f"the scenario {where} has changed since this replay was saved (its content "
            f"hash differs), so replaying it would not reproduce the run; replay it with "
            f"the scenario as it was")])
    _check_decisions(replay, name, scenario)
    return scenario


def _saved_scenario(replay: ReplayFile, name: str, how_to_point: str) -> Scenario:
    """The scenario the replay names: a built-in id, or a file (a relative path next to
    the replay file first, as the replay may have been moved with it)."""
    from sim.builtin import resolve_scenario, scenarios_dir

    source = replay.scenario.source
    looks_like_path = Path(source).suffix in (".yaml", ".yml") or "/" in source \
        or os.sep in source
    candidates = [Path(source)]
    if replay._folder is not None and not Path(source).is_absolute():
        candidates.insert(0, replay._folder / source)
    for candidate in candidates:
        if candidate.is_file():
            return resolve_scenario(candidate)
    if not looks_like_path and (scenarios_dir() / f"{source}.yaml").is_file():
        return resolve_scenario(source)
    looked = " and ".join(dict.fromkeys(str(c.resolve()) for c in candidates))
    what = "no scenario file" if looks_like_path else "no built-in scenario and no file"
    raise ScenarioError([Problem(
        name, replay.line_of("scenario", "source"), "scenario.source",
        f"{what} {source} (looked for {looked}); this replay is a run of scenario "
        f"{replay.scenario.id!r}: "
        + (how_to_point or "put its file where the replay says"))])


def _check_decisions(replay: ReplayFile, name: str, scenario: Scenario) -> None:
    """The replay's decisions checked as a decisions file's are (`sim.decisions`): levers
    and points the scenario has, answers it allows, a lever that can be pulled once pulled
    once, and every moment within the run. A saved run passes; an edited file would
    otherwise stop the engine half-way."""
    from sim.decisions import choice_problems, twice_problems
    from sim.loader import problems_at
    from sim.scenario import located

    details = []
    for i, decision in enumerate(replay.decisions):
        details += choice_problems(scenario, decision.levers, decision.point,
                                   levers_at=("decisions", i, "levers"),
                                   point_at=("decisions", i, "point"),
                                   answer_at=("decisions", i))
        end = float(scenario.clock.duration)
        if decision.at_min is not None and decision.at_min > end:
            details.append(located(("decisions", i, "at_min"), "replay_after_end",
                                   "minute {t} is after the end of the run (minute {end})",
                                   t=f"{decision.at_min:g}", end=f"{end:g}"))
    details += twice_problems(scenario, [(d.levers, d.point, d.occurrence)
                                         for d in replay.decisions])
    problems = problems_at(details, replay.model_dump(mode="json"), name, replay._marks,
                           root=ReplayFile)
    if problems:
        raise ScenarioError(problems)


def replay(replay_file: ReplayFile, scenario: Scenario) -> Any:
    """Run the replay again; returns the outcome."""
    from sim.engine import Simulation

    return Simulation(scenario, seed=replay_file.seed, replication=replay_file.replication,
                      decisions=replay_file.plan()).run()
