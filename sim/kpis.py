"""Key figures of a run, computed from its event log and nothing else.

Definitions (the same on every screen and in every report):

- `contacts`: contacts that arrived after the warm-up;
- `answered`, `abandoned`: of those, answered by an agent / hung up (or walked away) first;
- `abandonment_rate`: share of phone contacts that hung up before an agent answered;
- `asa_min`: average speed of answer, the mean wait of answered phone contacts;
- `mean_wait_min`: mean wait in the first queue over all contacts, abandoning ones included
  (the queueing-theory figure); `p_wait`: share of contacts that had to wait at all;
  per channel `mean_wait_min_<channel>`, per priority `mean_wait_min_p<k>`;
- `still_waiting`: contacts still in the first queue when the run ended;
- `mean_wait_min_<group>`: mean time a contact or ticket waited in that group's queue;
- `fcr`: share of contacts handled by the first-contact team that it resolved without a
  hand-off (a request it turned down counts as handled, not resolved);
- `declined`, `decline_rate`: requests the desk turned down (no such service), in scenarios
  where that can happen;
- `handle_min`: mean first-contact handling time;
- `mttr_min` (and `mttr_min_p<k>`): mean time from arrival to resolution;
- `sla_breach_rate` (and `_p<k>`): share of contacts whose resolution took longer than the
  SLA target of their priority (counted in business or clock minutes as the SLA says);
  contacts still open past their target count as breached, those still open within it are
  not counted yet; `sla_respond_breach_rate` likewise for the first answer;
- `backlog_mean`, `backlog_end`: contacts and tickets open (arrived, not yet resolved or
  abandoned), averaged over the counted period / at the end;
- `utilisation_<group>`: busy agent time over on-duty agent time;
- `cost_staff`, `cost_suppliers`: on-duty staff time at each team's hourly cost, supplier
  fees per ticket taken on, in the scenario's money; `cost_overtime`: the time agents
  worked past the end of their shift (finishing a call or ticket after hours, or after a
  lever sent them home), `overtime_hours` of it, at `cost_per_hour` × the team's
  `overtime_rate` (and not in `cost_staff`); `cost_levers`: what the levers pulled
  cost (every lever row, warm-up included: a decision is paid whenever it is taken);
  `cost_lost_business`: working time lost (`lost_work_hours`, person-hours in business
  time: blocking incidents until resolved, outages for everybody affected) at each
  department's hourly cost (0 without departments); `cost_total`: all five;
- with departments only (`sim.moments`): `lost_work_hours`; `satisfaction` (0-100, the mean
  over everybody at the end of the run) and `satisfaction_<department>`; `moments_good`,
  `moments_bad`: counted moments of truth (a contact, a ticket's later fix) that scored
  75 or more / below 60 (`sim.moments.GOOD_AT_LEAST`, `BAD_BELOW`); `csat`: the share of
  issues raised after the warm-up, and over by the end, that the person remembers as
  satisfied (60 or more: 4 or 5 on a five-point survey; the CSAT of service desks,
  MetricNet/HDI, B; the mapping Asm; see `sim.moments`, 4.) — the figure that moves with
  the week, where `satisfaction` is everybody's, most of whom never called (None while no
  issue is over); `csat_issues`: how many issues CSAT is a share of;
  `score`: the balanced score of the run (0-100) from satisfaction, cost and SLAs kept,
  weighted by the scenario.

Contacts still waiting when the run ends count in the wait figures with their wait so far
(otherwise an unstaffed mailbox would look like no wait at all); their outcome is not known,
so they are left out of the abandonment rate and the speed of answer. Only contacts that
arrived after the warm-up count; staff time and costs are counted from the end of the
warm-up. Per-channel and per-priority figures exist for every channel and priority the
scenario can produce (None in a run where none occurred), so every replication has the same
set of figures.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    DECLINED,
    ESCALATED,
    HANDLED,
    LEVER,
    OVERTIME,
    RESOLVED,
    STAFF,
)

if TYPE_CHECKING:
    from sim.engine import Outcome


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _share(flags: np.ndarray) -> float | None:
    return float(flags.mean()) if flags.size else None


class LogView:
    """The log's columns, with per-contact look-ups built once."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self.names = outcome.log.names
        cols = outcome.log.events.columns()
        time = cols["time_min"]
        if time.size and time[-1] > outcome.end_min:
            # an outcome taken from a run still going shares its growing log: read only the
            # rows up to the moment it was taken (rows are in time order)
            cols = {name: column[:int(np.searchsorted(time, outcome.end_min, side="right"))]
                    for name, column in cols.items()}
        self.time = cols["time_min"]
        self.event = cols["event"]
        self.contact = cols["contact"]
        self.group = cols["group"]
        self.agent = cols["agent"]
        self.value = cols["value"]
        self.warmup_min = float(outcome.scenario.clock.warmup)
        self.end_min = float(outcome.end_min)

        contacts = outcome.log.contact_columns()
        arrived = self.contact[self.event == ARRIVAL]
        n = int(arrived.max()) + 1 if arrived.size else 0
        if n < len(contacts["category"]):  # contacts that arrived after the reading
            contacts = {name: column[:n] for name, column in contacts.items()}
        self.n_contacts = n
        self.contact_category = contacts["category"]
        self.contact_channel = contacts["channel"]
        self.contact_priority = contacts["priority"]
        self.contact_department = contacts["department"]
        is_arrival = self.event == ARRIVAL
        self.arrived = self._per_contact(is_arrival, self.time, np.nan)
        self.first_group = np.full(n, -1, dtype=np.int16)
        self.first_group[self.contact[is_arrival]] = self.group[is_arrival]
        self.answered = self._per_contact(self.event == ANSWERED, self.time, np.nan)
        self.abandoned = self._per_contact(self.event == ABANDONED, self.time, np.nan)
        self.resolved = self._per_contact(self.event == RESOLVED, self.time, np.nan)
        self.escalations = np.bincount(self.contact[self.event == ESCALATED], minlength=n)[:n]
        self.counted = self.arrived >= self.warmup_min

    def first_time(self, event_code: int) -> np.ndarray:
        """Per contact, the time of its first row of this event (NaN when none)."""
        return self._per_contact(self.event == event_code, self.time, np.nan)

    def first_value(self, event_code: int, column: np.ndarray, fill: float) -> np.ndarray:
        """Per contact, `column` (a column of the log, e.g. `group`) at its first row of
        this event (`fill` when none)."""
        return self._per_contact(self.event == event_code, column, fill)

    def _per_contact(self, mask: np.ndarray, values: np.ndarray, fill: float) -> np.ndarray:
        """The value of the first row matching `mask` for each contact (fill when none)."""
        out = np.full(self.n_contacts, fill)
        ids = self.contact[mask][::-1]  # reversed, so that the first row wins the assignment
        out[ids] = values[mask][::-1]
        return out

    # -- queue episodes ------------------------------------------------------------------------

    def queue_waits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every time a contact joined a queue and left it (answered/assigned/hung up):
        (contact, group, wait_min). Entries still waiting at the end count with their wait
        so far."""
        entries = np.flatnonzero((self.event == ARRIVAL) | (self.event == ESCALATED))
        exits = np.flatnonzero((self.event == ANSWERED) | (self.event == ASSIGNED)
                               | (self.event == ABANDONED))
        entry_rows, exit_rows = _pair_by_contact(self.contact, entries, exits,
                                                 keep_unmatched=True)
        left = np.where(exit_rows >= 0, self.time[np.maximum(exit_rows, 0)], self.end_min)
        waits = left - self.time[entry_rows]
        return self.contact[entry_rows], self.group[entry_rows], waits

    def work_episodes(self):
        """Every piece of work: (contact, group, start_min, end_min, is_first_contact); work
        still going on at the end of the run ends at the end."""
        starts = np.flatnonzero((self.event == ANSWERED) | (self.event == ASSIGNED))
        ends = np.flatnonzero(self.event == HANDLED)
        s, e = _pair_by_contact(self.contact, starts, ends, keep_unmatched=True)
        end_times = np.where(e >= 0, self.time[np.maximum(e, 0)], self.end_min)
        return (self.contact[s], self.group[s], self.time[s], end_times,
                self.event[s] == ANSWERED)

    def overtime_minutes(self, group: int, t0: float, t1: float) -> float:
        """Agent-minutes worked past the end of a shift in [t0, t1): each `overtime` row
        closes a stretch of `value` minutes that ends at its time."""
        rows = np.flatnonzero((self.event == OVERTIME) & (self.group == group))
        if rows.size == 0:
            return 0.0
        ends = self.time[rows]
        starts = ends - self.value[rows]
        return float(np.sum(np.clip(ends, t0, t1) - np.clip(starts, t0, t1)))

    def on_duty_minutes(self, group: int, t0: float, t1: float) -> float:
        """Agent-minutes on duty in [t0, t1), from the group's headcount changes."""
        rows = np.flatnonzero((self.event == STAFF) & (self.group == group))
        if rows.size == 0:
            return 0.0
        times = self.time[rows]
        levels = self.value[rows]
        seg_end = np.append(times[1:], max(self.end_min, times[-1]))
        lo = np.clip(times, t0, t1)
        hi = np.clip(seg_end, t0, t1)
        return float(np.sum(levels * (hi - lo)))


def _pair_by_contact(contact: np.ndarray, first: np.ndarray, second: np.ndarray,
                     keep_unmatched: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pair the k-th `first` row of each contact with its k-th `second` row.

    Rows are in time order and a contact is in at most one queue (or one piece of work) at a
    time, so the k-th entry of a contact belongs with its k-th exit. Returns matched row
    indexes; with `keep_unmatched`, unmatched `first` rows are returned with -1 as partner.
    """
    def keyed(rows: np.ndarray) -> np.ndarray:
        order = np.argsort(contact[rows], kind="stable")
        rows = rows[order]
        c = contact[rows].astype(np.int64)
        if rows.size == 0:
            return rows, c
        block_start = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        counts = np.diff(np.r_[block_start, rows.size])
        ordinal = np.arange(rows.size) - np.repeat(block_start, counts)
        return rows, c * 64 + ordinal

    first_rows, first_keys = keyed(first)
    second_rows, second_keys = keyed(second)
    pos = np.searchsorted(second_keys, first_keys)
    pos_ok = np.minimum(pos, max(second_keys.size - 1, 0))
    found = (pos < second_keys.size) & (second_keys[pos_ok] == first_keys) if second_keys.size \
        else np.zeros(first_keys.size, dtype=bool)
    if keep_unmatched:
        partner = np.where(found, second_rows[pos_ok] if second_rows.size else -1, -1)
        return first_rows, partner
    return first_rows[found], second_rows[pos_ok[found]]


def compute_kpis(outcome: Outcome) -> dict[str, float | None]:
    """All key figures of a run as a flat {name: value} dict (None where undefined)."""
    v = LogView(outcome)
    scenario = outcome.scenario
    names = v.names
    kpis: dict[str, float | None] = {}
    counted = v.counted
    phone = names.channels.index("phone")

    answered = counted & ~np.isnan(v.answered)
    abandoned = counted & ~np.isnan(v.abandoned)
    still_waiting = counted & np.isnan(v.answered) & np.isnan(v.abandoned)
    # a contact still in the queue at the end counts with its wait so far: an unstaffed
    # mailbox must show as a long wait, not vanish from the figures
    wait = np.where(answered, v.answered - v.arrived,
                    np.where(abandoned, v.abandoned - v.arrived, v.end_min - v.arrived))
    is_phone = v.contact_channel == phone

    kpis["contacts"] = float(counted.sum())
    kpis["answered"] = float(answered.sum())
    kpis["abandoned"] = float(abandoned.sum())
    kpis["still_waiting"] = float(still_waiting.sum())
    phone_done = (answered | abandoned) & is_phone
    kpis["abandonment_rate"] = _share(abandoned[phone_done])
    kpis["asa_min"] = _mean(wait[answered & is_phone])
    kpis["mean_wait_min"] = _mean(wait[counted])
    kpis["p_wait"] = _share(wait[counted] > 0)
    # the same figures exist in every replication: which ones is up to the scenario
    channels = sorted({ch for c in scenario.categories for ch in scenario.channels_of(c)},
                      key=names.channels.index)
    priorities = sorted({c.priority for c in scenario.categories})
    for name in channels:
        of_channel = counted & (v.contact_channel == names.channels.index(name))
        kpis[f"mean_wait_min_{name}"] = _mean(wait[of_channel])
    for p in priorities:
        kpis[f"mean_wait_min_p{p}"] = _mean(wait[counted & (v.contact_priority == p)])

    # Waits in each group's queue (first contact and resolver stages alike).
    q_contact, q_group, q_wait = v.queue_waits()
    q_counted = counted[q_contact]
    for g, group_id in enumerate(names.groups):
        kpis[f"mean_wait_min_{group_id}"] = _mean(q_wait[q_counted & (q_group == g)])

    # First-contact resolution and handling.
    resolved = counted & ~np.isnan(v.resolved)
    # a request the desk turned down was handled at first contact, and not resolved
    declined = counted & ~np.isnan(v.first_time(DECLINED))
    first_handled = answered & (resolved | (v.escalations > 0) | declined)
    kpis["fcr"] = _share(((v.escalations == 0) & ~declined)[first_handled])
    # (the same figures in every replication: decided by the scenario, not by what happened)
    can_decline = any(c.declined > 0 for c in scenario.categories) or any(
        e.target.endswith(".declined") for lever in scenario.levers for e in lever.effects)
    if can_decline:
        kpis["declined"] = float(declined.sum())
        kpis["decline_rate"] = _share(declined[first_handled])
    w_contact, w_group, w_start, w_end, w_first = v.work_episodes()
    # first-contact work is the episode that began with "answered"; unfinished work is left out
    first_contact_work = w_first & counted[w_contact] & (w_end < v.end_min)
    kpis["handle_min"] = _mean((w_end - w_start)[first_contact_work])

    # Resolution and SLAs.
    ttr = v.resolved - v.arrived
    kpis["mttr_min"] = _mean(ttr[resolved])
    for p in priorities:
        kpis[f"mttr_min_p{p}"] = _mean(ttr[resolved & (v.contact_priority == p)])
    _sla_figures(v, kpis, scenario, outcome.calendar, counted, abandoned, priorities)

    # Backlog: open contacts and tickets over the counted period.
    times, open_counts = backlog_steps(v)
    kpis["backlog_end"] = float(open_counts[-1]) if open_counts.size else 0.0
    kpis["backlog_mean"] = _time_average(times, open_counts, v.warmup_min, v.end_min)

    # Utilisation and cost, over the counted period.
    staff_cost = 0.0
    supplier_cost = 0.0
    work_minutes = np.clip(w_end, v.warmup_min, v.end_min) - np.clip(w_start, v.warmup_min,
                                                                     v.end_min)
    live_groups = {g.id: g for g in scenario.teams}
    suppliers = {s.id: s for s in scenario.suppliers}
    overtime_cost = overtime_minutes = 0.0
    for g, group_id in enumerate(names.groups):
        duty = v.on_duty_minutes(g, v.warmup_min, v.end_min)
        busy = float(work_minutes[w_group == g].sum())
        kpis[f"utilisation_{group_id}"] = busy / duty if duty > 0 else None
        if group_id in live_groups:
            team = live_groups[group_id]
            # time on duty past the end of a shift is overtime, paid at its own rate
            extra = v.overtime_minutes(g, v.warmup_min, v.end_min)
            overtime_minutes += extra
            staff_cost += (duty - extra) / 60.0 * team.cost_per_hour
            overtime_cost += extra / 60.0 * team.cost_per_hour * team.overtime_rate
        elif group_id in suppliers:
            taken = (v.event == ASSIGNED) & (v.group == g) & (v.time >= v.warmup_min)
            supplier_cost += float(taken.sum()) * suppliers[group_id].cost_per_ticket
    kpis["cost_staff"] = staff_cost
    kpis["cost_overtime"] = overtime_cost
    kpis["overtime_hours"] = overtime_minutes / 60.0
    kpis["cost_suppliers"] = supplier_cost
    levers_cost = float(v.value[v.event == LEVER].sum())
    kpis["cost_levers"] = levers_cost

    # Moments of truth, satisfaction and lost business time (sim.moments): only where there
    # are departments — the queueing scenarios have nobody to satisfy, and the validation
    # suite calls this thousands of times on their long logs.
    lost_business = 0.0
    if scenario.departments:
        from sim.moments import balanced_score, key_figures

        kpis.update(key_figures(v))
        lost_business = kpis["cost_lost_business"]
    else:
        kpis["cost_lost_business"] = 0.0  # nobody's work to lose
    kpis["cost_total"] = staff_cost + overtime_cost + supplier_cost + levers_cost + lost_business
    if scenario.departments:
        kpis["score"] = balanced_score(kpis["satisfaction"], kpis["cost_total"],
                                       kpis.get("sla_breach_rate"), scenario.score)
    return kpis


def _sla_figures(v: LogView, kpis: dict, scenario, calendar, counted: np.ndarray,
                 abandoned: np.ndarray, priorities: list[int]) -> None:
    sla = scenario.sla
    if sla is None:
        return

    def elapsed(t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        if sla.basis == "business":
            return calendar.business_minutes_between(t0, t1)
        return t1 - t0

    # a request turned down was never going to be fulfilled: no resolve target to keep
    tickets = counted & ~abandoned & np.isnan(v.first_time(DECLINED))
    end = np.full(v.n_contacts, v.end_min)
    resolved_or_now = np.where(np.isnan(v.resolved), end, v.resolved)
    answered_or_now = np.where(np.isnan(v.answered), end, v.answered)
    took = elapsed(v.arrived, resolved_or_now) if v.n_contacts else np.zeros(0)
    waited = elapsed(v.arrived, answered_or_now) if v.n_contacts else np.zeros(0)
    all_breach, all_known = [], []
    respond_breach, respond_known = [], []
    for p in priorities:
        target = sla.target(p)
        if target is None:
            continue
        of_p = tickets & (v.contact_priority == p)
        if target.resolve is not None:
            breached = of_p & (took > target.resolve)
            known = breached | (of_p & ~np.isnan(v.resolved))
            kpis[f"sla_breach_rate_p{p}"] = _share(breached[known])
            all_breach.append(breached[known])
            all_known.append(known.sum())
        if target.respond is not None:
            breached = of_p & (waited > target.respond)
            known = breached | (of_p & ~np.isnan(v.answered))
            respond_breach.append(breached[known])
            respond_known.append(known.sum())
    if all_breach:
        kpis["sla_breach_rate"] = _share(np.concatenate(all_breach))
    if respond_breach:
        kpis["sla_respond_breach_rate"] = _share(np.concatenate(respond_breach))


def backlog_steps(v: LogView) -> tuple[np.ndarray, np.ndarray]:
    """Open contacts and tickets as a step function: (times, open count from that time on)."""
    opens = v.event == ARRIVAL
    closes = (v.event == RESOLVED) | (v.event == ABANDONED) | (v.event == DECLINED)
    rows = np.flatnonzero(opens | closes)
    step = np.where(opens[rows], 1, -1)
    return v.time[rows], np.cumsum(step)


def backlog_over_time(outcome: Outcome, step_min: float = 60.0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Open contacts and tickets sampled every `step_min` minutes from 0 to the end."""
    v = LogView(outcome)
    times, counts = backlog_steps(v)
    grid = np.arange(0.0, v.end_min + step_min / 2, step_min)
    idx = np.searchsorted(times, grid, side="right") - 1
    return grid, np.where(idx >= 0, counts[np.maximum(idx, 0)] if counts.size else 0, 0)


def _time_average(times: np.ndarray, values: np.ndarray, t0: float, t1: float) -> float | None:
    if t1 <= t0:
        return None
    if times.size == 0:
        return 0.0
    seg_end = np.append(times[1:], t1)
    lo = np.clip(times, t0, t1)
    hi = np.clip(seg_end, t0, t1)
    # value before the first change is 0
    return float(np.sum(values * (hi - lo)) / (t1 - t0))


# ---------------------------------------------------------------------------------------------
# Names people read
# ---------------------------------------------------------------------------------------------

#: label and unit of each key figure ("count", "share", "min", "money", "hours", "points":
#: a 0-100 scale); the same words on every screen, table and report.
KPI_LABELS: dict[str, tuple[str, str]] = {
    "contacts": ("Contacts", "count"),
    "answered": ("Answered", "count"),
    "abandoned": ("Gave up before being answered (phone, walk-in)", "count"),
    "still_waiting": ("Still waiting at the end", "count"),
    "abandonment_rate": ("Abandonment rate (phone)", "share"),
    "asa_min": ("Average speed of answer (phone)", "min"),
    "mean_wait_min": ("Mean wait, all contacts", "min"),
    "p_wait": ("Share who had to wait", "share"),
    "fcr": ("First-contact resolution", "share"),
    "declined": ("Requests turned down (no such service)", "count"),
    "decline_rate": ("Share of contacts turned down", "share"),
    "handle_min": ("Mean handle time, first contact", "min"),
    "mttr_min": ("Mean time to resolve", "min"),
    "sla_breach_rate": ("SLA breaches (resolve)", "share"),
    "sla_respond_breach_rate": ("SLA breaches (respond)", "share"),
    "backlog_mean": ("Open contacts and tickets, average", "count"),
    "backlog_end": ("Open contacts and tickets at the end", "count"),
    "cost_staff": ("Cost of staff time", "money"),
    "cost_overtime": ("Overtime (past shift end)", "money"),
    "overtime_hours": ("Overtime hours", "hours"),
    "cost_suppliers": ("Supplier fees", "money"),
    "cost_levers": ("Levers pulled", "money"),
    "cost_lost_business": ("Lost business time", "money"),
    "cost_total": ("Total cost (IT and lost business time)", "money"),
    "lost_work_hours": ("Working time lost (person-hours)", "hours"),
    "satisfaction": ("Satisfaction at the end (0-100)", "points"),
    "moments_good": ("Good moments of truth (score 75+)", "count"),
    "moments_bad": ("Bad moments of truth (score below 60)", "count"),
    "csat": ("CSAT (satisfied or very satisfied)", "share"),
    "csat_issues": ("Issues over, asked for CSAT", "count"),
    "score": ("Balanced score (0-100)", "points"),
}
#: the section of figures whose section is not told by their unit
_SECTION_OF = {"lost_work_hours": "Cost", "overtime_hours": "Cost", "satisfaction": "Satisfaction",
               "moments_good": "Satisfaction", "moments_bad": "Satisfaction",
               "csat": "Satisfaction", "csat_issues": "Satisfaction",
               "score": "Key figures"}
CHANNEL_LABELS = {"phone": "phone", "email": "e-mail", "portal": "portal", "walk_in": "walk-in"}

#: Sections of a table of key figures, in reading order.
KPI_SECTIONS = ("Key figures", "Satisfaction", "By channel", "By priority",
                "Teams and suppliers", "Cost")


def kpi_label(name: str, scenario: Any = None) -> tuple[str, str]:
    """(label, unit) of a key figure, for tables and screens. With the `scenario`, a
    figure about one department, team or supplier names it as the debrief does (its short
    name: "Satisfaction — HR and Administration", "Utilisation — Softphone vendor"); without
    it, or for an id the scenario does not declare, by its id."""
    return _describe(name, _names_of(scenario))[1:]


def kpi_section(name: str) -> str:
    """Which section of `KPI_SECTIONS` a key figure belongs in."""
    return _describe(name)[0]


def _names_of(scenario: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(departments, teams and suppliers) of a scenario by id, each in its short name
    (`sim.names.short_name`); empty without a scenario."""
    if scenario is None:
        return {}, {}
    from sim.names import short_name

    def named(things) -> dict[str, str]:
        return {t.id: short_name(getattr(t, "name", None), t.id) for t in things}

    return named(scenario.departments), named([*scenario.teams, *scenario.suppliers])


def _describe(name: str, names: tuple[dict[str, str], dict[str, str]] = ({}, {})
              ) -> tuple[str, str, str]:
    departments, groups = names
    if name in KPI_LABELS:
        label, unit = KPI_LABELS[name]
        section = _SECTION_OF.get(name, "Cost" if unit == "money" else "Key figures")
        return section, label, unit
    if name.startswith("satisfaction_"):
        department = name[len("satisfaction_"):]
        return ("Satisfaction", f"Satisfaction — {departments.get(department, department)}",
                "points")
    match = re.fullmatch(r"(mean_wait_min|mttr_min|sla_breach_rate)_p([1-5])", name)
    if match:
        base, priority = match.groups()
        label, unit = {"mean_wait_min": ("Mean wait", "min")}.get(base) or KPI_LABELS[base]
        return "By priority", f"{label}, P{priority}", unit
    if name.startswith("mean_wait_min_"):
        rest = name[len("mean_wait_min_"):]
        if rest in CHANNEL_LABELS:
            return "By channel", f"Mean wait, {CHANNEL_LABELS[rest]}", "min"
        return "Teams and suppliers", f"Mean wait in queue — {groups.get(rest, rest)}", "min"
    if name.startswith("utilisation_"):
        group = name[len("utilisation_"):]
        return "Teams and suppliers", f"Utilisation — {groups.get(group, group)}", "share"
    return "Key figures", name, "count"


def percent_goals(goals: Any) -> list[tuple[str, str, str]]:
    """Bounds of goals on shares written in percent, in a file's raw `goals` mapping:
    `abandonment_rate: {at_most: 8}` meant 8%, and every run would meet it silently.
    Returns (key figure, bound, what was expected) for each, to be located by the caller."""
    found = []
    for name, goal in goals.items() if isinstance(goals, dict) else []:
        if not isinstance(name, str) or not isinstance(goal, dict) \
                or kpi_label(name)[1] != "share":
            continue
        for bound in ("at_most", "at_least"):
            value = goal.get(bound)
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and math.isfinite(value) and not 0 <= value <= 1:
                example = f"{value / 100:g} for {value:g}%" if 1 < value <= 100 else "0.08 for 8%"
                found.append((name, bound, f"{name} is a share: expected a share between 0 "
                                           f"and 1, e.g. {example}, got {value:g}"))
    return found


#: The key figures about the people IT serves: only a scenario with departments has them.
PEOPLE_KPIS = frozenset({"satisfaction", "csat", "csat_issues", "moments_good", "moments_bad",
                         "lost_work_hours", "score"})


def kpi_names(scenario) -> set[str]:
    """Every key figure a run of this scenario can report (goals must name one of them)."""
    channels = {ch for c in scenario.categories for ch in scenario.channels_of(c)}
    priorities = {c.priority for c in scenario.categories}
    groups = [t.id for t in scenario.teams] + [s.id for s in scenario.suppliers]
    names = (set(KPI_LABELS) - PEOPLE_KPIS) | {"still_waiting", "declined", "decline_rate"}
    names |= {f"mean_wait_min_{ch}" for ch in channels}
    for p in priorities:
        names |= {f"mean_wait_min_p{p}", f"mttr_min_p{p}", f"sla_breach_rate_p{p}"}
    for g in groups:
        names |= {f"mean_wait_min_{g}", f"utilisation_{g}"}
    if scenario.departments:  # the figures about people need people
        names |= PEOPLE_KPIS
        names |= {f"satisfaction_{d.id}" for d in scenario.departments}
    return names
