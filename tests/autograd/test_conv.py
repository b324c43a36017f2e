"""Tests for autograd/ops/conv.py: conv1d, conv2d, conv_transpose1d, conv_transpose2d.

Forward against slow loops written here, forward and gradients against PyTorch over
Hypothesis-drawn geometries, gradcheck/gradgradcheck in float64, float32 against float64,
second order against PyTorch, and the error messages for bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd as ag

_FEW = settings(max_examples=min(settings().max_examples, 10))
# The torch fixture only imports torch; nothing in it needs resetting between examples.
_TORCH = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------- slow references
def ref_conv2d(x, w, b, stride, padding, dilation, groups):
    """Cross-correlation by its definition: one output element at a time."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n_, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    xp = np.zeros((n_, c, h + 2 * ph, wd + 2 * pw), x.dtype)
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n_, o, oh, ow), x.dtype)
    for n, oc, i, j in np.ndindex(n_, o, oh, ow):
        g = oc // og
        acc = 0.0
        for ci in range(cg):
            for a in range(kh):
                for bb in range(kw):
                    acc += w[oc, ci, a, bb] * xp[n, g * cg + ci, i * sh + a * dh, j * sw + bb * dw]
        y[n, oc, i, j] = acc + (0.0 if b is None else b[oc])
    return y


def ref_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation, groups):
    """Transposed convolution by its definition: every input element scatters its window."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n_, c_in, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c_in // groups
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    full = np.zeros((n_, og * groups, full_h + ph, full_w + pw), x.dtype)
    for n, ci, i, j in np.ndindex(n_, c_in, h, wd):
        g = ci // cg
        for oc in range(og):
            for a in range(kh):
                for bb in range(kw):
                    full[n, g * og + oc, i * sh + a * dh, j * sw + bb * dw] += (
                        x[n, ci, i, j] * w[ci, oc, a, bb]
                    )
    y = full[:, :, ph : ph + full_h - 2 * ph, pw : pw + full_w - 2 * pw]
    return y + (0.0 if b is None else b.reshape(-1, 1, 1))


# ----------------------------------------------------------------------- strategies
@st.composite
def conv_cases(draw, transposed=False, max_side=6):
    """(x_shape, w_shape, bias?, stride, padding, dilation, groups[, output_padding])."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg, og = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    bias = draw(st.booleans())
    if transposed:
        hw = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
        out = [(n_ - 1) * si - 2 * pi + di * (ki - 1) + o + 1
               for n_, si, pi, di, ki, o in zip(hw, s, p, d, k, op)]  # fmt: skip
        if min(out) < 1:
            p = (0, 0)
        return (n, cg * groups, *hw), (cg * groups, og, *k), bias, s, p, d, groups, op
    lo = [max(1, di * (ki - 1) + 1 - 2 * pi) for di, ki, pi in zip(d, k, p)]
    hw = tuple(draw(st.integers(lo_, max(lo_, max_side))) for lo_ in lo)
    return (n, cg * groups, *hw), (og * groups, cg, *k), bias, s, p, d, groups


def _arrays(rng, x_shape, w_shape, bias, c_out, dtype=np.float64):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype) if bias else None
    return x, w, b


def _t(a, rg=True):
    return None if a is None else ag.tensor(a, requires_grad=rg)


# ----------------------------------------------------------------------- forward vs loops
@given(case=conv_cases(), seed=st.integers(0, 2**16))
def test_conv2d_matches_loop_reference(case, seed):
    x_shape, w_shape, bias, s, p, d, groups = case
    x, w, b = _arrays(np.random.default_rng(seed), x_shape, w_shape, bias, w_shape[0])
    y = ag.conv2d(_t(x, False), _t(w, False), _t(b, False), s, p, d, groups)
    np.testing.assert_allclose(y.numpy(), ref_conv2d(x, w, b, s, p, d, groups), atol=1e-10)


@given(case=conv_cases(transposed=True), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_loop_reference(case, seed):
    x_shape, w_shape, bias, s, p, d, groups, op = case
    x, w, b = _arrays(np.random.default_rng(seed), x_shape, w_shape, bias, w_shape[1] * groups)
    y = ag.conv_transpose2d(_t(x, False), _t(w, False), _t(b, False), s, p, op, groups, d)
    expected = ref_conv_transpose2d(x, w, b, s, p, op, d, groups)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-10)


# ----------------------------------------------------------------------- against PyTorch
def _compare_with_torch(torch, ours, theirs, arrays, seed):
    """Forward and every input gradient of ``ours(*tensors)`` vs ``theirs(*torch tensors)``."""
    leaves = [_t(a) for a in arrays]
    t_leaves = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*leaves), theirs(*t_leaves)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10, rtol=1e-8)
    g = np.random.default_rng(seed + 1).standard_normal(y.shape)
    y.backward(ag.tensor(g))
    ty.backward(torch.tensor(g))
    for mine, theirs_ in zip(leaves, t_leaves):
        if mine is not None:
            np.testing.assert_allclose(mine.grad.numpy(), theirs_.grad.numpy(), atol=1e-10,
                                       rtol=1e-8)  # fmt: skip


@_TORCH
@given(case=conv_cases(max_side=9), seed=st.integers(0, 2**16))
def test_conv2d_matches_torch(torch, case, seed):
    x_shape, w_shape, bias, s, p, d, groups = case
    arrays = _arrays(np.random.default_rng(seed), x_shape, w_shape, bias, w_shape[0])
    _compare_with_torch(
        torch,
        lambda x, w, b: ag.conv2d(x, w, b, s, p, d, groups),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, s, p, d, groups),
        arrays, seed,
    )  # fmt: skip


@_TORCH
@given(case=conv_cases(transposed=True), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_torch(torch, case, seed):
    x_shape, w_shape, bias, s, p, d, groups, op = case
    arrays = _arrays(np.random.default_rng(seed), x_shape, w_shape, bias, w_shape[1] * groups)
    _compare_with_torch(
        torch,
        lambda x, w, b: ag.conv_transpose2d(x, w, b, s, p, op, groups, d),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, s, p, op, groups, d),
        arrays, seed,
    )  # fmt: skip


@_TORCH
@given(
    n=st.integers(1, 2), cg=st.integers(1, 3), og=st.integers(1, 2),
    groups=st.sampled_from([1, 2]), length=st.integers(3, 9), k=st.integers(1, 4),
    s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 2),
    unbatched=st.booleans(), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_conv1d_and_transpose1d_match_torch(torch, n, cg, og, groups, length, k, s, p, d,
                                            unbatched, seed):  # fmt: skip
    length = max(length, d * (k - 1) + 1)
    x_shape = (cg * groups, length) if unbatched else (n, cg * groups, length)
    rng = np.random.default_rng(seed)
    arrays = _arrays(rng, x_shape, (og * groups, cg, k), True, og * groups)
    F = torch.nn.functional
    _compare_with_torch(
        torch,
        lambda x, w, b: ag.conv1d(x, w, b, s, p, d, groups),
        lambda x, w, b: F.conv1d(x, w, b, s, p, d, groups),
        arrays,
        seed,
    )
    op = min(s, d) - 1 if s > 1 or d > 1 else 0
    arrays = _arrays(rng, x_shape, (cg * groups, og, k), True, og * groups)
    _compare_with_torch(
        torch,
        lambda x, w, b: ag.conv_transpose1d(x, w, b, s, 0, op, groups, d),
        lambda x, w, b: F.conv_transpose1d(x, w, b, s, 0, op, groups, d),
        arrays, seed,
    )  # fmt: skip


@pytest.mark.parametrize("kernel", [(1, 1), (2, 3), (3, 4), (4, 4)])
@pytest.mark.parametrize("dilation", [1, 2, (1, 3)])
def test_padding_same_and_valid_match_torch(torch, kernel, dilation):
    import warnings

    warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
    rng = np.random.default_rng(0)
    arrays = _arrays(rng, (2, 4, 9, 11), (6, 2, *kernel), True, 6)
    F = torch.nn.functional
    for padding in ("same", "valid"):
        _compare_with_torch(
            torch,
            lambda x, w, b, pad=padding: ag.conv2d(x, w, b, 1, pad, dilation, 2),
            lambda x, w, b, pad=padding: F.conv2d(x, w, b, 1, pad, dilation, 2),
            arrays, 0,
        )  # fmt: skip
    y = ag.conv2d(ag.tensor(arrays[0]), ag.tensor(arrays[1]), padding="same", groups=2)
    assert y.shape[2:] == (9, 11)


def test_unbatched_and_depthwise(torch):
    rng = np.random.default_rng(1)
    arrays = _arrays(rng, (6, 9, 7), (12, 1, 3, 3), True, 12)
    _compare_with_torch(
        torch,
        lambda x, w, b: ag.conv2d(x, w, b, stride=2, padding=1, groups=6),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=6),
        arrays, 1,
    )  # fmt: skip


# ----------------------------------------------------------------------- gradient checks
@_FEW
@given(case=conv_cases(max_side=4), seed=st.integers(0, 2**16))
def test_conv2d_gradcheck_and_gradgradcheck(case, seed):
    x_shape, w_shape, bias, s, p, d, groups = case
    x_shape = (1, *x_shape[1:])
    arrays = _arrays(np.random.default_rng(seed), x_shape, w_shape, bias, w_shape[0])
    leaves = tuple(_t(a) for a in arrays if a is not None)

    def f(x, w, b=None):
        return ag.conv2d(x, w, b, s, p, d, groups)

    assert ag.gradcheck(f, leaves)
    assert ag.gradgradcheck(f, leaves)


@pytest.mark.parametrize(
    "x_shape, w_shape, padding, dilation, stride",
    [
        ((2, 1, 1, 1), (1, 1, 1, 3), (0, 2), (1, 2), (1, 1)),  # found by Hypothesis
        ((3, 2, 1, 2), (2, 2, 3, 1), (3, 0), (2, 1), (1, 1)),
        ((2, 1, 2, 1), (1, 1, 2, 3), (1, 3), (1, 3), (2, 2)),
    ],
)
def test_padding_wider_than_a_taps_reach_keeps_samples_apart(
    x_shape, w_shape, padding, dilation, stride
):
    # A tap whose every output position reads padding has an empty valid range; the column
    # kernels once zeroed past the end of its row, into the next sample's columns, which only
    # shows with N > 1 (the gradchecks above use one sample).
    rng = np.random.default_rng(0)
    xa, wa = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    x, w = _t(xa), _t(wa)
    y = ag.conv2d(x, w, None, stride, padding, dilation)
    expected = ref_conv2d(xa, wa, None, stride, padding, dilation, 1)
    np.testing.assert_allclose(y.detach().numpy(), expected, atol=1e-12)
    assert ag.gradcheck(lambda x, w: ag.conv2d(x, w, None, stride, padding, dilation), (x, w))


@_FEW
@given(case=conv_cases(transposed=True), seed=st.integers(0, 2**16))
def test_conv_transpose2d_gradcheck_and_gradgradcheck(case, seed):
    x_shape, w_shape, bias, s, p, d, groups, op = case
    x_shape = (1, *x_shape[1:])
    arrays = _arrays(np.random.default_rng(seed), x_shape, w_shape, bias, w_shape[1] * groups)
    leaves = tuple(_t(a) for a in arrays if a is not None)

    def f(x, w, b=None):
        return ag.conv_transpose2d(x, w, b, s, p, op, groups, d)

    assert ag.gradcheck(f, leaves)
    assert ag.gradgradcheck(f, leaves)


def test_second_order_matches_torch(torch):
    # d/dw of |d(y . v)/dx|^2: every one of the three Functions appears in the graph.
    rng = np.random.default_rng(2)
    x, w, b = _arrays(rng, (2, 4, 6, 5), (6, 2, 3, 2), True, 6)
    v = rng.standard_normal((2, 6, 3, 5))
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    X, W, B = _t(x), _t(w), _t(b)
    (gx, gw) = ag.grad((ag.conv2d(X, W, B, **kw) * ag.tensor(v)).sum(), (X, W), create_graph=True)
    ((gx**2).sum() + (gw**3).sum()).backward()
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    y = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    tgx, tgw = torch.autograd.grad((y * torch.tensor(v)).sum(), (tx, tw), create_graph=True)
    ((tgx**2).sum() + (tgw**3).sum()).backward()
    np.testing.assert_allclose(X.grad.numpy(), tx.grad.numpy(), atol=1e-9)
    np.testing.assert_allclose(W.grad.numpy(), tw.grad.numpy(), atol=1e-9)


@settings(_TORCH, max_examples=_FEW.max_examples)
@given(n=st.integers(2, 5), c=st.integers(10, 14), o=st.integers(1, 12), h=st.integers(1, 5),
       bias=st.booleans(), seed=st.integers(0, 2**16))  # fmt: skip
def test_pointwise_on_the_kernel_threads_matches_torch(torch, monkeypatch, n, c, o, h, bias, seed):
    # A 1x1 convolution of a batch with more than 9 input channels (fewer take the direct
    # kernels) runs each kernel thread's samples (the kernel compiled now if need be); first and
    # second order against PyTorch.
    from autograd.kernels import _conv_drivers

    monkeypatch.setattr(_conv_drivers._POINTWISE, "ready", True)
    arrays = _arrays(np.random.default_rng(seed), (n, c, h, h + 1), (o, c, 1, 1), bias, o)
    _compare_with_torch(
        torch,
        lambda x, w, b: ag.conv2d(x, w, b),
        lambda x, w, b: torch.nn.functional.conv2d(x, w, b),
        arrays, seed,
    )  # fmt: skip
    x, w = _t(arrays[0]), _t(arrays[1])
    tx, tw = (torch.tensor(a, requires_grad=True) for a in arrays[:2])
    gx, gw = ag.grad((ag.conv2d(x, w) ** 2).sum(), (x, w), create_graph=True)
    ((gx**2).sum() + (gw**2).sum()).backward()
    tgx, tgw = torch.autograd.grad((torch.nn.functional.conv2d(tx, tw) ** 2).sum(), (tx, tw),
                                   create_graph=True)  # fmt: skip
    ((tgx**2).sum() + (tgw**2).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-8, atol=1e-9)


# ----------------------------------------------------------------------- dtypes and modes
@settings(max_examples=min(settings().max_examples, 15))
@given(case=conv_cases(), seed=st.integers(0, 2**16), transposed=st.booleans())
def test_float32_close_to_float64(case, seed, transposed):
    x_shape, w_shape, bias, s, p, d, groups = case
    rng = np.random.default_rng(seed)
    if transposed:
        w_shape = (x_shape[1], w_shape[0] // groups, *w_shape[2:])
        c_out, p = w_shape[1] * groups, (0, 0)
    else:
        c_out = w_shape[0]
    x, w, b = _arrays(rng, x_shape, w_shape, bias, c_out)
    g = None
    results = {}
    for dtype in (np.float32, np.float64):
        leaves = [_t(None if a is None else a.astype(dtype)) for a in (x, w, b)]
        if transposed:
            y = ag.conv_transpose2d(*leaves, stride=s, padding=p, groups=groups, dilation=d)
        else:
            y = ag.conv2d(*leaves, stride=s, padding=p, dilation=d, groups=groups)
        assert y.dtype == dtype
        if g is None:
            g = rng.standard_normal(y.shape)
        y.backward(ag.tensor(g.astype(dtype)))
        results[dtype] = [y.detach().numpy()] + [t.grad.numpy() for t in leaves if t is not None]
    for a32, a64 in zip(results[np.float32], results[np.float64]):
        assert a32.dtype == np.float32
        np.testing.assert_allclose(a32, a64, atol=1e-4 * max(1.0, np.abs(a64).max()))


def test_mixed_dtypes_promote_and_ints_become_float32():
    x = ag.ones(1, 2, 4, 4, dtype=ag.float32, requires_grad=True)
    w = ag.ones(3, 2, 3, 3, dtype=ag.float64, requires_grad=True)
    y = ag.conv2d(x, w)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    y = ag.conv2d(np.ones((1, 1, 3, 3), np.int64), np.ones((1, 1, 2, 2), np.int64))
    assert y.dtype == np.float32 and float(y.sum().item()) == 16.0


def test_no_grad_and_partial_requires_grad():
    x = ag.randn(2, 3, 5, 5)
    w = ag.randn(4, 3, 3, 3, requires_grad=True)
    with ag.no_grad():
        assert ag.conv2d(x, w).grad_fn is None
    ag.conv2d(x, w, padding=1).sum().backward()
    assert x.grad is None and w.grad.shape == (4, 3, 3, 3)


def test_noncontiguous_inputs_and_gradient(torch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 6, 3)).transpose(0, 3, 1, 2)  # (2, 3, 5, 6), strided
    w = rng.standard_normal((4, 6, 3, 3))[::2, ::2]  # (2, 3, 3, 3), strided
    X, W = _t(x), _t(w)
    y = ag.conv2d(X, W, padding=1)
    g = rng.standard_normal(y.shape[::-1]).T  # a transposed gradient
    y.backward(ag.tensor(g))
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, padding=1).backward(torch.tensor(np.ascontiguousarray(g)))
    np.testing.assert_allclose(X.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(W.grad.numpy(), tw.grad.numpy(), atol=1e-10)


# ----------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ag.conv2d(ag.ones(1, 3, 5, 5), ag.ones(4, 2, 3, 3)), r"3 channels.*expects 2"),
        (lambda: ag.conv2d(ag.ones(1, 4, 5, 5), ag.ones(4, 2, 3, 3), groups=3), "groups"),
        (lambda: ag.conv2d(ag.ones(1, 4, 5, 5), ag.ones(3, 2, 3, 3), groups=2), "divisible"),
        (lambda: ag.conv2d(ag.ones(1, 1, 2, 2), ag.ones(1, 1, 3, 3)), "larger than the padded"),
        (lambda: ag.conv2d(ag.ones(1, 1, 4, 4), ag.ones(1, 1, 3, 3), dilation=2, padding=0),
         "larger than the padded"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), stride=0), "stride"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), stride=(1, -1)), "stride"),
        (lambda: ag.conv2d(ag.ones(5, 5), ag.ones(1, 1, 3, 3)), "3-D"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 3, 3)), "weight must be 4-D"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), padding=-1), "padding"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), padding="full"), "padding"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), padding="same", stride=2),
         "same"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(2, 1, 3, 3), ag.ones(3)), "bias"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), groups=0), "groups"),
        (lambda: ag.conv1d(ag.ones(1, 2, 5), ag.ones(1, 3, 3)), r"conv1d: input has 2"),
        (lambda: ag.conv1d(ag.ones(1, 2, 5, 5), ag.ones(1, 2, 3)), "conv1d"),
        (lambda: ag.conv_transpose2d(ag.ones(1, 3, 4, 4), ag.ones(2, 1, 3, 3)), r"3 channels"),
        (lambda: ag.conv_transpose2d(ag.ones(1, 3, 4, 4), ag.ones(3, 1, 3, 3), groups=2),
         "divisible"),
        (lambda: ag.conv_transpose2d(ag.ones(1, 1, 4, 4), ag.ones(1, 1, 3, 3), stride=2,
                                     output_padding=2), "output_padding"),  # fmt: skip
        (lambda: ag.conv_transpose2d(ag.ones(1, 1, 1, 1), ag.ones(1, 1, 1, 1), padding=1),
         "not positive"),
        (lambda: ag.conv_transpose2d(ag.ones(1, 1, 4, 4), ag.ones(1, 1, 3, 3), stride=0),
         "stride"),
        # Zero-size kernels, weights and planes are refused, as PyTorch does.
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(4, 1, 0, 0)), "kernel size"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(4, 1, 0, 3)), "kernel size"),
        (lambda: ag.conv1d(ag.ones(1, 1, 5), ag.ones(4, 1, 0)), "conv1d: .*kernel size"),
        (lambda: ag.conv_transpose2d(ag.ones(1, 1, 5, 5), ag.ones(1, 4, 0, 0)), "kernel size"),
        (lambda: ag.conv_transpose2d(ag.ones(1, 1, 5, 5), ag.ones(1, 0, 3, 3)),
         "output channel"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(0, 1, 3, 3)), "output channel"),
        (lambda: ag.conv2d(ag.ones(1, 1, 0, 5), ag.ones(1, 1, 1, 1), padding=2), "non-zero"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), stride=(1, 1, 1)),
         r"stride must be an int or a tuple of 2 ints, got \(1, 1, 1\)"),
        (lambda: ag.conv2d(ag.ones(1, 1, 5, 5), ag.ones(1, 1, 3, 3), stride=1.5), "stride"),
    ],
)  # fmt: skip
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises((ValueError, TypeError), match=message) as info:
        call()
    assert str(info.value).startswith(("conv1d", "conv2d", "conv_transpose"))


def test_single_element_tuples_stand_for_every_axis():
    # As PyTorch: stride=(2,) is stride=(2, 2); output_padding=(1,) likewise.
    x, w = ag.randn(2, 3, 9, 8), ag.randn(4, 3, 3, 3)
    got = ag.conv2d(x, w, stride=(2,), padding=[1], dilation=(2,))
    np.testing.assert_array_equal(got.numpy(), ag.conv2d(x, w, None, 2, 1, 2).numpy())
    wt = ag.randn(3, 4, 3, 3)
    got = ag.conv_transpose2d(x, wt, stride=(2,), output_padding=(1,))
    np.testing.assert_array_equal(
        got.numpy(), ag.conv_transpose2d(x, wt, stride=2, output_padding=1).numpy()
    )
