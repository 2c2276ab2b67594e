"""Where contacts come from: arrival sources.

Each source makes contacts of one category: the category's usual arrivals (shaped by its
profile), or the extra demand of a change, a failed change or an inject (fading with a
half-life counted in working time).

Common random numbers, even when decisions change demand. A source generates *candidate*
arrivals at an upper bound of its intensity — the most any lever or inject in the scenario
could make it — and accepts each candidate with the share in force at that moment, drawn
from its own stream. Every candidate also draws its rows of uniforms, accepted or not. So
when a lever cuts how-to questions by 40%, the contacts that still come are exactly the
same people, at the same moments, with the same luck, as in the run without the lever:
only the ones the lever prevented are missing. When nothing in the scenario can change a
source's volume, there is nothing to thin and no acceptance draws are made.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.calendar import ArrivalIntensity
from sim.timing import Call, cumulative, pick

if TYPE_CHECKING:
    from sim.engine import LiveCategory, Simulation

# Positions in a contact's first row of uniforms (used by every contact). Fixed, so that
# contact k of a source draws the same numbers whatever the scenario's parameters are.
(U_DEPARTMENT, U_CHANNEL, U_HANDLE, U_FCR, U_PATIENCE, U_USER, U_RETRY, U_RETRY_DELAY,
 U_RETRY_CHANNEL, U_DECLINE) = range(10)
FIRST_ROW_WIDTH = 10


class Audience:
    """The people a source's contacts come from: departments weighted by headcount, and how
    each reaches IT (channel table per department)."""

    def __init__(self, sim: Simulation, departments: list, category: LiveCategory,
                 channels: dict[str, float] | None = None):
        from sim.engine import channel_table

        self.department_index = [sim.department_index[d.id] for d in departments]
        self.headcount = [d.headcount for d in departments]
        total = sum(self.headcount)
        self.users = total
        self.cumulative = cumulative([h / total for h in self.headcount]) if total else []
        self.several = len(departments) > 1
        model = category.model
        if channels is not None:
            tables = [channel_table(channels)] * max(1, len(departments))
        elif model.channel is not None:
            tables = [channel_table({model.channel: 1.0})] * max(1, len(departments))
        elif model.channels is not None:
            tables = [channel_table(model.channels)] * max(1, len(departments))
        elif departments:
            tables = [channel_table(d.channels or {"phone": 1.0}) for d in departments]
        else:
            tables = [channel_table({"phone": 1.0})]
        self.channel_tables = tables


class Source:
    """Makes the contacts of one category from one cause. Subclasses say when candidates
    arrive (`next_candidate`) and what share of them is accepted now (`accepted_share`)."""

    def __init__(self, sim: Simulation, index: int, label: str, category: LiveCategory,
                 audience: Audience, upper_bound: float, thinned: bool):
        self.sim = sim
        self.env = sim.env
        self.horizon_min = sim.horizon_min
        self.index = index
        self.label = label
        self.category = category
        self.audience = audience
        self.upper_bound = upper_bound
        self.thinned = thinned
        self.active = True
        self.candidates = 0
        streams = sim.streams
        self.gaps = streams.exponentials(f"arrivals/{label}")
        self.draws = streams.uniform_rows(f"contacts/{label}", FIRST_ROW_WIDTH)
        self.ticket_draws = streams.uniform_row_blocks(f"tickets/{label}", sim.ticket_row_width)
        self.accept = streams.uniform_rows(f"accept/{label}", 1) if thinned else None
        # people who gave up and try again draw from streams of their own (see engine)
        self.retry_draws = streams.uniform_rows(f"retries/{label}", FIRST_ROW_WIDTH)
        self.retry_ticket_draws = streams.uniform_row_blocks(f"retry-tickets/{label}",
                                                             sim.ticket_row_width)
        self._arrive = self.arrive  # bound once: it is handed to SimPy for every arrival

    def start(self, now: float) -> None:
        self.schedule_next(now)

    def stop(self) -> None:
        self.active = False

    def next_candidate(self, now: float) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def accepted_share(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def schedule_next(self, now: float) -> None:
        at = self.next_candidate(now)
        if at < self.horizon_min:
            Call(self.env, at - now, None, self._arrive)

    def arrive(self, event) -> None:
        """A candidate arrives: it draws its luck, and becomes a contact if accepted: who
        (department, person) and how (channel), by its own draws."""
        if not self.active:
            return
        now = self.env._now
        seq = self.candidates
        self.candidates = seq + 1
        draws = self.draws.draw()
        ticket = self.ticket_draws.draw()
        if self.accept is None or self.accept.draw()[0] < self.accepted_share():
            audience = self.audience
            which = pick(audience.cumulative, draws[U_DEPARTMENT]) if audience.several else 0
            table, channels = audience.channel_tables[which]
            channel = channels[pick(table, draws[U_CHANNEL])] if len(channels) > 1 \
                else channels[0]
            if audience.department_index:
                department = audience.department_index[which]
                user = int(draws[U_USER] * audience.headcount[which])
            else:
                department, user = -1, 0
            self.sim.open_contact(self, self.category, seq, channel, department, user, draws,
                                  ticket, 0, -1, now)
        self.schedule_next(now)


class UsualArrivals(Source):
    """A category's own arrivals: Poisson, shaped by its profile and calendar."""

    def __init__(self, sim: Simulation, index: int, category: LiveCategory,
                 intensity: ArrivalIntensity, audience: Audience, upper_bound: float,
                 thinned: bool):
        super().__init__(sim, index, f"category:{category.id}", category, audience,
                         upper_bound, thinned)
        self.intensity = intensity
        intensity.scale = upper_bound

    def next_candidate(self, now: float) -> float:
        return self.intensity.next_arrival(now, self.gaps.draw(), self.sim.horizon_min)

    def accepted_share(self) -> float:
        return min(1.0, self.category.arrival_factor / self.upper_bound)


class FadingDemand(Source):
    """Extra demand that starts at a moment and fades: N contacts expected in all, arriving
    at a rate that halves every half-life of working time (business minutes), spread
    evenly over business hours. Candidates come at N x upper bound; the share in force
    (`factor()` of the owner, e.g. a change's preparation) thins them."""

    def __init__(self, sim: Simulation, index: int, label: str, category: LiveCategory,
                 audience: Audience, expected_contacts: float, half_life_business_min: float,
                 factor, upper_bound: float, thinned: bool):
        super().__init__(sim, index, label, category, audience, upper_bound, thinned)
        self.expected = expected_contacts * upper_bound
        self.decay = math.log(2) / half_life_business_min
        self.factor = factor
        self.started_min = 0.0
        self._spent = 0.0  # unit exponentials used up so far (the cumulative intensity)

    def start(self, now: float) -> None:
        self.started_min = now
        self.schedule_next(now)

    def next_candidate(self, now: float) -> float:
        self._spent += self.gaps.draw()
        if self._spent >= self.expected:
            return math.inf
        # invert N (1 - exp(-k s)) = spent for s, the business minutes since the start
        business = -math.log1p(-self._spent / self.expected) / self.decay
        return self.sim.calendar.add_business_minutes(self.started_min, business)

    def accepted_share(self) -> float:
        return min(1.0, self.factor() / self.upper_bound)
