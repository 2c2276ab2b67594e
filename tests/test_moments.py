"""Moments of truth, satisfaction, business impact and the balanced score (sim.moments).

Hand-made logs whose answers are worked out by hand, then behaviour on a small story
scenario (a softphone cutover with an outage, levers and retries).

The main hand-made log (minutes, no calendar, no warm-up; the run ends at 2000; SLA P5
resolve target 100 clock minutes; memory half-life 1 day = 1440 clock minutes; Sales 10
people at baseline 80, Finance 5 at 70):

    #0 Sales u0    phone  arrives 10, answered at once, resolved 15            -> 85
    #1 Sales u1    phone  arrives 20, answered 30 (10 min wait), resolved 35   -> 85-15 = 70
    #2 Sales u2    phone  arrives 40, hangs up 43                              -> 55
    #3 Sales u2    e-mail retry of #2 (attempt 1), answered at once, res. 65   -> 85-15 = 70
    #4 Finance u0  phone  answered at once, passed on at 105         -> 85-30 = 55, then
                          escalated again, resolved 200 (T = 100 = target: not late)
                                                                    -> 85-10-10 = 65
    #5 Finance u1  phone  fault (blocks half the work), passed on at 310    -> 55, then
                          resolved 500 (T = 200 = twice the target) -> 85-10-15 = 60
    #6 Sales u3    phone  arrives 1990, still waiting at the end               -> left out
    #7 Sales u4    phone  arrives 1980, answered 1985.5, still being handled   -> 85-30-15*0.5^0.7
    #8 Sales u0    phone  a new issue, arrives 1450 (one half-life after #0),
                          answered at once, resolved 1455                      -> 85
    lever "brief" pulled at 0 (cost 500); CRM down 1000-1120 (half of the work of the 10
    Sales people who use it; Finance does not).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calendar import WorkCalendar
from sim.decisions import Decision, DecisionPlan
from sim.engine import Outcome, Simulation
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
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
    SETTING,
    STAFF,
    EventLog,
    Names,
)
from sim.kpis import compute_kpis, kpi_label, kpi_section
from sim.loader import scenario_from_data, scenario_from_text
from sim.moments import (
    BusinessImpact,
    balanced_score,
    business_impact,
    cost_score,
    drift_towards_baseline,
    duration_words,
    ledger,
    remembered_score,
    run_score,
    satisfaction_after,
    satisfaction_now,
    satisfaction_over_time,
    wait_words,
)
from sim.names import short_name, short_names
from sim.scenario import CHANNELS, ScoreWeights

DESK, TIER2 = 0, 1
SALES, FINANCE = 0, 1
ASK, FAULT = 0, 1
PHONE, EMAIL = CHANNELS.index("phone"), CHANNELS.index("email")
HALF_LIFE = 1440.0
WAIT_5_5 = 15 * 0.5 ** 0.7  # the wait penalty of 5.5 min on the phone: ((5.5-1)/9)^0.7


def scenario_data(calendar: bool = False) -> dict:
    data = {
        "id": "moments-hand", "title": "moments by hand",
        "clock": {"duration": 2000},
        "services": [{"id": "crm"}, {"id": "mail"}],
        "departments": [
            {"id": "sales", "name": "Sales", "headcount": 10, "satisfaction": 80,
             "cost_per_hour": 60, "services": ["crm", "mail"]},
            {"id": "finance", "name": "Finance", "headcount": 5, "satisfaction": 70,
             "cost_per_hour": 30, "services": ["mail"]},
        ],
        "teams": [{"id": "desk", "staff": 2, "cost_per_hour": 30},
                  {"id": "tier2", "name": "Second line (resolvers)", "tier": 2, "staff": 1}],
        "categories": [
            {"id": "ask", "name": "A question (how do I ...)",
             "handle": {"dist": "exponential", "mean": 5},
             "channels": {"phone": 0.5, "email": 0.5}, "fcr": 0.5, "escalate_to": "tier2",
             "resolve": {"dist": "exponential", "mean": 30}},
            {"id": "fault", "handle": {"dist": "exponential", "mean": 5}, "channel": "phone",
             "fcr": 0.5, "escalate_to": "tier2", "resolve": {"dist": "exponential", "mean": 30},
             "blocks_work": 0.5},
        ],
        "sla": {"basis": "clock", "P5": {"resolve": 100}},
        "satisfaction": {"memory_half_life_days": 1},
        "changes": [{"id": "cutover", "name": "Softphones; every laptop", "at": 0}],
        "injects": [{"id": "crm-down", "name": "CRM down", "at": 1000, "duration_min": 120,
                     "outage": {"service": "crm", "blocks_work": 0.5}}],
        "levers": [{"id": "brief", "name": "Brief the desk", "cost": 500,
                    "effects": [{"target": "teams.desk.empathy", "set": 4}]}],
    }
    if calendar:
        data["calendar"] = {"start_date": "2026-03-02",
                            "business_hours": {"start": "08:00", "end": "18:00"}}
    return data


def make_outcome(contacts: list[tuple], events: list[tuple], settings: list[str] = (),
                 end_min: float = 2000.0, calendar: bool = False) -> Outcome:
    """contacts: (category, channel, department, user, source, attempt, issue)."""
    scenario = scenario_from_data(scenario_data(calendar))
    log = EventLog(Names(
        categories=["ask", "fault"], channels=list(CHANNELS), groups=["desk", "tier2"],
        departments=["sales", "finance"], group_kinds=["team", "team"],
        sources=["category:ask", "change:cutover:ask", "change-failure:cutover:ask",
                 "category:fault"],
        levers=["brief"], settings=list(settings), changes=["cutover"],
        injects=["crm-down"], outages=["inject:crm-down"]))
    for category, channel, department, user, source, attempt, issue in contacts:
        log.add_contact(category=category, channel=channel, priority=5, department=department,
                        user=user, source=source, attempt=attempt, issue=issue)
    for t, event, contact, group, agent, value in sorted(events, key=lambda e: e[0]):
        log.append(float(t), event, contact, group, agent, float(value))
    return Outcome(scenario, seed=0, replication=0, log=log,
                   calendar=WorkCalendar(scenario.calendar), end_min=end_min)


def fixed_at_once(contact: int, arrive: float, done: float) -> list[tuple]:
    return [(arrive, ARRIVAL, contact, DESK, -1, 0), (arrive, ANSWERED, contact, DESK, 0, 0),
            (done, HANDLED, contact, DESK, 0, 0), (done, RESOLVED, contact, DESK, 0, 0),
            (done, CLOSED, contact, DESK, 0, 0)]


def hand_made() -> Outcome:
    return make_outcome(*hand_made_parts())


def hand_made_parts() -> tuple[list[tuple], list[tuple]]:
    """The contacts and events of the main hand-made log (see the top of the file)."""
    contacts = [
        (ASK, PHONE, SALES, 0, 0, 0, -1),     # 0
        (ASK, PHONE, SALES, 1, 0, 0, -1),     # 1
        (ASK, PHONE, SALES, 2, 0, 0, -1),     # 2
        (ASK, EMAIL, SALES, 2, 0, 1, 2),      # 3: retry of #2
        (ASK, PHONE, FINANCE, 0, 0, 0, -1),   # 4
        (FAULT, PHONE, FINANCE, 1, 3, 0, -1),  # 5
        (ASK, PHONE, SALES, 3, 0, 0, -1),     # 6
        (ASK, PHONE, SALES, 4, 0, 0, -1),     # 7
        (ASK, PHONE, SALES, 0, 0, 0, -1),     # 8
    ]
    events = [
        (0, STAFF, -1, DESK, -1, 2), (0, STAFF, -1, TIER2, -1, 1),
        (0, LEVER, -1, -1, 0, 500),
        *fixed_at_once(0, 10, 15),
        (20, ARRIVAL, 1, DESK, -1, 0), (30, ANSWERED, 1, DESK, 0, 0),
        (35, HANDLED, 1, DESK, 0, 0), (35, RESOLVED, 1, DESK, 0, 0),
        (40, ARRIVAL, 2, DESK, -1, 0), (43, ABANDONED, 2, DESK, -1, 0),
        *fixed_at_once(3, 60, 65),
        (100, ARRIVAL, 4, DESK, -1, 0), (100, ANSWERED, 4, DESK, 0, 0),
        (105, HANDLED, 4, DESK, 0, 0), (105, ESCALATED, 4, TIER2, -1, 0),
        (110, ASSIGNED, 4, TIER2, 0, 0), (150, HANDLED, 4, TIER2, 0, 0),
        (150, ESCALATED, 4, TIER2, -1, 0), (150, ASSIGNED, 4, TIER2, 0, 0),
        (200, HANDLED, 4, TIER2, 0, 0), (200, RESOLVED, 4, TIER2, 0, 0),
        (300, ARRIVAL, 5, DESK, -1, 0), (300, ANSWERED, 5, DESK, 0, 0),
        (310, HANDLED, 5, DESK, 0, 0), (310, ESCALATED, 5, TIER2, -1, 0),
        (310, ASSIGNED, 5, TIER2, 0, 0), (500, HANDLED, 5, TIER2, 0, 0),
        (500, RESOLVED, 5, TIER2, 0, 0),
        (1000, INJECT_START, -1, -1, 0, 0), (1000, OUTAGE_START, -1, -1, 0, 0.5),
        (1120, OUTAGE_END, -1, -1, 0, 0), (1120, INJECT_END, -1, -1, 0, 0),
        *fixed_at_once(8, 1450, 1455),
        (1980, ARRIVAL, 7, DESK, -1, 0), (1985.5, ANSWERED, 7, DESK, 1, 0),
        (1990, ARRIVAL, 6, DESK, -1, 0),
    ]
    return contacts, events


def scores_by_contact(outcome: Outcome) -> dict[int, float]:
    """The score of each contact's own moment (a ticket's later moment left aside)."""
    book = ledger(outcome)
    own = ~book._second
    return dict(zip(book.contact[own].tolist(), book.score[own].tolist(), strict=True))


def later_scores(outcome: Outcome) -> dict[int, float]:
    """The score of each ticket's later moment (resolved, or still open past its target)."""
    book = ledger(outcome)
    return dict(zip(book.contact[book._second].tolist(), book.score[book._second].tolist(),
                    strict=True))


# -- the score of one moment ------------------------------------------------------------------


def test_worked_scores_of_the_hand_made_log():
    scores = scores_by_contact(hand_made())
    assert scores[0] == pytest.approx(85)             # answered at once, resolved
    assert scores[1] == pytest.approx(85 - 15)        # 10 min on hold (E = 1): full penalty
    assert scores[2] == pytest.approx(55)             # hung up
    assert scores[3] == pytest.approx(85 - 15)        # second try
    assert scores[4] == pytest.approx(85 - 30)        # could not be fixed: passed on
    assert scores[5] == pytest.approx(85 - 30)
    assert scores[7] == pytest.approx(85 - 30 - WAIT_5_5)  # open at the end: unresolved
    assert scores[8] == pytest.approx(85)
    assert 6 not in scores                            # still waiting: no outcome yet
    later = later_scores(hand_made())
    assert later == pytest.approx({4: 85 - 10 - 10,    # resolved on target, two hand-offs
                                   5: 85 - 10 - 15})   # one hand-off, twice the target


def test_ledger_columns_order_and_verdicts():
    book = ledger(hand_made())
    assert book.contact.tolist() == [0, 1, 2, 3, 4, 4, 5, 5, 8, 7]  # by when each happened
    assert book.time_min.tolist() == [15, 35, 43, 65, 105, 200, 310, 500, 1455, 2000]
    assert book.arrived_min[book.contact == 7][0] == 1980
    assert book.wait_min[book.contact == 1][0] == 10
    rows = {r["contact"]: r for r in book.rows()}  # (a ticket's later moment wins)
    first = {r["contact"]: r for r in reversed(book.rows())}
    assert rows[0]["verdict"] == "good" and rows[1]["verdict"] == "neutral"  # 70: neutral
    assert rows[2]["verdict"] == "bad"  # hung up: 55
    assert first[4]["verdict"] == "bad" and rows[4]["verdict"] == "neutral"  # 55, then 65
    assert rows[7]["verdict"] == "bad"
    assert rows[2]["ending"] == "gave up" and first[4]["ending"] == "passed on"
    assert rows[4]["ending"] == "resolved later"
    assert rows[7]["ending"] == "still open" and rows[0]["ending"] == "resolved at first contact"
    assert rows[4]["transfers"] == 2 and first[4]["transfers"] == 0
    assert rows[5]["late_points"] == pytest.approx(-15)
    assert rows[3]["issue"] == 2 and rows[3]["attempt"] == 1 and rows[3]["channel"] == "email"
    assert rows[5]["department"] == "finance" and rows[5]["category"] == "fault"
    with pytest.raises(ValueError):
        book.score[0] = 0  # shared between readers: read-only


def test_reasons_read_aloud():
    """Names as the scenario gives them, cut before a bracket or a semicolon (ids only for
    what has no name); a caller who gave up was never answered; a bad moment says why."""
    book = ledger(hand_made())
    rows = {r["contact"]: r["reason"] for r in book.rows()}  # a ticket's later moment wins
    first = {r["contact"]: r["reason"] for r in reversed(book.rows())}
    assert rows[0] == ("Sales — called about “A question”: answered at once, resolved on the "
                       "first call")
    assert rows[2] == "Sales — called about “A question”: hung up after 3 min on hold"
    assert rows[3] == ("Sales — second try: wrote about “A question”: answered at once, "
                       "resolved at first contact")
    assert first[4] == ("Finance — called about “A question”: answered at once, but not fixed "
                        "there: passed on to Second line")
    assert rows[4] == ("Finance — “A question” raised on the phone: resolved after 1 h 40 min "
                       "by Second line, after 2 hand-offs")
    assert rows[5].endswith("resolved after 3 h 20 min by Second line, after 1 hand-off, past "
                            "its SLA target")
    assert rows[7] == ("Sales — called about “A question”: answered after 6 min on hold, still "
                       "being handled at the end")
    assert not any("ask" in reason or "tier2" in reason for reason in book.reasons)


def test_a_caller_who_hung_up_within_a_minute_was_not_answered_at_once():
    contacts = [(ASK, PHONE, SALES, 0, 0, 0, -1), (ASK, PHONE, SALES, 1, 1, 0, -1)]
    events = [(10, ARRIVAL, 0, DESK, -1, 0), (10 + 20 / 60, ABANDONED, 0, DESK, -1, 0),
              (20, ARRIVAL, 1, DESK, -1, 0), (20.2, ANSWERED, 1, DESK, 0, 0),
              (25, HANDLED, 1, DESK, 0, 0), (25, ESCALATED, 1, TIER2, -1, 0)]
    reasons = ledger(make_outcome(contacts, events)).reasons
    assert reasons[0] == "Sales — called about “A question”: hung up after 20 s on hold"
    # answered at once and still a bad moment: the reason says why, and the change briefly
    assert reasons[1] == ("Sales — called about “A question”: answered at once, but not fixed "
                          "there: passed on to Second line (after “Softphones”, not announced)")


def test_one_persons_day_in_time_order():
    day = ledger(hand_made()).for_user("sales", 2)
    assert [m["contact"] for m in day] == [2, 3]
    assert [m["score"] for m in day] == pytest.approx([55, 70])
    assert ledger(hand_made()).for_user(FINANCE, 1)[0]["contact"] == 5


def test_announced_waits_empathy_and_warned_changes_follow_the_settings():
    settings = ["teams.desk.announces_wait", "teams.desk.empathy", "changes.cutover.warned"]
    contacts = [(ASK, PHONE, SALES, u, source, 0, -1)
                for u, source in enumerate((0, 0, 0, 0, 1, 1, 2))]
    contacts.append((ASK, EMAIL, SALES, 9, 0, 2, -1))  # #7: a third try (its issue elsewhere)
    events = [
        (10, ARRIVAL, 0, DESK, -1, 0), (15.5, ANSWERED, 0, DESK, 0, 0),
        (20, HANDLED, 0, DESK, 0, 0), (20, RESOLVED, 0, DESK, 0, 0),
        (100, SETTING, -1, -1, 0, 1),  # the desk now tells callers the expected wait
        (110, ARRIVAL, 1, DESK, -1, 0), (115.5, ANSWERED, 1, DESK, 0, 0),
        (120, HANDLED, 1, DESK, 0, 0), (120, RESOLVED, 1, DESK, 0, 0),
        (210, SETTING, -1, -1, 1, 4),  # trained: empathy +4, from the very minute #2 calls
        *fixed_at_once(2, 210, 215),
        (300, SETTING, -1, -1, 1, -4),  # ... or a surly desk
        *fixed_at_once(3, 310, 315),
        *fixed_at_once(4, 400, 405),   # caused by the cutover, nobody warned
        (500, SETTING, -1, -1, 2, 1),  # the cutover is announced after all
        *fixed_at_once(5, 510, 515),
        (600, ARRIVAL, 6, DESK, -1, 0), (602, ABANDONED, 6, DESK, -1, 0),  # its failure
        (700, SETTING, -1, -1, 1, 0),
        *fixed_at_once(7, 710, 715),
    ]
    scores = scores_by_contact(make_outcome(contacts, events, settings))
    assert scores[0] == pytest.approx(85 - WAIT_5_5)
    assert scores[1] == pytest.approx(85 - 0.8 * WAIT_5_5)
    assert scores[2] == pytest.approx(85 + 4 / 2)        # a bonus counts half
    assert scores[3] == pytest.approx(85 - 4)            # a penalty counts in full
    assert scores[4] == pytest.approx(85 - 4 - 5)        # not warned
    assert scores[5] == pytest.approx(85 - 4 + 3 / 2)    # warned: a bonus, halved
    assert scores[6] == pytest.approx(55 + 3 / 2)        # gave up; nobody's empathy
    assert scores[7] == pytest.approx(85 - 15)           # each repeat contact: -15
    reasons = ledger(make_outcome(contacts, events, settings)).reasons
    assert any("told the expected wait" in r for r in reasons)
    assert any(r.endswith("(after “Softphones”, not announced)") for r in reasons)
    assert any(r.endswith("(after “Softphones”, announced in advance)") for r in reasons)


def test_scores_stay_within_0_and_100():
    contacts = [(ASK, PHONE, SALES, 0, 1, 2, -1)]  # a third try, about the cutover
    events = [(0, SETTING, -1, -1, 0, -20),
              (10, ARRIVAL, 0, DESK, -1, 0), (300, ANSWERED, 0, DESK, 0, 0)]
    events += [(300 + k, ESCALATED, 0, TIER2, -1, 0) for k in range(4)]
    scores = scores_by_contact(make_outcome(contacts, events, ["teams.desk.empathy"]))
    assert scores[0] == 0  # 85-30-40-15-15-15-5-20 clamps at 0


# -- memory and satisfaction ------------------------------------------------------------------


def test_remembered_score_and_update_rules():
    assert remembered_score([85]) == pytest.approx(85)
    assert remembered_score([55, 70]) == pytest.approx(0.5 * 62.5 + 0.3 * 55 + 0.2 * 70)
    assert remembered_score([40, 90, 60]) == pytest.approx(0.5 * 190 / 3 + 0.3 * 40 + 0.2 * 60)
    assert satisfaction_after(80, 85) == pytest.approx(80.6)    # better: 12% of the gap
    assert satisfaction_after(80, 70) == pytest.approx(77.5)    # worse: a quarter
    assert drift_towards_baseline(90, 80, 1440, 1440) == pytest.approx(85)
    assert drift_towards_baseline(90, 80, 2880, 1440) == pytest.approx(82.5)
    with pytest.raises(ValueError):
        remembered_score([])


def test_remembered_issues_of_the_ledger():
    issues = ledger(hand_made()).remembered()
    by_issue = dict(zip(issues["issue"].tolist(), issues["remembered"].tolist(), strict=True))
    assert by_issue[2] == pytest.approx(61.75)   # hung up, then fixed by e-mail
    assert by_issue[4] == pytest.approx(0.5 * 60 + 0.3 * 55 + 0.2 * 65)  # passed on, fixed
    assert by_issue[5] == pytest.approx(0.5 * 57.5 + 0.3 * 55 + 0.2 * 60)
    completed = dict(zip(issues["issue"].tolist(), issues["completed_min"].tolist(),
                         strict=True))
    assert completed[2] == 65


def test_csat_is_the_share_of_issues_over_that_people_remember_as_satisfied():
    """Remembered at 60 or more (4 or 5 of 5) is satisfied. At the end: #0 (85), #1 (70),
    #2 (hung up, then fixed: 61.75) and #8 (85) are; #4 (59.5) and #5 (57.25) are not;
    #7, still being handled, is not over, and #6 has no moment yet."""
    outcome = hand_made()
    issues = ledger(outcome).remembered()
    over = dict(zip(issues["issue"].tolist(), issues["over"].tolist(), strict=True))
    assert over == {0: True, 1: True, 2: True, 4: True, 5: True, 8: True, 7: False}
    assert ledger(outcome).csat() == pytest.approx(4 / 6)
    assert compute_kpis(outcome)["csat"] == pytest.approx(4 / 6)
    # the key figures say on how many issues CSAT stands: the six it is the share of
    assert compute_kpis(outcome)["csat_issues"] == 6
    # at 150 #4 has been passed on and waits within its target: not over, not surveyed
    early = make_outcome(*hand_made_parts(), end_min=150)
    assert ledger(early).csat() == pytest.approx(3 / 3)
    # a minute in, nothing is over: no CSAT yet, on no issue
    figures = compute_kpis(make_outcome(*hand_made_parts(), end_min=1))
    assert figures["csat"] is None and figures["csat_issues"] == 0
    assert kpi_label("csat")[1] == "share" and kpi_section("csat") == "Satisfaction"


def test_csat_leaves_out_issues_raised_in_the_warm_up():
    contacts = [(ASK, PHONE, SALES, 0, 0, 0, -1), (ASK, PHONE, SALES, 1, 0, 0, -1)]
    events = [(0, STAFF, -1, DESK, -1, 2), (10, ARRIVAL, 0, DESK, -1, 0),
              (13, ABANDONED, 0, DESK, -1, 0), *fixed_at_once(1, 600, 605)]
    outcome = make_outcome(contacts, events)
    assert ledger(outcome).csat() == pytest.approx(1 / 2)  # hung up (55), fixed (85)
    data = scenario_data()
    data["clock"] = {"duration": 2000, "warmup": 500}
    warm = Outcome(scenario_from_data(data), seed=0, replication=0, log=outcome.log,
                   calendar=outcome.calendar, end_min=2000.0)
    assert ledger(warm).csat() == pytest.approx(1.0)  # the hang-up came in the warm-up


def hand_computed_satisfaction(at: float) -> tuple[float, float]:
    """Sales and Finance satisfaction at `at` (after 1455, before the end)."""
    def decayed(change: float, when: float) -> float:
        return change * 2 ** (-(at - when) / HALF_LIFE)

    # u0: +0.6 at 15; one half-life later (1455) S = 80 + 0.3, then 12% of (85 - 80.3)
    u0_before = 80 + 0.6 * 2 ** (-(1455 - 15) / HALF_LIFE)
    u0_after = u0_before + 0.12 * (85 - u0_before)
    sales = 80 + (decayed(u0_after - 80, 1455)
                  + decayed(0.25 * (70 - 80), 35)        # u1
                  + decayed(0.25 * (61.75 - 80), 65)) / 10  # u2: issue over at 65
    finance = 70 + (decayed(0.25 * (59.5 - 70), 200) + decayed(0.25 * (57.25 - 70), 500)) / 5
    return sales, finance


def test_department_satisfaction_by_hand():
    outcome = hand_made()
    sales, finance = hand_computed_satisfaction(2000)
    # u4's ticket is still open at the end: remembered as its one moment, at 2000
    sales += 0.25 * ((85 - 30 - WAIT_5_5) - 80) / 10
    assert satisfaction_now(outcome, "sales") == pytest.approx(sales)
    assert satisfaction_now(outcome, "finance") == pytest.approx(finance)
    assert satisfaction_now(outcome) == pytest.approx((10 * sales + 5 * finance) / 15)
    with pytest.raises(KeyError):
        satisfaction_now(outcome, "marketing")


def test_satisfaction_over_time_by_hand():
    outcome = hand_made()
    times, values = satisfaction_over_time(outcome, step_min=5)
    assert times[0] == 0 and times[-1] == 2000 and set(values) == {"sales", "finance"}
    at = {t: i for i, t in enumerate(times.tolist())}
    assert values["sales"][at[0]] == 80 and values["finance"][at[0]] == 70
    assert values["sales"][at[15]] == pytest.approx(80.06)  # u0's +0.6 counts at once
    assert values["sales"][at[30]] == pytest.approx(80 + 0.06 * 2 ** (-15 / HALF_LIFE))
    sales, finance = hand_computed_satisfaction(1800)
    assert values["sales"][at[1800]] == pytest.approx(sales)
    assert values["finance"][at[1800]] == pytest.approx(finance)
    assert values["sales"][-1] == pytest.approx(satisfaction_now(outcome, "sales"))


def test_readings_follow_the_log_as_it_grows():
    outcome = hand_made()
    at_2000 = satisfaction_now(outcome, "finance")
    outcome.end_min = 2000 + 1440  # a day later, nothing new: the memories have faded
    assert satisfaction_now(outcome, "finance") == pytest.approx(70 + (at_2000 - 70) / 2)
    outcome.log.add_contact(category=ASK, channel=PHONE, priority=5, department=FINANCE,
                            user=3, source=0)
    for row in fixed_at_once(9, 3000, 3005):
        outcome.log.append(*row)
    outcome.log.pack()
    assert 9 in scores_by_contact(outcome)
    assert satisfaction_now(outcome, "finance") > 70 + (at_2000 - 70) / 2


def test_drift_counts_working_days_only():
    # one person, a bad call on Friday at 10:00 and nothing after: over the weekend the
    # memory does not fade (10-hour working days, half-life one working day)
    contacts = [(ASK, PHONE, SALES, 0, 0, 0, -1)]
    friday = 4 * 1440 + 600
    events = [(friday, ARRIVAL, 0, DESK, -1, 0), (friday + 10, ABANDONED, 0, DESK, -1, 0)]
    jump = 0.25 * (55 - 80) / 10
    saturday_noon = make_outcome(contacts, events, end_min=5 * 1440 + 720,
                                 calendar=True)
    left_on_friday = 18 * 60 - (600 + 10)  # business minutes after the call on Friday
    assert satisfaction_now(saturday_noon, "sales") == pytest.approx(
        80 + jump * 2 ** (-left_on_friday / 600))
    monday_1300 = make_outcome(contacts, events, end_min=7 * 1440 + 13 * 60,
                               calendar=True)
    assert satisfaction_now(monday_1300, "sales") == pytest.approx(
        80 + jump * 2 ** (-(left_on_friday + 300) / 600))


# -- business impact and the score -----------------------------------------------------------


def test_business_impact_of_an_outage_and_a_blocking_incident():
    impact = business_impact(hand_made())
    assert isinstance(impact, BusinessImpact)
    # the fault: 300 -> 500, half the work of one Finance person = 100 person-minutes
    assert impact.lost_work_hours_incidents == pytest.approx(100 / 60)
    # CRM down 120 min, half the work of the 10 Sales people (Finance does not use it)
    assert impact.lost_work_hours_outages == pytest.approx(120 * 0.5 * 10 / 60)
    assert impact.lost_work_hours == pytest.approx(10 + 100 / 60)
    assert impact.cost_by_department == pytest.approx({"sales": 600.0, "finance": 50.0})
    assert impact.cost == pytest.approx(650)


def test_business_impact_in_business_time_and_when_nobody_retries():
    # CRM down Monday 17:00 to Tuesday 09:00: 60 + 60 business minutes; a blocking fault
    # raised Tuesday 10:00 by somebody who hangs up and never tries again: blocked to the end
    # of the run (Tuesday 12:00)
    monday_17, tuesday_09 = 17 * 60, 1440 + 9 * 60
    contacts = [(FAULT, PHONE, FINANCE, 0, 3, 0, -1)]
    events = [(monday_17, OUTAGE_START, -1, -1, 0, 1.0), (tuesday_09, OUTAGE_END, -1, -1, 0, 0),
              (1440 + 600, ARRIVAL, 0, DESK, -1, 0), (1440 + 603, ABANDONED, 0, DESK, -1, 0)]
    impact = business_impact(make_outcome(contacts, events, end_min=1440 + 720, calendar=True))
    assert impact.lost_work_hours_outages == pytest.approx(120 * 1.0 * 10 / 60)
    assert impact.lost_work_hours_incidents == pytest.approx(120 * 0.5 / 60)


def test_an_outage_still_going_at_the_end_counts_to_the_end():
    events = [(1900, OUTAGE_START, -1, -1, 0, 0.5)]
    impact = business_impact(make_outcome([], events))
    assert impact.lost_work_hours == pytest.approx(100 * 0.5 * 10 / 60)


def test_balanced_score():
    weights = ScoreWeights()  # 0.5 satisfaction, 0.3 cost, 0.2 service, reference 10,000
    # cost scores 100 * 10,000 / (10,000 + cost): 5,000 -> 66.7, the reference -> 50
    assert balanced_score(80, 5000, 0.1, weights) == pytest.approx(40 + 0.3 * 200 / 3
                                                                   + 0.2 * 90)
    assert balanced_score(80, 0, None, weights) == pytest.approx(40 + 30 + 20)
    assert balanced_score(80, 10_000, 0.0, weights) == pytest.approx(40 + 0.3 * 50 + 20)
    # a week five times the reference still scores above one thirteen times it: the cost
    # part keeps telling bad weeks apart (it used to be 0 for both)
    assert cost_score(50_000, 10_000) == pytest.approx(100 / 6)
    assert cost_score(130_000, 10_000) == pytest.approx(100 / 14)
    assert balanced_score(80, 50_000, 0.0, weights) > balanced_score(80, 130_000, 0.0, weights)
    assert cost_score(1e12, 10_000) > 0
    assert balanced_score(60, 1, 0, ScoreWeights(satisfaction=1, cost=0, service=0)) == 60
    assert balanced_score(60, 1, 0, ScoreWeights(satisfaction=0, cost=0, service=0)) is None


def test_key_figures_of_the_hand_made_log():
    outcome = hand_made()
    k = compute_kpis(outcome)
    sales, finance = satisfaction_now(outcome, "sales"), satisfaction_now(outcome, "finance")
    assert k["satisfaction_sales"] == pytest.approx(sales)
    assert k["satisfaction_finance"] == pytest.approx(finance)
    assert k["satisfaction"] == pytest.approx((10 * sales + 5 * finance) / 15)
    # good (75+): #0 #8; bad (below 60): #2 hung up, #4 and #5 passed on, #7 still open;
    # neutral: #1 #3 (70), #4's fix (65), #5's late fix (60)
    assert k["moments_good"] == 2 and k["moments_bad"] == 4
    assert k["lost_work_hours"] == pytest.approx(10 + 100 / 60)
    assert k["cost_lost_business"] == pytest.approx(650)
    assert k["cost_levers"] == 500
    assert k["cost_staff"] == pytest.approx(2 * 2000 / 60 * 30)
    assert k["cost_total"] == pytest.approx(2000 + 0 + 500 + 650)
    # resolve target 100: of #0 #1 #3 #4 #5 #8 only #5 (200 min) breached
    assert k["sla_breach_rate"] == pytest.approx(1 / 6)
    assert k["score"] == pytest.approx(0.5 * k["satisfaction"] + 0.3 * 100 * 10_000 / 13_150
                                       + 0.2 * 100 * (5 / 6))
    assert run_score(outcome) == k["score"]
    for name in k:
        label, unit = kpi_label(name)
        assert label and label != name, name
        assert kpi_section(name)
    assert kpi_section("satisfaction_sales") == "Satisfaction"
    assert kpi_section("cost_lost_business") == "Cost"


def test_a_scenario_without_departments_keeps_its_figures():
    from tests.test_kpis import hand_made as queue_only

    k = compute_kpis(queue_only())
    assert "satisfaction" not in k and "score" not in k and "moments_good" not in k
    assert k["cost_levers"] == 0 and k["cost_lost_business"] == 0
    assert k["cost_total"] == k["cost_staff"] + k["cost_suppliers"]


def test_short_names_are_the_part_before_a_bracket_or_a_semicolon():
    assert short_name("Softphone does not work (no audio, headset)", "x") == \
        "Softphone does not work"
    assert short_name("Desk phones switched off; softphones on every laptop", "x") == \
        "Desk phones switched off"
    assert short_name(None, "desk") == "desk" and short_name("(nothing)", "desk") == "desk"
    names = short_names(scenario_from_data(scenario_data()))
    assert names["tier2"] == "Second line" and names["desk"] == "desk"
    assert names["cutover"] == "Softphones" and names["sales"] == "Sales"


def test_words_for_durations():
    assert wait_words(20 / 60) == "20 s" and wait_words(0.001) == "1 s"
    assert wait_words(6.2) == "6 min"
    assert duration_words(0.4) == "under a minute"
    assert duration_words(6.2) == "6 min"
    assert duration_words(200) == "3 h 20 min"
    assert duration_words(120) == "2 h"
    assert duration_words(3 * 1440) == "3 days"
    assert duration_words(3.5 * 1440) == "3.5 days"


# -- behaviour on a story ---------------------------------------------------------------------

STORY = """
id: story
title: story
clock: {duration: 7200}
calendar: {start_date: 2026-03-02}
services: [{id: phones}, {id: crm}]
departments:
  - {id: sales, headcount: 200, channels: {phone: 0.7, email: 0.3}, patience: {dist: exponential, mean: 3},
     retry: {share: 0.6, delay: {dist: exponential, mean: 15}, channels: {email: 1.0}}}
teams:
  - {id: desk, staff: 2}
  - {id: tier2, tier: 2, staff: 1}
categories:
  - {id: howto, handle: {dist: lognormal, mean: 8, sd: 4}, fcr: 0.8, escalate_to: tier2, resolve: {dist: exponential, mean: 30}}
  - {id: fault, arrivals: {per_user_per_day: 0.05}, handle: {dist: lognormal, mean: 10, sd: 5}, fcr: 0.5, escalate_to: tier2, resolve: {dist: exponential, mean: 60}}
changes:
  - id: softphone
    name: Softphones
    service: phones
    at: "mon 08:00"
    channels: {phone: 0.4, email: 0.4, walk_in: 0.2}
    demand:
      - {category: howto, per_user: 0.3, half_life_days: 1}
      - {category: fault, per_user_per_day: 0.03, half_life_days: 15}
injects:
  - id: crm-down
    name: CRM down
    at: "wed 10:00"
    duration_min: 120
    outage: {service: crm}
    demand: [{category: fault, per_user: 0.2, half_life_min: 30}]
    effects: [{target: teams.desk.staff, add: -1}]
levers:
  - id: brief
    name: Brief the desk
    cost: 500
    effects:
      - {target: categories.howto.handle.mean, multiply: 0.75}
      - {target: categories.howto.fcr, add: 0.1}
  - id: train
    name: Train users
    cost: 2000
    effects: [{target: changes.softphone.demand.howto, multiply: 0.6}]
  - id: temps
    name: Temporary staff
    cost: 1000
    effects: [{target: teams.desk.staff, add: 2}]
  - id: warn
    name: Announce the cutover
    effects: [{target: changes.softphone.warned, set: true}]
decision_points:
  - {id: prep, prompt: Prepare, at: 0, levers: [brief, train], budget: 3000}
  - {id: busy, prompt: Busy, when: {metric: waiting.desk, above: 4}, levers: [temps]}
policies:
  prepared: {prep: [brief, train], busy: [temps]}
  none: {}
"""


@pytest.fixture(scope="module")
def story():
    return scenario_from_text(STORY)


def run_story(scenario, seed: int, policy: str = "none", free: tuple = ()) -> Outcome:
    plan = DecisionPlan.from_policy(scenario, policy)
    plan.free = list(free)
    return Simulation(scenario, seed=seed, decisions=plan).run()


def test_preparing_the_cutover_leaves_people_more_satisfied(story):
    seeds = range(1, 11)
    prepared = [satisfaction_now(run_story(story, s, "prepared")) for s in seeds]
    unprepared = [satisfaction_now(run_story(story, s, "none")) for s in seeds]
    assert np.mean(prepared) > np.mean(unprepared)
    assert all(0 <= x <= 100 for x in prepared + unprepared)


def test_a_warned_change_scores_its_contacts_higher(story):
    plain = ledger(run_story(story, 3))
    warned = ledger(run_story(story, 3, free=(Decision(levers=("warn",), at_min=0.0),)))
    # the same people with the same luck (announcing changes nothing the desk does)
    assert plain.contact.tolist() == warned.contact.tolist()
    # the warning counts in the contact's own moment (a ticket's later fix is about the fix)
    from_change = (plain.change >= 0) & ~plain._second
    assert from_change.sum() > 20 and ((warned.change >= 0) & ~warned._second).tolist() \
        == from_change.tolist()
    assert (warned.score[from_change] > plain.score[from_change]).all()
    assert warned.score[from_change].mean() > plain.score[from_change].mean()
    assert (warned.score[~from_change] == plain.score[~from_change]).all()


def test_story_reasons_are_plain_words_naming_the_department(story):
    book = ledger(run_story(story, 2))
    assert len(book) > 50
    for reason in book.reasons:
        assert reason.startswith("sales — ") and len(reason) > 30
        assert reason.isprintable()
        assert not any(junk in reason for junk in ("nan", "None", "{", "inf"))
    # every kind of story occurs in this run
    text = " | ".join(book.reasons)
    for words in ("hung up after", "resolved on the first call", "but not fixed there: "
                  "passed on to tier2", "(after “Softphones”, not announced)", "second try"):
        assert words in text, words


def test_story_key_figures_and_lost_work(story):
    outcome = run_story(story, 1, "prepared")
    k = outcome.kpis()
    assert k["satisfaction"] == pytest.approx(k["satisfaction_sales"])
    assert k["cost_levers"] == 500 + 2000 + 1000
    # the CRM was down for everybody (200 people, all of their work) for two hours
    assert k["lost_work_hours"] == pytest.approx(200 * 2)
    assert k["moments_good"] + k["moments_bad"] <= len(ledger(outcome))
    assert 0 <= k["score"] <= 100


def test_a_decision_point_can_watch_satisfaction(story):
    data = story.model_dump(mode="python", exclude_none=True)
    data["decision_points"].append({"id": "unhappy", "prompt": "People are unhappy",
                                    "when": {"metric": "satisfaction.sales", "below": 74.8},
                                    "levers": ["temps"]})
    scenario = scenario_from_data(data)
    outcome = Simulation(scenario, seed=1).run()
    point = [p.id for p in scenario.decision_points].index("unhappy")
    cols = outcome.log.events.columns()
    fired = cols["time_min"][(cols["event"] == DECISION_POINT) & (cols["agent"] == point)]
    assert fired.size == 1
    when = float(fired[0])
    assert when > 480  # after the cutover went live at 08:00
    # replayed to that check, satisfaction is below the line; one check earlier it was not
    at_check = Simulation(scenario, seed=1)
    at_check.advance(when)
    assert satisfaction_now(at_check.outcome(), "sales") < 74.8
    before = Simulation(scenario, seed=1)
    before.advance(when - scenario.check_every_min)
    assert satisfaction_now(before.outcome(), "sales") >= 74.8


def test_the_labels_say_the_thresholds_the_model_uses():
    from sim.moments import BAD_BELOW, GOOD_AT_LEAST

    assert f"{GOOD_AT_LEAST:g}+" in kpi_label("moments_good")[0]
    assert f"below {BAD_BELOW:g}" in kpi_label("moments_bad")[0]
