"""Sampling functions: distributions, seeding through the one generator, and bad arguments."""

import numpy as np
import pytest

import autograd
import nn


def test_multinomial_frequencies_and_no_repeats():
    autograd.manual_seed(0)
    w = autograd.tensor([1.0, 3.0, 0.0, 6.0])
    draws = autograd.multinomial(w, 20000, replacement=True).numpy()
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.3, 0.0, 0.6], atol=0.015)
    rows = autograd.multinomial(autograd.ones(5, 4), 4).numpy()
    assert rows.shape == (5, 4)
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows)
    assert autograd.tensor([0.5, 0.5]).multinomial(1).shape == (1,)


def test_seeded_and_generator_reproducible():
    draws = []
    for _ in range(2):
        autograd.manual_seed(7)
        draws.append(
            (
                autograd.multinomial(autograd.ones(10), 3).tolist(),
                autograd.bernoulli(autograd.full((6,), 0.5)).tolist(),
                autograd.normal(autograd.zeros(3), 1.0).tolist(),
                autograd.poisson(autograd.full((3,), 4.0)).tolist(),
                autograd.randint_like(autograd.zeros(3), 10).tolist(),
            )
        )
    assert draws[0] == draws[1]
    g1, g2 = autograd.Generator().manual_seed(3), autograd.Generator().manual_seed(3)
    a = autograd.normal(0.0, 1.0, size=(4,), generator=g1)
    b = autograd.normal(0.0, 1.0, size=(4,), generator=g2)
    assert a.tolist() == b.tolist()


def test_distributions_have_the_right_moments():
    autograd.manual_seed(1)
    x = autograd.normal(autograd.full((20000,), 2.0), autograd.full((20000,), 0.5))
    assert abs(x.mean().item() - 2.0) < 0.02 and abs(x.std().item() - 0.5) < 0.02
    p = autograd.poisson(autograd.full((20000,), 3.0))
    assert abs(p.mean().item() - 3.0) < 0.05
    b = autograd.bernoulli(autograd.full((20000,), 0.25))
    assert abs(b.mean().item() - 0.25) < 0.015
    assert autograd.bernoulli(autograd.zeros(3), p=1.0).tolist() == [1.0, 1.0, 1.0]
    r = autograd.randint_like(autograd.zeros(1000, dtype=autograd.int64), 2, 5)
    assert r.dtype == np.int64 and set(r.tolist()) == {2, 3, 4}


def test_bad_arguments_are_named():
    with pytest.raises(RuntimeError, match="multinomial: cannot draw 3"):
        autograd.multinomial(autograd.ones(2), 3)
    with pytest.raises(ValueError, match="multinomial: input must hold finite, non-negative"):
        autograd.multinomial(autograd.tensor([-1.0, 2.0]), 1)
    with pytest.raises(ValueError, match="multinomial: num_samples"):
        autograd.multinomial(autograd.ones(2), 0)
    with pytest.raises(ValueError, match="bernoulli: input holds probabilities"):
        autograd.bernoulli(autograd.tensor([2.0]))
    with pytest.raises(ValueError, match="normal: std"):
        autograd.normal(autograd.zeros(2), -1.0)
    with pytest.raises(TypeError, match="normal: size is required"):
        autograd.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="generator"):
        autograd.multinomial(autograd.ones(2), 1, generator=np.random.default_rng())
    with pytest.raises(ValueError, match="randint_like: expected low < high"):
        autograd.randint_like(autograd.zeros(2), 3, 1)


@pytest.mark.parametrize("draw", [
    lambda g: autograd.rand(2, generator=g),
    lambda g: autograd.randn(2, generator=g),
    lambda g: autograd.randint(0, 3, (2,), generator=g),
    lambda g: autograd.randperm(3, generator=g),
    lambda g: autograd.bernoulli(autograd.full((2,), 0.5), generator=g),
    lambda g: autograd.multinomial(autograd.ones(3), 2, generator=g),
    lambda g: nn.init.uniform_(autograd.empty(2), generator=g),
    lambda g: nn.init.normal_(autograd.empty(2), generator=g),
])  # fmt: skip
def test_every_random_function_takes_a_generator_or_none_and_refuses_anything_else(draw):
    g = autograd.Generator().manual_seed(3)
    again = autograd.Generator().manual_seed(3)
    assert np.array_equal(draw(g).numpy(), draw(again).numpy())
    draw(None)  # the default generator
    with pytest.raises(TypeError, match="generator must be an autograd.Generator, got int"):
        draw(7)
