"""Replications: the same scenario run with many seeds, summarised with confidence intervals.

One long run of a queue still varies by several per cent; a designer's question ("does a
briefed desk cut abandonment?") needs independent replications and a confidence interval.
Replication r of seed N uses the streams of `Streams(N, replication=r)`, so the numbers
depend only on (scenario, N, R) — never on how many workers ran them or in which order.

Replications run in parallel on all cores with `concurrent.futures` (a process pool; each
task carries a batch of replications, because a task costs ~0.3 ms to ship). Any
`concurrent.futures.Executor` can be passed in instead.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.decisions import DecisionPlan
from sim.engine import Simulation
from sim.scenario import Scenario


@dataclass(frozen=True)
class Estimate:
    """A key figure over replications: mean and the half-width of its 95% confidence
    interval (None with fewer than two values)."""

    mean: float | None
    ci95: float | None
    n: int

    def as_dict(self) -> dict[str, float | None]:
        return {"mean": self.mean, "ci95": self.ci95}


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom."""
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.975))


def estimate(values: Sequence[float | None]) -> Estimate:
    """Mean and 95% CI half-width of the defined values (None values are left out)."""
    data = np.array([v for v in values if v is not None], dtype=float)
    n = int(data.size)
    if n == 0:
        return Estimate(None, None, 0)
    mean = float(data.mean())
    if n < 2:
        return Estimate(mean, None, n)
    sd = float(data.std(ddof=1))
    return Estimate(mean, t_quantile_975(n - 1) * sd / math.sqrt(n), n)


@dataclass
class Replications:
    """The key figures of every replication, and their summary."""

    scenario_id: str
    seed: int
    per_replication: list[dict[str, float | None]]
    #: what `run_replications(keep=...)` kept of each run, in replication order (None when
    #: nothing was asked for)
    kept: list[Any] | None = None

    @property
    def replications(self) -> int:
        return len(self.per_replication)

    def kpi_names(self) -> list[str]:
        names: dict[str, None] = {}
        for kpis in self.per_replication:
            names.update(dict.fromkeys(kpis))
        return list(names)

    def values(self, name: str) -> list[float | None]:
        return [kpis.get(name) for kpis in self.per_replication]

    def summary(self) -> dict[str, Estimate]:
        return {name: estimate(self.values(name)) for name in self.kpi_names()}


def run_one(scenario: Scenario, seed: int, replication: int = 0,
            decisions: DecisionPlan | None = None) -> dict[str, float | None]:
    """The key figures of one replication."""
    return Simulation(scenario, seed=seed, replication=replication,
                      decisions=decisions).run().kpis()


def _run_batch(scenario: Scenario, seed: int, replications: list[int],
               decisions: DecisionPlan | None = None, keep: Callable | None = None
               ) -> list[tuple[int, dict[str, float | None], Any]]:
    out = []
    for r in replications:
        outcome = Simulation(scenario, seed=seed, replication=r, decisions=decisions).run()
        out.append((r, outcome.kpis(), keep(outcome) if keep else None))
    return out


def _batches(n: int, tasks: int) -> list[list[int]]:
    tasks = max(1, min(n, tasks))
    return [list(range(i, n, tasks)) for i in range(tasks)]


#: How many pieces a run in this process is cut into to report progress (stepping the
#: clock gives exactly the same run as one go).
PROGRESS_STEPS = 50


def run_replications(scenario: Scenario, seed: int = 0, replications: int = 10,
                     workers: int | None = None, executor: Executor | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     decisions: DecisionPlan | None = None,
                     keep: Callable[[Any], Any] | None = None) -> Replications:
    """Run `replications` replications of `scenario` from `seed`, with `decisions`.

    `workers`: processes to use (default: all cores; 1 runs in this process). `executor`:
    run on this executor instead (e.g. a dask.distributed client's). `progress(done, total)`
    is called as replications finish. `keep(outcome)`: something small to keep of each run
    beside its key figures (a module-level function, so that it reaches worker processes;
    never the outcome itself, whose event log is big), in `Replications.kept`.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    results: dict[int, dict[str, float | None]] = {}
    kept: dict[int, Any] = {}
    workers = workers or os.cpu_count() or 1
    if executor is None and (workers == 1 or replications == 1):
        for r in range(replications):
            sim = Simulation(scenario, seed=seed, replication=r, decisions=decisions)
            if progress:
                horizon = sim.horizon_min
                for step in range(1, PROGRESS_STEPS + 1):
                    sim.advance(horizon * step / PROGRESS_STEPS)
                    progress(r + step / PROGRESS_STEPS, replications)
            outcome = sim.run()
            results[r] = outcome.kpis()
            kept[r] = keep(outcome) if keep else None
    else:
        # batches big enough to pay for shipping, small and many enough to balance the
        # workers and move the progress bar in small steps
        batches = _batches(replications, max(4 * workers, PROGRESS_STEPS))
        own_pool = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=workers)
        try:
            futures = [pool.submit(_run_batch, scenario, seed, batch, decisions, keep)
                       for batch in batches]
            for future in as_completed(futures):
                for r, kpis, what in future.result():
                    results[r] = kpis
                    kept[r] = what
                if progress:
                    progress(len(results), replications)
        finally:
            if own_pool:
                pool.shutdown()
    order = range(replications)
    return Replications(scenario.id, seed, [results[r] for r in order],
                        [kept[r] for r in order] if keep else None)


# ---------------------------------------------------------------------------------------------
# Variants: the same scenario under different decisions, compared pair by pair
# ---------------------------------------------------------------------------------------------


@dataclass
class VariantComparison:
    """Several variants (decision plans) of one scenario over the same replications.

    Replication r of every variant uses the same seed, so the variants share every random
    draw their decisions do not cause (common random numbers): the difference between two
    variants is estimated replication by replication (paired), which needs far fewer
    replications than comparing two independent sets."""

    scenario_id: str
    seed: int
    variants: dict[str, Replications]

    @property
    def baseline(self) -> str:
        return next(iter(self.variants))

    def difference(self, variant: str, name: str) -> Estimate:
        """Mean and 95% CI of (variant - baseline) for one figure, paired."""
        base = self.variants[self.baseline].values(name)
        other = self.variants[variant].values(name)
        return estimate([None if a is None or b is None else b - a
                         for a, b in zip(base, other, strict=True)])

    def unpaired_difference(self, variant: str, name: str) -> Estimate:
        """The same difference as if the runs were independent (Welch): for comparison."""
        a = np.array([v for v in self.variants[self.baseline].values(name) if v is not None])
        b = np.array([v for v in self.variants[variant].values(name) if v is not None])
        if len(a) < 2 or len(b) < 2:
            return Estimate(None, None, 0)
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / ((va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) or 1e-300)
        return Estimate(float(b.mean() - a.mean()), t_quantile_975(max(1, int(df))) * se,
                        min(len(a), len(b)))


def compare_variants(scenario: Scenario, variants: dict[str, DecisionPlan], seed: int = 0,
                     replications: int = 10, workers: int | None = None,
                     executor: Executor | None = None,
                     progress: Callable[[float, float], None] | None = None,
                     keep: Callable[[Any], Any] | None = None) -> VariantComparison:
    """Run every variant with the same replications; the first is the baseline.
    `keep(outcome)`: something small to keep of each run, as for `run_replications`
    (each variant's `Replications.kept`)."""
    results = {}
    total = len(variants) * replications
    for i, (name, plan) in enumerate(variants.items()):
        def step(done, _total, offset=i * replications):
            if progress:
                progress(offset + done, total)
        results[name] = run_replications(scenario, seed, replications, workers, executor,
                                         progress=step, decisions=plan, keep=keep)
    return VariantComparison(scenario.id, seed, results)
