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
from collections.abc import Iterable, Iterator
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
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from sim import targets as target_paths

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
#: Checks of decision points' conditions one run may make (the run's duration over
#: `check_every_min`, times the points with a condition): each reads what happened since the
#: last, so that far more checks than contacts would only slow the run down.
MAX_CONDITION_CHECKS = 1_000_000

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


def parse_moment(value: Any, start_weekday: int = 0) -> float:
    """A moment of the run in minutes from its start: a number of minutes, "day 2 09:30"
    (day 1 is the first day), "tue 09:30" (the first Tuesday of the run) or "09:30" (on the
    first day). Raises ValueError with what was expected."""
    if isinstance(value, bool):
        raise ValueError("expected a time such as \"tue 09:30\", \"day 2 09:30\" or minutes")
    if isinstance(value, (int, float)):
        if value < 0 or value > MAX_DURATION_MIN:
            raise ValueError(f"expected minutes from the start of the run, got {value}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError("expected a time such as \"tue 09:30\", \"day 2 09:30\" or minutes")
    m = re.fullmatch(r"\s*(?:(day\s+(\d+)|mon|tue|wed|thu|fri|sat|sun)\s+)?(\d{1,2}):(\d{2})\s*",
                     value.lower())
    if not m or int(m.group(4)) >= 60 or int(m.group(3)) * 60 + int(m.group(4)) > 24 * 60:
        raise ValueError(f"expected a time such as \"tue 09:30\", \"day 2 09:30\" or "
                         f"minutes, got {value!r}")
    day = 0
    if m.group(2) is not None:
        day = int(m.group(2)) - 1
        if day < 0:
            raise ValueError(f"days are counted from day 1, got {value!r}")
    elif m.group(1):
        day = (WEEKDAYS.index(m.group(1)) - start_weekday) % 7
    return float(day * MINUTES_PER_DAY + int(m.group(3)) * 60 + int(m.group(4)))


def _moment(value: Any, info: ValidationInfo) -> Any:
    context = info.context if isinstance(info.context, dict) else {}
    try:
        return parse_moment(value, context.get("start_weekday", 0))
    except ValueError as error:
        raise PydanticCustomError("moment", str(error).replace("{", "{{").replace("}", "}}"),
                                  {}) from None


#: A moment of the run: minutes, or "tue 09:30", "day 2 09:30", "09:30".
Moment = Annotated[float, BeforeValidator(_moment)]


# ---------------------------------------------------------------------------------------------
# Cross-references
# ---------------------------------------------------------------------------------------------

_REF_KINDS = {
    "teams": "team",
    "suppliers": "supplier",
    "services": "service",
    "departments": "department",
    "profiles": "arrival profile",
    "categories": "category",
    "levers": "lever",
    "decision_points": "decision point",
    "changes": "change",
    "injects": "inject",
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
CategoryRef = Annotated[str, _reference_to("categories")]
LeverRef = Annotated[str, _reference_to("levers")]
DecisionPointRef = Annotated[str, _reference_to("decision_points")]


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
    #: what an hour worked past the end of a shift costs, as a multiple of `cost_per_hour`
    #: (an agent who finishes a call after hours, or is sent home by a lever mid-call);
    #: time and a half is the common rule (Asm)
    overtime_rate: Annotated[float, Field(strict=True, ge=1, le=5)] = 1.5
    queue: Literal["priority", "fifo"] = "priority"
    #: points added to the score of the moments of truth of the contacts this team answers
    #: first (-20..20): the empathy and quality of its people, which training can raise
    empathy: Annotated[float, Field(strict=True, ge=-20, le=20)] = 0.0
    #: callers on hold are told their expected wait (perceived waits are shorter)
    announces_wait: bool = False

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


def _mix_adds_up(mix: dict[str, float]) -> dict[str, float]:
    """A mix of channels is checked where it is written (`departments[sales].channels`)."""
    total = math.fsum(mix.values())
    if not mix or abs(total - 1.0) > 1e-6:
        raise PydanticCustomError(
            "mix_sum", "channel shares must add up to 1, they add up to {total}",
            {"total": round(total, 6)},
        )
    return mix


ChannelMix = Annotated[dict[Channel, Share], AfterValidator(_mix_adds_up)]


class Retry(Strict):
    """Of the people who hang up (or walk away), the share who try again, after how long,
    and how (absent: the same way as before)."""

    share: Share
    delay: Distribution
    channels: ChannelMix | None = None


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
    retry: Retry | None = None
    #: what an hour of one person's work is worth, for the cost of lost business time
    cost_per_hour: Money = 0.0
    #: satisfaction with IT before the run starts (0-100)
    satisfaction: Annotated[float, Field(strict=True, ge=0, le=100)] = 75.0


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


def located(loc: tuple, kind: str, message: str, **ctx: Any) -> InitErrorDetails:
    """A problem found by a check of a whole model, at the place it is about (`loc`, under
    the model's own location): the loader puts it on that line of the file."""
    return InitErrorDetails(type=PydanticCustomError(kind, message, ctx), loc=loc, input=None)


def raise_located(title: str, problems: Iterable[InitErrorDetails]) -> None:
    """Raise every problem at once (pydantic reports them under the model's location)."""
    problems = list(problems)
    if problems:
        raise ValidationError.from_exception_data(title, problems)


def twice_words(lever: str, first: str, where: str = "") -> str:
    """A lever pulled a second time that can be pulled only once; `first`: who pulls it
    already; `where`: where its `repeatable` is, if not in this file. (No {braces}: ids
    cannot hold them.)"""
    return (f"{lever} can be pulled only once in a run, and {first}: take it out of one of "
            f"the two, or make the lever repeatable: true{where}")


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
    #: a fulfilment workflow instead of one escalation: the groups the ticket goes through,
    #: in order, each doing its part (teams take `resolve`; suppliers their contract times)
    route: Annotated[list[GroupRef], Field(min_length=1, max_length=4)] | None = None
    #: how long a resolver team works on one ticket (suppliers use their contract times)
    resolve: Distribution | None = None
    reassign: Reassign | None = None
    #: the share of contacts the first-contact team turns down: requests for something IT
    #: does not offer (no defined service), closed without being resolved
    declined: Share = 0.0
    pending: Pending | None = None
    patience: Distribution | None = None
    #: share of the person's work that stops while the contact is open (a dead laptop: 1)
    blocks_work: Share = 0.0

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Category:
        raise_located("Category", [
            InitErrorDetails(type=error, loc=(), input=None)
            for error in category_rule_errors(self.__dict__, _known_ids(info, "teams"))])
        return self

    @property
    def priority(self) -> int:
        """ITIL priority 1 (critical) to 5 (planning) from impact and urgency."""
        return self.impact + self.urgency - 1


def category_rule_errors(category: dict[str, Any],
                         teams: list[str] | None) -> list[PydanticCustomError]:
    """The rules between a category's fields (channel or channels; escalate_to or route;
    fcr below 1 needs somewhere to go; a team it goes to needs a resolve time), on its
    fields by name: a validated category's, or the mapping the file has, so that the
    loader can tell them even when a field of the category is wrong in itself (a field
    absent or not a number counts as not given)."""
    def given(name: str) -> bool:
        return category.get(name) is not None

    errors = []
    if given("channel") and given("channels"):
        errors.append(PydanticCustomError(
            "channel_twice", "give channel (one) or channels (a mix), not both", {}))
    if given("escalate_to") and given("route"):
        errors.append(PydanticCustomError(
            "escalation_twice", "give escalate_to (one group) or route (a workflow), not both",
            {}))
    if given("route") and given("reassign"):
        errors.append(PydanticCustomError(
            "route_reassign", "a route already says where the ticket goes; drop reassign", {}))
    fcr = category.get("fcr")
    if _raw_number(fcr) is not None and fcr < 1 and not given("escalate_to") \
            and not given("route"):
        errors.append(PydanticCustomError(
            "escalation_missing",
            "fcr is below 1, so escalate_to is required: the team or supplier that takes "
            "the tickets the service desk cannot resolve (or route: a workflow)", {}))
    # A team needs the category's resolve time; a supplier works to its own contract.
    if teams is not None and not given("resolve"):
        route, reassign = category.get("route"), category.get("reassign")
        targets = [category.get("escalate_to"), *(route if isinstance(route, list) else [])]
        targets.append(reassign.get("to") if isinstance(reassign, dict)
                       else getattr(reassign, "to", None))
        team_targets = [t for t in targets if isinstance(t, str) and t in teams]
        if team_targets:
            errors.append(PydanticCustomError(
                "resolve_missing",
                "tickets go to team {team}, so resolve is required: how long the team works "
                "on one (a distribution in minutes)", {"team": team_targets[0]}))
    return errors


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


# ---------------------------------------------------------------------------------------------
# The story: changes, injects, levers, decision points
# ---------------------------------------------------------------------------------------------


class Effect(Strict):
    """One change to a live parameter: a target path and exactly one of set, add, multiply.

    The path is checked against `sim.targets` and the rest of the file when it loads."""

    target: str
    set: Any = None
    add: Annotated[float, Field(strict=True, ge=-1e9, le=1e9)] | None = None
    multiply: Annotated[float, Field(strict=True, ge=0, le=1e6)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("target"), str):
            return data  # the field validation reports what is missing
        operations = [op for op in ("set", "add", "multiply") if data.get(op) is not None]
        if len(operations) != 1:
            raise PydanticCustomError(
                "effect_operation", "give exactly one of set, add, multiply (got {got})",
                {"got": ", ".join(operations) or "none"})
        context = info.context if isinstance(info.context, dict) else {}
        raw = context.get("raw")
        if raw is None:
            return data
        operation = operations[0]
        try:
            target = target_paths.parse_target(data["target"], raw)
            target_paths.check_operation(target, operation, data[operation])
        except target_paths.TargetError as error:
            raise PydanticCustomError("effect_target", "{why}", {"why": str(error)}) from None
        if target.kind in (target_paths.GROUP, target_paths.ROUTE):
            groups = context["ids"].get("teams", []) + context["ids"].get("suppliers", [])
            named = data["set"] if isinstance(data["set"], list) else [data["set"]]
            unknown = [g for g in named if g not in groups]
            if unknown:
                raise PydanticCustomError(
                    "effect_target", "no team or supplier with id '{value}' (declared: {ids})",
                    {"value": unknown[0], "ids": ", ".join(groups)})
            teams = [g for g in named if g in context["ids"].get("teams", [])]
            category = target_paths.find_item(raw, "categories", target.item)
            if teams and not isinstance(category.get("resolve"), dict):
                raise PydanticCustomError(
                    "effect_target", "categories.{c} has no resolve time, so its tickets "
                    "cannot go to team {t}: give the category a resolve", {"c": target.item,
                                                                            "t": teams[0]})
        if target.kind == target_paths.TIME and operation == "set":
            try:
                data = {**data, "set": parse_moment(data["set"], context.get("start_weekday", 0))}
            except ValueError as error:
                raise PydanticCustomError("effect_target", "{why}", {"why": str(error)}) from None
        return data

    @property
    def operation(self) -> str:
        return next(op for op in ("set", "add", "multiply") if getattr(self, op) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, self.operation)


class Lever(Strict):
    """A named, costed action a player (or a policy) can take: a list of effects.

    `cost` is paid once, when the lever is pulled. `duration_min`: the effects last this long
    and then revert (absent: for the rest of the run). `evidence`: where the size of the
    effect comes from, with its grade (A peer-reviewed ... Asm our assumption).
    `anytime`: the player may also pull it whenever they like during the run (the game's
    lever panel), not only when a decision point offers it."""

    id: Id
    name: str
    description: str = ""
    cost: Money = 0.0
    effects: Annotated[list[Effect], Field(min_length=1)]
    duration_min: PositiveMinutes | None = None
    repeatable: bool = False
    anytime: bool = False
    evidence: str = ""


#: What a decision point's condition can watch. "<metric>.<id>" picks one team / department.
CONDITION_METRICS = {
    "phone_waiting": "callers on hold at the first-contact teams",
    "waiting": "contacts waiting in one team's or supplier's queue (waiting.<id>)",
    "backlog": "open contacts and tickets",
    "contacts_last_hour": "contacts that arrived in the last hour",
    "abandonment_rate_last_hour": "share of phone calls in the last hour that hung up",
    "asa_min_last_hour": "mean wait of phone calls answered in the last hour",
    "sla_breach_rate": "share of tickets past their resolve target so far",
    "satisfaction": "mean satisfaction (0-100), or one department's (satisfaction.<department>)",
}


class Condition(Strict):
    """When a decision point fires: a metric compared with a value."""

    metric: str
    above: Annotated[float, Field(strict=True)] | None = None
    below: Annotated[float, Field(strict=True)] | None = None

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> Condition:
        if (self.above is None) == (self.below is None):
            raise PydanticCustomError("condition", "give exactly one of above, below", {})
        base, _, which = self.metric.partition(".")
        if base not in CONDITION_METRICS:
            raise PydanticCustomError(
                "condition_metric", "unknown metric '{m}'; expected one of: {known}",
                {"m": self.metric, "known": ", ".join(CONDITION_METRICS)})
        kind = {"waiting": "teams", "satisfaction": "departments"}.get(base)
        ids = _known_ids(info, kind) if kind else None
        if base == "waiting" and ids is not None:
            ids = ids + (_known_ids(info, "suppliers") or [])
        if base == "waiting" and not which:
            raise PydanticCustomError("condition_metric",
                                      "say which team or supplier: waiting.<id>", {})
        if base == "satisfaction" and not which and ids is not None and not ids:
            raise PydanticCustomError(
                "condition_metric", "satisfaction is measured per department, and this "
                "scenario declares none", {})
        if which and (kind is None or (ids is not None and which not in ids)):
            raise PydanticCustomError(
                "condition_metric", "metric '{m}': '{which}' is not a {what} of this scenario",
                {"m": self.metric, "which": which, "what": _REF_KINDS.get(kind, "part")})
        return self


class DecisionPoint(Strict):
    """When the game stops to ask: at a moment, or when a condition holds (checked every few
    minutes; `once`: only the first time). The levers on offer, one or several, and the
    budget they must fit in."""

    id: Id
    title: str = ""
    prompt: str
    at: Moment | None = None
    when: Condition | None = None
    once: bool = True
    levers: Annotated[list[LeverRef], Field(min_length=1)]
    choice: Literal["single", "multiple"] = "multiple"
    budget: Money | None = None

    @model_validator(mode="after")
    def _trigger(self) -> DecisionPoint:
        if (self.at is None) == (self.when is None):
            raise PydanticCustomError("decision_trigger",
                                      "give exactly one of at (a moment) or when (a condition)",
                                      {})
        return self


class Demand(Strict):
    """Extra contacts of one category from the affected people, fading with a half-life
    counted in working time: `per_user` in all, or `per_user_per_day` at the start."""

    category: CategoryRef
    per_user: Annotated[float, Field(strict=True, gt=0, le=100)] | None = None
    per_user_per_day: Annotated[float, Field(strict=True, gt=0, le=100)] | None = None
    half_life_days: Annotated[float, Field(strict=True, gt=0, le=366)] | None = None
    half_life_min: Annotated[float, Field(strict=True, gt=0, le=MAX_TIME_MIN)] | None = None

    @model_validator(mode="after")
    def _one_each(self) -> Demand:
        if (self.per_user is None) == (self.per_user_per_day is None):
            raise PydanticCustomError("demand_volume",
                                      "give exactly one of per_user, per_user_per_day", {})
        if (self.half_life_days is None) == (self.half_life_min is None):
            raise PydanticCustomError("demand_half_life",
                                      "give exactly one of half_life_days, half_life_min", {})
        return self


class ChangeFailure(Strict):
    """The chance that the change fails when it goes live, and what failing does: the
    service is down for the affected people (`blocks_work` of their work stops) until it is
    fixed after `duration_min` or rolled back, with extra contacts meanwhile."""

    chance: Share
    duration_min: PositiveMinutes
    blocks_work: Share = 1.0
    demand: list[Demand] = []


class Change(Strict):
    """A change IT rolls out to a service at a moment, and the demand it creates among the
    people it affects (those in `departments`, else the users of its service, else everyone).
    `channels`: how they reach IT about it; `warned`: whether they were told properly in
    advance. Levers prepare it (paths `changes.<id>.demand...`, `.warned`), postpone it
    (`.at`) or roll it back (`.active: false`)."""

    id: Id
    name: str
    description: str = ""
    service: ServiceRef | None = None
    at: Moment
    departments: list[DepartmentRef] | None = None
    demand: list[Demand] = []
    channels: ChannelMix | None = None
    warned: bool = False
    failure: ChangeFailure | None = None


class Outage(Strict):
    """A service down: its users lose `blocks_work` of their work while it lasts."""

    service: ServiceRef
    blocks_work: Share = 1.0


class Inject(Strict):
    """Something that happens at a moment: effects on live parameters (reverted after
    `duration_min` when given) — a supplier failing its contract, staff off sick — extra
    demand, and/or a service outage."""

    id: Id
    name: str
    description: str = ""
    at: Moment
    duration_min: PositiveMinutes | None = None
    effects: list[Effect] = []
    demand: list[Demand] = []
    departments: list[DepartmentRef] | None = None
    channels: ChannelMix | None = None
    outage: Outage | None = None

    @model_validator(mode="after")
    def _something(self) -> Inject:
        if not (self.effects or self.demand or self.outage):
            raise PydanticCustomError("inject_empty",
                                      "an inject needs effects, demand or an outage", {})
        if self.outage is not None and self.duration_min is None:
            raise PydanticCustomError("outage_duration",
                                      "an outage needs duration_min: how long it lasts", {})
        return self


class Satisfaction(Strict):
    """How moments of truth are scored (see sim/moments.py for the model and its sources):
    the wait each channel's users expect before they are answered, and how fast remembered
    satisfaction drifts back to its baseline between contacts."""

    expected_answer_min: dict[Channel, PositiveMinutes] = {
        "phone": 1.0, "walk_in": 3.0, "email": 240.0, "portal": 480.0,
    }
    memory_half_life_days: Annotated[float, Field(strict=True, gt=0, le=366)] = 20.0


class ScoreWeights(Strict):
    """The balanced score of a run (0-100): satisfaction at the end, cost against a
    reference (100 * reference / (reference + cost): nothing scores 100, the reference 50,
    three times it 25, never quite 0), and the share of SLAs kept. The weights are
    relative."""

    satisfaction: Annotated[float, Field(strict=True, ge=0, le=100)] = 0.5
    cost: Annotated[float, Field(strict=True, ge=0, le=100)] = 0.3
    service: Annotated[float, Field(strict=True, ge=0, le=100)] = 0.2
    cost_reference: Annotated[float, Field(strict=True, gt=0, le=1e12)] = 10_000.0


class Goal(Strict):
    """A target for a key figure, shown in debriefs: at most or at least a value."""

    at_most: Annotated[float, Field(strict=True)] | None = None
    at_least: Annotated[float, Field(strict=True)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Goal:
        if (self.at_most is None) == (self.at_least is None):
            raise PydanticCustomError("goal", "give exactly one of at_most, at_least", {})
        return self


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
    #: the story for the trainee, read before the run
    briefing: str = ""
    #: what the scenario teaches, for the trainer
    trainer_note: str = ""
    changes: list[Change] = []
    injects: list[Inject] = []
    levers: list[Lever] = []
    decision_points: list[DecisionPoint] = []
    #: named ways to answer the decision points headless: {policy: {decision point: [lever]}}
    policies: dict[Id, dict[DecisionPointRef, list[LeverRef]]] = {}
    #: how often (simulated minutes) the conditions of decision points are checked
    check_every_min: Annotated[float, Field(strict=True, gt=0, le=1440)] = 5.0
    satisfaction: Satisfaction = Satisfaction()
    score: ScoreWeights = ScoreWeights()
    goals: dict[str, Goal] = {}

    @model_validator(mode="after")
    def _whole_file(self) -> Scenario:
        """What only the whole file can tell, every problem at the place it is written
        (`policies.greedy.busy[1]`, `changes[mail].demand[0].per_user`), all at once."""
        raise_located("Scenario", [*self._policy_problems(), *self._once_problems(),
                                   *self._nobody_problems(), *self._file_problems()])
        return self

    def _policy_problems(self) -> Iterator[InitErrorDetails]:
        points = {p.id: p for p in self.decision_points}
        levers = {lever.id: lever for lever in self.levers}
        for name, answers in self.policies.items():
            first_pull: dict[str, str] = {}  # lever that can be pulled once -> its point
            told: set[str] = set()  # levers whose second pull is reported (once each)
            for point_id, chosen in answers.items():
                point, where = points[point_id], ("policies", name, point_id)
                for i, lever in enumerate(chosen):
                    if lever not in point.levers:
                        yield located((*where, i), "policy_lever",
                                      "decision point {d} does not offer {l} (it offers: "
                                      "{offered})", d=point_id, l=lever,
                                      offered=", ".join(point.levers))
                    elif levers[lever].repeatable:
                        continue
                    elif lever not in first_pull:
                        first_pull[lever] = point_id
                    elif lever not in told:
                        told.add(lever)
                        yield located((*where, i), "policy_twice", twice_words(
                            lever, f"this policy pulls it already at {first_pull[lever]}"))
                if point.choice == "single" and len(chosen) > 1:
                    yield located(where, "policy_single", "decision point {d} takes one lever "
                                  "only (choice: single), and this policy chooses {n}",
                                  d=point_id, n=len(chosen))
                spent = sum(levers[lever].cost for lever in chosen)
                if point.budget is not None and spent > point.budget:
                    yield located(where, "policy_budget", "the levers chosen at {d} cost {c}, "
                                  "over its budget of {b}", d=point_id, c=f"{spent:,.0f}",
                                  b=f"{point.budget:,.0f}")

    def _once_problems(self) -> Iterator[InitErrorDetails]:
        repeatable = {lever.id for lever in self.levers if lever.repeatable}
        for i, point in enumerate(self.decision_points):
            if point.once:
                continue
            if point.when is None:
                yield located(("decision_points", i, "once"), "once_timed",
                              "once applies to a point asked when a condition holds; a point "
                              "with at is asked once, at its moment: leave once out")
            elif not repeatable & set(point.levers):
                yield located(
                    ("decision_points", i, "once"), "once_spent",
                    "with once: false the point is asked at every check while its condition "
                    "holds, but none of its levers ({l}) is repeatable: once they are pulled "
                    "it would stop the clock again and again with nothing left to offer; "
                    "make one of them repeatable: true, or leave once out (asked the first "
                    "time only)", l=", ".join(point.levers))

    def _nobody_problems(self) -> Iterator[InitErrorDetails]:
        """Contacts counted per person where nobody is concerned: they would never come."""
        for i, category in enumerate(self.categories):
            if (category.arrivals is not None and category.arrivals.per_user_per_day is not None
                    and not self.departments_of(category)):
                yield located(("categories", i, "arrivals", "per_user_per_day"), "no_people",
                              self._nobody_words(category.departments, category.service,
                                                 "category", "contacts"))
        for i, change in enumerate(self.changes):
            demands = [(("changes", i, "demand", j), d) for j, d in enumerate(change.demand)]
            if change.failure is not None:
                demands += [(("changes", i, "failure", "demand", j), d)
                            for j, d in enumerate(change.failure.demand)]
            yield from self._demand_nobody(demands, change.departments, change.service, "change")
        for i, inject in enumerate(self.injects):
            service = inject.outage.service if inject.outage is not None else None
            yield from self._demand_nobody(
                [(("injects", i, "demand", j), d) for j, d in enumerate(inject.demand)],
                inject.departments, service, "inject")

    def _demand_nobody(self, demands: list, departments: list[str] | None, service: str | None,
                       what: str) -> Iterator[InitErrorDetails]:
        if not demands or self.concerned(departments, service):
            return
        words = self._nobody_words(departments, service, what, "extra contacts")
        for where, demand in demands:
            field = "per_user" if demand.per_user is not None else "per_user_per_day"
            yield located((*where, field), "no_people", words)

    def _nobody_words(self, departments: list[str] | None, service: str | None, what: str,
                      contacts: str) -> str:
        counted = f"counts {contacts} per person, but "
        if not self.departments:
            alternative = (" or give it a volume that needs no people: per_day, per_hour or "
                           "per_minute" if what == "category" else "")
            return (counted + "the scenario declares no departments, so there is nobody to "
                    f"make them: declare the departments (with their headcount) the {what} "
                    f"concerns{',' if alternative else ''}{alternative}")
        if departments is not None:
            return (counted + f"the {what} names no departments (departments: []), so there "
                    f"is nobody to make them: name the departments it concerns")
        return (counted + f"no department uses service {service} (each lists its services, "
                f"and none lists {service}), so there is nobody to make them: add {service} "
                f"to the services of the departments concerned, or name them in the {what}'s "
                "departments")

    def _file_problems(self) -> Iterator[InitErrorDetails]:
        total = sum(c.arrivals.expected_contacts(self.clock.duration,
                                                 sum(d.headcount for d in self.departments))
                    for c in self.categories if c.arrivals is not None)
        try:
            _check_run_size(total, "in all categories together")
        except PydanticCustomError as error:
            yield located(("categories",), error.type, error.message())
        yield from self._check_problems()
        if self.calendar is None:
            for kind, groups in (("teams", self.teams), ("suppliers", self.suppliers)):
                for i, group in enumerate(groups):
                    if group.hours == "business":
                        yield located((kind, i, "hours"), "no_calendar",
                                      "business hours need a calendar, and this scenario has "
                                      "none: add a calendar, or work hours: always")
        for name in self.goals:
            wrong = goal_name_problem(name, self)
            if wrong:
                yield located(("goals", name), "goal_name", "{why}", why=wrong)

    def _check_problems(self) -> Iterator[InitErrorDetails]:
        """Conditions checked so often that the run would take forever (0.001 minutes over
        a week: 7 million checks), at check_every_min (or the decision points, when the file
        keeps the default)."""
        conditions = sum(1 for p in self.decision_points if p.when is not None)
        checks = self.clock.duration / self.check_every_min * conditions
        if checks <= MAX_CONDITION_CHECKS:
            return
        # the least interval that keeps within the limit, rounded up to a number people write
        least = self.clock.duration * conditions / MAX_CONDITION_CHECKS
        steps = [k / 100 for k in range(1, 10)] + [k / 10 for k in range(1, 10)] \
            + list(range(1, 1441))
        step = next((step for step in steps if step >= least), None)
        how = (f"check less often (check_every_min: {step:g} or more), or give fewer points "
               "a condition" if step is not None else
               "give fewer points a condition, or make the run shorter")
        where = ("check_every_min",) if "check_every_min" in self.model_fields_set \
            else ("decision_points",)
        yield located(where, "too_many_checks",
                      "{n} decision point{s} with a condition, checked every {every} minutes "
                      "over the run's {duration} minutes: {checks} checks, more than the "
                      "{limit} one run may make; {how}",
                      n=conditions, s="" if conditions == 1 else "s",
                      every=f"{self.check_every_min:g}", duration=f"{self.clock.duration:,.0f}",
                      checks=f"{checks:,.0f}", limit=f"{MAX_CONDITION_CHECKS:,}", how=how)

    # -- look-ups used by the engine and the reports ------------------------------------------

    def team(self, team_id: str) -> Team:
        return next(t for t in self.teams if t.id == team_id)

    def departments_of(self, category: Category) -> list[Department]:
        """Who raises a category: its own `departments`, else the departments that use its
        service, else everybody."""
        return self.concerned(category.departments, category.service)

    def concerned(self, departments: list[str] | None, service: str | None) -> list[Department]:
        """The people a category, a change or an inject concerns: the `departments` it
        names, else the departments that use its `service`, else everybody."""
        if departments is not None:
            wanted = set(departments)
            return [d for d in self.departments if d.id in wanted]
        if service is not None:
            return [d for d in self.departments if d.services is None or service in d.services]
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


def goal_name_problem(name: str, scenario: Scenario | None = None,
                      has_departments: bool | None = None) -> str | None:
    """What is wrong with the key figure a goal names, or None. Without the `scenario` (a
    file that could not be read whole), only a name that is no key figure of any scenario,
    or one about people where the file has no departments (`has_departments`), is told, in
    the same words as with it: the loader reports it with the file's other problems, and
    the two reports are one."""
    from sim.kpis import KPI_LABELS, PEOPLE_KPIS, kpi_label, kpi_names

    if kpi_label(name)[0] == name:  # not even the shape of a key figure's name
        return "not a key figure " + _close_words(name, list(KPI_LABELS), "")
    if scenario is not None:
        has_departments = bool(scenario.departments)
    if has_departments is False and (name in PEOPLE_KPIS
                                     or name.startswith("satisfaction_")):
        return (f"{name} is measured on the people IT serves, and this scenario declares no "
                "departments: declare them (with their headcount), or leave this goal out")
    if scenario is None:
        return None
    known = sorted(kpi_names(scenario))
    if name in known:
        return None
    return "not a key figure of this scenario " + _close_words(name, known, " for it")


def _close_words(name: str, known: list[str], words: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"(did you mean '{close[0]}'?)"
    return (f"(see the figures `itsm run` prints{words}, e.g. abandonment_rate, asa_min, "
            "fcr, mean_wait_min)")


# ---------------------------------------------------------------------------------------------
# Entry point for data that has been read already
# ---------------------------------------------------------------------------------------------

_ID_LISTS = ("teams", "suppliers", "services", "departments", "categories", "levers",
             "decision_points", "changes", "injects")


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
    context: dict[str, Any] = {"ids": declared_ids(data), "horizon_min": None, "headcount": 0,
                               "raw": data if isinstance(data, dict) else {},
                               "start_weekday": 0}
    if isinstance(data, dict):
        calendar = data.get("calendar")
        start = calendar.get("start_date") if isinstance(calendar, dict) else None
        if isinstance(start, str):  # a quoted date is still a date
            try:
                start = _dt.date.fromisoformat(start.strip())
            except ValueError:
                start = None
        if isinstance(start, _dt.date):
            context["start_weekday"] = start.weekday()
        elif calendar is not None:
            context["start_weekday"] = _dt.date(2026, 3, 2).weekday()
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
