"""The words of a debrief, generated from the event log.

A debrief leads with what happened, as cause and effect a group can follow on the projector:

    Mon 08:00  Desk phones switched off went live → 41 contacts in the next two hours
               against 6 on a usual morning (6.8×) → callers waited up to 4.2 min →
               48% hung up that day → Sales satisfaction fell from 75.0 to 73.9 by 18:00

then the figures against the scenario's goals, the decisions and what each cost, three
people's journeys (one good, one bad, one typical), and questions for the group. Every
number here comes from the log (through `sim.kpis`, `sim.moments`), never from the engine.

Levers pulled at the same minute are one beat, and what followed is told once, for all of
them. Whether people had been told about a change is read from the levers taken (their
setting rows in the log). A usual day is the same hours on the run's other days: a run of
one day is not compared with anything, and a usual day with no contacts is said to have
none (never "234.0×").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine import Outcome
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    CHANGE_FAILED,
    CHANGE_LIVE,
    CHANGE_ROLLED_BACK,
    INJECT_START,
    LEVER,
    OUTAGE_START,
    SETTING,
)
from sim.kpis import LogView, kpi_label
from sim.moments import PASSED_ON, ledger, satisfaction_over_time

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: how long after an event its effects are looked for
WINDOW_MIN = 120.0
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


def format_figure(value: float | None, unit: str, currency: str = "EUR") -> str:
    """A key figure as a trainer reads it."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "min":
        return f"{value:.1f} min" if value < 100 else f"{value / 60:.1f} h"
    if unit == "money":
        return f"{value:,.0f} {currency}"
    if unit == "points":
        return f"{value:.1f}"
    if unit == "hours":
        return f"{value:,.0f} h"
    return f"{value:,.0f}"


def shown_value(value: float, unit: str) -> float:
    """The value `format_figure` shows, as a number: 0.1235 (a share) as 0.124 (12.4%,
    rounded as the text is), 123 minutes as 120 (2.0 h). Differences of shown values agree
    with the values shown."""
    if unit == "share":
        return float(f"{100 * value:.1f}") / 100
    if unit == "min":
        return float(f"{value:.1f}") if value < 100 else float(f"{value / 60:.1f}") * 60
    if unit == "points":
        return float(f"{value:.1f}")
    return float(f"{value:.0f}")  # money, hours, counts: whole numbers


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

    @property
    def text(self) -> str:
        return " → ".join([self.cause, *self.effects])


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
        self.sat_times, self.satisfaction = satisfaction_over_time(outcome, step_min=30)

    def contacts_between(self, t0: float, t1: float, usual_only: bool = False) -> int:
        inside = (self.arrivals >= t0) & (self.arrivals < t1)
        if usual_only:
            inside &= self.arrival_usual
        return int(inside.sum())

    def usual_between(self, t0: float, t1: float) -> float | None:
        """What the same hours usually bring: the usual arrivals in the same window on the
        other days of the run (the expected level, not the day's own); None when the run
        has no other day to compare with (a run of one day)."""
        days = int(self.outcome.end_min // 1440) + 1
        counts = [self.contacts_between(t0 + 1440 * k, t1 + 1440 * k, usual_only=True)
                  for k in range(-days, days + 1)
                  if k != 0 and 0 <= t0 + 1440 * k < self.outcome.end_min]
        return float(np.mean(counts)) if counts else None

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

    def satisfaction_at(self, department: str, t: float) -> float:
        i = int(np.searchsorted(self.sat_times, t, side="right") - 1)
        return float(self.satisfaction[department][max(i, 0)])

    def biggest_fall(self, t0: float, t1: float) -> tuple[str, float, float] | None:
        falls = [(self.satisfaction_at(d, t0) - self.satisfaction_at(d, t1), d)
                 for d in self.satisfaction]
        if not falls:
            return None
        drop, department = max(falls)
        if drop < 0.05:
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
        effects.append(f"callers waited up to {worst:.1f} min on average in an hour")
    gave_up = facts.abandonment(t, end)
    if gave_up is not None and gave_up >= 0.12:
        effects.append(f"{100 * gave_up:.0f}% of callers hung up that day")
    fall = facts.biggest_fall(t, end)
    if fall is not None:
        department, before, after = fall
        effects.append(f"{_department_name(outcome, department)} satisfaction fell from "
                       f"{before:.1f} to {after:.1f} by {when(outcome, end)[-5:]}")
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


def _lever_effects(facts: _Facts, t: float) -> list[str]:
    before = facts.abandonment(t - 60.0, t)
    after = facts.abandonment(t, t + WINDOW_MIN)
    if before is None or after is None or abs(before - after) < 0.05:
        return []
    verb = "fell" if after < before else "rose"
    return [f"abandonment {verb} from {100 * before:.0f}% in the hour before to "
            f"{100 * after:.0f}% in the next two hours"]


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
            cause = f"{change.name} went live{_told(facts, change, t)}"
            beats.append(Beat(t, when(outcome, t), cause, _effects(facts, t)))
        elif event == CHANGE_FAILED:
            change = changes[names.changes[item]]
            beats.append(Beat(t, when(outcome, t), f"{change.name} failed: the service was "
                              f"down for the people it affects", _effects(facts, t)))
        elif event == CHANGE_ROLLED_BACK:
            change = changes[names.changes[item]]
            beats.append(Beat(t, when(outcome, t), f"{change.name} was rolled back"))
        elif event == INJECT_START:
            inject = injects[names.injects[item]]
            beats.append(Beat(t, when(outcome, t), inject.name, _effects(facts, t)))
        elif event == LEVER:
            if t not in pulled_at:
                pulled_at[t] = (Beat(t, when(outcome, t), ""), [])
                beats.append(pulled_at[t][0])
            pulled_at[t][1].append(facts.levers[names.levers[item]])
    for t, (beat, levers) in pulled_at.items():
        # what followed is told once, for all of them: they acted together
        beat.cause = f"you pulled {_pulled_words(levers, scenario.currency)}"
        beat.effects = _lever_effects(facts, t)
    beats.extend(_busy_days(facts))
    beats.sort(key=lambda b: b.time_min)
    return beats


def _busy_days(facts: _Facts) -> list[Beat]:
    """A line for each day that was far busier than usual, when no event explains it."""
    outcome = facts.outcome
    beats = []
    days = int(outcome.end_min // 1440) + (outcome.end_min % 1440 > 0)
    for day in range(days):
        t0 = day * 1440.0
        came = facts.contacts_between(t0, t0 + 1440)
        usual = facts.usual_between(t0, t0 + 1440)
        if came >= 10 and (usual is None or came > 1.5 * max(usual, 1.0)):
            gave_up = facts.abandonment(t0, t0 + 1440)
            text = f"{came} contacts that day"
            if usual is not None:
                text += (", where a usual day has none" if round(usual) == 0
                         else f", {came / max(usual, 1):.1f}× a usual day")
            if gave_up is not None:
                text += f"; {100 * gave_up:.0f}% of callers hung up"
            beats.append(Beat(t0 + 1439, f"{when(outcome, t0)[:3]} (whole day)", text))
    return beats


# ---------------------------------------------------------------------------------------------
# Figures, decisions, journeys, questions
# ---------------------------------------------------------------------------------------------


def goals_table(outcome: Outcome) -> list[dict]:
    """Each goal of the scenario (or, without goals, the benchmarks of the profession) with
    the run's figure and whether it was met."""
    kpis = outcome.kpis()
    currency = outcome.scenario.currency
    rows = []
    goals = outcome.scenario.goals
    if goals:
        for name, goal in goals.items():
            label, unit = kpi_label(name)
            value = kpis.get(name)
            if goal.at_most is not None:
                target, met = f"at most {format_figure(goal.at_most, unit, currency)}", \
                    value is not None and value <= goal.at_most
            else:
                target, met = f"at least {format_figure(goal.at_least, unit, currency)}", \
                    value is not None and value >= goal.at_least
            rows.append({"kpi": name, "label": label,
                         "value": format_figure(value, unit, currency), "goal": target,
                         "met": met, "source": "the scenario's goal"})
    else:
        from reports.benchmarks import benchmark_for

        for name in ("fcr", "abandonment_rate", "handle_min"):
            band = benchmark_for(name)
            low, high, source = band.low, band.high, band.source
            label, unit = kpi_label(name)
            value = kpis.get(name)
            rows.append({"kpi": name, "label": label,
                         "value": format_figure(value, unit, currency),
                         "goal": f"{format_figure(low, unit)} – {format_figure(high, unit)}",
                         "met": _within(name, value, low, high), "source": source})
    return rows


def _within(name: str, value: float | None, low: float, high: float) -> bool:
    """Against a benchmark band: more first-contact resolution is better, less abandonment
    is better; a handle time should sit inside the band."""
    if value is None:
        return False
    if name == "fcr":
        return value >= low
    if name == "abandonment_rate":
        return value <= high
    return low <= value <= high


def decisions_table(outcome: Outcome) -> list[dict]:
    """Every decision taken, with the levers' names and what they cost."""
    scenario = outcome.scenario
    levers = {lever.id: lever for lever in scenario.levers}
    points = {p.id: p for p in scenario.decision_points}
    rows = []
    for d in outcome.decisions:
        chosen = [levers[lever] for lever in d.levers]
        point = points.get(d.point) if d.point else None
        rows.append({
            "when": when(outcome, d.at_min or 0.0),
            "asked": (point.title or point.prompt) if point else "any time",
            "levers": ", ".join(lever.name for lever in chosen) or "nothing",
            "cost": format_figure(sum(lever.cost for lever in chosen), "money",
                                  scenario.currency),
            "evidence": "; ".join(lever.evidence for lever in chosen if lever.evidence),
        })
    return rows


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
    """Questions for the group — stop, start, continue — each grounded in the run's figures."""
    kpis = outcome.kpis()
    book = ledger(outcome)
    prompts: list[tuple[str, str]] = []
    abandonment = kpis.get("abandonment_rate")
    if abandonment is not None and abandonment > 0.12:
        prompts.append(("Stop", f"{100 * abandonment:.0f}% of callers hung up (call centres "
                                f"aim for 5–12%). What did we do, or not do, that made people "
                                f"wait — and what should we stop doing?"))
    passed_on = int(np.sum(book.ending == PASSED_ON))
    if passed_on and kpis.get("fcr") is not None and kpis["fcr"] < 0.66:
        prompts.append(("Stop", f"{passed_on} contacts could not be fixed at first contact "
                                f"(first-contact resolution {100 * kpis['fcr']:.0f}%; the "
                                f"benchmark is 66–74%). What made the desk pass them on?"))
    from_change = int(np.sum((book.change >= 0) & ~book._second))
    if from_change:
        prompts.append(("Start", f"{from_change} contacts came with the change. Which of "
                                 f"them could we have prevented — training, a clear message, "
                                 f"a pilot — and what would we start doing before the next "
                                 f"one?"))
    lost = kpis.get("lost_work_hours")
    if lost:
        prompts.append(("Start", f"People lost {lost:,.0f} hours of work waiting for IT. What "
                                 f"would have got them working sooner?"))
    good = kpis.get("moments_good")
    if good:
        prompts.append(("Continue", f"{good:.0f} moments of truth went well. What made them "
                                    f"go well, and how do we keep doing it?"))
    prompts.append(("Continue", "Who was the customer of each decision you took, and did "
                                "they know about it in time?"))
    return prompts


def headline(outcome: Outcome) -> list[tuple[str, str]]:
    """The few figures a debrief opens with."""
    kpis = outcome.kpis()
    currency = outcome.scenario.currency
    out = []
    for name in ("score", "satisfaction", "abandonment_rate", "asa_min", "fcr",
                 "moments_bad", "cost_total"):
        if name in kpis:
            label, unit = kpi_label(name)
            out.append((label, format_figure(kpis[name], unit, currency)))
    return out

