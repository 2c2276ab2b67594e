"""Self-check for the benchmark peers: run each once, print speed and mean wait.

Usage (from the repo root): ``.venv/bin/python bench/check_peers.py [--seed S]``

SimPy and Ciw run with n = 200,000 customers, salabim (far slower) with
n = 20,000. Speed is compared as customers per second, so the different n do
not matter for it.

The mean wait is shown against the exact Erlang C value, but one seed's mean
is noisy (sd ~3% at n = 200k, ~15% at n = 20k; see the peers module
docstring), so that deviation is printed, not asserted. What is asserted is
the deterministic cross-check: the peers draw the same random numbers for the
same seed and so simulate the same sample path, hence SimPy at salabim's n
must give salabim's mean wait to rounding. Exit status 1 if it does not.
"""

from __future__ import annotations

import argparse
import sys

from peers import run_ciw, run_salabim, run_simpy

ERLANG_C_MEAN_WAIT = 1.766204  # M/M/10, lambda 1.7/min, mean service 5 min
N_FAST = 200_000
N_SALABIM = 20_000


def _line(name: str, n: int, result: dict) -> str:
    rate = result["customers"] / result["seconds"]
    deviation = result["mean_wait_min"] / ERLANG_C_MEAN_WAIT - 1.0
    return (
        f"{name:<8} n={n:>7,}  customers={result['customers']:>7,}  "
        f"seconds={result['seconds']:7.2f}  customers/s={rate:>9,.0f}  "
        f"mean_wait={result['mean_wait_min']:.4f} min ({deviation:+.1%} vs Erlang C)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    seed = parser.parse_args().seed

    print(f"M/M/10, rho=0.85, seed={seed}; Erlang C mean wait {ERLANG_C_MEAN_WAIT} min")
    print(_line("simpy", N_FAST, run_simpy(N_FAST, seed)), flush=True)
    print(_line("ciw", N_FAST, run_ciw(N_FAST, seed)), flush=True)
    salabim = run_salabim(N_SALABIM, seed)
    print(_line("salabim", N_SALABIM, salabim), flush=True)

    # Same seed, same n: same sample path, so the means must match to rounding.
    simpy_small = run_simpy(N_SALABIM, seed)
    gap = abs(simpy_small["mean_wait_min"] - salabim["mean_wait_min"])
    ok = gap < 1e-9
    print(
        f"cross-check simpy vs salabim at n={N_SALABIM:,}: "
        f"{simpy_small['mean_wait_min']:.9f} vs {salabim['mean_wait_min']:.9f} "
        f"-> {'same path' if ok else 'MISMATCH'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
