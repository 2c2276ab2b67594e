"""The words of a debrief, generated from the event log.

A debrief leads with what happened, as cause and effect a group can follow on the projector:

    Mon 08:00  The change “Desk phones switched off…” went live → 62 contacts in the next
               two hours against 11 on a usual day (5.6×) → in the worst hour callers
               waited 7.4 min on average → 68% of callers hung up that day → satisfaction
               in Management fell from 75.0 to 73.9 (out of 100) by 18:00
    Mon 09:20  You pulled “Two temporary agents…” (1,500 EUR) → in the rest of Monday 19
               of 59 callers hung up (32%); without it, 57 of 82 (70%) would have
    Fri (whole day)  a normal day, 31 contacts, 2% of callers hung up

Every day of the run has a line, so that no day goes missing: a day far busier than usual,
or one on which many callers hung up, on its own; the calm days in a few words, several in
a row on one line ("Wed–Fri: normal days, ..."); days the calendar closes too. Every figure
carries its unit ("7.5 tickets", "2,136 hours", "74.8 out of 100"), and counts read as
whole numbers but for averages over time ("on average 7.5 tickets were open").

then the figures against the scenario's goals, the decisions and what each cost, three
people's journeys (one good, one bad, one typical), and questions for the group. Every
number here comes from the log (through `sim.kpis`, `sim.moments`), never from the engine.

What a lever did is never read from before and after: the day has its own rhythm (a queue
empties at lunchtime whatever anyone pulls). Each lever beat is measured against its
*counterfactual* (`without_beat`): the same scenario, seed and replication, with the same
decisions, each pulled at the minute it was in the run, minus the levers of that beat
(levers pulled at the same minute are one beat, and what followed is told once, for all of
them). Every random draw a decision does not cause is shared (common random numbers,
`sim.sources`), so the difference between the two logs over the same window is what the
beat did. Decision points the counterfactual meets are answered with nothing: it is the run
without the beat, not another player's run. One counterfactual run per beat, built afresh
each time (nothing is cached), so the story of a run is the same every time it is told.

The figures depend on what the levers act on (their effects' targets):

- the service desk (its staffing, the demand a change or an outage brings, handle times,
  first-contact resolution): how many of the phone calls that came hung up, from the lever's
  minute to the close of that working day (of the next one when fewer than two open hours
  are left), and when that shows no difference worth telling, over the rest of the run (a
  lever against the next outage acts days later); the mean wait to be answered instead when
  fewer than ten calls came. Told by the number of calls abandoned, with the share beside
  it: a lever that spares people a call they would have got through on anyway raises the
  share without anyone more hanging up;
- resolver teams and suppliers (their staffing and times, where tickets go): the number of
  tickets open at those groups (or, for a lever on a kind of contact, of that kind past the
  desk) on average over the rest of the run;
- outages (an inject's length, whether a change fails or happens): the working time people
  lost over the run (the runs are the same up to the beat, so the difference is the beat's);
- what people are told (a change announced, the wait announced, the desk's empathy):
  everybody's satisfaction at the end of the run.

A difference is told only when it is worth telling: at least 3 calls abandoned, half a
minute of waiting, one open ticket, ten hours of lost work or one point of satisfaction, and
(but for satisfaction) at least a tenth of the larger value, taken between the values as
shown. When no figure differs that much the story says plainly that the beat made little
difference, on its first figure, and that the desk was already keeping up when it was (5% or
fewer hung up, or under a minute's wait, with and without it). Satisfaction changes under
one point are not news after an event either ("fell from 75.0 to 74.8" is not told).

Whether people had been told about a change is read from the levers taken (their setting
rows in the log). A usual day is the same hours on the run's other days: a run of one day is
not compared with anything, and a usual day with no contacts is said to have none (never
"234.0×").
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.decisions import Decision, DecisionPlan
from sim.engine import Outcome, Simulation
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    CHANGE_FAILED,
    CHANGE_LIVE,
    CHANGE_ROLLED_BACK,
    CLOSED,
    ESCALATED,
    INJECT_START,
    LEVER,
    OUTAGE_START,
    RESOLVED,
    SETTING,
)
from sim.kpis import LogView, kpi_label
from sim.moments import (
    PASSED_ON,
    business_impact,
    ledger,
    satisfaction_now,
    satisfaction_over_time,
)
from sim.names import effect_sentence, evidence_words

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: how long after an event its effects are looked for
WINDOW_MIN = 120.0
#: a change of satisfaction smaller than this (points, between the values as shown) is not
#: news: not after an event, not between a run and its counterfactual
SATISFACTION_NEWS = 1.0
#: fewer calls than this in a lever's window: its effect on the desk is read from the waits
MIN_CALLS = 10
#: the smallest differences between a run and its counterfactual worth telling (and, but for
#: satisfaction, a tenth of the larger value): calls abandoned, minutes of waiting, open
#: tickets, hours of work lost
HANG_UPS_NEWS, WAIT_NEWS_MIN, TICKETS_NEWS, LOST_HOURS_NEWS = 3, 0.5, 1.0, 10.0
SHARE_OF_LARGER = 0.1
#: the desk "was already keeping up" when no more than this share hung up, or the mean wait
#: was under KEEPING_UP_WAIT_MIN, with and without the beat
KEEPING_UP_SHARE, KEEPING_UP_WAIT_MIN = 0.05, 1.0


def when(outcome: Outcome, t_min: float) -> str:
    """"Mon 09:05" for a moment of the run (weekday from the scenario's calendar)."""
    day = int(t_min // 1440)
    minute = int(round(t_min - day * 1440))
    if minute == 1440:
        day, minute = day + 1, 0
    name = DAY_NAMES[outcome.calendar.weekday(day)]
    week = day // 7
    prefix = f"{name}" if week == 0 else f"{name} (week {week + 1})"
    return f"{prefix} {minute // 60:02d}:{minute % 60:02d}"


def figure_unit(name: str) -> str:
    """The unit a key figure is shown in: `sim.kpis.kpi_label`'s, but "average" for a count
    averaged over time ("Open contacts and tickets, average": 4.3, not 4 — and never 14
    beside 4.32)."""
    label, unit = kpi_label(name)
    return "average" if unit == "count" and "average" in label.lower() else unit


def format_figure(value: float | None, unit: str, currency: str = "EUR", *,
                  hours: bool | None = None) -> str:
    """A key figure as a trainer reads it, with the same number of decimals whatever its
    size: "12.4%", "3.2 min" (or "2.1 h" from 100 minutes), "1,500 EUR", "74.0" (points),
    "690 h", "4.3" (an average of a count), "192" (a count). `hours`: minutes in hours
    (True) or in minutes (False) whatever their size, so that values shown side by side
    are shown alike (`format_alike`)."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "min":
        in_hours = abs(value) >= 100 if hours is None else hours
        return f"{value / 60:,.1f} h" if in_hours else f"{value:,.1f} min"
    if unit == "money":
        return f"{value:,.0f} {currency}"
    if unit == "points":
        return f"{value:.1f}"
    if unit == "hours":
        return f"{value:,.0f} h"
    if unit == "average":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def shown_value(value: float, unit: str, *, hours: bool | None = None) -> float:
    """The value `format_figure` shows, as a number: 0.1235 (a share) as 0.124 (12.4%,
    rounded as the text is), 123 minutes as 120 (2.0 h). Differences of shown values agree
    with the values shown."""
    if unit == "share":
        return float(f"{100 * value:.1f}") / 100
    if unit == "min":
        in_hours = abs(value) >= 100 if hours is None else hours
        return float(f"{value / 60:.1f}") * 60 if in_hours else float(f"{value:.1f}")
    if unit in ("points", "average"):
        return float(f"{value:.1f}")
    return float(f"{value:.0f}")  # money, hours, counts: whole numbers


def in_hours(values, unit: str) -> bool | None:
    """Whether values of one figure shown side by side (a run and its twin, and their
    difference) are all shown in hours: minutes are, when any of them is 100 minutes or
    more ("1.7 h → 0.1 h", never "1.7 h → 5.9 min"); None for any other unit."""
    if unit != "min":
        return None
    return any(v is not None and abs(v) >= 100 for v in values)


def format_alike(values, unit: str, currency: str = "EUR") -> list[str]:
    """Values of one figure side by side, shown alike (`in_hours`)."""
    hours = in_hours(values, unit)
    return [format_figure(v, unit, currency, hours=hours) for v in values]


# ---------------------------------------------------------------------------------------------
# What happened
# ---------------------------------------------------------------------------------------------


@dataclass
class Beat:
    """One line of the account: when, and what followed from what."""

    time_min: float
    when: str
    cause: str
    effects: list[str] = field(default_factory=list)
    #: levers pulled: the effects are differences from the same run without them
    pulled: bool = False

    @property
    def text(self) -> str:
        return " → ".join([self.cause, *self.effects])


#: Under a story with a lever beat: how to read "without it".
COUNTERFACTUAL_NOTE = ("What a lever did is told against the same week, with the same luck, "
                       "without it (and with every other decision at its minute): "
                       "“without it, … would have” is that run's figure.")


def counterfactual_note(beats: list[Beat]) -> str | None:
    """`COUNTERFACTUAL_NOTE` when the story measures a lever against its counterfactual."""
    return COUNTERFACTUAL_NOTE if any(b.pulled and b.effects for b in beats) else None


class _Facts:
    """What the narrative needs from the log, computed once."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self.view = v = LogView(outcome)
        names = outcome.log.names
        contacts = outcome.log.contact_columns()
        self.usual = np.array([label.startswith("category:") for label in names.sources]
                              or [True], dtype=bool)
        self.contact_usual = self.usual[contacts["source"]] if v.n_contacts else np.zeros(0, bool)
        self.phone = v.contact_channel == names.channels.index("phone")
        self.arrivals = v.time[v.event == ARRIVAL]
        arrival_contacts = v.contact[v.event == ARRIVAL]
        self.arrival_usual = self.contact_usual[arrival_contacts]
        self.levers = {lever.id: lever for lever in outcome.scenario.levers}

    @cached_property
    def _satisfaction_steps(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return satisfaction_over_time(self.outcome, step_min=30)

    @property
    def sat_times(self) -> np.ndarray:
        return self._satisfaction_steps[0]

    @property
    def satisfaction(self) -> dict[str, np.ndarray]:
        return self._satisfaction_steps[1]

    def contacts_between(self, t0: float, t1: float, usual_only: bool = False) -> int:
        inside = (self.arrivals >= t0) & (self.arrivals < t1)
        if usual_only:
            inside &= self.arrival_usual
        return int(inside.sum())

    def usual_between(self, t0: float, t1: float) -> float | None:
        """What the same hours usually bring: the usual arrivals in the same window on the
        other days of the run of the same kind (working days for a working day, so that a
        weekend's silence does not make every Monday look busy; the expected level, not the
        day's own), on average, leaving out a day that was itself out of the ordinary (more
        than twice the median of them: the outage that multiplied Friday's calls is not a
        usual Friday); None when the run has no other such day to compare with (a run of
        one day)."""
        days = int(self.outcome.end_min // 1440) + 1
        calendar = self.outcome.calendar
        working = calendar.is_working_day(int(t0 // 1440))
        counts = np.array([self.contacts_between(t0 + 1440 * k, t1 + 1440 * k, usual_only=True)
                           for k in range(-days, days + 1)
                           if k != 0 and 0 <= t0 + 1440 * k < self.outcome.end_min
                           and calendar.is_working_day(int(t0 // 1440) + k) == working])
        if not counts.size:
            return None
        median = float(np.median(counts))
        return float(np.mean(counts[counts <= 2 * median] if median > 0 else counts))

    def setting_at(self, path: str, initial: float, t: float) -> float:
        """The value of a live parameter (a lever target such as `changes.softphone.warned`)
        at minute t, from the log's setting rows; a setting made at t counts (decisions come
        before anything else at their minute)."""
        v = self.view
        settings = self.outcome.log.names.settings
        if path not in settings:
            return float(initial)
        rows = (v.event == SETTING) & (v.agent == settings.index(path)) & (v.time <= t)
        return float(v.value[rows][-1]) if rows.any() else float(initial)

    def levers_pulled(self, until_min: float) -> list[tuple[float, str]]:
        """(minute, lever id) of every lever pulled up to `until_min`, in order."""
        v = self.view
        rows = (v.event == LEVER) & (v.time <= until_min)
        names = self.outcome.log.names.levers
        return [(float(t), names[int(i)]) for t, i in zip(v.time[rows], v.agent[rows],
                                                          strict=True)]

    def phone_outcomes(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Waits of phone calls answered in [t0, t1), and how many hung up in it."""
        v = self.view
        answered = (v.event == ANSWERED) & (v.time >= t0) & (v.time < t1)
        who = v.contact[answered]
        waits = (v.time[answered] - v.arrived[who])[self.phone[who]]
        abandoned = (v.event == ABANDONED) & (v.time >= t0) & (v.time < t1)
        hung_up = self.phone[v.contact[abandoned]]
        return waits, hung_up

    def abandonment(self, t0: float, t1: float) -> float | None:
        waits, hung_up = self.phone_outcomes(t0, t1)
        calls = len(waits) + int(hung_up.sum())
        return float(hung_up.sum()) / calls if calls else None

    def worst_wait(self, t0: float, t1: float) -> float | None:
        """The longest hourly average wait of answered calls in [t0, t1)."""
        worst = None
        for start in np.arange(t0, t1, 60.0):
            waits, _ = self.phone_outcomes(start, start + 60.0)
            if len(waits):
                worst = max(worst or 0.0, float(waits.mean()))
        return worst

    # -- what a lever beat is measured by (in a run and in its counterfactual) ---------------

    def callers_who_hung_up(self, t0: float, t1: float) -> tuple[int, int]:
        """Of the phone calls that came in [t0, t1), how many hung up (whenever they did),
        and how many came."""
        v = self.view
        came = self.phone & (v.arrived >= t0) & (v.arrived < t1)
        return int(np.sum(came & ~np.isnan(v.abandoned))), int(came.sum())

    def mean_wait(self, t0: float, t1: float) -> float | None:
        """The mean wait to be answered (or to hang up) of every contact that came in
        [t0, t1); contacts still waiting at the end count with their wait so far."""
        v = self.view
        came = (v.arrived >= t0) & (v.arrived < t1)
        if not came.any():
            return None
        left = np.where(np.isnan(v.answered), v.abandoned, v.answered)
        left = np.where(np.isnan(left), v.end_min, left)
        return float(np.mean((left - v.arrived)[came]))

    def open_tickets(self, t0: float, t1: float, groups: set[str],
                     categories: set[str]) -> float | None:
        """Tickets open at `groups`, or past the desk when of `categories`, on average over
        [t0, t1): each stay from being handed to a group until it is handed on, resolved or
        closed (or the end of the run)."""
        if t1 <= t0:
            return None
        v = self.view
        names = self.outcome.log.names
        rows = np.flatnonzero((v.event == ESCALATED) | (v.event == RESOLVED)
                              | (v.event == CLOSED))
        rows = rows[np.argsort(v.contact[rows], kind="stable")]  # by contact, then time
        contact = v.contact[rows]
        handed = np.flatnonzero(v.event[rows] == ESCALATED)
        following = np.minimum(handed + 1, max(rows.size - 1, 0))
        same = (handed + 1 < rows.size) & (contact[following] == contact[handed])
        start = v.time[rows[handed]]
        stop = np.where(same, v.time[rows[following]], v.end_min)
        group_ids = {names.groups.index(g) for g in groups if g in names.groups}
        category_ids = {names.categories.index(c) for c in categories if c in names.categories}
        mine = (np.isin(v.group[rows[handed]], list(group_ids))
                | np.isin(v.contact_category[contact[handed]], list(category_ids)))
        inside = np.clip(stop[mine], t0, t1) - np.clip(start[mine], t0, t1)
        return float(inside.sum()) / (t1 - t0)

    def satisfaction_at(self, department: str, t: float) -> float:
        i = int(np.searchsorted(self.sat_times, t, side="right") - 1)
        return float(self.satisfaction[department][max(i, 0)])

    def biggest_fall(self, t0: float, t1: float) -> tuple[str, float, float] | None:
        falls = [(self.satisfaction_at(d, t0) - self.satisfaction_at(d, t1), d)
                 for d in self.satisfaction]
        if not falls:
            return None
        drop, department = max(falls)
        shown = (float(f"{self.satisfaction_at(department, t0):.1f}")
                 - float(f"{self.satisfaction_at(department, t1):.1f}"))
        if shown < SATISFACTION_NEWS - 1e-9:  # "fell from 75.0 to 74.8" is not news
            return None
        return department, self.satisfaction_at(department, t0), self.satisfaction_at(department,
                                                                                      t1)


def _department_name(outcome: Outcome, department_id: str) -> str:
    model = next((d for d in outcome.scenario.departments if d.id == department_id), None)
    return (model.name or model.id) if model else department_id


def _end_of_day(outcome: Outcome, t: float) -> float:
    day = int(t // 1440)
    close = outcome.calendar.close_min if outcome.calendar.defined else 1440
    return min(outcome.end_min, max(t + WINDOW_MIN, day * 1440 + close))


def _effects(facts: _Facts, t: float) -> list[str]:
    """What followed an event at t: demand, waits, hang-ups, satisfaction."""
    outcome = facts.outcome
    effects = []
    came = facts.contacts_between(t, t + WINDOW_MIN)
    usual = facts.usual_between(t, t + WINDOW_MIN)
    if came >= 5 and (usual is None or came > 1.3 * max(usual, 1.0)):
        effects.append(f"{came} contacts in the next two hours" + _against_usual(came, usual))
    end = _end_of_day(outcome, t)
    worst = facts.worst_wait(t, end)
    if worst is not None and worst >= 1.0:
        effects.append(f"in the worst hour callers waited {format_figure(worst, 'min')} on "
                       f"average")
    gave_up = facts.abandonment(t, end)
    if gave_up is not None and gave_up >= 0.12:
        effects.append(f"{100 * gave_up:.0f}% of callers hung up that day")
    fall = facts.biggest_fall(t, end)
    if fall is not None:
        department, before, after = fall
        effects.append(f"satisfaction in {_department_name(outcome, department)} fell from "
                       f"{before:.1f} to {after:.1f} (out of 100) by {when(outcome, end)[-5:]}")
    return effects


def _against_usual(came: int, usual: float | None) -> str:
    """How `came` contacts in two hours compare with the usual level: " against 9 on a
    usual day (2.6×)"; nothing when the run has no other day to compare with; never a
    ratio to nothing."""
    if usual is None:
        return ""
    if round(usual) == 0:
        return ", where the same hours of a usual day bring none"
    ratio = f" ({came / usual:.1f}×)" if usual >= 1 else ""
    return f" against {usual:.0f} on a usual day{ratio}"


def _told(facts: _Facts, change, t: float) -> str:
    """Whether the people a change affects had been told properly when it went live, from
    the levers taken (their setting rows in the log), not from the scenario's first value."""
    path = f"changes.{change.id}.warned"
    if facts.setting_at(path, float(change.warned), t) <= 0.5:
        return " (people had not been told properly)"
    telling = [facts.levers[lever_id] for _, lever_id in facts.levers_pulled(t)
               if any(e.target == path for e in facts.levers[lever_id].effects)]
    if telling:
        return f" (people had been told: “{telling[-1].name}”)"
    return " (people had been told)" if not change.warned else ""


def _pulled_words(levers, currency: str) -> str:
    """“A” (1,500 EUR), or “A” (1,500 EUR) and “B” (200 EUR): levers pulled together."""
    named = [f"“{lever.name}”" + (f" ({format_figure(lever.cost, 'money', currency)})"
                                  if lever.cost else "") for lever in levers]
    if len(named) == 1:
        return named[0]
    return ", ".join(named[:-1]) + " and " + named[-1] + " together"


# -- what a lever beat did: the same run without it ------------------------------------------

#: the fields of a category that act once a ticket has left the desk
_RESOLVER_FIELDS = frozenset({"resolve", "escalate_to", "route", "reassign", "pending"})
#: the fields that change what people are told or how they are treated, not the queues
_TOLD_FIELDS = frozenset({"warned", "announces_wait", "empathy"})
#: the fields of a change that decide whether (and when) it stops people's work
_OUTAGE_FIELDS = frozenset({"active", "at", "failure"})


@dataclass
class _Reach:
    """What a beat's levers act on, read from their effects' targets."""

    desk: bool = False                                       # the desk's queue and its demand
    groups: set[str] = field(default_factory=set)            # resolver teams and suppliers
    categories: set[str] = field(default_factory=set)        # kinds of contact past the desk
    outage: bool = False                                     # outages: people's lost work
    told: bool = False                                       # what people are told


def _reach(scenario, levers) -> _Reach:
    tiers = {team.id: team.tier for team in scenario.teams}
    reach = _Reach()
    for lever in levers:
        for effect in lever.effects:
            kind, item, what = (effect.target.split(".") + ["", ""])[:3]
            if kind == "injects" or (kind == "changes" and what in _OUTAGE_FIELDS):
                reach.outage = True  # and the calls an outage brings, at the desk
            if what in _TOLD_FIELDS:
                reach.told = True
            elif kind == "suppliers" or (kind == "teams" and tiers.get(item, 1) > 1):
                reach.groups.add(item)
            elif kind == "categories" and what in _RESOLVER_FIELDS:
                reach.categories.add(item)
            else:  # the desk's staff, handle times, first-contact fixes; demand, outages
                reach.desk = True
    return reach


def without_beat(outcome: Outcome, t_min: float) -> Outcome:
    """The counterfactual of the levers pulled at `t_min`: the same scenario, seed and
    replication, every other decision taken at the minute it was taken in the run (as a free
    decision, so that no decision moves with the queue), run to the same end. Decision
    points are answered with nothing. Nothing is cached: the same run gives the same twin."""
    kept = [Decision(levers=d.levers, at_min=d.at_min or 0.0) for d in outcome.decisions
            if d.levers and (d.at_min or 0.0) != t_min]
    twin = Simulation(outcome.scenario, seed=outcome.seed, replication=outcome.replication,
                      decisions=DecisionPlan(kept))
    twin.advance(outcome.end_min)
    return twin.outcome()


def _day_words(outcome: Outcome, day: int) -> str:
    name = DAY_WORDS[outcome.calendar.weekday(day)]
    return name if day < 7 else f"{name} (week {day // 7 + 1})"


def _desk_window(outcome: Outcome, t: float) -> tuple[float, float, str]:
    """Where a lever's effect on the desk is looked for: from its minute to the close of the
    working day, or of the next working day when fewer than two open hours are left."""
    calendar, end = outcome.calendar, float(outcome.end_min)
    day = int(t // 1440)
    for d in range(day, int(end // 1440) + 1):
        opens, close = d * 1440.0 + calendar.open_min, d * 1440.0 + calendar.close_min
        if calendar.is_working_day(d) and min(close, end) - max(t, opens) >= WINDOW_MIN:
            break
    else:
        return t, end, "until the end of the run"
    name = _day_words(outcome, d)
    if d == day and t > opens:
        words = f"in the rest of {name}"
    elif calendar.business_minutes_between(t, opens) > 0:
        words = f"between then and the end of {name}"
    else:
        words = f"on {name}"
    return t, min(close, end), words


def _rest_words(outcome: Outcome, t: float, at_end: bool = False) -> str:
    """ "over the rest of the week" (a run of a week at most, played to its end), "over the
    rest of the run" (longer, or stopped early); "at the end of the ..." with `at_end`."""
    whole = outcome.end_min >= float(outcome.scenario.clock.duration)
    span = "week" if whole and outcome.end_min <= 7 * 1440 else "run"
    if at_end:
        return f"at the end of the {span}"
    return f"over the {span}" if t <= 0 else f"over the rest of the {span}"


def _worth_telling(a: float, b: float, floor: float) -> bool:
    """Is the difference between two values (as shown) worth telling: at least `floor`, and
    at least a tenth of the larger?"""
    gap = abs(a - b)
    return gap >= floor - 1e-9 and gap >= SHARE_OF_LARGER * max(abs(a), abs(b)) - 1e-9


def _either_way(here: str, there: str, it: str) -> str:
    return ", with or without " + it if here == there else f"; without {it}, {there}"


def _desk_difference(facts: _Facts, other: _Facts, t: float, reach: _Reach,
                     it: str) -> tuple[str, bool] | None:
    """Callers who hung up (or the wait, when few called) in the run and without the beat:
    in the rest of the day, then, when that shows no difference worth telling, over the rest
    of the run (a lever against the next outage acts days later)."""
    if not reach.desk:
        return None
    t0, t1, words = _desk_window(facts.outcome, t)
    windows = [(t0, t1, words)]
    if t1 < facts.outcome.end_min:
        windows.append((t, float(facts.outcome.end_min), _rest_words(facts.outcome, t)))
    measured = [m for m in (_desk_figures(facts, other, *w, it) for w in windows) if m]
    return next((m for m in measured if m[1]), measured[0] if measured else None)


def _desk_figures(facts: _Facts, other: _Facts, t0: float, t1: float, words: str,
                  it: str) -> tuple[str, bool] | None:
    hung_up, calls = facts.callers_who_hung_up(t0, t1)
    hung_up_there, calls_there = other.callers_who_hung_up(t0, t1)
    if max(calls, calls_there) >= MIN_CALLS:
        a, b = f"{hung_up} of {calls}", f"{hung_up_there} of {calls_there}"
        here, there = hung_up / max(calls, 1), hung_up_there / max(calls_there, 1)
        share, share_there = f"{100 * here:.0f}%", f"{100 * there:.0f}%"
        if _worth_telling(hung_up, hung_up_there, HANG_UPS_NEWS):
            return (f"{words} {a} callers hung up ({share}); without {it}, {b} "
                    f"({share_there}) would have", True)
        if max(here, there) <= KEEPING_UP_SHARE:
            return (f"made little difference to the queue: the desk was already keeping up "
                    f"({words} {a} callers hung up{_either_way(a, b, it)})", False)
        return (f"made little difference to the queue: {words} {a} callers hung up "
                f"({share}){_either_way(f'{a} ({share})', f'{b} ({share_there})', it)}", False)
    here, there = facts.mean_wait(t0, t1), other.mean_wait(t0, t1)
    if here is None or there is None:
        return None
    a, b = format_figure(here, "min"), format_figure(there, "min")
    if _worth_telling(shown_value(here, "min"), shown_value(there, "min"), WAIT_NEWS_MIN):
        return f"{words} people waited {a} on average to be answered; without {it}, {b}", True
    figures = f"people waited {a} on average {words}{_either_way(a, b, it)}"
    return ("made little difference to waiting: " + (
        f"the desk was already keeping up ({figures})" if max(here, there) < KEEPING_UP_WAIT_MIN
        else figures), False)


def _where(outcome: Outcome, reach: _Reach) -> str:
    """ "at Infrastructure" / "about “Softphone fault”" (counted once past the desk), as the
    scenario names them."""
    scenario = outcome.scenario
    names = {g.id: g.name or g.id for g in [*scenario.teams, *scenario.suppliers]}
    kinds = {c.id: (c.name or c.id).split(" (")[0] for c in scenario.categories}
    parts = []
    if reach.groups:
        groups = [names.get(g, g) for g in sorted(reach.groups)]
        if len(groups) > 1 and any("," in g or " and " in g for g in groups):
            groups = [f"“{g}”" for g in groups]  # where one name ends and the next begins
        parts.append("at " + _and(groups))
    if reach.categories:
        parts.append("about " + _and([f"“{kinds.get(c, c)}”" for c in sorted(reach.categories)]))
    return " or ".join(parts)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _tickets_difference(facts: _Facts, other: _Facts, t: float, reach: _Reach,
                        it: str) -> tuple[str, bool] | None:
    """Tickets open at the resolver groups (or of the kinds of contact) the beat acts on."""
    if not (reach.groups or reach.categories):
        return None
    end = facts.outcome.end_min
    here = facts.open_tickets(t, end, reach.groups, reach.categories)
    there = other.open_tickets(t, end, reach.groups, reach.categories)
    if here is None or there is None:
        return None
    a, b = format_figure(here, "average"), format_figure(there, "average")
    words, where = _rest_words(facts.outcome, t), _where(facts.outcome, reach)
    if _worth_telling(shown_value(here, "average"), shown_value(there, "average"),
                      TICKETS_NEWS):
        return (f"{words}, on average {_tickets(a)} were open {where}; without {it}, "
                f"{_tickets(b)}", True)
    return (f"made little difference to the tickets open {where}: on average {_tickets(a)} "
            f"{words}{_either_way(_tickets(a), _tickets(b), it)}", False)


def _tickets(figure: str) -> str:
    """ "7.5 tickets", "1.0 ticket" (an average, shown with its tenths)."""
    return f"{figure} ticket{'' if figure == '1.0' else 's'}"


def _lost_work_difference(facts: _Facts, other: _Facts, t: float, reach: _Reach,
                          it: str) -> tuple[str, bool] | None:
    """The working time people lost to IT over the run (outages, blocking incidents), in the
    run and without the beat: the runs are the same up to the beat, so the difference is
    the beat's."""
    if not reach.outage or not facts.outcome.scenario.departments:
        return None
    a = f"{business_impact(facts.outcome).lost_work_hours:,.0f}"
    b = f"{business_impact(other.outcome).lost_work_hours:,.0f}"
    here, there = float(a.replace(",", "")), float(b.replace(",", ""))
    span = _rest_words(facts.outcome, 0.0)
    if _worth_telling(here, there, LOST_HOURS_NEWS):
        return f"{span} people lost {a} hours of work; without {it}, {b} hours", True
    return (f"made little difference to the work people lost: {a} hours {span}"
            f"{_either_way(f'{a} hours', f'{b} hours', it)}", False)


def _satisfaction_difference(facts: _Facts, other: _Facts, t: float, reach: _Reach,
                             it: str) -> tuple[str, bool] | None:
    """Everybody's satisfaction at the end, in the run and without the beat."""
    if not reach.told or not facts.outcome.scenario.departments:
        return None
    a = f"{satisfaction_now(facts.outcome):.1f}"
    b = f"{satisfaction_now(other.outcome):.1f}"
    words = _rest_words(facts.outcome, t, at_end=True)
    if abs(float(a) - float(b)) >= SATISFACTION_NEWS - 1e-9:
        return (f"everybody's satisfaction stood at {a} out of 100 {words}; without {it}, "
                f"{b} out of 100", True)
    return (f"made little difference to satisfaction: {a} out of 100 {words}"
            f"{_either_way(f'{a} out of 100', f'{b} out of 100', it)}", False)


def _lever_effects(facts: _Facts, t: float, levers) -> list[str]:
    """What the levers pulled at t did: each figure they act on, in the run and in the same
    run without them (`without_beat`), over the same window. The differences worth telling;
    when there is none, that the beat made little difference, on the first figure."""
    reach = _reach(facts.outcome.scenario, levers)
    if not (reach.desk or reach.groups or reach.categories or reach.outage or reach.told):
        return []  # a lever with no effect: nothing to measure
    other = _Facts(without_beat(facts.outcome, t))
    it = "it" if len(levers) == 1 else "them"
    told, little = [], []
    for measure in (_desk_difference, _tickets_difference, _lost_work_difference,
                    _satisfaction_difference):
        result = measure(facts, other, t, reach, it)
        if result is not None:
            (told if result[1] else little).append(result[0])
    return told or little[:1]


def story(outcome: Outcome) -> list[Beat]:
    """The cause-and-effect account of a run, in time order."""
    facts = _Facts(outcome)
    v = facts.view
    names = outcome.log.names
    scenario = outcome.scenario
    changes = {c.id: c for c in scenario.changes}
    injects = {j.id: j for j in scenario.injects}
    beats: list[Beat] = []
    pulled_at: dict[float, tuple[Beat, list]] = {}  # levers pulled at one minute: one beat
    for i in np.flatnonzero(np.isin(v.event, (CHANGE_LIVE, CHANGE_FAILED, CHANGE_ROLLED_BACK,
                                              INJECT_START, LEVER, OUTAGE_START))):
        t, event, item = float(v.time[i]), int(v.event[i]), int(v.agent[i])
        if event == CHANGE_LIVE:
            change = changes[names.changes[item]]
            cause = f"The change “{change.name}” went live{_told(facts, change, t)}"
            beats.append(Beat(t, when(outcome, t), cause, _effects(facts, t)))
        elif event == CHANGE_FAILED:
            change = changes[names.changes[item]]
            beats.append(Beat(t, when(outcome, t), f"The change “{change.name}” failed: the "
                              f"service was down for the people it affects",
                              _effects(facts, t)))
        elif event == CHANGE_ROLLED_BACK:
            change = changes[names.changes[item]]
            beats.append(Beat(t, when(outcome, t), f"The change “{change.name}” was rolled "
                              f"back"))
        elif event == INJECT_START:
            inject = injects[names.injects[item]]
            beats.append(Beat(t, when(outcome, t), inject.name, _effects(facts, t)))
        elif event == LEVER:
            if t not in pulled_at:
                pulled_at[t] = (Beat(t, when(outcome, t), "", pulled=True), [])
                beats.append(pulled_at[t][0])
            pulled_at[t][1].append(facts.levers[names.levers[item]])
    for t, (beat, levers) in pulled_at.items():
        # what followed is told once, for all of them: they acted together
        beat.cause = f"You pulled {_pulled_words(levers, scenario.currency)}"
        beat.effects = _lever_effects(facts, t, levers)
    beats.extend(_day_lines(facts, beats))
    beats.sort(key=lambda b: b.time_min)
    return beats


def _day_lines(facts: _Facts, told: list[Beat]) -> list[Beat]:
    """A line for every day of the run, so that no day goes missing from the account. A day
    far busier than usual (`BUSY_CONTACTS`, `BUSY_RATIO`), or one on which many callers hung
    up (`ROUGH_SHARE`), has a line of its own: how many came, against a usual day, and how
    many of the callers hung up. The other days are said in a few words ("a normal day, 31
    contacts, 2% of callers hung up"), days the calendar closes too ("not a working day, no
    contacts"); consecutive days of a kind share a line ("Wed–Fri: normal days, ..."), but
    never over a day the story tells something else about (`told`). A day the run stopped
    in is told up to where it stopped ("Tue (to 12:00)")."""
    outcome = facts.outcome
    end = float(outcome.end_min)
    days = int(end // 1440) + (end % 1440 > 0)
    eventful = {int(b.time_min // 1440) for b in told}
    lines: list[Beat] = []
    group: list[_Day] = []

    def flush() -> None:
        if group:
            lines.append(_calm_line(outcome, group))
            group.clear()

    for day in range(days):
        found = _Day.of(facts, day)
        if (found.kind in ("busy", "rough") or day in eventful
                or found.end_min < (day + 1) * 1440.0):
            flush()
            lines.append(Beat(found.end_min - 1, _day_label(outcome, day, found), found.words()))
            continue
        if group and group[-1].kind != found.kind:
            flush()
        group.append(found)
    flush()
    return lines


#: a day is far busier than usual with at least BUSY_CONTACTS contacts and more than
#: BUSY_RATIO times a usual day's; many callers hung up on it above ROUGH_SHARE (the top of
#: the call centres' band, 5-12%), with at least HANG_UPS_NEWS of them
BUSY_CONTACTS, BUSY_RATIO, ROUGH_SHARE = 10, 1.5, 0.12


@dataclass
class _Day:
    """One day of the run, as the day lines tell it."""

    day: int
    end_min: float            # the end of the day, or of the run
    came: int                 # contacts that came
    usual: float | None       # on a usual day of its kind (None: nothing to compare with)
    calls: int                # phone calls answered or hung up in it
    hung_up: int
    kind: str                 # "busy", "rough", "normal", "quiet", "closed"

    @classmethod
    def of(cls, facts: _Facts, day: int) -> _Day:
        t0 = day * 1440.0
        t1 = min(t0 + 1440.0, float(facts.outcome.end_min))
        came = facts.contacts_between(t0, t1)
        usual = facts.usual_between(t0, t1)
        waits, hung_up = facts.phone_outcomes(t0, t1)
        calls, gave_up = len(waits) + int(hung_up.sum()), int(hung_up.sum())
        if came >= BUSY_CONTACTS and (usual is None or came > BUSY_RATIO * max(usual, 1.0)):
            kind = "busy"
        elif gave_up >= HANG_UPS_NEWS and gave_up > ROUGH_SHARE * calls:
            kind = "rough"
        elif not facts.outcome.calendar.is_working_day(day):
            kind = "closed"
        elif usual is not None and came < 0.5 * usual:
            kind = "quiet"
        else:
            kind = "normal"
        return cls(day, t1, came, usual, calls, gave_up, kind)

    def words(self) -> str:
        """The line of a busy or rough day, or of one day alone."""
        contacts = contacts_words(self.came)
        if self.kind == "busy":
            text = f"{contacts} that day"
            if self.usual is not None:
                text += (", where a usual day has none" if round(self.usual) == 0
                         else f", {self.came / max(self.usual, 1):.1f}× a usual day")
            if not self.calls:
                return text
            return text + ("; no caller hung up" if not self.hung_up else
                           f"; {100 * self.hung_up / self.calls:.0f}% of callers hung up")
        if self.kind == "rough":
            usual = ("" if self.usual is None
                     else f" (a usual day has {self.usual:.0f})" if round(self.usual) != self.came
                     else ", as on a usual day")
            return (f"{contacts}{usual}, but {self.hung_up} of {self.calls} callers hung up "
                    f"({100 * self.hung_up / self.calls:.0f}%)")
        return _calm_words([self])


def contacts_words(n: int) -> str:
    """ "1 contact", "1,204 contacts"."""
    return f"{n:,} contact{'' if n == 1 else 's'}"


def _hung_up_words(hung_up: int, calls: int) -> str:
    """On a calm day: "5% of callers hung up", "no caller hung up", or, when a few of
    few callers make a large share, "2 of 11 callers hung up"."""
    if not hung_up:
        return "no caller hung up"
    if hung_up > ROUGH_SHARE * calls:
        return f"{hung_up} of {calls} callers hung up"
    return f"{100 * hung_up / calls:.0f}% of callers hung up"


_CALM_WORDS = {"normal": ("a normal day", "normal days"), "quiet": ("a quiet day", "quiet days"),
               "closed": ("not a working day", "not working days")}


def _calm_words(days: list[_Day]) -> str:
    """ "a normal day, 31 contacts, 2% of callers hung up"; "normal days, 29 to 33 contacts
    a day, 1% of callers hung up" (the callers of them all); "not working days, no
    contacts"."""
    one, many = _CALM_WORDS[days[0].kind]
    came = [d.came for d in days]
    calls, hung_up = sum(d.calls for d in days), sum(d.hung_up for d in days)
    if not any(came):
        return f"{one if len(days) == 1 else many}, no contacts"
    if len(days) == 1:
        counted = contacts_words(came[0])
    elif min(came) == max(came):
        counted = f"{contacts_words(came[0])} a day"
    else:
        counted = f"{min(came):,} to {contacts_words(max(came))} a day"
    text = f"{one if len(days) == 1 else many}, {counted}"
    return text + (f", {_hung_up_words(hung_up, calls)}" if calls else "")


def _calm_line(outcome: Outcome, days: list[_Day]) -> Beat:
    if len(days) == 1:
        return Beat(days[0].end_min - 1, _day_label(outcome, days[0].day, days[0]),
                    days[0].words())
    first, last = days[0].day, days[-1].day
    if first // 7 == last // 7:
        label = (f"{DAY_NAMES[outcome.calendar.weekday(first)]}–"
                 f"{DAY_NAMES[outcome.calendar.weekday(last)]}"
                 + (f" (week {last // 7 + 1})" if last >= 7 else ""))
    else:
        label = f"{_day_name(outcome, first)} to {_day_name(outcome, last)}"
    return Beat(days[-1].end_min - 1, label, _calm_words(days))


def _day_name(outcome: Outcome, day: int) -> str:
    """ "Mon", "Mon (week 2)"."""
    name = DAY_NAMES[outcome.calendar.weekday(day)]
    return name if day < 7 else f"{name} (week {day // 7 + 1})"


def _day_label(outcome: Outcome, day: int, found: _Day) -> str:
    """ "Mon (whole day)", "Mon (week 2, whole day)", "Tue (to 12:00)" (the run stopped)."""
    name = DAY_NAMES[outcome.calendar.weekday(day)]
    span = ("whole day" if found.end_min >= (day + 1) * 1440.0
            else f"to {when(outcome, found.end_min)[-5:]}")
    return f"{name} ({span})" if day < 7 else f"{name} (week {day // 7 + 1}, {span})"


# ---------------------------------------------------------------------------------------------
# Figures, decisions, journeys, questions
# ---------------------------------------------------------------------------------------------


def goals_table(outcome: Outcome) -> list[dict]:
    """Each goal of the scenario (or, without goals, the benchmarks of the profession) with
    the run's figure and whether it was met. Met or missed is decided on the figures as the
    table shows them (`shown_value`, as the twin table's differences are): "74.0, at least
    74.0" is met, whatever the unrounded 73.98 — a trainer must not have to explain a
    "missed" that the page contradicts."""
    kpis = outcome.kpis()
    currency = outcome.scenario.currency
    rows = []
    goals = outcome.scenario.goals
    if goals:
        for name, goal in goals.items():
            label, unit = kpi_label(name)[0], figure_unit(name)
            value = kpis.get(name)
            bound = goal.at_most if goal.at_most is not None else goal.at_least
            side = "at most" if goal.at_most is not None else "at least"
            rows.append({"kpi": name, "label": label,
                         "value": format_figure(value, unit, currency),
                         "goal": f"{side} {format_figure(bound, unit, currency)}",
                         "met": goal_met(value, unit, goal), "source": "the scenario's goal"})
    else:
        from reports.benchmarks import benchmark_for

        for name in ("fcr", "abandonment_rate", "handle_min"):
            band = benchmark_for(name)
            low, high, source = band.low, band.high, band.source
            label, unit = kpi_label(name)[0], figure_unit(name)
            value = kpis.get(name)
            rows.append({"kpi": name, "label": label,
                         "value": format_figure(value, unit, currency),
                         "goal": f"{format_figure(low, unit)} – {format_figure(high, unit)}",
                         "met": _within(name, value, low, high, unit), "source": source})
    return rows


def goal_met(value: float | None, unit: str, goal) -> bool:
    """Whether a figure meets a scenario's goal (`sim.scenario.Goal`), on the two as
    `format_figure` shows them — the debrief's goals table and the game's figures decide
    alike; no value (none measured) meets nothing."""
    if goal.at_most is not None:
        return _as_shown(value, unit, goal.at_most, operator.le)
    return _as_shown(value, unit, goal.at_least, operator.ge)


def _as_shown(value: float | None, unit: str, bound: float, holds: Callable) -> bool:
    """`holds(value, bound)` between the two as `format_figure` shows them; no value (none
    measured) meets nothing."""
    return value is not None and bool(holds(shown_value(value, unit), shown_value(bound, unit)))


def _within(name: str, value: float | None, low: float, high: float, unit: str) -> bool:
    """Against a benchmark band, as shown: more first-contact resolution is better, less
    abandonment is better; a handle time should sit inside the band."""
    if name == "fcr":
        return _as_shown(value, unit, low, operator.ge)
    if name == "abandonment_rate":
        return _as_shown(value, unit, high, operator.le)
    return (_as_shown(value, unit, low, operator.ge)
            and _as_shown(value, unit, high, operator.le))


def decisions_table(outcome: Outcome) -> list[dict]:
    """Every decision taken, with the levers' names and what they cost; `pulled`: each
    lever with what it does in words (`lever_does`) and where its sizes come from, the
    grades said in words (`sim.names.evidence_words`)."""
    scenario = outcome.scenario
    levers = {lever.id: lever for lever in scenario.levers}
    points = {p.id: p for p in scenario.decision_points}
    rows = []
    for d in outcome.decisions:
        chosen = [levers[lever] for lever in d.levers]
        point = points.get(d.point) if d.point else None
        pulled = [{"name": lever.name,
                   "cost": format_figure(lever.cost, "money", scenario.currency),
                   "does": lever_does(lever, scenario),
                   "evidence": evidence_words(lever.evidence) if lever.evidence else ""}
                  for lever in chosen]
        rows.append({
            "when": when(outcome, d.at_min or 0.0),
            "asked": (point.title or point.prompt) if point else "any time",
            "levers": ", ".join(lever.name for lever in chosen) or "nothing",
            "cost": format_figure(sum(lever.cost for lever in chosen), "money",
                                  scenario.currency),
            "evidence": "; ".join(p["evidence"] for p in pulled if p["evidence"]),
            "pulled": pulled,
        })
    return rows


def lever_does(lever, scenario) -> str:
    """What a lever does, in sentences (`sim.names.effect_sentence`), and for how long:
    "+2 agents on the service desk; time to fix “Softphone does not work” 50% shorter (for
    2 days, then it wears off)"."""
    from sim.names import span_words

    sentences = list(dict.fromkeys(effect_sentence(e, scenario) for e in lever.effects))
    text = "; ".join(sentences)
    if lever.duration_min:
        text += f" (for {span_words(float(lever.duration_min))}, then it wears off)"
    return text


@dataclass
class Journey:
    """One person's experience: who, what they remember, and their moments in order."""

    kind: str                 # "good", "bad", "typical"
    department: str
    user: int
    remembered: float
    moments: list[dict]

    @property
    def title(self) -> str:
        return {"good": "A good experience", "bad": "A bad experience",
                "typical": "A typical experience"}[self.kind]


def journeys(outcome: Outcome) -> list[Journey]:
    """Three people and one issue each: the best-remembered issue, the worst, and the one
    nearest the median — three different people."""
    book = ledger(outcome)
    issues = book.remembered()
    known = np.flatnonzero(issues["department"] >= 0)
    if not known.size:
        return []
    order = known[np.argsort(issues["remembered"][known], kind="stable")]
    names = outcome.log.names
    chosen: dict[str, int] = {}
    people: set[tuple[int, int]] = set()

    def person(i: int) -> tuple[int, int]:
        return int(issues["department"][i]), int(issues["user"][i])

    def take(kind: str, candidates) -> None:
        for i in candidates:
            if person(i) not in people:
                chosen[kind] = int(i)
                people.add(person(i))
                return

    take("good", order[::-1])
    take("bad", order)
    middle = len(order) // 2
    take("typical", sorted(order, key=lambda i: abs(int(np.flatnonzero(order == i)[0])
                                                   - middle)))
    out = []
    for kind in ("good", "bad", "typical"):
        if kind not in chosen:
            continue
        i = chosen[kind]
        department = names.departments[int(issues["department"][i])]
        issue = int(issues["issue"][i])
        moments = [m for m in book.for_user(department, int(issues["user"][i]))
                   if m["issue"] == issue]
        out.append(Journey(kind, _department_name(outcome, department), int(issues["user"][i]),
                           float(issues["remembered"][i]), moments))
    return out


def reflection(outcome: Outcome) -> list[tuple[str, str]]:
    """Questions for the group — stop, start, continue — each grounded in the run's figures,
    shown as the figures are everywhere else (`format_figure`: "17.8%", as on the cards),
    beside the scenario's goal where it has one. A question about the decisions taken is
    asked only when a lever was pulled; a run with none is asked about the decisions not
    taken."""
    from reports.benchmarks import ABANDONMENT, FIRST_CONTACT_RESOLUTION

    kpis = outcome.kpis()
    book = ledger(outcome)
    prompts: list[tuple[str, str]] = []
    abandonment = kpis.get("abandonment_rate")
    goal, aim = _goal_words(outcome, "abandonment_rate")
    band = ABANDONMENT.range_words()
    aim = f"{aim}, and call centres aim for {band}" if aim else f"call centres aim for {band}"
    if abandonment is not None and (abandonment > ABANDONMENT.high or goal is False):
        prompts.append(("Stop", f"{format_figure(abandonment, 'share')} of callers hung up "
                                f"({aim}). What did we do, or not do, that made people wait "
                                f"— and what should we stop doing?"))
    passed_on = int(np.sum(book.ending == PASSED_ON))
    fcr = kpis.get("fcr")
    goal, aim = _goal_words(outcome, "fcr")
    band = FIRST_CONTACT_RESOLUTION.range_words()
    aim = f"{aim}, the benchmark {band}" if aim else f"the benchmark is {band}"
    if passed_on and fcr is not None and (fcr < FIRST_CONTACT_RESOLUTION.low or goal is False):
        prompts.append(("Stop", f"{passed_on:,} contacts could not be fixed at first contact "
                                f"(first-contact resolution {format_figure(fcr, 'share')}; "
                                f"{aim}). What made the desk pass them on?"))
    brought = book.change[(book.change >= 0) & ~book._second]
    if brought.size:
        changes = "the change" if np.unique(brought).size == 1 else "the changes"
        prompts.append(("Start", f"{brought.size:,} contacts came with {changes}. Which of "
                                 f"them could we have prevented — training, a clear message, "
                                 f"a pilot — and what would we start doing before the next "
                                 f"one?"))
    lost = kpis.get("lost_work_hours")
    if lost:
        prompts.append(("Start", f"People lost {format_figure(lost, 'hours')[:-2]} hours of "
                                 f"work waiting for IT. What would have got them working "
                                 f"sooner?"))
    taken = levers_taken(outcome)
    if not taken and outcome.scenario.levers:
        prompts.append(("Start", "No lever was pulled in this run. Which of those on offer "
                                 "would have helped, who would have been its customer, and "
                                 "when would they have needed to know?"))
    good = kpis.get("moments_good")
    if good:
        prompts.append(("Continue", f"{good:,.0f} moments of truth went well. What made them "
                                    f"go well, and how do we keep doing it?"))
    if taken:
        prompts.append(("Continue", "Who was the customer of each decision you took, and did "
                                    "they know about it in time?"))
    return prompts


def _goal_words(outcome: Outcome, name: str) -> tuple[bool | None, str]:
    """Whether the run met the scenario's goal on a figure, and the goal in words ("the
    goal was at most 10.0%"); (None, "") when the scenario has no goal for it."""
    goal = outcome.scenario.goals.get(name) if outcome.scenario.goals else None
    if goal is None:
        return None, ""
    unit = figure_unit(name)
    side, bound = (("at most", goal.at_most) if goal.at_most is not None
                   else ("at least", goal.at_least))
    return (goal_met(outcome.kpis().get(name), unit, goal),
            f"the goal was {side} {format_figure(bound, unit)}")


def levers_taken(outcome: Outcome) -> set[str]:
    """The ids of the levers pulled in the run, from the log."""
    v = LogView(outcome)
    names = outcome.log.names.levers
    return {names[int(i)] for i in v.agent[v.event == LEVER]}


#: words that make a question about what might have been, not about what was done
_HYPOTHETICAL = re.compile(r"\b(would|could|should|might)\b", re.IGNORECASE)
#: words that make a question about the levers pulled, whichever they were
_ABOUT_LEVERS = re.compile(r"\b(levers?|decisions? you took|your costs)\b", re.IGNORECASE)
#: the label before a scenario's questions, dropped ("Debrief questions: who ...?")
_QUESTIONS_LABEL = re.compile(r"^\s*(debrief questions|questions|ask)\s*:\s*", re.IGNORECASE)


def trainer_questions(outcome: Outcome, limit: int = 6) -> list[str]:
    """The questions of the scenario's trainer note that this run can answer.

    Its sentences that end with '?', from "Debrief questions:" on when the note has that
    label (a question asked in passing before it, in brackets, is the note's own), each
    without its label; a question keeps the words before a colon that are not a label
    ("Your own business customers can change supplier too: what would they say ...?").
    A question about a lever — it names one by its id's words, "postponing" for
    `postpone`, "a major incident" for `major-incident` — is asked only when that lever was
    pulled, and one about the levers pulled ("which lever ...", "your costs") only when
    any was; a question of what might have been ("would", "could") is always asked."""
    text = " ".join(outcome.scenario.trainer_note.split())
    found = re.search(r"debrief questions\s*:", text, re.IGNORECASE)
    if found:
        text = text[found.start():]
    taken = levers_taken(outcome)
    questions = []
    for sentence in re.findall(r"[^.?!]*\?", text):
        sentence = _QUESTIONS_LABEL.sub("", sentence.strip())
        if len(sentence) <= 15 or not _askable(sentence, outcome.scenario.levers, taken):
            continue
        questions.append(sentence[0].upper() + sentence[1:])
    return questions[:limit]


def _askable(question: str, levers, taken: set[str]) -> bool:
    """Whether a trainer's question fits a run that pulled the levers `taken`."""
    if _HYPOTHETICAL.search(question):
        return True
    if _ABOUT_LEVERS.search(question) and not taken:
        return False
    words = _stems(question)
    for lever in levers:
        named = _stems(lever.id.replace("-", " "))
        if lever.id not in taken and any(words[i:i + len(named)] == named
                                         for i in range(len(words) - len(named) + 1)):
            return False
    return True


def _stems(text: str) -> list[str]:
    """Words without the endings that make "postponing", "postponed" and "postpone" one."""
    return [re.sub(r"(ing|ed|es|e|s)$", "", word) if len(word) > 4 else word
            for word in re.findall(r"[a-z]+", text.lower())]


def headline(outcome: Outcome, csat: bool = False) -> list[tuple[str, str]]:
    """The few figures a debrief opens with; `csat`: CSAT too, beside satisfaction (the
    debrief shows both, with what each measures: `satisfaction_and_csat`)."""
    kpis = outcome.kpis()
    currency = outcome.scenario.currency
    out = []
    for name in ("score", "satisfaction", *(("csat",) if csat else ()), "abandonment_rate",
                 "asa_min", "fcr", "moments_bad", "cost_total"):
        if name in kpis:
            label, unit = kpi_label(name)[0], figure_unit(name)
            out.append((label, format_figure(kpis[name], unit, currency)))
    return out



# ---------------------------------------------------------------------------------------------
# Satisfaction and CSAT: what each one measures
# ---------------------------------------------------------------------------------------------


def people_in_touch(outcome: Outcome) -> tuple[int, int]:
    """(how many people got in touch with IT during the run, how many people the
    departments have): a person is a department's user on a contact in the log."""
    contacts = outcome.log.contact_columns()
    mine = contacts["department"] >= 0
    pairs = np.stack([contacts["department"][mine].astype(np.int64),
                      contacts["user"][mine].astype(np.int64)])
    touched = int(np.unique(pairs, axis=1).shape[1]) if pairs.size else 0
    return touched, int(sum(d.headcount for d in outcome.scenario.departments))


def start_words(outcome: Outcome) -> str:
    """Where satisfaction started: "75.0", or "where each department started" when the
    departments started in different places."""
    baselines = {d.satisfaction for d in outcome.scenario.departments}
    return f"{baselines.pop():.1f}" if len(baselines) == 1 else "where each department started"


def satisfaction_and_csat(outcome: Outcome) -> list[tuple[str, str]]:
    """What "satisfaction" and "CSAT" each measure, in a trainer's words with this run's
    figures, to be said wherever the debrief shows them: a bad week moves satisfaction by
    a point or two and CSAT by thirty, and a group that sees only the figures takes one of
    them for a mistake. Satisfaction is everybody's opinion of IT (`sim.moments`: the mean
    over every person in the departments, whom one issue moves only part of the way and who
    drift back over weeks); CSAT is how this run's issues felt to those who had them. None
    of it without departments."""
    from sim.moments import ALPHA_BETTER, ALPHA_WORSE

    scenario = outcome.scenario
    if not scenario.departments:
        return []
    kpis = outcome.kpis()
    touched, people = people_in_touch(outcome)
    end = kpis.get("satisfaction")
    satisfaction = (
        f"How the departments feel about IT: each person's opinion, averaged over all "
        f"{people:,} people in them, the {people - touched:,} who never got in touch with IT "
        f"in this run included. One issue moves a person's opinion only part of the way "
        f"({ALPHA_WORSE:.0%} of the way towards how it went when it went badly, "
        f"{ALPHA_BETTER:.0%} when it went well), and opinions drift back over the following "
        f"weeks: even a bad week moves it by a few points ({start_words(outcome)} at the "
        f"start, {format_figure(end, 'points')} at the end).")
    value, issues = kpis.get("csat"), kpis.get("csat_issues") or 0
    if value is None:
        csat = ("How this run's service felt to the people who got in touch: no issue was "
                "over by the end, so there is nothing to ask them about yet.")
    else:
        csat = (
            f"How this run's service felt to the {touched:,} people who got in touch: the "
            f"share of their {issues:,.0f} issues, once over, that they remember as "
            f"satisfied (4 or 5 out of 5, as an after-ticket survey asks; those who hung up "
            f"are asked too). It follows the week closely: {format_figure(value, 'share')} "
            f"here, where above 90% is very good and 70% not very good (MetricNet, HDI).")
    return [(kpi_label("satisfaction")[0], satisfaction), (kpi_label("csat")[0], csat)]


#: the same in a line, under a table that shows both figures side by side
SATISFACTION_VS_CSAT = ("Satisfaction is everybody's opinion of IT, those who never got in "
                        "touch included, and moves a point or two in a week; CSAT is how "
                        "their issues felt to those who got in touch, and moves with the week.")


def satisfaction_caption(outcome: Outcome) -> str:
    """The satisfaction chart's caption: what the lines are, and why they hardly move (as
    short as the other charts' captions: the game shows it in two lines)."""
    if not outcome.scenario.departments:
        return "This scenario has no departments: nobody's satisfaction to show."
    touched, people = people_in_touch(outcome)
    return (f"Everybody's opinion of IT (0–100), the {people - touched:,} of {people:,} "
            f"people who never got in touch included: even a bad week moves it by a point "
            f"or two.")
