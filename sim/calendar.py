"""The clock and the working calendar.

Minute 0 of a run is midnight at the start of the calendar's `start_date` (a Monday when the
scenario has no calendar). This module answers the questions the engine and the key figures
ask about time:

- is the service desk open now, and how many business minutes lie between two moments
  (for SLAs counted in business time);
- how fast do contacts of a category arrive at each moment (arrival profiles by hour of day
  and weekday), and when does the next one arrive given a unit exponential draw;
- how many agents of a team are on duty, and when does that change (shifts).

Without a calendar the organisation never closes: every minute is a business minute.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from sim.scenario import MINUTES_PER_DAY, WEEKDAYS, Calendar, Profile, Team

DEFAULT_START = _dt.date(2026, 3, 2)  # a Monday


class WorkCalendar:
    """Working days and business hours of one scenario (or none: always open)."""

    def __init__(self, calendar: Calendar | None):
        self.defined = calendar is not None
        self.start_date = calendar.start_date if calendar else DEFAULT_START
        self._first_weekday = self.start_date.weekday()
        if calendar is None:
            self.open_min, self.close_min = 0, MINUTES_PER_DAY
            self.working_weekdays = frozenset(range(7))
            self._holidays: frozenset[_dt.date] = frozenset()
        else:
            self.open_min = calendar.business_hours.start
            self.close_min = calendar.business_hours.end
            self.working_weekdays = frozenset(WEEKDAYS.index(d) for d in calendar.working_days)
            self._holidays = frozenset(calendar.holidays)
        self._working_flags = np.zeros(0, dtype=bool)
        self._prefix = np.zeros(1)

    # -- days -----------------------------------------------------------------------------------

    def weekday(self, day: int) -> int:
        """0 = Monday ... 6 = Sunday, for day index `day` of the run."""
        return (self._first_weekday + day) % 7

    def date(self, day: int) -> _dt.date:
        return self.start_date + _dt.timedelta(days=day)

    def is_holiday(self, day: int) -> bool:
        return bool(self._holidays) and self.date(day) in self._holidays

    def is_working_day(self, day: int) -> bool:
        return self.weekday(day) in self.working_weekdays and not self.is_holiday(day)

    def is_open(self, t_min: float) -> bool:
        day = int(t_min // MINUTES_PER_DAY)
        tod = t_min - day * MINUTES_PER_DAY
        return self.is_working_day(day) and self.open_min <= tod < self.close_min

    def timestamp(self, t_min: float) -> _dt.datetime:
        """The wall-clock moment of minute `t_min` of the run."""
        start = _dt.datetime.combine(self.start_date, _dt.time())
        return start + _dt.timedelta(minutes=float(t_min))

    # -- business time --------------------------------------------------------------------------

    def _day_tables(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Per day 0..days: is it a working day, and business minutes before it starts
        (cached and grown on demand, so a year-long log is converted in one numpy pass)."""
        if len(self._working_flags) <= days:
            n = max(days + 1, 2 * len(self._working_flags), 64)
            self._working_flags = np.array([self.is_working_day(d) for d in range(n)], dtype=bool)
            per_day = self._working_flags * float(self.close_min - self.open_min)
            self._prefix = np.concatenate(([0.0], np.cumsum(per_day)))
        return self._working_flags, self._prefix

    def business_minutes_until(self, t_min: np.ndarray | float) -> np.ndarray | float:
        """Business minutes from minute 0 to `t_min` (vectorised)."""
        if not self.defined:
            return t_min
        t = np.asarray(t_min, dtype=float)
        day = np.maximum(np.floor(t / MINUTES_PER_DAY).astype(np.int64), 0)
        working, prefix = self._day_tables(int(day.max()) if day.size else 0)
        tod = t - day * MINUTES_PER_DAY
        partial = np.clip(tod - self.open_min, 0, self.close_min - self.open_min) * working[day]
        result = prefix[day] + partial
        return float(result) if np.ndim(t_min) == 0 else result

    def business_minutes_between(self, t0, t1):
        return self.business_minutes_until(t1) - self.business_minutes_until(t0)

    def add_business_minutes(self, t_min: float, minutes: float) -> float:
        """The moment when `minutes` business minutes have passed after `t_min`."""
        if not self.defined:
            return t_min + minutes
        remaining = minutes
        day = int(t_min // MINUTES_PER_DAY)
        t = t_min
        for _ in range(100_000):  # bounded: at most ~270 years of days
            if self.is_working_day(day):
                open_at = day * MINUTES_PER_DAY + self.open_min
                close_at = day * MINUTES_PER_DAY + self.close_min
                start = max(t, open_at)
                if start < close_at:
                    # (the tolerance: business minutes computed by subtraction may overshoot a
                    # closing time by a rounding error, which must not carry to the next day)
                    if remaining <= close_at - start + 1e-9:
                        return min(start + remaining, close_at)
                    remaining -= close_at - start
            day += 1
            t = day * MINUTES_PER_DAY
        return math.inf


# ---------------------------------------------------------------------------------------------
# Arrival intensity
# ---------------------------------------------------------------------------------------------


class ArrivalIntensity:
    """How many contacts per minute arrive at each moment, and when the next one comes.

    A daily volume is spread over the day by the profile's hourly weights (flat over business
    hours without them) and scaled by the weekday's weight. The next arrival time is found by
    inverting the cumulative intensity: a unit exponential draw E is "spent" along the day's
    rate segments. `scale` multiplies the whole intensity (levers, surges).
    """

    def __init__(self, calendar: WorkCalendar, per_day: float | None = None,
                 per_minute: float | None = None, profile: Profile | None = None):
        self.calendar = calendar
        self.per_minute = per_minute
        self.per_day = per_day
        self.scale = 1.0
        self._profile = profile
        self._shape = self._daily_shape(profile)
        self._weekday_weight = self._weekday_weights(profile)

    def _daily_shape(self, profile: Profile | None) -> list[tuple[int, int, float]]:
        """Segments (from_min, to_min, share of the day's volume per minute) of one day."""
        if profile is not None and profile.hourly is not None:
            hourly = profile.hourly
            weights = hourly if isinstance(hourly, list) else [hourly.get(h, 0.0) for h in range(24)]
            total = math.fsum(weights)
            return [(h * 60, h * 60 + 60, w / total / 60.0) for h, w in enumerate(weights) if w > 0]
        cal = self.calendar
        return [(cal.open_min, cal.close_min, 1.0 / (cal.close_min - cal.open_min))]

    def _weekday_weights(self, profile: Profile | None) -> list[float]:
        given = profile.weekdays if profile is not None else {}
        weights = []
        for i, name in enumerate(WEEKDAYS):
            default = 1.0 if (i in self.calendar.working_weekdays) else 0.0
            weights.append(float(given.get(name, default)))
        return weights

    def day_weight(self, day: int) -> float:
        if self.calendar.is_holiday(day):
            return 0.0
        return self._weekday_weight[self.calendar.weekday(day)]

    def rate(self, t_min: float) -> float:
        """Contacts per minute at moment `t_min`."""
        if self.per_minute is not None:
            return self.per_minute * self.scale
        day = int(t_min // MINUTES_PER_DAY)
        tod = t_min - day * MINUTES_PER_DAY
        for a, b, share in self._shape:
            if a <= tod < b:
                return self.per_day * self.day_weight(day) * share * self.scale
        return 0.0

    def expected_between(self, t0: float, t1: float) -> float:
        """Expected number of arrivals in [t0, t1)."""
        if self.per_minute is not None:
            return self.per_minute * self.scale * (t1 - t0)
        total = 0.0
        for day in range(int(t0 // MINUTES_PER_DAY), int(math.ceil(t1 / MINUTES_PER_DAY)) + 1):
            base = day * MINUTES_PER_DAY
            volume = self.per_day * self.day_weight(day) * self.scale
            if volume <= 0:
                continue
            for a, b, share in self._shape:
                lo, hi = max(t0, base + a), min(t1, base + b)
                if hi > lo:
                    total += (hi - lo) * share * volume
        return total

    def next_arrival(self, t_min: float, unit_exponential: float, horizon_min: float) -> float:
        """The time of the next arrival after `t_min`, given a unit exponential draw; `inf`
        when none comes before `horizon_min`."""
        if self.per_minute is not None:
            rate = self.per_minute * self.scale
            at = t_min + unit_exponential / rate if rate > 0 else math.inf
            return at if at < horizon_min else math.inf
        remaining = unit_exponential
        day = int(t_min // MINUTES_PER_DAY)
        last_day = int(horizon_min // MINUTES_PER_DAY)
        while day <= last_day:
            volume = self.per_day * self.day_weight(day) * self.scale
            if volume > 0:
                base = day * MINUTES_PER_DAY
                for a, b, share in self._shape:
                    lo = base + a if base + a > t_min else t_min
                    hi = base + b
                    if hi <= lo:
                        continue
                    rate = share * volume
                    capacity = (hi - lo) * rate
                    if remaining <= capacity:
                        at = lo + remaining / rate
                        return at if at < horizon_min else math.inf
                    remaining -= capacity
            day += 1
        return math.inf


# ---------------------------------------------------------------------------------------------
# Staffing
# ---------------------------------------------------------------------------------------------


OFF_HOURS = -1  # a schedule level: outside the team's working hours (nobody on duty)


def staff_schedule(team: Team, calendar: WorkCalendar, horizon_min: float
                   ) -> Iterator[tuple[float, int]]:
    """The moments when a team's scheduled headcount changes, with the new headcount, in
    time order from minute 0 (the first item is always at minute 0). Outside the team's
    hours the level is OFF_HOURS (-1), so that "within hours, nobody scheduled" (0) stays
    different: a lever can still bring people in then."""
    always = (team.shifts is None and
              (team.hours == "always" or (team.hours is None and not calendar.defined)))
    if always:
        yield 0.0, int(team.staff or 0)
        return
    level_now = None
    last_day = int(horizon_min // MINUTES_PER_DAY)
    for day in range(last_day + 1):
        base = day * MINUTES_PER_DAY
        for tod, level in _day_levels(team, calendar, day):
            if level != level_now or (day == 0 and tod == 0 and level_now is None):
                t = base + tod
                if t > horizon_min:
                    return
                yield float(t), level
                level_now = level


def _day_levels(team: Team, calendar: WorkCalendar, day: int) -> list[tuple[int, int]]:
    """(minute of day, headcount from then on) for one day, starting at minute 0."""
    weekday = calendar.weekday(day)
    holiday = calendar.is_holiday(day)
    return _levels_for(team, calendar, weekday, holiday)


@lru_cache(maxsize=4096)
def _levels_cached(intervals: tuple[tuple[int, int, int], ...]) -> list[tuple[int, int]]:
    points = sorted({0, *(a for a, _, _ in intervals), *(b for _, b, _ in intervals)})
    levels = []
    for p in points:
        if p >= MINUTES_PER_DAY:
            continue
        covering = [s for a, b, s in intervals if a <= p < b]
        levels.append((p, sum(covering) if covering else OFF_HOURS))
    return levels


def _levels_for(team: Team, calendar: WorkCalendar, weekday: int, holiday: bool
                ) -> list[tuple[int, int]]:
    if holiday:
        return [(0, OFF_HOURS)]
    if team.shifts is None:
        # staff on duty during business hours on working days
        if weekday in calendar.working_weekdays:
            return _levels_cached(((calendar.open_min, calendar.close_min, int(team.staff)),))
        return [(0, OFF_HOURS)]
    intervals = []
    for shift in team.shifts:
        if shift.days is not None:
            works = weekday in {WEEKDAYS.index(d) for d in shift.days}
        else:
            works = weekday in calendar.working_weekdays
        if works:
            intervals.append((shift.start, shift.end, shift.staff))
    return _levels_cached(tuple(intervals))
