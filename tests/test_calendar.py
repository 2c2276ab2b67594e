"""The clock and the working calendar of `sim.calendar`, on cases worked out by hand.

- `WorkCalendar`: which weekday a day of the run is, working days and holidays, when the desk
  is open, the wall-clock timestamp of a minute; with and without a calendar;
- business time: minutes between two moments (for SLAs counted in business hours), scalar
  and numpy, and `add_business_minutes` as its inverse (a hypothesis property);
- `ArrivalIntensity`: the rate follows the hourly and weekday weights of a profile, the
  expected volume of a week is what the scenario says, and arrivals generated from unit
  exponentials land by hour and weekday in the declared shares (and never when the profile
  says nobody calls);
- `staff_schedule`: the exact headcount changes of teams with shifts (including the lunch
  breaks of normal-week's service desk), of teams on business hours, and of 24/7 teams.

Minute 0 is midnight at the start of the calendar's start date; the default start date,
2026-03-02, is a Monday.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim import load_builtin
from sim.calendar import ArrivalIntensity, WorkCalendar, staff_schedule
from sim.scenario import Calendar, Profile, Team

DAY = 1440
WEEK = 7 * DAY
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def at(day: int, hh: int, mm: int = 0) -> float:
    """Minute of the run at day `day`, hh:mm."""
    return day * DAY + hh * 60 + mm


def office(**kwargs) -> WorkCalendar:
    """Monday 2026-03-02 start, 08:00-18:00, Monday to Friday (plus what kwargs change)."""
    kwargs.setdefault("business_hours", {"start": "08:00", "end": "18:00"})
    return WorkCalendar(Calendar(**kwargs))


# The Wednesday of the first week is a public holiday.
HOLIDAY_WED = dt.date(2026, 3, 4)


# -- days, opening hours, timestamps -----------------------------------------------------------


def test_without_a_calendar_every_day_is_a_working_day_and_the_desk_never_closes():
    cal = WorkCalendar(None)
    assert not cal.defined
    assert cal.start_date == dt.date(2026, 3, 2) and cal.weekday(0) == MON
    assert [cal.weekday(d) for d in range(8)] == [0, 1, 2, 3, 4, 5, 6, 0]
    assert all(cal.is_working_day(d) for d in range(14))
    for t in (0.0, at(SAT, 3), at(SUN, 23, 59), at(9, 12)):
        assert cal.is_open(t)
    # every minute is a business minute
    assert cal.business_minutes_between(at(FRI, 17), at(7, 9)) == at(7, 9) - at(FRI, 17)
    assert cal.add_business_minutes(at(SAT, 10), 90) == at(SAT, 11, 30)
    assert cal.timestamp(0) == dt.datetime(2026, 3, 2, 0, 0)


def test_weekdays_follow_the_start_date():
    cal = office(start_date=dt.date(2026, 3, 4))  # a Wednesday
    assert [cal.weekday(d) for d in range(7)] == [WED, THU, FRI, SAT, SUN, MON, TUE]
    assert cal.date(5) == dt.date(2026, 3, 9)
    assert [cal.is_working_day(d) for d in range(7)] == [True, True, True, False, False,
                                                          True, True]


def test_working_days_and_holidays():
    cal = office(working_days=["mon", "tue", "wed", "thu", "fri", "sat"],
                 holidays=[HOLIDAY_WED])
    assert [cal.is_working_day(d) for d in range(8)] == [True, True, False, True, True, True,
                                                          False, True]
    assert cal.is_holiday(WED) and not cal.is_holiday(WED + 7)
    # the desk is closed all day on the holiday, open at the same time a week later
    assert not cal.is_open(at(WED, 10))
    assert cal.is_open(at(WED + 7, 10))


def test_business_hours_are_open_from_the_start_until_just_before_the_end():
    cal = office()
    assert not cal.is_open(at(MON, 7, 59))
    assert cal.is_open(at(MON, 8))
    assert cal.is_open(at(MON, 17, 59))
    assert not cal.is_open(at(MON, 18))
    assert not cal.is_open(at(SAT, 10))
    assert not cal.is_open(at(SUN, 10))


def test_timestamp_is_the_wall_clock_moment_from_the_start_date():
    cal = office(start_date=dt.date(2026, 3, 4))
    assert cal.timestamp(0) == dt.datetime(2026, 3, 4, 0, 0)
    assert cal.timestamp(at(2, 17) + 0.5) == dt.datetime(2026, 3, 6, 17, 0, 30)
    assert cal.timestamp(at(5, 9)) == dt.datetime(2026, 3, 9, 9, 0)


# -- business time -----------------------------------------------------------------------------


@pytest.mark.parametrize(("t0", "t1", "minutes", "why"), [
    (at(FRI, 17), at(7 + MON, 9), 120, "Friday 17:00 to Monday 09:00: two hours"),
    (at(MON, 7), at(MON, 19), 600, "a whole business day"),
    (at(MON, 10), at(TUE, 10), 600, "Monday 10-18 and Tuesday 08-10"),
    (at(MON, 12), at(MON, 12), 0, "no time at all"),
    (at(SAT, 9), at(SUN, 17), 0, "a weekend"),
    (at(MON, 18), at(TUE, 8), 0, "a night"),
    (at(MON, 0), at(7, 0), 3000, "a week of five 10-hour days"),
    (at(TUE, 17), at(THU, 9), 720, "Tuesday 17:00 to Thursday 09:00, no holiday"),
])
def test_business_minutes_between_hand_computed_cases(t0, t1, minutes, why):
    assert office().business_minutes_between(t0, t1) == pytest.approx(minutes), why


def test_business_minutes_skip_a_holiday():
    cal = office(holidays=[HOLIDAY_WED])
    # Tuesday 17-18 and Thursday 08-09: Wednesday does not count
    assert cal.business_minutes_between(at(TUE, 17), at(THU, 9)) == pytest.approx(120)
    assert cal.business_minutes_between(at(MON, 0), at(7, 0)) == pytest.approx(2400)


def test_business_minutes_over_a_year():
    cal = office()
    # 52 weeks of 5 x 600 minutes: the cached day table grows as needed
    assert cal.business_minutes_between(0.0, 52 * WEEK) == pytest.approx(52 * 3000)


def test_business_minutes_vectorised_agree_with_scalars():
    cal = office(holidays=[HOLIDAY_WED])
    rng = np.random.default_rng(7)
    t0 = rng.uniform(0, 3 * WEEK, 500)
    t1 = t0 + rng.uniform(0, 2 * WEEK, 500)
    vector = cal.business_minutes_between(t0, t1)
    assert isinstance(vector, np.ndarray) and vector.shape == (500,)
    scalars = [cal.business_minutes_between(a, b) for a, b in zip(t0, t1, strict=True)]
    np.testing.assert_allclose(vector, scalars)
    assert isinstance(scalars[0], float)
    assert np.all(vector >= 0)


def reference_business_minutes(cal: WorkCalendar, t0: float, t1: float) -> float:
    """Business minutes between t0 and t1 the slow, obvious way: day by day."""
    total = 0.0
    for day in range(int(t0 // DAY), int(t1 // DAY) + 1):
        if cal.is_working_day(day):
            lo = max(t0, day * DAY + cal.open_min)
            hi = min(t1, day * DAY + cal.close_min)
            total += max(0.0, hi - lo)
    return total


CALENDARS = [
    office(),
    office(holidays=[HOLIDAY_WED, dt.date(2026, 3, 13)]),
    WorkCalendar(Calendar(start_date=dt.date(2026, 3, 5),
                          business_hours={"start": "08:30", "end": "17:00"},
                          working_days=["mon", "tue", "thu", "fri", "sat"])),
]
times = st.floats(min_value=0, max_value=4 * WEEK, allow_nan=False)
durations = st.floats(min_value=0, max_value=6000, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(cal=st.sampled_from(CALENDARS), t0=times, t1=times)
def test_business_minutes_match_a_day_by_day_count(cal, t0, t1):
    t0, t1 = min(t0, t1), max(t0, t1)
    assert cal.business_minutes_between(t0, t1) == pytest.approx(
        reference_business_minutes(cal, t0, t1), abs=1e-6)


@pytest.mark.parametrize(("t", "minutes", "expected"), [
    (at(FRI, 17), 120, at(7 + MON, 9)),
    (at(FRI, 17), 60, at(FRI, 18)),          # the earliest moment: Friday's close
    (at(SAT, 10), 30, at(7 + MON, 8, 30)),
    (at(MON, 6), 0, at(MON, 8)),             # nothing to wait for, but the desk opens at 8
    (at(MON, 9), 1800, at(THU, 9)),          # three business days later
])
def test_add_business_minutes_hand_computed_cases(t, minutes, expected):
    assert office().add_business_minutes(t, minutes) == pytest.approx(expected)


def test_add_business_minutes_skips_a_holiday():
    cal = office(holidays=[HOLIDAY_WED])
    assert cal.add_business_minutes(at(TUE, 17), 120) == pytest.approx(at(THU, 9))


@settings(max_examples=300, deadline=None)
@given(cal=st.sampled_from(CALENDARS), t=times, minutes=durations)
def test_add_business_minutes_is_the_inverse_of_business_minutes_between(cal, t, minutes):
    end = cal.add_business_minutes(t, minutes)
    assert end >= t
    assert cal.business_minutes_between(t, end) == pytest.approx(minutes, abs=1e-6)
    if minutes > 0:
        # the earliest such moment: the instant just before it was business time
        eps = min(1e-3, minutes)
        assert cal.business_minutes_between(end - eps, end) == pytest.approx(eps, abs=1e-6)


@st.composite
def open_moment_and_earlier(draw):
    """A calendar, a moment t1 when its desk is open (not at the very opening), and an
    earlier moment t0."""
    cal = draw(st.sampled_from(CALENDARS))
    day = draw(st.sampled_from([d for d in range(28) if cal.is_working_day(d)]))
    into = draw(st.floats(min_value=1e-3, max_value=1.0, exclude_max=True))
    t1 = day * DAY + cal.open_min + into * (cal.close_min - cal.open_min)
    t0 = draw(st.floats(min_value=0.0, max_value=t1))
    return cal, t0, t1


@settings(max_examples=300, deadline=None)
@given(case=open_moment_and_earlier())
def test_adding_the_business_minutes_between_two_moments_lands_on_the_later(case):
    # t1 is open: a closed moment (or the very opening) is the same business moment as the
    # last close before it, which is what add_business_minutes returns (the earliest)
    cal, t0, t1 = case
    minutes = cal.business_minutes_between(t0, t1)
    assume(minutes > 0)
    assert cal.add_business_minutes(t0, minutes) == pytest.approx(t1, abs=1e-6)


# -- arrival intensity ---------------------------------------------------------------------------

# normal-week's office profile: the weights add up to 100, so an hour's share is weight/100
HOURLY = {8: 10, 9: 16, 10: 15, 11: 13, 12: 7, 13: 9, 14: 10, 15: 9, 16: 7, 17: 4}
WEEKDAY_WEIGHTS = {"mon": 1.2, "tue": 1.05, "wed": 1.0, "thu": 0.95, "fri": 0.8}
OFFICE_PROFILE = Profile(hourly=HOURLY, weekdays=WEEKDAY_WEIGHTS)


def test_rate_follows_the_hourly_and_weekday_weights():
    intensity = ArrivalIntensity(office(), per_day=300.0, profile=OFFICE_PROFILE)
    # Monday 09:30: 300 a day x 1.2 (Monday) x 16% (09:00-10:00) over 60 minutes
    assert intensity.rate(at(MON, 9, 30)) == pytest.approx(300 * 1.2 * 0.16 / 60)
    assert intensity.rate(at(FRI, 9, 30)) == pytest.approx(300 * 0.8 * 0.16 / 60)
    assert intensity.rate(at(WED, 17, 59)) == pytest.approx(300 * 1.0 * 0.04 / 60)
    for quiet in (at(MON, 7, 59), at(MON, 18), at(TUE, 3), at(SAT, 10), at(SUN, 10)):
        assert intensity.rate(quiet) == 0.0


def test_hourly_weights_given_as_a_list_of_24_mean_the_same_as_a_dict():
    as_list = Profile(hourly=[HOURLY.get(h, 0) for h in range(24)], weekdays=WEEKDAY_WEIGHTS)
    a = ArrivalIntensity(office(), per_day=300.0, profile=OFFICE_PROFILE)
    b = ArrivalIntensity(office(), per_day=300.0, profile=as_list)
    for t in np.arange(0, WEEK, 17.0):
        assert a.rate(t) == pytest.approx(b.rate(t))


def test_expected_arrivals_of_a_week_are_the_daily_volume_times_the_weekday_weights():
    intensity = ArrivalIntensity(office(), per_day=300.0, profile=OFFICE_PROFILE)
    assert intensity.expected_between(0, WEEK) == pytest.approx(300 * 5.0)
    assert intensity.expected_between(at(MON, 9), at(MON, 10)) == pytest.approx(300 * 1.2 * 0.16)
    assert intensity.expected_between(at(SAT, 0), at(7, 0)) == 0.0
    # the rate integrates to the expected count
    grid = np.arange(0, WEEK, 0.5) + 0.25
    assert sum(intensity.rate(t) for t in grid) * 0.5 == pytest.approx(300 * 5.0)


def test_a_holiday_has_no_arrivals():
    intensity = ArrivalIntensity(office(holidays=[HOLIDAY_WED]), per_day=300.0,
                                 profile=OFFICE_PROFILE)
    assert intensity.rate(at(WED, 10)) == 0.0
    assert intensity.expected_between(0, WEEK) == pytest.approx(300 * 4.0)


def test_without_a_profile_arrivals_are_flat_over_business_hours():
    intensity = ArrivalIntensity(office(), per_day=120.0)
    assert intensity.rate(at(TUE, 8)) == pytest.approx(120 / 600)
    assert intensity.rate(at(TUE, 17, 30)) == pytest.approx(120 / 600)
    assert intensity.rate(at(TUE, 18)) == 0.0
    assert intensity.rate(at(SAT, 12)) == 0.0
    assert intensity.expected_between(0, WEEK) == pytest.approx(600)


def test_without_a_calendar_a_daily_volume_is_spread_over_all_hours_of_all_days():
    intensity = ArrivalIntensity(WorkCalendar(None), per_day=1440.0)
    for t in (0.0, at(TUE, 3), at(SUN, 23, 59)):
        assert intensity.rate(t) == pytest.approx(1.0)
    assert intensity.expected_between(0, WEEK) == pytest.approx(7 * 1440)


def test_scale_multiplies_the_intensity():
    intensity = ArrivalIntensity(office(), per_day=300.0, profile=OFFICE_PROFILE)
    base = intensity.rate(at(MON, 10, 15))
    intensity.scale = 2.0
    assert intensity.rate(at(MON, 10, 15)) == pytest.approx(2 * base)
    assert intensity.expected_between(0, WEEK) == pytest.approx(2 * 300 * 5.0)


def arrivals(intensity: ArrivalIntensity, n: int, horizon: float, seed: int = 11) -> np.ndarray:
    """Arrival times generated the way the engine does it: one unit exponential per gap,
    until the first one at or after the horizon (which the engine does not schedule)."""
    draws = np.random.default_rng(seed).standard_exponential(n)
    out = []
    t = 0.0
    for e in draws:
        t = intensity.next_arrival(t, float(e), horizon)
        if not t < horizon:
            break
        out.append(t)
    return np.array(out)


def test_arrivals_fall_into_hours_and_weekdays_in_the_declared_shares():
    intensity = ArrivalIntensity(office(), per_day=1000.0, profile=OFFICE_PROFILE)
    horizon = 10 * WEEK
    times = arrivals(intensity, 60_000, horizon)
    # ~50,000 expected in ten weeks; the count of a Poisson process is within 4 sd of it
    expected = intensity.expected_between(0, horizon)
    assert expected == pytest.approx(50_000)
    assert abs(times.size - expected) < 4 * math.sqrt(expected)
    assert np.all(np.diff(times) > 0)

    day = (times // DAY).astype(int)
    hour = ((times % DAY) // 60).astype(int)
    weekday = day % 7
    # nobody calls outside the weighted hours, or at the weekend
    assert set(hour.tolist()) == set(HOURLY)
    assert set(weekday.tolist()) == {MON, TUE, WED, THU, FRI}
    for h, weight in HOURLY.items():
        assert np.mean(hour == h) == pytest.approx(weight / 100, abs=0.01), f"hour {h}"
    for i, name in enumerate(["mon", "tue", "wed", "thu", "fri"]):
        share = WEEKDAY_WEIGHTS[name] / 5.0
        assert np.mean(weekday == i) == pytest.approx(share, abs=0.01), name


def test_arrivals_skip_holidays_and_stop_at_the_horizon():
    intensity = ArrivalIntensity(office(holidays=[HOLIDAY_WED]), per_day=500.0,
                                 profile=OFFICE_PROFILE)
    times = arrivals(intensity, 5000, WEEK)
    # 500 a day over Monday, Tuesday, Thursday, Friday
    assert abs(times.size - 500 * 4.0) < 4 * math.sqrt(500 * 4.0)
    assert not np.any((times // DAY).astype(int) == WED)
    # no arrival is left before the horizon: next_arrival says so with inf
    assert intensity.next_arrival(at(FRI, 17, 59), 1e6, WEEK) == math.inf


def test_next_arrival_is_inf_when_no_arrival_comes_before_the_horizon():
    intensity = ArrivalIntensity(office(), per_day=300.0, profile=OFFICE_PROFILE)
    # horizon: the end of week one (Monday 00:00); the next call after Friday 18:00 comes
    # on Monday after 08:00
    assert intensity.next_arrival(at(FRI, 18), 0.5, WEEK) == math.inf
    # horizon: Monday 10:00; a draw worth a whole Monday comes after it
    monday = intensity.expected_between(at(MON, 0), at(TUE, 0))
    assert intensity.next_arrival(0.0, 0.9 * monday, at(MON, 10)) == math.inf


def test_constant_rate_gives_exponential_gaps_with_mean_one_over_the_rate():
    intensity = ArrivalIntensity(office(), per_minute=2.5)
    # the per-minute rate ignores the calendar: calls come at night and at the weekend too
    assert intensity.rate(at(SUN, 3)) == 2.5
    assert intensity.next_arrival(10.0, 1.0, WEEK) == pytest.approx(10.4)
    gaps = np.diff(np.concatenate([[0.0], arrivals(intensity, 50_000, math.inf)]))
    assert gaps.size == 50_000
    standard_error = gaps.std() / math.sqrt(gaps.size)
    assert abs(gaps.mean() - 1 / 2.5) < 4 * standard_error
    assert intensity.expected_between(0, 100) == pytest.approx(250)


# -- staffing ------------------------------------------------------------------------------------


def test_service_desk_shifts_with_lunch_breaks_give_the_exact_headcount_changes():
    """normal-week's desk: 08-12 and 12:30-17 for one agent, 09-13 and 13:30-18 for the
    other. One agent alone 08-09, 12:00-12:30, 13:00-13:30 and 17-18; nobody at night."""
    scenario = load_builtin("normal-week")
    desk = scenario.team("service-desk")
    changes = headcounts(staff_schedule(desk, WorkCalendar(scenario.calendar), 2 * DAY))
    one_day = [(8, 0, 1), (9, 0, 2), (12, 0, 1), (12, 30, 2), (13, 0, 1), (13, 30, 2),
               (17, 0, 1), (18, 0, 0)]
    expected = [(0.0, 0)]
    for day in (MON, TUE):
        expected += [(at(day, hh, mm), staff) for hh, mm, staff in one_day]
    assert changes == expected


def test_staff_schedule_of_a_team_built_with_shift_models():
    team = Team(id="desk", shifts=[
        {"start": "08:00", "end": "16:00", "staff": 3},
        {"start": "10:00", "end": "18:00", "staff": 2},
        {"start": "10:00", "end": "14:00", "staff": 1, "days": ["sat"]},
    ])
    changes = headcounts(staff_schedule(team, office(), WEEK))
    weekday = [(8, 3), (10, 5), (16, 2), (18, 0)]
    expected = [(0.0, 0)]
    for day in (MON, TUE, WED, THU, FRI):
        expected += [(at(day, hh), staff) for hh, staff in weekday]
    # the Saturday shift works on a day that is not a working day, because it says so
    expected += [(at(SAT, 10), 1), (at(SAT, 14), 0)]
    assert changes == expected


def test_staff_on_business_hours_change_only_on_working_days():
    team = Team(id="resolvers", tier=2, staff=3)
    changes = headcounts(staff_schedule(team, office(holidays=[HOLIDAY_WED]), 2 * WEEK))
    expected = [(0.0, 0)]
    for day in list(range(5)) + list(range(7, 12)):
        if day == WED:
            continue  # the holiday
        expected += [(at(day, 8), 3), (at(day, 18), 0)]
    assert changes == expected


def test_shift_teams_are_off_on_holidays():
    team = Team(id="desk", shifts=[{"start": "08:00", "end": "18:00", "staff": 2}])
    changes = headcounts(staff_schedule(team, office(holidays=[HOLIDAY_WED]), WEEK))
    assert not any(WED * DAY <= t < THU * DAY for t, _ in changes)
    assert (at(THU, 8), 2) in changes


def test_round_the_clock_teams_have_one_headcount_from_minute_zero():
    always = Team(id="noc", staff=4, hours="always")
    assert headcounts(staff_schedule(always, office(), 4 * WEEK)) == [(0.0, 4)]
    plain = Team(id="desk", staff=6)
    # without a calendar a team given by staff works around the clock
    assert headcounts(staff_schedule(plain, WorkCalendar(None), 4 * WEEK)) == [(0.0, 6)]


def test_staff_schedule_starts_at_minute_zero_even_when_the_run_starts_on_a_weekend():
    team = Team(id="desk", staff=2)
    cal = office(start_date=dt.date(2026, 3, 7))  # a Saturday
    changes = headcounts(staff_schedule(team, cal, 3 * DAY))
    assert changes == [(0.0, 0), (at(2, 8), 2), (at(2, 18), 0)]


def headcounts(schedule) -> list[tuple[float, int]]:
    """A schedule as headcounts: outside the team's hours nobody is on duty."""
    return [(t, max(level, 0)) for t, level in schedule]


def test_outside_hours_differs_from_nobody_scheduled_within_hours():
    from sim.calendar import OFF_HOURS

    contractors = Team(id="contractors", staff=0)
    levels = list(staff_schedule(contractors, office(), DAY))
    assert levels == [(0.0, OFF_HOURS), (at(MON, 8), 0), (at(MON, 18), OFF_HOURS)]


def test_a_lever_can_call_in_a_team_with_nobody_scheduled():
    from sim import Simulation, scenario_from_data

    scenario = scenario_from_data({
        "id": "call-in", "title": "contractors", "clock": {"duration": 2 * DAY},
        "calendar": {"start_date": "2026-03-02"},
        "teams": [{"id": "desk", "staff": 1}, {"id": "contractors", "staff": 0, "tier": 2}],
        "categories": [{"id": "ask", "arrivals": {"per_day": 40},
                        "handle": {"dist": "exponential", "mean": 5}}],
        "levers": [{"id": "call-in", "name": "Call in two contractors",
                    "effects": [{"target": "teams.contractors.staff", "add": 2}]}],
    })
    sim = Simulation(scenario, seed=1)
    sim.advance(at(MON, 10))
    sim.pull(["call-in"])
    assert sim.group_by_id["contractors"].on_duty == 2   # within hours: they come
    sim.advance(at(MON, 20))
    assert sim.group_by_id["contractors"].on_duty == 0   # ... and go home at 18:00
    sim.advance(at(TUE, 9))
    assert sim.group_by_id["contractors"].on_duty == 2   # ... and are back on Tuesday
