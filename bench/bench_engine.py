"""Engine speed against its peers, and its memory for a simulated year.

The model everywhere: M/M/10 at rho = 0.85 (the minimal scenario of DESIGN.md without
abandonment), 200,000 customers. The engine runs the full thing a scenario runs — calendar,
named random streams, contact records, the event log with five rows per customer — and is
compared with the same queue in bare SimPy (one process per customer with a `Resource`, the
textbook idiom), in Ciw and in salabim (one component per customer; far slower, so it gets
fewer customers and is compared per customer). Rounds alternate between the engines so that
a slow moment of the machine hits all of them; the medians over rounds are compared.

Ratios are engine time / peer time for the same number of customers: lower is better.
Targets (issue 2): engine_vs_simpy <= 1.0, engine_vs_ciw <= 0.35.

Also measured: the peak memory (tracemalloc: Python objects and numpy arrays) and the event
log size of one simulated year of the built-in `normal-week` scenario; and what a simulated
day costs in a long run whose decision point watches a condition (checked every 5 minutes,
each check reading the log's new rows): a quarter against a year, a ratio near 1 when the
cost of a check does not grow with the log (it was ~3.6x per doubling before the log's
readers read only their new rows).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import yaml
from peers import run_ciw, run_salabim, run_simpy

from sim import Simulation, scenario_from_data
from sim.builtin import builtin_path

CUSTOMERS = 200_000
SALABIM_CUSTOMERS = 20_000
ARRIVALS_PER_MIN = 1.7

MM10 = {
    "id": "mm10-bench",
    "title": "M/M/10, rho 0.85",
    "clock": {"duration": CUSTOMERS / ARRIVALS_PER_MIN},
    "teams": [{"id": "desk", "staff": 10}],
    "categories": [{
        "id": "call", "arrivals": {"per_minute": ARRIVALS_PER_MIN}, "channel": "phone",
        "handle": {"dist": "exponential", "mean": 5}, "team": "desk", "fcr": 1.0,
    }],
}


def run_engine(seed: int) -> dict:
    scenario = scenario_from_data(MM10)
    start = time.perf_counter()
    sim = Simulation(scenario, seed=seed)
    outcome = sim.run()
    seconds = time.perf_counter() - start
    kpis = outcome.kpis()
    return {"customers": int(kpis["contacts"]), "mean_wait_min": kpis["mean_wait_min"],
            "seconds": seconds, "log_rows": len(outcome.log)}


def year_of_normal_week(seed: int = 1) -> dict:
    data = yaml.safe_load(builtin_path("normal-week").read_text())
    data["clock"]["duration"] = 52 * 7 * 1440
    scenario = scenario_from_data(data)
    tracemalloc.start()
    start = time.perf_counter()
    outcome = Simulation(scenario, seed=seed).run()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "simulated_days": 364,
        "contacts": outcome.log.n_contacts,
        "log_rows": len(outcome.log),
        "log_bytes": outcome.log.nbytes(),
        "peak_memory_mb": peak / 2**20,
        "seconds_under_tracemalloc": seconds,
    }


def watched_run(days: int, seed: int = 1) -> float:
    """Seconds to run `days` of normal-week with a decision point whose condition (never
    met) is checked every 5 simulated minutes."""
    data = yaml.safe_load(builtin_path("normal-week").read_text())
    data["clock"]["duration"] = days * 1440
    data["levers"] = [{"id": "extra-agent", "name": "One more agent", "cost": 1,
                       "effects": [{"target": "teams.service-desk.staff", "add": 1}]}]
    data["decision_points"] = [{"id": "queue-watch", "prompt": "The queue is long",
                                "when": {"metric": "phone_waiting", "above": 10_000},
                                "levers": ["extra-agent"]}]
    scenario = scenario_from_data(data)
    start = time.perf_counter()
    Simulation(scenario, seed=seed).run()
    return time.perf_counter() - start


def long_run_with_a_condition() -> dict:
    quarter, year = watched_run(91), watched_run(364)
    return {"seconds_91_days": quarter, "seconds_364_days": year,
            "day_cost_year_vs_quarter": (year / 364) / (quarter / 91)}


def measure(rounds: int = 3, say=print) -> dict:
    times: dict[str, list[float]] = {"engine": [], "simpy": [], "ciw": [], "salabim": []}
    customers: dict[str, int] = {}
    runners = (
        ("engine", lambda seed: run_engine(seed)),
        ("simpy", lambda seed: run_simpy(CUSTOMERS, seed)),
        ("ciw", lambda seed: run_ciw(CUSTOMERS, seed)),
        ("salabim", lambda seed: run_salabim(SALABIM_CUSTOMERS, seed)),
    )
    for r in range(rounds):
        # rotate the order each round, so no engine always runs first or last
        order = runners[r % len(runners):] + runners[:r % len(runners)]
        for name, run in order:
            result = run(r)
            times[name].append(result["seconds"])
            customers[name] = result["customers"]
            say(f"  round {r + 1}/{rounds} {name:8s} {result['seconds']:7.3f} s "
                f"{result['customers'] / result['seconds']:>10,.0f} customers/s "
                f"(mean wait {result['mean_wait_min']:.3f} min)")
    median = {name: statistics.median(ts) for name, ts in times.items()}
    per_customer = {name: median[name] / customers[name] for name in median}
    ratios = {f"engine_vs_{peer}": per_customer["engine"] / per_customer[peer]
              for peer in ("simpy", "ciw", "salabim")}
    say("  a simulated year of normal-week (under tracemalloc) ...")
    year = year_of_normal_week()
    say("  a quarter and a year of normal-week with a condition watched every 5 min ...")
    watched = long_run_with_a_condition()
    return {
        "model": "M/M/10, rho 0.85, no abandonment",
        "customers": CUSTOMERS,
        "salabim_customers": SALABIM_CUSTOMERS,
        "rounds": rounds,
        "median_seconds": median,
        "customers_per_second": {name: 1 / per_customer[name] for name in per_customer},
        **ratios,
        "targets": {"engine_vs_simpy": 1.0, "engine_vs_ciw": 0.35},
        "year_of_normal_week": year,
        "long_run_with_a_condition": watched,
    }
