"""How the engine moves contacts: queues, staffing, shifts, escalation, suppliers, snapshots.

Each test builds a small scenario where the right answer can be worked out by hand, and
checks the event log (the only record anybody downstream reads)."""

from __future__ import annotations

import pytest
import simpy

from sim import Simulation, load_builtin, scenario_from_data
from sim.timing import Call

SUPPORT_SCENARIO = {
    "id": "support",
    "title": "Desk, resolvers, supplier",
    "clock": {"duration": 20_000},
    "teams": [{"id": "desk", "staff": 3},
              {"id": "resolvers", "tier": 2, "staff": 5, "cost_per_hour": 60}],
    "suppliers": [{"id": "vendor", "capacity": 5, "cost_per_ticket": 100,
                   "response": {"dist": "deterministic", "value": 30},
                   "resolve": {"dist": "deterministic", "value": 90}}],
    "categories": [{
        "id": "fault", "arrivals": {"per_minute": 0.2}, "channel": "email",
        "handle": {"dist": "exponential", "mean": 6}, "fcr": 0.5,
        "escalate_to": "resolvers", "resolve": {"dist": "exponential", "mean": 30},
        "reassign": {"share": 0.4, "to": "vendor"},
    }],
}


def rows(outcome, **where):
    return [r for r in outcome.log.rows() if all(r[k] == v for k, v in where.items())]


def by_contact(outcome) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in outcome.log.rows():
        if r["contact"] >= 0:
            out.setdefault(r["contact"], []).append(r)
    return out


def test_call_events_sit_on_simpys_queue_as_simpy_puts_them():
    """`Call` pushes onto SimPy's event queue itself; check the layout it relies on
    (time, priority, event id, event) is SimPy's, so a SimPy upgrade cannot break it
    silently."""
    env = simpy.Environment()
    env.timeout(5)
    assert len(env._queue[0]) == 4 and env._queue[0][0] == 5
    fired = []
    Call(env, 2.5, "payload", lambda event: fired.append((env.now, event.value)))
    env.run()
    assert fired == [(2.5, "payload")]


def test_every_contact_follows_the_ticket_lifecycle():
    outcome = Simulation(scenario_from_data(SUPPORT_SCENARIO), seed=1).run()
    seen_vendor = seen_fcr = seen_resolver = False
    for contact, events in by_contact(outcome).items():
        names = [e["event"] for e in events]
        times = [e["time_min"] for e in events]
        assert times == sorted(times), contact
        assert names[0] == "arrival"
        if names[-1] != "closed":
            continue  # still open when the run ended
        assert names[-2] == "resolved"
        if "escalated" not in names:
            seen_fcr = True
            assert names == ["arrival", "answered", "handled", "resolved", "closed"]
        elif "vendor" in [e["group"] for e in events]:
            seen_vendor = True
            assert names == ["arrival", "answered", "handled", "escalated", "assigned",
                             "handled", "escalated", "assigned", "handled", "resolved",
                             "closed"]
            at_vendor = {e["event"]: e["time_min"] for e in events if e["group"] == "vendor"}
            # the vendor responds 30 minutes after it takes the ticket (its queue comes on
            # top), then works 90 minutes: both contract times are deterministic here
            assert at_vendor["assigned"] - at_vendor["escalated"] >= 30 - 1e-9
            assert at_vendor["handled"] - at_vendor["assigned"] == pytest.approx(90)
        else:
            seen_resolver = True
            assert names == ["arrival", "answered", "handled", "escalated", "assigned",
                             "handled", "resolved", "closed"]
    assert seen_fcr and seen_vendor and seen_resolver


def test_supplier_fees_and_shares_follow_the_scenario():
    outcome = Simulation(scenario_from_data(SUPPORT_SCENARIO), seed=1).run()
    kpis = outcome.kpis()
    vendor_jobs = len(rows(outcome, event="assigned", group="vendor"))
    assert vendor_jobs > 50
    assert kpis["cost_suppliers"] == 100 * vendor_jobs
    # about half resolved at first contact, and ~40% of the resolvers' tickets passed on
    assert 0.45 < kpis["fcr"] < 0.55
    resolver_jobs = len(rows(outcome, event="handled", group="resolvers"))
    passed_on = len(rows(outcome, event="escalated", group="vendor"))
    assert 0.35 < passed_on / resolver_jobs < 0.45
    # the resolvers are paid for every on-duty hour
    assert kpis["cost_staff"] == 5 * 60 * 20_000 / 60


def test_phone_calls_are_answered_before_waiting_emails():
    """A single agent, busy: an e-mail arrives, then a call; the call is answered first."""
    scenario = scenario_from_data({
        "id": "order", "title": "queue order", "clock": {"duration": 3000},
        "teams": [{"id": "desk", "staff": 1}],
        "categories": [
            {"id": "mail", "arrivals": {"per_minute": 0.05}, "channel": "email",
             "handle": {"dist": "deterministic", "value": 10}},
            {"id": "call", "arrivals": {"per_minute": 0.1}, "channel": "phone",
             "handle": {"dist": "deterministic", "value": 4}},
        ],
    })
    outcome = Simulation(scenario, seed=3).run()
    events = outcome.log.rows()
    channel_of = {r["contact"]: r["channel"] for r in events if r["event"] == "arrival"}
    waiting: list[int] = []
    checked = 0
    for r in events:
        if r["event"] == "arrival":
            waiting.append(r["contact"])
        elif r["event"] == "answered":
            queued_before = [c for c in waiting if c != r["contact"]]
            if channel_of[r["contact"]] == "email":
                # nobody on the phone was waiting when an e-mail got picked up
                assert all(channel_of[c] != "phone" for c in queued_before)
                checked += 1
            waiting.remove(r["contact"])
    assert checked > 5


def test_fewer_staff_mid_run_lets_busy_agents_finish_first():
    scenario = scenario_from_data({
        "id": "cut", "title": "staff cut", "clock": {"duration": 600},
        "teams": [{"id": "desk", "staff": 4}],
        "categories": [{"id": "call", "arrivals": {"per_minute": 2.0}, "channel": "phone",
                        "handle": {"dist": "deterministic", "value": 20}}],
    })
    sim = Simulation(scenario, seed=1)
    sim.advance(100)
    desk = sim.group_by_id["desk"]
    assert desk.busy() == 4 and desk.waiting > 10  # overloaded: everybody busy
    desk.set_staff(1, sim.now_min)
    assert desk.on_duty == 4  # nobody walks out of a call
    sim.advance(130)  # every call in progress at 100 has ended by 120
    assert desk.on_duty == 1
    outcome = sim.run()
    staff = [(r["time_min"], r["value"]) for r in rows(outcome, event="staff")]
    assert staff[0] == (0.0, 4.0)
    assert [v for _, v in staff[1:]] == [3.0, 2.0, 1.0]
    assert all(100 < t <= 120 for t, _ in staff[1:])
    # after the cut, one agent answers one call at a time
    answered_late = [r for r in rows(outcome, event="answered") if r["time_min"] > 121]
    assert {r["agent"] for r in answered_late} == {answered_late[0]["agent"]}


def test_work_past_the_end_of_a_shift_is_paid_as_overtime():
    """Three agents sent home at minute 100 finish their calls first: the minutes from 100
    until each leaves are overtime, at the team's overtime rate, and not ordinary staff
    time; the total cost counts both."""
    scenario = scenario_from_data({
        "id": "cut", "title": "staff cut", "clock": {"duration": 600},
        "teams": [{"id": "desk", "staff": 4, "cost_per_hour": 60, "overtime_rate": 2}],
        "categories": [{"id": "call", "arrivals": {"per_minute": 2.0}, "channel": "phone",
                        "handle": {"dist": "deterministic", "value": 20}}],
    })
    sim = Simulation(scenario, seed=1)
    sim.advance(100)
    sim.group_by_id["desk"].set_staff(1, sim.now_min)
    outcome = sim.run()
    left_at = [r["time_min"] for r in rows(outcome, event="staff")][1:]
    overtime = rows(outcome, event="overtime")
    assert [r["time_min"] for r in overtime] == left_at
    assert [r["value"] for r in overtime] == pytest.approx([t - 100 for t in left_at])
    extra_min = sum(t - 100 for t in left_at)
    assert 0 < extra_min < 60
    kpis = outcome.kpis()
    assert kpis["overtime_hours"] == pytest.approx(extra_min / 60)
    assert kpis["cost_overtime"] == pytest.approx(extra_min / 60 * 60 * 2)
    # on duty: 4 agents until 100, then 1 agent to 600, plus the three finishing up
    assert kpis["cost_staff"] == pytest.approx((4 * 100 + 1 * 500) / 60 * 60)
    assert kpis["cost_total"] == pytest.approx(kpis["cost_staff"] + kpis["cost_overtime"])


def test_more_staff_mid_run_answer_waiting_calls_at_once():
    scenario = scenario_from_data({
        "id": "add", "title": "staff added", "clock": {"duration": 300},
        "teams": [{"id": "desk", "staff": 1}],
        "categories": [{"id": "call", "arrivals": {"per_minute": 1.0}, "channel": "phone",
                        "handle": {"dist": "deterministic", "value": 10}}],
    })
    sim = Simulation(scenario, seed=1)
    sim.advance(60)
    desk = sim.group_by_id["desk"]
    waiting = desk.waiting
    assert waiting >= 3
    desk.set_staff(4, sim.now_min)
    assert desk.on_duty == 4 and desk.busy() == 4 and desk.waiting == waiting - 3
    outcome = sim.run()
    at_60 = [r for r in rows(outcome, event="answered") if r["time_min"] == 60]
    assert len(at_60) == 3 and {r["agent"] for r in at_60} == {1, 2, 3}


def test_shifts_put_agents_on_duty_at_the_hours_in_the_scenario():
    outcome = Simulation(load_builtin("normal-week"), seed=1).run()
    desk_changes = [(r["time_min"], int(r["value"]))
                    for r in rows(outcome, event="staff", group="service-desk")]
    monday = [(t / 60, v) for t, v in desk_changes if t < 1440]
    boundaries = [(8.0, 1), (9.0, 2), (12.0, 1), (12.5, 2), (13.0, 1), (13.5, 2), (17.0, 1),
                  (18.0, 0)]
    assert [v for _, v in monday] == [v for _, v in boundaries]
    for (hour, _), (boundary, _) in zip(monday, boundaries, strict=True):
        # on time, or a little later when the agent going off duty finishes a call first
        assert boundary <= hour < boundary + 1, (hour, boundary)
    # no one answers the desk at night or at the weekend
    for r in rows(outcome, event="answered", group="service-desk"):
        minute_of_day = r["time_min"] % 1440
        assert 8 * 60 <= minute_of_day < 18 * 60 + 60  # a call taken at 17:59 may run over
        assert r["time_min"] < 5 * 1440


def test_callers_who_run_out_of_patience_hang_up_and_are_never_answered():
    scenario = scenario_from_data({
        "id": "impatient", "title": "impatient", "clock": {"duration": 500},
        "teams": [{"id": "desk", "staff": 1}],
        "categories": [{"id": "call", "arrivals": {"per_minute": 1.0}, "channel": "phone",
                        "handle": {"dist": "deterministic", "value": 5},
                        "patience": {"dist": "deterministic", "value": 2}}],
    })
    outcome = Simulation(scenario, seed=1).run()
    contacts = by_contact(outcome)
    hung_up = [c for c, ev in contacts.items() if any(e["event"] == "abandoned" for e in ev)]
    assert len(hung_up) > 100
    for c in hung_up:
        names = [e["event"] for e in contacts[c]]
        assert names == ["arrival", "abandoned"]
        assert contacts[c][1]["time_min"] - contacts[c][0]["time_min"] == pytest.approx(2.0)
    # answered callers waited less than their patience
    for ev in contacts.values():
        if len(ev) > 1 and ev[1]["event"] == "answered":
            assert ev[1]["time_min"] - ev[0]["time_min"] < 2.0


def test_snapshot_shows_the_floor_as_it_is():
    sim = Simulation(load_builtin("normal-week"), seed=1)
    snap = sim.advance(10 * 60 + 30)  # Monday 10:30
    assert snap.now_min == 630 and snap.day == 0 and snap.weekday == 0 and snap.is_open
    desk = next(g for g in snap.groups if g.id == "service-desk")
    assert desk.on_duty == 2
    assert desk.busy == sum(1 for a in desk.agents if a.contact is not None)
    assert sum(desk.waiting_by_channel.values()) == desk.waiting
    # the queue in the order it will be taken, each with how long it has waited so far
    assert len(desk.queue) == min(desk.waiting, 60)
    assert all(w.waited_min >= 0 for w in desk.queue)
    assert desk.longest_wait_min == max((w.waited_min for w in desk.queue), default=0.0)
    for a in desk.agents:
        if a.contact is not None:
            assert a.channel in ("phone", "email", "portal", "walk_in") and a.busy_min >= 0
    night = sim.advance(22 * 60)
    assert not night.is_open
    assert next(g for g in night.groups if g.id == "service-desk").on_duty == 0
    end = sim.advance(10 ** 9)
    assert end.finished and end.now_min == 7200


def test_tickets_waiting_on_the_user_hold_no_agent_and_resolve_later():
    scenario = scenario_from_data({
        "id": "pending", "title": "pending", "clock": {"duration": 5000},
        "teams": [{"id": "desk", "staff": 2}, {"id": "resolvers", "tier": 2, "staff": 2}],
        "categories": [{
            "id": "fault", "arrivals": {"per_minute": 0.05}, "channel": "email",
            "handle": {"dist": "deterministic", "value": 5}, "fcr": 0.0,
            "escalate_to": "resolvers", "resolve": {"dist": "deterministic", "value": 20},
            "pending": {"share": 0.5, "duration": {"dist": "deterministic", "value": 300},
                        "hours": "always"},
        }],
    })
    outcome = Simulation(scenario, seed=2).run()
    waited = direct = 0
    for events in by_contact(outcome).values():
        names = [e["event"] for e in events]
        if names[-1] != "closed":
            continue
        if "pending" in names:
            waited += 1
            at = {e["event"]: e["time_min"] for e in events}
            assert names[-3:] == ["pending", "resolved", "closed"]
            assert at["resolved"] - at["pending"] == pytest.approx(300)
            # nobody works on it meanwhile: the resolver's work ended when it went pending
            assert at["pending"] == max(e["time_min"] for e in events if e["event"] == "handled")
        else:
            direct += 1
    assert waited > 20 and direct > 20
    # the resolvers are busy 20 minutes per ticket, not 320
    resolver_jobs = len(rows(outcome, event="handled", group="resolvers"))
    assert outcome.kpis()["utilisation_resolvers"] == pytest.approx(
        20 * resolver_jobs / (2 * 5000), rel=0.05)


def test_people_at_the_desk_wait_by_their_own_patience_not_the_phones():
    """Phone callers here give up after 1 minute; people who walked up wait 30."""
    scenario = scenario_from_data({
        "id": "walk-in", "title": "walk-in", "clock": {"duration": 3000},
        "departments": [{"id": "staff", "headcount": 100,
                         "channels": {"phone": 0.5, "walk_in": 0.5},
                         "patience": {"dist": "deterministic", "value": 1},
                         "walk_in_patience": {"dist": "deterministic", "value": 30}}],
        "teams": [{"id": "desk", "staff": 1}],
        "categories": [{"id": "ask", "arrivals": {"per_day": 400},  # overloaded: 1.7 erlangs
                        "handle": {"dist": "deterministic", "value": 6}}],
    })
    outcome = Simulation(scenario, seed=1).run()
    gave_up = {"phone": [], "walk_in": []}
    for events in by_contact(outcome).values():
        if events[-1]["event"] == "abandoned":
            gave_up[events[0]["channel"]].append(events[-1]["time_min"] - events[0]["time_min"])
    assert gave_up["phone"] and gave_up["walk_in"]
    assert all(w == pytest.approx(1) for w in gave_up["phone"])
    assert all(w == pytest.approx(30) for w in gave_up["walk_in"])


def test_a_route_takes_each_ticket_through_its_workflow_in_order():
    scenario = scenario_from_data({
        "id": "route", "title": "new hires", "clock": {"duration": 6000},
        "teams": [{"id": "desk", "staff": 2}, {"id": "identity", "tier": 2, "staff": 1},
                  {"id": "desktop", "tier": 2, "staff": 1}],
        "suppliers": [{"id": "facilities", "resolve": {"dist": "deterministic", "value": 60}}],
        "categories": [{
            "id": "new-hire", "arrivals": {"per_minute": 0.01}, "channel": "portal",
            "handle": {"dist": "deterministic", "value": 5}, "fcr": 0.0,
            "route": ["identity", "desktop", "facilities"],
            "resolve": {"dist": "deterministic", "value": 20},
        }],
    })
    outcome = Simulation(scenario, seed=1).run()
    done = 0
    for events in by_contact(outcome).values():
        if events[-1]["event"] != "closed":
            continue
        done += 1
        steps = [e["group"] for e in events if e["event"] == "escalated"]
        assert steps == ["identity", "desktop", "facilities"]
        assert events[-2]["event"] == "resolved" and events[-2]["group"] == "facilities"
    assert done > 20


def test_declined_requests_are_closed_without_being_resolved():
    scenario = scenario_from_data({
        "id": "no", "title": "no catalog", "clock": {"duration": 3000},
        "teams": [{"id": "desk", "staff": 2}],
        "categories": [{"id": "odd-request", "arrivals": {"per_minute": 0.05},
                        "channel": "email", "handle": {"dist": "deterministic", "value": 5},
                        "declined": 0.4}],
    })
    outcome = Simulation(scenario, seed=1).run()
    declined = resolved = 0
    for events in by_contact(outcome).values():
        names = [e["event"] for e in events]
        if "declined" in names:
            declined += 1
            assert names[-2:] == ["declined", "closed"] and "resolved" not in names
        elif "resolved" in names:
            resolved += 1
    assert 0.3 < declined / (declined + resolved) < 0.5


def test_reassignments_bounce_between_the_two_groups():
    scenario = scenario_from_data({
        "id": "ping-pong", "title": "ping-pong", "clock": {"duration": 20_000},
        "teams": [{"id": "desk", "staff": 2}, {"id": "apps", "tier": 2, "staff": 2},
                  {"id": "infra", "tier": 2, "staff": 2}],
        "categories": [{"id": "odd", "arrivals": {"per_minute": 0.02}, "channel": "email",
                        "handle": {"dist": "deterministic", "value": 5}, "fcr": 0,
                        "escalate_to": "apps", "resolve": {"dist": "deterministic", "value": 10},
                        "reassign": {"share": 1.0, "to": "infra", "max_hops": 3}}],
    })
    outcome = Simulation(scenario, seed=1).run()
    done = [events for events in by_contact(outcome).values() if events[-1]["event"] == "closed"]
    assert done
    for events in done:
        assert [e["group"] for e in events if e["event"] == "escalated"] == \
            ["apps", "infra", "apps", "infra"]


def test_tickets_passed_to_a_first_contact_team_wait_behind_its_callers():
    """A ticket escalated to the desk itself queues with the e-mails, after the callers."""
    scenario = scenario_from_data({
        "id": "back", "title": "back to the desk", "clock": {"duration": 600},
        "teams": [{"id": "desk", "staff": 1}],
        "categories": [
            {"id": "call", "arrivals": {"per_minute": 0.12}, "channel": "phone",
             "handle": {"dist": "deterministic", "value": 6}, "fcr": 0.5,
             "escalate_to": "desk", "resolve": {"dist": "deterministic", "value": 6}},
        ],
    })
    from sim.scenario import CHANNELS

    phone = CHANNELS.index("phone")
    sim = Simulation(scenario, seed=2)
    seen = 0
    for t in range(1, 600):
        sim.advance(t)
        desk = sim.group_by_id["desk"]
        # every first contact here is a call: whoever waits beyond the callers is a ticket
        assert desk.waiting_by_channel[phone] <= desk.waiting
        if desk.waiting > desk.waiting_by_channel[phone]:
            seen += 1
    assert seen  # tickets did wait at the desk, and were not counted as callers
    outcome = sim.run()
    answered_order = [r for r in outcome.log.rows() if r["event"] in ("answered", "assigned")]
    assert any(r["event"] == "assigned" for r in answered_order)


def test_times_past_midnight_and_business_hours_without_a_calendar_are_refused():
    from sim.loader import ScenarioError, scenario_from_text

    with pytest.raises(ScenarioError, match="expected a time"):
        scenario_from_text('id: t\ntitle: t\nclock: {duration: 100}\n'
                           'teams: [{id: d, staff: 1}]\n'
                           'categories: [{id: c, handle: {dist: exponential, mean: 1}}]\n'
                           'changes: [{id: x, name: x, at: "24:30"}]\n')
    # located at the supplier's hours, with what to do about it
    with pytest.raises(ScenarioError, match=r":5: suppliers\[s\]\.hours: business hours need a "
                                            r"calendar, and this scenario has none"):
        scenario_from_text('id: t\ntitle: t\nclock: {duration: 100}\n'
                           'teams: [{id: d, staff: 1}]\n'
                           'suppliers: [{id: s, hours: business, '
                           'resolve: {dist: exponential, mean: 1}}]\n'
                           'categories: [{id: c, handle: {dist: exponential, mean: 1}}]\n')


def test_a_lever_that_is_not_repeatable_is_offered_until_it_is_pulled():
    """What a front end asks before it offers a lever: one that is not repeatable can be
    pulled once (a second pull is refused), a repeatable one again and again; the levers in
    force are those pulled, in the order and at the minute they were pulled."""
    scenario = scenario_from_data({
        "id": "levers", "title": "levers", "clock": {"duration": 600},
        "teams": [{"id": "desk", "staff": 2}],
        "categories": [{"id": "call", "arrivals": {"per_minute": 0.2}, "channel": "phone",
                        "handle": {"dist": "deterministic", "value": 5}}],
        "levers": [{"id": "once", "name": "Once", "effects": [
                        {"target": "teams.desk.staff", "add": 1}]},
                   {"id": "again", "name": "Again", "repeatable": True,
                    "duration_min": 100, "effects": [{"target": "teams.desk.staff", "add": 1}]}],
    })
    sim = Simulation(scenario, seed=1, interactive=True)
    assert sim.available("once") and sim.available("again")
    sim.advance(50)
    sim.pull(["once", "again"])
    assert not sim.available("once") and sim.available("again")
    with pytest.raises(ValueError, match="'once' was pulled already and is not repeatable"):
        sim.pull(["once"])
    assert sim.levers_in_force() == [("once", None), ("again", 150.0)]
    sim.advance(160)  # the first "again" has worn off
    sim.pull(["again"])
    assert sim.available("again")
    assert sim.levers_in_force() == [("once", None), ("again", 260.0)]
