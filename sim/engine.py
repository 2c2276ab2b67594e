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
- Every contact draws all its random numbers (rows of uniforms) when it is created, from
  its source's own streams (`sim.sources`), and times are made from them by inverse
  transform when the work starts. Two runs that differ in staffing, or in a lever that
  thins demand, therefore see the same contacts.
- The story — changes, injects, levers (`sim.story`) and decisions (`sim.decisions`) — acts
  on live parameters, never on the immutable scenario.
- Everything observable is written to the event log (`sim.eventlog`) as it happens; key
  figures are computed from the log only (`sim.kpis`).

The front ends drive a `Simulation` with `advance(to_min)` and read a `Snapshot`; a headless
run calls `run()`. Both give the same event log, byte for byte. Decision points stop the
clock at the start of their minute, before anything else happens at that minute; a headless
run answers them from its decision plan at the same place, so a game played to the end and
the same decisions replayed headless give the same log.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

import simpy

from sim.calendar import ArrivalIntensity, WorkCalendar, staff_schedule
from sim.decisions import Decision, DecisionPlan, check_answer
from sim.distributions import Sampler, make_sampler
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    CHUNK,
    CLOSED,
    DECISION_POINT,
    DECLINED,
    ESCALATED,
    HANDLED,
    LEVER,
    OVERTIME,
    PENDING,
    RESOLVED,
    STAFF,
    EventLog,
    Names,
)
from sim.randomness import Streams
from sim.scenario import CHANNELS, LIVE_CHANNELS, Category, DecisionPoint, Lever, Scenario
from sim.sources import (
    U_DECLINE,
    U_FCR,
    U_HANDLE,
    U_PATIENCE,
    U_RETRY,
    U_RETRY_CHANNEL,
    U_RETRY_DELAY,
    Audience,
    FadingDemand,
    Source,
    UsualArrivals,
)
from sim.timing import Call, cumulative, pick

#: the version of the engine's behaviour: a replay saved by another version may give another
#: event log (0.2.0: the log has `overtime` rows, and staff time past a shift is overtime)
ENGINE_VERSION = "0.2.0"

# Positions in a contact's ticket row of uniforms (its first row is in `sim.sources`), used
# only by contacts that are escalated. Fixed, so that contact k of a source draws the same
# numbers whatever the scenario's parameters are.
MAX_RESOLVER_STAGES = 5  # the first escalation plus at most four reassignments
U_RESPONSE = 0  # the supplier's response time
U_RESOLVE = 1  # U_RESOLVE + stage - 1: the resolver's work time at that stage
U_REASSIGN = U_RESOLVE + MAX_RESOLVER_STAGES  # U_REASSIGN + stage - 1: passed on?
U_PENDING = U_REASSIGN + MAX_RESOLVER_STAGES  # does it wait on the user before resolution?
U_PENDING_TIME = U_PENDING + 1  # ... and for how long
TICKET_ROW_WIDTH = U_PENDING_TIME + 1
#: a person who gives up tries again at most this many times about one issue
MAX_ATTEMPTS = 3

#: Queue lanes: live channels (someone is on the line or at the desk) before tickets.
CHANNEL_RANK = {ch: (0 if ch in LIVE_CHANNELS else 1) for ch in CHANNELS}
PRIORITY_LANES = 5


class Contact:
    """One contact and, once escalated, the ticket it becomes."""

    __slots__ = ("id", "category", "channel", "department", "priority", "draws",
                 "ticket_block", "ticket_row", "patience", "waiting", "stage", "group",
                 "source", "seq", "user", "attempt", "issue", "since")

    def __init__(self, contact_id: int, category: LiveCategory, channel: int, department: int,
                 draws: list[float], ticket_draws: tuple, patience: Sampler | None,
                 source: Source, seq: int, user: int, attempt: int, issue: int):
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
        self.source = source
        self.seq = seq
        self.user = user
        self.attempt = attempt
        self.issue = issue
        self.since = 0.0  # when it joined the queue it waits in (for front ends)

    def ticket_draws(self) -> list[float]:
        """The draws for the ticket's resolver stages, as Python floats (made on first use)."""
        block = self.ticket_block
        if block is not None:
            self.ticket_row = block[self.ticket_row].tolist()
            self.ticket_block = None
        return self.ticket_row


class Agent:
    """An agent of a team, or one capacity slot of a supplier."""

    __slots__ = ("number", "contact", "on_duty", "leaving", "leaving_since_min", "since")

    def __init__(self, number: int):
        self.number = number
        self.contact: Contact | None = None
        self.since = 0.0  # when it took its contact (for front ends)
        self.on_duty = False
        self.leaving = False
        self.leaving_since_min = 0.0  # when its shift ended while it was busy (overtime from then)


class Group:
    """A team or a supplier: agents (or capacity slots) and the contacts waiting for them."""

    def __init__(self, sim: Simulation, index: int, group_id: str, kind: str, tier: int,
                 discipline: str):
        self.sim = sim
        self.index = index
        self.id = group_id
        self.kind = kind  # "team" or "supplier"
        self.tier = tier
        self.priority_queue = discipline == "priority"
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
        # Staffing: the schedule's level now, and what levers did to it (sim.story).
        self.schedule_level = 0
        self.staff_extra = 0
        self.staff_factor = 1.0
        self.staff_set: int | None = None
        self.capacity = 0  # a supplier's slots
        # How its people come across (moments of truth).
        self.empathy = 0.0
        self.announces_wait = False

    # -- contacts --------------------------------------------------------------------------------

    def offer(self, contact: Contact, now: float) -> None:
        """A contact reaches this group: an idle agent takes it, or it joins the queue."""
        if self.idle:
            self._start(self.idle.popleft(), contact, now)
            return
        contact.group = self
        first_contact = contact.stage == 0
        if self.priority_queue:
            # people on the line or at the desk first; tickets (passed on, e-mail, portal)
            # after them, by priority
            rank = CHANNEL_RANK_BY_INDEX[contact.channel] if first_contact else 1
            lane = rank * PRIORITY_LANES + contact.priority - 1
        else:
            lane = 0
        contact.waiting = True
        contact.since = now
        self.lanes[lane].append(contact)
        if lane < self.first_lane:
            self.first_lane = lane
        self.waiting += 1
        if first_contact:
            self.waiting_by_channel[contact.channel] += 1
        if first_contact and contact.patience is not None:
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
                    if contact.stage == 0:
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
        self.waiting_by_channel[contact.channel] -= 1  # only first contacts give up

    def _start(self, agent: Agent, contact: Contact, now: float) -> None:
        """An agent (or a supplier's slot) takes a contact."""
        agent.contact = contact
        agent.since = now
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
            draws = contact.draws
            if draws[U_DECLINE] < category.declined:
                sim._decline(contact, self.index, agent.number, now)
            elif draws[U_FCR] < category.fcr:
                sim._resolve(contact, self.index, agent.number, now)
            else:
                route = category.route
                sim._escalate(contact, route[0] if route else category.escalate_to, now)
        else:
            ticket = contact.ticket_draws()
            reassign = category.reassign
            route = category.route
            if route and stage < len(route):
                sim._escalate(contact, route[stage], now)  # the workflow's next step
            elif (reassign is not None and stage <= reassign.max_hops
                    and stage < MAX_RESOLVER_STAGES
                    and ticket[U_REASSIGN + stage - 1] < reassign.share):
                # passed on; a ticket already with `to` goes back where it came from
                # (reassignment ping-pong, as real logs show)
                back = category.escalate_to if self is reassign.to else reassign.to
                sim._escalate(contact, back or reassign.to, now)
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
            if self.kind == "team" and now > agent.leaving_since_min:
                # the work it finished after its shift ended is paid as overtime
                self.sim._row((now, OVERTIME, -1, self.index, agent.number,
                               now - agent.leaving_since_min))
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
                    agent.leaving_since_min = now
                    surplus -= 1
        for agent in arriving:
            agent.on_duty = True
        self.on_duty = sum(1 for a in self.agents if a.on_duty)
        if self.on_duty != before:
            self._log_headcount(now)
        # newcomers take waiting work only after the headcount row, so the log reads in order
        for agent in arriving:
            self._free(agent, now)

    def effective_staff(self, schedule_level: int) -> int:
        """Agents on duty for a schedule level (-1: outside the team's hours), after the
        levers: temporary staff work the team's hours, not the night — even for a team
        with nobody scheduled (a contractor team called in)."""
        if schedule_level < 0:
            return 0
        if self.staff_set is not None:
            return self.staff_set
        return max(0, round(schedule_level * self.staff_factor) + self.staff_extra)

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
        self.route = [sim.group_by_id[g] for g in model.route] if model.route else None
        self.declined = model.declined
        self.pending = model.pending
        self.pending_share = model.pending.share if model.pending else 0.0
        self.pending_time = make_sampler(model.pending.duration) if model.pending else None
        self.first_team = sim.group_by_id[scenario.first_contact_team(model)]
        #: the volume of its usual arrivals, relative to the scenario (levers thin them)
        self.arrival_factor = 1.0
        self.departments = scenario.departments_of(model)


@dataclass
class _LiveReassign:
    share: float
    to: Group
    max_hops: int


class LiveDepartment:
    """A department's live parameters: how long its people wait, whether they try again."""

    def __init__(self, index: int, model):
        self.index = index
        self.id = model.id
        self.model = model
        self.headcount = model.headcount
        self.patience = make_sampler(model.patience) if model.patience else None
        self.walk_in_patience = (make_sampler(model.walk_in_patience)
                                 if model.walk_in_patience else None)
        retry = model.retry
        self.retry_share = retry.share if retry else 0.0
        self.retry_delay = make_sampler(retry.delay) if retry else None
        self.retry_channels = channel_table(retry.channels) if retry and retry.channels else None


def channel_table(mix: dict[str, float]) -> tuple[list[float], list[int]]:
    """A channel mix as (cumulative shares, channel codes), for drawing a channel."""
    channels = [ch for ch in CHANNELS if mix.get(ch, 0.0) > 0]
    return cumulative([mix[ch] for ch in channels]), [CHANNELS.index(ch) for ch in channels]


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
class AgentView:
    """One agent (or a supplier's capacity slot) on duty, and what it is working on."""

    number: int
    contact: int | None = None      # the contact's id, None when idle
    category: str | None = None
    channel: str | None = None      # phone, email, portal, walk_in
    department: str | None = None
    ticket: bool = False            # working a ticket passed on (not a first contact)
    busy_min: float = 0.0           # how long it has been on this contact


@dataclass
class WaitingView:
    """One contact waiting in a queue, in the order it will be taken."""

    contact: int
    category: str
    channel: str
    department: str | None
    ticket: bool
    waited_min: float


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
    agents: list[AgentView]
    #: the first `QUEUE_VIEW_LIMIT` contacts in the queue, next first
    queue: list[WaitingView] = field(default_factory=list)
    longest_wait_min: float = 0.0


#: How many waiting contacts a snapshot lists per group (a front end draws no more).
QUEUE_VIEW_LIMIT = 60


@dataclass
class PendingDecision:
    """A decision point waiting for an answer: what to show the player."""

    point: DecisionPoint
    occurrence: int
    levers: list[Lever]
    budget: float | None
    choice: str


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
    pending_decision: PendingDecision | None = None
    changes: dict[str, str] = field(default_factory=dict)   # change id -> its state
    injects: dict[str, str] = field(default_factory=dict)   # inject id -> its state
    spent_on_levers: float = 0.0


class DecisionPending(RuntimeError):
    """`advance` was called while a decision point waits for `decide`."""


class Simulation:
    """One run of one scenario with one seed and one set of decisions.

    >>> from sim import Simulation, load_builtin
    >>> sim = Simulation(load_builtin("normal-week"), seed=1)
    >>> snapshot = sim.advance(600)      # step to 10:00 on day one
    >>> outcome = sim.run()              # ... or run to the end

    Decision points are answered by `decisions` (a `DecisionPlan`: a policy, a decisions file,
    a replay) — or, with `interactive=True`, `advance` stops when one fires and returns a
    snapshot whose `pending_decision` says what to ask; `decide(levers)` answers it. Levers
    can also be pulled at any moment with `pull(levers)`.
    """

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0,
                 decisions: DecisionPlan | None = None, interactive: bool = False):
        from sim.story import LiveChange, LiveInject, Settings

        self.scenario = scenario
        self.seed = int(seed)
        self.replication = int(replication)
        self.plan = decisions if decisions is not None else DecisionPlan()
        self.interactive = interactive
        self.env = simpy.Environment()
        self.streams = Streams(self.seed, self.replication)
        self.calendar = WorkCalendar(scenario.calendar)
        self.horizon_min = float(scenario.clock.duration)
        self.warmup_min = float(scenario.clock.warmup)
        self.ticket_row_width = TICKET_ROW_WIDTH
        self.department_index = {d.id: i for i, d in enumerate(scenario.departments)}
        self.departments = {d.id: LiveDepartment(i, d) for i, d in enumerate(scenario.departments)}
        self.department_list = list(self.departments.values())

        self.groups: list[Group] = []
        for team in scenario.teams:
            self.groups.append(Group(self, len(self.groups), team.id, "team", team.tier,
                                     team.queue))
            self.groups[-1].empathy = team.empathy
            self.groups[-1].announces_wait = team.announces_wait
        for supplier in scenario.suppliers:
            group = Group(self, len(self.groups), supplier.id, "supplier", 3, "priority")
            group.response = make_sampler(supplier.response) if supplier.response else None
            group.resolve = make_sampler(supplier.resolve)
            group.business_hours = supplier.hours == "business"
            group.capacity = supplier.capacity
            self.groups.append(group)
        self.group_by_id = {g.id: g for g in self.groups}
        self.categories = [LiveCategory(self, i, c) for i, c in enumerate(scenario.categories)]
        self.category_by_id = {c.id: c for c in self.categories}

        self.log = EventLog(Names(
            categories=[c.id for c in scenario.categories],
            channels=list(CHANNELS),
            groups=[g.id for g in self.groups],
            departments=[d.id for d in scenario.departments],
            group_kinds=[g.kind for g in self.groups],
            decision_points=[p.id for p in scenario.decision_points],
            levers=[lever.id for lever in scenario.levers],
            changes=[c.id for c in scenario.changes],
            injects=[i.id for i in scenario.injects],
        ))
        self._row = self.log.events.pending.append
        self._contact_row = self.log.contacts.pending.append
        self._pending_events = self.log.events.pending
        self._patience_out = self._on_patience_out  # bound once (one per waiting caller)
        self._pending_over = self._on_pending_over
        self._retry_now = self._on_retry
        self._next_contact_id = 0
        self.open_contacts = 0

        self.settings = Settings(self)
        self.levers = {lever.id: lever for lever in scenario.levers}
        self.lever_index = {lever.id: i for i, lever in enumerate(scenario.levers)}
        self.pulled_at: list[tuple[str, float]] = []  # (lever, minute), in the order pulled
        self.decisions_taken: list[Decision] = []
        self.spent_on_levers = 0.0
        self.sources: list[Source] = []
        self._upper = self._upper_bounds()
        self._start_staffing()
        self._start_usual_arrivals()
        self.changes = {c.id: LiveChange(self, i, c) for i, c in enumerate(scenario.changes)}
        self.injects = {j.id: LiveInject(self, i, j) for i, j in enumerate(scenario.injects)}
        self._prepare_story()

        # Decision points: when each next fires, and how often each fired.
        self.pending: PendingDecision | None = None
        self._fired: dict[str, int] = {}
        self._timed_points = sorted((p.at, i, p) for i, p in enumerate(scenario.decision_points)
                                    if p.at is not None)
        self._conditions = [p for p in scenario.decision_points if p.when is not None]
        self._next_check = 0.0 if self._conditions else float("inf")
        self._free_decisions = list(self.plan.free)
        self._due: list[DecisionPoint] = []  # fired at this stop, not answered yet
        self._stopped_at = -1.0  # the last minute `_at_stop` ran at (see `pull_soon`)
        self.live = None
        if self._conditions:
            from sim.live import LiveStats

            self.live = LiveStats(self)

    # -- set-up ----------------------------------------------------------------------------------

    def _upper_bounds(self) -> dict[str, float]:
        """For every volume a lever or inject can change (a category's arrivals, a change's
        demand), the most it can become: sources generate candidates at that rate and thin
        them to the volume in force (see `sim.sources`). Absent: nothing can change it."""
        from sim import targets as paths

        bounds: dict[str, float] = {}
        effects = [e for lever in self.scenario.levers for e in lever.effects]
        effects += [e for inject in self.scenario.injects for e in inject.effects]
        for effect in effects:
            target = self.settings.target(effect)
            if target.kind != paths.FACTOR:
                continue
            key = str(target)
            bounds[key] = bounds.get(key, 1.0) * max(1.0, effect.multiply)
        return bounds

    def _volume_bound(self, *keys: str) -> tuple[float, bool]:
        """(upper bound, thinned?) for a volume named by any of these target paths."""
        named = [k for k in keys if k in self._upper]
        bound = 1.0
        for k in named:
            bound *= self._upper[k]
        return bound, bool(named)

    def _intensity(self, arrivals, category: LiveCategory) -> ArrivalIntensity:
        profile = self.scenario.profiles.get(arrivals.profile) if arrivals.profile else None
        if arrivals.per_minute is not None:
            return ArrivalIntensity(self.calendar, per_minute=arrivals.per_minute)
        if arrivals.per_hour is not None:
            return ArrivalIntensity(self.calendar, per_minute=arrivals.per_hour / 60.0)
        if arrivals.per_day is not None:
            per_day = arrivals.per_day
        else:
            per_day = arrivals.per_user_per_day * sum(d.headcount for d in category.departments)
        return ArrivalIntensity(self.calendar, per_day=per_day, profile=profile)

    def _start_usual_arrivals(self) -> None:
        for category in self.categories:
            arrivals = category.model.arrivals
            if arrivals is None:
                continue
            bound, thinned = self._volume_bound(f"categories.{category.id}.arrivals")
            source = UsualArrivals(self, len(self.sources), category,
                                   self._intensity(arrivals, category),
                                   Audience(self, category.departments, category), bound, thinned)
            self._add_source(source)
            source.start(0.0)

    def _add_source(self, source: Source) -> None:
        self.sources.append(source)
        self.log.names.sources.append(source.label)

    def _business_day_min(self) -> float:
        cal = self.calendar
        return float(cal.close_min - cal.open_min)

    def _demand_source(self, owner, kind: str, demand, departments: list, channels,
                       factor_keys: tuple[str, ...]) -> FadingDemand:
        category = self.category_by_id[demand.category]
        audience = Audience(self, departments, category, channels)
        users = audience.users
        half_life = (demand.half_life_min if demand.half_life_min is not None
                     else demand.half_life_days * self._business_day_min())
        if demand.per_user is not None:
            expected = demand.per_user * users
        else:  # a daily rate at the start, fading: in all, rate x half-life / ln 2
            expected = (demand.per_user_per_day * users / self._business_day_min()
                        * half_life / math.log(2))
        bound, thinned = self._volume_bound(*factor_keys)
        label = f"{kind}:{owner.id}:{demand.category}"
        n = sum(1 for s in self.sources if s.label.startswith(label))
        if n:
            label = f"{label}:{n + 1}"  # a second demand of the same category
        source = FadingDemand(self, len(self.sources), label, category, audience, expected,
                              half_life, owner.factor(demand.category), bound, thinned)
        self._add_source(source)
        return source

    def _demand_sources(self, owner, kind: str, demands: list, people: list, channels,
                        thinned_by: str | None) -> list[FadingDemand]:
        """The sources of a change's or an inject's demand; `thinned_by` is the target path
        prefix levers use to cut it (changes.<id>, injects.<id>), None if nothing can."""
        def keys(category: str) -> tuple[str, ...]:
            if thinned_by is None:
                return ()
            return (f"{thinned_by}.demand", f"{thinned_by}.demand.{category}")

        return [self._demand_source(owner, kind, d, people, channels, keys(d.category))
                for d in demands]

    def _prepare_story(self) -> None:
        names = self.log.names
        for change in self.changes.values():
            model = change.model
            people = self.scenario.concerned(model.departments, model.service)
            change.sources = self._demand_sources(change, "change", model.demand, people,
                                                  model.channels, f"changes.{change.id}")
            if model.failure is not None:
                change.outage = len(names.outages)
                names.outages.append(f"change:{change.id}")
                change.failure_sources = self._demand_sources(
                    change, "change-failure", model.failure.demand, people, model.channels,
                    None)
            change.schedule()
        for inject in self.injects.values():
            model = inject.model
            service = model.outage.service if model.outage else None
            people = self.scenario.concerned(model.departments, service)
            inject.sources = self._demand_sources(inject, "inject", model.demand, people,
                                                  model.channels, f"injects.{inject.id}")
            if model.outage is not None:
                inject.outage = len(names.outages)
                names.outages.append(f"inject:{inject.id}")
            inject.schedule()

    def _start_staffing(self) -> None:
        for team in self.scenario.teams:
            group = self.group_by_id[team.id]
            schedule = staff_schedule(team, self.calendar, self.horizon_min)
            first_at, first_level = next(schedule)
            group.schedule_level = first_level
            group.set_staff(group.effective_staff(first_level), first_at)
            self.env.process(self._follow_schedule(group, schedule))
        for supplier in self.scenario.suppliers:
            group = self.group_by_id[supplier.id]
            group.schedule_level = supplier.capacity
            group.set_staff(supplier.capacity, 0.0)

    def _follow_schedule(self, group: Group, schedule):
        """A team's shifts: change its headcount at each shift boundary."""
        env = self.env
        for at, level in schedule:
            yield env.timeout(at - env.now)
            group.schedule_level = level
            group.set_staff(group.effective_staff(level), env.now)

    # -- the flow of a contact -------------------------------------------------------------------

    def open_contact(self, source: Source, category: LiveCategory, seq: int, channel: int,
                     department: int, user: int, draws: list[float], ticket: tuple,
                     attempt: int, issue: int, now: float) -> Contact:
        """A new contact (a source's accepted candidate, or somebody trying again): log it
        and offer it to its first team."""
        patience = None
        if channel == PHONE:
            patience = category.patience
            if patience is None and department >= 0:
                patience = self.department_list[department].patience
        elif channel == WALK_IN and department >= 0:
            patience = self.department_list[department].walk_in_patience
        contact_id = self._next_contact_id
        self._next_contact_id = contact_id + 1
        self.open_contacts += 1
        if issue < 0:
            issue = contact_id
        contact = Contact(contact_id, category, channel, department, draws, ticket, patience,
                          source, seq, user, attempt, issue)
        self._contact_row((category.index, channel, category.priority, department, user,
                           source.index, seq, attempt, issue))
        first_team = category.first_team
        self._row((now, ARRIVAL, contact_id, first_team.index, -1, 0.0))
        first_team.offer(contact, now)
        if len(self._pending_events) >= CHUNK:
            self.log.pack()
        return contact

    def _on_patience_out(self, event: Call) -> None:
        contact: Contact = event._value
        if not contact.waiting or contact.stage != 0:
            return  # answered in time: this timer has nothing to do
        now = self.env._now
        contact.group.remove_waiting(contact)
        self.open_contacts -= 1
        self._row((now, ABANDONED, contact.id, contact.group.index, -1, 0.0))
        self._maybe_retry(contact, now)

    def _maybe_retry(self, contact: Contact, now: float) -> None:
        """Somebody who gave up may try again later, the same way or another."""
        if contact.department < 0 or contact.attempt + 1 >= MAX_ATTEMPTS:
            return
        department = self.department_list[contact.department]
        draws = contact.draws
        if department.retry_delay is None or draws[U_RETRY] >= department.retry_share:
            return
        delay = department.retry_delay.sample(draws[U_RETRY_DELAY])
        channel = contact.channel
        if department.retry_channels is not None:
            table, channels = department.retry_channels
            channel = channels[pick(table, draws[U_RETRY_CHANNEL])]
        Call(self.env, delay, (contact, channel), self._retry_now)

    def _on_retry(self, event: Call) -> None:
        contact, channel = event._value
        source = contact.source
        # the retry's own luck, from the source's stream of retries: it depends on who gave
        # up (which decisions change), so it must not disturb the source's other draws
        draws = source.retry_draws.draw()
        ticket = source.retry_ticket_draws.draw()
        self.open_contact(source, contact.category, contact.seq, channel, contact.department,
                          contact.user, draws, ticket, attempt=contact.attempt + 1,
                          issue=contact.issue, now=self.env._now)

    def _resolve(self, contact: Contact, group: int, agent: int, now: float) -> None:
        self._row((now, RESOLVED, contact.id, group, agent, 0.0))
        self._row((now, CLOSED, contact.id, group, agent, 0.0))
        self.open_contacts -= 1

    def _decline(self, contact: Contact, group: int, agent: int, now: float) -> None:
        """The desk said no: the request is closed without being resolved."""
        self._row((now, DECLINED, contact.id, group, agent, 0.0))
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

    # -- levers and decisions --------------------------------------------------------------------

    def pull(self, levers, now: float | None = None, point: DecisionPoint | None = None,
             occurrence: int | None = None) -> None:
        """Pull levers now (a free decision, or the answer to `point`)."""
        now = float(self.env.now) if now is None else now
        for lever_id in levers:
            if lever_id not in self.levers:
                raise KeyError(f"no lever {lever_id!r} in scenario {self.scenario.id}")
            lever = self.levers[lever_id]
            if not lever.repeatable and self._was_pulled(lever_id):
                raise ValueError(f"lever {lever_id!r} was pulled already and is not repeatable")
        self.decisions_taken.append(Decision(
            levers=tuple(levers), at_min=now, point=point.id if point else None,
            occurrence=occurrence))
        for lever_id in levers:
            self._pull_lever(self.levers[lever_id], now)

    def available(self, lever_id: str) -> bool:
        """Can this lever be pulled now? (A lever that is not repeatable can be pulled once.)"""
        lever = self.levers[lever_id]
        return lever.repeatable or not self._was_pulled(lever_id)

    def _was_pulled(self, lever_id: str) -> bool:
        return any(pulled == lever_id for pulled, _ in self.pulled_at)

    def levers_in_force(self) -> list[tuple[str, float | None]]:
        """The levers pulled so far and still in force, in the order pulled, each with the
        minute it wears off (None: for the rest of the run), so that a front end can say
        "the floor walkers go home tonight" before the player decides."""
        now = float(self.env.now)
        out = []
        for lever_id, at_min in self.pulled_at:
            duration = self.levers[lever_id].duration_min
            until = None if duration is None else at_min + duration
            if until is None or until > now:
                out.append((lever_id, until))
        return out

    def ordered(self, lever_id: str) -> bool:
        """Is this lever among the free decisions still to come (ordered with `pull_soon`,
        or in the decisions plan)? A front end offers a lever that is not repeatable only
        when it is `available` and not `ordered`."""
        return any(lever_id in d.levers for d in self._free_decisions)

    def pull_soon(self, levers) -> float:
        """Order levers pulled between steps of an interactive run, and return the minute
        they take effect. They go in as a free decision (as a decisions file or a replay
        says them), so that a headless run with the same decisions does exactly the same:
        at this minute if nothing has happened at it yet, otherwise at the next minute."""
        levers = tuple(levers)
        for lever_id in levers:
            if lever_id not in self.levers:
                raise KeyError(f"no lever {lever_id!r} in scenario {self.scenario.id}")
            if not self.available(lever_id) or (self.ordered(lever_id)
                                                and not self.levers[lever_id].repeatable):
                raise ValueError(f"lever {lever_id!r} was pulled already and is not repeatable")
        now = float(self.env.now)
        at = now if self._stopped_at < now else now + 1.0
        decision = Decision(levers=levers, at_min=min(at, self.horizon_min))
        # after any free decision already ordered for the same minute (first come, first served)
        index = len(self._free_decisions)
        while index and self._free_decisions[index - 1].at_min > decision.at_min:
            index -= 1
        self._free_decisions.insert(index, decision)
        return decision.at_min

    def _pull_lever(self, lever: Lever, now: float) -> None:
        self.pulled_at.append((lever.id, now))
        self.spent_on_levers += lever.cost
        self._row((now, LEVER, -1, -1, self.lever_index[lever.id], lever.cost))
        applied = [self.settings.apply(effect, now) for effect in lever.effects]
        if lever.duration_min is not None:
            Call(self.env, lever.duration_min, applied, self._lever_wears_off)

    def _lever_wears_off(self, event: Call) -> None:
        now = self.env._now
        for applied in reversed(event._value):
            self.settings.undo(applied, now)

    def decide(self, levers) -> None:
        """Answer the decision point that stopped the clock (`snapshot().pending_decision`)."""
        if self.pending is None:
            raise RuntimeError("no decision point is waiting for an answer")
        pending = self.pending
        check_answer(self.scenario, pending.point.id, tuple(levers))
        self.pending = None
        self.pull(tuple(levers), point=pending.point, occurrence=pending.occurrence)

    def _fire(self, point: DecisionPoint, now: float) -> None:
        occurrence = self._fired.get(point.id, 0) + 1
        self._fired[point.id] = occurrence
        self._row((now, DECISION_POINT, -1, -1,
                   self.log.names.decision_points.index(point.id), float(occurrence)))
        if self.interactive:
            self.pending = PendingDecision(
                point=point, occurrence=occurrence,
                levers=[self.levers[lever] for lever in point.levers],
                budget=point.budget, choice=point.choice)
        else:
            answer = [lever for lever in self.plan.answer(point.id, occurrence)
                      if self.available(lever)]
            self.pull(answer, now, point=point, occurrence=occurrence)

    def _next_stop(self) -> float:
        """The next moment the clock must stop outside SimPy: a free decision of the plan,
        a decision point's time, or a check of the conditions."""
        stop = self._next_check
        if self._free_decisions:
            stop = min(stop, self._free_decisions[0].at_min)
        if self._timed_points:
            stop = min(stop, self._timed_points[0][0])
        return stop

    def _at_stop(self, now: float) -> None:
        """Everything due at this minute before anything else happens at it: free decisions,
        then decision points at this time, then conditions (if this is a check)."""
        self._stopped_at = now
        while self._free_decisions and self._free_decisions[0].at_min <= now:
            decision = self._free_decisions.pop(0)
            self.pull(decision.levers, now)
        while self._timed_points and self._timed_points[0][0] <= now:
            self._due.append(self._timed_points.pop(0)[2])
        if self._next_check <= now:
            self.live.update()
            for point in self._conditions:
                if point.once and self._fired.get(point.id):
                    continue
                if self.live.holds(point.when) and point not in self._due:
                    self._due.append(point)
            self._next_check = now + self.scenario.check_every_min
        while self._due and self.pending is None:
            self._fire(self._due.pop(0), now)

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
        processes the same events in the same order as one `run()`. In an interactive run the
        clock stops early when a decision point fires (`snapshot.pending_decision`).
        """
        if self.pending is not None:
            raise DecisionPending(f"decision point {self.pending.point.id!r} is waiting for "
                                  "decide()")
        target = min(float(to_min), self.horizon_min)
        with cyclic_gc_paused():
            while True:
                now = float(self.env.now)
                if self._due or self._next_stop() <= now:
                    self._at_stop(now)
                    if self.pending is not None:
                        break
                stop = min(target, self._next_stop())
                if stop <= now:
                    break
                self.env.run(until=stop)
        return self.snapshot()

    def run(self) -> Outcome:
        """Run to the end of the scenario's clock and return the outcome (a headless run:
        decision points are answered by the plan)."""
        if self.interactive:
            raise RuntimeError("an interactive run is driven by advance() and decide()")
        self.advance(self.horizon_min)
        return self.outcome()

    def outcome(self) -> Outcome:
        self.log.pack()
        return Outcome(self.scenario, self.seed, self.replication, self.log, self.calendar,
                       self.env.now, decisions=list(self.decisions_taken))

    def snapshot(self) -> Snapshot:
        now = float(self.env.now)
        day = int(now // 1440)
        groups = [self._group_view(g, now) for g in self.groups]
        return Snapshot(
            now_min=now, horizon_min=self.horizon_min, finished=self.finished, day=day,
            weekday=self.calendar.weekday(day), minute_of_day=now - day * 1440,
            is_open=self.calendar.is_open(now), groups=groups,
            open_contacts=self.open_contacts, log_rows=len(self.log),
            counts={"contacts": self._next_contact_id},
            pending_decision=self.pending,
            changes={c.id: c.state for c in self.changes.values()},
            injects={j.id: j.state for j in self.injects.values()},
            spent_on_levers=self.spent_on_levers,
        )

    def _group_view(self, g: Group, now: float) -> GroupView:
        departments = self.log.names.departments

        def department(contact: Contact) -> str | None:
            return departments[contact.department] if contact.department >= 0 else None

        agents = []
        for a in g.agents:
            if not a.on_duty and a.contact is None:
                continue
            c = a.contact
            if c is None:
                agents.append(AgentView(a.number))
            else:
                agents.append(AgentView(a.number, c.id, c.category.id, CHANNELS[c.channel],
                                        department(c), c.stage > 0, now - a.since))
        queue = []
        longest = 0.0
        for lane in g.lanes[g.first_lane:]:
            for c in lane:
                if not c.waiting:
                    continue
                longest = max(longest, now - c.since)
                if len(queue) < QUEUE_VIEW_LIMIT:
                    queue.append(WaitingView(c.id, c.category.id, CHANNELS[c.channel],
                                             department(c), c.stage > 0, now - c.since))
        return GroupView(
            id=g.id, kind=g.kind, tier=g.tier, on_duty=g.on_duty, busy=g.busy(),
            waiting=g.waiting,
            waiting_by_channel={ch: g.waiting_by_channel[i] for i, ch in enumerate(CHANNELS)},
            agents=agents, queue=queue, longest_wait_min=longest)


@dataclass
class Outcome:
    """What a finished (or stopped) run leaves behind: its event log and how to read it."""

    scenario: Scenario
    seed: int
    replication: int
    log: EventLog
    calendar: WorkCalendar
    end_min: float
    decisions: list[Decision] = field(default_factory=list)
    _kpis: dict | None = None

    def kpis(self) -> dict[str, float | None]:
        if self._kpis is None:
            from sim.kpis import compute_kpis
            self._kpis = compute_kpis(self)
        return self._kpis
