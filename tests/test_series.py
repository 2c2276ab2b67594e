"""The time series behind the charts and the live dashboard (sim.series).

A hand-made log whose answers are worked out by hand, then a real softphone week (the
series against brute-force counts from the log's rows, and on a run stopped part-way).

The hand-made log (minutes, no calendar, no warm-up; the run ends at 200; desk 2 agents at
60 EUR/h, tier2 1 agent at 30 EUR/h):

    0    decision point "Before Monday"; lever "Brief the help desk" pulled (500 EUR)
    #0 phone    arrives 10, answered 12, resolved 17
    #1 phone    arrives 20, hangs up 23
    #2 e-mail   arrives 30, answered 50, passed to tier2 at 55, assigned 70, resolved 90
    #3 walk-in  arrives 40, answered 44, resolved 50
    #4 portal   arrives 45, still waiting for an answer at the end
    60   change "Softphones for everyone" goes live
    #5 phone    arrives 65, answered 70, resolved 75
    #6 phone    arrives 80, hangs up 81
    #7 phone    arrives 100, answered at once, passed to tier2 at 105, still waiting there
    120  inject "Phone storm" starts: Telephony down, half of the work stops; over at 150
    #8 phone    arrives 190, still on hold at the end
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_builtin
from sim.calendar import WorkCalendar
from sim.decisions import DecisionPlan
from sim.engine import Outcome, Simulation
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    CHANGE_LIVE,
    CLOSED,
    DECISION_POINT,
    ESCALATED,
    HANDLED,
    INJECT_END,
    INJECT_START,
    LEVER,
    OUTAGE_END,
    OUTAGE_START,
    RESOLVED,
    STAFF,
    EventLog,
    Names,
)
from sim.kpis import backlog_over_time
from sim.loader import scenario_from_data
from sim.moments import ledger
from sim.scenario import CHANNELS
from sim.series import (
    CHANNEL_ORDER,
    MARKER_KINDS,
    clock_words,
    contacts_per_day,
    cost_breakdown,
    moment_intervals,
    moments_over_time,
    queue_over_time,
    sample_times,
    service_by_hour,
    story_markers,
    waiting_at_groups,
)

DESK, TIER2 = 0, 1
PHONE, EMAIL, PORTAL, WALK_IN = (CHANNELS.index(c) for c in ("phone", "email", "portal",
                                                              "walk_in"))

SCENARIO = {
    "id": "series-hand", "title": "series by hand",
    "clock": {"duration": 200},
    "services": [{"id": "phones", "name": "Telephony"}],
    "teams": [{"id": "desk", "staff": 2, "cost_per_hour": 60},
              {"id": "tier2", "tier": 2, "staff": 1, "cost_per_hour": 30}],
    "categories": [{"id": "ask", "handle": {"dist": "exponential", "mean": 5},
                    "channels": {"phone": 0.4, "email": 0.3, "walk_in": 0.2, "portal": 0.1},
                    "fcr": 0.5, "escalate_to": "tier2",
                    "resolve": {"dist": "exponential", "mean": 30}}],
    "changes": [{"id": "cutover", "name": "Softphones for everyone", "at": 60,
                 "service": "phones"}],
    "injects": [{"id": "storm", "name": "Phone storm", "at": 120, "duration_min": 30,
                 "outage": {"service": "phones", "blocks_work": 0.5}}],
    "levers": [{"id": "brief", "name": "Brief the help desk", "cost": 500,
                "effects": [{"target": "teams.desk.empathy", "set": 4}]}],
    "decision_points": [{"id": "prep", "title": "Before Monday", "prompt": "What now?",
                         "at": 0, "levers": ["brief"]}],
}

CONTACT_CHANNELS = (PHONE, PHONE, EMAIL, WALK_IN, PORTAL, PHONE, PHONE, PHONE, PHONE)
EVENTS = [
    (0, STAFF, -1, DESK, -1, 2.0), (0, STAFF, -1, TIER2, -1, 1.0),
    (0, DECISION_POINT, -1, -1, 0, 1.0), (0, LEVER, -1, -1, 0, 500.0),
    (10, ARRIVAL, 0, DESK, -1, 0), (12, ANSWERED, 0, DESK, 0, 0), (17, HANDLED, 0, DESK, 0, 0),
    (17, RESOLVED, 0, DESK, 0, 0), (17, CLOSED, 0, DESK, 0, 0),
    (20, ARRIVAL, 1, DESK, -1, 0), (23, ABANDONED, 1, DESK, -1, 0),
    (30, ARRIVAL, 2, DESK, -1, 0),
    (40, ARRIVAL, 3, DESK, -1, 0), (44, ANSWERED, 3, DESK, 1, 0),
    (45, ARRIVAL, 4, DESK, -1, 0),
    (50, ANSWERED, 2, DESK, 1, 0), (50, HANDLED, 3, DESK, 1, 0), (50, RESOLVED, 3, DESK, 1, 0),
    (50, CLOSED, 3, DESK, 1, 0),
    (55, HANDLED, 2, DESK, 1, 0), (55, ESCALATED, 2, TIER2, -1, 0),
    (60, CHANGE_LIVE, -1, -1, 0, 0),
    (65, ARRIVAL, 5, DESK, -1, 0),
    (70, ASSIGNED, 2, TIER2, 0, 0), (70, ANSWERED, 5, DESK, 0, 0),
    (75, HANDLED, 5, DESK, 0, 0), (75, RESOLVED, 5, DESK, 0, 0), (75, CLOSED, 5, DESK, 0, 0),
    (80, ARRIVAL, 6, DESK, -1, 0), (81, ABANDONED, 6, DESK, -1, 0),
    (90, HANDLED, 2, TIER2, 0, 0), (90, RESOLVED, 2, TIER2, 0, 0), (90, CLOSED, 2, TIER2, 0, 0),
    (100, ARRIVAL, 7, DESK, -1, 0), (100, ANSWERED, 7, DESK, 0, 0),
    (105, HANDLED, 7, DESK, 0, 0), (105, ESCALATED, 7, TIER2, -1, 0),
    (120, INJECT_START, -1, -1, 0, 0), (120, OUTAGE_START, -1, -1, 0, 0.5),
    (150, OUTAGE_END, -1, -1, 0, 0), (150, INJECT_END, -1, -1, 0, 0),
    (190, ARRIVAL, 8, DESK, -1, 0),
]


def hand_made(events=EVENTS, channels=CONTACT_CHANNELS, end_min: float = 200.0) -> Outcome:
    scenario = scenario_from_data(SCENARIO)
    log = EventLog(Names(categories=["ask"], channels=list(CHANNELS), groups=["desk", "tier2"],
                         departments=[], group_kinds=["team", "team"],
                         decision_points=["prep"], levers=["brief"], changes=["cutover"],
                         injects=["storm"], outages=["inject:storm"]))
    for channel in channels:
        log.add_contact(category=0, channel=channel, priority=5, department=-1)
    for t, event, contact, group, agent, value in events:
        log.append(float(t), event, contact, group, agent, float(value))
    return Outcome(scenario, seed=0, replication=0, log=log, calendar=WorkCalendar(None),
                   end_min=end_min)


def on_grid(step: float, ones: list[tuple[float, float]], end: float = 200.0) -> np.ndarray:
    """A 0/1 curve on the grid: 1 wherever a grid time t lies in some [start, stop)."""
    grid = np.arange(0.0, end + step / 2, step)
    return np.array([int(any(a <= t < b for a, b in ones)) for t in grid])


# -- hand-made ---------------------------------------------------------------------------------


def test_sample_times_is_the_backlog_grid():
    outcome = hand_made()
    assert np.array_equal(sample_times(200, 15), backlog_over_time(outcome, 15)[0])
    assert sample_times(200, 5)[-1] == 200
    with pytest.raises(ValueError):
        sample_times(200, 0)


def test_queue_over_time_by_channel():
    times, queues = queue_over_time(hand_made(), step_min=5)
    assert list(queues) == list(CHANNEL_ORDER)
    assert np.array_equal(times, np.arange(0, 201, 5))
    # sampled after the events at each grid time: #0 counts at 10 (arrived) but not at 12..15
    # (answered); #7 arrives and is answered at 100: never counted
    assert np.array_equal(queues["phone"],
                          on_grid(5, [(10, 12), (20, 23), (65, 70), (80, 81), (190, 201)]))
    assert np.array_equal(queues["email"], on_grid(5, [(30, 50)]))
    assert np.array_equal(queues["walk_in"], on_grid(5, [(40, 44)]))
    assert np.array_equal(queues["portal"], on_grid(5, [(45, 201)]))


def test_waiting_at_groups():
    times, groups = waiting_at_groups(hand_made(), step_min=5)
    assert list(groups) == ["desk", "tier2"]
    _, queues = queue_over_time(hand_made(), step_min=5)
    # every contact reaches the desk first: its queue is the first-contact queue
    assert np.array_equal(groups["desk"], sum(queues.values()))
    # #2 waits at tier2 from 55 until assigned at 70; #7 from 105 to the end
    assert np.array_equal(groups["tier2"], on_grid(5, [(55, 70), (105, 201)]))


def test_service_by_hour():
    rows = service_by_hour(hand_made())
    assert [r["start_min"] for r in rows] == [0.0, 60.0, 180.0]  # hour 2 had no calls
    first, second, last = rows
    # 00-01: #0 answered after 2 min, #1 hung up
    assert first == {"start_min": 0.0, "calls": 2, "answered": 1, "abandoned": 1,
                     "still_waiting": 0, "asa_min": 2.0, "abandonment_rate": 0.5}
    # 01-02: #5 answered after 5 min, #6 hung up, #7 answered at once
    assert second["calls"] == 3 and second["answered"] == 2 and second["abandoned"] == 1
    assert second["asa_min"] == pytest.approx(2.5)
    assert second["abandonment_rate"] == pytest.approx(1 / 3)
    # 03-04: #8 still on hold: no answer, no rate yet
    assert last == {"start_min": 180.0, "calls": 1, "answered": 0, "abandoned": 0,
                    "still_waiting": 1, "asa_min": None, "abandonment_rate": None}


def test_story_markers_in_plain_words():
    markers = story_markers(hand_made())
    assert [(m["time_min"], m["kind"], m["label"]) for m in markers] == [
        (0.0, "decision_point", "Decision: Before Monday"),
        (0.0, "lever", "Lever: Brief the help desk"),
        (60.0, "change", "Change goes live: Softphones for everyone"),
        (120.0, "inject", "Starts: Phone storm"),
        (120.0, "outage", "Outage: Telephony, 50% of their work stops"),
        (150.0, "outage_end", "Back up: Telephony"),
        (150.0, "inject_end", "Over: Phone storm"),
    ]
    assert [m["item"] for m in markers] == ["prep", "brief", "cutover", "storm",
                                            "inject:storm", "inject:storm", "storm"]
    assert markers[1]["value"] == 500.0  # the lever's cost
    assert {m["kind"] for m in markers} <= set(MARKER_KINDS)


def test_a_decision_point_reached_again_says_so():
    events = [*EVENTS[:4], (30, DECISION_POINT, -1, -1, 0, 2.0)]
    markers = story_markers(hand_made(events, channels=()))
    assert markers[-1]["label"] == "Decision: Before Monday (2nd time)"


def test_cost_breakdown():
    costs = cost_breakdown(hand_made())
    # desk 2 agents x 200 min at 60/h = 400, tier2 1 x 200 min at 30/h = 100; one lever
    assert costs == pytest.approx({"staff": 500.0, "overtime": 0.0, "suppliers": 0.0,
                                   "levers": 500.0, "lost business": 0.0})


def test_contacts_per_day():
    days, counts = contacts_per_day(hand_made())
    assert days.tolist() == [0] and counts.tolist() == [9]
    # three days: arrivals at 10 (day 0), 1500 and 1600 (day 1); day 2 reached, empty
    events = [(10, ARRIVAL, 0, DESK, -1, 0), (1500, ARRIVAL, 1, DESK, -1, 0),
              (1600, ARRIVAL, 2, DESK, -1, 0)]
    days, counts = contacts_per_day(hand_made(events, (PHONE, EMAIL, PHONE), end_min=3000))
    assert days.tolist() == [0, 1, 2] and counts.tolist() == [1, 2, 0]


def test_moments_over_time_by_verdict():
    starts, counts = moments_over_time(hand_made(), step_min=60)
    assert starts.tolist() == [0.0, 60.0, 120.0, 180.0]
    # hour 0: good #0 (2 min wait, fixed, 81.8) and #3 (walk-in, 83.5); bad #1 (hung up, 55)
    #   and #2 (e-mail passed on at 55: 85-30 = 55)
    # hour 1: good #2's resolution at 90 (85-10 = 75) and #5 (5 min wait, 76.5); bad #6
    #   (hung up) and #7 (passed on at 105)
    # #4 and #8 are still waiting to be answered: no moment yet
    assert counts["good"].tolist() == [2, 2, 0, 0]
    assert counts["neutral"].tolist() == [0, 0, 0, 0]
    assert counts["bad"].tolist() == [2, 2, 0, 0]


def test_moments_are_counted_in_intervals_from_minute_0_to_the_end():
    """`moment_intervals`, which `moments_over_time` and the chart of bad moments by reason
    both count in: [start, start + step) from minute 0; a moment at the very end (a ticket
    still open is dated there) in the last interval; none after the end."""
    starts, slot, counted = moment_intervals(np.array([0.0, 59.9, 60.0, 150.0, 200.0, 201.0]),
                                             end_min=200.0, step_min=60.0)
    assert starts.tolist() == [0.0, 60.0, 120.0, 180.0]
    assert slot[counted].tolist() == [0, 0, 1, 2, 3]
    assert counted.tolist() == [True] * 5 + [False]
    # a run of less than one interval, and a run of nothing, still have one
    assert moment_intervals(np.array([10.0]), 30.0, 60.0)[0].tolist() == [0.0]
    assert moment_intervals(np.zeros(0), 0.0, 60.0)[0].tolist() == [0.0]


def test_clock_words():
    week = hand_made(end_min=7200)
    assert clock_words(week, 0) == "Mon 00:00"
    assert clock_words(week, 1440 + 8 * 60 + 30) == "Tue 08:30"
    assert clock_words(week, 1439.7) == "Tue 00:00"  # rounds into the next day cleanly
    long = hand_made(end_min=20000)  # no calendar: day numbers
    assert clock_words(long, 1440 * 8 + 570) == "day 9, 09:30"


def test_an_empty_log_gives_empty_series():
    outcome = hand_made(events=[], channels=(), end_min=0.0)
    times, queues = queue_over_time(outcome)
    assert times.tolist() == [0.0] and all(q.tolist() == [0] for q in queues.values())
    assert service_by_hour(outcome) == []
    assert story_markers(outcome) == []
    days, counts = contacts_per_day(outcome)
    assert days.size == 0 and counts.size == 0


# -- a real softphone week ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def softphone():
    scenario = load_builtin("softphone-cutover")
    return Simulation(scenario, seed=1,
                      decisions=DecisionPlan.from_policy(scenario, "unprepared")).run()


def waiting_by_brute_force(outcome: Outcome, at_min: float) -> dict[str, int]:
    """Contacts arrived by `at_min` and not answered or gone by then, from the log's rows."""
    arrived, done, channel = {}, set(), {}
    for row in outcome.log.rows():
        if row["time_min"] > at_min:
            break
        if row["event"] == "arrival":
            arrived[row["contact"]] = row["time_min"]
            channel[row["contact"]] = row["channel"]
        elif row["event"] in ("answered", "abandoned"):
            done.add(row["contact"])
    counts = dict.fromkeys(CHANNEL_ORDER, 0)
    for contact in arrived:
        if contact not in done:
            counts[channel[contact]] += 1
    return counts


def test_queue_over_time_matches_the_log_on_a_real_week(softphone):
    times, queues = queue_over_time(softphone, step_min=15)
    for at_min in (495.0, 600.0, 1200.0, 2100.0, 4500.0, 7200.0):
        k = int(np.flatnonzero(times == at_min)[0])
        assert {ch: int(q[k]) for ch, q in queues.items()} == \
            waiting_by_brute_force(softphone, at_min), at_min
    # the unprepared Monday: e-mails pile up unanswered
    assert queues["email"].max() > 20


def test_markers_of_a_real_week(softphone):
    markers = story_markers(softphone)
    change = [m for m in markers if m["kind"] == "change"]
    assert [m["time_min"] for m in change] == [480.0]
    assert change[0]["label"] == ("Change goes live: Desk phones switched off; softphones on "
                                  "every laptop")
    assert [m["label"] for m in markers if m["kind"] == "decision_point"] == [
        "Decision: The weekend before", "Decision: The queue is building",
        "Decision: Yesterday's figures"]
    assert not [m for m in markers if m["kind"] == "lever"]  # unprepared: nothing pulled


def test_real_week_figures_agree_with_the_key_figures(softphone):
    kpis = softphone.kpis()
    rows = service_by_hour(softphone)
    answered = sum(r["answered"] for r in rows)
    abandoned = sum(r["abandoned"] for r in rows)
    assert abandoned / (answered + abandoned) == pytest.approx(kpis["abandonment_rate"])
    waited = sum(r["asa_min"] * r["answered"] for r in rows if r["answered"])
    assert waited / answered == pytest.approx(kpis["asa_min"])
    days, counts = contacts_per_day(softphone)
    assert days.tolist() == [0, 1, 2, 3, 4] and counts.sum() == kpis["contacts"]
    assert counts[0] == counts.max()  # the cutover's Monday
    _, verdicts = moments_over_time(softphone)
    book = ledger(softphone)
    assert sum(int(c.sum()) for c in verdicts.values()) == len(book)
    assert sum(cost_breakdown(softphone).values()) == pytest.approx(kpis["cost_total"])


def test_series_follow_a_run_stopped_part_way(softphone):
    """The dashboard reads a growing log: a run stopped at 11:40 on Monday gives the same
    curves, up to then, as the whole week."""
    scenario = softphone.scenario
    sim = Simulation(scenario, seed=1, decisions=DecisionPlan.from_policy(scenario, "unprepared"))
    sim.advance(700)
    live = sim.outcome()
    assert live.end_min == 700
    times, queues = queue_over_time(live, 15)
    full_times, full = queue_over_time(softphone, 15)
    before = times < 700
    for channel in CHANNEL_ORDER:
        assert np.array_equal(queues[channel][before], full[channel][: before.sum()])
    _, groups = waiting_at_groups(live, 15)
    _, full_groups = waiting_at_groups(softphone, 15)
    assert np.array_equal(groups["infrastructure"][before],
                          full_groups["infrastructure"][: before.sum()])
    rows = service_by_hour(live)
    assert rows and rows[-1]["start_min"] < 700
    assert [m for m in story_markers(live) if m["time_min"] < 700] == \
        [m for m in story_markers(softphone) if m["time_min"] < 700]
    days, _ = contacts_per_day(live)
    assert days.tolist() == [0]
    # the simulation goes on and its log grows: the outcome taken at 11:40 still tells
    # 11:40, and a fresh one tells Tuesday
    before_markers = story_markers(live)
    sim.advance(2000)
    assert story_markers(live) == before_markers
    assert np.array_equal(queue_over_time(live, 15)[1]["email"], queues["email"])
    assert service_by_hour(live) == rows
    assert len(story_markers(sim.outcome())) > len(before_markers)
