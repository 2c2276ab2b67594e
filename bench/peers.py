"""Peer models for the engine benchmark: the same M/M/10 queue in three other engines.

The benchmark model, everywhere: Poisson arrivals at 1.7 per minute, exponential
service with mean 5 minutes, 10 servers (rho = 0.85), one FIFO queue, no
abandonment. Exact Erlang C values: mean wait in queue 1.766204 min,
P(wait) 0.529861.

Each peer is ``run_X(n_customers, seed) -> dict`` with keys

* ``customers``     -- customers whose wait is in the mean (see each peer),
* ``mean_wait_min`` -- their mean wait in queue, minutes,
* ``seconds``       -- wall time of the simulation itself.

The peers
---------
``run_simpy``
    Bare SimPy in the textbook idiom: a source process that sleeps one
    inter-arrival time and starts one process per customer; the customer does
    ``with res.request() as req: yield req`` on a ``simpy.Resource(capacity=10)``
    and then ``yield env.timeout(service)``. This is the floor any SimPy-based
    engine (ours included) pays per customer, so it is the yardstick for how
    much our own machinery costs on top.
``run_ciw``
    Ciw 3.x, a queueing-network library with its own event loop (no SimPy):
    one node, 10 servers, ``simulate_until_max_time(n / 1.7)`` so that about
    ``n`` customers arrive; the mean is over Ciw's completed service records.
``run_salabim``
    salabim, a process-interaction DES library with its own event loop: one
    ``sim.Component`` per customer doing request / hold / release on a
    ``sim.Resource(capacity=10)``, fed by a generator component. Trace and
    animation are off (its defaults); it prints nothing on import or run.

Why the comparison is fair
--------------------------
* Same work. Every peer simulates every customer through the event loop of its
  engine, with the engine's own resource/queue object doing the FIFO
  bookkeeping; nobody shortcuts with a Lindley recursion or vectorised maths.
* Same random numbers, drawn the same way. All three draw their inter-arrival
  and service times as blocks from numpy ``Generator``s, one stream for
  arrivals and one for service, both spawned from ``SeedSequence(seed)``, and
  hand them to the engine as Python floats. Block drawing keeps the RNG out of
  the per-event cost for every peer alike (numpy draws and converts 200k
  exponentials in ~7 ms, against seconds of simulation). Because numpy fills a block
  sequentially, a longer block starts with the same values as a shorter one,
  and in a FIFO queue customer k starts service k-th, so customer k gets
  inter-arrival k and service k in every engine: for one seed the three peers
  simulate the *same sample path*. That is a strong cross-check: the mean
  waits of SimPy and salabim at equal n agree to rounding, and Ciw's
  per-customer waits equal SimPy's exactly (checked by id at n = 20k); its
  mean differs only because it covers a slightly different set of customers
  (those that arrived and finished before ``n / 1.7``).
* Same timing boundary. ``seconds`` covers everything done per customer: the
  block draws, anything built from them, the run, and reading the waits back
  out to a mean. It excludes imports and the fixed, per-model construction
  (environment, resource, ``ciw.create_network``) that costs the same for 10
  customers as for a million.

Per-peer notes (measured on the 2-core dev machine; re-run
``bench/check_peers.py`` to reproduce the headline numbers):

* Ciw's native ``ciw.dists.Exponential`` draws one value at a time from the
  stdlib ``random`` module. To block-draw we use Ciw's own
  ``ciw.dists.Sequential`` with the pre-drawn list. ``ciw.Simulation``
  deep-copies each distribution, so with ``Sequential`` its construction is
  per-customer work (copying the lists, ~0.1 s at n = 200k) and is timed.
  Three runs each at n = 200k: native 48-55k customers/s, ``Sequential``
  49-50k/s, so the choice neither flatters nor handicaps Ciw beyond noise.
* Ciw pre-samples the next arrival, and how many customers arrive before
  ``n / 1.7`` is random, so its blocks carry slack (10 standard deviations of
  the Poisson count) so that ``Sequential`` never cycles back to the start.
* salabim's default ("yieldless") mode needs ``greenlet``, which salabim does
  not declare as a dependency and our ``bench`` extra does not install, so on
  a fresh ``pip install -e '.[bench]'`` the default mode raises
  ``ModuleNotFoundError``. We pin salabim's classic ``yield`` mode, which
  needs nothing extra and is the same generator idiom SimPy uses. It is also
  the faster mode (n = 20k: yield ~4.5k customers/s, yieldless with greenlet
  ~3.9k/s), so pinning it does not handicap salabim.
* salabim is the slowest peer by far, so the benchmark runs it with a smaller
  ``n`` and compares customers per second; it works for any ``n``.

Statistical noise, so a single run is not misread: the model starts empty and
the waits are strongly autocorrelated at rho = 0.85. Over seeds 0-11 at
n = 200k the SimPy mean wait was 1.764 +- 0.057 (sd, ~3%; seed 1 gave 1.926,
+9%); over seeds 0-39 at n = 20k it was 1.690 +- 0.255 (sd ~15%, and ~4% low
from the empty start), so about a third of seeds at n = 20k land outside
+-15% of 1.766. Agreement with Erlang C is a check of the model; agreement
between the peers on the same seed is the check of the peers.
"""

from __future__ import annotations

import math
import time

import numpy as np

# The benchmark model: M/M/10, rho = 0.85. Rates are per minute.
ARRIVAL_RATE = 1.7
MEAN_SERVICE = 5.0
SERVERS = 10


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """One numpy Generator for inter-arrival times and one for service times.

    Separate streams (rather than one stream, arrivals then services) make a
    block's prefix independent of the block size, so a peer that needs slack
    (Ciw) still gives customer k the same two numbers as the others.
    """
    arrivals, services = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(arrivals), np.random.default_rng(services)


def _draw(seed: int, size: int) -> tuple[list[float], list[float]]:
    """Block-draw ``size`` inter-arrival and ``size`` service times.

    ``tolist()`` hands the engines plain Python floats: numpy scalars are
    slower in the engines' pure-Python clock arithmetic, which would measure
    numpy rather than the engine.
    """
    rng_arrival, rng_service = _streams(seed)
    inter = rng_arrival.exponential(1.0 / ARRIVAL_RATE, size=size).tolist()
    service = rng_service.exponential(MEAN_SERVICE, size=size).tolist()
    return inter, service


def _check_n(n_customers: int) -> None:
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}")


# --------------------------------------------------------------------------- SimPy


def run_simpy(n_customers: int, seed: int) -> dict:
    """M/M/10 in bare SimPy: one process per customer on a ``simpy.Resource``.

    All ``n_customers`` arrive and are served (the run goes until the event
    queue is empty), so every one of them is in the mean.
    """
    import simpy

    _check_n(n_customers)

    def customer(env, res, service, waits):
        arrived = env.now
        with res.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source(env, res, inter, service, waits):
        for gap, work in zip(inter, service, strict=True):
            yield env.timeout(gap)
            env.process(customer(env, res, work, waits))

    # Fixed construction, the same for any n: not timed.
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=SERVERS)
    waits: list[float] = []

    start = time.perf_counter()
    inter, service = _draw(seed, n_customers)
    env.process(source(env, res, inter, service, waits))
    env.run()
    mean_wait = math.fsum(waits) / len(waits)
    seconds = time.perf_counter() - start

    return {"customers": len(waits), "mean_wait_min": mean_wait, "seconds": seconds}


# --------------------------------------------------------------------------- Ciw


def run_ciw(n_customers: int, seed: int) -> dict:
    """M/M/10 in Ciw 3.x, run for ``n_customers / 1.7`` minutes.

    About ``n_customers`` arrive (Poisson, so +- its square root); the mean,
    and ``customers``, cover Ciw's completed service records, i.e. those who
    arrived and finished service before the horizon.
    """
    import ciw

    _check_n(n_customers)
    horizon = n_customers / ARRIVAL_RATE
    # Slack of 10 Poisson standard deviations, plus a floor for tiny n, so
    # ``Sequential`` never runs out and cycles back to the first value.
    size = n_customers + 10 * math.isqrt(n_customers) + 100

    start = time.perf_counter()
    inter, service = _draw(seed, size)
    # Built per run because the distributions hold this run's numbers; the
    # network itself is a handful of small objects.
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Sequential(inter)],
        service_distributions=[ciw.dists.Sequential(service)],
        number_of_servers=[SERVERS],
    )
    # Ciw breaks ties between simultaneous events with its own random streams;
    # seed them so the run is deterministic though no time is drawn from them.
    ciw.seed(seed)
    # Timed: Simulation deep-copies the two Sequential lists (per-customer work).
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon)
    records = sim.get_all_records()
    # A tiny n can end before anyone finishes service: report NaN, not a crash.
    mean_wait = math.fsum(r.waiting_time for r in records) / len(records) if records else math.nan
    seconds = time.perf_counter() - start

    return {"customers": len(records), "mean_wait_min": mean_wait, "seconds": seconds}


# --------------------------------------------------------------------------- salabim


def run_salabim(n_customers: int, seed: int) -> dict:
    """M/M/10 in salabim: one Component per customer on a ``sim.Resource``.

    All ``n_customers`` arrive and are served, so every one is in the mean.
    It runs in salabim's classic yield mode; see the module docstring for why that, not
    salabim's own default, is used.
    """
    import salabim as sim

    _check_n(n_customers)

    class Customer(sim.Component):
        def setup(self, res, service, waits):
            self.res, self.service, self.waits = res, service, waits

        def process(self):
            arrived = self.env.now()
            yield self.request(self.res)
            self.waits.append(self.env.now() - arrived)
            yield self.hold(self.service)
            self.release()

    class Source(sim.Component):
        def setup(self, res, inter, service, waits):
            self.res, self.inter, self.service, self.waits = res, inter, service, waits

        def process(self):
            for gap, work in zip(self.inter, self.service, strict=True):
                yield self.hold(gap)
                Customer(res=self.res, service=work, waits=self.waits)

    # Fixed construction, not timed. trace=False and no animation are salabim's
    # defaults, spelled out. random_seed makes any internal use of ``random``
    # reproducible; set_numpy_random_seed=False leaves numpy's legacy global
    # state alone (we use our own Generators).
    env = sim.Environment(
        trace=False,
        random_seed=seed,
        set_numpy_random_seed=False,
        yieldless=False,
    )
    res = sim.Resource("servers", capacity=SERVERS)
    waits: list[float] = []

    start = time.perf_counter()
    inter, service = _draw(seed, n_customers)
    Source(res=res, inter=inter, service=service, waits=waits)
    env.run()
    mean_wait = math.fsum(waits) / len(waits)
    seconds = time.perf_counter() - start

    return {"customers": len(waits), "mean_wait_min": mean_wait, "seconds": seconds}
