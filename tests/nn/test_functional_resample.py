"""unfold/fold, pixel_shuffle/unshuffle, interpolate's modes and gumbel_softmax vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _compare(torch, ours_fn, theirs_fn, x, rtol=1e-9, atol=1e-11, dtype="float64"):
    """One function of one array, ours vs PyTorch's: values and the input's gradient."""
    x = np.asarray(x, dtype=dtype)
    xo = autograd.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours_fn(xo), theirs_fn(xt)
    assert tuple(yo.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = _rand(*yt.shape, seed=7).astype(dtype)
    (yo * autograd.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)


UNFOLD_CASES = [
    ((2, 3, 5, 6), {"kernel_size": 2}),
    ((2, 3, 5, 6), {"kernel_size": (2, 3), "stride": (2, 1), "padding": 1}),
    ((1, 2, 7, 7), {"kernel_size": 3, "dilation": 2, "padding": (2, 1), "stride": 2}),
    ((3, 4, 5), {"kernel_size": (1, 2)}),
]


@pytest.mark.parametrize("shape,kwargs", UNFOLD_CASES)
def test_unfold_matches_torch(torch, shape, kwargs):
    _compare(torch, lambda x: F.unfold(x, **kwargs),
             lambda x: torch.nn.functional.unfold(x, **kwargs), _rand(*shape))  # fmt: skip


@pytest.mark.parametrize("shape,kwargs", UNFOLD_CASES)
def test_fold_matches_torch_and_is_the_adjoint_of_unfold(torch, shape, kwargs):
    size = shape[-2:]
    cols = torch.nn.functional.unfold(torch.zeros(*shape, dtype=torch.float64), **kwargs)
    _compare(torch, lambda x: F.fold(x, size, **kwargs),
             lambda x: torch.nn.functional.fold(x, size, **kwargs),
             _rand(*cols.shape, seed=3))  # fmt: skip
    x, c = autograd.tensor(_rand(*shape)), autograd.tensor(_rand(*cols.shape, seed=3))
    lhs = (F.unfold(x, **kwargs) * c).sum().item()
    rhs = (x * F.fold(c, size, **kwargs)).sum().item()
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_unfold_and_fold_second_order():
    x = autograd.tensor(_rand(1, 2, 4, 4), requires_grad=True)
    assert autograd.gradgradcheck(lambda x: F.unfold(x, 2, padding=1, stride=2) ** 2, (x,))
    c = autograd.tensor(_rand(1, 8, 9), requires_grad=True)
    assert autograd.gradgradcheck(lambda c: F.fold(c, 4, 2, padding=1, stride=2) ** 2, (c,))


def test_fold_unfold_modules_match_torch(torch):
    x = _rand(2, 3, 6, 6)
    ours = nn.Fold((6, 6), 3, padding=1)(nn.Unfold(3, padding=1)(autograd.tensor(x)))
    theirs = torch.nn.Fold((6, 6), 3, padding=1)(torch.nn.Unfold(3, padding=1)(torch.tensor(x)))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert repr(nn.Unfold(3, padding=1)) == repr(torch.nn.Unfold(3, padding=1))
    assert repr(nn.Fold(4, 2)) == repr(torch.nn.Fold(4, 2))


@pytest.mark.parametrize("bad,match", [
    (lambda: F.unfold(autograd.zeros(3, 3), 2), "3-D .* or 4-D"),
    (lambda: F.unfold(autograd.zeros(1, 1, 3, 3), 4), "does not fit"),
    (lambda: F.unfold(autograd.zeros(1, 1, 3, 3), 0), "kernel_size must be >= 1"),
    (lambda: F.unfold(autograd.zeros(1, 1, 3, 3), 2, stride=(1, 2, 3)), "stride"),
    (lambda: F.fold(autograd.zeros(1, 5, 4), 3, 2), "divisible by the product"),
    (lambda: F.fold(autograd.zeros(1, 4, 5), 3, 2), "expected size of input's dimension 2"),
    (lambda: F.unfold(autograd.zeros(1, 1, 3, 3, dtype=autograd.int64), 2), "floating-point"),
])  # fmt: skip
def test_fold_unfold_bad_arguments_are_named(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        bad()


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((18, 2, 3), 3), ((2, 1, 4, 2, 2), 2)])
def test_pixel_shuffle_and_unshuffle_match_torch(torch, shape, r):
    _compare(torch, lambda x: F.pixel_shuffle(x, r),
             lambda x: torch.nn.functional.pixel_shuffle(x, r), _rand(*shape))  # fmt: skip
    up = tuple(torch.nn.functional.pixel_shuffle(torch.zeros(shape), r).shape)
    _compare(torch, lambda x: nn.PixelUnshuffle(r)(x),
             lambda x: torch.nn.PixelUnshuffle(r)(x), _rand(*up))  # fmt: skip
    x = autograd.tensor(_rand(*shape))
    np.testing.assert_array_equal(F.pixel_unshuffle(nn.PixelShuffle(r)(x), r).numpy(), x.numpy())


def test_pixel_shuffle_bad_arguments_are_named():
    with pytest.raises(ValueError, match="divisible by upscale_factor squared"):
        F.pixel_shuffle(autograd.zeros(1, 3, 2, 2), 2)
    with pytest.raises(ValueError, match="divisible by downscale_factor"):
        F.pixel_unshuffle(autograd.zeros(1, 1, 3, 4), 2)
    with pytest.raises(TypeError, match="upscale_factor must be an int"):
        F.pixel_shuffle(autograd.zeros(1, 4, 2, 2), 2.0)
    with pytest.raises(ValueError, match="at least 3 dims"):
        F.pixel_shuffle(autograd.zeros(4, 2), 2)


INTERP_CASES = [
    ((2, 3, 5), {"size": 9, "mode": "linear"}),
    ((2, 3, 5), {"size": 3, "mode": "linear", "align_corners": True}),
    ((1, 2, 4), {"scale_factor": 2.5, "mode": "linear"}),
    ((1, 2, 4), {"scale_factor": 1.2, "mode": "linear"}),  # same size: a copy
    ((2, 2, 4, 5), {"size": (7, 3), "mode": "bilinear"}),
    ((2, 2, 4, 5), {"size": (7, 3), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 3, 4), {"scale_factor": (2.0, 1.5), "mode": "bilinear"}),
    ((1, 2, 3, 4), {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 1, 1, 4), {"size": (3, 4), "mode": "bilinear", "align_corners": True}),
    ((2, 2, 4, 5), {"size": (7, 3), "mode": "bicubic"}),
    ((2, 2, 4, 5), {"size": (9, 11), "mode": "bicubic", "align_corners": True}),
    ((1, 1, 5, 5), {"scale_factor": 0.5, "mode": "bicubic"}),
    ((1, 2, 3, 4, 2), {"size": (5, 2, 3), "mode": "trilinear"}),
    ((1, 2, 3, 4, 2), {"scale_factor": 2, "mode": "trilinear", "align_corners": True}),
    ((1, 2, 3, 4, 2), {"size": (5, 7, 1), "mode": "nearest"}),
    ((1, 2, 7), {"size": 3, "mode": "nearest-exact"}),
    ((1, 2, 3, 5), {"scale_factor": 1.7, "mode": "nearest-exact"}),
    ((1, 2, 6, 8), {"size": (3, 5), "mode": "area"}),
    ((1, 2, 7), {"size": 3, "mode": "area"}),
    ((2, 3, 4, 4), {"scale_factor": 2, "mode": "nearest"}),
]


@pytest.mark.parametrize("shape,kwargs", INTERP_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_interpolate_matches_torch(torch, shape, kwargs, dtype):
    tol = {"rtol": 1e-9, "atol": 1e-11} if dtype == "float64" else {"rtol": 1e-5, "atol": 1e-5}
    _compare(torch, lambda x: F.interpolate(x, **kwargs),
             lambda x: torch.nn.functional.interpolate(x, **kwargs), _rand(*shape), dtype=dtype,
             **tol)  # fmt: skip


def test_bicubic_keeping_the_size_resamples_and_its_gradient_is_the_adjoint(torch):
    # PyTorch resamples here in forward but copies the gradient in backward.
    x = _rand(1, 1, 2, 4)
    ours = F.interpolate(autograd.tensor(x), scale_factor=(1.0, 1.2), mode="bicubic")
    theirs = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=(1.0, 1.2),
                                             mode="bicubic")  # fmt: skip
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    xg = autograd.tensor(x, requires_grad=True)
    assert autograd.gradcheck(
        lambda x: F.interpolate(x, scale_factor=(1.0, 1.2), mode="bicubic"), (xg,)
    )


def test_interpolate_bilinear_second_order():
    x = autograd.tensor(_rand(1, 1, 3, 3), requires_grad=True)
    assert autograd.gradgradcheck(lambda x: F.interpolate(x, (4, 5), mode="bilinear") ** 2, (x,))


@pytest.mark.parametrize("mode,align", [("nearest", None), ("bilinear", False),
                                        ("bilinear", True), ("bicubic", True)])  # fmt: skip
def test_upsample_modules_match_torch(torch, mode, align):
    x = _rand(2, 3, 4, 5)
    ours = nn.Upsample(scale_factor=2, mode=mode, align_corners=align)
    theirs = torch.nn.Upsample(scale_factor=2, mode=mode, align_corners=align)
    _compare(torch, ours, theirs, x)
    assert repr(ours) == repr(theirs)
    _compare(torch, nn.UpsamplingBilinear2d((5, 7)), torch.nn.UpsamplingBilinear2d((5, 7)), x)
    _compare(torch, nn.UpsamplingNearest2d(scale_factor=3),
             torch.nn.UpsamplingNearest2d(scale_factor=3), x)  # fmt: skip


@pytest.mark.parametrize("bad,match", [
    (lambda: F.interpolate(autograd.zeros(1, 1, 4), size=3, mode="bilinear"), "needs 4-D"),
    (lambda: F.interpolate(autograd.zeros(1, 1, 4), size=3, mode="cubic"), "mode must be"),
    (lambda: F.interpolate(autograd.zeros(1, 1, 4), size=3, align_corners=True),
     "align_corners option"),
    (lambda: F.interpolate(autograd.zeros(1, 1, 4), size=3, scale_factor=2), "exactly one"),
    (lambda: F.interpolate(autograd.zeros(1, 1, 4), size=(3, 3), mode="linear"), "size must have"),
    (lambda: F.interpolate(autograd.zeros(1, 1, 4), scale_factor=0.1, mode="linear"),
     "greater than 0"),
    (lambda: F.interpolate(autograd.zeros(1, 1, 4, 4), size=2, antialias=True), "antialias"),
    (lambda: F.interpolate(autograd.zeros(4, 4), size=2), "3-D, 4-D or 5-D"),
])  # fmt: skip
def test_interpolate_bad_arguments_are_named(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        bad()


def test_gumbel_softmax_samples_the_softmax_distribution():
    autograd.manual_seed(0)
    logits = autograd.tensor([[0.5, -1.0, 1.5, 0.0]], dtype=autograd.float64)
    draws = F.gumbel_softmax(logits.expand(20000, 4), tau=0.3, hard=True)
    assert set(np.unique(draws.numpy())) == {0.0, 1.0}
    np.testing.assert_array_equal(draws.sum(dim=-1).numpy(), np.ones(20000))
    expected = autograd.softmax(logits, -1).numpy()[0]
    np.testing.assert_allclose(draws.mean(dim=0).numpy(), expected, atol=0.015)
    soft = F.gumbel_softmax(logits.expand(5, 4), tau=2.0)
    np.testing.assert_allclose(soft.sum(dim=-1).numpy(), np.ones(5), rtol=1e-12)
    assert (soft.numpy() > 0).all() and (soft.numpy() < 1).all()


def test_gumbel_softmax_hard_passes_the_soft_gradient_straight_through():
    weights = autograd.tensor(_rand(3, 5, seed=2))
    grads = []
    for hard in (False, True):
        autograd.manual_seed(4)
        logits = autograd.tensor(_rand(3, 5), requires_grad=True)
        y = F.gumbel_softmax(logits, tau=0.7, hard=hard, dim=1)
        (y * weights).sum().backward()
        grads.append(logits.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    with pytest.raises(ValueError, match="tau must be positive"):
        F.gumbel_softmax(autograd.zeros(2), tau=0.0)
    with pytest.raises(TypeError, match="floating-point"):
        F.gumbel_softmax(autograd.tensor([1, 2]))


@pytest.mark.parametrize("mode", ["linear", "nearest-exact"])
def test_long_axes_take_the_segment_sum_adjoint_and_match_torch(torch, mode):
    # 300 -> 701 along the axis: past the size where the adjoint is one dense product
    _compare(torch, lambda x: F.interpolate(x, size=701, mode=mode),
             lambda x: torch.nn.functional.interpolate(x, size=701, mode=mode),
             _rand(2, 3, 300))  # fmt: skip
    _compare(torch, lambda x: F.interpolate(x, size=120, mode=mode),
             lambda x: torch.nn.functional.interpolate(x, size=120, mode=mode),
             _rand(2, 3, 700))  # fmt: skip


def test_interpolate_forward_mode_matches_the_resampled_tangent():
    import autograd.forward_ad as fwAD

    x, t = autograd.tensor(_rand(1, 2, 3, 4)), autograd.tensor(_rand(1, 2, 3, 4, seed=1))
    with fwAD.dual_level():
        y = F.interpolate(fwAD.make_dual(x, t), (5, 7), mode="bicubic", align_corners=True)
        tangent = fwAD.unpack_dual(y).tangent
    expected = F.interpolate(t, (5, 7), mode="bicubic", align_corners=True)
    np.testing.assert_allclose(tangent.numpy(), expected.numpy(), rtol=1e-12)
