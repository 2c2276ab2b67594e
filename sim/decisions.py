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

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.errors import Problem, ScenarioError
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
        levers = {lever.id: lever for lever in scenario.levers}
        unknown = [lever for lever in self.levers if lever not in levers]
        if unknown:
            raise PydanticCustomError(
                "decision_lever", "no lever {l} in scenario {s} (it has: {known})",
                {"l": ", ".join(unknown), "s": scenario.id, "known": ", ".join(levers) or "none"})
        if self.point is not None:
            points = {p.id: p for p in scenario.decision_points}
            if self.point not in points:
                raise PydanticCustomError(
                    "decision_point", "no decision point {p} in scenario {s} (it has: {known})",
                    {"p": self.point, "s": scenario.id, "known": ", ".join(points) or "none"})
            check_answer(scenario, self.point, self.levers)
        else:
            try:
                parse_moment(self.at, _start_weekday(scenario))
            except ValueError as error:
                raise PydanticCustomError("decision_at", "{why}", {"why": str(error)}) from None
        return self


class _DecisionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Id | None = None
    decisions: list[_Entry] = []

    @model_validator(mode="after")
    def _policy(self, info: ValidationInfo) -> _DecisionsFile:
        scenario: Scenario = info.context["scenario"]
        if self.policy is not None and self.policy not in scenario.policies:
            raise_located("decisions file", [located(
                ("policy",), "decision_policy", "no policy {p} in scenario {s} (it has: "
                "{known})", p=self.policy, s=scenario.id,
                known=", ".join(scenario.policies) or "none")])
        raise_located("decisions file", self._pulled_twice(scenario))
        return self

    def _pulled_twice(self, scenario: Scenario) -> Iterator[InitErrorDetails]:
        """A lever that can be pulled only once, pulled again: at the entry that pulls it
        the second time, once for each lever. The policy's answers count for the points
        this file leaves to it."""
        once_only = {lever.id for lever in scenario.levers if not lever.repeatable}
        first: dict[str, str] = {}  # lever -> who pulls it first, in words
        for point, levers in self._policy_answers(scenario):
            for lever in levers:
                first.setdefault(lever, f"policy {self.policy} pulls it at {point}")
        told: set[str] = set()
        for i, entry in enumerate(self.decisions):
            for j, lever in enumerate(entry.levers):
                if lever not in once_only or lever in told:
                    continue
                if lever in first:
                    told.add(lever)
                    yield located(("decisions", i, "levers", j), "decision_twice",
                                  twice_words(lever, first[lever],
                                              f" in scenario {scenario.id}"))
                else:
                    first[lever] = f"decisions[{i}] pulls it already"

    def _policy_answers(self, scenario: Scenario) -> list[tuple[str, list[str]]]:
        """The policy's answers that this file does not override: a point the file answers
        every time (no occurrence) is the file's, and so is a point asked only once whose
        first asking the file answers."""
        if self.policy is None:
            return []
        asked_once = {p.id for p in scenario.decision_points if p.once or p.when is None}
        overridden = {e.point for e in self.decisions if e.point is not None
                      and (e.occurrence is None or (e.occurrence == 1 and e.point in asked_once))}
        return [(point, levers) for point, levers in scenario.policies[self.policy].items()
                if point not in overridden]


def _start_weekday(scenario: Scenario) -> int:
    return scenario.calendar.start_date.weekday() if scenario.calendar else 0


def check_answer(scenario: Scenario, point_id: str, levers: tuple[str, ...] | list[str]) -> None:
    """Raise PydanticCustomError if these levers are not a valid answer to the point."""
    point = next(p for p in scenario.decision_points if p.id == point_id)
    not_offered = [lever for lever in levers if lever not in point.levers]
    if not_offered:
        raise PydanticCustomError(
            "decision_offer", "decision point {p} does not offer {l} (it offers: {offered})",
            {"p": point_id, "l": ", ".join(not_offered), "offered": ", ".join(point.levers)})
    if point.choice == "single" and len(levers) > 1:
        raise PydanticCustomError("decision_single",
                                  "decision point {p} takes one lever at most", {"p": point_id})
    costs = {lever.id: lever.cost for lever in scenario.levers}
    spent = sum(costs[lever] for lever in levers)
    if point.budget is not None and spent > point.budget + 1e-9:
        raise PydanticCustomError(
            "decision_budget", "the levers chosen at {p} cost {c}, over its budget of {b}",
            {"p": point_id, "c": f"{spent:,.0f}", "b": f"{point.budget:,.0f}"})


#: What a decisions file holds, for the message about an empty file or one of another kind.
DECISIONS_SHAPE = "a decisions file (a mapping with policy and/or decisions)"


def load_decisions(source: str | os.PathLike, scenario: Scenario,
                   source_name: str | None = None) -> DecisionPlan:
    """Read a decisions file (or text) for a scenario; located errors as ScenarioError."""
    from sim.loader import located_problems
    from sim.yamlsafe import KIND_WORDS, file_kind, read_yaml

    name = source_name or str(source)
    data, marks = read_yaml(Path(source) if not isinstance(source, str) or
                            os.path.exists(source) else source, source_name=name,
                            expected=DECISIONS_SHAPE)
    kind = file_kind(data)
    if kind not in (None, "decisions"):  # not every key of a scenario listed as unknown
        raise ScenarioError([Problem(name, None, "", f"this is {KIND_WORDS[kind]}, not a "
                                     f"decisions file: expected {DECISIONS_SHAPE}")])
    try:
        parsed = _DecisionsFile.model_validate(data, context={"scenario": scenario})
    except ValidationError as error:
        raise ScenarioError(located_problems(error, data, name, marks,
                                             root=_DecisionsFile)) from None
    start_weekday = _start_weekday(scenario)
    decisions = [Decision(levers=tuple(e.levers), point=e.point, occurrence=e.occurrence,
                          at_min=None if e.at is None else parse_moment(e.at, start_weekday))
                 for e in parsed.decisions]
    policy = scenario.policies.get(parsed.policy, {}) if parsed.policy else {}
    return DecisionPlan(decisions, policy=policy, policy_name=parsed.policy)
