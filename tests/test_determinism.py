"""The determinism contract: scenario + seed (+ decisions) give the same event log, byte for
byte, however the clock is driven; and two runs that differ in one parameter share every
random draw that parameter does not touch (common random numbers)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from sim import Simulation, load_builtin, run_replications, scenario_from_data
from sim.builtin import builtin_path
from sim.eventlog import ARRIVAL

MM10_WITH_PATIENCE = {
    "id": "mm10-impatient",
    "title": "Ten agents, impatient callers",
    "clock": {"duration": 3000, "warmup": 200},
    "teams": [{"id": "desk", "staff": 10}],
    "categories": [{
        "id": "call", "arrivals": {"per_minute": 2.2}, "channel": "phone",
        "handle": {"dist": "exponential", "mean": 5},
        "patience": {"dist": "exponential", "mean": 3}, "team": "desk",
    }],
}


def normal_week_data() -> dict:
    return yaml.safe_load(builtin_path("normal-week").read_text())


def run_log(scenario, seed: int, steps=None) -> bytes:
    sim = Simulation(scenario, seed=seed)
    if steps is None:
        sim.run()
    else:
        t = 0.0
        for step in steps:
            t += step
            sim.advance(t)
            if sim.finished:
                break
        sim.run()
    return sim.log.to_bytes()


@pytest.mark.parametrize("make", [lambda: load_builtin("normal-week"),
                                  lambda: scenario_from_data(MM10_WITH_PATIENCE)],
                         ids=["normal-week", "mm10-impatient"])
def test_same_seed_gives_the_same_event_log_bytes(make):
    first = run_log(make(), seed=42)
    second = run_log(make(), seed=42)
    assert first == second
    assert run_log(make(), seed=43) != first


@pytest.mark.parametrize("step_min", [0.7, 5.0, 60.0, 1440.0])
def test_stepping_the_clock_gives_the_same_log_as_one_run(step_min):
    scenario = load_builtin("normal-week")
    whole = run_log(scenario, seed=7)
    steps = [step_min] * int(scenario.clock.duration / step_min + 2)
    assert run_log(scenario, seed=7, steps=steps) == whole


def test_uneven_frame_steps_give_the_same_log_as_one_run():
    """A front end advances by speed x frame time: irregular, sometimes tiny steps."""
    scenario = scenario_from_data(MM10_WITH_PATIENCE)
    whole = run_log(scenario, seed=3)
    rng = np.random.default_rng(0)
    steps = rng.exponential(0.4, size=20_000).tolist()
    assert run_log(scenario, seed=3, steps=steps) == whole


def test_taking_snapshots_does_not_change_the_run():
    scenario = load_builtin("normal-week")
    whole = run_log(scenario, seed=5)
    sim = Simulation(scenario, seed=5)
    for t in range(0, 7200, 13):
        sim.advance(t)
        sim.snapshot()
        sim.outcome().kpis()  # reading figures mid-run packs the log; must not alter it
    sim.run()
    assert sim.log.to_bytes() == whole


def arrivals(scenario, seed: int) -> list[tuple]:
    """Every arrival: when, who (contact number), what category, which channel, which
    department."""
    sim = Simulation(scenario, seed=seed)
    outcome = sim.run()
    cols = outcome.log.columns()
    rows = cols["event"] == ARRIVAL
    return list(zip(cols["time_min"][rows].tolist(), cols["contact"][rows].tolist(),
                    cols["category"][rows].tolist(), cols["channel"][rows].tolist(),
                    cols["department"][rows].tolist(), strict=True))


def test_changing_staff_leaves_the_arrival_stream_untouched():
    base = normal_week_data()
    more_staff = copy.deepcopy(base)
    desk = next(t for t in more_staff["teams"] if t["id"] == "service-desk")
    for shift in desk["shifts"]:
        shift["staff"] += 1
    fewer_resolvers = copy.deepcopy(base)
    next(t for t in fewer_resolvers["teams"] if t["id"] == "desktop")["staff"] = 3

    reference = arrivals(scenario_from_data(base), seed=11)
    assert len(reference) > 100
    for variant in (more_staff, fewer_resolvers):
        assert arrivals(scenario_from_data(variant), seed=11) == reference
    # ... while the outcome did change: the extra agents shorten the waits
    waits = [Simulation(scenario_from_data(d), seed=11).run().kpis()["mean_wait_min"]
             for d in (base, more_staff)]
    assert waits[1] < waits[0]


def first_contact_work(scenario, seed: int, category: str) -> list[tuple]:
    """For each contact of one category, in arrival order: arrival time, channel,
    department and how long its first-contact handling took."""
    from sim.kpis import LogView

    outcome = Simulation(scenario, seed=seed).run()
    view = LogView(outcome)
    code = outcome.log.names.categories.index(category)
    contact, _, start, end, first = view.work_episodes()
    handled = {int(c): float(e - s) for c, s, e, f in zip(contact, start, end, first,
                                                          strict=True) if f}
    return [(float(view.arrived[c]), int(view.contact_channel[c]),
             int(view.contact_department[c]), handled.get(c))
            for c in range(view.n_contacts) if view.contact_category[c] == code]


def test_changing_one_category_leaves_other_categories_draws_untouched():
    """Tripling the how-to questions leaves every password reset exactly as it was: when
    it came, from whom, how, and how long it took to handle (contact numbers are shared by
    all categories, so they shift)."""
    base = normal_week_data()
    variant = copy.deepcopy(base)
    how_to = next(c for c in variant["categories"] if c["id"] == "how-to")
    how_to["arrivals"]["per_user_per_day"] *= 3
    resets = [first_contact_work(scenario_from_data(d), 2, "password-reset")
              for d in (base, variant)]
    assert len(resets[0]) > 20
    # the ones answered in both runs took exactly as long; arrivals are all identical
    assert [r[:3] for r in resets[0]] == [r[:3] for r in resets[1]]
    both = [(a[3], b[3]) for a, b in zip(*resets, strict=True)
            if a[3] is not None and b[3] is not None]
    assert both and all(a == b for a, b in both)
    how_tos = [first_contact_work(scenario_from_data(d), 2, "how-to") for d in (base, variant)]
    assert len(how_tos[1]) > 2 * len(how_tos[0])


def test_replications_do_not_depend_on_the_number_of_workers():
    scenario = scenario_from_data(MM10_WITH_PATIENCE)
    one = run_replications(scenario, seed=9, replications=6, workers=1)
    two = run_replications(scenario, seed=9, replications=6, workers=2)
    assert one.per_replication == two.per_replication


def test_the_first_replication_is_the_plain_run():
    scenario = scenario_from_data(MM10_WITH_PATIENCE)
    reps = run_replications(scenario, seed=4, replications=3, workers=1)
    assert reps.per_replication[0] == Simulation(scenario, seed=4).run().kpis()
    assert reps.per_replication[1] != reps.per_replication[0]


def test_a_game_played_step_by_step_replays_headless_byte_for_byte():
    """What the game does: small uneven steps, decision points answered as they fire, levers
    pulled between steps with `pull_soon` — and the same decisions run headless afterwards
    give the same event log."""
    from sim.decisions import DecisionPlan

    scenario = load_builtin("softphone-cutover")
    rng = np.random.default_rng(7)
    sim = Simulation(scenario, seed=4, interactive=True)
    answers = iter([["brief-help-desk", "clear-communication"], ["faq-email"], [], []])
    orders = {900.0: ["temp-staff"], 1500.0: ["major-incident"]}
    while not sim.finished:
        snapshot = sim.advance(sim.now_min + float(rng.uniform(0.1, 45.0)))
        if snapshot.pending_decision is not None:
            offered = [lv.id for lv in snapshot.pending_decision.levers]
            chosen = [lv for lv in next(answers, []) if lv in offered and sim.available(lv)
                      and not sim.ordered(lv)]
            sim.decide(chosen)
            continue
        for when, levers in list(orders.items()):
            if sim.now_min >= when and all(sim.available(lv) for lv in levers):
                at = sim.pull_soon(levers)
                assert at in (sim.now_min, sim.now_min + 1.0)
                del orders[when]
    played = sim.outcome()
    free = [d for d in played.decisions if d.point is None]
    assert [d.levers for d in free] == [("temp-staff",), ("major-incident",)]
    headless = Simulation(scenario, seed=4, decisions=DecisionPlan(played.decisions)).run()
    assert headless.log.to_bytes() == played.log.to_bytes()
    assert headless.kpis() == played.kpis()


def test_a_lever_ordered_cannot_be_ordered_twice():
    scenario = load_builtin("softphone-cutover")
    sim = Simulation(scenario, seed=1, interactive=True)
    sim.advance(1)
    sim.decide([])
    sim.advance(600)
    sim.pull_soon(["faq-email"])
    assert sim.ordered("faq-email") and sim.available("faq-email")
    with pytest.raises(ValueError, match="pulled already"):
        sim.pull_soon(["faq-email"])


def test_a_reader_following_the_log_sees_each_row_once_and_cannot_change_it():
    """Decision points and the game read the log as it grows, a few rows at a time: what
    they were handed stays as it was while rows are added (even when the log's storage
    grows), the rows since their last read are exactly the new ones, and nobody can write
    into the log through what they read."""
    sim = Simulation(scenario_from_data(MM10_WITH_PATIENCE), seed=4)
    read, pieces, first_view, first_copy = 0, [], None, None
    for to_min in np.arange(50.0, 3001.0, 50.0):
        sim.advance(float(to_min))
        new = sim.log.events_since(read)
        read += len(new["time_min"])
        pieces.append(new["time_min"].copy())
        if first_view is None and read:
            first_view, first_copy = new["time_min"], new["time_min"].copy()
    sim.run()
    whole = sim.log.columns()["time_min"]
    assert len(whole) > 10_000  # the storage grew many times over
    np.testing.assert_array_equal(np.concatenate(pieces), whole[:read])
    np.testing.assert_array_equal(first_view, first_copy)
    with pytest.raises(ValueError):
        whole[0] = -1.0
    assert sim.log.to_bytes() == run_log(scenario_from_data(MM10_WITH_PATIENCE), 4)


@pytest.mark.parametrize("scenario_id", ["isp-supplier", "month-end-outage"])
def test_the_live_sla_breach_rate_followed_hour_by_hour_ends_as_the_key_figure(scenario_id):
    """What a decision point watches (`sim.live`, reading the log's new rows every hour of
    the run) ends on the figure the debrief gives for the whole run."""
    from sim.live import LiveStats

    sim = Simulation(load_builtin(scenario_id), seed=3)
    live = LiveStats(sim)
    hour = 60.0
    while not sim.finished:
        sim.advance(sim.now_min + hour)
        live.update()
        live.update()  # nothing new: reads nothing twice
    outcome = sim.run()
    live.update()
    expected = outcome.kpis()["sla_breach_rate"]
    assert expected > 0
    assert live.value("sla_breach_rate") == pytest.approx(expected)
