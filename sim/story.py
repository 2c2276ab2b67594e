"""The story the engine tells: live settings that levers change, changes IT rolls out, and
injects (outages, a supplier failing its contract, staff off sick, surges).

Everything here acts on the live model (the scenario itself stays immutable) and writes what
it did to the event log: every lever pulled, every parameter's new value, every change going
live, failing, being fixed or rolled back, every inject and outage. The debrief, the
moments of truth and the dashboards read those rows, never this module's state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sim import targets as paths
from sim.eventlog import (
    CHANGE_FAILED,
    CHANGE_FIXED,
    CHANGE_LIVE,
    CHANGE_ROLLED_BACK,
    INJECT_END,
    INJECT_START,
    OUTAGE_END,
    OUTAGE_START,
    SETTING,
)
from sim.scenario import MAX_SPREAD, Change, Effect, Inject
from sim.timing import Call

if TYPE_CHECKING:
    from sim.engine import Simulation
    from sim.sources import Source


# ---------------------------------------------------------------------------------------------
# Live settings
# ---------------------------------------------------------------------------------------------


@dataclass
class Applied:
    """An effect as it was applied: enough to undo it when its time is up."""

    effect: Effect
    target: paths.Target
    before: Any


class Settings:
    """Finds the live parameter a target path names, changes it, logs the new value."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.raw = sim.scenario.model_dump()
        self.names = sim.log.names.settings

    def target(self, effect: Effect) -> paths.Target:
        return paths.parse_target(effect.target, self.raw)

    def apply(self, effect: Effect, now: float) -> Applied:
        target = self.target(effect)
        if target.collection == "teams" and target.field == "staff":
            # add: agents on top of the schedule; multiply: the schedule scaled; set: a level
            # of its own; all only while the team is on duty (its shifts or hours)
            target = replace(target, parameter=effect.operation)
        before = self.get(target)
        self.set(target, _combine(effect.operation, before, effect.value, target.kind), now)
        return Applied(effect, target, before)

    def undo(self, applied: Applied, now: float) -> None:
        """Take an effect back: the inverse of an add or multiply (so that effects that
        overlapped in time undo in any order), the value before a set."""
        operation, value = applied.effect.operation, applied.effect.value
        current = self.get(applied.target)
        if operation == "add":
            restored = current - value
        elif operation == "multiply" and value != 0:
            restored = current / value
        else:
            restored = applied.before
        self.set(applied.target, restored, now)

    # -- where each target lives -------------------------------------------------------------

    def get(self, t: paths.Target) -> Any:
        sim = self.sim
        if t.collection == "teams":
            group = sim.group_by_id[t.item]
            if t.field == "staff":
                return {"add": group.staff_extra, "multiply": group.staff_factor,
                        "set": group.staff_set}[t.parameter]
            return {"empathy": group.empathy, "announces_wait": group.announces_wait}[t.field]
        if t.collection == "suppliers":
            group = sim.group_by_id[t.item]
            if t.field == "capacity":
                return group.capacity
            return getattr(group, t.field).parameters()[t.parameter]
        if t.collection == "categories":
            category = sim.category_by_id[t.item]
            if t.kind == paths.DIST:
                return getattr(category, t.field).parameters()[t.parameter]
            return {"fcr": lambda: category.fcr, "arrivals": lambda: category.arrival_factor,
                    "declined": lambda: category.declined,
                    "route": lambda: [g.id for g in category.route or []],
                    "escalate_to": lambda: category.escalate_to.id,
                    "reassign.share": lambda: category.reassign.share,
                    "reassign.to": lambda: category.reassign.to.id,
                    "pending.share": lambda: category.pending_share}[t.field]()
        if t.collection == "departments":
            department = sim.departments[t.item]
            if t.field == "retry.share":
                return department.retry_share
            return getattr(department, t.field).parameters()[t.parameter]
        if t.collection == "changes":
            change = sim.changes[t.item]
            if t.field == "demand":
                return change.demand_factor.get(t.parameter or "", 1.0)
            return {"at": change.at_min, "active": change.active, "warned": change.warned,
                    "failure.chance": change.failure_chance}[t.field]
        inject = sim.injects[t.item]
        if t.field == "demand":
            return inject.demand_factor.get(t.parameter or "", 1.0)
        return {"active": inject.active, "duration_min": inject.duration_min}[t.field]

    def set(self, t: paths.Target, value: Any, now: float) -> None:
        sim = self.sim
        value = _within_bounds(t, value)
        if t.collection == "teams":
            group = sim.group_by_id[t.item]
            if t.field == "staff":
                setattr(group, {"add": "staff_extra", "multiply": "staff_factor",
                                "set": "staff_set"}[t.parameter], value)
                group.set_staff(group.effective_staff(group.schedule_level), now)
                value = group.staff_target()
            else:
                setattr(group, t.field, value)
        elif t.collection == "suppliers":
            group = sim.group_by_id[t.item]
            if t.field == "capacity":
                group.capacity = int(value)
                group.set_staff(group.capacity, now)
            else:
                _update_sampler(getattr(group, t.field), t.parameter, value)
        elif t.collection == "categories":
            category = sim.category_by_id[t.item]
            if t.kind == paths.DIST:
                _update_sampler(getattr(category, t.field), t.parameter, value)
            elif t.field == "fcr":
                category.fcr = value
            elif t.field == "declined":
                category.declined = value
            elif t.field == "route":
                category.route = [sim.group_by_id[g] for g in value] or None
                category.escalate_to = None
            elif t.field == "arrivals":
                category.arrival_factor = value
            elif t.field == "escalate_to":
                category.escalate_to = sim.group_by_id[value]
                category.route = None
            elif t.field == "reassign.share":
                category.reassign.share = value
            elif t.field == "reassign.to":
                category.reassign.to = sim.group_by_id[value]
            elif t.field == "pending.share":
                category.pending_share = value
        elif t.collection == "departments":
            department = sim.departments[t.item]
            if t.field == "retry.share":
                department.retry_share = value
            else:
                _update_sampler(getattr(department, t.field), t.parameter, value)
        elif t.collection == "changes":
            sim.changes[t.item].set(t, value, now)
        else:
            sim.injects[t.item].set(t, value, now)
        self.log(t, value, now)

    def log(self, t: paths.Target, value: Any, now: float) -> None:
        name = f"{t.collection}.{t.item}.staff" if t.field == "staff" else str(t)
        if name not in self.names:
            self.names.append(name)
        if isinstance(value, str):  # a team or supplier: log its index
            value = self.sim.group_by_id[value].index
        elif isinstance(value, list):  # a route: log its first step (the rest is in the file)
            value = self.sim.group_by_id[value[0]].index if value else -1
        self.sim._row((now, SETTING, -1, -1, self.names.index(name), float(value)))


def _combine(operation: str, before: Any, value: Any, kind: str) -> Any:
    if operation == "set":
        return value
    if operation == "add":
        return before + value
    return before * value


def _within_bounds(t: paths.Target, value: Any) -> Any:
    if value is None:  # undoing a staff level set: back to the schedule
        return None
    if t.kind == paths.SHARE:
        return min(1.0, max(0.0, float(value)))
    if t.field == "staff":
        if t.parameter == "add":
            return int(round(value))  # may go below zero: staff off sick
        return max(0.0, float(value)) if t.parameter == "multiply" else max(0, int(round(value)))
    if t.kind == paths.COUNT:
        return max(0, int(round(value)))
    if t.kind == paths.DIST:
        return max(float(value), 1e-6)  # a time of zero would be absurd; keep it tiny
    if t.kind in (paths.NUMBER, paths.FACTOR, paths.TIME):
        return max(0.0, float(value))
    return value


def _update_sampler(sampler, parameter: str, value: float) -> None:
    params = sampler.parameters()
    params[parameter] = value
    if "sd" in params and params["sd"] > MAX_SPREAD * params["mean"]:
        params["sd"] = MAX_SPREAD * params["mean"]
    if "mode" in params:  # keep a triangle a triangle
        params["min"] = min(params["min"], params["mode"], params["max"])
        params["max"] = max(params["min"], params["mode"], params["max"])
        if params["max"] <= params["min"]:
            params["max"] = params["min"] + 1e-6
    if "min" in params and "max" in params and params["max"] <= params["min"]:
        params["max"] = params["min"] + 1e-6
    sampler.update(**{k: v for k, v in params.items() if k in sampler.PARAMS})


# ---------------------------------------------------------------------------------------------
# Changes
# ---------------------------------------------------------------------------------------------


class LiveChange:
    """A change: scheduled, live (its demand flowing), failed, fixed, rolled back."""

    def __init__(self, sim: Simulation, index: int, model: Change):
        self.sim = sim
        self.index = index
        self.model = model
        self.id = model.id
        self.at_min = model.at
        self.active = True
        self.warned = model.warned
        self.failure_chance = model.failure.chance if model.failure else 0.0
        #: "" -> the whole change's demand; a category id -> that category's
        self.demand_factor: dict[str, float] = {}
        self.state = "scheduled"
        self.sources: list[Source] = []
        self.failure_sources: list[Source] = []
        self.outage = -1
        self._schedule_generation = 0
        self._failure_draw = sim.streams.uniform_rows(f"change-failure/{model.id}", 1).draw()[0]

    def factor(self, category: str):
        return lambda: (self.demand_factor.get("", 1.0) * self.demand_factor.get(category, 1.0)
                        if self.active else 0.0)

    def schedule(self) -> None:
        self._schedule_generation += 1
        generation = self._schedule_generation
        delay = self.at_min - self.sim.env.now
        if self.at_min < self.sim.horizon_min:
            Call(self.sim.env, max(0.0, delay), generation, self._go_live)

    def _go_live(self, event) -> None:
        if event._value != self._schedule_generation or not self.active:
            return  # postponed, or rolled back before it went live
        sim, now = self.sim, self.sim.env._now
        self.state = "live"
        sim._row((now, CHANGE_LIVE, -1, -1, self.index, 0.0))
        for source in self.sources:
            source.start(now)
        if self.model.failure is not None and self._failure_draw < self.failure_chance:
            self._fail(now)

    def _fail(self, now: float) -> None:
        sim = self.sim
        self.state = "failed"
        sim._row((now, CHANGE_FAILED, -1, -1, self.index, 0.0))
        sim._row((now, OUTAGE_START, -1, -1, self.outage, self.model.failure.blocks_work))
        for source in self.failure_sources:
            source.start(now)
        Call(sim.env, self.model.failure.duration_min, None, self._fixed)

    def _fixed(self, event) -> None:
        if self.state != "failed":
            return  # rolled back first
        now = self.sim.env._now
        self.state = "live"
        self.sim._row((now, CHANGE_FIXED, -1, -1, self.index, 0.0))
        self.sim._row((now, OUTAGE_END, -1, -1, self.outage, 0.0))
        for source in self.failure_sources:
            source.stop()

    def set(self, t: paths.Target, value: Any, now: float) -> None:
        if t.field == "demand":
            self.demand_factor[t.parameter or ""] = value
        elif t.field == "warned":
            self.warned = bool(value)
        elif t.field == "failure.chance":
            self.failure_chance = value
        elif t.field == "at":
            self.at_min = value
            if self.state == "scheduled":
                self.schedule()
        elif t.field == "active" and self.active and not value:
            self._roll_back(now)

    def _roll_back(self, now: float) -> None:
        sim = self.sim
        self.active = False
        sim._row((now, CHANGE_ROLLED_BACK, -1, -1, self.index, 0.0))
        if self.state == "failed":
            sim._row((now, OUTAGE_END, -1, -1, self.outage, 0.0))
        for source in self.sources + self.failure_sources:
            source.stop()
        self.state = "rolled_back"


# ---------------------------------------------------------------------------------------------
# Injects
# ---------------------------------------------------------------------------------------------


class LiveInject:
    """An inject: it starts at its moment (effects applied, demand flowing, a service down)
    and, when it has a duration, ends (effects undone)."""

    def __init__(self, sim: Simulation, index: int, model: Inject):
        self.sim = sim
        self.index = index
        self.model = model
        self.id = model.id
        self.active = True
        self.duration_min = model.duration_min
        self.state = "scheduled"
        self.started_min = math.inf
        self.sources: list[Source] = []
        self.outage = -1
        #: "" -> all its demand; a category id -> that category's (levers thin it)
        self.demand_factor: dict[str, float] = {}
        self._applied: list[Applied] = []
        self._end_generation = 0

    def factor(self, category: str):
        return lambda: (self.demand_factor.get("", 1.0) * self.demand_factor.get(category, 1.0)
                        if self.state == "running" else 0.0)

    def schedule(self) -> None:
        if self.model.at < self.sim.horizon_min:
            Call(self.sim.env, max(0.0, self.model.at - self.sim.env.now), None, self._start)

    def _start(self, event) -> None:
        if not self.active:
            return
        sim, now = self.sim, self.sim.env._now
        self.state = "running"
        self.started_min = now
        sim._row((now, INJECT_START, -1, -1, self.index, 0.0))
        if self.model.outage is not None:
            sim._row((now, OUTAGE_START, -1, -1, self.outage, self.model.outage.blocks_work))
        self._applied = [sim.settings.apply(effect, now) for effect in self.model.effects]
        for source in self.sources:
            source.start(now)
        self._schedule_end()

    def _schedule_end(self) -> None:
        self._end_generation += 1
        if self.duration_min is not None:
            end = self.started_min + self.duration_min
            Call(self.sim.env, max(0.0, end - self.sim.env.now), self._end_generation,
                 self._end)

    def _end(self, event) -> None:
        if event is not None and event._value != self._end_generation:
            return  # its duration was changed meanwhile
        if self.state != "running":
            return
        sim, now = self.sim, self.sim.env._now
        self.state = "ended"
        for applied in reversed(self._applied):
            sim.settings.undo(applied, now)
        for source in self.sources:
            source.stop()
        if self.model.outage is not None:
            sim._row((now, OUTAGE_END, -1, -1, self.outage, 0.0))
        sim._row((now, INJECT_END, -1, -1, self.index, 0.0))

    def set(self, t: paths.Target, value: Any, now: float) -> None:
        field = t.field
        if field == "demand":
            self.demand_factor[t.parameter or ""] = value
        elif field == "duration_min":
            self.duration_min = value
            if self.state == "running":
                self._schedule_end()
        elif field == "active" and not value:
            self.active = False
            if self.state == "running":
                self._end(None)
