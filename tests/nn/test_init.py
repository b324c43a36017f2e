"""nn.init: gains, fans, and the statistics of every initializer against formulas and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
import nn
from nn import init

SHAPES = [(600, 400), (64, 32, 5, 5), (256, 96, 7)]


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize(
    "name,param",
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)],
)  # fmt: skip
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-12
    )


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "a")


@pytest.mark.parametrize("shape", [(3, 4), (5, 3, 2, 2), (2, 7, 3), (4, 4, 2, 3, 1)])
def test_fans_match_torch(torch, shape):
    ours = init._calculate_fan_in_and_fan_out(autograd.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(autograd.empty(5))
    with pytest.raises(ValueError, match="fewer than 2"):
        init.xavier_uniform_(autograd.empty(5))


def _uniform_bound(shape, kind, **kw):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(autograd.empty(*shape))
    if kind == "xavier":
        return kw.get("gain", 1.0) * math.sqrt(6.0 / (fan_in + fan_out))
    fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
    gain = init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
    return gain * math.sqrt(3.0 / fan)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "ours,theirs,kind,kw",
    [
        ("xavier_uniform_", "xavier_uniform_", "xavier", {}),
        ("xavier_uniform_", "xavier_uniform_", "xavier", {"gain": 2.0}),
        ("kaiming_uniform_", "kaiming_uniform_", "kaiming", {"a": math.sqrt(5)}),
        ("kaiming_uniform_", "kaiming_uniform_", "kaiming",
         {"mode": "fan_out", "nonlinearity": "relu"}),
    ],
)  # fmt: skip
def test_uniform_inits_bounds_and_std(torch, shape, ours, theirs, kind, kw):
    w = getattr(init, ours)(autograd.empty(*shape), **kw)
    ref = getattr(torch.nn.init, theirs)(torch.empty(*shape), **kw).numpy()
    bound = _uniform_bound(shape, kind, **kw)
    a = _np(w)
    assert w.dtype == autograd.float32
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound
    std = bound / math.sqrt(3)
    assert a.std() == pytest.approx(std, rel=0.02)
    assert a.std() == pytest.approx(ref.std(), rel=0.03)
    assert abs(a.mean()) < 0.02 * std


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "ours,kw,std_of",
    [
        ("xavier_normal_", {}, lambda fi, fo: math.sqrt(2.0 / (fi + fo))),
        ("xavier_normal_", {"gain": 0.5}, lambda fi, fo: 0.5 * math.sqrt(2.0 / (fi + fo))),
        ("kaiming_normal_", {}, lambda fi, fo: math.sqrt(2.0 / fi)),
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"},
         lambda fi, fo: math.sqrt(2.0 / fo)),
        ("kaiming_normal_", {"a": 0.3}, lambda fi, fo: math.sqrt(2.0 / (1 + 0.09) / fi)),
    ],
)  # fmt: skip
def test_normal_inits_std(torch, shape, ours, kw, std_of):
    a = _np(getattr(init, ours)(autograd.empty(*shape), **kw))
    ref = getattr(torch.nn.init, ours)(torch.empty(*shape), **kw).numpy()
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(autograd.empty(*shape))
    std = std_of(fan_in, fan_out)
    assert a.std() == pytest.approx(std, rel=0.02)
    assert a.std() == pytest.approx(ref.std(), rel=0.03)
    assert abs(a.mean()) < 0.02 * std
    # normal, not uniform: about 4.6% of the mass lies beyond two std
    assert np.mean(np.abs(a) > 2 * std) == pytest.approx(0.0455, abs=0.005)


def test_uniform_and_normal(torch):
    a = _np(init.uniform_(autograd.empty(200_000), -2.0, 3.0))
    assert a.min() >= -2 and a.max() < 3 and a.mean() == pytest.approx(0.5, abs=0.02)
    assert a.std() == pytest.approx(5 / math.sqrt(12), rel=0.01)
    b = _np(init.normal_(autograd.empty(200_000, dtype=autograd.float64), 1.0, 0.5))
    assert b.dtype == np.float64
    assert b.mean() == pytest.approx(1.0, abs=0.01) and b.std() == pytest.approx(0.5, rel=0.01)
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(autograd.empty(2), 1.0, 0.0)
    with pytest.raises(ValueError, match="std"):
        init.normal_(autograd.empty(2), 0.0, -1.0)


@pytest.mark.parametrize("mean,std,a,b", [(0, 1, -2, 2), (0.5, 2.0, -1.0, 3.0), (0, 1, 1, 3),
                                          (0, 0.02, -0.04, 0.04)])  # fmt: skip
def test_trunc_normal_matches_truncated_distribution(torch, mean, std, a, b):
    x = _np(init.trunc_normal_(autograd.empty(200_000), mean, std, a, b))
    ref = torch.nn.init.trunc_normal_(torch.empty(200_000), mean, std, a, b).numpy()
    assert x.min() >= a and x.max() <= b
    # moments of the truncated normal, from the closed form
    alpha, beta = (a - mean) / std, (b - mean) / std
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    Z = cdf(beta) - cdf(alpha)
    mu = mean + std * (phi(alpha) - phi(beta)) / Z
    var = std**2 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / Z
                    - ((phi(alpha) - phi(beta)) / Z) ** 2)  # fmt: skip
    assert x.mean() == pytest.approx(mu, abs=0.01 * std)
    assert x.std() == pytest.approx(math.sqrt(var), rel=0.01)
    assert x.std() == pytest.approx(ref.std(), rel=0.02)


def test_erfinv_accuracy():
    import math as m

    ys = np.linspace(-0.999999, 0.999999, 2001)
    xs = init._erfinv(ys)
    assert np.allclose([m.erf(v) for v in xs], ys, atol=1e-12)


def test_orthogonal(torch):
    for shape in [(6, 4), (4, 6), (5, 2, 3)]:
        w = _np(init.orthogonal_(autograd.empty(*shape), gain=2.0)).reshape(shape[0], -1)
        if w.shape[0] <= w.shape[1]:
            np.testing.assert_allclose(w @ w.T, 4 * np.eye(w.shape[0]), atol=1e-5)
        else:
            np.testing.assert_allclose(w.T @ w, 4 * np.eye(w.shape[1]), atol=1e-5)
    # uniformly (Haar) distributed: the entries of a large orthogonal matrix have std 1/sqrt(n)
    q = _np(init.orthogonal_(autograd.empty(300, 300)))
    assert q.std() == pytest.approx(1 / math.sqrt(300), rel=0.02)
    with pytest.raises(ValueError, match="2 or more"):
        init.orthogonal_(autograd.empty(3))


def test_constant_eye_dirac_match_torch(torch):
    assert _np(init.constant_(autograd.empty(2, 3), 0.25)).tolist() == [[0.25] * 3] * 2
    assert not _np(init.zeros_(autograd.ones(4))).any()
    assert _np(init.ones_(autograd.zeros(4))).all()
    np.testing.assert_array_equal(_np(init.eye_(autograd.empty(3, 5))), np.eye(3, 5))
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(autograd.empty(3))
    for shape, groups in [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 3, 3, 3), 1), ((4, 2, 5), 2)]:
        ours = _np(init.dirac_(autograd.empty(*shape), groups))
        ref = torch.nn.init.dirac_(torch.empty(*shape), groups).numpy()
        np.testing.assert_array_equal(ours, ref)
    with pytest.raises(ValueError, match="divisible"):
        init.dirac_(autograd.empty(3, 3, 3), groups=2)


def test_inits_run_without_recording_and_keep_identity():
    p = nn.Parameter(autograd.empty(8, 4))
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_, init.trunc_normal_,
               init.zeros_, init.eye_):  # fmt: skip
        assert fn(p) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
    init.kaiming_uniform_(p, a=math.sqrt(5))
    (p * 2).sum().backward()
    assert p.grad is not None


def test_seeding_and_generator():
    autograd.manual_seed(123)
    a = _np(init.kaiming_uniform_(autograd.empty(5, 5))).copy()
    autograd.manual_seed(123)
    b = _np(init.kaiming_uniform_(autograd.empty(5, 5)))
    np.testing.assert_array_equal(a, b)
    g1, g2 = autograd.Generator(7), autograd.Generator(7)
    before = autograd.default_generator.get_state()
    c = _np(init.normal_(autograd.empty(10), generator=g1))
    assert autograd.default_generator.get_state() == before  # the global stream is untouched
    np.testing.assert_array_equal(c, _np(init.normal_(autograd.empty(10), generator=g2)))
    d = _np(init.trunc_normal_(autograd.empty(10), generator=autograd.Generator(7)))
    e = _np(init.trunc_normal_(autograd.empty(10), generator=autograd.Generator(7)))
    np.testing.assert_array_equal(d, e)


def test_zero_element_tensors_are_a_noop():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(autograd.empty(0, 3))
    assert init.orthogonal_(autograd.empty(0, 3)).shape == (0, 3)


def test_type_errors():
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.normal_(np.zeros(3))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_uniform_(autograd.empty(3, 3), mode="fan_avg")
