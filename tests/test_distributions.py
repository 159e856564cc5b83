"""The one typed distribution family (chansim.config.distributions).

1. ``mean`` and ``variance`` of every member agree with a large sample of ``sample`` (several seeds).
2. ``sample(rng)`` gives one float, ``sample(rng, n)`` an array of n, and both draw as the array does.
3. No module outside the family dispatches on a family class or samples a spec by hand: an AST
   check over the package, plus an allowlist of the raw numpy draws that remain (randomness
   that no distribution spec configures, e.g. Poisson event counts from a rate).
"""

from __future__ import annotations

import ast
import math
import pathlib
import typing

import numpy as np
import pytest
from pydantic import TypeAdapter

import chansim
from chansim.config import distributions as dists
from chansim.config.distributions import (
    Beta,
    CapabilityDistribution,
    Deterministic,
    DeterministicDays,
    Distribution,
    DistributionSpec,
    Empirical,
    Exponential,
    ExponentialDays,
    Fixed,
    NegativeBinomial,
    Normal,
    Poisson,
    ServiceTime,
    StageDuration,
    Uniform,
    UniformDays,
)

N = 200_000
SEEDS = [0, 1, 2]

# One instance of every member; Normal with mean >= 4 std (its moments ignore the cut at 0).
MEMBERS = [
    Poisson(mean=4.5),
    NegativeBinomial(mean=6.0, variance=15.0),
    Normal(mean=40.0, std=5.0),
    Deterministic(value=7.0),
    Uniform(low=2.0, high=11.0),
    Empirical(values=[1.0, 4.0, 4.0, 10.0], mode="sample"),
    Empirical(values=[1.0, 4.0, 4.0, 10.0], mode="cycle"),
    Exponential(mean=2.5),
    DeterministicDays(days=3.0),
    ExponentialDays(mean_days=4.0),
    UniformDays(low_days=1.0, high_days=9.0),
    Beta(a=2.0, b=5.0),
    Fixed(value=0.3),
]


def test_every_family_class_is_covered():
    members = {
        obj
        for obj in vars(dists).values()
        if isinstance(obj, type) and issubclass(obj, DistributionSpec) and "type" in obj.model_fields
    }
    assert members == {type(m) for m in MEMBERS}
    unions = [Distribution, StageDuration, ServiceTime, CapabilityDistribution]
    in_unions = {cls for u in unions for cls in typing.get_args(typing.get_args(u)[0])}
    assert in_unions == members


@pytest.mark.parametrize("dist", MEMBERS, ids=lambda d: f"{d.type}-{getattr(d, 'mode', '')}")
@pytest.mark.parametrize("seed", SEEDS)
def test_mean_and_variance_agree_with_a_large_sample(dist, seed):
    """Sample mean within 5 standard errors; sample variance within 5 % (+1e-12 for variance 0)."""
    x = np.asarray(dist.sample(np.random.default_rng(seed), N), dtype=float)
    assert x.shape == (N,)
    se = math.sqrt(dist.variance / N)
    assert abs(x.mean() - dist.mean) <= 5 * se + 1e-12, (x.mean(), dist.mean)
    assert abs(x.var() - dist.variance) <= 0.05 * dist.variance + 1e-12, (x.var(), dist.variance)


@pytest.mark.parametrize(
    ("dist", "mean", "variance"),
    [
        (Poisson(mean=3), 3, 3),
        (NegativeBinomial(mean=2, variance=5), 2, 5),
        (Normal(mean=10, std=2), 10, 4),
        (Deterministic(value=2), 2, 0),
        (Uniform(low=0, high=6), 3, 3),
        (Empirical(values=[1, 3]), 2, 1),
        (Exponential(mean=2), 2, 4),
        (DeterministicDays(days=5), 5, 0),
        (ExponentialDays(mean_days=3), 3, 9),
        (UniformDays(low_days=0, high_days=12), 6, 12),
        (Beta(a=1, b=1), 0.5, 1 / 12),
        (Fixed(value=0.25), 0.25, 0),
    ],
)
def test_documented_formulas(dist, mean, variance):
    assert dist.mean == pytest.approx(mean)
    assert dist.variance == pytest.approx(variance)


@pytest.mark.parametrize("dist", MEMBERS, ids=lambda d: d.type)
def test_one_draw_is_a_float_and_the_first_of_an_array(dist):
    one = dist.sample(np.random.default_rng(7))
    many = dist.sample(np.random.default_rng(7), 5)
    assert isinstance(one, float)
    assert isinstance(many, np.ndarray) and many.shape == (5,)
    assert one == many[0]


def test_per_period_scale_start_and_discrete():
    rng = np.random.default_rng(0)
    cycle = Empirical(values=[1.0, 2.0, 3.0])
    assert cycle.sample(rng, 4, start=2).tolist() == [3.0, 1.0, 2.0, 3.0]
    assert Deterministic(value=2.4).sample(rng, scale=np.array([1.0, 2.0]), discrete=True).tolist() == [2.0, 5.0]
    with pytest.raises(ValueError, match="scale has 2 entries, size is 3"):
        Poisson(mean=1).sample(rng, 3, scale=np.ones(2))


def test_yaml_tags_still_select_the_members():
    """The scenario-file format is unchanged: the same `type` tags and field names."""
    assert isinstance(TypeAdapter(Distribution).validate_python({"type": "poisson", "mean": 4}), Poisson)
    assert isinstance(TypeAdapter(ServiceTime).validate_python({"type": "exponential", "mean": 1}), Exponential)
    stage = TypeAdapter(StageDuration).validate_python({"type": "exponential", "mean_days": 2})
    assert isinstance(stage, ExponentialDays)
    assert isinstance(TypeAdapter(CapabilityDistribution).validate_python({"type": "beta", "a": 2, "b": 2}), Beta)


# --------------------------------------------------------------------------- nobody samples by hand

PACKAGE = pathlib.Path(chansim.__file__).parent
FAMILY_MODULE = PACKAGE / "config" / "distributions.py"
FAMILY_NAMES = {
    name
    for name, obj in vars(dists).items()
    if isinstance(obj, type) and issubclass(obj, DistributionSpec)
}
SAMPLING_METHODS = {
    "beta", "binomial", "chisquare", "choice", "exponential", "gamma", "geometric", "gumbel", "integers",
    "laplace", "logistic", "lognormal", "multinomial", "negative_binomial", "normal", "pareto", "permutation",
    "poisson", "random", "rayleigh", "standard_exponential", "standard_gamma", "standard_normal", "triangular",
    "uniform", "weibull",
}  # fmt: skip

# Raw numpy draws that remain outside the family, per module, with why no spec is involved.
# A new one fails this test: sample a configured distribution with its `sample` instead, or,
# if no spec configures it, add it here with the reason.
ALLOWED_RAW_DRAWS = {
    # engine: the share of a diverted order (a binomial of the order and the share, not a spec)
    "engine.py": {"binomial": 1},
    # funnel: Poisson lead arrivals from a rate, arrival times, account picks, stage-conversion,
    # routing, registration and accept uniforms against probabilities, the SKU split of a deal
    "business/funnel.py": {"integers": 2, "random": 5, "poisson": 1, "multinomial": 1},
    # order-to-cash: the payment delay around the behaviour's mean by health (a string-tagged
    # rule), and insolvency timers from a rate
    "business/order_to_cash.py": {"exponential": 2},
    # partners: score noise, churn/insolvency uniforms, random events (Poisson counts from a rate,
    # start days, durations, magnitudes, picks)
    "business/partners.py": {"standard_normal": 1, "random": 2, "poisson": 1, "integers": 4, "uniform": 1},
    # exercises: synthetic candidates (Faker seeds, capabilities of the evaluation exercise)
    "exercises/evaluation.py": {"integers": 1, "beta": 1},
    # the scenario generator: invents a scenario's numbers, it samples no scenario's spec
    "generate.py": None,
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != FAMILY_MODULE:
            yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_no_module_dispatches_on_a_family_class():
    """``isinstance(x, Poisson)`` and the like outside the family is sampling by hand."""
    offenders = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance":
                classes = node.args[1]
                for leaf in classes.elts if isinstance(classes, ast.Tuple) else [classes]:
                    label = leaf.attr if isinstance(leaf, ast.Attribute) else getattr(leaf, "id", None)
                    if label in FAMILY_NAMES:
                        offenders.append(f"{name}:{node.lineno} isinstance(..., {label})")
    assert offenders == []


def test_raw_draws_outside_the_family_are_only_the_allowed_ones():
    found: dict[str, dict[str, int]] = {}
    for name, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SAMPLING_METHODS
                and "rng" in ast.unparse(node.func.value).lower()
            ):
                found.setdefault(name, {}).setdefault(node.func.attr, 0)
                found[name][node.func.attr] += 1
    unexpected = {
        name: calls for name, calls in found.items() if name not in ALLOWED_RAW_DRAWS or (
            ALLOWED_RAW_DRAWS[name] is not None and calls != ALLOWED_RAW_DRAWS[name]
        )
    }
    assert unexpected == {}, f"raw draws outside chansim.config.distributions: {unexpected}"


def test_the_check_catches_sampling_by_hand():
    """The two checks above would see a module that draws a spec's parameters itself."""
    source = "def f(rng, d):\n    if isinstance(d, Poisson):\n        return rng.poisson(d.mean)\n"
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert any(isinstance(c.func, ast.Name) and c.func.id == "isinstance" and c.args[1].id in FAMILY_NAMES
               for c in calls)
    assert any(isinstance(c.func, ast.Attribute) and c.func.attr in SAMPLING_METHODS for c in calls)
