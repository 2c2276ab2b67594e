"""The scenario format: pydantic models for what a scenario file may say.

A scenario is data, never code. These models are the single description of the format:
the loader (`sim.loader`) validates YAML against them and turns every problem into a located
message; the engine (`sim.engine`) reads a validated, immutable `Scenario`.

Units: every time is in minutes, every rate says its unit in its key (`per_minute`,
`per_user_per_day`), every cost says its currency unit in its key (`cost_per_hour`).

Cross-references (a category's `team`, a department's `services`, ...) are checked against
the ids declared in the same file. The ids are handed to the validators through pydantic's
validation context (see `scenario_from_data`), so that an unknown id is reported at the exact
place it is used, together with every other problem in the file.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
#: The longest run a scenario may ask for: ten years of simulated time.
MAX_DURATION_MIN = 10 * 366 * MINUTES_PER_DAY
#: Upper bound for any single duration (a handle time, a patience): one year.
MAX_TIME_MIN = 366 * MINUTES_PER_DAY
MAX_STAFF = 10_000
MAX_HEADCOUNT = 10_000_000
#: The most contacts one run may simulate (~a minute of computing, a few hundred MB).
MAX_CONTACTS = 10_000_000

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Channel = Literal["phone", "email", "portal", "walk_in"]
CHANNELS: tuple[str, ...] = ("phone", "email", "portal", "walk_in")
#: Channels where a person waits in line and may give up (patience applies).
LIVE_CHANNELS = frozenset({"phone", "walk_in"})
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


class Strict(BaseModel):
    """Base for every scenario model: unknown keys are errors, NaN and infinity are refused,
    and a loaded scenario cannot be changed by accident (levers act on the live model)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="letters, digits, '-' and '_'; no dots or spaces (ids appear in lever paths)",
    ),
]

PositiveMinutes = Annotated[float, Field(strict=True, gt=0, le=MAX_TIME_MIN)]
NonNegativeMinutes = Annotated[float, Field(strict=True, ge=0, le=MAX_TIME_MIN)]
Share = Annotated[float, Field(strict=True, ge=0, le=1)]
Money = Annotated[float, Field(strict=True, ge=0, le=1e9)]
#: 1, 2 or 3 (ITIL impact, urgency; a team's tier)
Level = Annotated[int, Field(strict=True, ge=1, le=3)]


def _minutes_of_day(value: Any) -> Any:
    """Accept "08:30" or a number of minutes after midnight.

    YAML 1.1 reads an unquoted 8:30 as the base-60 integer 510, which is exactly the number of
    minutes after midnight, so both spellings mean the same thing here. A bare number below
    60 is refused: `start: 8` almost certainly means 8 o'clock, not 8 minutes past midnight.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 60:
        raise PydanticCustomError(
            "time_of_day_ambiguous",
            "write a time of day as \"HH:MM\" (e.g. \"08:00\"); a bare number is read as "
            "minutes after midnight, and {value} minutes is surely not what you meant",
            {"value": value},
        )
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if not m:
            raise PydanticCustomError(
                "time_of_day", "expected a time of day like \"08:30\", got '{value}'", {"value": value}
            )
        hours, minutes = int(m.group(1)), int(m.group(2))
        if minutes >= 60 or hours * 60 + minutes > MINUTES_PER_DAY:
            raise PydanticCustomError(
                "time_of_day", "expected a time of day between 00:00 and 24:00, got '{value}'",
                {"value": value},
            )
        return hours * 60 + minutes
    return value


TimeOfDay = Annotated[
    int, BeforeValidator(_minutes_of_day), Field(strict=True, ge=0, le=MINUTES_PER_DAY)
]


# ---------------------------------------------------------------------------------------------
# Cross-references
# ---------------------------------------------------------------------------------------------

_REF_KINDS = {
    "teams": "team",
    "suppliers": "supplier",
    "services": "service",
    "departments": "department",
    "profiles": "arrival profile",
}


def _known_ids(info: ValidationInfo, kind: str) -> list[str] | None:
    context = info.context
    if not isinstance(context, dict) or "ids" not in context:
        return None
    return context["ids"].get(kind, [])


def _reference_to(*kinds: str):
    """A validator that checks a string names an id declared under one of `kinds`."""

    def check(value: str, info: ValidationInfo) -> str:
        known: list[str] = []
        checked = False
        for kind in kinds:
            ids = _known_ids(info, kind)
            if ids is None:
                continue
            checked = True
            if value in ids:
                return value
            known.extend(ids)
        if not checked:
            return value
        what = " or ".join(_REF_KINDS[k] for k in kinds)
        # dict.fromkeys: a duplicated id (reported by the loader) is listed once
        declared = ", ".join(dict.fromkeys(known))
        listing = f"declared: {declared}" if known else "none are declared"
        raise PydanticCustomError(
            "unknown_reference",
            "no {what} with id '{value}' ({listing})",
            {"what": what, "value": value, "listing": listing},
        )

    return AfterValidator(check)


TeamRef = Annotated[str, _reference_to("teams")]
SupplierRef = Annotated[str, _reference_to("suppliers")]
ServiceRef = Annotated[str, _reference_to("services")]
DepartmentRef = Annotated[str, _reference_to("departments")]
ProfileRef = Annotated[str, _reference_to("profiles")]
GroupRef = Annotated[str, _reference_to("teams", "suppliers")]


# ---------------------------------------------------------------------------------------------
# Distributions (all in minutes)
# ---------------------------------------------------------------------------------------------


class Exponential(Strict):
    """Memoryless times: mean only."""

    dist: Literal["exponential"]
    mean: PositiveMinutes


#: The widest spread (sd / mean) a lognormal or gamma time may have. Real handle and
#: resolution times stay below ~3; far beyond 100 the distribution's maths overflows.
MAX_SPREAD = 100.0


def _check_spread(mean: float, sd: float) -> None:
    if sd > MAX_SPREAD * mean:
        raise PydanticCustomError(
            "spread_too_wide",
            "sd ({sd}) is more than {limit} times the mean ({mean}): not a realistic time",
            {"sd": sd, "mean": mean, "limit": f"{MAX_SPREAD:g}"},
        )


class Lognormal(Strict):
    """Right-skewed times such as handle times: given by their mean and standard deviation."""

    dist: Literal["lognormal"]
    mean: PositiveMinutes
    sd: PositiveMinutes

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        _check_spread(self.mean, self.sd)
        return self


class Gamma(Strict):
    """Gamma times, given by mean and standard deviation (shape = (mean/sd)^2)."""

    dist: Literal["gamma"]
    mean: PositiveMinutes
    sd: PositiveMinutes

    @model_validator(mode="after")
    def _spread(self) -> Gamma:
        _check_spread(self.mean, self.sd)
        return self


class Triangular(Strict):
    """A quick expert estimate: shortest, most likely, longest."""

    dist: Literal["triangular"]
    min: NonNegativeMinutes
    mode: NonNegativeMinutes
    max: PositiveMinutes

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.min <= self.mode <= self.max and self.min < self.max):
            raise PydanticCustomError(
                "triangular_order",
                "expected min <= mode <= max with min < max, got min={a}, mode={b}, max={c}",
                {"a": self.min, "b": self.mode, "c": self.max},
            )
        return self


class Uniform(Strict):
    """Any time between min and max, equally likely."""

    dist: Literal["uniform"]
    min: NonNegativeMinutes
    max: PositiveMinutes

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.min < self.max:
            raise PydanticCustomError(
                "uniform_order", "expected min < max, got min={a}, max={b}",
                {"a": self.min, "b": self.max},
            )
        return self


class Deterministic(Strict):
    """Always the same time."""

    dist: Literal["deterministic"]
    value: PositiveMinutes


class Empirical(Strict):
    """Times sampled (equally likely) from a list of observed values, e.g. from a real log."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNegativeMinutes], Field(min_length=1, max_length=100_000)]

    @model_validator(mode="after")
    def _not_all_zero(self) -> Empirical:
        if not any(v > 0 for v in self.values):
            raise PydanticCustomError(
                "empirical_zero", "expected at least one value above 0", {}
            )
        return self


Distribution = Annotated[
    Exponential | Lognormal | Gamma | Triangular | Uniform | Deterministic | Empirical,
    Field(discriminator="dist"),
]
DISTRIBUTION_KINDS = (
    "exponential", "lognormal", "gamma", "triangular", "uniform", "deterministic", "empirical",
)


def distribution_mean(d: Any) -> float:
    """The mean of a distribution model, in minutes."""
    if isinstance(d, (Exponential, Lognormal, Gamma)):
        return d.mean
    if isinstance(d, Triangular):
        return (d.min + d.mode + d.max) / 3.0
    if isinstance(d, Uniform):
        return (d.min + d.max) / 2.0
    if isinstance(d, Deterministic):
        return d.value
    if isinstance(d, Empirical):
        return math.fsum(d.values) / len(d.values)
    raise TypeError(f"not a distribution: {d!r}")


# ---------------------------------------------------------------------------------------------
# Clock, calendar, arrival profiles
# ---------------------------------------------------------------------------------------------


class Clock(Strict):
    """How long the run lasts. Contacts that arrive during the warm-up are simulated but not
    counted in the key figures (so that a run starting empty does not flatter the desk)."""

    duration: Annotated[float, Field(strict=True, gt=0, le=MAX_DURATION_MIN)]
    warmup: Annotated[float, Field(strict=True, ge=0, le=MAX_DURATION_MIN)] = 0.0

    @model_validator(mode="after")
    def _warmup_shorter(self) -> Clock:
        if self.warmup >= self.duration:
            raise PydanticCustomError(
                "warmup_too_long",
                "warmup ({w} min) must be shorter than duration ({d} min)",
                {"w": self.warmup, "d": self.duration},
            )
        return self


class BusinessHours(Strict):
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if self.start >= self.end:
            raise PydanticCustomError(
                "hours_order", "business hours must start before they end", {}
            )
        return self


def _default_business_hours() -> BusinessHours:
    return BusinessHours(start=8 * 60, end=18 * 60)


class Calendar(Strict):
    """Working time. Minute 0 of the clock is midnight at the start of `start_date`."""

    start_date: _dt.date = _dt.date(2026, 3, 2)
    business_hours: BusinessHours = Field(default_factory=_default_business_hours)
    working_days: Annotated[list[Weekday], Field(min_length=1, max_length=7)] = [
        "mon", "tue", "wed", "thu", "fri",
    ]
    holidays: list[_dt.date] = []


HourlyWeights = (
    Annotated[list[Annotated[float, Field(strict=True, ge=0, le=1e6)]], Field(min_length=24, max_length=24)]
    | dict[Annotated[int, Field(strict=True, ge=0, le=23)], Annotated[float, Field(strict=True, ge=0, le=1e6)]]
)


class Profile(Strict):
    """The shape of a day's and a week's arrivals, as relative weights.

    `hourly`: weight of each hour of the day (a list of 24, or {hour: weight}; hours left out
    weigh 0); normalised, so only the shape matters. Absent: flat over business hours.
    `weekdays`: volume of each weekday relative to a normal working day (absent days: 1 on
    working days, 0 otherwise).
    """

    hourly: HourlyWeights | None = None
    weekdays: dict[Weekday, Annotated[float, Field(strict=True, ge=0, le=100)]] = {}

    @model_validator(mode="after")
    def _some_weight(self) -> Profile:
        if self.hourly is not None:
            weights = self.hourly if isinstance(self.hourly, list) else list(self.hourly.values())
            if not any(w > 0 for w in weights):
                raise PydanticCustomError(
                    "profile_empty", "hourly weights are all zero: no contact would ever arrive", {}
                )
        return self


# ---------------------------------------------------------------------------------------------
# The organisation
# ---------------------------------------------------------------------------------------------


class Shift(Strict):
    """Agents on duty from `start` to `end` on the given days (default: the working days)."""

    start: TimeOfDay
    end: TimeOfDay
    staff: Annotated[int, Field(strict=True, ge=0, le=MAX_STAFF)]
    days: list[Weekday] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.start >= self.end:
            raise PydanticCustomError(
                "shift_order", "a shift must start before it ends (start {a}, end {b} minutes)",
                {"a": self.start, "b": self.end},
            )
        return self


class Team(Strict):
    """A group of agents: the service desk (tier 1) or a resolver group (tier 2/3).

    Staffing: either `staff` (on duty during business hours when the scenario has a calendar,
    always otherwise; `hours: always` for a 24/7 team) or `shifts`.
    Queue: `priority` serves live channels (phone, walk-in) before e-mail and portal tickets,
    then by ITIL priority, then first come first served; `fifo` ignores both.
    """

    id: Id
    name: str | None = None
    tier: Level = 1
    staff: Annotated[int, Field(strict=True, ge=0, le=MAX_STAFF)] | None = None
    shifts: Annotated[list[Shift], Field(min_length=1)] | None = None
    hours: Literal["business", "always"] | None = None
    cost_per_hour: Money = 0.0
    queue: Literal["priority", "fifo"] = "priority"

    @model_validator(mode="after")
    def _staffed(self) -> Team:
        if (self.staff is None) == (self.shifts is None):
            raise PydanticCustomError(
                "team_staffing",
                "give either staff (a number of agents) or shifts (a list), not {what}",
                {"what": "both" if self.staff is not None else "neither"},
            )
        if self.shifts is not None and self.hours is not None:
            raise PydanticCustomError(
                "team_hours", "hours applies to a team given by staff; shifts say their own hours", {}
            )
        return self


class Supplier(Strict):
    """An outside supplier under an underpinning contract.

    `capacity`: tickets it works on at once; `response`: time before it starts on a ticket;
    `resolve`: its working time; both in clock minutes unless `hours: business`. A supplier
    works to these contract times whatever the category of the ticket.
    """

    id: Id
    name: str | None = None
    capacity: Annotated[int, Field(strict=True, ge=1, le=100_000)] = 1000
    response: Distribution | None = None
    resolve: Distribution
    cost_per_ticket: Money = 0.0
    hours: Literal["business", "always"] = "always"


class Service(Strict):
    """A catalog entry: a business service and who stands behind it."""

    id: Id
    name: str | None = None
    criticality: Literal["low", "medium", "high", "critical"] = "medium"
    team: TeamRef | None = None
    supplier: SupplierRef | None = None


ChannelMix = dict[Channel, Share]


def _check_mix(mix: dict[str, float] | None, where: str) -> None:
    if mix is None:
        return
    total = math.fsum(mix.values())
    if not mix or abs(total - 1.0) > 1e-6:
        raise PydanticCustomError(
            "mix_sum", "{where} shares must add up to 1, they add up to {total}",
            {"where": where, "total": round(total, 6)},
        )


class Department(Strict):
    """A customer group: its people, the services they use, how they reach IT, how long they
    hold on the phone before hanging up (`patience`) and how long they stand at the service
    desk before walking away (`walk_in_patience`; absent: they wait their turn)."""

    id: Id
    name: str | None = None
    headcount: Annotated[int, Field(strict=True, ge=1, le=MAX_HEADCOUNT)]
    services: list[ServiceRef] | None = None
    channels: ChannelMix | None = None
    patience: Distribution | None = None
    walk_in_patience: Distribution | None = None

    @model_validator(mode="after")
    def _mix(self) -> Department:
        _check_mix(self.channels, "channel")
        return self


class Arrivals(Strict):
    """How often contacts of a category arrive (a Poisson process).

    Exactly one rate: `per_minute` or `per_hour` (constant, day and night), or `per_day` or
    `per_user_per_day` (the volume of a normal working day, spread over the day by `profile`,
    flat over business hours when no profile is given).
    """

    per_minute: Annotated[float, Field(strict=True, gt=0, le=10_000)] | None = None
    per_hour: Annotated[float, Field(strict=True, gt=0, le=600_000)] | None = None
    per_day: Annotated[float, Field(strict=True, gt=0, le=1e7)] | None = None
    per_user_per_day: Annotated[float, Field(strict=True, gt=0, le=100)] | None = None
    profile: ProfileRef | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> Arrivals:
        given = [k for k in ("per_minute", "per_hour", "per_day", "per_user_per_day")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "one_rate",
                "give exactly one of per_minute, per_hour, per_day, per_user_per_day (got {got})",
                {"got": ", ".join(given) or "none"},
            )
        if self.profile is not None and given[0] in ("per_minute", "per_hour"):
            raise PydanticCustomError(
                "profile_with_constant_rate",
                "a profile shapes a daily volume: use per_day or per_user_per_day with it", {},
            )
        return self

    def expected_contacts(self, horizon_min: float, headcount: float) -> float:
        """Roughly how many contacts arrive over a run (a normal working day's volume every
        day: an upper bound for sizing, not a forecast)."""
        days = horizon_min / MINUTES_PER_DAY
        if self.per_minute is not None:
            return self.per_minute * horizon_min
        if self.per_hour is not None:
            return self.per_hour / 60 * horizon_min
        if self.per_day is not None:
            return self.per_day * days
        return self.per_user_per_day * headcount * days

    @model_validator(mode="after")
    def _not_too_many(self, info: ValidationInfo) -> Arrivals:
        context = info.context if isinstance(info.context, dict) else {}
        horizon = context.get("horizon_min")
        if horizon:
            _check_run_size(self.expected_contacts(horizon, context.get("headcount", 0)),
                            "(check the rate, its unit and the clock's duration)")
        return self


def _check_run_size(expected_contacts: float, note: str) -> None:
    if expected_contacts > MAX_CONTACTS:
        raise PydanticCustomError(
            "too_many_contacts",
            "about {n} contacts over the run {note}: more than the {limit} one run may simulate",
            {"n": f"{expected_contacts:,.0f}", "note": note, "limit": f"{MAX_CONTACTS:,}"},
        )


class Reassign(Strict):
    """After a resolver's work, the share of tickets passed on to another group (a hop), and
    how many hops a ticket can make at most."""

    share: Share
    to: GroupRef
    max_hops: Annotated[int, Field(strict=True, ge=1, le=4)] = 1


class Pending(Strict):
    """After a resolver's work, the share of tickets that wait on somebody else before they
    are resolved — the user's answer, a part, a visit — and for how long. No agent is busy
    meanwhile; the ticket is open. Counted in business minutes when the scenario has a
    calendar (people answer during working hours), unless `hours: always`."""

    share: Share
    duration: Distribution
    hours: Literal["business", "always"] = "business"


class Category(Strict):
    """A kind of contact: an incident or a service request, where it comes from, how it is
    handled, and where it goes when the service desk cannot resolve it.

    Priority follows the ITIL matrix: priority = impact + urgency - 1, from P1 (impact 1,
    urgency 1: critical) to P5 (impact 3, urgency 3: planning). `patience` is how long
    callers of this category hold on the phone (it overrides their department's).
    """

    id: Id
    name: str | None = None
    kind: Literal["incident", "request"] = "incident"
    service: ServiceRef | None = None
    departments: list[DepartmentRef] | None = None
    arrivals: Arrivals | None = None
    channel: Channel | None = None
    channels: ChannelMix | None = None
    impact: Level = 3  # 1 high (many people or the business stopped) .. 3 low (one person)
    urgency: Level = 3  # 1 high (work stopped now) .. 3 low (can wait)
    team: TeamRef | None = None
    handle: Distribution
    fcr: Share = 1.0
    escalate_to: GroupRef | None = None
    #: how long a resolver team works on one ticket (suppliers use their contract times)
    resolve: Distribution | None = None
    reassign: Reassign | None = None
    pending: Pending | None = None
    patience: Distribution | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Category:
        if self.channel is not None and self.channels is not None:
            raise PydanticCustomError(
                "channel_twice", "give channel (one) or channels (a mix), not both", {}
            )
        _check_mix(self.channels, "channel")
        if self.fcr < 1 and self.escalate_to is None:
            raise PydanticCustomError(
                "escalation_missing",
                "fcr is below 1, so escalate_to is required: the team or supplier that takes "
                "the tickets the service desk cannot resolve", {},
            )
        return self

    @model_validator(mode="after")
    def _resolver_time(self, info: ValidationInfo) -> Category:
        # A team needs the category's resolve time; a supplier works to its own contract.
        teams = _known_ids(info, "teams")
        if teams is None or self.resolve is not None:
            return self
        targets = [self.escalate_to] + ([self.reassign.to] if self.reassign else [])
        team_targets = [t for t in targets if t in teams]
        if team_targets:
            raise PydanticCustomError(
                "resolve_missing",
                "tickets go to team {team}, so resolve is required: how long the team works "
                "on one (a distribution in minutes)", {"team": team_targets[0]},
            )
        return self

    @property
    def priority(self) -> int:
        """ITIL priority 1 (critical) to 5 (planning) from impact and urgency."""
        return self.impact + self.urgency - 1


class SlaTarget(Strict):
    respond: PositiveMinutes | None = None
    resolve: PositiveMinutes | None = None


class Sla(Strict):
    """Service level targets by ITIL priority, counted in business or clock minutes."""

    basis: Literal["business", "clock"] = "clock"
    P1: SlaTarget | None = None
    P2: SlaTarget | None = None
    P3: SlaTarget | None = None
    P4: SlaTarget | None = None
    P5: SlaTarget | None = None

    def target(self, priority: int) -> SlaTarget | None:
        return getattr(self, f"P{priority}")


class Scenario(Strict):
    """A whole scenario file."""

    id: Id
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    #: the unit of every cost in the file (cost_per_hour, cost_per_ticket, ...)
    currency: Annotated[str, Field(min_length=1, max_length=8)] = "EUR"
    clock: Clock
    calendar: Calendar | None = None
    profiles: dict[Id, Profile] = {}
    services: list[Service] = []
    departments: list[Department] = []
    teams: Annotated[list[Team], Field(min_length=1)]
    suppliers: list[Supplier] = []
    categories: Annotated[list[Category], Field(min_length=1)]
    sla: Sla | None = None

    @model_validator(mode="after")
    def _whole_file(self) -> Scenario:
        needs_users = [c.id for c in self.categories
                       if c.arrivals is not None and c.arrivals.per_user_per_day is not None]
        if needs_users and not self.departments:
            raise PydanticCustomError(
                "no_departments",
                "categories {ids} count arrivals per user, but no departments (with headcount) "
                "are declared", {"ids": ", ".join(needs_users)},
            )
        total = sum(c.arrivals.expected_contacts(self.clock.duration,
                                                 sum(d.headcount for d in self.departments))
                    for c in self.categories if c.arrivals is not None)
        _check_run_size(total, "in all categories together")
        if self.calendar is None:
            for t in self.teams:
                if t.hours == "business":
                    raise PydanticCustomError(
                        "no_calendar", "team {id} works business hours, but there is no calendar",
                        {"id": t.id},
                    )
        return self

    # -- look-ups used by the engine and the reports ------------------------------------------

    def team(self, team_id: str) -> Team:
        return next(t for t in self.teams if t.id == team_id)

    def departments_of(self, category: Category) -> list[Department]:
        """Who raises a category: its own `departments`, else the departments that use its
        service, else everybody."""
        if category.departments is not None:
            wanted = set(category.departments)
            return [d for d in self.departments if d.id in wanted]
        if category.service is not None:
            return [d for d in self.departments
                    if d.services is None or category.service in d.services]
        return list(self.departments)

    def channels_of(self, category: Category) -> set[str]:
        """Every channel a category's contacts can arrive on."""
        if category.channel is not None:
            return {category.channel}
        if category.channels is not None:
            return {ch for ch, share in category.channels.items() if share > 0}
        departments = self.departments_of(category)
        if not departments:
            return {"phone"}
        return {ch for d in departments for ch, share in (d.channels or {"phone": 1}).items()
                if share > 0}

    def first_contact_team(self, category: Category) -> str:
        """The team that takes a category's contacts first: its own `team`, else the first
        tier-1 team, else the first team."""
        if category.team is not None:
            return category.team
        for t in self.teams:
            if t.tier == 1:
                return t.id
        return self.teams[0].id


# ---------------------------------------------------------------------------------------------
# Entry point for data that has been read already
# ---------------------------------------------------------------------------------------------

_ID_LISTS = ("teams", "suppliers", "services", "departments")


def declared_ids(data: Any) -> dict[str, list[str]]:
    """The ids declared in raw (unvalidated) scenario data, tolerant of any shape."""
    ids: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return ids
    for kind in _ID_LISTS:
        items = data.get(kind)
        ids[kind] = [
            item["id"] for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
    profiles = data.get("profiles")
    ids["profiles"] = [k for k in profiles if isinstance(k, str)] if isinstance(profiles, dict) else []
    return ids


def _raw_number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def validation_context(data: Any) -> dict[str, Any]:
    """What validators of one part need to know about the rest of the file: the ids
    declared, how long the run is and how many people work in the departments (read
    tolerantly from the raw data, since the rest may be invalid too)."""
    context: dict[str, Any] = {"ids": declared_ids(data), "horizon_min": None, "headcount": 0}
    if isinstance(data, dict):
        clock = data.get("clock")
        if isinstance(clock, dict):
            context["horizon_min"] = _raw_number(clock.get("duration"))
        departments = data.get("departments")
        for d in departments if isinstance(departments, list) else []:
            if isinstance(d, dict):
                context["headcount"] += _raw_number(d.get("headcount")) or 0
    return context


def validate_scenario(data: Any) -> Scenario:
    """Validate raw data (already read from YAML or built in code) into a `Scenario`.

    Raises pydantic's `ValidationError`; `sim.loader` turns it into located messages.
    """
    return Scenario.model_validate(data, context=validation_context(data))
