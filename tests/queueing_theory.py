"""Exact queueing results the engine is checked against.

- Erlang C: M/M/c, the probability of waiting and the mean wait in queue.
- Jackson networks: a tier-1 M/M/c whose unresolved share goes on to a tier-2 M/M/c is a
  product-form network; departures from an M/M/c are Poisson (Burke), so each tier is an
  M/M/c of its own with the thinned arrival rate.
- Cobham (1954): M/M/c with non-preemptive priority classes and a common service rate; the
  mean wait of class k is W0 / ((1 - s_{k-1}) (1 - s_k)), where W0 = C(c, a) / (c mu) is the
  mean residual time until a server frees up and s_k the load of classes 1..k.
"""

from __future__ import annotations

import math


def erlang_c(agents: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C)."""
    c, a = agents, offered_load
    if a >= c:
        return 1.0
    term, total = 1.0, 1.0  # a^k / k! summed for k < c, computed iteratively for stability
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c * c / (c - a)  # a^c / c! * c / (c - a)
    return top / (total + top)


def mmc_mean_wait(arrival_rate: float, mean_handle: float, agents: int) -> float:
    """Mean wait in queue of an M/M/c queue."""
    a = arrival_rate * mean_handle
    mu = 1.0 / mean_handle
    return erlang_c(agents, a) / (agents * mu - arrival_rate)


def cobham_waits(arrival_rates: list[float], mean_handle: float, agents: int) -> list[float]:
    """Mean wait in queue of each priority class (highest priority first) in M/M/c with
    non-preemptive priorities and one service rate for all classes."""
    mu = 1.0 / mean_handle
    total = sum(arrival_rates)
    w0 = erlang_c(agents, total * mean_handle) / (agents * mu)
    waits, load_before = [], 0.0
    for rate in arrival_rates:
        load_now = load_before + rate / (agents * mu)
        waits.append(w0 / ((1 - load_before) * (1 - load_now)))
        load_before = load_now
    return waits




def erlang_a(arrival_rate: float, mean_handle: float, agents: int, mean_patience: float,
             states: int = 4000) -> dict[str, float]:
    """M/M/c+M (Erlang A) from its birth-death chain: arrivals at rate lambda, service at
    min(n, c) mu, abandonment at max(n - c, 0) theta, truncated far out in the tail.

    Returns p_wait (PASTA: the share of arrivals who find all agents busy), mean_wait_min
    over all arrivals and p_abandon (Little's law on the queue), utilisation."""
    lam, mu, theta = arrival_rate, 1.0 / mean_handle, 1.0 / mean_patience
    weights = [1.0]
    for n in range(1, states):
        weights.append(weights[-1] * lam / (min(n, agents) * mu + max(n - agents, 0) * theta))
    total = math.fsum(weights)
    p = [w / total for w in weights]
    queue = math.fsum((n - agents) * p[n] for n in range(agents + 1, states))
    busy = math.fsum(min(n, agents) * p[n] for n in range(states))
    return {
        "p_wait": math.fsum(p[agents:]),
        "mean_wait_min": queue / lam,
        "p_abandon": theta * queue / lam,
        "utilisation": busy / agents,
    }
