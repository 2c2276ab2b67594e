"""Run the benchmarks and record them in bench/results.json (`make bench`).

Each benchmark owns one section of results.json; a run replaces its own section and keeps
the others, so the file always holds the latest figure of every benchmark. Benchmarks print
ratios against peers measured in the same run; tests never assert on wall-clock time.

    .venv/bin/python bench/run.py [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the peers live next to this file
sys.path.insert(0, str(HERE.parent))

RESULTS = HERE / "results.json"


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": dt.date.today().isoformat(),
    }


def record(section: str, figures: dict) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[section] = {**figures, "machine": machine()}
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import bench_engine

    print("engine vs bare SimPy, Ciw and salabim (M/M/10, rho 0.85):")
    engine = bench_engine.measure(rounds=args.rounds)
    record("engine", engine)
    print()
    print(f"  engine_vs_simpy   {engine['engine_vs_simpy']:.2f}  (target <= 1.0)")
    print(f"  engine_vs_ciw     {engine['engine_vs_ciw']:.2f}  (target <= 0.35)")
    print(f"  engine_vs_salabim {engine['engine_vs_salabim']:.3f}")
    for name, rate in engine["customers_per_second"].items():
        print(f"  {name:8s} {rate:>10,.0f} customers/s")
    year = engine["year_of_normal_week"]
    print(f"  a simulated year of normal-week: {year['contacts']:,} contacts, "
          f"{year['log_rows']:,} log rows in {year['log_bytes'] / 2**20:.2f} MiB, "
          f"peak memory {year['peak_memory_mb']:.1f} MiB")
    watched = engine["long_run_with_a_condition"]
    print(f"  with a condition checked every 5 min: a quarter {watched['seconds_91_days']:.2f} s, "
          f"a year {watched['seconds_364_days']:.2f} s; a day of the year costs "
          f"{watched['day_cost_year_vs_quarter']:.2f}x a day of the quarter")

    # the game: frame time with the simulation at top speed (about half a minute)
    import bench_game

    print("\ngame: the softphone week on the operations floor at top speed, frame by frame "
          "(SDL dummy video driver), against the engine headless:")
    game = bench_game.measure(rounds=args.rounds)
    record("game", game)
    bench_game.report(game)

    # experiments: 1,000 softphone replications on 1 worker vs 2, and what a task costs on
    # the process pool and on dask (several minutes)
    import bench_experiments

    print("\nexperiments: 1,000 replications of softphone-cutover (policy unprepared) on 1 "
          "worker and on 2, alternating; then what one task costs on a warm process pool "
          "and on a warm dask LocalCluster, and their start-up:")
    experiments = bench_experiments.measure(replications=1000, rounds=2)
    record("experiments", experiments)
    print()
    bench_experiments.report(experiments)
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
