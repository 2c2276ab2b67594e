"""Time distributions, sampled by inverse transform from a uniform number.

Every time in the model (handle, resolve, patience, supplier response) is drawn as
`sampler.sample(u)` from a uniform `u` that was drawn when the contact was created. Because
the transform is monotone, a lever that changes a distribution's parameters mid-run (say,
handle time x 0.6 after a briefing) still maps contact k to "the same luck": a contact that
was slow stays relatively slow. That keeps two runs comparable draw by draw.

Samplers are the live, mutable counterpart of the immutable distribution models in
`sim.scenario`; `update()` is how a lever changes one.
"""

from __future__ import annotations

import math
from _statistics import _normal_dist_inv_cdf  # the C routine behind statistics.NormalDist

from scipy.special import gammaincinv

from sim import scenario as model

#: The smallest uniform used, so that quantile functions with a pole at 0 stay finite.
_TINY = 1e-16


class Sampler:
    """A distribution in force now. Subclasses define `sample(u)` and `mean`."""

    kind = ""
    __slots__ = ()

    def sample(self, u: float) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def parameters(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.PARAMS}

    def update(self, **params: float) -> None:
        """Change parameters (a lever); derived constants are recomputed."""
        unknown = [name for name in params if name not in self.PARAMS]
        if unknown:  # refuse before changing anything: all of the update or none of it
            raise KeyError(f"a {self.kind} distribution has no parameter {unknown[0]!r}")
        for name, value in params.items():
            setattr(self, name, float(value))
        self._derive()

    def _derive(self) -> None:
        pass

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:g}" for k, v in self.parameters().items())
        return f"{self.kind}({inner})"


class ExponentialSampler(Sampler):
    kind = "exponential"
    PARAMS = ("mean",)
    __slots__ = ("mean",)

    def __init__(self, mean: float):
        self.mean = mean

    def sample(self, u: float) -> float:
        return -self.mean * math.log(1.0 - u)


class LognormalSampler(Sampler):
    kind = "lognormal"
    PARAMS = ("mean", "sd")
    __slots__ = ("mean", "sd", "_mu", "_sigma")

    def __init__(self, mean: float, sd: float):
        self.mean, self.sd = mean, sd
        self._derive()

    def _derive(self) -> None:
        # Parameters of the underlying normal from the mean and sd of the times themselves.
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        self._sigma = math.sqrt(sigma2)
        self._mu = math.log(self.mean) - sigma2 / 2.0

    def sample(self, u: float) -> float:
        return math.exp(_normal_dist_inv_cdf(u if u > _TINY else _TINY, self._mu, self._sigma))


class GammaSampler(Sampler):
    kind = "gamma"
    PARAMS = ("mean", "sd")
    __slots__ = ("mean", "sd", "_shape", "_scale")

    def __init__(self, mean: float, sd: float):
        self.mean, self.sd = mean, sd
        self._derive()

    def _derive(self) -> None:
        self._shape = (self.mean / self.sd) ** 2
        self._scale = self.sd * self.sd / self.mean

    def sample(self, u: float) -> float:
        return float(gammaincinv(self._shape, u)) * self._scale


class TriangularSampler(Sampler):
    kind = "triangular"
    PARAMS = ("min", "mode", "max")
    __slots__ = ("min", "mode", "max", "_cut")

    def __init__(self, min: float, mode: float, max: float):  # noqa: A002 - the file's words
        self.min, self.mode, self.max = min, mode, max
        self._derive()

    def _derive(self) -> None:
        self._cut = (self.mode - self.min) / (self.max - self.min)

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3.0

    def sample(self, u: float) -> float:
        a, c, b = self.min, self.mode, self.max
        if u < self._cut:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1.0 - u) * (b - a) * (b - c))


class UniformSampler(Sampler):
    kind = "uniform"
    PARAMS = ("min", "max")
    __slots__ = ("min", "max")

    def __init__(self, min: float, max: float):  # noqa: A002
        self.min, self.max = min, max

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2.0

    def sample(self, u: float) -> float:
        return self.min + (self.max - self.min) * u


class DeterministicSampler(Sampler):
    kind = "deterministic"
    PARAMS = ("value",)
    __slots__ = ("value",)

    def __init__(self, value: float):
        self.value = value

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, u: float) -> float:
        return self.value


class EmpiricalSampler(Sampler):
    kind = "empirical"
    PARAMS = ()
    __slots__ = ("values",)

    def __init__(self, values: list[float]):
        self.values = [float(v) for v in values]

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)

    def parameters(self) -> dict[str, float]:
        return {"n": len(self.values), "mean": self.mean}

    def sample(self, u: float) -> float:
        return self.values[int(u * len(self.values))]


def make_sampler(dist: model.Exponential | model.Lognormal | model.Gamma | model.Triangular
                 | model.Uniform | model.Deterministic | model.Empirical) -> Sampler:
    """The live sampler for a distribution declared in a scenario."""
    if isinstance(dist, model.Exponential):
        return ExponentialSampler(dist.mean)
    if isinstance(dist, model.Lognormal):
        return LognormalSampler(dist.mean, dist.sd)
    if isinstance(dist, model.Gamma):
        return GammaSampler(dist.mean, dist.sd)
    if isinstance(dist, model.Triangular):
        return TriangularSampler(dist.min, dist.mode, dist.max)
    if isinstance(dist, model.Uniform):
        return UniformSampler(dist.min, dist.max)
    if isinstance(dist, model.Deterministic):
        return DeterministicSampler(dist.value)
    if isinstance(dist, model.Empirical):
        return EmpiricalSampler(dist.values)
    raise TypeError(f"not a distribution: {dist!r}")
