"""Experiments: variants or a parameter sweep of one scenario, over paired replications.

A process designer asks questions such as "does briefing the help desk cut abandonment?"
or "how many agents keep abandonment under 8%?". An experiment file (YAML, checked like a
scenario: unknown keys are errors, every problem is located as `FILE:LINE: path: message`)
says which scenario, which seed, how many replications, which key figures, and what to
compare: named *variants* or a *sweep* over one or two parameters (a grid for two).

    scenario: softphone-cutover          # a built-in id, or a path relative to this file
    seed: 1
    replications: 40
    kpis: [abandonment_rate, asa_min, satisfaction, cost_total]
    variants:                            # the first one is the baseline
      baseline: {policy: unprepared}
      briefed: {decisions: {preparation: [brief-help-desk]}}
      two-more-agents: {overrides: [{target: teams.service-desk.staff, add: 2}]}
      from-file: {decisions_file: my-decisions.yaml}
    goals: {abandonment_rate: {at_most: 0.08}}   # shares as fractions: 0.08 is 8%
    measure: {from: "mon 00:00", until: "tue 00:00"}   # default: the whole run
    output: results/                     # default: <file name>-results/ next to the file

or, instead of `variants`:

    sweep:
      parameters:                        # one, or two for a grid
        - {target: teams.service-desk.staff, add: [0, 1, 2, 3, 4]}
      policy: unprepared                 # decisions (and overrides) of every point

`measure` says which part of each run the key figures cover, as moments of the run (minutes,
or "tue 09:30" as in a decisions file): the run stops at `until`, and only contacts arriving
from `from` on count — the scenario's clock with `warmup: from` and `duration: until`, so
the figures still come from the event log by their one definition (`sim.kpis`). A goal is
met "by the mean", "with 95% confidence" (the mean's whole interval) and, separately, by a
share of the replications on their own (`share_meeting`).

Decisions answer the scenario's decision points (a policy, answers per decision point, or
a decisions file). Overrides change parameters of the scenario before anything happens:
each variant's (or sweep point's) overrides become one generated lever,
`__override-<name>`, free of cost, pulled by a free decision at minute 0 — before the
scenario's own decision points at minute 0, which keep working as they are. Every variant
runs on the same scenario, which holds the generated levers of all of them, so the volume
bounds that levers induce (see `Simulation._upper_bounds`) are the same for every variant,
and replication r of every variant uses the same random streams (common random numbers):
differences are estimated pair by pair, and an override that changes nothing (`add: 0`)
gives exactly the figures of the variant without it.

Replications run in a process pool on this machine, in batches (a task costs ~0.3 ms to
ship, a softphone replication ~60 ms), or on any `concurrent.futures.Executor` given (a
dask.distributed client's `get_executor(pure=False)`); the figures depend only on the
experiment, never on how many workers ran it or where.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import json
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.decisions import Decision, DecisionPlan, choice_problems, known_words, load_decisions
from sim.errors import Problem, ScenarioError, field_path, sort_problems
from sim.replications import (
    PROGRESS_STEPS,
    Estimate,
    Replications,
    VariantComparison,
    estimate,
    run_one,
    run_replications,
)
from sim.scenario import (
    Clock,
    Effect,
    Goal,
    Id,
    Lever,
    Scenario,
    Strict,
    located,
    raise_located,
    validation_context,
)

#: The most points a sweep may have (a grid of two parameters included).
MAX_POINTS = 200
#: The most replications of one experiment, over all its variants or points.
MAX_RUNS = 200_000
MAX_REPLICATIONS = 10_000
#: Key figures reported when the file does not say (those the scenario has).
DEFAULT_KPIS = ("abandonment_rate", "asa_min", "mean_wait_min", "fcr", "satisfaction",
                "cost_total")
#: The prefix of the levers generated for overrides (not a valid lever id in a file).
OVERRIDE_PREFIX = "__override-"
#: What an experiment file holds, for the message about an empty file or one of another kind.
EXPERIMENT_SHAPE = ("an experiment (a mapping with scenario, and variants or sweep: see "
                    "docs/experiments.md)")

__all__ = [
    "Experiment", "ExperimentResult", "Run", "SweepAxis", "experiment_from_text",
    "load_experiment", "run_experiment",
]


# ---------------------------------------------------------------------------------------------
# The file format
# ---------------------------------------------------------------------------------------------


def _scenario_in(info: ValidationInfo) -> Scenario | None:
    context = info.context if isinstance(info.context, dict) else {}
    return context.get("scenario")


def _known_kpi(name: str, info: ValidationInfo) -> str:
    scenario = _scenario_in(info)
    if scenario is None:
        return name
    from sim.kpis import kpi_names

    known = sorted(kpi_names(scenario))
    if name in known:
        return name
    raise PydanticCustomError("experiment_kpi",
                              "{n} is not a key figure of scenario {s} ({hint})",
                              {"n": repr(name), "s": scenario.id,
                               "hint": known_words(name, known)})


#: The name of a key figure of the experiment's scenario (`itsm run SCENARIO` lists them).
KpiName = Annotated[str, AfterValidator(_known_kpi)]
Number = Annotated[float, Field(strict=True)]


class _Setup(Strict):
    """What a variant (or every point of a sweep) decides and changes."""

    #: one of the scenario's policies
    policy: Id | None = None
    #: answers to decision points: {decision point: [levers]}, on top of the policy
    decisions: dict[Id, list[Id]] | None = None
    #: a decisions file (relative to the experiment file); not with policy or decisions
    decisions_file: Annotated[str, Field(min_length=1)] | None = None
    #: parameter changes (lever effects) applied at minute 0, before anything happens
    overrides: list[Effect] = []

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str | None, info: ValidationInfo) -> str | None:
        scenario = _scenario_in(info)
        if value is None or scenario is None or value in scenario.policies:
            return value
        raise PydanticCustomError(
            "experiment_policy", "no policy {p} in scenario {s} (it has: {known})",
            {"p": repr(value), "s": scenario.id,
             "known": ", ".join(scenario.policies) or "none"})

    @field_validator("decisions")
    @classmethod
    def _answers(cls, value: dict[str, list[str]] | None,
                 info: ValidationInfo) -> dict[str, list[str]] | None:
        scenario = _scenario_in(info)
        if value is None or scenario is None:
            return value
        # every problem of every answer, each at its place (a lever at its item)
        raise_located("decisions", [
            problem for point, chosen in value.items()
            for problem in choice_problems(scenario, chosen, point, levers_at=(point,),
                                           point_at=(point,), answer_at=(point,))])
        return value

    @model_validator(mode="after")
    def _one_source(self) -> _Setup:
        if self.decisions_file is not None and (self.policy is not None
                                                or self.decisions is not None):
            raise PydanticCustomError(
                "experiment_decisions", "give decisions_file alone, or policy and/or "
                "decisions: a decisions file names its own policy", {})
        return self


class Variant(_Setup):
    """One named alternative: its decisions and overrides."""


class SweepParameter(Strict):
    """One parameter of a sweep: a lever target and the values to try, in order."""

    target: str
    set: Annotated[list[Number], Field(min_length=1, max_length=MAX_POINTS)] | None = None
    add: Annotated[list[Number], Field(min_length=1, max_length=MAX_POINTS)] | None = None
    multiply: Annotated[list[Number], Field(min_length=1, max_length=MAX_POINTS)] | None = None

    @property
    def operation(self) -> str:
        return next(op for op in ("set", "add", "multiply") if getattr(self, op) is not None)

    @property
    def values(self) -> list[float]:
        return list(getattr(self, self.operation))

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> SweepParameter:
        operations = [op for op in ("set", "add", "multiply") if getattr(self, op) is not None]
        if len(operations) != 1:
            raise PydanticCustomError(
                "sweep_operation", "give exactly one of set, add, multiply, with the list of "
                "values to try (got {got})", {"got": ", ".join(operations) or "none"})
        values = self.values
        # each value again at its own item: `sweep.parameters[0].add[2]`
        problems = [located((self.operation, i), "sweep_twice", "each value once: {v} is "
                            "given already as {op}[{first}]", v=f"{value:g}",
                            op=self.operation, first=values.index(value))
                    for i, value in enumerate(values) if values.index(value) < i]
        context = info.context if isinstance(info.context, dict) else {}
        for value in values if _scenario_in(info) is not None else []:
            try:
                Effect.model_validate({"target": self.target, self.operation: value},
                                      context=context)
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                problems.append(located((), "sweep_target", "{why}", why=_error_text(first)))
                break
        raise_located("sweep parameter", problems)
        return self


def _error_text(error: dict) -> str:
    message = error["msg"]
    if error["type"] in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return f"{message.removeprefix('Input should be ')}, got {error['input']!r}"
    return message


class Sweep(_Setup):
    """Values of one or two parameters (every combination of two: a grid), with the
    decisions and overrides every point shares."""

    parameters: Annotated[list[SweepParameter], Field(min_length=1, max_length=2)]

    @model_validator(mode="after")
    def _distinct(self) -> Sweep:
        targets = [p.target for p in self.parameters]
        if len(set(targets)) < len(targets):
            raise PydanticCustomError(
                "sweep_same", "the two parameters have the same target {t}: give its values "
                "in one list", {"t": targets[0]})
        points = math.prod(len(p.values) for p in self.parameters)
        if points > MAX_POINTS:
            raise PydanticCustomError(
                "sweep_size", "{n} points is too many for one sweep (at most {m})",
                {"n": points, "m": MAX_POINTS})
        return self


class ExperimentFile(Strict):
    """An experiment file."""

    title: Annotated[str, Field(max_length=200)] = ""
    description: str = ""
    #: a built-in scenario id, or the path of a scenario file relative to this file
    scenario: Annotated[str, Field(min_length=1)]
    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)] = 1
    replications: Annotated[int, Field(strict=True, ge=2, le=MAX_REPLICATIONS)] = 20
    kpis: Annotated[list[KpiName], Field(min_length=1)] | None = None
    variants: dict[Id, Variant] | None = None
    sweep: Sweep | None = None
    goals: dict[KpiName, Goal] = {}
    #: the part of the run the key figures cover: {from: MOMENT, until: MOMENT} (checked by
    #: `_measure_window`: `from` is a Python keyword, so the keys are read by hand)
    measure: dict[str, Any] | None = None
    output: Annotated[str, Field(min_length=1)] | None = None

    @field_validator("variants")
    @classmethod
    def _two_at_least(cls, value: dict | None) -> dict | None:
        if value is not None and len(value) < 2:
            raise PydanticCustomError(
                "experiment_variants", "give at least two variants to compare (the first is "
                "the baseline), got {n}", {"n": len(value)})
        return value

    @model_validator(mode="after")
    def _size(self) -> ExperimentFile:
        runs = (len(self.variants) if self.variants else 0) + (
            math.prod(len(p.values) for p in self.sweep.parameters) if self.sweep else 0)
        if runs * self.replications > MAX_RUNS:
            raise PydanticCustomError(
                "experiment_size", "{n:,} runs in all ({r} replications x {v} variants or "
                "points) is more than {m:,}: fewer replications or points",
                {"n": runs * self.replications, "r": self.replications, "v": runs,
                 "m": MAX_RUNS})
        return self


# ---------------------------------------------------------------------------------------------
# A loaded experiment
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepAxis:
    """One parameter of a sweep: its target, the operation and the values tried."""

    target: str
    operation: str
    values: tuple[float, ...]

    @property
    def short(self) -> str:
        """The target without its collection: `service-desk.staff`."""
        return self.target.split(".", 1)[1]

    def value_label(self, value: float) -> str:
        if self.operation == "add":
            return f"{value:+g}"
        if self.operation == "multiply":
            return f"×{value:g}"
        return f"={value:g}"


@dataclass
class Run:
    """A variant or a sweep point: its decisions (overrides included, as the free decision
    that pulls its generated lever at minute 0)."""

    name: str
    plan: DecisionPlan
    overrides: list[Effect] = field(default_factory=list)
    #: a sweep point's values, one per parameter
    coordinates: tuple[float, ...] = ()
    #: what the file says about its decisions, for the results
    decided: dict[str, Any] = field(default_factory=dict)


@dataclass
class Experiment:
    """A checked experiment, ready to run."""

    name: str
    title: str
    #: the scenario every run uses: the scenario file's, with the override levers added
    scenario: Scenario
    #: the scenario as its file says it
    base_scenario: Scenario
    seed: int
    replications: int
    kpis: list[str]
    kind: Literal["variants", "sweep"]
    runs: dict[str, Run]
    axes: list[SweepAxis]
    goals: dict[str, Goal]
    output: Path
    #: the experiment as run: the file's content, checked, with its defaults filled in
    spec: dict[str, Any]
    source: str | None = None
    #: the part of each run the key figures cover (None: the whole run after its warm-up)
    window: MeasureWindow | None = None

    @property
    def measured(self) -> MeasureWindow:
        """The window the key figures cover, the file's `measure` or the scenario's clock."""
        clock = self.scenario.clock
        return self.window or MeasureWindow(float(clock.warmup), float(clock.duration))

    @property
    def baseline(self) -> str:
        return next(iter(self.runs))


def load_experiment(path: str | os.PathLike) -> Experiment:
    """Read and check the experiment file at `path`; bad input raises `ScenarioError` with
    every problem located (in this file, the scenario file or a decisions file)."""
    path = Path(path)
    return _load(path, str(path), path.parent, path.stem)


def experiment_from_text(text: str, source_name: str = "<text>",
                         base_dir: str | os.PathLike = ".", name: str = "experiment"
                         ) -> Experiment:
    """An experiment given as YAML text; paths in it are relative to `base_dir`."""
    return _load(text, source_name, Path(base_dir).resolve(), name)


def _load(source: str | Path, source_name: str, base_dir: Path, name: str) -> Experiment:
    from sim.loader import located_problems
    from sim.yamlsafe import KIND_WORDS, file_kind, read_yaml

    problems: list[Problem] = []
    data, marks = read_yaml(source, source_name=source_name, collect=problems,
                            expected=EXPERIMENT_SHAPE)
    kind = file_kind(data)
    if kind in ("scenario", "decisions", "replay", "figures"):
        # one sentence, not every key of another kind of file listed as unknown
        hint = (f"; to experiment on this scenario, name it in an experiment file: "
                f"`scenario: {Path(source_name).name}`" if kind == "scenario" else "")
        raise ScenarioError([Problem(source_name, None, "", f"this is {KIND_WORDS[kind]}, not "
                                     f"an experiment file: expected {EXPERIMENT_SHAPE}{hint}")])

    def where(*path: Any, key: bool = False) -> tuple[int | None, str]:
        return marks.line_of(tuple(path), key=key), field_path(tuple(path), data)

    scenario = _scenario_of(data, base_dir, source_name, where, problems)
    _kpis_once(data, source_name, where, problems)
    _share_goals(data, scenario, source_name, where, problems)
    window = _measure_window(data, scenario, source_name, where, problems)
    if data.get("variants") is not None and data.get("sweep") is not None:
        line, _ = where("sweep", key=True)
        problems.append(Problem(source_name, line, "sweep", "give variants or sweep, not "
                                "both: an experiment compares named variants, or the points "
                                "of a sweep"))
    elif data.get("variants") is None and data.get("sweep") is None:
        if "variants" in data or "sweep" in data:
            given = "variants" if "variants" in data else "sweep"
            line, _ = where(given, key=True)
            wanted = ("at least two variants (the first is the baseline)" if given == "variants"
                      else "parameters: one or two, each a target and its values")
            problems.append(Problem(source_name, line, given, f"empty: give {wanted}"))
        else:
            problems.append(Problem(source_name, None, "", "say what to compare: variants "
                                    "(named alternatives) or sweep (values of one or two "
                                    "parameters)"))

    if isinstance(data.get("sweep"), list):
        line, _ = where("sweep")
        problems.append(Problem(source_name, line, "sweep", "expected a mapping, got a list: "
                                "write the parameters under `parameters:` (sweep: "
                                "{parameters: [...], policy: ...})"))
        data = {k: v for k, v in data.items() if k != "sweep"}
    plans = _decisions_files(data, scenario, base_dir, source_name, where, problems)
    context: dict[str, Any] = {}
    if scenario is not None:
        context = {**validation_context(scenario.model_dump()), "scenario": scenario}
    parsed = None
    try:
        parsed = ExperimentFile.model_validate(data, context=context)
    except ValidationError as error:
        problems += located_problems(error, data, source_name, marks, root=ExperimentFile)
    if parsed is None or scenario is None or problems:
        raise ScenarioError(sort_problems(problems))

    runs = _runs(parsed, scenario, plans, context)
    return _experiment(parsed, scenario, runs, base_dir, name, source_name,
                       source if isinstance(source, Path) else None, window)


def _kpis_once(data: dict, source_name: str, where, problems: list[Problem]) -> None:
    """Each key figure listed once (checked here, on the file as read, so that a repeat is
    reported with every other problem, not only when the list is otherwise right)."""
    kpis = data.get("kpis")
    if not isinstance(kpis, list):
        return
    first: dict[str, int] = {}
    for i, kpi in enumerate(kpis):
        if not isinstance(kpi, str):
            continue
        if kpi in first:
            line, shown = where("kpis", i)
            problems.append(Problem(source_name, line, shown, f"{kpi} is listed twice (first "
                                    f"as kpis[{first[kpi]}]): list each key figure once"))
        else:
            first[kpi] = i


def _share_goals(data: dict, scenario: Scenario | None, source_name: str, where,
                 problems: list[Problem]) -> None:
    """A goal on a share (abandonment, FCR, a utilisation) is a fraction: `at_most: 8` for
    8% would be met by every run, silently. (Not for a figure the scenario does not have:
    that is the goal's problem, told once.)"""
    from sim.kpis import kpi_names, percent_goals

    known = kpi_names(scenario) if scenario is not None else None
    for kpi, bound, message in percent_goals(data.get("goals")):
        if known is not None and kpi not in known:
            continue
        line, shown = where("goals", kpi, bound)
        problems.append(Problem(source_name, line, shown, message))


#: The keys of `measure`.
MEASURE_KEYS = ("from", "until")


@dataclass(frozen=True)
class MeasureWindow:
    """The part of each run the key figures cover: contacts that arrive from `from_min` on
    count, and the run stops at `until_min` (minutes from the start of the run)."""

    from_min: float
    until_min: float


def _measure_window(data: dict, scenario: Scenario | None, source_name: str, where,
                    problems: list[Problem]) -> MeasureWindow | None:
    """The file's `measure: {from, until}` checked against the scenario's clock (None when
    the file has none, or it is wrong: then its problems are in `problems`)."""
    from sim.scenario import parse_moment

    measure = data.get("measure")
    if not isinstance(measure, dict):
        return None  # absent, or not a mapping: the model says so
    found = len(problems)
    for key in measure:
        if key not in MEASURE_KEYS:
            line, _ = where("measure", key, key=True)
            close = difflib.get_close_matches(str(key), MEASURE_KEYS, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else "allowed: from, until"
            problems.append(Problem(source_name, line, "measure",
                                    f"unknown field {key!r} ({hint})"))
    if not any(key in measure for key in MEASURE_KEYS):
        line, _ = where("measure")
        problems.append(Problem(source_name, line, "measure", "give from, until or both: "
                                "moments of the run such as \"mon 00:00\" or minutes"))
    if scenario is None:
        return None
    start_weekday = scenario.calendar.start_date.weekday() if scenario.calendar else 0
    moments = {"from": float(scenario.clock.warmup), "until": float(scenario.clock.duration)}
    for key in MEASURE_KEYS:
        if key not in measure:
            continue
        try:
            moments[key] = parse_moment(measure[key], start_weekday)
        except ValueError as error:
            line, shown = where("measure", key)
            problems.append(Problem(source_name, line, shown, str(error)))
    if len(problems) > found:
        return None
    end = float(scenario.clock.duration)
    if moments["until"] > end:
        line, shown = where("measure", "until")
        problems.append(Problem(source_name, line, shown,
                                f"after the end of the run: scenario {scenario.id} runs until "
                                f"{moment_words(scenario, end)} (minute {end:g})"))
    elif moments["from"] >= moments["until"]:
        line, shown = where("measure", "from" if "from" in measure else "until")
        problems.append(Problem(source_name, line, shown,
                                f"from ({moment_words(scenario, moments['from'])}) must come "
                                f"before until ({moment_words(scenario, moments['until'])})"))
    if len(problems) > found:
        return None
    return MeasureWindow(moments["from"], moments["until"])


def moment_words(scenario: Scenario, t_min: float) -> str:
    """A moment of the run as the scenario format writes it: "tue 00:00" in the first week
    of a calendar, "day 9 08:00" after it; "minute 90" without a calendar or when not on a
    whole minute."""
    from sim.scenario import WEEKDAYS

    if scenario.calendar is None or t_min != int(t_min):
        return f"minute {t_min:g}"
    day, minute = divmod(int(t_min), 1440)
    clock = f"{minute // 60:02d}:{minute % 60:02d}"
    start_weekday = scenario.calendar.start_date.weekday() if scenario.calendar else 0
    if day < 7:
        return f"{WEEKDAYS[(start_weekday + day) % 7]} {clock}"
    return f"day {day + 1} {clock}"


def _scenario_of(data: dict, base_dir: Path, source_name: str, where,
                 problems: list[Problem]) -> Scenario | None:
    """The experiment's scenario: a file relative to the experiment file, or a built-in."""
    from sim.builtin import scenarios_dir
    from sim.loader import load_scenario

    value = data.get("scenario")
    if not isinstance(value, str) or not value.strip():
        return None  # the model reports what is wrong with it
    line, _ = where("scenario")
    path = base_dir / value
    looks_like_path = (Path(value).suffix in (".yaml", ".yml") or "/" in value
                       or os.sep in value or path.exists())
    if looks_like_path:
        if not path.is_file():
            problems.append(Problem(source_name, line, "scenario",
                                    f"no scenario file {value} (looked for {path})"))
            return None
    else:
        path = scenarios_dir() / f"{value}.yaml"
        if not path.is_file():
            known = ", ".join(p.stem for p in sorted(scenarios_dir().glob("*.yaml")))
            problems.append(Problem(source_name, line, "scenario",
                                    f"no built-in scenario {value!r} and no such file "
                                    f"(built-in: {known or 'none'})"))
            return None
    try:
        return load_scenario(path)
    except ScenarioError as error:
        problems.extend(error.problems)
        return None


def _decisions_files(data: dict, scenario: Scenario | None, base_dir: Path, source_name: str,
                     where, problems: list[Problem]) -> dict[tuple, DecisionPlan]:
    """Read every decisions file the experiment names (relative to the experiment file),
    keyed by where it is named: ("variants", name) or ("sweep",)."""
    named: list[tuple[tuple, Any]] = []
    variants, sweep = data.get("variants"), data.get("sweep")
    for name, variant in variants.items() if isinstance(variants, dict) else []:
        if isinstance(variant, dict):
            named.append((("variants", name), variant.get("decisions_file")))
    if isinstance(sweep, dict):
        named.append((("sweep",), sweep.get("decisions_file")))
    plans = {}
    for path, file_name in named:
        if not isinstance(file_name, str) or not file_name:
            continue  # absent, or the model reports what is wrong with it
        file = base_dir / file_name
        if not file.is_file():
            line, shown = where(*path, "decisions_file")
            problems.append(Problem(source_name, line, shown, f"no decisions file {file_name} "
                                    f"(looked for {file})"))
        elif scenario is not None:
            try:
                plans[path] = load_decisions(file, scenario, source_name=str(file))
            except ScenarioError as error:
                problems.extend(error.problems)
    return plans


def _plan(setup: _Setup, scenario: Scenario, plans: dict[tuple, DecisionPlan],
          path: tuple) -> tuple[DecisionPlan, dict[str, Any]]:
    """A variant's (or the sweep's) decisions, and what the file said about them."""
    if setup.decisions_file is not None:
        return plans[path], {"decisions_file": setup.decisions_file}
    decided: dict[str, Any] = {}
    policy = scenario.policies.get(setup.policy, {}) if setup.policy else {}
    answers = [Decision(levers=tuple(levers), point=point)
               for point, levers in (setup.decisions or {}).items()]
    if setup.policy:
        decided["policy"] = setup.policy
    if setup.decisions:
        decided["decisions"] = {p: list(levers) for p, levers in setup.decisions.items()}
    return DecisionPlan(answers, policy=policy, policy_name=setup.policy), decided


def _with_override(plan: DecisionPlan, lever_id: str) -> DecisionPlan:
    """The same decisions, and the override lever pulled at minute 0 before anything else
    (free decisions at a minute come before the decision points at it)."""
    pulled = Decision(levers=(lever_id,), at_min=0.0)
    return DecisionPlan([*plan.answers, pulled, *plan.free], policy=plan.policy,
                        policy_name=plan.policy_name)


def _runs(parsed: ExperimentFile, scenario: Scenario, plans: dict[tuple, DecisionPlan],
          context: dict) -> dict[str, Run]:
    runs: dict[str, Run] = {}
    if parsed.variants is not None:
        for name, variant in parsed.variants.items():
            plan, decided = _plan(variant, scenario, plans, ("variants", name))
            runs[name] = Run(name, plan, list(variant.overrides), decided=decided)
        return runs
    sweep = parsed.sweep
    assert sweep is not None
    plan, decided = _plan(sweep, scenario, plans, ("sweep",))
    axes = _axes(parsed)
    for coordinates in itertools.product(*(axis.values for axis in axes)):
        effects = list(sweep.overrides) + [
            Effect.model_validate({"target": axis.target, axis.operation: value},
                                  context=context)
            for axis, value in zip(axes, coordinates, strict=True)]
        name = _point_name(axes, coordinates)
        runs[name] = Run(name, plan, effects, coordinates=tuple(coordinates), decided=decided)
    return runs


def _axes(parsed: ExperimentFile) -> list[SweepAxis]:
    if parsed.sweep is None:
        return []
    return [SweepAxis(p.target, p.operation, tuple(_plain(v) for v in p.values))
            for p in parsed.sweep.parameters]


def _plain(value: float) -> float | int:
    """2.0 as 2 (in the results, and in the names of points)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def _point_name(axes: list[SweepAxis], coordinates) -> str:
    if len(axes) == 1:
        return axes[0].value_label(coordinates[0])
    return ", ".join(f"{axis.short} {axis.value_label(v)}"
                     for axis, v in zip(axes, coordinates, strict=True))


def _experiment(parsed: ExperimentFile, scenario: Scenario, runs: dict[str, Run],
                base_dir: Path, name: str, source_name: str, source: Path | None,
                window: MeasureWindow | None = None) -> Experiment:
    # one scenario for every run, holding every run's override lever (see the docstring)
    generated = []
    for i, run in enumerate(runs.values()):
        if run.overrides:
            lever_id = f"{OVERRIDE_PREFIX}{i}"
            generated.append(Lever.model_construct(
                id=lever_id, name=f"Overrides of {run.name}", description="", cost=0.0,
                effects=list(run.overrides), duration_min=None, repeatable=False,
                evidence="the experiment's overrides"))
            run.plan = _with_override(run.plan, lever_id)
    update: dict[str, Any] = {}
    if generated:
        update["levers"] = [*scenario.levers, *generated]
    if window is not None:
        # the key figures count from the warm-up's end to the end of the run: measuring a
        # window is running the same scenario with that warm-up, stopped at the window's end
        update["clock"] = Clock(duration=window.until_min, warmup=window.from_min)
    shared = scenario.model_copy(update=update) if update else scenario
    kpis = list(parsed.kpis) if parsed.kpis is not None else _default_kpis(scenario)
    for goal in parsed.goals:
        if goal not in kpis:
            kpis.append(goal)
    output = base_dir / (parsed.output or f"{name}-results")
    spec = parsed.model_dump(mode="json", exclude_none=True)
    spec.update(seed=parsed.seed, replications=parsed.replications, kpis=kpis)
    if window is not None:
        spec["measure"] = {**spec.get("measure", {}), "from_min": window.from_min,
                           "until_min": window.until_min}
    return Experiment(
        name=name, title=parsed.title or f"Experiment {name}", scenario=shared, base_scenario=scenario,
        seed=parsed.seed, replications=parsed.replications, kpis=kpis,
        kind="variants" if parsed.variants is not None else "sweep", runs=runs,
        axes=_axes(parsed), goals=dict(parsed.goals), output=output, spec=spec,
        source=str(source) if source is not None else source_name, window=window)


def _default_kpis(scenario: Scenario) -> list[str]:
    from sim.kpis import kpi_names

    known = kpi_names(scenario)
    if not scenario.departments:  # satisfaction is scored for the people in departments
        known -= {"satisfaction"}
    return [k for k in DEFAULT_KPIS if k in known]


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def run_batch(scenario: Scenario, seed: int, replications: list[int],
              decisions: DecisionPlan) -> list[tuple[int, dict[str, float | None]]]:
    """The key figures of some replications of one run (a task of the pool)."""
    return [(r, run_one(scenario, seed, r, decisions)) for r in replications]


def _batches(n: int, tasks: int) -> list[list[int]]:
    tasks = max(1, min(n, tasks))
    return [list(range(i, n, tasks)) for i in range(tasks)]


def run_experiment(experiment: Experiment, workers: int | None = None,
                   executor: Executor | None = None,
                   progress: Callable[[float, float], None] | None = None) -> ExperimentResult:
    """Run every variant or sweep point with the same replications (replication r of each
    uses seed `experiment.seed`'s r-th streams).

    `workers`: processes (default: all cores; 1 runs here, in this process). `executor`:
    run on it instead (e.g. `distributed.Client(...).get_executor(pure=False)`); `workers`
    then says how many run at once, to cut the work into enough batches.
    `progress(done, total)` is called as replications finish."""
    started = time.perf_counter()
    scenario, seed, reps = experiment.scenario, experiment.seed, experiment.replications
    runs = list(experiment.runs.values())
    total = len(runs) * reps
    results: dict[str, dict[int, dict[str, float | None]]] = {run.name: {} for run in runs}
    workers = workers or os.cpu_count() or 1
    if executor is None and workers == 1:
        for i, run in enumerate(runs):
            def step(done: float, _total: float, offset: int = i * reps) -> None:
                if progress:
                    progress(offset + done, total)
            found = run_replications(scenario, seed, reps, workers=1, progress=step,
                                     decisions=run.plan)
            results[run.name] = dict(enumerate(found.per_replication))
    else:
        # enough batches to keep every worker busy to the end and move the progress bar,
        # few enough that shipping them costs nothing (dask: ~3 ms a task)
        per_run = max(1, math.ceil(max(4 * workers, PROGRESS_STEPS) / len(runs)))
        own_pool = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=workers)
        done = 0
        try:
            futures = {pool.submit(run_batch, scenario, seed, batch, run.plan): run.name
                       for run in runs for batch in _batches(reps, per_run)}
            for future in as_completed(futures):
                for r, kpis in future.result():
                    results[futures[future]][r] = kpis
                    done += 1
                if progress:
                    progress(done, total)
        finally:
            if own_pool:
                pool.shutdown(cancel_futures=True)
    comparison = VariantComparison(experiment.base_scenario.id, seed, {
        name: Replications(experiment.base_scenario.id, seed,
                           [found[r] for r in range(reps)])
        for name, found in results.items()})
    return ExperimentResult(experiment, comparison, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def meets(goal: Goal, value: float | None) -> bool | None:
    """Does a value meet a goal? None when there is no value."""
    if value is None:
        return None
    return value <= goal.at_most if goal.at_most is not None else value >= goal.at_least


def goal_text(goal: Goal) -> str:
    return f"at most {goal.at_most:g}" if goal.at_most is not None \
        else f"at least {goal.at_least:g}"


@dataclass
class ExperimentResult:
    """Every run's figures, replication by replication, and what follows from them."""

    experiment: Experiment
    comparison: VariantComparison
    seconds: float = 0.0

    @property
    def baseline(self) -> str:
        return self.comparison.baseline

    @property
    def names(self) -> list[str]:
        return list(self.comparison.variants)

    def values(self, run: str, kpi: str) -> list[float | None]:
        return self.comparison.variants[run].values(kpi)

    def estimate(self, run: str, kpi: str) -> Estimate:
        return estimate(self.values(run, kpi))

    def difference(self, run: str, kpi: str) -> Estimate | None:
        """(run - baseline), paired replication by replication; None for the baseline."""
        return None if run == self.baseline else self.comparison.difference(run, kpi)

    def unpaired_difference(self, run: str, kpi: str) -> Estimate | None:
        """The same difference as if the runs had been independent: for comparison."""
        return None if run == self.baseline else \
            self.comparison.unpaired_difference(run, kpi)

    def goals_met(self, run: str, confident: bool = False) -> dict[str, bool | None]:
        """Each goal: met by the mean (or, `confident`, by the whole 95% interval)?"""
        out = {}
        for kpi, goal in self.experiment.goals.items():
            e = self.estimate(run, kpi)
            value = e.mean
            if confident and value is not None:
                ci = e.ci95 or 0.0
                value = value + ci if goal.at_most is not None else value - ci
            out[kpi] = meets(goal, value)
        return out

    def share_meeting(self, run: str, kpi: str) -> float | None:
        """The share of the run's replications whose own figure met the goal on `kpi` (of
        those that have the figure): how often a single week (or measured window) meets it,
        where `goals_met` speaks of the mean."""
        goal = self.experiment.goals[kpi]
        values = [v for v in self.values(run, kpi) if v is not None]
        return sum(bool(meets(goal, v)) for v in values) / len(values) if values else None

    def share_meeting_every_goal(self, run: str) -> float | None:
        """The share of the run's replications that met every goal at once (of those that
        have every goal's figure); None without goals."""
        goals = self.experiment.goals
        if not goals:
            return None
        columns = [self.values(run, kpi) for kpi in goals]
        met = [all(meets(goal, v) for goal, v in zip(goals.values(), values, strict=True))
               for values in zip(*columns, strict=True)
               if all(v is not None for v in values)]
        return sum(met) / len(met) if met else None

    def meeting_every_goal(self, confident: bool = False) -> list[str]:
        """The runs whose mean (or whole 95% interval) meets every goal, in order."""
        if not self.experiment.goals:
            return []
        return [name for name in self.names
                if all(self.goals_met(name, confident).values())]

    def smallest_meeting(self, confident: bool = False) -> str | None:
        """For a sweep of one parameter: the point with the smallest value that meets every
        goal (None when none does, or for variants and grids)."""
        if self.experiment.kind != "sweep" or len(self.experiment.axes) != 1:
            return None
        points = {name: self.experiment.runs[name].coordinates[0]
                  for name in self.meeting_every_goal(confident)}
        return min(points, key=points.get) if points else None

    def sweep_slices(self) -> list[tuple[str, list[str]]]:
        """A sweep's points along its first parameter: one slice per value of the second
        parameter (one slice in all for a sweep of one parameter), as (title, run names)."""
        axes = self.experiment.axes
        runs = list(self.experiment.runs.values())
        if len(axes) < 2:
            return [("", [run.name for run in runs])]
        slices = []
        for value in axes[1].values:
            slices.append((f"{axes[1].target} {axes[1].value_label(value)}",
                           [run.name for run in runs if run.coordinates[1] == value]))
        return slices

    # -- tables ------------------------------------------------------------------------------

    CSV_COLUMNS = ("mean", "ci95", "n", "difference", "diff_ci95", "goal", "meets_goal",
                   "share_meeting_goal")

    def rows(self) -> list[dict[str, Any]]:
        """One row per run and key figure, as results.csv has them."""
        experiment = self.experiment
        rows = []
        for name in self.names:
            run = experiment.runs[name]
            met = self.goals_met(name)
            for kpi in experiment.kpis:
                e = self.estimate(name, kpi)
                d = self.difference(name, kpi)
                row: dict[str, Any] = {"variant": name}
                for axis, value in zip(experiment.axes, run.coordinates, strict=False):
                    row[axis.target] = value
                goal = experiment.goals.get(kpi)
                row.update(kpi=kpi, mean=e.mean, ci95=e.ci95, n=e.n,
                           difference=d.mean if d else None, diff_ci95=d.ci95 if d else None,
                           goal=goal_text(goal) if goal else None,
                           meets_goal=met.get(kpi) if goal else None,
                           share_meeting_goal=self.share_meeting(name, kpi) if goal else None)
                rows.append(row)
        return rows

    def as_json(self) -> dict[str, Any]:
        """Everything: the experiment as run, each run's figures (mean, CI, paired and
        unpaired difference to the baseline), goals met and the per-replication values."""
        from sim.engine import ENGINE_VERSION
        from sim.replay import scenario_hash

        experiment = self.experiment
        runs = []
        for name in self.names:
            run = experiment.runs[name]
            figures = {}
            for kpi in experiment.kpis:
                e, d = self.estimate(name, kpi), self.difference(name, kpi)
                u = self.unpaired_difference(name, kpi)
                figures[kpi] = {"mean": _number(e.mean), "ci95": _number(e.ci95), "n": e.n,
                                "difference": _number(d.mean) if d else None,
                                "diff_ci95": _number(d.ci95) if d else None,
                                "unpaired_diff_ci95": _number(u.ci95) if u else None}
            entry: dict[str, Any] = {"name": name, **run.decided}
            if run.coordinates:
                entry["parameters"] = {axis.target: value for axis, value
                                       in zip(experiment.axes, run.coordinates, strict=True)}
            if run.overrides:
                entry["overrides"] = [e.model_dump(mode="json", exclude_none=True)
                                      for e in run.overrides]
            entry["figures"] = figures
            if experiment.goals:
                entry["goals_met"] = self.goals_met(name)
                entry["goals_met_95"] = self.goals_met(name, confident=True)
                entry["share_meeting_goal"] = {kpi: _number(self.share_meeting(name, kpi))
                                               for kpi in experiment.goals}
                entry["share_meeting_every_goal"] = _number(
                    self.share_meeting_every_goal(name))
            entry["per_replication"] = {kpi: [_number(v) for v in self.values(name, kpi)]
                                        for kpi in experiment.kpis}
            runs.append(entry)
        out: dict[str, Any] = {
            "experiment": experiment.spec,
            "source": experiment.source,
            "scenario": {"id": experiment.base_scenario.id,
                         "title": experiment.base_scenario.title,
                         "sha256": scenario_hash(experiment.base_scenario)},
            "engine_version": ENGINE_VERSION,
            "kind": experiment.kind,
            "baseline": self.baseline,
            "kpis": experiment.kpis,
            "measured": {"from_min": experiment.measured.from_min,
                         "until_min": experiment.measured.until_min},
            "runs": runs,
        }
        if experiment.axes:
            out["parameters"] = [{"target": a.target, "operation": a.operation,
                                  "values": list(a.values)} for a in experiment.axes]
        if experiment.goals:
            out["goals"] = {k: g.model_dump(exclude_none=True)
                            for k, g in experiment.goals.items()}
            out["meeting_every_goal"] = self.meeting_every_goal()
            out["meeting_every_goal_95"] = self.meeting_every_goal(confident=True)
            smallest = self.smallest_meeting()
            if smallest is not None or (experiment.kind == "sweep"
                                        and len(experiment.axes) == 1):
                out["smallest_meeting_every_goal"] = smallest
        return out

    def write_csv(self, path: str | os.PathLike) -> None:
        rows = self.rows()
        columns = ["variant", *(a.target for a in self.experiment.axes), "kpi",
                   *self.CSV_COLUMNS]
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _csv_value(v) for k, v in row.items()})

    def write_json(self, path: str | os.PathLike) -> None:
        Path(path).write_text(json.dumps(self.as_json(), indent=1) + "\n", encoding="utf-8")


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value
