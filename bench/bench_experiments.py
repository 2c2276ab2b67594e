"""Experiments in parallel: 1,000 replications of softphone-cutover (policy unprepared).

Measures, alternating the runs so that the machine's drift hits all of them alike:

- the wall time with 1 worker (in this process) and with 2 workers (a process pool, the
  replications cut into batches): the speed-up of 2 over 1 (target >= 1.8 on two cores);
- the same 1,000 replications on a dask.distributed LocalCluster of 2 worker processes
  (one thread each) through the same code (`client.get_executor(pure=False)`): the
  overhead of the dask path per replication, against the process pool.

Every path must give the same figures, replication by replication (checked here too).

    .venv/bin/python bench/bench_experiments.py [--replications N] [--rounds R] [--record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EXPERIMENT = """\
title: Benchmark
scenario: softphone-cutover
seed: 1
replications: {replications}
kpis: [abandonment_rate, satisfaction]
sweep:
  parameters: [{{target: teams.service-desk.staff, add: [0]}}]
  policy: unprepared
"""


def _figures(result) -> list[dict]:
    return [rep for name in result.names for rep in result.comparison.variants[name].per_replication]


def _on_dask(experiment, warm) -> tuple[float, object]:
    """Time the experiment on a fresh LocalCluster of 2 worker processes; the cluster is
    started, and its workers warmed up (they import the engine on their first task),
    before the clock starts, and closed after it stops. A client's event loop is a thread
    of this process, so no cluster is up while the other paths run."""
    from distributed import Client, LocalCluster

    from sim.experiments import run_experiment

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        executor = client.get_executor(pure=False)
        run_experiment(warm, executor=executor, workers=2)
        started = time.perf_counter()
        result = run_experiment(experiment, executor=executor, workers=2)
        return time.perf_counter() - started, result


def measure(replications: int = 1000, rounds: int = 2, verbose: bool = True) -> dict:
    from sim.experiments import experiment_from_text, run_experiment

    experiment = experiment_from_text(EXPERIMENT.format(replications=replications))
    warm = experiment_from_text(EXPERIMENT.format(replications=4))
    times: dict[str, list[float]] = {"1 worker": [], "2 workers": [], "dask, 2 workers": []}
    loads: dict[str, list[float]] = {kind: [] for kind in times}
    reference = None

    def run(kind: str) -> tuple[float, object]:
        if kind == "dask, 2 workers":
            return _on_dask(experiment, warm)
        started = time.perf_counter()
        result = run_experiment(experiment, workers=1 if kind == "1 worker" else 2)
        return time.perf_counter() - started, result

    for round_ in range(rounds):
        order = list(times) if round_ % 2 == 0 else list(reversed(times))
        for kind in order:
            seconds, result = run(kind)
            times[kind].append(seconds)
            # the machine's load after each run: other work on it slows the runs down
            loads[kind].append(round(os.getloadavg()[0], 2))
            figures = _figures(result)
            if reference is None:
                reference = figures
            elif figures != reference:
                raise AssertionError(f"{kind}: other figures than the first run")
            if verbose:
                print(f"  round {round_ + 1}  {kind:<16} {seconds:7.2f} s  "
                      f"({1000 * seconds / replications:.1f} ms a replication; load "
                      f"{loads[kind][-1]:.2f})", flush=True)
    median = {kind: statistics.median(values) for kind, values in times.items()}
    per_rep_ms = {kind: 1000 * value / replications for kind, value in median.items()}
    return {
        "scenario": "softphone-cutover",
        "policy": "unprepared",
        "replications": replications,
        "rounds": rounds,
        "seconds": times,
        "median_seconds": median,
        "ms_per_replication": per_rep_ms,
        "speedup_2_over_1": median["1 worker"] / median["2 workers"],
        "dask_vs_pool": median["dask, 2 workers"] / median["2 workers"],
        "dask_overhead_ms_per_replication": (per_rep_ms["dask, 2 workers"]
                                             - per_rep_ms["2 workers"]),
        "same_figures_on_every_path": True,
        "load_average_after_each_run": loads,
        "cpus": os.cpu_count(),
        "targets": {"speedup_2_over_1": 1.8},
    }


def report(figures: dict) -> None:
    n = figures["replications"]
    for kind, seconds in figures["median_seconds"].items():
        print(f"  {kind:<16} {seconds:7.2f} s for {n:,} replications "
              f"({figures['ms_per_replication'][kind]:.1f} ms each)")
    print(f"  speed-up, 2 workers over 1     {figures['speedup_2_over_1']:.2f}x  "
          f"(target >= 1.8)")
    print(f"  dask / process pool (2 workers) {figures['dask_vs_pool']:.3f}x: "
          f"{figures['dask_overhead_ms_per_replication']:+.2f} ms a replication")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--record", action="store_true",
                        help="record the figures in bench/results.json (as bench/run.py does)")
    args = parser.parse_args()
    print(f"experiments: {args.replications:,} replications of softphone-cutover, 1 worker, "
          f"2 workers and dask (2 workers), alternating:")
    figures = measure(args.replications, args.rounds)
    report(figures)
    if args.record:
        from run import RESULTS, record  # bench/run.py: each benchmark owns one section

        record("experiments", figures)
        print(f"recorded in {RESULTS} under 'experiments'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
