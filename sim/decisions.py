"""Decisions: which levers were pulled, when, and in answer to which decision point.

A run is a pure function of (scenario, seed, decisions). Decisions come from a player (the
game answers each decision point and may pull levers at any time), from a named policy in
the scenario, or from a decisions file (YAML or JSON, read as safely as a scenario):

    policy: prepared                # optional: one of the scenario's policies
    decisions:                      # optional: answers and free decisions, on top
      - {point: preparation, levers: [brief-help-desk, train-users]}
      - {point: queue-building, occurrence: 2, levers: [temp-staff]}
      - {at: "tue 10:00", levers: [faq-email]}

An answer to a decision point applies every time the point fires unless `occurrence` says
which time (conditions can fire again when `once: false`); a free decision applies at its
moment, before anything else that happens at that minute.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.errors import Problem, ScenarioError, sort_problems
from sim.scenario import Id, Scenario, located, parse_moment, raise_located, twice_words


@dataclass(frozen=True)
class Decision:
    """Levers pulled at a moment, as the answer to a decision point or freely."""

    levers: tuple[str, ...]
    at_min: float | None = None
    point: str | None = None
    occurrence: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"levers": list(self.levers)}
        if self.point is not None:
            out["point"] = self.point
        if self.occurrence is not None:
            out["occurrence"] = self.occurrence
        if self.at_min is not None:
            out["at_min"] = self.at_min
        return out


class DecisionPlan:
    """The decisions of a headless run: answers to decision points, and free decisions."""

    def __init__(self, decisions: list[Decision] | tuple = (),
                 policy: dict[str, list[str]] | None = None, policy_name: str | None = None):
        self.policy = dict(policy or {})
        self.policy_name = policy_name
        self.answers = [d for d in decisions if d.point is not None]
        self.free = sorted((d for d in decisions if d.point is None),
                           key=lambda d: d.at_min or 0.0)

    def answer(self, point: str, occurrence: int) -> tuple[str, ...]:
        """The levers chosen at a decision point the `occurrence`-th time it fires."""
        for d in self.answers:
            if d.point == point and d.occurrence == occurrence:
                return d.levers
        for d in self.answers:
            if d.point == point and d.occurrence is None:
                return d.levers
        return tuple(self.policy.get(point, ()))

    @classmethod
    def from_policy(cls, scenario: Scenario, name: str) -> DecisionPlan:
        if name not in scenario.policies:
            known = ", ".join(scenario.policies) or "none"
            raise ScenarioError([Problem(scenario.id, None, "policies",
                                         f"no policy {name!r} (the scenario has: {known})")])
        return cls(policy=scenario.policies[name], policy_name=name)


class NoDecisions(DecisionPlan):
    """Nobody decides anything: every decision point is answered with no lever."""


# ---------------------------------------------------------------------------------------------
# Decisions files
# ---------------------------------------------------------------------------------------------


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    levers: Annotated[list[Id], Field(min_length=0)]
    point: Id | None = None
    occurrence: Annotated[int, Field(strict=True, ge=1)] | None = None
    at: Any = None

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> _Entry:
        scenario: Scenario = info.context["scenario"]
        if (self.point is None) == (self.at is None):
            raise PydanticCustomError("decision_kind",
                                      "give point (a decision point's id) or at (a moment)", {})
        problems = choice_problems(scenario, self.levers, self.point, levers_at=("levers",),
                                   point_at=("point",), answer_at=())
        if self.at is not None:
            try:
                parse_moment(self.at, _start_weekday(scenario))
            except ValueError as error:
                problems.append(located(("at",), "decision_at", "{why}", why=str(error)))
        raise_located("decision", problems)
        return self


class _DecisionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Id | None = None
    decisions: list[_Entry] = []

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, policy: str | None, info: ValidationInfo) -> str | None:
        scenario: Scenario = info.context["scenario"]
        if policy is not None and policy not in scenario.policies:
            raise PydanticCustomError(
                "decision_policy", "no policy {p} in scenario {s} ({hint})",
                {"p": repr(policy), "s": scenario.id,
                 "hint": known_words(policy, list(scenario.policies))})
        return policy


def known_words(name: str, known: list[str]) -> str:
    """What to say about a name that is not among `known`: the one meant, when one is
    close ("did you mean 'hypercare'?"), else every one there is."""
    # a shortened name ("prep") is as good a hint as a near spelling
    close = [k for k in known if name and k.startswith(name)]
    close = close if len(close) == 1 else difflib.get_close_matches(name, known, n=1,
                                                                     cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"it has: {', '.join(known) or 'none'}"


def choice_problems(scenario: Scenario, levers: list[str] | tuple[str, ...],
                    point: str | None, *, levers_at: tuple, point_at: tuple,
                    answer_at: tuple) -> list[InitErrorDetails]:
    """Everything wrong with pulling `levers` as the answer to decision point `point` (or
    freely, when `point` is None), each problem at its place: an unknown lever or one the
    point does not offer at its item (`levers_at` + its index), an unknown point at
    `point_at`, a choice over the budget or of too many levers at `answer_at`. Decisions
    files, replay files and experiments all check decisions with this."""
    known = [lever.id for lever in scenario.levers]
    points = {p.id: p for p in scenario.decision_points}
    problems = []
    if point is not None and point not in points:
        problems.append(located(point_at, "decision_point", "no decision point {p} in "
                                "scenario {s} ({hint})", p=repr(point), s=scenario.id,
                                hint=known_words(point, list(points))))
    offered = points[point].levers if point in points else None
    for j, lever in enumerate(levers):
        if lever not in known:
            problems.append(located((*levers_at, j), "decision_lever", "no lever {l} in "
                                    "scenario {s} ({hint})", l=repr(lever), s=scenario.id,
                                    hint=known_words(lever, known)))
        elif offered is not None and lever not in offered:
            problems.append(located((*levers_at, j), "decision_offer", _NOT_OFFERED, p=point,
                                    l=lever, offered=", ".join(offered)))
    if offered is not None and not problems:
        problems += [InitErrorDetails(type=error, loc=answer_at, input=None)
                     for error in _answer_errors(scenario, point, levers)]
    return problems


_NOT_OFFERED = "decision point {p} does not offer {l} (it offers: {offered})"


def twice_problems(scenario: Scenario, entries: list[tuple[list, Any, Any]],
                   policy: str | None = None) -> list[InitErrorDetails]:
    """A lever that can be pulled only once, pulled again: at the entry of `entries`
    ((levers, point, occurrence) each, as `decisions` lists them) that pulls it the second
    time, once for each lever. The answers of `policy` (one of the scenario's) count for the
    points the entries leave to it."""
    once_only = {lever.id for lever in scenario.levers if not lever.repeatable}
    first: dict[str, str] = {}  # lever -> who pulls it first, in words
    for point, levers in _policy_answers(scenario, entries, policy):
        for lever in levers:
            first.setdefault(lever, f"policy {policy} pulls it at {point}")
    offers = {p.id: set(p.levers) for p in scenario.decision_points}
    told: set[str] = set()
    problems = []
    for i, (levers, point, _) in enumerate(entries):
        for j, lever in enumerate(levers):
            if not isinstance(lever, str) or lever not in once_only or lever in told:
                continue
            if lever not in offers.get(point, {lever}):
                continue  # not offered there: reported as such, and never pulled
            if lever in first:
                told.add(lever)
                problems.append(located(("decisions", i, "levers", j), "decision_twice",
                                        twice_words(lever, first[lever],
                                                    f" in scenario {scenario.id}")))
            else:
                first[lever] = f"decisions[{i}] pulls it already"
    return problems


def _policy_answers(scenario: Scenario, entries: list[tuple[list, Any, Any]],
                    policy: str | None) -> list[tuple[str, list[str]]]:
    """The policy's answers that the entries do not override: a point answered every time
    (no occurrence) is the entries', and so is a point asked only once whose first asking
    they answer."""
    if policy not in scenario.policies:
        return []
    asked_once = {p.id for p in scenario.decision_points if p.once or p.when is None}
    overridden = {point for _, point, occurrence in entries if point is not None
                  and (occurrence is None or (occurrence == 1 and point in asked_once))}
    return [(point, levers) for point, levers in scenario.policies[policy].items()
            if point not in overridden]


def _start_weekday(scenario: Scenario) -> int:
    return scenario.calendar.start_date.weekday() if scenario.calendar else 0


def _answer_errors(scenario: Scenario, point_id: str,
                   levers: tuple[str, ...] | list[str]) -> list[PydanticCustomError]:
    """Why these (known) levers are not a valid answer to the point: levers it does not
    offer, more than one where it takes one, over its budget."""
    point = next(p for p in scenario.decision_points if p.id == point_id)
    errors = []
    not_offered = [lever for lever in levers if lever not in point.levers]
    if not_offered:
        errors.append(PydanticCustomError(
            "decision_offer", _NOT_OFFERED,
            {"p": point_id, "l": ", ".join(not_offered), "offered": ", ".join(point.levers)}))
    if point.choice == "single" and len(levers) > 1:
        errors.append(PydanticCustomError(
            "decision_single", "decision point {p} takes one lever at most", {"p": point_id}))
    costs = {lever.id: lever.cost for lever in scenario.levers}
    spent = sum(costs.get(lever, 0.0) for lever in levers)
    if point.budget is not None and spent > point.budget + 1e-9:
        errors.append(PydanticCustomError(
            "decision_budget", "the levers chosen at {p} cost {c}, over its budget of {b}",
            {"p": point_id, "c": f"{spent:,.0f}", "b": f"{point.budget:,.0f}"}))
    return errors


def check_answer(scenario: Scenario, point_id: str, levers: tuple[str, ...] | list[str]) -> None:
    """Raise PydanticCustomError if these levers are not a valid answer to the point."""
    errors = _answer_errors(scenario, point_id, levers)
    if errors:
        raise errors[0]


#: What a decisions file holds, for the message about an empty file or one of another kind.
DECISIONS_SHAPE = "a decisions file (a mapping with policy and/or decisions)"


def load_decisions(source: str | os.PathLike, scenario: Scenario,
                   source_name: str | None = None) -> DecisionPlan:
    """Read a decisions file (or text) for a scenario; located errors as ScenarioError."""
    from sim.loader import located_problems, problems_at
    from sim.yamlsafe import KIND_WORDS, file_kind, read_json, read_yaml

    name = source_name or str(source)
    if not isinstance(source, str) or os.path.exists(source):
        source = Path(source)
    # a .json file is read as JSON, so that one cut short is told in JSON's words
    read = read_json if isinstance(source, Path) and source.suffix == ".json" else read_yaml
    data, marks = read(source, source_name=name, expected=DECISIONS_SHAPE)
    kind = file_kind(data)
    if kind not in (None, "decisions"):  # not every key of a scenario listed as unknown
        raise ScenarioError([Problem(name, None, "", f"this is {KIND_WORDS[kind]}, not a "
                                     f"decisions file: expected {DECISIONS_SHAPE}")])
    problems: list[Problem] = []
    parsed = None
    try:
        parsed = _DecisionsFile.model_validate(data, context={"scenario": scenario})
    except ValidationError as error:
        problems += located_problems(error, data, name, marks, root=_DecisionsFile)
    # levers pulled twice: checked on the file as read, so that they are reported with every
    # other problem, not only once the rest of the file is right
    policy = data.get("policy")
    problems += problems_at(twice_problems(scenario, _entries_as_read(data.get("decisions")),
                                           policy if isinstance(policy, str) else None),
                            data, name, marks, root=_DecisionsFile)
    if problems or parsed is None:
        raise ScenarioError(sort_problems(problems))
    start_weekday = _start_weekday(scenario)
    decisions = [Decision(levers=tuple(e.levers), point=e.point, occurrence=e.occurrence,
                          at_min=None if e.at is None else parse_moment(e.at, start_weekday))
                 for e in parsed.decisions]
    policy = scenario.policies.get(parsed.policy, {}) if parsed.policy else {}
    return DecisionPlan(decisions, policy=policy, policy_name=parsed.policy)


def _entries_as_read(entries: Any) -> list[tuple[list, Any, Any]]:
    """(levers, point, occurrence) of each entry of a `decisions` list as the file has it,
    whatever is wrong with it (what is not a list or not text stands for nothing)."""
    out = []
    for entry in entries if isinstance(entries, list) else []:
        entry = entry if isinstance(entry, dict) else {}
        levers = entry.get("levers")
        point, occurrence = entry.get("point"), entry.get("occurrence")
        out.append(([lever if isinstance(lever, str) else None
                     for lever in (levers if isinstance(levers, list) else [])],
                    point if isinstance(point, str) else None,
                    occurrence if isinstance(occurrence, int) else None))
    return out
