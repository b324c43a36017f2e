"""Conv3d, MaxPool3d, AvgPool3d, BatchNorm3d and nn.functional.conv3d / max_pool3d / avg_pool3d:
against PyTorch (forward, gradients, state_dict, init), gradcheck in float64, argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn
import nn.functional as F


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(torch, *arrays):
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _compare(torch, ours_fn, theirs_fn, arrays, rtol=1e-10, atol=1e-10):
    """Forward and every input gradient of ``ours_fn`` vs ``theirs_fn`` on float64 arrays."""
    ours_in, theirs_in = _both(torch, *arrays)
    o, t = ours_fn(*ours_in), theirs_fn(*theirs_in)
    assert tuple(o.shape) == tuple(t.shape)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    g = _rand(*t.shape, seed=99)
    (o * autograd.tensor(g)).sum().backward()
    (t * torch.tensor(g)).sum().backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"grad of input {i}")  # fmt: skip


# ---------------------------------------------------------------------------------- conv3d
CONV_CASES = [
    {"stride": 1, "padding": 0, "dilation": 1, "groups": 1},
    {"stride": (2, 1, 2), "padding": (1, 0, 2), "dilation": 1, "groups": 1},
    {"stride": 1, "padding": 1, "dilation": (2, 1, 2), "groups": 2},
    {"stride": (1, 2, 1), "padding": 2, "dilation": 2, "groups": 4},
    {"stride": 1, "padding": "same", "dilation": (1, 2, 1), "groups": 1},
    {"stride": 1, "padding": "valid", "dilation": 1, "groups": 2},
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv3d_functional_matches_torch(torch, case, bias):
    g = case["groups"]
    x = _rand(2, 4, 5, 6, 7)
    w = _rand(8, 4 // g, 2, 3, 2, seed=1)  # even kernel dims: 'same' pads asymmetrically
    arrays = [x, w] + ([_rand(8, seed=2)] if bias else [])
    _compare(
        torch,
        lambda *a: F.conv3d(*a[:2], a[2] if bias else None, **case),
        lambda *a: torch.nn.functional.conv3d(*a[:2], a[2] if bias else None, **case),
        arrays,
    )


def test_conv3d_unbatched_matches_torch(torch):
    _compare(torch, lambda x, w: F.conv3d(x, w, padding=1),
             lambda x, w: torch.nn.functional.conv3d(x, w, padding=1),
             [_rand(3, 4, 4, 4), _rand(2, 3, 3, 3, 3, seed=1)])  # fmt: skip


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv3d_layer_matches_torch(torch, padding_mode):
    kw = {"stride": (1, 2, 1), "padding": (1, 2, 1), "groups": 2, "padding_mode": padding_mode}
    theirs = torch.nn.Conv3d(4, 6, (3, 3, 2), **kw)
    ours = nn.Conv3d(4, 6, (3, 3, 2), **kw)
    same_keys(ours, theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 4, 5, 6, 5)])
    assert repr(ours) == repr(theirs)


def test_conv3d_default_init_bounds():
    conv = nn.Conv3d(4, 16, (3, 2, 5))
    bound = 1.0 / math.sqrt(4 * 3 * 2 * 5)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert w.shape == (16, 4, 3, 2, 5) and b.shape == (16,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.1)  # uniform's std


def test_conv3d_gradcheck_first_and_second_order():
    x = autograd.tensor(_rand(1, 2, 3, 4, 3), requires_grad=True)
    w = autograd.tensor(_rand(2, 1, 2, 2, 2, seed=1), requires_grad=True)
    b = autograd.tensor(_rand(2, seed=2), requires_grad=True)

    def f(x, w, b):
        return F.conv3d(x, w, b, stride=(2, 1, 1), padding=1, dilation=(1, 2, 1), groups=2)

    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))


# --------------------------------------------------------------------------------- pooling
POOL_CASES = [
    {"kernel_size": 2},
    {"kernel_size": (3, 2, 2), "stride": (1, 2, 1), "padding": (1, 1, 0)},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (2, 3, 3), "stride": (2, 2, 3), "ceil_mode": True},
]


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("dilation", [1, (2, 1, 2)])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool3d_matches_torch_with_indices(torch, case, dilation, ties):
    x = _rand(2, 3, 7, 6, 8)
    if ties:  # after a ReLU many windows hold several equal maxima (zeros)
        x = np.maximum(x, 0.0) * (np.abs(x) > 0.7)
    kw = {**case, "dilation": dilation}
    _compare(torch, lambda t: F.max_pool3d(t, **kw),
             lambda t: torch.nn.functional.max_pool3d(t, **kw), [x])  # fmt: skip
    _, ours_idx = F.max_pool3d(autograd.tensor(x), return_indices=True, **kw)
    _, theirs_idx = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(ours_idx.numpy(), theirs_idx.numpy())
    assert ours_idx.dtype == autograd.int64


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor_override", [None, 7])
def test_avg_pool3d_matches_torch(torch, case, count_include_pad, divisor_override):
    kw = {**case, "count_include_pad": count_include_pad, "divisor_override": divisor_override}
    _compare(torch, lambda t: F.avg_pool3d(t, **kw),
             lambda t: torch.nn.functional.avg_pool3d(t, **kw), [_rand(2, 3, 7, 6, 8)])  # fmt: skip


def test_pool3d_layers_match_torch(torch):
    x = _rand(2, 3, 6, 5, 7)
    for ours, theirs in [
        (nn.MaxPool3d(3, 2, 1), torch.nn.MaxPool3d(3, 2, 1)),
        (nn.MaxPool3d((2, 3, 2), ceil_mode=True, dilation=(1, 1, 2)),
         torch.nn.MaxPool3d((2, 3, 2), ceil_mode=True, dilation=(1, 1, 2))),
        (nn.AvgPool3d(3, 2, 1, count_include_pad=False),
         torch.nn.AvgPool3d(3, 2, 1, count_include_pad=False)),
        (nn.AvgPool3d((1, 2, 3), divisor_override=2),
         torch.nn.AvgPool3d((1, 2, 3), divisor_override=2)),
    ]:  # fmt: skip
        check_against_torch(torch, ours, theirs, [x])
        assert repr(ours) == repr(theirs)
    out, idx = nn.MaxPool3d(2, return_indices=True)(autograd.tensor(x))
    t_out, t_idx = torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())


def test_pool3d_unbatched_matches_torch(torch):
    x = _rand(3, 5, 4, 6)
    _compare(torch, lambda t: F.max_pool3d(t, 2, padding=1),
             lambda t: torch.nn.functional.max_pool3d(t, 2, padding=1), [x])  # fmt: skip
    _compare(torch, lambda t: F.avg_pool3d(t, 2, ceil_mode=True),
             lambda t: torch.nn.functional.avg_pool3d(t, 2, ceil_mode=True), [x])  # fmt: skip


def test_pool3d_gradcheck_first_and_second_order():
    x = autograd.tensor(_rand(1, 2, 4, 3, 5), requires_grad=True)
    for f in (
        lambda t: F.max_pool3d(t, (2, 2, 3), stride=(1, 2, 2), padding=(1, 1, 1)),
        lambda t: F.avg_pool3d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    ):
        assert autograd.gradcheck(f, (x,))
        assert autograd.gradgradcheck(f, (x,))


# ----------------------------------------------------------------------------- BatchNorm3d
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm3d_matches_torch(torch, momentum):
    theirs = torch.nn.BatchNorm3d(3, momentum=momentum)
    ours = nn.BatchNorm3d(3, momentum=momentum)
    same_keys(ours, theirs)
    with torch.no_grad():
        theirs.weight.add_(torch.tensor(_rand(3, seed=5)))
        theirs.bias.add_(torch.tensor(_rand(3, seed=6)))
    check_against_torch(torch, ours, theirs, [_rand(2, 3, 4, 3, 5)])  # training: batch stats
    check_against_torch(torch, ours.eval(), theirs.eval(), [_rand(2, 3, 4, 3, 5, seed=1)],
                        load=False)  # fmt: skip


# ---------------------------------------------------------------------------------- errors
def test_3d_errors_name_the_argument():
    x = autograd.randn(1, 4, 5, 5, 5)
    with pytest.raises(ValueError, match="weight must be a 5-D"):
        F.conv3d(x, autograd.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="expects 2 input channels"):
        F.conv3d(x, autograd.randn(2, 1, 3, 3, 3), groups=2)
    with pytest.raises(ValueError, match="expected input of shape"):
        F.conv3d(autograd.randn(4, 5, 5), autograd.randn(2, 4, 3, 3, 3))
    with pytest.raises(ValueError, match="strided"):
        F.conv3d(x, autograd.randn(2, 4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="depth"):
        F.conv3d(autograd.randn(1, 4, 2, 5, 5), autograd.randn(2, 4, 3, 3, 3))
    with pytest.raises(TypeError, match="stride must be an int or a tuple of 3 ints"):
        F.conv3d(x, autograd.randn(2, 4, 3, 3, 3), stride=(1, 2))
    with pytest.raises(ValueError, match="bias must have shape"):
        F.conv3d(x, autograd.randn(2, 4, 3, 3, 3), autograd.randn(3))
    with pytest.raises(ValueError, match="padding .* at most half of kernel_size"):
        F.max_pool3d(x, 2, padding=2)
    with pytest.raises(ValueError, match="too small"):
        F.avg_pool3d(autograd.randn(1, 1, 1, 5, 5), 2)
    with pytest.raises(TypeError, match="kernel_size"):
        F.max_pool3d(x, "2")
    with pytest.raises(TypeError, match="floating point"):
        F.max_pool3d(autograd.ones(1, 1, 2, 2, 2, dtype=autograd.int64), 2)
    with pytest.raises(ValueError, match="divisor_override"):
        F.avg_pool3d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="expected 5D input \\(got 4D input\\)"):
        nn.BatchNorm3d(4)(autograd.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv3d(3, 4, 3, groups=2)
