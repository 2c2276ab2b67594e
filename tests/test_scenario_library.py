"""The scenario library (scenarios/*.yaml): every file loads, runs with each of its policies,
explains itself, and - where it has a story - its good policy beats its baseline.

A scenario with policies names its story's figures in `HEADLINES`: which policy is the
baseline ("do nothing"), which one is the good answer, and the figures the story is about
with the direction that is better. The good policy must beat the baseline on each of them
with a paired 95% confidence interval clear of zero (common random numbers make a handful
of replications enough). A new scenario with policies must be added there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import load_scenario
from sim.decisions import DecisionPlan
from sim.engine import Simulation
from sim.replications import compare_variants

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(SCENARIOS_DIR.glob("*.yaml"))
SEED = 7
REPLICATIONS = 6

#: scenario id -> (baseline policy, good policy, [(figure, "lower" | "higher"), ...])
HEADLINES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "softphone-cutover": ("unprepared", "prepared",
                          [("abandonment_rate", "lower"), ("satisfaction", "higher"),
                           ("csat", "higher"), ("score", "higher")]),
    "isp-supplier": ("do-nothing", "awareness-will-action",
                     [("cost_lost_business", "lower"), ("sla_breach_rate", "lower"),
                      ("satisfaction", "higher"), ("csat", "higher")]),
    "new-hires": ("ad-hoc", "catalog",
                  [("lost_work_hours", "lower"), ("satisfaction_new-hires", "higher"),
                   ("csat", "higher")]),
    "service-catalog": ("no-catalog", "catalog",
                        [("declined", "lower"), ("moments_bad", "lower"),
                         ("satisfaction", "higher"), ("csat", "higher")]),
    "month-end-outage": ("business-as-usual", "major-incident",
                         [("cost_lost_business", "lower"), ("abandonment_rate", "lower"),
                          ("csat", "higher")]),
}

_loaded: dict[Path, object] = {}


def scenario_of(path: Path):
    if path not in _loaded:
        _loaded[path] = load_scenario(path)
    return _loaded[path]


def policy_runs() -> list:
    """(file, policy) for every policy of every scenario; None for one without policies."""
    runs = []
    for path in FILES:
        policies = list(scenario_of(path).policies) or [None]
        runs += [pytest.param(path, policy, id=f"{path.stem}:{policy or 'no-policy'}")
                 for policy in policies]
    return runs


def test_the_library_is_not_empty():
    assert len(FILES) >= 6
    assert {"normal-week", "softphone-cutover"} <= {p.stem for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_scenario_validates_and_explains_itself(path):
    scenario = scenario_of(path)
    assert scenario.id == path.stem             # built-in scenarios are found by id
    assert scenario.title.strip()
    assert scenario.description.strip()
    if scenario.decision_points:
        assert scenario.briefing.strip(), "a scenario with decisions needs a briefing"
        assert scenario.trainer_note.strip(), "a scenario with decisions needs a trainer_note"
    if scenario.policies:
        assert len(scenario.policies) >= 2, "a baseline and a good policy at least"


@pytest.mark.parametrize(("path", "policy"), policy_runs())
def test_each_policy_runs_headless(path, policy):
    scenario = scenario_of(path)
    plan = DecisionPlan.from_policy(scenario, policy) if policy else DecisionPlan()
    kpis = Simulation(scenario, seed=SEED, decisions=plan).run().kpis()
    assert kpis["contacts"] > 0
    assert kpis["answered"] > 0


def test_every_scenario_with_policies_names_its_headline_figures():
    for path in FILES:
        scenario = scenario_of(path)
        if not scenario.policies:
            continue
        assert scenario.id in HEADLINES, (
            f"{path.name}: add its baseline and good policy and its story's figures to "
            "HEADLINES in tests/test_scenario_library.py")
        baseline, good, _ = HEADLINES[scenario.id]
        assert {baseline, good} <= set(scenario.policies), scenario.id
    assert set(HEADLINES) <= {p.stem for p in FILES}


@pytest.mark.slow
@pytest.mark.parametrize("scenario_id", sorted(HEADLINES))
def test_the_good_policy_beats_the_baseline(scenario_id):
    scenario = scenario_of(SCENARIOS_DIR / f"{scenario_id}.yaml")
    baseline, good, figures = HEADLINES[scenario_id]
    result = compare_variants(scenario, {
        baseline: DecisionPlan.from_policy(scenario, baseline),
        good: DecisionPlan.from_policy(scenario, good),
    }, seed=SEED, replications=REPLICATIONS, workers=1)
    for name, better in figures:
        d = result.difference(good, name)       # good - baseline, paired
        assert d.mean is not None and d.ci95 is not None, (scenario_id, name)
        if better == "lower":
            assert d.mean + d.ci95 < 0, (scenario_id, name, d)
        else:
            assert d.mean - d.ci95 > 0, (scenario_id, name, d)


@pytest.mark.parametrize("scenario_id", sorted(HEADLINES))
def test_the_csat_goal_tells_the_baseline_from_the_good_policy(scenario_id):
    """CSAT is the figure on the people that moves with the week: the baseline policy
    misses the goal of 90% and the good policy meets it, run by run."""
    scenario = scenario_of(SCENARIOS_DIR / f"{scenario_id}.yaml")
    baseline, good, _ = HEADLINES[scenario_id]
    goal = scenario.goals["csat"].at_least

    def csat(policy: str, seed: int) -> float:
        plan = DecisionPlan.from_policy(scenario, policy)
        return Simulation(scenario, seed=seed, decisions=plan).run().kpis()["csat"]

    for seed in (1, 2, 3):
        assert csat(baseline, seed) < goal <= csat(good, seed), (scenario_id, seed)
