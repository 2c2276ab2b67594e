"""Experiments in parallel: replications of softphone-cutover (policy unprepared), on one
worker, a local process pool and a dask.distributed cluster.

Three measurements, each by its own method:

1. Speed-up: the wall time of 1,000 replications with 1 worker (in this process) and with
   2 workers (`run_experiment(workers=2)`: a process pool started by the run, inside the
   clock, the replications cut into batches), alternating; the ratio of the medians
   (target >= 1.8 on two cores).
2. What a task costs on each path, measured directly rather than read off the difference of
   two half-minute wall times (which a loaded machine moves by seconds either way): the
   experiment's own task, `run_batch(scenario, seed, [], plan)` — its arguments shipped,
   nothing run, an empty answer shipped back — through a warm process pool and a warm
   LocalCluster, both up at once, in waves of as many tasks as a 1,000-replication
   experiment submits (all at once, as it does), alternating pool, dask, dask, pool so that
   the machine's drift falls on both alike; many repeats, medians and the 10th-90th
   percentiles, and the difference paired wave by wave. Also one task at a time (the round
   trip). Both paths have the same kind of workers: 2 processes of one thread, started the
   same way (spawn, dask's way) with the same environment (this process's: dask's
   `pre-spawn-environ` is emptied, so it adds no OMP_NUM_THREADS and the like). The dask
   path's overhead per replication is its extra cost per task times the tasks of a
   1,000-replication experiment (counted from `run_experiment` itself) over 1,000.
3. Start-up, on its own: a process pool as `run_experiment` starts it (fork), the same pool
   spawned, and a LocalCluster with its client, each until 2 workers have answered a first
   task (which imports the engine there); alternating, a few times each.

Every path must give the same figures, replication by replication (checked here on the
same experiment, with dask too).

    .venv/bin/python bench/bench_experiments.py [--quick] [--record]

`--quick` (about a minute): 60 replications for the speed-up and fewer repeats; with
`--record` it keeps the speed-up of the last full run in bench/results.json (a quick run's
is pool start-up as much as work) and replaces the rest. The full run (`bench/run.py`, or
this script without `--quick`) takes several minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
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
WORKERS = 2
#: the replications whose overhead per replication is reported (as the speed-up's)
REFERENCE_REPLICATIONS = 1000
FULL = {"replications": 1000, "rounds": 2, "repeats": 60, "startups": 5}
QUICK = {"replications": 60, "rounds": 1, "repeats": 20, "startups": 2}
POOL, DASK, FORKED = "process pool", "dask LocalCluster", "process pool (fork)"


def _experiment(replications: int):
    from sim.experiments import experiment_from_text

    return experiment_from_text(EXPERIMENT.format(replications=replications))


def _figures(result) -> list[dict]:
    return [rep for name in result.names
            for rep in result.comparison.variants[name].per_replication]


def _spread(values: list[float]) -> dict:
    """Median and 10th/90th percentiles (of a list of a few dozen values)."""
    ordered = sorted(values)
    if len(ordered) < 2:
        return {"median": ordered[0], "p10": ordered[0], "p90": ordered[0], "n": len(ordered)}
    deciles = statistics.quantiles(ordered, n=10, method="inclusive")
    return {"median": statistics.median(ordered), "p10": deciles[0], "p90": deciles[-1],
            "n": len(ordered)}


class _Counting(Executor):
    """Records the batches `run_experiment` submits and answers at once, without running
    anything: how many tasks an experiment makes, from the runner itself."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        batch = args[2]  # run_batch(scenario, seed, replications, decisions)
        self.batches.append(len(batch))
        future: Future = Future()
        future.set_result([(r, {}) for r in batch])
        return future


def tasks_of(replications: int, workers: int = WORKERS) -> int:
    """The tasks a `replications`-replication run of the benchmark experiment submits."""
    from sim.experiments import run_experiment

    counting = _Counting()
    run_experiment(_experiment(replications), executor=counting, workers=workers)
    return len(counting.batches)


# -- 1. the speed-up --------------------------------------------------------------------------


def speedup(replications: int, rounds: int, verbose: bool = True) -> tuple[dict, list]:
    """1 worker against 2 (a pool started by the run), alternating; and the figures of the
    first run, to compare every path with."""
    from sim.experiments import run_experiment

    experiment = _experiment(replications)
    times: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
    loads: dict[str, list[float]] = {kind: [] for kind in times}
    reference = None
    for round_ in range(rounds):
        order = list(times) if round_ % 2 == 0 else list(reversed(times))
        for kind in order:
            started = time.perf_counter()
            result = run_experiment(experiment, workers=1 if kind == "1 worker" else WORKERS)
            seconds = time.perf_counter() - started
            times[kind].append(seconds)
            loads[kind].append(round(os.getloadavg()[0], 2))
            figures = _figures(result)
            if reference is None:
                reference = figures
            elif figures != reference:
                raise AssertionError(f"{kind}: other figures than the first run")
            if verbose:
                print(f"  round {round_ + 1}  {kind:<10} {seconds:7.2f} s  "
                      f"({1000 * seconds / replications:.1f} ms a replication; load "
                      f"{loads[kind][-1]:.2f})", flush=True)
    median = {kind: statistics.median(values) for kind, values in times.items()}
    return {
        "replications": replications,
        "rounds": rounds,
        "seconds": times,
        "median_seconds": median,
        "ms_per_replication": {k: 1000 * v / replications for k, v in median.items()},
        "speedup_2_over_1": median["1 worker"] / median["2 workers"],
        "target": 1.8,
        "load_average_after_each_run": loads,
    }, reference


# -- the two paths, alike ---------------------------------------------------------------------


def _dask_alike():
    """dask's config for workers like the pool's: spawned (its default), and with this
    process's environment, nothing added."""
    import dask
    import distributed  # noqa: F401  (its defaults in dask's config first, or set() hides them)

    return dask.config.set({"distributed.worker.multiprocessing-method": "spawn",
                            "distributed.nanny.pre-spawn-environ": {},
                            "distributed.nanny.environ": {}})


def _start_dask():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=WORKERS, processes=True, threads_per_worker=1,
                           dashboard_address=None)
    client = Client(cluster)
    client.wait_for_workers(WORKERS)
    return cluster, client


def _first_tasks(executor, task: tuple) -> None:
    """One task per worker, answered: the workers have imported the engine."""
    wait([executor.submit(*task) for _ in range(WORKERS)])


def _task(experiment) -> tuple:
    """The experiment's own task, with no replication in its batch."""
    from sim.experiments import run_batch

    run = next(iter(experiment.runs.values()))
    return (run_batch, experiment.scenario, experiment.seed, [], run.plan)


#: what dask's nanny sets in its workers unless told not to
DASK_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                  "MALLOC_TRIM_THRESHOLD_")


def _worker_environment(executor) -> list[dict]:
    """What the workers run on: their start method and the variables dask would set."""
    futures = [executor.submit(_environment_of) for _ in range(WORKERS)]
    return [f.result() for f in futures]


def _environment_of() -> dict:
    return {"start_method": multiprocessing.get_start_method(allow_none=True),
            **{name: os.environ.get(name) for name in DASK_VARIABLES}}


# -- 2. what a task costs ---------------------------------------------------------------------


def task_overhead(repeats: int, verbose: bool = True) -> dict:
    """Waves of the experiment's tasks (empty batches) through a warm spawned pool and a
    warm LocalCluster, alternating pool, dask, dask, pool; and single round trips."""
    experiment = _experiment(REFERENCE_REPLICATIONS)
    task = _task(experiment)
    wave = tasks_of(REFERENCE_REPLICATIONS)
    per_task: dict[str, list[float]] = {POOL: [], DASK: []}
    round_trip: dict[str, list[float]] = {POOL: [], DASK: []}
    with _dask_alike():
        pool = ProcessPoolExecutor(max_workers=WORKERS,
                                   mp_context=multiprocessing.get_context("spawn"))
        cluster, client = _start_dask()
        try:
            executors = {POOL: pool, DASK: client.get_executor(pure=False)}
            for executor in executors.values():
                _first_tasks(executor, task)
            environment = {kind: _worker_environment(ex) for kind, ex in executors.items()}
            load_before = os.getloadavg()[0]
            for k in range(repeats):
                for kind in ((POOL, DASK) if k % 2 == 0 else (DASK, POOL)):
                    executor = executors[kind]
                    started = time.perf_counter()
                    wait([executor.submit(*task) for _ in range(wave)])
                    per_task[kind].append(1000 * (time.perf_counter() - started) / wave)
                    started = time.perf_counter()
                    executor.submit(*task).result()
                    round_trip[kind].append(1000 * (time.perf_counter() - started))
                if verbose and (k + 1) % max(1, repeats // 4) == 0:
                    print(f"  {k + 1:3d}/{repeats} waves of {wave}: "
                          f"pool {statistics.median(per_task[POOL]):.2f} ms a task, "
                          f"dask {statistics.median(per_task[DASK]):.2f} ms a task",
                          flush=True)
            load_after = os.getloadavg()[0]
        finally:
            client.close()
            cluster.close()
            pool.shutdown()
    extra = [d - p for p, d in zip(per_task[POOL], per_task[DASK], strict=True)]
    per_replication = [e * wave / REFERENCE_REPLICATIONS for e in extra]
    return {
        "task": "run_batch(scenario, seed, [], plan): a task of the experiment, its "
                "arguments shipped, no replication run",
        "workers": f"{WORKERS} processes of 1 thread, spawned, this process's environment",
        "worker_environment": environment,
        "wave": wave,
        "repeats": repeats,
        "ms_per_task": {kind: _spread(v) for kind, v in per_task.items()},
        "round_trip_ms": {kind: _spread(v) for kind, v in round_trip.items()},
        "dask_extra_ms_per_task": _spread(extra),
        "tasks_per_experiment": {"replications": REFERENCE_REPLICATIONS, "workers": WORKERS,
                                 "tasks": wave},
        "dask_overhead_ms_per_replication": _spread(per_replication),
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }


# -- 3. start-up ------------------------------------------------------------------------------


def startup(times: int, verbose: bool = True) -> dict:
    """Seconds until 2 workers have answered a first task: a pool as run_experiment starts
    it (fork), the same spawned, and a LocalCluster with its client (up, then first
    tasks); alternating."""
    task = _task(_experiment(4))
    seconds: dict[str, list[float]] = {FORKED: [], POOL: [], DASK: []}
    cluster_up: list[float] = []
    kinds = list(seconds)
    with _dask_alike():
        for k in range(times):
            for kind in (kinds if k % 2 == 0 else kinds[::-1]):
                started = time.perf_counter()
                if kind == DASK:
                    cluster, client = _start_dask()
                    cluster_up.append(time.perf_counter() - started)
                    _first_tasks(client.get_executor(pure=False), task)
                    seconds[kind].append(time.perf_counter() - started)
                    client.close()
                    cluster.close()
                else:
                    context = None if kind == FORKED else multiprocessing.get_context("spawn")
                    pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=context)
                    _first_tasks(pool, task)
                    seconds[kind].append(time.perf_counter() - started)
                    pool.shutdown()
            if verbose:
                print("  start-up " + ", ".join(f"{kind} {values[-1]:.2f} s"
                                                for kind, values in seconds.items()),
                      flush=True)
    out = {kind: _spread(values) for kind, values in seconds.items()}
    out[DASK]["cluster_up_median"] = statistics.median(cluster_up)
    return out


def _same_on_dask(replications: int, reference: list) -> None:
    """The speed-up's experiment on a LocalCluster: the same figures."""
    from sim.experiments import run_experiment

    with _dask_alike():
        cluster, client = _start_dask()
        try:
            result = run_experiment(_experiment(replications),
                                    executor=client.get_executor(pure=False), workers=WORKERS)
        finally:
            client.close()
            cluster.close()
    if _figures(result) != reference:
        raise AssertionError("dask: other figures than the first run")


# -- all of it --------------------------------------------------------------------------------


def measure(replications: int = 1000, rounds: int = 2, verbose: bool = True,
            repeats: int | None = None, startups: int | None = None,
            quick: bool = False) -> dict:
    """Every figure of this benchmark (the section `experiments` of bench/results.json)."""
    mode = QUICK if quick else FULL
    repeats = repeats or mode["repeats"]
    startups = startups or mode["startups"]
    if verbose:
        print(f"speed-up: {replications:,} replications, 1 worker and 2, alternating:")
    gain, reference = speedup(replications, rounds, verbose)
    _same_on_dask(replications, reference)
    if verbose:
        print("what a task costs, pool and dask, warm, alternating:")
    overhead = task_overhead(repeats, verbose)
    if verbose:
        print("start-up, alternating:")
    started = startup(startups, verbose)
    return {
        "scenario": "softphone-cutover",
        "policy": "unprepared",
        "quick": quick,
        "speedup": gain,
        "speedup_2_over_1": gain["speedup_2_over_1"],
        "task_overhead": overhead,
        "dask_overhead_ms_per_replication": overhead["dask_overhead_ms_per_replication"][
            "median"],
        "startup_seconds": started,
        "same_figures_on_every_path": True,
        "cpus": os.cpu_count(),
        "targets": {"speedup_2_over_1": 1.8},
    }


def report(figures: dict) -> None:
    gain = figures["speedup"]
    n = gain["replications"]
    for kind, seconds in gain["median_seconds"].items():
        print(f"  {kind:<10} {seconds:7.2f} s for {n:,} replications "
              f"({gain['ms_per_replication'][kind]:.1f} ms each)")
    print(f"  speed-up, 2 workers over 1: {gain['speedup_2_over_1']:.2f}x (target >= 1.8)")
    o = figures["task_overhead"]

    def spread(s: dict, unit: str = "ms") -> str:
        return f"{s['median']:.2f} {unit} (10-90%: {s['p10']:.2f} to {s['p90']:.2f})"

    print(f"  a task, in waves of {o['wave']} ({o['repeats']} each):")
    for kind in (POOL, DASK):
        print(f"    {kind:<18} {spread(o['ms_per_task'][kind])}; one at a time "
              f"{spread(o['round_trip_ms'][kind])}")
    print(f"    dask's extra cost a task   {spread(o['dask_extra_ms_per_task'])}")
    print(f"  dask's overhead a replication ({o['wave']} tasks for "
          f"{o['tasks_per_experiment']['replications']:,} replications): "
          f"{spread(o['dask_overhead_ms_per_replication'])}")
    for kind, s in figures["startup_seconds"].items():
        print(f"  start-up, {kind:<22} {spread(s, 's')}")


def _record(figures: dict, quick: bool) -> None:
    """Into bench/results.json (as bench/run.py records: this section only). A quick run
    keeps the speed-up of the last full run, if there is one."""
    from run import RESULTS, record  # bench/run.py: each benchmark owns one section

    if quick:
        previous = (json.loads(RESULTS.read_text()) if RESULTS.exists() else {}).get(
            "experiments", {})
        full = previous.get("speedup") or _old_speedup(previous)
        if full and full.get("replications", 0) >= REFERENCE_REPLICATIONS:
            measured = full.get("measured") or previous.get("machine", {}).get("date")
            figures = {**figures, "quick_speedup": figures["speedup"],
                       "speedup": {**full, "measured": measured}}
            figures["speedup_2_over_1"] = full["speedup_2_over_1"]
    record("experiments", figures)
    print(f"recorded in {RESULTS} under 'experiments'")


def _old_speedup(previous: dict) -> dict | None:
    """The 1-over-2-workers figures of a section written before the speed-up had its own
    part (its dask figures were the difference of two wall times: left out)."""
    if "speedup_2_over_1" not in previous or "seconds" not in previous:
        return None
    kinds = ("1 worker", "2 workers")
    return {"replications": previous["replications"], "rounds": previous["rounds"],
            "seconds": {k: previous["seconds"][k] for k in kinds},
            "median_seconds": {k: previous["median_seconds"][k] for k in kinds},
            "ms_per_replication": {k: previous["ms_per_replication"][k] for k in kinds},
            "speedup_2_over_1": previous["speedup_2_over_1"], "target": 1.8,
            "load_average_after_each_run": {
                k: previous.get("load_average_after_each_run", {}).get(k) for k in kinds}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="60 replications and fewer repeats (about a minute)")
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None,
                        help="waves of tasks through each path")
    parser.add_argument("--record", action="store_true",
                        help="record the figures in bench/results.json (as bench/run.py does)")
    args = parser.parse_args()
    mode = QUICK if args.quick else FULL
    figures = measure(args.replications or mode["replications"], args.rounds or mode["rounds"],
                      repeats=args.repeats, quick=args.quick)
    report(figures)
    if args.record:
        _record(figures, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
