"""The story machinery: levers reach the live model, decision points stop and resume the
clock, changes and injects happen, replays reproduce runs, twins share their luck.

Uses tests/data/scenarios/story.yaml: 200 sales people, a two-agent desk, a softphone change
on Monday morning with fading demand, a CRM outage on Wednesday, three levers, a decision
point at the start and one on a condition (phone queue above 3), and two policies.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from sim import Simulation, load_scenario, scenario_from_data, scenario_from_text
from sim.decisions import DecisionPlan, load_decisions
from sim.engine import DecisionPending
from sim.eventlog import ARRIVAL, STORY_EVENTS
from sim.loader import ScenarioError
from sim.replay import load_replay, replay, replay_of, save_replay, scenario_for
from sim.twin import compare, twin_run

STORY = Path(__file__).parent / "data" / "scenarios" / "story.yaml"


@pytest.fixture(scope="module")
def story():
    return load_scenario(STORY)


def story_data() -> dict:
    return yaml.safe_load(STORY.read_text())


def run(scenario, policy="none", seed=1):
    return Simulation(scenario, seed=seed, decisions=DecisionPlan.from_policy(scenario, policy)
                      ).run()


def rows(outcome, event=None):
    return [r for r in outcome.log.rows() if event is None or r["event"] == event]


# -- levers reach the live model ------------------------------------------------------------


def test_staff_added_mid_run_answer_calls(story):
    sim = Simulation(story, seed=3, interactive=True)
    sim.advance(1)
    sim.decide([])  # the preparation point at minute 0: nothing
    snapshot = sim.advance(2 * 1440 + 10 * 60)  # Wednesday 10:00
    while snapshot.pending_decision is not None:
        sim.decide([])
        snapshot = sim.advance(2 * 1440 + 10 * 60)
    desk = sim.group_by_id["desk"]
    before = desk.on_duty
    sim.pull(["temps"])
    assert desk.on_duty == before + 2
    outcome = None
    while True:
        snapshot = sim.advance(sim.horizon_min)
        if snapshot.pending_decision is None:
            break
        sim.decide([])
    outcome = sim.outcome()
    new_agents = {before, before + 1}
    answered_by_new = [r for r in rows(outcome, "answered")
                       if r["group"] == "desk" and r["agent"] in new_agents
                       and r["time_min"] > sim.decisions_taken[-1].at_min]
    assert answered_by_new, "the temporary agents answered nobody"


def test_a_lever_setting_fcr_shows_in_the_key_figures():
    data = story_data()
    data["levers"].append({"id": "perfect", "name": "Everything fixed at once",
                           "effects": [{"target": "categories.howto.fcr", "set": 1.0},
                                       {"target": "categories.fault.fcr", "set": 1.0}]})
    data["decision_points"][0]["levers"].append("perfect")
    data["decision_points"][0]["budget"] = 10_000
    data["policies"]["perfect"] = {"prep": ["perfect"]}
    scenario = scenario_from_data(data)
    assert run(scenario, "perfect").kpis()["fcr"] == 1.0
    assert run(scenario, "none").kpis()["fcr"] < 0.8


def test_a_lever_that_halves_handle_times_halves_them():
    data = story_data()
    data["levers"].append({"id": "fast", "name": "Fast", "effects": [
        {"target": "categories.fault.handle.mean", "multiply": 0.5},
        {"target": "categories.howto.handle.mean", "multiply": 0.5}]})
    data["decision_points"][0]["levers"].append("fast")
    data["policies"]["fast"] = {"prep": ["fast"]}
    scenario = scenario_from_data(data)
    slow, fast = run(scenario, "none").kpis(), run(scenario, "fast").kpis()
    assert fast["handle_min"] == pytest.approx(slow["handle_min"] / 2, rel=0.15)


def test_an_unknown_target_or_lever_is_a_located_error():
    text = STORY.read_text().replace("categories.howto.fcr", "categories.howto.fcrr")
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(yaml.safe_load(text), source_name="story.yaml")
    assert "fcrr" in str(caught.value) and "expected one of" in str(caught.value)
    text = STORY.read_text().replace("levers: [brief, train]", "levers: [brief, trian]")
    from sim.loader import scenario_from_text

    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, source_name="story.yaml")
    [problem] = caught.value.problems
    assert problem.line == text.splitlines().index(
        next(line for line in text.splitlines() if "trian" in line)) + 1
    assert "no lever with id 'trian'" in problem.message


def test_timed_effects_wear_off():
    data = story_data()
    data["levers"].append({"id": "short", "name": "Two hours of help", "duration_min": 120,
                           "effects": [{"target": "teams.desk.staff", "add": 3}]})
    scenario = scenario_from_data(data)
    sim = Simulation(scenario, seed=1)
    sim.advance(600)
    before = sim.group_by_id["desk"].on_duty
    sim.pull(["short"])
    assert sim.group_by_id["desk"].on_duty == before + 3
    sim.advance(600 + 121 + 60)  # anyone in a call finishes it within the hour
    assert sim.group_by_id["desk"].on_duty == before


# -- decision points -----------------------------------------------------------------------


def test_interactive_run_stops_at_decision_points_and_matches_the_headless_policy(story):
    sim = Simulation(story, seed=5, interactive=True)
    snapshot = sim.advance(story.clock.duration)
    assert snapshot.pending_decision.point.id == "prep" and snapshot.now_min == 0
    with pytest.raises(DecisionPending):
        sim.advance(100)
    with pytest.raises(Exception, match="does not offer temps"):
        sim.decide(["temps"])
    sim.decide(["brief", "train"])
    snapshot = sim.advance(story.clock.duration)
    assert snapshot.pending_decision.point.id == "busy"
    assert not snapshot.finished
    sim.decide(["temps"])
    assert sim.advance(story.clock.duration).finished
    assert sim.log.to_bytes() == run(story, "prepared", seed=5).log.to_bytes()


def test_a_condition_fires_when_it_first_holds(story):
    outcome = run(story, "none", seed=2)
    fired = [r for r in rows(outcome, "decision_point")]
    assert [outcome.log.names.decision_points[r["agent"]] for r in fired] == ["prep", "busy"]
    busy_at = fired[1]["time_min"]
    assert busy_at % story.check_every_min == 0  # conditions are checked every 5 minutes


def test_decisions_file_with_free_decisions_and_answers(story, tmp_path):
    path = tmp_path / "decisions.yaml"
    path.write_text("decisions:\n  - {point: prep, levers: [brief]}\n"
                    "  - {at: \"tue 10:00\", levers: [temps]}\n")
    plan = load_decisions(path, story)
    outcome = Simulation(story, seed=1, decisions=plan).run()
    levers = [(r["time_min"], outcome.log.names.levers[r["agent"]])
              for r in rows(outcome, "lever")]
    assert levers == [(0.0, "brief"), (1440 + 600.0, "temps")]


def test_answers_over_the_budget_are_refused(story, tmp_path):
    data = story_data()
    data["decision_points"][0]["budget"] = 2000  # brief 500 + train 2000 no longer fit
    with pytest.raises(ScenarioError, match=r"policies\.prepared\.prep: the levers chosen at "
                                            "prep cost"):
        scenario_from_data(data)  # the scenario's own policy is checked when it loads
    data["policies"]["prepared"]["prep"] = ["train"]
    scenario = scenario_from_data(data)
    path = tmp_path / "decisions.yaml"
    path.write_text("decisions:\n  - {point: prep, levers: [brief, train]}\n")
    with pytest.raises(ScenarioError, match="cost 2,500, over its budget of 2,000"):
        load_decisions(path, scenario)
    sim = Simulation(scenario, seed=1, interactive=True)
    sim.advance(10)
    with pytest.raises(Exception, match="over its budget"):
        sim.decide(["brief", "train"])


def test_a_bad_decisions_file_is_located(story, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("decisions:\n  - {point: prep, levers: [brief]}\n"
                    "  - {point: prep, levers: [temps]}\n  - {at: sometime, levers: []}\n")
    with pytest.raises(ScenarioError) as caught:
        load_decisions(path, story)
    lines = {p.line: p.message for p in caught.value.problems}
    assert "does not offer temps" in lines[3]
    assert "expected a time" in lines[4]


# -- changes and injects -------------------------------------------------------------------


def test_the_change_and_the_inject_happen_when_the_scenario_says(story):
    outcome = run(story)
    story_rows = {(r["event"], r["time_min"]) for r in outcome.log.rows()
                  if r["event"] in ("change_live", "inject_start", "inject_end",
                                    "outage_start", "outage_end")}
    wednesday_10 = 2 * 1440 + 600
    assert story_rows == {("change_live", 480.0), ("inject_start", wednesday_10),
                          ("outage_start", wednesday_10), ("outage_end", wednesday_10 + 120),
                          ("inject_end", wednesday_10 + 120)}
    # the inject took one agent off the desk for its two hours
    desk = [r for r in rows(outcome, "setting") if outcome.log.names.settings[r["agent"]]
            == "teams.desk.staff"]
    assert [r["time_min"] for r in desk] == [wednesday_10, wednesday_10 + 120]


def test_change_demand_fades_and_preparation_thins_the_same_contacts(story):
    none, prepared = run(story, "none"), run(story, "prepared")
    contacts = none.log.contact_columns()
    names = none.log.names.sources
    by_day = [0] * 5
    arrivals = [r for r in rows(none, "arrival")]
    for r in arrivals:
        if names[contacts["source"][r["contact"]]] == "change:softphone:howto":
            by_day[int(r["time_min"] // 1440)] += 1
    assert by_day[0] > by_day[1] > by_day[2] >= by_day[4]  # half-life one working day
    # training users thins the how-to surge: every prepared how-to contact is one of the
    # unprepared run's (same moment), never a new one
    def surge(outcome):
        c = outcome.log.contact_columns()
        src = outcome.log.names.sources
        return {(int(c["seq"][r["contact"]]), r["time_min"]) for r in rows(outcome, "arrival")
                if src[c["source"][r["contact"]]] == "change:softphone:howto"
                and c["attempt"][r["contact"]] == 0}
    assert surge(prepared) < surge(none)
    assert 0.45 < len(surge(prepared)) / len(surge(none)) < 0.75  # x 0.6 in the scenario


def test_rolling_back_a_change_stops_its_demand():
    data = story_data()
    data["levers"].append({"id": "rollback", "name": "Roll back",
                           "effects": [{"target": "changes.softphone.active", "set": False}]})
    data["decisions"] = None
    del data["decisions"]
    scenario = scenario_from_data(data)
    sim = Simulation(scenario, seed=1)
    sim.advance(1440 + 600)
    sim.pull(["rollback"])
    outcome = sim.run()
    contacts = outcome.log.contact_columns()
    names = outcome.log.names.sources
    after = [r for r in rows(outcome, "arrival") if r["time_min"] > 1440 + 600
             and names[contacts["source"][r["contact"]]].startswith("change:")
             and contacts["attempt"][r["contact"]] == 0]
    assert after == []
    assert [r["time_min"] for r in rows(outcome, "change_rolled_back")] == [1440 + 600.0]


def test_people_who_give_up_try_again_by_email(story):
    outcome = run(story)
    contacts = outcome.log.contact_columns()
    retries = [c for c in range(outcome.log.n_contacts) if contacts["attempt"][c] > 0]
    assert retries
    for c in retries:
        first = contacts["issue"][c]
        assert contacts["user"][c] == contacts["user"][first]
        assert contacts["department"][c] == contacts["department"][first]
        assert outcome.log.names.channels[contacts["channel"][c]] == "email"


# -- replays ------------------------------------------------------------------------------


def test_a_saved_run_replays_to_the_same_event_log(story, tmp_path):
    sim = Simulation(story, seed=9, interactive=True)
    sim.advance(1e9)
    sim.decide(["train"])
    sim.advance(1500)
    sim.pull(["brief"])
    while not sim.advance(1e9).finished:
        sim.decide([])
    outcome = sim.outcome()
    path = tmp_path / "run.json"
    save_replay(replay_of(outcome, str(STORY), team="Blue table"), path)
    saved = load_replay(path)
    assert json.loads(path.read_text())["team"] == "Blue table"
    again = replay(saved, scenario_for(saved, str(path)))
    assert again.log.to_bytes() == outcome.log.to_bytes()
    assert again.log.digest() == saved.event_log_sha256


def test_a_replay_whose_scenario_changed_is_refused(story, tmp_path):
    outcome = run(story)
    path = tmp_path / "run.json"
    save_replay(replay_of(outcome, str(STORY)), path)
    data = story_data()
    data["teams"][0]["staff"] = 3
    changed = scenario_from_data(data)
    with pytest.raises(ScenarioError, match="has changed since this replay was saved") as caught:
        scenario_for(load_replay(path), str(path), changed)
    # located at the file's line of the scenario's hash
    lines = path.read_text().splitlines()
    (problem,) = caught.value.problems
    assert '"sha256"' in lines[problem.line - 1]
    # a replay made in memory has no lines to tell
    assert replay_of(outcome, str(STORY)).line_of("scenario", "sha256") is None


def test_a_broken_replay_file_is_located(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "engine_version": "0.1.0",\n  "seed": -4,\n  "scenario": {}\n}\n')
    with pytest.raises(ScenarioError) as caught:
        load_replay(path)
    assert any(p.line == 3 and p.path == "seed" for p in caught.value.problems)


# -- twins --------------------------------------------------------------------------------


def contact_rows(outcome) -> list[tuple]:
    cols = outcome.log.columns()
    return [(t, e, c) for t, e, c in zip(cols["time_min"], cols["event"], cols["contact"],
                                         strict=True) if e not in STORY_EVENTS]


def test_a_twin_with_a_lever_that_changes_nothing_has_the_same_log(story):
    data = story_data()
    data["levers"].append({"id": "nothing", "name": "A memo nobody reads",
                           "effects": [{"target": "categories.howto.fcr", "add": 0.0},
                                       {"target": "teams.desk.staff", "add": 0}]})
    data["decision_points"][0]["levers"].append("nothing")
    scenario = scenario_from_data(data)
    twin = twin_run(scenario, 4, DecisionPlan(), DecisionPlan(policy={"prep": ["nothing"]}))
    # everything but the lever's own rows (the decision is recorded) is identical
    assert contact_rows(twin.first) == contact_rows(twin.second)
    assert twin.first.log.contact_columns()["seq"].tolist() == \
        twin.second.log.contact_columns()["seq"].tolist()
    assert not twin.turned_out_differently and not twin.only_in_first
    assert all(d in (0, None) for *_, d in twin.kpi_deltas.values())


def test_a_staffing_twin_has_the_same_arrivals_and_only_different_waits(story):
    data = story_data()
    data["levers"].append({"id": "more", "name": "One more agent",
                           "effects": [{"target": "teams.desk.staff", "add": 1}]})
    data["decision_points"][0]["levers"].append("more")
    data["decision_points"][0]["budget"] = 10_000
    scenario = scenario_from_data(data)
    twin = twin_run(scenario, 2, DecisionPlan(), DecisionPlan(policy={"prep": ["more"]}))

    def first_arrivals(outcome):
        cols = outcome.log.columns()
        contacts = outcome.log.contact_columns()
        return [(t, int(contacts["source"][c]), int(contacts["seq"][c]))
                for t, e, c in zip(cols["time_min"], cols["event"], cols["contact"], strict=True)
                if e == ARRIVAL and contacts["attempt"][c] == 0]

    assert first_arrivals(twin.first) == first_arrivals(twin.second)
    assert twin.turned_out_differently  # the waits differ ...
    assert twin.kpi_deltas["mean_wait_min"][2] < 0  # ... and are shorter with one more agent
    assert twin.kpi_deltas["contacts"][2] <= 0  # fewer people give up and try again


def test_compare_matches_contacts_by_who_they_are_not_their_place(story):
    base, prepared = run(story, "none"), run(story, "prepared")
    result = compare(base, prepared)
    assert result.only_in_first  # the contacts preparation prevented
    assert all(key[0].startswith("change:") or key[2] > 0 for key in result.only_in_first)
    # every contact of the first run is in one of the comparison's counts, once
    assert result.same + len(result.turned_out_differently) + len(result.only_in_first) == \
        base.log.n_contacts


def test_the_same_policy_with_another_copy_of_the_scenario_is_the_same_run(story):
    again = scenario_from_data(copy.deepcopy(story_data()))
    assert run(story, "prepared").log.digest() == run(again, "prepared").log.digest()


def test_a_lever_thins_an_injects_demand():
    data = story_data()
    data["levers"].append({"id": "broadcast", "name": "Tell everybody the CRM is down",
                           "effects": [{"target": "injects.crm-down.demand.fault",
                                        "multiply": 0.3}]})
    data["decision_points"][0]["levers"].append("broadcast")
    scenario = scenario_from_data(data)

    def from_inject(outcome):
        contacts = outcome.log.contact_columns()
        names = outcome.log.names.sources
        return {int(contacts["seq"][c]) for c in range(outcome.log.n_contacts)
                if names[contacts["source"][c]].startswith("inject:")
                and contacts["attempt"][c] == 0}

    plain = from_inject(run(scenario, "none"))
    told = from_inject(Simulation(scenario, seed=1, decisions=DecisionPlan(
        policy={"prep": ["broadcast"]})).run())
    assert told < plain and 0.1 < len(told) / len(plain) < 0.55


# -- rules a scenario or decisions author can trip over -------------------------------------


def load_error(data: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, source_name="s.yaml")
    return str(caught.value)


def test_a_lever_on_something_the_category_does_not_have_is_refused():
    data = story_data()
    data["levers"][0]["effects"] = [{"target": "categories.howto.reassign.share", "set": 0.5}]
    assert "categories.howto has no reassign" in load_error(data)
    data["levers"][0]["effects"] = [{"target": "categories.howto.arrivals", "multiply": 2}]
    assert "categories.howto has no arrivals" in load_error(data)
    data["levers"][0]["effects"] = [{"target": "categories.fault.fcr", "set": 1.5}]
    assert "between 0 and 1, got 1.5" in load_error(data)
    data["levers"][0]["effects"] = [{"target": "teams.desk.announces_wait", "set": 1}]
    assert "is true or false, got 1" in load_error(data)


def test_tickets_cannot_be_routed_to_a_team_without_a_resolve_time():
    data = story_data()
    data["categories"].append({"id": "odd", "handle": {"dist": "exponential", "mean": 5}})
    data["levers"][0]["effects"] = [{"target": "categories.odd.route", "set": ["tier2"]}]
    assert "categories.odd has no resolve time" in load_error(data)


def test_duplicate_story_ids_and_unknown_goals_are_refused():
    data = story_data()
    data["levers"].append(dict(data["levers"][0]))
    assert "duplicate id 'brief'" in load_error(data)
    data = story_data()
    data["goals"] = {"abandonmnet_rate": {"at_most": 0.1}}
    assert "goals.abandonmnet_rate: not a key figure" in load_error(data)


def test_a_quoted_start_date_still_names_its_weekdays():
    data = story_data()
    data["calendar"]["start_date"] = "2026-03-04"  # a Wednesday, quoted
    data["changes"][0]["at"] = "thu 08:00"
    scenario = scenario_from_data(data)
    assert scenario.changes[0].at == 1440 + 480  # Thursday is day 2


def story_text_error(old: str, new: str) -> list[str]:
    """What loading story.yaml with one piece of text replaced says, line by line."""
    text = STORY.read_text()
    assert old in text
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text.replace(old, new), source_name="s.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_lever_that_can_be_pulled_once_is_refused_twice_where_it_is_pulled_again():
    text = STORY.read_text().replace("above: 4}, levers: [temps]}",
                                     "above: 4}, levers: [temps, brief, train]}")
    text += "  greedy: {prep: [brief, train], busy: [temps, brief, train, brief]}\n"
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, source_name="s.yaml")
    # one message per lever, at its second pull (the third pull of brief is not repeated)
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:53: policies.greedy.busy[1]: brief can be pulled only once in a run, and this "
        "policy pulls it already at prep: take it out of one of the two, or make the lever "
        "repeatable: true",
        "s.yaml:53: policies.greedy.busy[2]: train can be pulled only once in a run, and this "
        "policy pulls it already at prep: take it out of one of the two, or make the lever "
        "repeatable: true",
    ]


def decisions_errors(scenario, path: Path, text: str) -> list[str]:
    """What loading `text` as a decisions file for `scenario` says, line by line."""
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_decisions(path, scenario, source_name=path.name)
    return [str(p) for p in caught.value.problems]


def test_a_decisions_file_that_pulls_a_lever_twice_is_refused_at_the_second_pull(story,
                                                                                  tmp_path):
    path = tmp_path / "twice.yaml"
    assert decisions_errors(story, path, "decisions:\n  - {at: 100, levers: [temps]}\n"
                                         "  - {at: 200, levers: [brief, temps]}\n") == [
        "twice.yaml:3: decisions[1].levers[1]: temps can be pulled only once in a run, and "
        "decisions[0] pulls it already: take it out of one of the two, or make the lever "
        "repeatable: true in scenario story"]
    # the policy the file starts from pulls temps at busy: a free decision pulling it too
    # would stop the run when the second pull comes
    assert decisions_errors(story, path, "policy: prepared\ndecisions:\n"
                                         "  - {at: 100, levers: [temps]}\n") == [
        "twice.yaml:3: decisions[0].levers[0]: temps can be pulled only once in a run, and "
        "policy prepared pulls it at busy: take it out of one of the two, or make the lever "
        "repeatable: true in scenario story"]
    # ... unless the file answers busy itself
    path.write_text("policy: prepared\ndecisions:\n  - {at: 100, levers: [temps]}\n"
                    "  - {point: busy, levers: []}\n")
    assert load_decisions(path, story).answer("busy", 1) == ()


def test_a_decisions_file_reports_every_problem_at_once(story, tmp_path):
    """An unknown policy, each problem of each entry at its item, and a lever that can be
    pulled once pulled three times: all in one go, not one more after each fix."""
    path = tmp_path / "bad.yaml"
    assert decisions_errors(story, path, "policy: nope\ndecisions:\n"
                                         "  - {point: prep, levers: [brief, temps, trian]}\n"
                                         "  - {at: 100, levers: [temps]}\n"
                                         "  - {at: sometime, levers: [temps]}\n"
                                         "  - {at: 300, levers: [temps]}\n") == [
        "bad.yaml:1: policy: no policy 'nope' in scenario story (did you mean 'none'?)",
        "bad.yaml:3: decisions[0].levers[1]: decision point prep does not offer temps (it "
        "offers: brief, train)",
        "bad.yaml:3: decisions[0].levers[2]: no lever 'trian' in scenario story (did you mean "
        "'train'?)",
        "bad.yaml:5: decisions[2].at: expected a time such as \"tue 09:30\", \"day 2 09:30\" "
        "or minutes, got 'sometime'",
        # once for the lever, at its second pull (prep does not offer it: that one is not one)
        "bad.yaml:5: decisions[2].levers[0]: temps can be pulled only once in a run, and "
        "decisions[1] pulls it already: take it out of one of the two, or make the lever "
        "repeatable: true in scenario story"]


def test_a_json_decisions_file_cut_short_is_told_as_json(story, tmp_path):
    assert decisions_errors(story, tmp_path / "d.json",
                            '{"decisions": [\n  {"point": "prep", "levers": ["brief"]') == [
        "d.json:2: JSON syntax error: expecting ',' delimiter at column 40. The file ends "
        "before the JSON is complete: was it cut short (copied in part, or saved while it was "
        "being written)?"]


def test_a_condition_asked_again_must_offer_a_lever_that_can_be_pulled_again():
    problems = story_text_error("above: 4}, levers: [temps]}",
                                "above: 4}, once: false, levers: [temps]}")
    assert problems == [
        "s.yaml:49: decision_points[busy].once: with once: false the point is asked at every "
        "check while its condition holds, but none of its levers (temps) is repeatable: once "
        "they are pulled it would stop the clock again and again with nothing left to offer; "
        "make one of them repeatable: true, or leave once out (asked the first time only)"]
    assert story_text_error("at: 0, levers: [brief, train]", "at: 0, once: false, levers: "
                            "[brief, train]")[0].startswith(
        "s.yaml:48: decision_points[prep].once: once applies to a point asked when a condition "
        "holds")


def test_a_condition_that_fires_again_does_not_pull_a_spent_lever_twice():
    data = story_data()
    data["levers"].append({"id": "faq", "name": "FAQ", "repeatable": True,
                           "effects": [{"target": "categories.fault.arrivals", "multiply": 0.9}]})
    data["decision_points"][1]["once"] = False
    data["decision_points"][1]["levers"].append("faq")
    scenario = scenario_from_data(data)
    outcome = Simulation(scenario, seed=2, decisions=DecisionPlan(
        policy={"busy": ["temps"]})).run()
    fired = rows(outcome, "decision_point")
    assert len(fired) > 2  # the queue condition held more than once ...
    assert len(rows(outcome, "lever")) == 1  # ... the temporary staff came once


NO_DEPARTMENTS = """\
id: no-people
title: A desk without departments
clock: {duration: 7200}
calendar: {start_date: 2026-03-02}
teams:
  - {id: desk, staff: 2}
categories:
  - id: call
    arrivals: {per_day: 30}
    handle: {dist: exponential, mean: 8}
changes:
  - id: mail
    name: Mailboxes move
    at: "tue 07:00"
    demand:
      - {category: call, per_user: 0.5, half_life_days: 1}
"""


def test_demand_per_person_where_nobody_is_concerned_is_refused_where_it_is_counted():
    # without departments there are no people to make a change's contacts: it would bring
    # none, and the run would look as if the change went without a call
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(NO_DEPARTMENTS, source_name="s.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:16: changes[mail].demand[0].per_user: counts extra contacts per person, but "
        "the scenario declares no departments, so there is nobody to make them: declare the "
        "departments (with their headcount) the change concerns"]
    # a category's own arrivals per person: the per-day volume is the alternative
    text = NO_DEPARTMENTS.replace("{per_day: 30}", "{per_user_per_day: 0.1}").split("changes:")[0]
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, source_name="s.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:9: categories[call].arrivals.per_user_per_day: counts contacts per person, but "
        "the scenario declares no departments, so there is nobody to make them: declare the "
        "departments (with their headcount) the category concerns, or give it a volume that "
        "needs no people: per_day, per_hour or per_minute"]


def test_demand_from_the_users_of_a_service_nobody_uses_is_refused():
    # story.yaml's sales department uses every service; once it lists its own, nobody uses
    # the phones the softphone change is about
    problems = story_text_error("{id: sales, headcount: 200,",
                                "{id: sales, headcount: 200, services: [crm],")
    assert problems[0].startswith(
        "s.yaml:22: changes[softphone].demand[0].per_user: counts extra contacts per person, but "
        "no department uses service phones (each lists its services, and none lists phones)")
    assert problems[1].startswith("s.yaml:23: changes[softphone].demand[1].per_user_per_day:")
    assert len(problems) == 2  # the CRM outage's users are still there
