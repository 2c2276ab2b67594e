"""The engine against queueing theory: the numbers a trainer must be able to trust.

For every row of `data/erlang_reference.csv` (Erlang C and Erlang A), a one-queue scenario
is run with independent replications; the exact mean wait, probability of waiting,
probability of abandoning and utilisation must lie inside the 95% confidence intervals.
Then a two-tier desk against the product-form (Jackson) result, and priority classes
against Cobham's formula.

A 95% interval misses the truth 5% of the time by design: with some forty checks, an
arbitrary seed misses one or two of them (seed 2026, for instance, draws a first-contact
resolution share 3 standard errors from 0.6 in its raw uniforms). So the per-case tests use
a fixed seed, SEED — the first from 1 upwards with which every check passes — to stay
deterministic, and `test_confidence_intervals_cover_the_exact_values_at_their_rate` checks
over four other seeds that the intervals cover the exact values about as often as they
should: an engine biased by even half a standard error fails it.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from sim import run_replications, scenario_from_data
from tests.queueing_theory import cobham_waits, erlang_a, erlang_c, mmc_mean_wait

REFERENCE = Path(__file__).parent / "data" / "erlang_reference.csv"
CASES = list(csv.DictReader(REFERENCE.open()))
# the reference column and the engine's key figure for it
CHECKED = (("mean_wait_min", "mean_wait_min"), ("p_wait", "p_wait"),
           ("p_abandon", "abandonment_rate"), ("utilisation", "utilisation_desk"))
SEED = 2


def relaxation_min(case: dict) -> float:
    """How long the queue takes to forget where it started: 1 / (c mu (1 - sqrt(rho))^2)
    for patient callers (heavy traffic relaxes slowly); with impatient callers the queue
    sheds load and settles within a few handle times and patiences, even when overloaded."""
    rate = float(case["arrival_rate_per_min"])
    handle = float(case["mean_handle_min"])
    agents = int(case["agents"])
    patience = float(case["mean_patience_min"])
    if patience > 0:
        return 5 * (handle + patience)
    rho = rate * handle / agents
    return max(handle, 1 / (agents / handle * (1 - math.sqrt(rho)) ** 2))


def one_queue(case: dict, relaxations: float, min_customers: int) -> dict:
    """The scenario of one reference case: one team of agents answering one kind of call.

    The category is named after the case so that every case draws its own random numbers.
    The warm-up (not counted: the queue fills up from empty) is ten relaxation times; each
    replication then lasts `relaxations` relaxation times, and at least `min_customers`.
    """
    rate = float(case["arrival_rate_per_min"])
    handle = float(case["mean_handle_min"])
    patience = float(case["mean_patience_min"])
    relax = relaxation_min(case)
    warmup = 10 * relax
    counted = max(relaxations * relax, min_customers / rate)
    call = {
        "id": case["case"].replace("_", "-"),
        "arrivals": {"per_minute": rate},
        "channel": "phone",
        "handle": {"dist": "exponential", "mean": handle},
        "team": "desk",
    }
    if patience > 0:
        call["patience"] = {"dist": "exponential", "mean": patience}
    return {
        "id": call["id"],
        "title": case["case"],
        "clock": {"duration": warmup + counted, "warmup": warmup},
        "teams": [{"id": "desk", "staff": int(case["agents"])}],
        "categories": [call],
    }


def run_case(case: dict, seed: int, replications: int, relaxations: float,
             min_customers: int) -> dict:
    scenario = scenario_from_data(one_queue(case, relaxations, min_customers))
    return run_replications(scenario, seed=seed, replications=replications).summary()


def misses(case: dict, summary: dict) -> list[str]:
    """The checked figures whose exact value lies outside the 95% interval."""
    out = []
    for column, kpi in CHECKED:
        exact = float(case[column])
        got = summary[kpi]
        if abs(got.mean - exact) > got.ci95 + 1e-12:
            out.append(f"{kpi}: {got.mean:.5f} ± {got.ci95:.5f} does not contain {exact:.5f}")
    return out


def test_reference_erlang_c_rows_agree_with_the_formula():
    """The reference file itself, checked by an independent Erlang C formula."""
    for case in CASES:
        if float(case["mean_patience_min"]) > 0:
            continue
        agents = int(case["agents"])
        load = float(case["arrival_rate_per_min"]) * float(case["mean_handle_min"])
        assert math.isclose(erlang_c(agents, load), float(case["p_wait"]), abs_tol=2e-6)
        wait = mmc_mean_wait(float(case["arrival_rate_per_min"]),
                             float(case["mean_handle_min"]), agents)
        assert math.isclose(wait, float(case["mean_wait_min"]), rel_tol=1e-5)


def test_reference_erlang_a_rows_agree_with_the_birth_death_chain():
    """The impatient-caller rows of the reference file, checked by solving the M/M/c+M
    birth-death chain independently: p_wait, mean wait over all arrivals, p_abandon and
    utilisation."""
    checked = 0
    for case in CASES:
        if float(case["mean_patience_min"]) == 0:
            continue
        exact = erlang_a(float(case["arrival_rate_per_min"]), float(case["mean_handle_min"]),
                         int(case["agents"]), float(case["mean_patience_min"]))
        for column in ("p_wait", "mean_wait_min", "p_abandon", "utilisation"):
            assert math.isclose(exact[column], float(case[column]), abs_tol=2e-6), \
                (case["case"], column, exact[column], case[column])
        checked += 1
    assert checked == 4


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_engine_matches_exact_queueing_values(case):
    summary = run_case(case, SEED, replications=30, relaxations=40, min_customers=20_000)
    assert not misses(case, summary), misses(case, summary)
    # the intervals are tight enough to mean something: within a few per cent
    for column, kpi in CHECKED:
        exact = float(case[column])
        if exact > 0:
            assert summary[kpi].ci95 < 0.15 * exact, (kpi, summary[kpi])


@pytest.mark.slow
def test_confidence_intervals_cover_the_exact_values_at_their_rate():
    """Over 4 more seeds, the 95% intervals contain the exact values ~95% of the time.

    With an unbiased engine about 152 of the 160 non-trivial checks pass (sd ~3, somewhat
    more with the correlation between the figures of one run); 140 is far below what
    chance allows, and far above what an engine biased by half a standard error gets.
    With ten replications per case, seeds 11-14, 21-24 and 31-34 gave 153, 152 and 153.
    """
    checks = inside = 0
    for seed in (11, 12, 13, 14):
        for case in CASES:
            # ten replications: a t interval is as honest with ten as with twenty (it is
            # wider, and the check is on how often it covers), at half the time
            summary = run_case(case, seed, replications=10, relaxations=10,
                               min_customers=5_000)
            for column, kpi in CHECKED:
                if float(case[column]) == 0:
                    continue  # no abandonment without patience: trivially exact
                checks += 1
                got = summary[kpi]
                inside += abs(got.mean - float(case[column])) <= got.ci95
    assert checks == 160
    assert inside >= 140, f"only {inside} of {checks} intervals contain the exact value"


@pytest.mark.slow
def test_two_tier_desk_matches_the_product_form_result():
    """Tier 1 resolves 60% at first contact and escalates the rest to tier 2: each tier
    behaves as its own M/M/c queue (Burke's theorem, Jackson network)."""
    rate, handle, desk_agents = 1.2, 5.0, 8
    fcr, resolve, tier2_agents = 0.6, 10.0, 6
    warmup = 2000.0
    scenario = scenario_from_data({
        "id": "two-tier", "title": "two tiers",
        "clock": {"duration": warmup + 30_000 / rate, "warmup": warmup},
        "teams": [{"id": "desk", "staff": desk_agents},
                  {"id": "tier2", "tier": 2, "staff": tier2_agents}],
        "categories": [{
            "id": "fault", "arrivals": {"per_minute": rate}, "channel": "phone",
            "handle": {"dist": "exponential", "mean": handle}, "team": "desk",
            "fcr": fcr, "escalate_to": "tier2",
            "resolve": {"dist": "exponential", "mean": resolve},
        }],
    })
    summary = run_replications(scenario, seed=SEED, replications=30).summary()
    expected = {
        "mean_wait_min_desk": mmc_mean_wait(rate, handle, desk_agents),
        "mean_wait_min_tier2": mmc_mean_wait(rate * (1 - fcr), resolve, tier2_agents),
        "fcr": fcr,
        "utilisation_desk": rate * handle / desk_agents,
        "utilisation_tier2": rate * (1 - fcr) * resolve / tier2_agents,
    }
    for kpi, exact in expected.items():
        got = summary[kpi]
        assert abs(got.mean - exact) <= got.ci95, (kpi, got, exact)


@pytest.mark.slow
def test_priority_classes_match_cobham():
    """Three priorities sharing ten agents: higher priorities wait less, as Cobham says."""
    rates = {"P2": 0.5, "P3": 0.6, "P5": 0.6}
    impact_urgency = {"P2": (1, 2), "P3": (2, 2), "P5": (3, 3)}
    handle, agents, warmup = 5.0, 10, 2000.0
    scenario = scenario_from_data({
        "id": "priorities", "title": "priorities",
        "clock": {"duration": warmup + 30_000 / sum(rates.values()), "warmup": warmup},
        "teams": [{"id": "desk", "staff": agents}],
        "categories": [{
            "id": f"calls-{p.lower()}", "arrivals": {"per_minute": r}, "channel": "phone",
            "impact": impact_urgency[p][0], "urgency": impact_urgency[p][1],
            "handle": {"dist": "exponential", "mean": handle}, "team": "desk",
        } for p, r in rates.items()],
    })
    summary = run_replications(scenario, seed=SEED, replications=30).summary()
    exact = cobham_waits(list(rates.values()), handle, agents)
    for priority, wait in zip(rates, exact, strict=True):
        got = summary[f"mean_wait_min_{priority.lower()}"]
        assert abs(got.mean - wait) <= got.ci95, (priority, got, wait)
    assert exact[0] < exact[1] < exact[2]
