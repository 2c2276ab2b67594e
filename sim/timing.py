"""Small building blocks shared by the engine's modules: the timed callback they schedule,
and how a share of a mix is picked from a uniform number. Kept apart so that every module
can import them at load time (the engine, the arrival sources and the story all schedule
callbacks; importing them from the engine would be circular)."""

from __future__ import annotations

from heapq import heappush

import simpy
from simpy.events import NORMAL, Timeout


class Call(Timeout):
    """A SimPy timeout that calls `callback` with itself when it fires.

    The same as `Timeout(env, delay, value)` followed by `.callbacks.append(callback)`, in one
    step, and pushed onto the environment's event queue the way `Environment.schedule` does
    it (same key: time, priority, event id), without the extra method call. The engine creates
    two of these per contact, so the saving shows; `tests/test_engine.py` checks that the
    queue layout this relies on is still SimPy's.
    """

    def __init__(self, env: simpy.Environment, delay: float, value, callback):
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._delay = delay
        self._ok = True
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))


def cumulative(shares: list[float]) -> list[float]:
    """Running totals of shares, the last forced to 1 so that any u < 1 finds a slot."""
    out, total = [], 0.0
    for s in shares:
        total += s
        out.append(total)
    if out:
        out[-1] = 1.0
    return out


def pick(table: list[float], u: float) -> int:
    """The slot of a cumulative table that the uniform number u falls in."""
    for i, edge in enumerate(table):
        if u < edge:
            return i
    return len(table) - 1
