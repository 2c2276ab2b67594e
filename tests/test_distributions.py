"""The time distributions of `sim.distributions`, as a scenario designer relies on them.

Every time in the model is drawn as `make_sampler(model).sample(u)` from one uniform `u`. These
tests check that:

- each sampler reproduces the mean (and, where the kind has one, the standard deviation) the
  scenario file declares, over a fine grid of uniforms and over 200,000 numpy uniforms;
- samples stay inside their bounds (triangular and uniform between min and max, empirical
  only values from the list);
- `sample` never decreases as `u` grows, which is what gives common random numbers: a lever
  that changes a distribution keeps a slow contact slow;
- `update()` (how a lever acts) changes the mean, and refuses parameters a kind lacks;
- `sim.scenario.distribution_mean`, used by reports and capacity estimates, agrees with the
  sampler;
- lognormal and gamma samples are finite and positive for any realistic (mean, sd).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.distributions import (
    DeterministicSampler,
    EmpiricalSampler,
    ExponentialSampler,
    GammaSampler,
    LognormalSampler,
    TriangularSampler,
    UniformSampler,
    make_sampler,
)
from sim.scenario import (
    MAX_SPREAD,
    MAX_TIME_MIN,
    Deterministic,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
    distribution_mean,
)

# Midpoints of 200,000 equal slices of (0, 1): sampling the quantile function there is a
# quadrature of the distribution, so the mean and sd come out within ~0.05% with no luck
# involved. (A sampler with a wrong formula misses by far more than the tolerances below.)
N_GRID = 200_000
GRID = (np.arange(N_GRID) + 0.5) / N_GRID
MEAN_RTOL = 1e-3
SD_RTOL = 5e-3

# The smallest and largest uniform numpy's Generator.random() can return (multiples of 2**-53):
# the engine never hands a sampler anything outside [U_MIN, U_MAX].
U_MIN, U_MAX = 2.0**-53, 1.0 - 2.0**-53

# (model, exact mean, exact sd or None when the kind is not given by an sd)
CASES = {
    "exponential": (Exponential(dist="exponential", mean=5.0), 5.0, 5.0),
    "lognormal": (Lognormal(dist="lognormal", mean=9.0, sd=6.0), 9.0, 6.0),
    "lognormal-heavy": (Lognormal(dist="lognormal", mean=240.0, sd=200.0), 240.0, 200.0),
    "gamma": (Gamma(dist="gamma", mean=12.0, sd=8.0), 12.0, 8.0),
    # shape (mean/sd)^2 = 0.25 < 1: a density with a pole at zero
    "gamma-skewed": (Gamma(dist="gamma", mean=5.0, sd=10.0), 5.0, 10.0),
    "triangular": (Triangular(dist="triangular", min=60, mode=240, max=480), 260.0, None),
    "triangular-mode-at-min": (Triangular(dist="triangular", min=0, mode=0, max=10),
                               10 / 3, None),
    "triangular-mode-at-max": (Triangular(dist="triangular", min=2, mode=8, max=8), 6.0, None),
    "uniform": (Uniform(dist="uniform", min=2, max=7), 4.5, None),
    "deterministic": (Deterministic(dist="deterministic", value=4.0), 4.0, None),
    "empirical": (Empirical(dist="empirical", values=[1, 2, 2, 5, 10]), 4.0, None),
}


def on_grid(sampler) -> np.ndarray:
    return np.array([sampler.sample(u) for u in GRID])


@functools.cache
def grid_of(name: str) -> np.ndarray:
    """The grid samples of a fresh sampler of case `name` (computed once: gamma is slow)."""
    return on_grid(make_sampler(CASES[name][0]))


@pytest.mark.parametrize("name", list(CASES))
def test_sampler_mean_matches_the_declared_mean_over_a_fine_grid(name):
    mean = CASES[name][1]
    samples = grid_of(name)
    assert samples.mean() == pytest.approx(mean, rel=MEAN_RTOL)


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[2] is not None])
def test_sampler_sd_matches_the_declared_sd_over_a_fine_grid(name):
    sd = CASES[name][2]
    samples = grid_of(name)
    assert samples.std() == pytest.approx(sd, rel=SD_RTOL)


@pytest.mark.parametrize("name", ["exponential", "lognormal", "gamma", "triangular", "uniform"])
def test_sampler_mean_and_sd_match_over_random_uniforms(name):
    """The same with the kind of uniforms the engine draws: 200,000 from numpy. The sample
    mean must lie within 4 standard errors (a wrong formula misses by far more)."""
    model, mean, sd = CASES[name]
    sampler = make_sampler(model)
    u = np.random.default_rng(20260302).random(200_000)
    samples = np.array([sampler.sample(x) for x in u])
    standard_error = samples.std() / math.sqrt(samples.size)
    assert abs(samples.mean() - mean) < 4 * standard_error
    if sd is not None:
        assert samples.std() == pytest.approx(sd, rel=0.02)


@pytest.mark.parametrize("name", list(CASES))
def test_sample_never_decreases_as_u_grows(name):
    """Monotone in u: the contact with the larger uniform always gets the longer time, which
    keeps two runs comparable draw by draw (common random numbers)."""
    samples = grid_of(name)
    assert np.all(np.diff(samples) >= 0)
    # ... and also at the extreme uniforms the engine can draw
    sampler = make_sampler(CASES[name][0])
    assert sampler.sample(U_MIN) <= samples[0] and samples[-1] <= sampler.sample(U_MAX)


@pytest.mark.parametrize("name", ["triangular", "triangular-mode-at-min",
                                  "triangular-mode-at-max", "uniform"])
def test_bounded_samplers_stay_between_min_and_max(name):
    model = CASES[name][0]
    sampler = make_sampler(model)
    samples = np.concatenate([grid_of(name), [sampler.sample(0.0), sampler.sample(U_MAX)]])
    assert samples.min() >= model.min and samples.max() <= model.max
    # the whole range is used, not just part of it
    assert samples.min() == pytest.approx(model.min, abs=1e-3 * (model.max - model.min))
    assert samples.max() == pytest.approx(model.max, abs=1e-2 * (model.max - model.min))


def test_triangular_is_most_likely_near_its_mode():
    counts, edges = np.histogram(grid_of("triangular"), bins=42, range=(60, 480))
    peak = edges[np.argmax(counts)]
    assert 230 <= peak <= 250


def test_empirical_draws_only_listed_values_in_their_proportions():
    values = [1, 2, 2, 5, 10]
    sampler = make_sampler(Empirical(dist="empirical", values=values))
    samples = np.concatenate([on_grid(sampler), [sampler.sample(0.0), sampler.sample(U_MAX)]])
    assert set(samples.tolist()) == {1.0, 2.0, 5.0, 10.0}
    # each listed value is equally likely, so a repeated one comes up twice as often
    assert np.mean(samples == 2.0) == pytest.approx(2 / 5, abs=1e-4)
    assert np.mean(samples == 10.0) == pytest.approx(1 / 5, abs=1e-4)


def test_empirical_with_many_values_never_indexes_past_the_end():
    # 100,000 values is the largest list the format accepts
    values = list(range(1, 100_001))
    sampler = make_sampler(Empirical(dist="empirical", values=values))
    assert sampler.sample(U_MAX) == 100_000
    assert sampler.sample(0.0) == 1


def test_deterministic_always_gives_its_value():
    sampler = make_sampler(Deterministic(dist="deterministic", value=4.0))
    assert {sampler.sample(u) for u in (0.0, 0.3, U_MAX)} == {4.0}


@pytest.mark.parametrize("name", list(CASES))
def test_distribution_mean_agrees_with_the_sampler(name):
    model, mean, _ = CASES[name]
    sampler = make_sampler(model)
    assert distribution_mean(model) == pytest.approx(sampler.mean, rel=1e-12)
    assert distribution_mean(model) == pytest.approx(mean, rel=1e-12)


def test_make_sampler_gives_the_sampler_of_each_kind():
    expected = {
        "exponential": ExponentialSampler, "lognormal": LognormalSampler, "gamma": GammaSampler,
        "triangular": TriangularSampler, "uniform": UniformSampler,
        "deterministic": DeterministicSampler, "empirical": EmpiricalSampler,
    }
    for name, (model, _, _) in CASES.items():
        sampler = make_sampler(model)
        assert isinstance(sampler, expected[model.dist]), name
        assert sampler.kind == model.dist
    with pytest.raises(TypeError):
        make_sampler({"dist": "exponential", "mean": 5})


# -- levers: update() ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exponential", "lognormal", "gamma"])
def test_update_mean_changes_the_mean_of_the_samples(name):
    model, _, sd = CASES[name]
    sampler = make_sampler(model)
    sampler.update(mean=20.0)
    assert sampler.mean == 20.0
    samples = on_grid(sampler)
    assert samples.mean() == pytest.approx(20.0, rel=MEAN_RTOL)
    if name != "exponential":
        # the sd the file declared is kept: only the mean was changed
        assert samples.std() == pytest.approx(sd, rel=SD_RTOL)


def test_update_of_bounds_and_value_moves_the_mean():
    uniform = make_sampler(CASES["uniform"][0])
    uniform.update(max=11)
    assert on_grid(uniform).mean() == pytest.approx(6.5, rel=MEAN_RTOL)
    triangular = make_sampler(CASES["triangular"][0])
    triangular.update(mode=60)
    assert triangular.mean == pytest.approx(200.0)
    assert on_grid(triangular).mean() == pytest.approx(200.0, rel=MEAN_RTOL)
    deterministic = make_sampler(CASES["deterministic"][0])
    deterministic.update(value=2.5)
    assert deterministic.sample(0.7) == 2.5


@pytest.mark.parametrize("name", ["lognormal", "gamma"])
def test_scaling_mean_and_sd_scales_every_draw_by_the_same_factor(name):
    """A briefing that makes handling 40% faster (mean and sd x 0.6) makes each contact's
    time 0.6 of what it would have been: same luck, shorter call."""
    model = CASES[name][0]
    sampler = make_sampler(model)
    before = grid_of(name)[::997]
    sampler.update(mean=model.mean * 0.6, sd=model.sd * 0.6)
    after = on_grid(sampler)[::997]
    np.testing.assert_allclose(after, 0.6 * before, rtol=1e-9)


@pytest.mark.parametrize(("name", "bad"), [
    ("exponential", "sd"), ("lognormal", "shape"), ("gamma", "min"), ("triangular", "mean"),
    ("uniform", "mode"), ("deterministic", "mean"), ("empirical", "mean"),
])
def test_update_with_a_parameter_the_kind_does_not_have_raises_key_error(name, bad):
    sampler = make_sampler(CASES[name][0])
    with pytest.raises(KeyError, match=bad):
        sampler.update(**{bad: 3.0})


def test_a_refused_update_leaves_the_sampler_as_it_was():
    sampler = make_sampler(Lognormal(dist="lognormal", mean=10.0, sd=5.0))
    median_before = sampler.sample(0.5)
    with pytest.raises(KeyError):
        sampler.update(mean=20.0, shape=3.0)
    # either the whole update applies or none of it: mean and samples must agree
    assert sampler.mean == 10.0
    assert sampler.sample(0.5) == median_before


# -- lognormal and gamma for any realistic parameters -------------------------------------------

positive_kind = st.sampled_from(["lognormal", "gamma"])
means = st.floats(min_value=1e-3, max_value=MAX_TIME_MIN)
# coefficient of variation sd/mean: up to 4 (real handle and resolution times sit below ~3)
cvs = st.floats(min_value=1e-3, max_value=4.0)
uniforms = st.floats(min_value=U_MIN, max_value=U_MAX)


@settings(max_examples=300, deadline=None)
@given(kind=positive_kind, mean=means, cv=cvs, u=uniforms)
def test_lognormal_and_gamma_samples_are_finite_and_positive(kind, mean, cv, u):
    sd = min(mean * cv, MAX_TIME_MIN)
    model = (Lognormal if kind == "lognormal" else Gamma)(dist=kind, mean=mean, sd=sd)
    value = make_sampler(model).sample(u)
    assert math.isfinite(value)
    assert value > 0


@pytest.mark.parametrize("kind", ["lognormal", "gamma"])
def test_the_format_refuses_spreads_no_time_distribution_has(kind):
    """sd more than MAX_SPREAD times the mean: refused when the file loads (before, such a
    file overflowed inside the sampler)."""
    model = Lognormal if kind == "lognormal" else Gamma
    with pytest.raises(ValidationError, match="not a realistic time"):
        model(dist=kind, mean=1e-200, sd=1.0)
    with pytest.raises(ValidationError, match="not a realistic time"):
        model(dist=kind, mean=1.0, sd=MAX_SPREAD * 1.01)


@pytest.mark.parametrize("kind", ["lognormal", "gamma"])
@pytest.mark.parametrize("mean", [1e-300, 1e-6, 1.0, MAX_TIME_MIN / MAX_SPREAD])
@pytest.mark.parametrize("u", [U_MIN, 0.5, U_MAX])
def test_samplers_cope_with_the_widest_spread_the_format_accepts(kind, mean, u):
    model = (Lognormal if kind == "lognormal" else Gamma)(dist=kind, mean=mean,
                                                         sd=MAX_SPREAD * mean)
    value = make_sampler(model).sample(u)
    assert math.isfinite(value) and value >= 0
