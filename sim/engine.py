"""The simulation engine: a SimPy world of an IT service organisation.

Contacts arrive per category, wait for a first-contact agent (callers may hang up when their
patience runs out), are handled, resolved at first contact or escalated as tickets to a
resolver team or a supplier, queue there, are worked (possibly passed on) and resolved.

How it is built, and why:

- Agents are state, not processes. A group (team or supplier) keeps its idle agents in a
  queue and its waiting contacts in priority lanes; work is a SimPy `Timeout` whose callback
  ends the work episode and hands the agent the next contact. This is the same SimPy event
  machinery as the textbook "one process per customer with a Resource", at a fraction of its
  cost, which is what lets a designer run hundreds of replications.
- Patience is a timer only for callers who actually have to wait: a caller answered at once
  never gets one, and a timer that fires after its caller was answered does nothing.
- Every contact draws all its random numbers (a row of uniforms) when it is created, from
  its category's own stream, and times are made from them by inverse transform when the
  work starts. Two runs that differ in staffing therefore see exactly the same contacts.
- Everything observable is written to the event log (`sim.eventlog`) as it happens; key
  figures are computed from the log only (`sim.kpis`).

The front ends drive a `Simulation` with `advance(to_min)` and read a `Snapshot`; a headless
run calls `run()`. Both give the same event log, byte for byte.
"""

from __future__ import annotations

import gc
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from heapq import heappush

import simpy
from simpy.events import NORMAL, Timeout

from sim.calendar import ArrivalIntensity, WorkCalendar, staff_schedule
from sim.distributions import Sampler, make_sampler
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    CHUNK,
    CLOSED,
    ESCALATED,
    HANDLED,
    PENDING,
    RESOLVED,
    STAFF,
    EventLog,
    Names,
)
from sim.randomness import Streams
from sim.scenario import CHANNELS, LIVE_CHANNELS, Category, Scenario

ENGINE_VERSION = "0.1.0"

# Positions in a contact's rows of uniforms. Fixed, so that contact k of a category draws the
# same numbers whatever the scenario's parameters are. The first row is used by every contact;
# the ticket row only by contacts that are escalated.
U_DEPARTMENT, U_CHANNEL, U_HANDLE, U_FCR, U_PATIENCE = range(5)
FIRST_ROW_WIDTH = 5
MAX_RESOLVER_STAGES = 5  # the first escalation plus at most four reassignments
U_RESPONSE = 0  # the supplier's response time
U_RESOLVE = 1  # U_RESOLVE + stage - 1: the resolver's work time at that stage
U_REASSIGN = U_RESOLVE + MAX_RESOLVER_STAGES  # U_REASSIGN + stage - 1: passed on?
U_PENDING = U_REASSIGN + MAX_RESOLVER_STAGES  # does it wait on the user before resolution?
U_PENDING_TIME = U_PENDING + 1  # ... and for how long
TICKET_ROW_WIDTH = U_PENDING_TIME + 1

#: Queue lanes: live channels (someone is on the line or at the desk) before tickets.
CHANNEL_RANK = {ch: (0 if ch in LIVE_CHANNELS else 1) for ch in CHANNELS}
PRIORITY_LANES = 5


class Call(Timeout):
    """A SimPy timeout that calls `callback` with itself when it fires.

    The same as `Timeout(env, delay, value)` followed by `.callbacks.append(callback)`, in one
    step, and pushed onto the environment's event queue the way `Environment.schedule` does
    it (same key: time, priority, event id), without the extra method call. The engine creates
    two of these per contact, so the saving shows; `tests/test_engine.py` checks that the
    queue layout this relies on is still SimPy's.
    """

    def __init__(self, env: simpy.Environment, delay: float, value, callback):
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._delay = delay
        self._ok = True
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))


class Contact:
    """One contact and, once escalated, the ticket it becomes."""

    __slots__ = ("id", "category", "channel", "department", "priority",
                 "draws", "ticket_block", "ticket_row", "patience", "waiting", "stage", "group")

    def __init__(self, contact_id: int, category: LiveCategory, channel: int, department: int,
                 draws: list[float], ticket_draws: tuple,
                 patience: Sampler | None):
        self.id = contact_id
        self.category = category
        self.channel = channel
        self.department = department
        self.priority = category.priority
        self.draws = draws
        self.ticket_block, self.ticket_row = ticket_draws
        self.patience = patience
        self.waiting = False
        self.stage = 0  # 0 = first contact; 1.. = resolver stages
        self.group: Group | None = None  # the group whose queue it waits in

    def ticket_draws(self) -> list[float]:
        """The draws for the ticket's resolver stages, as Python floats (made on first use)."""
        block = self.ticket_block
        if block is not None:
            self.ticket_row = block[self.ticket_row].tolist()
            self.ticket_block = None
        return self.ticket_row


class Agent:
    """An agent of a team, or one capacity slot of a supplier."""

    __slots__ = ("number", "contact", "on_duty", "leaving")

    def __init__(self, number: int):
        self.number = number
        self.contact: Contact | None = None
        self.on_duty = False
        self.leaving = False


class Group:
    """A team or a supplier: agents (or capacity slots) and the contacts waiting for them."""

    def __init__(self, sim: Simulation, index: int, group_id: str, kind: str, tier: int,
                 discipline: str, cost_per_hour: float = 0.0, cost_per_ticket: float = 0.0):
        self.sim = sim
        self.index = index
        self.id = group_id
        self.kind = kind  # "team" or "supplier"
        self.tier = tier
        self.priority_queue = discipline == "priority"
        self.cost_per_hour = cost_per_hour
        self.cost_per_ticket = cost_per_ticket
        self.agents: list[Agent] = []
        self.idle: deque[Agent] = deque()
        self.on_duty = 0
        self.lanes: list[deque[Contact]] = [deque() for _ in range(2 * PRIORITY_LANES)]
        self.first_lane = len(self.lanes)  # no lane before this one holds anybody
        self.waiting = 0
        self.waiting_by_channel = [0] * len(CHANNELS)
        # Supplier timing (teams take their times from the category).
        self.response: Sampler | None = None
        self.resolve: Sampler | None = None
        self.business_hours = False
        self._work_done = self._on_work_done  # bound once: handed to SimPy for every piece of work

    # -- contacts --------------------------------------------------------------------------------

    def offer(self, contact: Contact, now: float) -> None:
        """A contact reaches this group: an idle agent takes it, or it joins the queue."""
        if self.idle:
            self._start(self.idle.popleft(), contact, now)
            return
        contact.group = self
        if self.priority_queue:
            rank = CHANNEL_RANK_BY_INDEX[contact.channel] if contact.stage == 0 else 0
            lane = rank * PRIORITY_LANES + contact.priority - 1
        else:
            lane = 0
        contact.waiting = True
        self.lanes[lane].append(contact)
        if lane < self.first_lane:
            self.first_lane = lane
        self.waiting += 1
        self.waiting_by_channel[contact.channel] += 1
        if contact.stage == 0 and contact.patience is not None:
            Call(self.sim.env, contact.patience.sample(contact.draws[U_PATIENCE]), contact,
                 self.sim._patience_out)

    def _next_waiting(self) -> Contact | None:
        lanes = self.lanes
        for index in range(self.first_lane, len(lanes)):
            lane = lanes[index]
            while lane:
                contact = lane.popleft()
                if contact.waiting:  # callers who hung up are skipped (they left already)
                    contact.waiting = False
                    self.waiting -= 1
                    self.waiting_by_channel[contact.channel] -= 1
                    self.first_lane = index
                    return contact
        self.first_lane = len(lanes)
        return None

    def remove_waiting(self, contact: Contact) -> None:
        """A waiting contact leaves the queue (hung up). It stays in its lane, marked, and is
        skipped when reached: removing it from the middle of a deque would cost O(n)."""
        contact.waiting = False
        self.waiting -= 1
        self.waiting_by_channel[contact.channel] -= 1

    def _start(self, agent: Agent, contact: Contact, now: float) -> None:
        """An agent (or a supplier's slot) takes a contact."""
        agent.contact = contact
        stage = contact.stage
        if stage == 0:
            self._work(agent, ANSWERED, contact.category.handle.sample(contact.draws[U_HANDLE]),
                       now)
        elif self.kind == "team":
            work = contact.category.resolve.sample(contact.ticket_draws()[U_RESOLVE + stage - 1])
            self._work(agent, ASSIGNED, work, now)
        elif self.response is not None:
            # the supplier holds the ticket for its response time before it starts on it
            respond = self.response.sample(contact.ticket_draws()[U_RESPONSE])
            Call(self.sim.env, self._later(now, respond) - now, agent, self._responded)
        else:
            self._supplier_work(agent, now)

    def _responded(self, event: Call) -> None:
        self._supplier_work(event._value, self.sim.env._now)

    def _supplier_work(self, agent: Agent, now: float) -> None:
        """A supplier works to its contract, whatever the category."""
        contact = agent.contact
        work = self.resolve.sample(contact.ticket_draws()[U_RESOLVE + contact.stage - 1])
        self._work(agent, ASSIGNED, self._later(now, work) - now, now)

    def _work(self, agent: Agent, event: int, duration_min: float, now: float) -> None:
        sim = self.sim
        sim._row((now, event, agent.contact.id, self.index, agent.number, 0.0))
        Call(sim.env, duration_min, agent, self._work_done)

    def _later(self, now: float, minutes: float) -> float:
        """When `minutes` of this group's working time have passed."""
        if self.business_hours:
            return self.sim.calendar.add_business_minutes(now, minutes)
        return now + minutes

    def _on_work_done(self, event: Call) -> None:
        agent: Agent = event._value
        contact = agent.contact
        sim = self.sim
        now = sim.env._now
        category = contact.category
        sim._row((now, HANDLED, contact.id, self.index, agent.number, 0.0))
        agent.contact = None
        stage = contact.stage
        if stage == 0:
            if contact.draws[U_FCR] < category.fcr:
                sim._resolve(contact, self.index, agent.number, now)
            else:
                sim._escalate(contact, category.escalate_to, now)
        else:
            ticket = contact.ticket_draws()
            reassign = category.reassign
            if (reassign is not None and stage <= reassign.max_hops
                    and stage < MAX_RESOLVER_STAGES
                    and ticket[U_REASSIGN + stage - 1] < reassign.share):
                sim._escalate(contact, reassign.to, now)
            elif category.pending is not None and ticket[U_PENDING] < category.pending.share:
                sim._wait_on_user(contact, self, now)
            else:
                sim._resolve(contact, self.index, agent.number, now)
        self._free(agent, now)

    # -- agents ----------------------------------------------------------------------------------

    def _free(self, agent: Agent, now: float) -> None:
        """An agent finished a piece of work: leave if asked to, else take the next contact."""
        if agent.leaving:
            agent.leaving = False
            agent.on_duty = False
            self.on_duty -= 1
            self._log_headcount(now)
            return
        if self.waiting:
            contact = self._next_waiting()
            if contact is not None:
                self._start(agent, contact, now)
                return
        self.idle.append(agent)

    def _log_headcount(self, now: float) -> None:
        self.sim._row((now, STAFF, -1, self.index, -1, float(self.on_duty)))

    def set_staff(self, target: int, now: float) -> None:
        """Change the number of agents on duty. Idle agents leave at once; an agent in the
        middle of a call or ticket finishes it first (and is logged leaving then)."""
        before = self.on_duty
        staying = [a for a in self.agents if a.on_duty and not a.leaving]
        arriving: list[Agent] = []
        if target > len(staying):
            needed = target - len(staying)
            # Agents about to leave are asked to stay first (lowest number first) ...
            for agent in self.agents:
                if needed and agent.leaving:
                    agent.leaving = False
                    needed -= 1
            # ... then agents come on duty, reusing numbers so the floor plan stays stable.
            for agent in self.agents:
                if needed and not agent.on_duty:
                    arriving.append(agent)
                    needed -= 1
            while needed:
                agent = Agent(len(self.agents))
                self.agents.append(agent)
                arriving.append(agent)
                needed -= 1
        elif target < len(staying):
            surplus = len(staying) - target
            while surplus and self.idle:
                agent = self.idle.pop()  # the most recently idle goes home first
                agent.on_duty = False
                surplus -= 1
            for agent in reversed(self.agents):
                if surplus and agent.on_duty and not agent.leaving and agent.contact is not None:
                    agent.leaving = True
                    surplus -= 1
        for agent in arriving:
            agent.on_duty = True
        self.on_duty = sum(1 for a in self.agents if a.on_duty)
        if self.on_duty != before:
            self._log_headcount(now)
        # newcomers take waiting work only after the headcount row, so the log reads in order
        for agent in arriving:
            self._free(agent, now)

    # -- for snapshots ---------------------------------------------------------------------------

    def busy(self) -> int:
        return sum(1 for a in self.agents if a.contact is not None)

    def staff_target(self) -> int:
        return sum(1 for a in self.agents if a.on_duty and not a.leaving)


CHANNEL_RANK_BY_INDEX = [CHANNEL_RANK[ch] for ch in CHANNELS]
PHONE, WALK_IN = CHANNELS.index("phone"), CHANNELS.index("walk_in")


class LiveCategory:
    """A category's parameters in force now (levers change these, not the scenario)."""

    def __init__(self, sim: Simulation, index: int, model: Category):
        scenario = sim.scenario
        self.index = index
        self.id = model.id
        self.model = model
        self.priority = model.priority
        self.handle = make_sampler(model.handle)
        self.resolve = make_sampler(model.resolve) if model.resolve is not None else None
        self.patience = make_sampler(model.patience) if model.patience is not None else None
        self.fcr = model.fcr
        self.escalate_to = sim.group_by_id[model.escalate_to] if model.escalate_to else None
        self.reassign = (_LiveReassign(model.reassign.share, sim.group_by_id[model.reassign.to],
                                       model.reassign.max_hops)
                         if model.reassign else None)
        self.first_team = sim.group_by_id[scenario.first_contact_team(model)]
        # Who raises it, weighted by headcount.
        departments = scenario.departments_of(model)
        self.department_index = [sim.department_index[d.id] for d in departments]
        total = sum(d.headcount for d in departments)
        self.department_cumulative = _cumulative([d.headcount / total for d in departments])
        self.several_departments = len(departments) > 1
        self.users = total
        # How they reach IT: the category's own channel(s), else each department's mix.
        if model.channel is not None:
            fixed = {model.channel: 1.0}
            self.channel_mix = [_mix_table(fixed)] * max(1, len(departments))
        elif model.channels is not None:
            self.channel_mix = [_mix_table(model.channels)] * max(1, len(departments))
        elif departments:
            self.channel_mix = [_mix_table(d.channels or {"phone": 1.0}) for d in departments]
        else:
            self.channel_mix = [_mix_table({"phone": 1.0})]
        # How long people of each department wait before giving up, by channel.
        self.department_patience = [
            make_sampler(d.patience) if d.patience is not None else None for d in departments
        ] or [None]
        self.walk_in_patience = [
            make_sampler(d.walk_in_patience) if d.walk_in_patience is not None else None
            for d in departments
        ] or [None]
        self.pending = model.pending
        self.pending_time = make_sampler(model.pending.duration) if model.pending else None


@dataclass
class _LiveReassign:
    share: float
    to: Group
    max_hops: int


def _cumulative(shares: list[float]) -> list[float]:
    out, total = [], 0.0
    for s in shares:
        total += s
        out.append(total)
    if out:
        out[-1] = 1.0  # guard against rounding: u < 1 always finds a slot
    return out


def _mix_table(mix: dict[str, float]) -> tuple[list[float], list[int]]:
    channels = [ch for ch in CHANNELS if mix.get(ch, 0.0) > 0]
    return _cumulative([mix[ch] for ch in channels]), [CHANNELS.index(ch) for ch in channels]


def _pick(cumulative: list[float], u: float) -> int:
    for i, edge in enumerate(cumulative):
        if u < edge:
            return i
    return len(cumulative) - 1


class ArrivalSource:
    """The arrivals of one category: a Poisson process shaped by its profile, and the making
    of each new contact with its own random draws."""

    def __init__(self, sim: Simulation, category: LiveCategory, intensity: ArrivalIntensity):
        self.sim = sim
        self.env = sim.env
        self.horizon_min = sim.horizon_min
        self.category = category
        self.intensity = intensity
        self.gaps = sim.streams.exponentials(f"arrivals/{category.id}")
        self.draws = sim.streams.uniform_rows(f"contacts/{category.id}", FIRST_ROW_WIDTH)
        self.ticket_draws = sim.streams.uniform_row_blocks(f"tickets/{category.id}",
                                                           TICKET_ROW_WIDTH)
        self._arrive = self.arrive  # bound once: it is handed to SimPy for every arrival

    def schedule_next(self, now: float) -> None:
        at = self.intensity.next_arrival(now, self.gaps.draw(), self.horizon_min)
        if at < self.horizon_min:
            Call(self.env, at - now, None, self._arrive)

    def arrive(self, event: Call) -> None:
        """A contact arrives: draw who and how, log it, offer it to its first team."""
        sim = self.sim
        now = self.env._now
        category = self.category
        draws = self.draws.draw()
        which = (_pick(category.department_cumulative, draws[U_DEPARTMENT])
                 if category.several_departments else 0)
        department = category.department_index[which] if category.department_index else -1
        cumulative, channels = category.channel_mix[which]
        channel = channels[_pick(cumulative, draws[U_CHANNEL])] if len(channels) > 1 else channels[0]
        patience = None
        if channel == PHONE:
            patience = category.patience or category.department_patience[which]
        elif channel == WALK_IN:
            patience = category.walk_in_patience[which]
        contact_id = sim._next_contact_id
        sim._next_contact_id = contact_id + 1
        sim.open_contacts += 1
        contact = Contact(contact_id, category, channel, department, draws,
                          self.ticket_draws.draw(), patience)
        sim._contact_row((category.index, channel, category.priority, department))
        first_team = category.first_team
        sim._row((now, ARRIVAL, contact_id, first_team.index, -1, 0.0))
        first_team.offer(contact, now)
        self.schedule_next(now)
        if len(sim._pending_events) >= CHUNK:
            sim.log.pack()


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while the world advances.

    A run allocates millions of short-lived objects (contacts, rows of draws, timeouts) that
    never form reference cycles, so reference counting frees every one of them; the cyclic
    collector would only scan them again and again (measured: a quarter of the run time).
    The previous state is restored afterwards, so the host program is not affected, and any
    cycle made meanwhile is collected at the collector's next pass.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class GroupView:
    """What a front end needs to draw one team or supplier."""

    id: str
    kind: str
    tier: int
    on_duty: int
    busy: int
    waiting: int
    waiting_by_channel: dict[str, int]
    agents: list[tuple[int, str | None]]  # (agent number, category id of the contact or None)


@dataclass
class Snapshot:
    """The state of the world at one moment, for a front end to draw. Plain data only."""

    now_min: float
    horizon_min: float
    finished: bool
    day: int
    weekday: int
    minute_of_day: float
    is_open: bool
    groups: list[GroupView]
    open_contacts: int
    log_rows: int
    counts: dict[str, int] = field(default_factory=dict)


class Simulation:
    """One run of one scenario with one seed.

    >>> from sim import Simulation, load_builtin
    >>> sim = Simulation(load_builtin("normal-week"), seed=1)
    >>> snapshot = sim.advance(600)      # step to 10:00 on day one
    >>> outcome = sim.run()              # ... or run to the end
    """

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0):
        self.scenario = scenario
        self.seed = int(seed)
        self.replication = int(replication)
        self.env = simpy.Environment()
        self.streams = Streams(self.seed, self.replication)
        self.calendar = WorkCalendar(scenario.calendar)
        self.horizon_min = float(scenario.clock.duration)
        self.warmup_min = float(scenario.clock.warmup)
        self.department_index = {d.id: i for i, d in enumerate(scenario.departments)}

        self.groups: list[Group] = []
        for team in scenario.teams:
            self.groups.append(Group(self, len(self.groups), team.id, "team", team.tier,
                                     team.queue, cost_per_hour=team.cost_per_hour))
        for supplier in scenario.suppliers:
            group = Group(self, len(self.groups), supplier.id, "supplier", 3, "priority",
                          cost_per_ticket=supplier.cost_per_ticket)
            group.response = make_sampler(supplier.response) if supplier.response else None
            group.resolve = make_sampler(supplier.resolve)
            group.business_hours = supplier.hours == "business"
            self.groups.append(group)
        self.group_by_id = {g.id: g for g in self.groups}
        self.categories = [LiveCategory(self, i, c) for i, c in enumerate(scenario.categories)]

        self.log = EventLog(Names(
            categories=[c.id for c in scenario.categories],
            channels=list(CHANNELS),
            groups=[g.id for g in self.groups],
            departments=[d.id for d in scenario.departments],
            group_kinds=[g.kind for g in self.groups],
        ))
        self._row = self.log.events.pending.append
        self._contact_row = self.log.contacts.pending.append
        self._pending_events = self.log.events.pending
        self._patience_out = self._on_patience_out  # bound once (one per waiting caller)
        self._pending_over = self._on_pending_over
        self._next_contact_id = 0
        self.open_contacts = 0

        self._start_staffing()
        self.sources: list[ArrivalSource] = []
        for category in self.categories:
            arrivals = category.model.arrivals
            if arrivals is None:
                continue
            intensity = self._intensity(arrivals, category)
            source = ArrivalSource(self, category, intensity)
            self.sources.append(source)
            source.schedule_next(0.0)

    # -- set-up ----------------------------------------------------------------------------------

    def _intensity(self, arrivals, category: LiveCategory) -> ArrivalIntensity:
        profile = self.scenario.profiles.get(arrivals.profile) if arrivals.profile else None
        if arrivals.per_minute is not None:
            return ArrivalIntensity(self.calendar, per_minute=arrivals.per_minute)
        if arrivals.per_hour is not None:
            return ArrivalIntensity(self.calendar, per_minute=arrivals.per_hour / 60.0)
        if arrivals.per_day is not None:
            per_day = arrivals.per_day
        else:
            per_day = arrivals.per_user_per_day * category.users
        return ArrivalIntensity(self.calendar, per_day=per_day, profile=profile)

    def _start_staffing(self) -> None:
        for team in self.scenario.teams:
            group = self.group_by_id[team.id]
            schedule = staff_schedule(team, self.calendar, self.horizon_min)
            first_at, first_level = next(schedule)
            group.set_staff(first_level, first_at)
            self.env.process(self._follow_schedule(group, schedule))
        for supplier in self.scenario.suppliers:
            self.group_by_id[supplier.id].set_staff(supplier.capacity, 0.0)

    def _follow_schedule(self, group: Group, schedule):
        """A team's shifts: change its headcount at each shift boundary."""
        env = self.env
        for at, level in schedule:
            yield env.timeout(at - env.now)
            group.set_staff(level, env.now)

    # -- the flow of a contact -------------------------------------------------------------------

    def _on_patience_out(self, event: Timeout) -> None:
        contact: Contact = event._value
        if not contact.waiting or contact.stage != 0:
            return  # answered in time: this timer has nothing to do
        contact.group.remove_waiting(contact)
        self.open_contacts -= 1
        self._row((self.env._now, ABANDONED, contact.id, contact.group.index, -1, 0.0))

    def _resolve(self, contact: Contact, group: int, agent: int, now: float) -> None:
        self._row((now, RESOLVED, contact.id, group, agent, 0.0))
        self._row((now, CLOSED, contact.id, group, agent, 0.0))
        self.open_contacts -= 1

    def _wait_on_user(self, contact: Contact, group: Group, now: float) -> None:
        """The ticket waits on the user (or a part) before it can be resolved."""
        category = contact.category
        wait = category.pending_time.sample(contact.ticket_draws()[U_PENDING_TIME])
        if category.pending.hours == "business":
            wait = self.calendar.add_business_minutes(now, wait) - now
        contact.group = group
        self._row((now, PENDING, contact.id, group.index, -1, wait))
        Call(self.env, wait, contact, self._pending_over)

    def _on_pending_over(self, event: Call) -> None:
        contact: Contact = event._value
        self._resolve(contact, contact.group.index, -1, self.env._now)

    def _escalate(self, contact: Contact, target: Group, now: float) -> None:
        contact.stage += 1
        self._row((now, ESCALATED, contact.id, target.index, -1, 0.0))
        target.offer(contact, now)

    # -- driving the clock -----------------------------------------------------------------------

    @property
    def now_min(self) -> float:
        return float(self.env.now)

    @property
    def finished(self) -> bool:
        return self.env.now >= self.horizon_min

    def advance(self, to_min: float) -> Snapshot:
        """Run the world up to `to_min` (capped at the end of the run) and return a snapshot.

        Events at exactly `to_min` happen in the next call, so stepping in any increments
        processes the same events in the same order as one `run()`.
        """
        target = min(float(to_min), self.horizon_min)
        if target > self.env.now:
            with cyclic_gc_paused():
                self.env.run(until=target)
        return self.snapshot()

    def run(self) -> Outcome:
        """Run to the end of the scenario's clock and return the outcome."""
        self.advance(self.horizon_min)
        return self.outcome()

    def outcome(self) -> Outcome:
        self.log.pack()
        return Outcome(self.scenario, self.seed, self.replication, self.log, self.calendar,
                       self.env.now)

    def snapshot(self) -> Snapshot:
        now = float(self.env.now)
        day = int(now // 1440)
        groups = []
        for g in self.groups:
            groups.append(GroupView(
                id=g.id, kind=g.kind, tier=g.tier, on_duty=g.on_duty, busy=g.busy(),
                waiting=g.waiting,
                waiting_by_channel={ch: g.waiting_by_channel[i] for i, ch in enumerate(CHANNELS)},
                agents=[(a.number, a.contact.category.id if a.contact else None)
                        for a in g.agents if a.on_duty],
            ))
        return Snapshot(
            now_min=now, horizon_min=self.horizon_min, finished=self.finished, day=day,
            weekday=self.calendar.weekday(day), minute_of_day=now - day * 1440,
            is_open=self.calendar.is_open(now), groups=groups,
            open_contacts=self.open_contacts, log_rows=len(self.log),
            counts={"contacts": self._next_contact_id},
        )


@dataclass
class Outcome:
    """What a finished (or stopped) run leaves behind: its event log and how to read it."""

    scenario: Scenario
    seed: int
    replication: int
    log: EventLog
    calendar: WorkCalendar
    end_min: float
    _kpis: dict | None = None

    def kpis(self) -> dict[str, float | None]:
        if self._kpis is None:
            from sim.kpis import compute_kpis
            self._kpis = compute_kpis(self)
        return self._kpis

