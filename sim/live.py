"""Figures of a run so far, while it runs: what decision points watch, and what a dashboard
shows. Read from the event log as it grows (each update reads only the rows added since the
last one), and from the live queues for what is waiting right now.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.eventlog import ABANDONED, ANSWERED, ARRIVAL, DECLINED, RESOLVED
from sim.scenario import CHANNELS, Condition

if TYPE_CHECKING:
    from sim.engine import Simulation

PHONE = CHANNELS.index("phone")
HOUR_MIN = 60.0


class LiveStats:
    """Counters kept up to date from the log of a running simulation."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self._read = 0
        self._arrivals: deque[float] = deque()
        self._phone_outcomes: deque[tuple[float, float, bool]] = deque()  # (when, wait, gave up)
        self._arrived: dict[int, float] = {}
        self._resolved = 0
        self._resolved_late = 0
        self._phone_arrival: dict[int, float] = {}

    def update(self) -> None:
        """Read the rows added to the log since the last update."""
        log = self.sim.log
        if len(log.events) == self._read:
            return  # nothing new since the last check (most checks between busy moments)
        rows = log.events_since(self._read)
        n = len(rows["time_min"])
        if n == 0:
            return
        self._read += n
        contacts = log.contact_columns()
        channel = contacts["channel"]
        for t, event, contact in zip(rows["time_min"].tolist(), rows["event"].tolist(),
                                     rows["contact"].tolist(), strict=True):
            if event == ARRIVAL:
                self._arrivals.append(t)
                self._arrived[contact] = t
                if channel[contact] == PHONE:
                    self._phone_arrival[contact] = t
            elif event in (ANSWERED, ABANDONED) and contact in self._phone_arrival:
                arrived = self._phone_arrival.pop(contact)
                self._phone_outcomes.append((t, t - arrived, event == ABANDONED))
            elif event == RESOLVED:
                self._resolved += 1
                self._resolved_late += self._late(contacts["priority"][contact],
                                                  self._arrived.get(contact, t), t)
            if event in (ABANDONED, RESOLVED, DECLINED):
                self._arrived.pop(contact, None)  # (a request turned down keeps no SLA)

    def _late(self, priority: int, arrived: float, now: float) -> bool:
        sla = self.sim.scenario.sla
        if sla is None:
            return False
        target = sla.target(int(priority))
        if target is None or target.resolve is None:
            return False
        if sla.basis == "business":
            took = self.sim.calendar.business_minutes_between(arrived, now)
        else:
            took = now - arrived
        return took > target.resolve

    def _last_hour(self, now: float) -> None:
        while self._arrivals and self._arrivals[0] <= now - HOUR_MIN:
            self._arrivals.popleft()
        while self._phone_outcomes and self._phone_outcomes[0][0] <= now - HOUR_MIN:
            self._phone_outcomes.popleft()

    def value(self, metric: str) -> float | None:
        """The metric's value now (None when it is undefined, e.g. no calls in the hour)."""
        sim = self.sim
        now = float(sim.env.now)
        base, _, which = metric.partition(".")
        self._last_hour(now)
        if base == "phone_waiting":
            return float(sum(g.waiting_by_channel[PHONE] for g in sim.groups))
        if base == "waiting":
            return float(sim.group_by_id[which].waiting)
        if base == "backlog":
            return float(sim.open_contacts)
        if base == "contacts_last_hour":
            return float(len(self._arrivals))
        if base == "abandonment_rate_last_hour":
            outcomes = self._phone_outcomes
            return sum(gave_up for *_, gave_up in outcomes) / len(outcomes) if outcomes else None
        if base == "asa_min_last_hour":
            waits = [wait for _, wait, gave_up in self._phone_outcomes if not gave_up]
            return float(np.mean(waits)) if waits else None
        if base == "sla_breach_rate":
            priority = self.sim.log.contact_columns()["priority"]
            open_late = sum(self._late(priority[c], t, now) for c, t in self._arrived.items())
            known = self._resolved + open_late
            return (self._resolved_late + open_late) / known if known else None
        if base == "satisfaction":
            from sim.moments import satisfaction_now

            return satisfaction_now(sim.outcome(), which or None)
        raise KeyError(metric)

    def holds(self, condition: Condition) -> bool:
        value = self.value(condition.metric)
        if value is None:
            return False
        if condition.above is not None:
            return value > condition.above
        return value < condition.below
