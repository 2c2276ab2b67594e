"""Random streams: one seed, split by name.

Every source of randomness in a run (the arrivals of each category, the intrinsic draws of
each category's contacts, ...) has its own stream, derived from the run's seed and the
stream's *name* with `numpy.random.SeedSequence`. Two runs that differ in one parameter
therefore share every draw that parameter does not touch (common random numbers), which is
what makes "what if I had added two agents?" an honest comparison.

Streams are also split by replication: replication `r` of seed `N` uses the same seed material
as `SeedSequence(N).spawn(...)[r]`, and replication 0 is the plain run with seed `N`.

Numbers are drawn in blocks (numpy is ~15x cheaper per number that way) and handed out one
by one; a block is refilled when used up. The order of numbers within a stream is fixed by
the seed alone, never by when they are consumed.
"""

from __future__ import annotations

import hashlib

import numpy as np

BLOCK = 1024


def name_key(name: str) -> tuple[int, ...]:
    """A stable tuple of 32-bit words for a stream name (Python's hash() is salted per
    process, so it cannot be used: the same name must give the same stream on every machine)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """The random streams of one run (one replication of one seed)."""

    def __init__(self, seed: int, replication: int = 0):
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.seed = int(seed)
        self.replication = int(replication)

    def generator(self, name: str) -> np.random.Generator:
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *name_key(name)))
        return np.random.Generator(np.random.PCG64(seq))

    def exponentials(self, name: str) -> UnitExponentials:
        return UnitExponentials(self.generator(name))

    def uniform_rows(self, name: str, width: int) -> UniformRows:
        return UniformRows(self.generator(name), width)

    def uniform_row_blocks(self, name: str, width: int) -> UniformRowBlocks:
        return UniformRowBlocks(self.generator(name), width)


class UnitExponentials:
    """Exponential numbers with mean 1, drawn in blocks: the gaps of a unit-rate Poisson
    process, which the arrival generators stretch by the rate in force."""

    __slots__ = ("_rng", "_block", "_next")

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._block: list[float] = []
        self._next = 0

    def draw(self) -> float:
        i = self._next
        if i >= len(self._block):
            self._block = self._rng.standard_exponential(BLOCK).tolist()
            i = 0
        self._next = i + 1
        return self._block[i]


class UniformRows:
    """Rows of `width` uniform numbers in [0, 1): one row per contact, holding every intrinsic
    draw of that contact (its department, channel, handle time, first-contact resolution, ...).

    Drawing the whole row when the contact is created, whether or not each number is needed
    later, keeps contact k's draws the same in two runs whatever else differs between them.
    """

    __slots__ = ("_rng", "_width", "_block", "_next")

    def __init__(self, rng: np.random.Generator, width: int):
        self._rng = rng
        self._width = width
        self._block: list[list[float]] = []
        self._next = 0

    def draw(self) -> list[float]:
        i = self._next
        if i >= len(self._block):
            self._block = self._rng.random((BLOCK, self._width)).tolist()
            i = 0
        self._next = i + 1
        return self._block[i]


class UniformRowBlocks:
    """Like `UniformRows`, but each row stays a numpy row until somebody needs it.

    For draws most contacts never use (a ticket's resolver stages: most contacts are resolved
    at first contact), turning every row into Python floats up front would cost more than
    the rest of the contact's life. The row is still *drawn* for every contact, so contact k
    gets row k whatever happens to the others.
    """

    __slots__ = ("_rng", "_width", "_block", "_next")

    def __init__(self, rng: np.random.Generator, width: int):
        self._rng = rng
        self._width = width
        self._block = np.zeros((0, width))
        self._next = 0

    def draw(self) -> tuple[np.ndarray, int]:
        """(block, row index): `block[index]` is this draw's row."""
        i = self._next
        if i >= len(self._block):
            self._block = self._rng.random((BLOCK, self._width))
            i = 0
        self._next = i + 1
        return self._block, i
