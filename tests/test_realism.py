"""The built-in normal week stays inside the published service-desk benchmarks it was
calibrated on (docs/data-sources.md): first-contact resolution 60-75%, handle time 5-13
minutes, phone abandonment 5-12%, about 0.07 contacts per user per working day.

The golden run notices any change in one seed's figures; this test says whether a change
(intended or not) has taken the scenario out of the range a trainer would call realistic,
over replications, with the 95% interval inside the band and not just the mean.
"""

from __future__ import annotations

import pytest

from sim import load_builtin, run_replications

#: figure: (lowest, highest) — docs/data-sources.md, "Published service-desk benchmarks"
BANDS = {
    "fcr": (0.60, 0.75),
    "handle_min": (5.0, 13.0),
    "abandonment_rate": (0.05, 0.12),
}
WORKING_DAYS = 5


@pytest.fixture(scope="module")
def normal_week():
    scenario = load_builtin("normal-week")
    return scenario, run_replications(scenario, seed=2026, replications=24, workers=1).summary()


@pytest.mark.parametrize("figure", sorted(BANDS))
def test_the_normal_week_is_inside_the_published_benchmarks(normal_week, figure):
    _, summary = normal_week
    low, high = BANDS[figure]
    estimate = summary[figure]
    assert low <= estimate.mean - estimate.ci95 and estimate.mean + estimate.ci95 <= high, \
        (figure, estimate.mean, estimate.ci95)


def test_the_normal_week_has_the_usual_demand_per_user(normal_week):
    scenario, summary = normal_week
    people = sum(d.headcount for d in scenario.departments)
    per_user_day = summary["contacts"].mean / people / WORKING_DAYS
    # 1-2 contacts per user a month (Gartner via CERN, C; Intelliteach, B): 0.05-0.10 a day
    assert 0.05 <= per_user_day <= 0.10, per_user_day
