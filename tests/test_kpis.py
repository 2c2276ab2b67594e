"""Key figures from a small event log whose answers are worked out by hand.

The log (minutes; no warm-up; the run ends at 100):

    staff:  desk 2 agents and tier2 1 agent from minute 0
    #0 phone   arrives 10, answered 12, handled 17, resolved at first contact
    #1 phone   arrives 20, hangs up 23
    #2 e-mail  arrives 30, answered 30, handled 40, escalated to tier2,
               assigned 50, handled 80, resolved 80
    #3 phone   arrives 90, answered 95, still being handled at 100
    #4 phone   arrives 98, still waiting at 100
"""

from __future__ import annotations

import pytest

from sim.calendar import WorkCalendar
from sim.engine import Outcome
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    CLOSED,
    ESCALATED,
    HANDLED,
    RESOLVED,
    STAFF,
    EventLog,
    Names,
)
from sim.kpis import backlog_over_time, compute_kpis, kpi_label, kpi_section
from sim.loader import scenario_from_data
from sim.scenario import CHANNELS

DESK, TIER2 = 0, 1
PHONE, EMAIL = CHANNELS.index("phone"), CHANNELS.index("email")


def hand_made(warmup: float = 0.0) -> Outcome:
    scenario = scenario_from_data({
        "id": "hand-made", "title": "hand made",
        "clock": {"duration": 100, "warmup": warmup},
        "teams": [{"id": "desk", "staff": 2, "cost_per_hour": 60},
                  {"id": "tier2", "tier": 2, "staff": 1, "cost_per_hour": 30}],
        "categories": [{"id": "ask", "handle": {"dist": "exponential", "mean": 5},
                        "channels": {"phone": 0.8, "email": 0.2},
                        "fcr": 0.5, "escalate_to": "tier2",
                        "resolve": {"dist": "exponential", "mean": 30}}],
        "sla": {"basis": "clock", "P5": {"respond": 3, "resolve": 30}},
    })
    log = EventLog(Names(categories=["ask"], channels=list(CHANNELS), groups=["desk", "tier2"],
                         departments=[], group_kinds=["team", "team"]))
    for channel in (PHONE, PHONE, EMAIL, PHONE, PHONE):
        log.add_contact(category=0, channel=channel, priority=5, department=-1)
    events = [
        (0, STAFF, -1, DESK, -1, 2.0), (0, STAFF, -1, TIER2, -1, 1.0),
        (10, ARRIVAL, 0, DESK, -1, 0), (12, ANSWERED, 0, DESK, 0, 0), (17, HANDLED, 0, DESK, 0, 0),
        (17, RESOLVED, 0, DESK, 0, 0), (17, CLOSED, 0, DESK, 0, 0),
        (20, ARRIVAL, 1, DESK, -1, 0), (23, ABANDONED, 1, DESK, -1, 0),
        (30, ARRIVAL, 2, DESK, -1, 0), (30, ANSWERED, 2, DESK, 1, 0), (40, HANDLED, 2, DESK, 1, 0),
        (40, ESCALATED, 2, TIER2, -1, 0), (50, ASSIGNED, 2, TIER2, 0, 0),
        (80, HANDLED, 2, TIER2, 0, 0), (80, RESOLVED, 2, TIER2, 0, 0),
        (80, CLOSED, 2, TIER2, 0, 0),
        (90, ARRIVAL, 3, DESK, -1, 0), (95, ANSWERED, 3, DESK, 0, 0),
        (98, ARRIVAL, 4, DESK, -1, 0),
    ]
    for t, event, contact, group, agent, value in events:
        log.append(float(t), event, contact, group, agent, float(value))
    return Outcome(scenario, seed=0, replication=0, log=log, calendar=WorkCalendar(None),
                   end_min=100.0)


def test_contact_figures():
    k = compute_kpis(hand_made())
    assert k["contacts"] == 5
    assert k["answered"] == 3
    assert k["abandoned"] == 1
    # phone contacts that stopped waiting: #0 (2 min), #1 (hung up after 3), #3 (5 min)
    assert k["abandonment_rate"] == pytest.approx(1 / 3)
    assert k["asa_min"] == pytest.approx((2 + 5) / 2)
    # every contact, e-mail #2 (0 min) included, and #4 with its 2 minutes so far
    assert k["mean_wait_min"] == pytest.approx((2 + 3 + 0 + 5 + 2) / 5)
    assert k["p_wait"] == pytest.approx(4 / 5)
    assert k["still_waiting"] == 1
    assert k["mean_wait_min_phone"] == pytest.approx((2 + 3 + 5 + 2) / 4)
    assert k["mean_wait_min_email"] == 0
    assert k["mean_wait_min_p5"] == pytest.approx(2.4)
    # the scenario's categories cannot produce other channels or priorities
    assert "mean_wait_min_portal" not in k and "mean_wait_min_p3" not in k


def test_resolution_figures():
    k = compute_kpis(hand_made())
    # handled at first contact: #0 resolved, #2 escalated; #3 is not finished
    assert k["fcr"] == pytest.approx(1 / 2)
    assert k["handle_min"] == pytest.approx((5 + 10) / 2)
    assert k["mttr_min"] == pytest.approx((7 + 50) / 2)
    assert k["mttr_min_p5"] == pytest.approx(28.5)
    assert k["mean_wait_min_desk"] == pytest.approx(2.4)
    assert k["mean_wait_min_tier2"] == pytest.approx(10)


def test_sla_figures():
    k = compute_kpis(hand_made())
    # resolve target 30: #0 took 7 (kept), #2 took 50 (breached); #3, #4 still within it
    assert k["sla_breach_rate"] == pytest.approx(1 / 2)
    assert k["sla_breach_rate_p5"] == pytest.approx(1 / 2)
    # respond target 3: #0 waited 2, #2 0, #3 5 (breached); #4 has waited 2 so far
    assert k["sla_respond_breach_rate"] == pytest.approx(1 / 3)


def test_backlog_utilisation_and_cost():
    outcome = hand_made()
    k = compute_kpis(outcome)
    assert k["backlog_end"] == 2
    # open: 1 in [10,17), [20,23), [30,80), [90,98); 2 in [98,100) -> 72 contact-minutes
    assert k["backlog_mean"] == pytest.approx(72 / 100)
    # desk busy 5 + 10 + 5 (still working at the end) of 2 x 100 on-duty minutes
    assert k["utilisation_desk"] == pytest.approx(20 / 200)
    assert k["utilisation_tier2"] == pytest.approx(30 / 100)
    assert k["cost_staff"] == pytest.approx(200 / 60 * 60 + 100 / 60 * 30)
    assert k["cost_suppliers"] == 0
    assert k["cost_total"] == k["cost_staff"]
    grid, open_counts = backlog_over_time(outcome, step_min=10)
    assert grid.tolist() == [float(t) for t in range(0, 101, 10)]
    # sampled after the events at each grid time: #1 arrives exactly at 20, #3 at 90
    assert open_counts.tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 2]


def test_contacts_in_the_warm_up_are_not_counted():
    k = compute_kpis(hand_made(warmup=25))
    assert k["contacts"] == 3  # #2, #3, #4 arrived after minute 25
    assert k["abandoned"] == 0
    assert k["mean_wait_min"] == pytest.approx((0 + 5 + 2) / 3)
    # staff time counts from the end of the warm-up: desk busy 30-40 and 95-100
    assert k["utilisation_desk"] == pytest.approx(15 / 150)


def test_empty_run_has_no_undefined_numbers_posing_as_zero():
    outcome = hand_made()
    outcome.log = EventLog(outcome.log.names)
    k = compute_kpis(outcome)
    assert k["contacts"] == 0
    assert k["abandonment_rate"] is None and k["asa_min"] is None and k["fcr"] is None


def test_every_figure_has_a_label_and_a_section():
    for name in compute_kpis(hand_made()):
        label, unit = kpi_label(name)
        assert label and label != name, name
        assert unit in ("count", "share", "min", "money", "points", "hours")
        assert kpi_section(name)


def test_an_outcome_taken_mid_run_keeps_its_figures_as_the_run_goes_on():
    """The game reads outcomes while the simulation runs on: a reading taken at 11:40 must
    keep the 11:40 figures, whatever happens afterwards to the shared log."""
    from sim import load_builtin
    from sim.engine import Simulation

    sim = Simulation(load_builtin("normal-week"), seed=4)
    sim.advance(11 * 60 + 40)
    early = sim.outcome()
    before = dict(compute_kpis(early))
    sim.advance(3 * 1440)
    early._kpis = None
    assert compute_kpis(early) == before
    fresh = Simulation(load_builtin("normal-week"), seed=4)
    fresh.advance(11 * 60 + 40)
    assert compute_kpis(fresh.outcome()) == before


def test_labels_name_departments_teams_and_suppliers_of_a_scenario():
    """With the scenario, a figure about one department, team or supplier names it as the
    debrief does (the short name: no bracketed detail); without it, or for an id the
    scenario does not declare, by its id, as before."""
    from sim import load_builtin

    cutover = load_builtin("softphone-cutover")
    assert kpi_label("satisfaction_hr", cutover) == ("Satisfaction — HR and Administration",
                                                     "points")
    assert kpi_label("utilisation_softphone-vendor", cutover) == (
        "Utilisation — Softphone vendor", "share")  # "Softphone vendor (support contract)"
    assert kpi_label("mean_wait_min_service-desk", cutover) == (
        "Mean wait in queue — Service desk", "min")
    assert kpi_label("mean_wait_min_phone", cutover) == ("Mean wait, phone", "min")
    assert kpi_label("asa_min", cutover) == kpi_label("asa_min")
    assert kpi_label("satisfaction_hr") == ("Satisfaction — hr", "points")
    assert kpi_label("utilisation_softphone-vendor") == ("Utilisation — softphone-vendor",
                                                         "share")
    assert kpi_label("satisfaction_elsewhere", cutover) == ("Satisfaction — elsewhere",
                                                            "points")
    assert kpi_section("satisfaction_hr") == "Satisfaction"
