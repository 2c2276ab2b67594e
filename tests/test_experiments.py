"""Experiments (`sim/experiments.py`, `itsm experiment`): variants and sweeps of a scenario
over paired replications.

What is checked:

- experiment files load: variants with policies, answers, overrides and decisions files; a
  sweep of one parameter and a grid of two; defaults (seed, replications, key figures,
  output folder);
- every kind of bad input is refused with located `FILE:LINE: path: message` problems, all
  at once: misspelt keys, unknown key figures, policies, decision points and lever targets,
  variants and sweep both given, empty variants, sweep values that are not numbers, a
  scenario that does not exist, a scenario file or a decisions file with errors;
- the same seed gives the same figures, replication by replication, with 1 worker, 2
  workers and a dask LocalCluster (common random numbers make every variant share them);
- an override that changes nothing (`add: 0`) gives exactly the baseline's figures, and
  those of a plain run of the scenario;
- on softphone-cutover, a paired difference (briefed vs unprepared) has a narrower
  confidence interval than the same difference taken as if the runs were independent, and
  a sweep over the desk's staff lowers abandonment at every step;
- `itsm experiment` prints the table and the goal answer, writes results.csv, results.json
  and PNG charts, prints JSON with --json, and refuses bad files with exit 2 and no
  traceback;
- every experiment example in docs/experiments.md loads.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from sim import load_builtin, run_replications
from sim.decisions import DecisionPlan
from sim.experiments import (
    OVERRIDE_PREFIX,
    experiment_from_text,
    load_experiment,
    run_experiment,
)
from sim.loader import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "experiments.md"

# A desk of two on a ten-hour day: a run takes a few milliseconds.
SMALL_SCENARIO = """\
id: small-desk
title: A small desk
clock: {duration: 600}
teams:
  - {id: desk, staff: 2}
categories:
  - id: call
    arrivals: {per_minute: 0.35}
    channel: phone
    handle: {dist: exponential, mean: 5}
    patience: {dist: exponential, mean: 3}
    team: desk
levers:
  - id: extra
    name: One more agent
    cost: 100
    effects: [{target: teams.desk.staff, add: 1}]
decision_points:
  - {id: start, title: Start, prompt: More staff?, at: 0, levers: [extra]}
policies:
  none: {}
  more: {start: [extra]}
"""

SMALL_VARIANTS = """\
scenario: small.yaml
seed: 3
replications: 6
kpis: [abandonment_rate, asa_min]
variants:
  none: {policy: none}
  more: {policy: more}
  faster: {policy: none, overrides: [{target: categories.call.handle.mean, multiply: 0.8}]}
  answered: {decisions: {start: [extra]}}
  from-file: {decisions_file: more.yaml}
"""

SMALL_SWEEP = """\
scenario: small.yaml
seed: 2
replications: 5
kpis: [abandonment_rate, asa_min]
sweep:
  parameters:
    - {target: teams.desk.staff, add: [0, 1, 2]}
  policy: none
goals: {abandonment_rate: {at_most: 0.1}}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with the small scenario, a decisions file for it and two experiments."""
    (tmp_path / "small.yaml").write_text(SMALL_SCENARIO)
    (tmp_path / "more.yaml").write_text("decisions:\n  - {point: start, levers: [extra]}\n")
    (tmp_path / "variants.yaml").write_text(SMALL_VARIANTS)
    (tmp_path / "sweep.yaml").write_text(SMALL_SWEEP)
    return tmp_path


def per_replication(result) -> dict[str, list[dict]]:
    return {name: result.comparison.variants[name].per_replication for name in result.names}


# -- loading ----------------------------------------------------------------------------------------


def test_a_file_of_variants_loads(folder):
    experiment = load_experiment(folder / "variants.yaml")
    assert experiment.kind == "variants"
    assert list(experiment.runs) == ["none", "more", "faster", "answered", "from-file"]
    assert experiment.baseline == "none"
    assert (experiment.seed, experiment.replications) == (3, 6)
    assert experiment.kpis == ["abandonment_rate", "asa_min"]
    assert experiment.output == folder / "variants-results"
    assert experiment.runs["more"].plan.answer("start", 1) == ("extra",)
    assert experiment.runs["answered"].plan.answer("start", 1) == ("extra",)
    assert experiment.runs["from-file"].plan.answer("start", 1) == ("extra",)
    # the override became a lever of cost 0, pulled at minute 0 by the variant alone
    generated = [lever for lever in experiment.scenario.levers
                 if lever.id.startswith(OVERRIDE_PREFIX)]
    assert len(generated) == 1 and generated[0].cost == 0
    free = experiment.runs["faster"].plan.free
    assert [(d.levers, d.at_min) for d in free] == [((generated[0].id,), 0.0)]
    assert experiment.runs["none"].plan.free == []
    assert experiment.base_scenario.levers == experiment.scenario.levers[:1]


def test_a_sweep_of_two_parameters_is_a_grid(folder):
    text = """\
scenario: small.yaml
replications: 3
sweep:
  parameters:
    - {target: teams.desk.staff, add: [0, 1, 2]}
    - {target: categories.call.handle.mean, multiply: [1, 0.8]}
  policy: none
output: out
"""
    experiment = experiment_from_text(text, "grid.yaml", base_dir=folder, name="grid")
    assert experiment.kind == "sweep"
    assert len(experiment.runs) == 6
    assert [run.coordinates for run in experiment.runs.values()] == [
        (0, 1), (0, 0.8), (1, 1), (1, 0.8), (2, 1), (2, 0.8)]
    assert list(experiment.runs)[:2] == ["desk.staff +0, call.handle.mean ×1",
                                         "desk.staff +0, call.handle.mean ×0.8"]
    assert experiment.output == folder / "out"
    assert experiment.seed == 1 and experiment.replications == 3
    # without kpis: the usual headline figures the scenario has
    assert experiment.kpis == ["abandonment_rate", "asa_min", "mean_wait_min", "fcr",
                               "cost_total"]


def test_goal_figures_are_reported_even_when_not_listed(folder):
    text = SMALL_SWEEP.replace("kpis: [abandonment_rate, asa_min]", "kpis: [asa_min]")
    experiment = experiment_from_text(text, "s.yaml", base_dir=folder)
    assert experiment.kpis == ["asa_min", "abandonment_rate"]


# -- bad input, located -------------------------------------------------------------------------

SOFTPHONE_GOOD = """\
scenario: softphone-cutover
replications: 4
kpis: [abandonment_rate, satisfaction]
variants:
  baseline: {policy: unprepared}
  briefed: {decisions: {preparation: [brief-help-desk]}}
"""

BAD_FILES = {
    "misspelt-key": (
        SOFTPHONE_GOOD.replace("replications:", "replicatons:"),
        [r"bad\.yaml:2: unknown field 'replicatons' \(did you mean 'replications'\?\)"]),
    "misspelt-variant-key": (
        SOFTPHONE_GOOD.replace("{policy: unprepared}", "{polcy: unprepared}"),
        [r"bad\.yaml:5: variants\.baseline: unknown field 'polcy' \(did you mean 'policy'\?\)"]),
    "unknown-kpi": (
        SOFTPHONE_GOOD.replace("satisfaction]", "satisfation]"),
        [r"bad\.yaml:3: kpis\[1\]: 'satisfation' is not a key figure of scenario "
         r"softphone-cutover \(did you mean 'satisfaction'\?\)"]),
    "unknown-goal-kpi": (
        SOFTPHONE_GOOD + "goals: {abandonment: {at_most: 0.08}}\n",
        [r"bad\.yaml:7: goals: key 'abandonment': 'abandonment' is not a key figure"]),
    "unknown-policy": (
        SOFTPHONE_GOOD.replace("policy: unprepared", "policy: unprepard"),
        [r"bad\.yaml:5: variants\.baseline\.policy: no policy 'unprepard' in scenario "
         r"softphone-cutover \(it has: unprepared, prepared, "]),
    "unknown-decision-point": (
        SOFTPHONE_GOOD.replace("{preparation:", "{prep:"),
        [r"bad\.yaml:6: variants\.briefed\.decisions\.prep: no decision point 'prep' in "
         r"scenario softphone-cutover \(did you mean 'preparation'\?\)"]),
    "lever-not-offered": (
        SOFTPHONE_GOOD.replace("[brief-help-desk]", "[brief-help-desk, temp-staff]"),
        [r"bad\.yaml:6: variants\.briefed\.decisions\.preparation\[1\]: decision point "
         r"preparation does not offer temp-staff"]),
    "every-answer-problem": (  # each problem of each answer, each at its item
        SOFTPHONE_GOOD.replace("{preparation: [brief-help-desk]}",
                               "{preparation: [temp-staff, hyper-care], monday: [faq-email]}"),
        [r"bad\.yaml:6: variants\.briefed\.decisions\.preparation\[0\]: decision point "
         r"preparation does not offer temp-staff",
         r"bad\.yaml:6: variants\.briefed\.decisions\.preparation\[1\]: no lever "
         r"'hyper-care' in scenario softphone-cutover \(did you mean 'hypercare'\?\)$",
         r"bad\.yaml:6: variants\.briefed\.decisions\.monday: no decision point 'monday'"]),
    "unknown-lever-target": (
        SOFTPHONE_GOOD + "  more: {overrides: [{target: teams.helpdesk.staff, add: 2}]}\n"
                         "  other: {overrides: [{target: teams.service-desk.agents, add: 2}]}\n",
        [r"bad\.yaml:7: variants\.more\.overrides\[0\]: no team with id 'helpdesk' "
         r"\(declared: service-desk, desktop, infrastructure\)",
         r"bad\.yaml:8: variants\.other\.overrides\[0\]: teams\.service-desk has no field "
         r"'agents' a lever can change; expected one of: staff, empathy, announces_wait"]),
    "override-without-operation": (
        SOFTPHONE_GOOD + "  more: {overrides: [{target: teams.service-desk.staff}]}\n",
        [r"bad\.yaml:7: variants\.more\.overrides\[0\]: give exactly one of set, add, "
         r"multiply \(got none\)"]),
    "variants-and-sweep": (
        SOFTPHONE_GOOD + "sweep:\n  parameters: [{target: teams.service-desk.staff, "
                         "add: [0, 1]}]\n",
        [r"bad\.yaml:7: sweep: give variants or sweep, not both"]),
    "empty-variants": (
        "scenario: softphone-cutover\nvariants: {}\n",
        [r"bad\.yaml:2: variants: give at least two variants to compare \(the first is the "
         r"baseline\), got 0"]),
    "no-variants": (
        "scenario: softphone-cutover\nvariants:\n",
        [r"bad\.yaml:2: variants: empty: give at least two variants"]),
    "one-variant": (
        "scenario: softphone-cutover\nvariants:\n  only: {policy: unprepared}\n",
        [r"bad\.yaml:3: variants: give at least two variants to compare .*got 1"]),
    "nothing-to-compare": (
        "scenario: softphone-cutover\n",
        [r"^bad\.yaml: say what to compare: variants .* or sweep"]),
    "sweep-values-not-numbers": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: teams.service-desk.staff, add: [0, 1, two, true]}\n",
        [r"bad\.yaml:4: sweep\.parameters\[0\]\.add\[2\]: expected a number, got 'two'",
         r"bad\.yaml:4: sweep\.parameters\[0\]\.add\[3\]: expected a number, got true"]),
    "sweep-value-not-a-list": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: teams.service-desk.staff, add: 3}\n",
        [r"bad\.yaml:4: sweep\.parameters\[0\]\.add: expected a list, got 3"]),
    "sweep-as-a-list": (
        "scenario: softphone-cutover\nsweep:\n  - {target: teams.service-desk.staff, "
        "add: [0, 1]}\n",
        [r"bad\.yaml:3: sweep: expected a mapping, got a list: write the parameters under "
         r"`parameters:`"]),
    "sweep-value-out-of-range": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: categories.softphone-howto.fcr, set: [0.6, 1.5]}\n",
        [r"bad\.yaml:4: sweep\.parameters\[0\]: categories\.softphone-howto\.fcr is a share "
         r"between 0 and 1, got 1\.5"]),
    "sweep-two-operations": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: teams.service-desk.staff, add: [0, 1], set: [3]}\n",
        [r"bad\.yaml:4: sweep\.parameters\[0\]: give exactly one of set, add, multiply"]),
    "sweep-value-twice": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: teams.service-desk.staff, add: [0, 1, 1]}\n",
        [r"bad\.yaml:4: sweep\.parameters\[0\]\.add\[2\]: each value once: 1 is given "
         r"already as add\[1\]$"]),
    "sweep-value-twice-and-unknown-target": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: teams.service-desk.staf,\n       add: [0, 1, 0]}\n",
        [r"bad\.yaml:5: sweep\.parameters\[0\]\.add\[2\]: each value once: 0 is given "
         r"already as add\[0\]$",
         r"bad\.yaml:4: sweep\.parameters\[0\]: teams\.service-desk has no field 'staf'"]),
    "sweep-unknown-target": (
        "scenario: softphone-cutover\nsweep:\n  parameters:\n"
        "    - {target: teams.service-desk.staf, add: [0, 1]}\n  policy: unprepard\n",
        [r"bad\.yaml:4: sweep\.parameters\[0\]: teams\.service-desk has no field 'staf'",
         r"bad\.yaml:5: sweep\.policy: no policy 'unprepard'"]),
    "no-such-scenario": (
        SOFTPHONE_GOOD.replace("softphone-cutover", "softphone-cutovr"),
        [r"bad\.yaml:1: scenario: no built-in scenario 'softphone-cutovr' and no such file "
         r"\(built-in: .*softphone-cutover"]),
    "no-such-scenario-file": (
        SOFTPHONE_GOOD.replace("softphone-cutover", "mine/desk.yaml"),
        [r"bad\.yaml:1: scenario: no scenario file mine/desk\.yaml"]),
    "no-such-decisions-file": (
        SOFTPHONE_GOOD + "  mine: {decisions_file: mine.yaml}\n",
        [r"bad\.yaml:7: variants\.mine\.decisions_file: no decisions file mine\.yaml"]),
    "decisions-file-and-policy": (
        SOFTPHONE_GOOD + "  mine: {decisions_file: decisions.yaml, policy: prepared}\n",
        [r"bad\.yaml:7: variants\.mine: give decisions_file alone, or policy and/or decisions"]),
    "too-few-replications": (
        SOFTPHONE_GOOD.replace("replications: 4", "replications: 1"),
        [r"bad\.yaml:2: replications: expected a whole number >= 2, got 1"]),
    "goal-in-percent": (
        SOFTPHONE_GOOD + "goals:\n  abandonment_rate: {at_most: 8}\n"
                         "  utilisation_service-desk: {at_least: 85}\n"
                         "  asa_min: {at_most: 8}\n",
        [r"bad\.yaml:8: goals\.abandonment_rate\.at_most: abandonment_rate is a share: "
         r"expected a share between 0 and 1, e\.g\. 0\.08 for 8%, got 8$",
         r"bad\.yaml:9: goals\.utilisation_service-desk\.at_least: utilisation_service-desk "
         r"is a share: expected a share between 0 and 1, e\.g\. 0\.85 for 85%, got 85$"]),
    "kpi-twice": (
        SOFTPHONE_GOOD.replace("kpis: [abandonment_rate, satisfaction]",
                               "kpis: [abandonment_rate, satisfaction, abandonment_rate]"),
        [r"bad\.yaml:3: kpis\[2\]: abandonment_rate is listed twice \(first as kpis\[0\]\)"]),
    "measure-unknown-key": (
        SOFTPHONE_GOOD + "measure: {form: \"mon 00:00\", until: \"tue 00:00\"}\n",
        [r"bad\.yaml:7: measure: unknown field 'form' \(did you mean 'from'\?\)"]),
    "measure-empty": (
        SOFTPHONE_GOOD + "measure: {}\n",
        [r"bad\.yaml:7: measure: give from, until or both"]),
    "measure-not-a-moment": (
        SOFTPHONE_GOOD + "measure: {until: \"monday 24:00\"}\n",
        [r"bad\.yaml:7: measure\.until: expected a time such as \"tue 09:30\", \"day 2 "
         r"09:30\" or minutes, got 'monday 24:00'"]),
    "measure-after-the-end": (
        SOFTPHONE_GOOD + "measure:\n  from: \"mon 00:00\"\n  until: \"sat 08:00\"\n",
        [r"bad\.yaml:9: measure\.until: after the end of the run: scenario softphone-cutover "
         r"runs until sat 00:00 \(minute 7200\)"]),
    "measure-backwards": (
        SOFTPHONE_GOOD + "measure: {from: \"tue 08:00\", until: \"mon 18:00\"}\n",
        [r"bad\.yaml:7: measure\.from: from \(tue 08:00\) must come before until "
         r"\(mon 18:00\)"]),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_experiment_files_are_refused_with_located_problems(name, tmp_path):
    text, expected = BAD_FILES[name]
    (tmp_path / "decisions.yaml").write_text("policy: prepared\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    lines = [str(p).replace(str(tmp_path) + "/", "") for p in caught.value.problems]
    for pattern in expected:
        assert any(re.search(pattern, line) for line in lines), (pattern, lines)
    assert len(lines) == len(expected), lines


def test_problems_in_a_decisions_file_are_located_in_that_file(tmp_path):
    (tmp_path / "bad-decisions.yaml").write_text(
        "decisions:\n"
        "  - {point: preparation, levers: [brief-help-desk, no-such-lever]}\n"
        "  - {at: \"tues 09:00\", levers: [faq-email]}\n")
    path = tmp_path / "exp.yaml"
    path.write_text(SOFTPHONE_GOOD + "  mine: {decisions_file: bad-decisions.yaml}\n")
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{tmp_path}/bad-decisions.yaml:2: decisions[0].levers[1]: no "
                               "lever 'no-such-lever' in scenario softphone-cutover")
    assert lines[1].startswith(f"{tmp_path}/bad-decisions.yaml:3: decisions[1].at: expected a "
                               "time such as")


def test_problems_in_the_scenario_file_are_located_in_that_file(folder):
    (folder / "small.yaml").write_text(SMALL_SCENARIO.replace("staff: 2", "stafff: 2"))
    with pytest.raises(ScenarioError) as caught:
        load_experiment(folder / "sweep.yaml")
    lines = [str(p) for p in caught.value.problems]
    assert lines == [f"{folder}/small.yaml:5: teams[desk]: unknown field 'stafff' (did you "
                     "mean 'staff'?)"]


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SOFTPHONE_GOOD.replace("replications:", "replicatons:")
                    .replace("satisfaction]", "satisfation]")
                    .replace("policy: unprepared", "policy: unprepard"))
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    assert [p.line for p in caught.value.problems] == [2, 3, 5]


def test_a_key_figure_listed_twice_is_reported_with_the_other_problems(tmp_path):
    """The trial's file: a repeat, an unknown figure and a percent goal, all at once."""
    path = tmp_path / "bad.yaml"
    path.write_text("scenario: softphone-cutover\nreplications: 10\n"
                    "kpis: [abandonment_rate, abandonment_rate, asa]\n"
                    "sweep:\n  parameters:\n"
                    "    - {target: teams.service-desk.staff, add: [0, 1]}\n"
                    "goals:\n  abandonment_rate: {at_most: 8}\n")
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    lines = [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]
    assert lines == [
        "bad.yaml:3: kpis[1]: abandonment_rate is listed twice (first as kpis[0]): list each "
        "key figure once",
        "bad.yaml:3: kpis[2]: 'asa' is not a key figure of scenario softphone-cutover (did "
        "you mean 'asa_min'?)",
        "bad.yaml:8: goals.abandonment_rate.at_most: abandonment_rate is a share: expected a "
        "share between 0 and 1, e.g. 0.08 for 8%, got 8"]


def test_another_kind_of_file_is_named_for_what_it_is(tmp_path):
    """A scenario, a decisions file or an empty file given as the experiment: one line
    saying what the file is and what was expected, not every key listed as unknown."""
    scenario = tmp_path / "cutover-monday.yaml"
    scenario.write_text((ROOT / "scenarios" / "softphone-cutover.yaml").read_text())
    decisions = tmp_path / "mine.yaml"
    decisions.write_text("policy: unprepared\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("\n# nothing yet\n")
    expected = {
        scenario: f"{scenario}: this is a scenario file (it has id, clock, teams, "
                  "categories), not an experiment file: expected an experiment (a mapping "
                  "with scenario, and variants or sweep: see docs/experiments.md); to "
                  "experiment on this scenario, name it in an experiment file: `scenario: "
                  "cutover-monday.yaml`",
        decisions: f"{decisions}: this is a decisions file (policy, decisions), not an "
                   "experiment file: expected an experiment (a mapping with scenario, and "
                   "variants or sweep: see docs/experiments.md)",
        empty: f"{empty}:1: the file is empty: expected an experiment (a mapping with "
               "scenario, and variants or sweep: see docs/experiments.md)",
    }
    for path, message in expected.items():
        with pytest.raises(ScenarioError) as caught:
            load_experiment(path)
        assert [str(p) for p in caught.value.problems] == [message]


# -- the measured window ----------------------------------------------------------------------


def test_a_measured_window_is_the_scenario_run_with_that_warm_up_and_end(folder):
    """`measure: {from, until}` gives exactly the figures of the scenario file with
    `clock: {warmup: from, duration: until}`: the key figures still come from the event log,
    by their one definition."""
    windowed = SMALL_SWEEP + "measure: {from: 100, until: 400}\n"
    experiment = experiment_from_text(windowed, "w.yaml", base_dir=folder)
    assert experiment.scenario.clock.warmup == 100 and experiment.scenario.clock.duration == 400
    assert experiment.base_scenario.clock.duration == 600  # the scenario as its file says
    assert (experiment.measured.from_min, experiment.measured.until_min) == (100, 400)
    (folder / "cut.yaml").write_text(SMALL_SCENARIO.replace(
        "clock: {duration: 600}", "clock: {duration: 400, warmup: 100}"))
    cut = experiment_from_text(SMALL_SWEEP.replace("small.yaml", "cut.yaml"), "c.yaml",
                               base_dir=folder)
    assert per_replication(run_experiment(experiment, workers=1)) == \
        per_replication(run_experiment(cut, workers=1))
    whole = run_experiment(experiment_from_text(SMALL_SWEEP, "s.yaml", base_dir=folder),
                           workers=1)
    assert per_replication(whole) != per_replication(run_experiment(experiment, workers=1))
    # without `measure`: the whole run after the scenario's warm-up
    assert (whole.experiment.measured.from_min, whole.experiment.measured.until_min) == (0, 600)
    assert whole.experiment.window is None


def test_a_measured_window_is_written_as_in_a_decisions_file():
    base = SOFTPHONE_GOOD + "measure: {until: %s}\n"
    for until in ('"tue 00:00"', '"mon 24:00"', '"day 2 00:00"', "1440"):
        experiment = experiment_from_text(base % until)
        assert experiment.scenario.clock.duration == 1440, until
        assert experiment.scenario.clock.warmup == 0
    experiment = experiment_from_text(SOFTPHONE_GOOD + 'measure: {from: "tue 08:00"}\n')
    assert (experiment.measured.from_min, experiment.measured.until_min) == (1920, 7200)
    assert experiment.spec["measure"] == {"from": "tue 08:00", "from_min": 1920.0,
                                          "until_min": 7200.0}


def test_the_command_says_what_is_measured_and_how_often_a_run_meets_the_goal(folder, capsys):
    (folder / "window.yaml").write_text(SMALL_SWEEP + "measure: {from: 60, until: 480}\n")
    code, out, err = run_cli(capsys, str(folder / "window.yaml"), "--workers", "1")
    assert code == 0, err
    assert "Measured: minutes 60 to 480 only: each run stops at its end, and only contacts " \
           "arriving in it count." in out
    assert re.search(r"goal met\s+runs meeting it\n", out), out
    assert "'goal met' is about the mean over the replications" in out
    result = json.loads((folder / "window-results" / "results.json").read_text())
    assert result["measured"] == {"from_min": 60, "until_min": 480}
    for run in result["runs"]:
        values = run["per_replication"]["abandonment_rate"]
        met = [v <= 0.1 for v in values if v is not None]
        assert run["share_meeting_goal"]["abandonment_rate"] == pytest.approx(
            sum(met) / len(met))
        assert run["share_meeting_every_goal"] == run["share_meeting_goal"]["abandonment_rate"]
        row = re.search(rf"^  {re.escape(run['name'])} .* (\d+)%$", out, flags=re.M)
        assert row and int(row.group(1)) == round(100 * sum(met) / len(met)), out
    with open(folder / "window-results" / "results.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kpi"] == "abandonment_rate"]
    assert [float(r["share_meeting_goal"]) for r in rows] == [
        run["share_meeting_goal"]["abandonment_rate"] for run in result["runs"]]
    code, out, _ = run_cli(capsys, str(folder / "sweep.yaml"), "--workers", "1")
    assert "Measured: the whole run, minutes 0 to 600." in out


# -- running ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_figures_do_not_depend_on_the_workers_or_the_executor(folder):
    from distributed import Client, LocalCluster

    experiment = load_experiment(folder / "variants.yaml")
    one = run_experiment(experiment, workers=1)
    two = run_experiment(experiment, workers=2)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        on_dask = run_experiment(experiment, executor=client.get_executor(pure=False),
                                 workers=2)
    assert per_replication(one) == per_replication(two) == per_replication(on_dask)
    figures = per_replication(one)
    assert all(len(reps) == 6 for reps in figures.values())
    # different replications differ, and the variants differ where their decisions do
    assert figures["none"][0] != figures["none"][1]
    assert figures["more"] == figures["answered"] == figures["from-file"]
    assert figures["none"] != figures["more"]


def test_progress_is_reported_to_the_end(folder):
    experiment = load_experiment(folder / "variants.yaml")
    for workers in (1, 2):
        seen: list[tuple[float, float]] = []
        run_experiment(experiment, workers=workers,
                       progress=lambda d, t, seen=seen: seen.append((d, t)))
        assert seen[-1] == (30, 30)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_override_that_changes_nothing_gives_exactly_the_baseline(folder):
    text = SMALL_VARIANTS.replace(
        "  faster:", "  zero: {policy: none, overrides: [{target: teams.desk.staff, add: 0}]}\n"
                     "  faster:")
    experiment = experiment_from_text(text, "zero.yaml", base_dir=folder)
    result = run_experiment(experiment, workers=1)
    figures = per_replication(result)
    assert figures["zero"] == figures["none"]
    assert figures["faster"] != figures["none"]
    # ... and the baseline is exactly a plain run of the scenario file
    scenario = experiment.base_scenario
    plain = run_replications(scenario, seed=3, replications=6, workers=1,
                             decisions=DecisionPlan.from_policy(scenario, "none"))
    assert plain.per_replication == figures["none"]
    for kpi in experiment.kpis:
        assert result.difference("zero", kpi).mean == 0
        assert result.estimate("zero", kpi) == result.estimate("none", kpi)


def test_an_override_that_changes_nothing_on_softphone_gives_the_baseline():
    text = """\
scenario: softphone-cutover
replications: 2
variants:
  baseline: {policy: unprepared}
  zero: {policy: unprepared, overrides: [{target: teams.service-desk.staff, add: 0}]}
"""
    result = run_experiment(experiment_from_text(text), workers=1)
    figures = per_replication(result)
    assert figures["zero"] == figures["baseline"]
    scenario = load_builtin("softphone-cutover")
    plain = run_replications(scenario, seed=1, replications=2, workers=1,
                             decisions=DecisionPlan.from_policy(scenario, "unprepared"))
    assert plain.per_replication == figures["baseline"]


@pytest.fixture(scope="module")
def softphone_briefed():
    text = """\
scenario: softphone-cutover
seed: 5
replications: 12
kpis: [abandonment_rate, satisfaction]
variants:
  baseline: {policy: unprepared}
  briefed: {decisions: {preparation: [brief-help-desk]}}
"""
    return run_experiment(experiment_from_text(text), workers=2)


@pytest.mark.slow
@pytest.mark.parametrize("kpi", ["abandonment_rate", "satisfaction"])
def test_a_paired_difference_is_narrower_than_an_unpaired_one(softphone_briefed, kpi):
    paired = softphone_briefed.difference("briefed", kpi)
    unpaired = softphone_briefed.unpaired_difference("briefed", kpi)
    assert paired.mean == pytest.approx(unpaired.mean)
    assert paired.ci95 < 0.75 * unpaired.ci95, (paired, unpaired)
    # briefing the desk helps, and the paired interval says so
    helps = -paired.mean if kpi == "abandonment_rate" else paired.mean
    assert helps > paired.ci95


@pytest.mark.slow
def test_more_agents_lower_abandonment_at_every_step_on_softphone_cutover():
    text = """\
scenario: softphone-cutover
seed: 2
replications: 8
kpis: [abandonment_rate]
sweep:
  parameters: [{target: teams.service-desk.staff, add: [0, 1, 2, 3, 4]}]
  policy: unprepared
goals: {abandonment_rate: {at_most: 0.08}}
"""
    result = run_experiment(experiment_from_text(text), workers=2)
    means = [result.estimate(name, "abandonment_rate").mean for name in result.names]
    assert result.names == ["+0", "+1", "+2", "+3", "+4"]
    assert all(a > b for a, b in zip(means, means[1:], strict=False)), means
    assert means[0] > 0.4 and means[-1] < 0.08
    # each step's paired difference to the first point is negative, with its CI
    for name in result.names[1:]:
        d = result.difference(name, "abandonment_rate")
        assert d.mean + d.ci95 < 0
    assert result.smallest_meeting() in ("+3", "+4")
    assert "+0" not in result.meeting_every_goal()


# -- the command ------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["experiment", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_writes_tables_json_and_charts_for_variants(folder, capsys):
    code, out, err = run_cli(capsys, str(folder / "variants.yaml"), "--workers", "2")
    assert code == 0, f"itsm experiment failed (are reports.charts and reports.render " \
                      f"there?): {err}"
    assert "differences are to 'none', paired" in out
    assert re.search(r"more\s+\S+% ± [\d.]+ pts\s+-[\d.]+ pts ± [\d.]+ pts", out), out
    results = folder / "variants-results"
    with open(results / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5 * 2
    assert list(rows[0]) == ["variant", "kpi", "mean", "ci95", "n", "difference",
                             "diff_ci95", "goal", "meets_goal", "share_meeting_goal"]
    assert rows[0]["variant"] == "none" and rows[0]["difference"] == ""
    more = next(r for r in rows if r["variant"] == "more" and r["kpi"] == "abandonment_rate")
    assert float(more["difference"]) < 0 and float(more["diff_ci95"]) > 0
    assert more["n"] == "6"
    saved = json.loads((results / "results.json").read_text())
    assert saved["experiment"]["scenario"] == "small.yaml"
    assert saved["experiment"]["seed"] == 3 and saved["baseline"] == "none"
    runs = {run["name"]: run for run in saved["runs"]}
    assert len(runs["faster"]["per_replication"]["asa_min"]) == 6
    assert runs["faster"]["overrides"] == [{"target": "categories.call.handle.mean",
                                            "multiply": 0.8}]
    assert runs["from-file"]["decisions_file"] == "more.yaml"
    png = results / "variants.png"
    assert png.is_file() and png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_command_answers_a_sweep_with_goals(folder, capsys):
    code, out, err = run_cli(capsys, str(folder / "sweep.yaml"), "--workers", "1")
    assert code == 0, f"itsm experiment failed (are reports.charts and reports.render " \
                      f"there?): {err}"
    # the parameter in words, with the path the designer wrote
    assert ("Sweep of extra agents on the desk (teams.desk.staff, add); every point: policy "
            "none") in out
    assert re.search(r"The smallest value of extra agents on the desk \(teams\.desk\.staff, "
                     r"add\) that meets every goal: \+[12] \(abandonment rate", out), out
    results = folder / "sweep-results"
    with open(results / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["teams.desk.staff"] for r in rows if r["kpi"] == "asa_min"] == ["0", "1", "2"]
    saved = json.loads((results / "results.json").read_text())
    assert saved["smallest_meeting_every_goal"] in ("+1", "+2")
    assert saved["parameters"] == [{"target": "teams.desk.staff", "operation": "add",
                                    "values": [0, 1, 2]}]
    png = results / "sweep.png"
    assert png.is_file() and png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_grids_charts_say_both_parameters_in_words(folder, capsys, monkeypatch):
    """A sweep of two parameters: one chart per value of the second, and each says what was
    swept as a trainer would — the first parameter under its panels, the second's value
    after it — never the target paths of the file."""
    import reports.render

    drawn = []
    real = reports.render.png_bytes
    monkeypatch.setattr(reports.render, "png_bytes",
                        lambda figure, *a, **k: drawn.append(figure) or real(figure, *a, **k))
    (folder / "grid.yaml").write_text(SMALL_SWEEP.replace(
        "    - {target: teams.desk.staff, add: [0, 1, 2]}\n",
        "    - {target: teams.desk.staff, add: [0, 1, 2]}\n"
        "    - {target: categories.call.handle.mean, multiply: [1, 0.8]}\n"))
    code, _out, err = run_cli(capsys, str(folder / "grid.yaml"), "-r", "2", "--workers", "1")
    assert code == 0, err
    assert sorted(p.name for p in (folder / "grid-results").glob("*.png")) == [
        "sweep-call.handle.mean-x0.8.png", "sweep-call.handle.mean-x1.png"]
    assert [" ".join(f.get_suptitle().split()) for f in drawn] == [
        "What changes with extra agents on the desk, with handle time of “call” 0% shorter",
        "What changes with extra agents on the desk, with handle time of “call” 20% shorter"]
    assert {ax.get_xlabel() for ax in drawn[1].axes} == {
        "Extra agents on the desk, with handle time of “call” 20% shorter"}


def test_replications_and_seed_given_on_the_command_line_replace_the_files(folder, capsys):
    """`-r N` (and `--seed N`) run that many replications of each variant instead of the
    file's, and the output says so: the header, results.json (its `experiment` as run, and
    what the command line changed) and every run's per-replication figures."""
    code, out, err = run_cli(capsys, str(folder / "variants.yaml"), "-r", "3", "--seed", "5",
                             "--workers", "1")
    assert code == 0, err
    assert ("Seed 5, 3 replications each (from the command line: -r 3, --seed 5; the file "
            "says 6 replications, seed 3), the same for every variant") in out
    saved = json.loads((folder / "variants-results" / "results.json").read_text())
    assert saved["experiment"]["replications"] == 3 and saved["experiment"]["seed"] == 5
    assert saved["experiment"]["command_line"] == {
        "replications": {"given": 3, "in_the_file": 6}, "seed": {"given": 5, "in_the_file": 3}}
    for run in saved["runs"]:
        assert all(len(values) == 3 for values in run["per_replication"].values())
        assert all(figure["n"] <= 3 for figure in run["figures"].values())
    # the same figures as the file itself asking for 3 replications from seed 5
    (folder / "three.yaml").write_text(SMALL_VARIANTS.replace("seed: 3", "seed: 5")
                                       .replace("replications: 6", "replications: 3"))
    asked = run_experiment(load_experiment(folder / "three.yaml"), workers=1)
    assert [run["per_replication"] for run in saved["runs"]] == [
        {k: asked.values(name, k) for k in asked.experiment.kpis} for name in asked.names]
    # more than the file says, the long name of the option, and one of the two alone
    code, out, err = run_cli(capsys, str(folder / "sweep.yaml"), "--replications", "8",
                             "--workers", "2")
    assert code == 0, err
    assert ("Seed 2, 8 replications each (from the command line: -r 8; the file says 5 "
            "replications), the same for every point") in out
    saved = json.loads((folder / "sweep-results" / "results.json").read_text())
    assert saved["experiment"]["command_line"] == {"replications": {"given": 8,
                                                                    "in_the_file": 5}}
    assert len(saved["runs"][0]["per_replication"]["asa_min"]) == 8
    # the file's own numbers given again change nothing, and the header says nothing more
    code, out, _ = run_cli(capsys, str(folder / "sweep.yaml"), "-r", "5", "--seed", "2",
                           "--workers", "1")
    assert code == 0 and "Seed 2, 5 replications each, the same for every point" in out
    assert "command_line" not in json.loads(
        (folder / "sweep-results" / "results.json").read_text())["experiment"]


@pytest.mark.parametrize(("args", "message"), [
    (["-r", "1"], "argument --replications/-r: expected a whole number from 2 to 10,000 (a "
                  "confidence interval needs at least two replications), got '1'"),
    (["-r", "lots"], "argument --replications/-r: expected a whole number, got 'lots'"),
    (["-r", "20000"], "expected a whole number from 2 to 10,000"),
    (["--seed", "-1"], "argument --seed: expected a whole number >= 0, got '-1'"),
])
def test_bad_replications_or_seed_on_the_command_line_exit_2(folder, args, message):
    result = subprocess.run([sys.executable, "-m", "cli.main", "experiment",
                             str(folder / "sweep.yaml"), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and message in result.stderr
    assert not (folder / "sweep-results").exists()


def test_more_replications_on_the_command_line_than_an_experiment_may_run_exit_2(folder,
                                                                               capsys):
    values = ", ".join(str(v) for v in range(30))
    (folder / "wide.yaml").write_text(SMALL_SWEEP.replace("add: [0, 1, 2]", f"add: [{values}]"))
    code, out, err = run_cli(capsys, str(folder / "wide.yaml"), "-r", "10000")
    assert code == 2 and out == ""
    assert err == ("itsm: --replications 10,000: 300,000 runs in all (10,000 replications x "
                   "30 variants or points) is more than 200,000: at most 6,666 replications "
                   "for this experiment\n")
    assert not (folder / "wide-results").exists()


def test_the_table_names_departments_teams_and_suppliers(tmp_path, capsys):
    (tmp_path / "named.yaml").write_text(
        "scenario: softphone-cutover\nreplications: 2\n"
        "kpis: [satisfaction_hr, utilisation_softphone-vendor, mean_wait_min_service-desk]\n"
        "variants:\n  unprepared: {policy: unprepared}\n  prepared: {policy: prepared}\n"
        "goals:\n  satisfaction_hr: {at_least: 74}\n")
    code, out, err = run_cli(capsys, str(tmp_path / "named.yaml"), "--workers", "1")
    assert code == 0, err
    headings = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert "Satisfaction — HR and Administration  (goal: at least 74.0 / 100)" in headings
    assert "Utilisation — Softphone vendor" in headings
    assert "Mean wait in queue — Service desk" in headings
    assert "Goals: satisfaction — HR and Administration at least 74.0 / 100" in out
    assert "— hr" not in out and "— softphone-vendor" not in out


def test_the_command_prints_json(folder, capsys):
    code, out, err = run_cli(capsys, str(folder / "sweep.yaml"), "--workers", "2", "--json")
    assert code == 0, err
    printed = json.loads(out)
    assert printed["kind"] == "sweep" and [r["name"] for r in printed["runs"]] == \
        ["+0", "+1", "+2"]
    assert printed == json.loads((folder / "sweep-results" / "results.json").read_text())


def test_the_command_refuses_a_bad_file_with_exit_2(folder, capsys):
    (folder / "bad.yaml").write_text(SMALL_SWEEP.replace("add: [0, 1, 2]", "add: [0, one]"))
    code, out, err = run_cli(capsys, str(folder / "bad.yaml"))
    assert code == 2 and out == ""
    assert err == f"{folder}/bad.yaml:7: sweep.parameters[0].add[1]: expected a number, " \
                  "got 'one'\n"
    assert not (folder / "bad-results").exists()
    code, out, err = run_cli(capsys, str(folder / "missing.yaml"))
    assert code == 2 and "missing.yaml: no such file" in err


def test_the_command_says_when_dask_is_missing_or_unreachable(folder, capsys, monkeypatch):
    code, _, err = run_cli(capsys, str(folder / "sweep.yaml"), "--dask", "no-port-here")
    assert code == 2 and "--dask no-port-here: cannot reach a dask scheduler there" in err
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    code, _, err = run_cli(capsys, str(folder / "sweep.yaml"), "--dask", "tcp://x:8786")
    assert code == 2
    assert "--dask needs dask.distributed, which is not installed: pip install -e " \
           "'.[distributed]'" in err


def test_no_traceback_reaches_the_terminal(folder):
    (folder / "bad.yaml").write_text("scenario: softphone-cutover\nvariants: {}\nsweep: 3\n")
    result = subprocess.run([sys.executable, "-m", "cli.main", "experiment",
                             str(folder / "bad.yaml")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert f"{folder}/bad.yaml:3: sweep: give variants or sweep, not both" in result.stderr
    result = subprocess.run([sys.executable, "-m", "cli.main", "experiment",
                             str(folder / "sweep.yaml"), "--workers", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# -- the documentation --------------------------------------------------------------------------


def doc_blocks() -> list[tuple[str, list[str], str]]:
    """Every fenced block of docs/experiments.md, in order: (its language, its marker
    comments, its text)."""
    found = re.findall(r"^```(\w*)\n(.*?)^```", DOC.read_text(encoding="utf-8"),
                       flags=re.S | re.M)
    blocks = []
    for language, text in found:
        markers = []
        for line in text.splitlines():
            if not line.startswith("# "):
                break
            markers.append(line[2:].strip())
        blocks.append((language, markers, text))
    return blocks


def test_every_experiment_in_the_documentation_loads(tmp_path):
    """Blocks marked `# experiment` are experiment files for the built-in scenarios; a
    block marked `# file: NAME` is written to NAME first (a decisions file, a scenario)."""
    blocks = doc_blocks()
    for _, markers, text in blocks:
        for marker in markers:
            if marker.startswith("file:"):
                (tmp_path / marker.removeprefix("file:").strip()).write_text(text)
    checked = 0
    for language, markers, text in blocks:
        if language == "yaml" and "experiment" in markers:
            try:
                experiment_from_text(text, "docs/experiments.md", base_dir=tmp_path)
            except ScenarioError as error:
                pytest.fail(f"an example in docs/experiments.md does not load:\n{text}\n{error}")
            checked += 1
    assert checked >= 3


def test_every_error_example_in_the_documentation_is_refused_as_shown(tmp_path):
    """A ```yaml block marked `# error` is refused with exactly the lines of the ```text
    block that follows it."""
    blocks = doc_blocks()
    checked = 0
    for i, (language, markers, text) in enumerate(blocks):
        if language != "yaml" or "error" not in markers:
            continue
        assert blocks[i + 1][0] == "text", f"no ```text block after:\n{text}"
        with pytest.raises(ScenarioError) as caught:
            experiment_from_text(text, "my-experiment.yaml", base_dir=tmp_path)
        assert [str(p) for p in caught.value.problems] == \
            blocks[i + 1][2].strip().splitlines()
        checked += 1
    assert checked >= 2


def test_the_documented_quick_look_says_what_it_ran(tmp_path, capsys):
    """"Running an experiment" quotes what `-r 5` makes the header and results.json say,
    for the first example: they say it."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Running an experiment")
    section = " ".join(text[start:text.index("\n## ", start + 1)].split())
    header = re.search(r"reads `(Seed 1, 5 replications each \(.*?\), the same for every "
                       r"variant) \.\.\.`", section).group(1)
    command_line = json.loads(re.search(r"`command_line: (\{.*?\}\})`", section).group(1))
    assert "`replications: 5`" in section
    for _, markers, block in doc_blocks():
        for marker in markers:
            if marker.startswith("file:"):
                (tmp_path / marker.removeprefix("file:").strip()).write_text(block)
    code = main(["experiment", str(tmp_path / "cutover.yaml"), "-r", "5", "--workers", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (line,) = [line for line in out.splitlines() if line.startswith("Seed ")]
    assert line.startswith(header), line
    saved = json.loads((tmp_path / "cutover-results" / "results.json").read_text())
    assert saved["experiment"]["replications"] == 5
    assert saved["experiment"]["command_line"] == command_line


@pytest.mark.slow
def test_the_documented_outputs_are_the_real_ones(tmp_path, capsys):
    """The printed output of the first example on the page is what `itsm experiment`
    prints today (the worked example runs the same code, longer)."""
    blocks = doc_blocks()
    for _, markers, text in blocks:
        for marker in markers:
            if marker.startswith("file:"):
                (tmp_path / marker.removeprefix("file:").strip()).write_text(text)
    shown = next(text for i, (language, _, text) in enumerate(blocks)
                 if language == "text" and text.startswith("Preparing the softphone"))
    code = main(["experiment", str(tmp_path / "cutover.yaml"), "--workers", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == shown
