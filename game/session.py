"""One game being played: a scenario, a seed, a team — and what the screens read each frame.

The game owns no simulation logic. A `Play` holds an interactive `sim.Simulation`; each
frame it advances the clock by speed x frame time (stopping when a decision point fires),
reads one `Snapshot`, and keeps what the floor shows: the ticker of moments of truth, the
departments' satisfaction and the live key figures — all read from the event log through
`sim` (the ledger of `sim.moments`, `sim.kpis.compute_kpis`), the same functions the
debrief uses, so a figure on the floor at the end is the figure in the debrief.

The player's actions go back as decisions: answers to decision points (`decide`) and levers
pulled from the lever panel (`pull`, a free decision at the minute it takes effect). A game
played through the screens and a headless run with `plan()` give the same event log.

This module does not import pygame: it is tested, and benchmarked, without a window.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from reports.narrative import goal_met
from sim import Simulation, Snapshot
from sim.decisions import DecisionPlan
from sim.engine import Outcome
from sim.kpis import LogView, kpi_label
from sim.moments import GAVE_UP, STILL_OPEN, ledger
from sim.scenario import Lever, Scenario
from sim.series import clock_words

#: The slower figures (key figures, satisfaction, the ticker) are read again once the clock
#: has moved on by this many simulated minutes — by the simulated clock, not the real one:
#: at 240 min/s half a real second is two hours, and the ticker would run behind the clock
#: (reading them takes 1-2 ms at the end of a four-week run). Also at once when the run
#: stops for a decision, ends, or is paused.
REFRESH_EVERY_SIM_MIN = 5.0
#: A frame counts as at most this many real seconds: a stall (a window drag, a slow disk)
#: must not jump the clock through the morning.
MAX_FRAME_S = 0.1
#: At "max" speed the clock is advanced in slices of this many minutes until the frame's
#: budget is used up.
MAX_SPEED_SLICE_MIN = 20.0
#: The ticker keeps this many lines.
TICKER_LINES = 200
#: The mood of a department is the mean score of its last this many moments...
RECENT_MOMENTS = 12
#: ...within this many minutes of the clock (older ones have been forgotten by the floor).
RECENT_WITHIN_MIN = 240.0
#: The floor's "n hung up in the last hour": phone callers who hung up within this many
#: minutes of the simulated clock (not of real time: at top speed a real second is hours).
HUNG_UP_WITHIN_MIN = 60.0


#: key figures' names where room is short (the floor, a pop-up's summary line, the
#: debrief's twin table)
SHORT_LABELS = {
    "abandonment_rate": "Hung up (phone)", "asa_min": "Speed of answer (phone)",
    "fcr": "Fixed at first contact", "satisfaction": "Satisfaction",
    "sla_breach_rate": "SLA breaches", "cost_total": "Total cost",
    "backlog_end": "Open now", "mean_wait_min": "Mean wait", "mttr_min": "Time to fix",
    "score": "Score (0-100)", "csat": "Satisfied with IT (CSAT)",
    "moments_bad": "Bad moments", "lost_work_hours": "Working time lost",
}

_CHANGE_NOTE = re.compile(r" \(after “[^”]*”[^)]*\)$")


#: Words the ticker can do without: a moment passed on was not fixed at the desk; "the desk"
#: is the service desk on the floor. (The ledger and the debrief keep the full words.)
_TICKER_SHORTER = ((", but not fixed there: passed on to ", ", passed on to "),
                   ("came to the service desk about", "came to the desk about"),
                   ("raised at the service desk", "raised at the desk"))


def ticker_words(reason: str) -> str:
    """A moment's reason as the ticker says it, what happened first: "Sales — hung up
    after 4 min on hold · called about “Softphone does not work”". The change's name is
    left out (the floor shows it), and a few words the floor makes plain."""
    reason = _CHANGE_NOTE.sub("", reason)
    for long, short in _TICKER_SHORTER:
        reason = reason.replace(long, short)
    who, dash, rest = reason.partition(" — ")
    colon = rest.find(": ", max(0, rest.rfind("”")))  # what it was about ends at a colon
    if not dash or colon < 0:
        return reason
    return f"{who} — {rest[colon + 2:]} · {rest[:colon]}"


@dataclass(frozen=True)
class TickerLine:
    """One moment of truth as the floor's ticker says it."""

    time_min: float
    clock: str            # "Mon 09:05"
    text: str             # "Sales — waited 6 min on the phone for help with ..., hung up"
    verdict: str          # good, neutral, bad
    score: float          # 0-100, as sim.moments scores it
    department: str | None
    channel: str
    hung_up: bool


@dataclass(frozen=True)
class LiveFigure:
    """A key figure so far, against the scenario's goal for it (if any)."""

    name: str
    label: str
    unit: str
    value: float | None
    goal_text: str | None   # "at most 10%"
    met: bool | None        # None: no goal, or no value yet
    basis: str = ""         # how many it is a share of: "1 of 7"

#: The key figures the floor shows when the scenario sets no goals.
DEFAULT_FIGURES = ("abandonment_rate", "asa_min", "fcr", "satisfaction")


class Play:
    """A scenario played interactively by one player or team with one seed."""

    def __init__(self, scenario: Scenario, seed: int = 1, team: str = "", source: str = ""):
        self.scenario = scenario
        self.seed = int(seed)
        self.team = team
        self.source = source or scenario.id
        self.sim = Simulation(scenario, seed=self.seed, interactive=True)
        self.ticker: deque[TickerLine] = deque(maxlen=TICKER_LINES)
        self.figures: list[LiveFigure] = []
        self.satisfaction: dict[str, float] = {d.id: d.satisfaction
                                               for d in scenario.departments}
        self.kpis: dict[str, float | None] = {}
        #: moments so far per department: {"good": n, "neutral": n, "bad": n, "hung_up": n}
        self.moment_counts: dict[str | None, dict[str, int]] = {}
        #: each department's latest moments (time, score): the mood of the people who
        #: have just dealt with IT, which moves long before everybody's satisfaction does
        self.recent: dict[str | None, deque[tuple[float, float]]] = {}
        self._week_scores: dict[str | None, list] = {}  # department: [sum of scores, count]
        #: phone callers who hung up in the last HUNG_UP_WITHIN_MIN minutes of the clock
        self.hung_up_lately = 0
        self._seen: set[tuple[int, float]] = set()
        self._shown_until = 0.0
        self._refresh_cost_s = 0.0  # how long the last reading of the figures took
        self._refreshed_min = -1e9
        self.snapshot: Snapshot = self.sim.snapshot()
        self.real_s_in_sim = 0.0  # real seconds spent advancing the clock (for the bench)
        self._outcome: Outcome | None = None
        self._outcome_of: tuple = ()  # the state of the run `_outcome` was read at
        # the decision points at minute 0 (preparation) fire on the first step
        self.step(0.0, speed_min_per_s=0.0)
        self.refresh(force=True)

    # -- the clock ----------------------------------------------------------------------------

    @property
    def now_min(self) -> float:
        return self.snapshot.now_min

    @property
    def finished(self) -> bool:
        return self.snapshot.finished

    @property
    def figures_as_of_min(self) -> float:
        """The minute of the clock the ticker, faces and key figures were last read at."""
        return self._refreshed_min

    @property
    def pending(self):
        """The decision point waiting for an answer (`sim.engine.PendingDecision`), or None."""
        return self.snapshot.pending_decision

    def step(self, dt_s: float, speed_min_per_s: float | None, closed_factor: float = 1.0,
             budget_s: float = 0.010) -> list[TickerLine]:
        """Advance the clock for one frame of `dt_s` real seconds (at most `MAX_FRAME_S`)
        at `speed_min_per_s` (None: as fast as `budget_s` of real time allows), and return
        the ticker lines of the moments that happened. While the desk is closed and nobody
        waits, time runs `closed_factor` times faster, up to the minute the desk opens and
        no further: the morning is then played at the chosen speed. Stops at a decision
        point or at the end."""
        if self.pending is not None or self.finished:
            return []
        started = time.perf_counter()
        sim = self.sim
        if speed_min_per_s is None:
            # the figures' refresh comes out of the same frame: leave room for it
            budget_s = max(budget_s * 0.25, budget_s - self._refresh_cost_s)
            while True:
                self.snapshot = sim.advance(sim.now_min + MAX_SPEED_SLICE_MIN)
                if (self.pending is not None or self.finished
                        or time.perf_counter() - started >= budget_s):
                    break
        else:
            minutes = speed_min_per_s * min(dt_s, MAX_FRAME_S)
            now = sim.now_min
            if minutes > 0 and closed_factor > 1 and self._quiet():
                minutes = min(minutes * closed_factor, self.opens_at_min() - now)
            # a first step of 0 still runs what is due at minute 0 (the preparation point)
            target = now + minutes if minutes > 0 else now + 1e-9
            if minutes > 0 or now == 0.0:
                self.snapshot = sim.advance(target)
        self.real_s_in_sim += time.perf_counter() - started
        return self.refresh()

    def opens_at_min(self) -> float:
        """The minute the desk next opens (now, when it is open)."""
        return self.sim.calendar.add_business_minutes(self.now_min, 0.0)

    def _quiet(self) -> bool:
        """Closed and nobody waiting at a first-contact desk: a night or a weekend."""
        snap = self.snapshot
        return not snap.is_open and not any(g.waiting for g in snap.groups if g.tier == 1)

    # -- what the screens read ----------------------------------------------------------------

    def refresh(self, force: bool = False, settled: bool = False) -> list[TickerLine]:
        """Read the slower figures again if it is time to (`REFRESH_EVERY_SIM_MIN`);
        `settled`: the clock stands still (paused), so read them up to its minute now."""
        stopped = self.pending is not None or self.finished or settled
        moved_min = self.now_min - self._refreshed_min
        due = stopped or moved_min >= REFRESH_EVERY_SIM_MIN
        if not force and (not due or moved_min == 0):
            return []
        started = time.perf_counter()
        self._refreshed_min = self.now_min
        try:
            return self._read_figures()
        finally:
            self._refresh_cost_s = time.perf_counter() - started

    def _read_figures(self) -> list[TickerLine]:
        # one outcome for the figures, the ticker and whoever reads the run at this moment
        # (`outcome`): its key figures are worked out once
        outcome = self.outcome()
        self.kpis = outcome.kpis()
        for department in self.scenario.departments:
            value = self.kpis.get(f"satisfaction_{department.id}")
            self.satisfaction[department.id] = float(
                department.satisfaction if value is None else value)
        self.figures = self._figures(self.kpis, self._phone_calls(outcome))
        return self._new_moments(outcome)

    @staticmethod
    def _phone_calls(outcome: Outcome) -> tuple[int, int]:
        """The phone calls that are over (answered or hung up), and those of them that hung
        up: what "hung up" is a share of, as `sim.kpis` counts it (after the warm-up), read
        from the event log. (Its `abandoned` counts every channel: a visitor walking away
        too, so it is not the share's count.)"""
        view = LogView(outcome)
        if "phone" not in view.names.channels:
            return 0, 0
        phone = view.counted & (view.contact_channel == view.names.channels.index("phone"))
        answered, hung_up = ~np.isnan(view.answered), ~np.isnan(view.abandoned)
        return int((phone & (answered | hung_up)).sum()), int((phone & hung_up).sum())

    def _new_moments(self, outcome: Outcome) -> list[TickerLine]:
        book = ledger(outcome)
        self.hung_up_lately = self._hung_up_within(book, HUNG_UP_WITHIN_MIN)
        if not len(book):
            return []
        # moments since the last reading; a contact still in progress has no moment yet
        start = int(np.searchsorted(book.time_min, self._shown_until, side="left"))
        lines = []
        done = book.ending != STILL_OPEN
        for i in range(start, len(book)):
            if not done[i]:
                continue
            key = (int(book.contact[i]), float(book.time_min[i]))
            if key in self._seen:
                continue
            self._seen.add(key)
            d = int(book.department[i])
            channel = book.names.channels[int(book.channel[i])]
            verdict = {1: "good", 0: "neutral", -1: "bad"}[int(book.verdict[i])]
            lines.append(TickerLine(
                time_min=float(book.time_min[i]),
                clock=clock_words(outcome, float(book.time_min[i])),
                text=ticker_words(book.reason(i)), verdict=verdict, score=float(book.score[i]),
                department=book.names.departments[d] if d >= 0 else None,
                channel=channel, hung_up=int(book.ending[i]) == GAVE_UP))
        for line in lines:
            counts = self.moment_counts.setdefault(
                line.department, {"good": 0, "neutral": 0, "bad": 0, "hung_up": 0})
            counts[line.verdict] += 1
            counts["hung_up"] += line.hung_up
            self.recent.setdefault(line.department, deque(maxlen=RECENT_MOMENTS)).append(
                (line.time_min, line.score))
            total = self._week_scores.setdefault(line.department, [0.0, 0])
            total[0] += line.score
            total[1] += 1
        self._shown_until = max(self._shown_until, self.now_min - 1e-6)
        # keep the seen-set small: moments before the cut can no longer come back
        self._seen = {k for k in self._seen if k[1] >= self._shown_until}
        self.ticker.extend(lines)
        return lines

    def _hung_up_within(self, book, minutes: float) -> int:
        """Phone callers in the ledger who hung up within the last `minutes` of the clock."""
        if not len(book) or "phone" not in book.names.channels:
            return 0
        phone = book.names.channels.index("phone")
        recent = book.time_min >= self.now_min - minutes
        return int(np.count_nonzero(recent & (book.ending == GAVE_UP) & (book.channel == phone)))

    def mood(self, department: str) -> float | None:
        """The mean score (0-100) of the department's latest moments of truth, or None when
        nobody from it has dealt with IT lately."""
        recent = [score for t, score in self.recent.get(department, ())
                  if t >= self.now_min - RECENT_WITHIN_MIN]
        return sum(recent) / len(recent) if recent else None

    def week_mood(self, department: str) -> float | None:
        """The mean score (0-100) of all the department's moments of truth so far in the
        run, or None before the first: the face when nobody has dealt with IT lately."""
        total = self._week_scores.get(department)
        return total[0] / total[1] if total else None

    def _figures(self, kpis: dict, phone_calls: tuple[int, int] = (0, 0)
                 ) -> list[LiveFigure]:
        goals = self.scenario.goals
        names = list(goals) if goals else list(DEFAULT_FIGURES)
        if not self.scenario.departments:
            names = [n for n in names if not n.startswith("satisfaction")]
        out = []
        for name in names:
            label, unit = kpi_label(name)
            value = kpis.get(name)
            goal = goals.get(name)
            goal_text = met = None
            if goal is not None:
                if goal.at_most is not None:
                    goal_text = f"at most {_short(goal.at_most, unit)}"
                else:
                    goal_text = f"at least {_short(goal.at_least, unit)}"
                # on the figures as shown, as the debrief decides: 74.0 is at least 74.0
                met = None if value is None else goal_met(value, unit, goal)
            out.append(LiveFigure(name, label, unit, value, goal_text, met,
                                  self._basis(name, value, kpis, phone_calls)))
        return out

    @staticmethod
    def _basis(name: str, value: float | None, kpis: dict, phone_calls: tuple[int, int]
               ) -> str:
        """'1 of 7' beside a share of calls or issues, always (it came and went at 50
        calls, a new user found, and the count is what makes a share read right: on Monday
        at 08:10 one hang-up out of seven reads very differently from 14% of a week)."""
        if name == "csat" and value is not None:
            # early on Monday CSAT jumps from 100% to 50% on the second issue
            asked = round(kpis.get("csat_issues") or 0)
            return f"{round(value * asked):,} of {asked:,}" if asked > 0 else ""
        over, hung_up = phone_calls
        if name != "abandonment_rate" or value is None or not over:
            return ""
        return f"{hung_up:,} of {over:,}"

    # -- the player's decisions ---------------------------------------------------------------

    def offered(self, lever_id: str) -> bool:
        """Can the player choose this lever now (not used up, not already ordered)?"""
        lever = self.sim.levers[lever_id]
        return self.sim.available(lever_id) and (lever.repeatable
                                                 or not self.sim.ordered(lever_id))

    def lever_status(self, lever_id: str) -> str:
        """Why a lever cannot be chosen now, in a few words ("in force until Wed 00:00",
        "ordered", "done already"); "" when it can."""
        if self.offered(lever_id):
            return ""
        if self.sim.ordered(lever_id):
            return "ordered"
        until = [u for lv, u in self.sim.levers_in_force() if lv == lever_id]
        if until:
            return "in force" if until[-1] is None else \
                f"in force until {clock_words(self.outcome(), until[-1])}"
        return "done already"

    def wearing_off_words(self) -> str:
        """The levers in force that wear off before the run ends, for a decision pop-up:
        "Wearing off at Wed 00:00: Floor walkers on Monday and Tuesday, Hypercare …"."""
        end = self.sim.horizon_min
        by_time: dict[float, list[str]] = {}
        for lever_id, until in self.sim.levers_in_force():
            if until is not None and until < end:
                by_time.setdefault(until, []).append(self.sim.levers[lever_id].name)
        return " · ".join(f"Wearing off at {clock_words(self.outcome(), until)}: "
                          f"{', '.join(names)}" for until, names in sorted(by_time.items()))

    def decide(self, levers: list[str]) -> None:
        """Answer the decision point that stopped the clock."""
        self.sim.decide(levers)
        self.snapshot = self.sim.snapshot()
        self.refresh(force=True)

    def anytime_levers(self) -> list[Lever]:
        """The levers the player may pull whenever they like (the lever panel)."""
        return [lever for lever in self.scenario.levers if lever.anytime]

    def pull(self, levers: list[str]) -> float:
        """Pull levers from the lever panel; returns the minute they take effect."""
        return self.sim.pull_soon(levers)

    @property
    def spent(self) -> float:
        """Spent on levers so far, including levers ordered but not yet in effect."""
        ordered = sum(self.sim.levers[lv].cost for d in self.sim._free_decisions
                      for lv in d.levers)
        return self.sim.spent_on_levers + ordered

    def plan(self) -> DecisionPlan:
        """The decisions taken so far, as a headless run would take them."""
        return DecisionPlan(list(self.sim.decisions_taken))

    # -- the end ------------------------------------------------------------------------------

    def run_to_end(self, answer=None) -> Outcome:
        """Run on to the end without drawing, answering decision points with `answer(pending)`
        (default: choose nothing). For tests and 'skip to the end'."""
        while not self.finished:
            if self.pending is not None:
                self.decide(answer(self.pending) if answer else [])
                continue
            self.snapshot = self.sim.advance(self.sim.horizon_min)
        return self.outcome()

    def outcome(self) -> Outcome:
        """The run's outcome so far (the whole run once finished): one for each state of the
        run — its clock, its log, the decisions taken — so that what is read from it (the
        key figures, the ledger) is worked out once for each."""
        log = self.sim.log
        state = (self.now_min, len(log), log.n_contacts, len(self.sim.decisions_taken))
        if self._outcome is None or self._outcome_of != state:
            self._outcome = self.sim.outcome()
            self._outcome_of = state
        return self._outcome

    def figures_words(self) -> tuple[str, bool]:
        """The key figures so far against their goals in one line ("Hung up (phone) 55% ✗ ·
        …"), and whether any goal is missed."""
        from reports.narrative import format_figure

        parts, missed = [], False
        for fig in self.figures:
            mark = "" if fig.met is None else " ✓" if fig.met else " ✗"
            missed = missed or fig.met is False
            parts.append(f"{SHORT_LABELS.get(fig.name, fig.label)} "
                         f"{format_figure(fig.value, fig.unit, self.scenario.currency)}{mark}")
        return " · ".join(parts), missed

    def clock_text(self) -> str:
        return clock_words(self.outcome(), self.now_min)


def _short(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "min":
        return f"{value:g} min"
    return f"{value:g}"
