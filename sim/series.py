"""Time series of a run, for charts and the game's live dashboard.

Each function reads the event log (and the scenario, for names) and nothing else: a
finished run, a replayed one and a run stopped part-way (`Simulation.outcome()`, whose log
is still growing) all give the same curves for the same log. They are numpy only, and cheap
(a week's log in a few milliseconds), because the dashboard asks again every few frames.

Sampling follows `sim.kpis.backlog_over_time`: a grid from minute 0 to the end every
`step_min` minutes, each sample taken *after* every event at that minute.

An outcome taken from a running simulation shares the simulation's log, which goes on
growing: these functions read only the rows up to the outcome's `end_min`, so a curve taken
at 11:40 stays the curve of 11:40. (`moments_over_time` and `cost_breakdown` read through
`sim.moments` and `sim.kpis`, which read the whole log: take a fresh `sim.outcome()` for
them.)

- `queue_over_time`: contacts waiting for their first answer, by channel;
- `waiting_at_groups`: contacts and tickets waiting in each group's queue;
- `service_by_hour`: calls, answers, hang-ups and speed of answer by the hour calls came in;
- `moments_over_time`: good, neutral and bad moments of truth per interval;
  (`moment_intervals`: the intervals, for any count of moments);
- `story_markers`: decisions, levers, changes, injects and outages, in plain words;
- `cost_breakdown`: what the run cost, by kind;
- `contacts_per_day`: arrivals per calendar day.

`sim` never imports matplotlib: the charts themselves are in `reports.charts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    CHANGE_FAILED,
    CHANGE_FIXED,
    CHANGE_LIVE,
    CHANGE_ROLLED_BACK,
    DECISION_POINT,
    ESCALATED,
    INJECT_END,
    INJECT_START,
    LEVER,
    OUTAGE_END,
    OUTAGE_START,
)
from sim.scenario import MINUTES_PER_DAY, WEEKDAYS

if TYPE_CHECKING:
    from sim.engine import Outcome

#: Channels in the order charts show them: people waiting in line first, then the inboxes.
CHANNEL_ORDER: tuple[str, ...] = ("phone", "walk_in", "email", "portal")

#: Marker kinds, by the log event that makes them.
MARKER_KIND: dict[int, str] = {
    CHANGE_LIVE: "change",
    CHANGE_FAILED: "change_failed",
    CHANGE_FIXED: "change_fixed",
    CHANGE_ROLLED_BACK: "rolled_back",
    INJECT_START: "inject",
    INJECT_END: "inject_end",
    OUTAGE_START: "outage",
    OUTAGE_END: "outage_end",
    DECISION_POINT: "decision_point",
    LEVER: "lever",
}
MARKER_KINDS: tuple[str, ...] = tuple(MARKER_KIND.values())
#: Key of each cost in `cost_breakdown`, and the key figure it comes from.
COST_KINDS: dict[str, str] = {
    "staff": "cost_staff",
    "overtime": "cost_overtime",
    "suppliers": "cost_suppliers",
    "levers": "cost_levers",
    "lost business": "cost_lost_business",
}
VERDICT_NAMES: tuple[str, ...] = ("good", "neutral", "bad")
#: Month abbreviations, fixed (strftime's follow the locale).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------------------------
# Reading the log
# ---------------------------------------------------------------------------------------------


def sample_times(end_min: float, step_min: float) -> np.ndarray:
    """The sampling grid: 0, step, 2 step, ... up to the end (as `backlog_over_time`)."""
    if step_min <= 0:
        raise ValueError(f"step_min must be positive, got {step_min}")
    return np.arange(0.0, float(end_min) + step_min / 2, float(step_min))


def _step_counts(times: np.ndarray, steps: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A count that moves by `steps` at `times` (in time order), read after the events at
    each grid time; 0 before the first event."""
    if times.size == 0:
        return np.zeros(grid.size, dtype=np.int64)
    level = np.cumsum(steps)
    last = np.searchsorted(times, grid, side="right") - 1
    return np.where(last >= 0, level[np.maximum(last, 0)], 0).astype(np.int64)


def _events(outcome: Outcome) -> dict[str, np.ndarray]:
    """The log's event rows up to the outcome's end. An outcome taken from a running
    simulation shares its log, which goes on growing after the outcome was taken: what
    happened later is not part of this outcome (rows are in time order)."""
    cols = outcome.log.events.columns()
    stop = int(np.searchsorted(cols["time_min"], float(outcome.end_min), side="right"))
    if stop == len(cols["time_min"]):
        return cols
    return {name: column[:stop] for name, column in cols.items()}


def _per_contact_time(outcome: Outcome, event_code: int) -> np.ndarray:
    """Per contact, the time of its (only) row of an event that happens once per contact
    (arrival, answered, abandoned); NaN when it has none yet."""
    cols = _events(outcome)
    out = np.full(outcome.log.n_contacts, np.nan)
    rows = cols["event"] == event_code
    out[cols["contact"][rows]] = cols["time_min"][rows]
    return out


# ---------------------------------------------------------------------------------------------
# Queues
# ---------------------------------------------------------------------------------------------


def queue_over_time(outcome: Outcome, step_min: float = 15.0
                    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Contacts waiting for their first answer, by channel ("phone", "walk_in", "email",
    "portal"), sampled every `step_min` minutes: a contact joins when it arrives and leaves
    when an agent answers or it gives up (hangs up, walks away)."""
    cols = _events(outcome)
    channel_of_contact = outcome.log.contact_columns()["channel"]
    event = cols["event"]
    rows = np.flatnonzero((event == ARRIVAL) | (event == ANSWERED) | (event == ABANDONED))
    times = cols["time_min"][rows]
    steps = np.where(event[rows] == ARRIVAL, 1, -1)
    channel = channel_of_contact[cols["contact"][rows]] if rows.size else np.zeros(0, int)
    grid = sample_times(outcome.end_min, step_min)
    names = outcome.log.names.channels
    queues = {}
    for name in CHANNEL_ORDER:
        mine = channel == names.index(name) if name in names else np.zeros(rows.size, bool)
        queues[name] = _step_counts(times[mine], steps[mine], grid)
    return grid, queues


def waiting_at_groups(outcome: Outcome, step_min: float = 15.0
                      ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Contacts and tickets waiting in each group's queue (every team and supplier, in the
    log's order), sampled every `step_min` minutes.

    A ticket joins a group's queue when it arrives there (a new contact) or is passed to it
    (escalated, reassigned) and leaves when somebody there takes it (answered, assigned) or
    the person gives up. For the first-contact team this is the first-contact queue; for a
    supplier it includes its response time, as the key figure `mean_wait_min_<supplier>`
    does (the log says when the supplier started work, not when it acknowledged)."""
    cols = _events(outcome)
    event = cols["event"]
    joins = (event == ARRIVAL) | (event == ESCALATED)
    leaves = (event == ANSWERED) | (event == ASSIGNED) | (event == ABANDONED)
    rows = np.flatnonzero(joins | leaves)
    times = cols["time_min"][rows]
    steps = np.where(joins[rows], 1, -1)
    group = cols["group"][rows]
    grid = sample_times(outcome.end_min, step_min)
    return grid, {name: _step_counts(times[group == g], steps[group == g], grid)
                  for g, name in enumerate(outcome.log.names.groups)}


# ---------------------------------------------------------------------------------------------
# Service by hour
# ---------------------------------------------------------------------------------------------


def service_by_hour(outcome: Outcome) -> list[dict]:
    """Phone service per clock hour, by the hour the call came in, for every hour that had
    calls: `start_min` (the hour's first minute), `calls`, `answered`, `abandoned`,
    `still_waiting` (neither yet), `asa_min` (mean wait of the answered; None if none) and
    `abandonment_rate` (hung up / (answered + hung up), as the key figure; None if none of
    its calls has ended yet)."""
    names = outcome.log.names
    if "phone" not in names.channels:
        return []
    arrived = _per_contact_time(outcome, ARRIVAL)
    is_phone = outcome.log.contact_columns()["channel"] == names.channels.index("phone")
    phone = np.flatnonzero(is_phone & ~np.isnan(arrived))
    if phone.size == 0:
        return []
    arrived = arrived[phone]
    answered = _per_contact_time(outcome, ANSWERED)[phone]
    abandoned = _per_contact_time(outcome, ABANDONED)[phone]
    hour = np.floor(arrived / 60.0).astype(np.int64)
    hours, slot = np.unique(hour, return_inverse=True)
    n = hours.size
    was_answered = ~np.isnan(answered)
    was_abandoned = ~np.isnan(abandoned)
    calls = np.bincount(slot, minlength=n)
    n_answered = np.bincount(slot, weights=was_answered, minlength=n)
    n_abandoned = np.bincount(slot, weights=was_abandoned, minlength=n)
    waits = np.bincount(slot, weights=np.where(was_answered, answered - arrived, 0.0),
                        minlength=n)
    rows = []
    for k in range(n):
        done = n_answered[k] + n_abandoned[k]
        rows.append({
            "start_min": float(hours[k] * 60),
            "calls": int(calls[k]),
            "answered": int(n_answered[k]),
            "abandoned": int(n_abandoned[k]),
            "still_waiting": int(calls[k] - done),
            "asa_min": float(waits[k] / n_answered[k]) if n_answered[k] else None,
            "abandonment_rate": float(n_abandoned[k] / done) if done else None,
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Moments of truth over time
# ---------------------------------------------------------------------------------------------


def moments_over_time(outcome: Outcome, step_min: float = 60.0
                      ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Moments of truth per interval, by verdict: (interval starts, {"good", "neutral",
    "bad": counts}); a moment counts in the interval [start, start + step_min) in which it
    happened (`sim.moments.ledger`). Every moment counts, warm-up included: this is what
    people lived through, not a key figure."""
    from sim.moments import BAD, GOOD, NEUTRAL, ledger

    book = ledger(outcome)
    starts, slot, mine = moment_intervals(book.time_min, float(outcome.end_min), step_min)
    return starts, {name: np.bincount(slot[mine & (book.verdict == code)],
                                      minlength=len(starts))
                    for name, code in zip(VERDICT_NAMES, (GOOD, NEUTRAL, BAD), strict=True)}


def moment_intervals(time_min: np.ndarray, end_min: float, step_min: float = 60.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The intervals moments of truth are counted in (`moments_over_time`, and the chart of
    their reasons): (interval starts, the interval of each moment happening at `time_min`,
    which moments count: those up to `end_min`). A run's intervals [start, start + step_min)
    cover it from minute 0; a moment at the end (a ticket still open is dated there) counts
    in the last one."""
    n_bins = max(1, int(np.ceil(end_min / step_min))) if end_min > 0 else 1
    starts = np.arange(n_bins) * float(step_min)
    slot = np.minimum((time_min // step_min).astype(np.int64), n_bins - 1)
    return starts, slot, time_min <= end_min


# ---------------------------------------------------------------------------------------------
# The story
# ---------------------------------------------------------------------------------------------


def story_markers(outcome: Outcome) -> list[dict]:
    """The story of the run in time order, one dict per row: `time_min`, `kind` (one of
    `MARKER_KINDS`), `label` in plain words ("Lever: Brief the help desk and write a
    knowledge article"), `item` (the id of the decision point, lever, change, inject or
    outage) and `value` (a lever's cost, the share of work an outage stops, how many times
    a decision point has been reached)."""
    cols = _events(outcome)
    event = cols["event"]
    rows = np.flatnonzero(np.isin(event, list(MARKER_KIND)))
    words = _StoryWords(outcome)
    markers = []
    for r in rows.tolist():
        code = int(event[r])
        item = int(cols["agent"][r])
        value = float(cols["value"][r])
        item_id, label = words.describe(code, item, value)
        markers.append({"time_min": float(cols["time_min"][r]), "kind": MARKER_KIND[code],
                        "label": label, "item": item_id, "value": value})
    return markers


class _StoryWords:
    """Names of the story's items, from the scenario where it names them."""

    def __init__(self, outcome: Outcome):
        scenario = outcome.scenario
        self.names = outcome.log.names
        self.points = {p.id: p.title or p.id for p in scenario.decision_points}
        self.levers = {lever.id: lever.name for lever in scenario.levers}
        self.changes = {c.id: c for c in scenario.changes}
        self.injects = {j.id: j for j in scenario.injects}
        self.services = {s.id: s.name or s.id for s in scenario.services}

    def describe(self, code: int, item: int, value: float) -> tuple[str, str]:
        names = self.names
        if code == DECISION_POINT:
            point = _name(names.decision_points, item)
            again = f" ({_ordinal(int(value))} time)" if value > 1 else ""
            return point, f"Decision: {self.points.get(point, point)}{again}"
        if code == LEVER:
            lever = _name(names.levers, item)
            return lever, f"Lever: {self.levers.get(lever, lever)}"
        if code in (CHANGE_LIVE, CHANGE_FAILED, CHANGE_FIXED, CHANGE_ROLLED_BACK):
            change = _name(names.changes, item)
            model = self.changes.get(change)
            what = model.name if model is not None else change
            prefix = {CHANGE_LIVE: "Change goes live", CHANGE_FAILED: "Change failed",
                      CHANGE_FIXED: "Change fixed", CHANGE_ROLLED_BACK: "Change rolled back"}
            return change, f"{prefix[code]}: {what}"
        if code in (INJECT_START, INJECT_END):
            inject = _name(names.injects, item)
            model = self.injects.get(inject)
            what = model.name if model is not None else inject
            return inject, f"{'Starts' if code == INJECT_START else 'Over'}: {what}"
        outage = _name(names.outages, item)
        service = self._outage_service(outage)
        if code == OUTAGE_START:
            share = f", {value:.0%} of their work stops" if 0 < value < 1 else ""
            return outage, f"Outage: {service}{share}"
        return outage, f"Back up: {service}"

    def _outage_service(self, label: str) -> str:
        """The service an outage ("change:<id>", "inject:<id>") takes down, by its name."""
        kind, _, item = label.partition(":")
        service = None
        if kind == "change" and item in self.changes:
            service = self.changes[item].service
        elif kind == "inject" and item in self.injects:
            outage = self.injects[item].outage
            service = outage.service if outage is not None else None
        if service is not None:
            return self.services.get(service, service)
        return item or label


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _name(table: list[str], index: int) -> str:
    return table[index] if 0 <= index < len(table) else f"#{index}"


# ---------------------------------------------------------------------------------------------
# Cost and volume
# ---------------------------------------------------------------------------------------------


def cost_breakdown(outcome: Outcome) -> dict[str, float]:
    """What the run cost, in the scenario's currency: {"staff", "overtime", "suppliers",
    "levers", "lost business"} (the key figures `cost_staff`, ... of `sim.kpis.compute_kpis`)."""
    kpis = outcome.kpis()
    return {kind: float(kpis.get(name) or 0.0) for kind, name in COST_KINDS.items()}


def contacts_per_day(outcome: Outcome) -> tuple[np.ndarray, np.ndarray]:
    """Contacts that arrived on each calendar day of the run, warm-up included: (day
    numbers 0, 1, ..., counts). Day d runs from minute 1440 d; every day the run has
    reached is listed, empty ones (weekends) with 0."""
    cols = _events(outcome)
    arrivals = cols["time_min"][cols["event"] == ARRIVAL]
    day = (arrivals // MINUTES_PER_DAY).astype(np.int64)
    n_days = int(np.ceil(float(outcome.end_min) / MINUTES_PER_DAY))
    if day.size:
        n_days = max(n_days, int(day.max()) + 1)
    return np.arange(n_days), np.bincount(day, minlength=n_days).astype(np.int64)


def clock_words(outcome: Outcome, time_min: float) -> str:
    """A moment of the run as people say it: "Mon 08:00" in a run of a week or less; with
    the date in a longer one ("Tue 10 Mar 09:30"), or the day number when the scenario has
    no calendar ("day 9, 09:30")."""
    day = int(time_min // MINUTES_PER_DAY)
    minute = int(round(time_min - day * MINUTES_PER_DAY))
    if minute >= MINUTES_PER_DAY:  # 23:59.6 rounds to the next day's 00:00
        day, minute = day + 1, 0
    clock = f"{minute // 60:02d}:{minute % 60:02d}"
    calendar = outcome.calendar
    weekday = WEEKDAYS[calendar.weekday(day)].capitalize()
    if float(outcome.end_min) <= 7 * MINUTES_PER_DAY:
        return f"{weekday} {clock}"
    if not calendar.defined:
        return f"day {day + 1}, {clock}"
    date = calendar.date(day)
    return f"{weekday} {date.day} {MONTHS[date.month - 1]} {clock}"
