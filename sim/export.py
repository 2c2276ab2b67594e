"""Export a run's event log as CSV, in the column names of real ITSM event logs.

The columns follow the UCI ServiceNow incident event log (Amaral et al. 2018; see
docs/data-sources.md), so a simulated week can be opened with the same tools, and compared
with the same queries, as a real one:

    number, incident_state, active, reassignment_count, made_sla, opened_at, sys_updated_at,
    contact_type, category, cmdb_ci, impact, urgency, priority, assignment_group, assigned_to,
    resolved_at, closed_at

followed by columns of our own: `event` (the engine's event name), `time_min` (minutes since
the start of the run) and `department` (the caller's department). One row per event about a
contact or ticket; the log's rows about teams (`staff`) and about the story (levers,
settings, changes, injects: see `sim.eventlog.STORY_EVENTS`) are not tickets and are left
out. States follow ServiceNow's words: New, Active, Awaiting Vendor (with a supplier),
Awaiting User Info (pending), Resolved, Closed — and Abandoned for a caller who hung up,
which a ticketing tool never sees. Unknown values are written `?`, as in the UCI log. Times
are ISO 8601 (`2026-03-02 09:15:30`) from the scenario's calendar.
"""

from __future__ import annotations

import csv
import io
import os
from typing import TYPE_CHECKING

import numpy as np

from sim.eventlog import ABANDONED, CLOSED, ESCALATED, EVENTS, OVERTIME, STAFF, STORY_EVENTS

if TYPE_CHECKING:
    from sim.engine import Outcome

CSV_COLUMNS = (
    "number", "incident_state", "active", "reassignment_count", "made_sla", "opened_at",
    "sys_updated_at", "contact_type", "category", "cmdb_ci", "impact", "urgency", "priority",
    "assignment_group", "assigned_to", "resolved_at", "closed_at",
    "event", "time_min", "department",
)

STATE_OF_EVENT = {
    "arrival": "New", "answered": "Active", "abandoned": "Abandoned", "handled": "Active",
    "escalated": "Active", "assigned": "Active", "resolved": "Resolved", "closed": "Closed",
    "pending": "Awaiting User Info",
    "declined": "Canceled",
}
CONTACT_TYPE = {"phone": "Phone", "email": "Email", "portal": "Self service", "walk_in": "Walk-in"}
PRIORITY_TEXT = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low",
                 5: "5 - Planning"}
LEVEL_TEXT = {1: "1 - High", 2: "2 - Medium", 3: "3 - Low"}
UNKNOWN = "?"


def write_events_csv(outcome: Outcome, destination: str | os.PathLike | io.TextIOBase) -> int:
    """Write the event log as CSV; returns the number of rows written."""
    if isinstance(destination, (str, os.PathLike)):
        with open(destination, "w", newline="", encoding="utf-8") as handle:
            return write_events_csv(outcome, handle)
    writer = csv.writer(destination)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for row in event_rows(outcome):
        writer.writerow(row)
        rows += 1
    return rows


def event_rows(outcome: Outcome):
    """The CSV rows (without header), one per event."""
    from sim.kpis import LogView

    view = LogView(outcome)
    log = outcome.log
    names = log.names
    scenario = outcome.scenario
    calendar = outcome.calendar
    categories = {c.id: c for c in scenario.categories}
    stamp_cache: dict[float, str] = {}

    def stamp(t: float) -> str:
        if np.isnan(t):
            return UNKNOWN
        text = stamp_cache.get(t)
        if text is None:
            text = calendar.timestamp(t).isoformat(sep=" ", timespec="seconds")
            stamp_cache[t] = text
        return text

    made_sla = _made_sla(view, outcome)
    closed_at = view.first_time(CLOSED)
    escalations_so_far: dict[int, int] = {}
    closed_or_gone: set[int] = set()
    for i in range(len(view.time)):
        t = float(view.time[i])
        code = int(view.event[i])
        event = EVENTS[code]
        group = int(view.group[i])
        group_name = names.groups[group] if group >= 0 else ""
        agent = int(view.agent[i])
        if code in (STAFF, OVERTIME) or code in STORY_EVENTS:
            continue  # about teams or the story, not a ticket
        state = STATE_OF_EVENT[event]
        if state == "Active" and names.group_kinds[group] == "supplier":
            state = "Awaiting Vendor"
        c = int(view.contact[i])
        category = categories[names.categories[int(view.contact_category[c])]]
        if code == ESCALATED:
            escalations_so_far[c] = escalations_so_far.get(c, 0) + 1
        if code in (CLOSED, ABANDONED):
            closed_or_gone.add(c)
        prefix = "REQ" if category.kind == "request" else "INC"
        department = int(view.contact_department[c])
        yield (
            f"{prefix}{c + 1:07d}",
            state,
            "false" if c in closed_or_gone else "true",
            escalations_so_far.get(c, 0),
            made_sla[c],
            stamp(float(view.arrived[c])),
            stamp(t),
            CONTACT_TYPE[names.channels[int(view.contact_channel[c])]],
            category.id,
            category.service or UNKNOWN,
            LEVEL_TEXT[category.impact],
            LEVEL_TEXT[category.urgency],
            PRIORITY_TEXT[int(view.contact_priority[c])],
            group_name,
            f"{group_name} #{agent + 1}" if agent >= 0 else UNKNOWN,
            stamp(float(view.resolved[c])),
            stamp(float(closed_at[c])),
            event,
            f"{t:.4f}",
            names.departments[department] if department >= 0 else UNKNOWN,
        )


def _made_sla(view, outcome: Outcome) -> list[str]:
    """Per contact: 'true' / 'false' against its priority's resolve target, '?' unknown."""
    sla = outcome.scenario.sla
    result = [UNKNOWN] * view.n_contacts
    if sla is None:
        return result
    for c in range(view.n_contacts):
        target = sla.target(int(view.contact_priority[c]))
        if target is None or target.resolve is None or not np.isnan(view.abandoned[c]):
            continue
        start = float(view.arrived[c])
        end = float(view.resolved[c]) if not np.isnan(view.resolved[c]) else view.end_min
        if sla.basis == "business":
            took = outcome.calendar.business_minutes_between(start, end)
        else:
            took = end - start
        if took > target.resolve:
            result[c] = "false"
        elif not np.isnan(view.resolved[c]):
            result[c] = "true"
    return result

