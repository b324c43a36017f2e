"""Tests for autograd/ops/pool.py: max/avg pooling (1-D, 2-D) and adaptive pooling.

Forward against slow window loops (shared with the kernel tests), forward, indices and
gradients against PyTorch over Hypothesis-drawn geometries, gradcheck/gradgradcheck in float64,
float32 against float64, second order against PyTorch, and the error messages for bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The slow references shared with the kernel tests (tests/autograd/kernels/pool_reference.py).
from kernels.pool_reference import ref_adaptive_windows, ref_avg_pool, ref_max_pool

import autograd as ag

_FEW = settings(max_examples=min(settings().max_examples, 10))
# The torch fixture only imports torch; nothing in it needs resetting between examples.
_TORCH = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------- slow references
def ref_adaptive(x, out, reduce):
    y = np.empty((*x.shape[:2], *out), x.dtype)
    for i, (r0, r1) in enumerate(ref_adaptive_windows(x.shape[2], out[0])):
        for j, (q0, q1) in enumerate(ref_adaptive_windows(x.shape[3], out[1])):
            y[:, :, i, j] = reduce(x[:, :, r0:r1, q0:q1], axis=(2, 3))
    return y


# ----------------------------------------------------------------------- strategies
@st.composite
def windows(draw, dilation=True, max_side=7):
    """(x_shape, kernel, stride, padding, dilation, ceil_mode), every window non-empty."""
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = tuple(draw(st.integers(0, ki // 2)) for ki in k)
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    hw = tuple(draw(st.integers(di * (ki - 1) + 1, max(di * (ki - 1) + 1, max_side)))
               for di, ki in zip(d, k))  # fmt: skip
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), *hw)
    return shape, k, s, p, d, draw(st.booleans())


def _x(seed, shape, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------- forward vs loops
@given(case=windows(), seed=st.integers(0, 2**16))
def test_max_pool2d_matches_loop_reference(case, seed):
    shape, k, s, p, d, ceil_mode = case
    x = _x(seed, shape)
    y, index = ag.max_pool2d(ag.tensor(x), k, s, p, d, ceil_mode, return_indices=True)
    ref_y, winner = ref_max_pool(x, k, s, p, d, ceil_mode)
    ref_index = winner[..., 0] * shape[3] + winner[..., 1]  # the flat in-plane index
    np.testing.assert_array_equal(y.numpy(), ref_y)
    np.testing.assert_array_equal(index.numpy(), ref_index)
    assert index.dtype == np.int64


@given(case=windows(dilation=False), seed=st.integers(0, 2**16), include=st.booleans(),
       divisor=st.sampled_from([None, 1, 3]))  # fmt: skip
def test_avg_pool2d_matches_loop_reference(case, seed, include, divisor):
    shape, k, s, p, _, ceil_mode = case
    x = _x(seed, shape)
    y = ag.avg_pool2d(ag.tensor(x), k, s, p, ceil_mode, include, divisor)
    expected = ref_avg_pool(x, k, s, p, ceil_mode, include, divisor)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-12)


@given(
    shape=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 7), st.integers(1, 7)),
    out=st.tuples(st.integers(1, 5), st.integers(1, 5)), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_adaptive_pools_match_loop_reference(shape, out, seed):
    x = _x(seed, shape)
    np.testing.assert_allclose(
        ag.adaptive_avg_pool2d(ag.tensor(x), out).numpy(), ref_adaptive(x, out, np.mean),
        atol=1e-12,
    )  # fmt: skip
    np.testing.assert_array_equal(
        ag.adaptive_max_pool2d(ag.tensor(x), out).numpy(), ref_adaptive(x, out, np.max)
    )


# ----------------------------------------------------------------------- against PyTorch
def _compare(torch, ours, theirs, x, seed):
    """Outputs (indices exactly) and the input gradient, ours vs PyTorch's."""
    xt, tx = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, t_out = ours(xt), theirs(tx)
    if isinstance(out, tuple):
        np.testing.assert_array_equal(out[1].numpy(), t_out[1].numpy())
        out, t_out = out[0], t_out[0]
    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    g = np.random.default_rng(seed + 1).standard_normal(out.shape)
    out.backward(ag.tensor(g))
    t_out.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), atol=1e-12)


@_TORCH
@given(case=windows(), seed=st.integers(0, 2**16), ties=st.booleans())
def test_max_pool2d_matches_torch(torch, case, seed, ties):
    shape, k, s, p, d, ceil_mode = case
    x = _x(seed, shape)
    if ties:  # few distinct values: ties go to the first maximum, as in PyTorch
        x = np.round(x)
    kw = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode,
              return_indices=True)  # fmt: skip
    _compare(torch, lambda t: ag.max_pool2d(t, **kw),
             lambda t: torch.nn.functional.max_pool2d(t, **kw), x, seed)  # fmt: skip


@_TORCH
@given(case=windows(dilation=False), seed=st.integers(0, 2**16), include=st.booleans(),
       divisor=st.sampled_from([None, 2]))  # fmt: skip
def test_avg_pool2d_matches_torch(torch, case, seed, include, divisor):
    shape, k, s, p, _, ceil_mode = case
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil_mode,
              count_include_pad=include, divisor_override=divisor)  # fmt: skip
    _compare(torch, lambda t: ag.avg_pool2d(t, **kw),
             lambda t: torch.nn.functional.avg_pool2d(t, **kw), _x(seed, shape), seed)  # fmt: skip


@_TORCH
@given(
    length=st.integers(1, 9), k=st.integers(1, 4), s=st.one_of(st.none(), st.integers(1, 3)),
    p=st.integers(0, 2), d=st.integers(1, 2), ceil_mode=st.booleans(), include=st.booleans(),
    unbatched=st.booleans(), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_1d_pools_match_torch(torch, length, k, s, p, d, ceil_mode, include, unbatched, seed):
    p = min(p, k // 2)
    length = max(length, d * (k - 1) + 1)
    x = _x(seed, (3, length) if unbatched else (2, 3, length))
    F = torch.nn.functional
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil_mode)
    _compare(torch, lambda t: ag.max_pool1d(t, dilation=d, return_indices=True, **kw),
             lambda t: F.max_pool1d(t, dilation=d, return_indices=True, **kw), x, seed)  # fmt: skip
    _compare(torch, lambda t: ag.avg_pool1d(t, count_include_pad=include, **kw),
             lambda t: F.avg_pool1d(t, count_include_pad=include, **kw), x, seed)  # fmt: skip


@_TORCH
@given(
    shape=st.one_of(
        st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 8), st.integers(1, 8)),
        st.tuples(st.integers(1, 3), st.integers(1, 8), st.integers(1, 8)),
    ),
    out=st.one_of(st.integers(1, 5), st.tuples(st.one_of(st.none(), st.integers(1, 5)),
                                                st.integers(1, 5))),
    seed=st.integers(0, 2**16),
)  # fmt: skip
def test_adaptive_pools_match_torch(torch, shape, out, seed):
    x = _x(seed, shape)
    F = torch.nn.functional
    _compare(torch, lambda t: ag.adaptive_avg_pool2d(t, out),
             lambda t: F.adaptive_avg_pool2d(t, out), x, seed)  # fmt: skip
    _compare(torch, lambda t: ag.adaptive_max_pool2d(t, out, return_indices=True),
             lambda t: F.adaptive_max_pool2d(t, out, return_indices=True), x, seed)  # fmt: skip


def test_global_pooling_shapes():
    x = ag.randn(2, 3, 5, 4)
    assert ag.adaptive_avg_pool2d(x, 1).shape == (2, 3, 1, 1)
    assert ag.adaptive_max_pool2d(x, (None, 1)).shape == (2, 3, 5, 1)
    np.testing.assert_allclose(
        ag.adaptive_avg_pool2d(x, 1).numpy()[..., 0, 0], x.numpy().mean(axis=(2, 3)), atol=1e-6
    )


# ----------------------------------------------------------------------- gradient checks
def _smooth(seed, shape):
    # Distinct values: no ties, so max pooling is differentiable at the drawn point.
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


@_FEW
@given(case=windows(max_side=5), seed=st.integers(0, 2**16))
def test_pools_gradcheck_and_gradgradcheck(case, seed):
    shape, k, s, p, d, ceil_mode = case
    x = ag.tensor(_smooth(seed, (1, *shape[1:])), requires_grad=True)
    fns = [
        lambda t: ag.max_pool2d(t, k, s, p, d, ceil_mode),
        lambda t: ag.avg_pool2d(t, k, s, p, ceil_mode, count_include_pad=False),
        lambda t: ag.adaptive_avg_pool2d(t, (k[0], None)),
        lambda t: ag.adaptive_max_pool2d(t, k),
        lambda t: ag.adaptive_avg_pool2d(t, 1),
    ]
    for f in fns:
        assert ag.gradcheck(f, (x,))
        assert ag.gradgradcheck(f, (x,))


def test_second_order_matches_torch(torch):
    # grad of a function of the first gradient: the scatter's backward (gather) is exercised.
    x = _smooth(0, (2, 2, 6, 5))
    rng = np.random.default_rng(1)
    F = torch.nn.functional
    for ours, theirs in [
        (lambda t: ag.max_pool2d(t, 3, 2, 1), lambda t: F.max_pool2d(t, 3, 2, 1)),
        (lambda t: ag.avg_pool2d(t, 3, 2, 1), lambda t: F.avg_pool2d(t, 3, 2, 1)),
        (lambda t: ag.adaptive_max_pool2d(t, (3, 2)), lambda t: F.adaptive_max_pool2d(t, (3, 2))),
    ]:
        xt = ag.tensor(x, requires_grad=True)
        v = rng.standard_normal(ours(xt).shape)
        (gx,) = ag.grad((ours(xt) ** 2 * ag.tensor(v)).sum(), xt, create_graph=True)
        (gx**2 * xt).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        (tgx,) = torch.autograd.grad((theirs(tx) ** 2 * torch.tensor(v)).sum(), tx,
                                     create_graph=True)  # fmt: skip
        (tgx**2 * tx).sum().backward()
        np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), atol=1e-9)


# ----------------------------------------------------------------------- dtypes
@settings(max_examples=min(settings().max_examples, 15))
@given(case=windows(), seed=st.integers(0, 2**16))
def test_float32_close_to_float64(case, seed):
    shape, k, s, p, d, ceil_mode = case
    x = _smooth(seed, shape)
    fns = [
        lambda t: ag.max_pool2d(t, k, s, p, d, ceil_mode),
        lambda t: ag.avg_pool2d(t, k, s, p, ceil_mode),
        lambda t: ag.adaptive_avg_pool2d(t, 2),
        lambda t: ag.adaptive_max_pool2d(t, 2),
    ]
    for f in fns:
        results = []
        for dtype in (np.float32, np.float64):
            t = ag.tensor(x.astype(dtype), requires_grad=True)
            y = f(t)
            assert y.dtype == dtype
            y.backward(ag.ones(*y.shape, dtype=dtype))
            results.append((y.detach().numpy(), t.grad.numpy()))
        for a32, a64 in zip(*results):
            assert a32.dtype == np.float32
            np.testing.assert_allclose(a32, a64, atol=1e-4 * max(1.0, np.abs(a64).max()))


def test_int_input_becomes_float32():
    y = ag.max_pool2d(np.arange(16).reshape(1, 1, 4, 4), 2)
    assert y.dtype == np.float32 and y.numpy().ravel().tolist() == [5, 7, 13, 15]


# ----------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ag.max_pool2d(ag.ones(4, 4), 2), "max_pool2d: expected input to be 3-D"),
        (lambda: ag.max_pool2d(ag.ones(1, 1, 4, 4), 0), "kernel_size must be positive"),
        (lambda: ag.max_pool2d(ag.ones(1, 1, 4, 4), 2, stride=0), "stride must be positive"),
        (lambda: ag.max_pool2d(ag.ones(1, 1, 4, 4), 2, padding=2), "at most half"),
        (lambda: ag.max_pool2d(ag.ones(1, 1, 2, 2), 3), "too small"),
        (lambda: ag.max_pool2d(ag.ones(1, 1, 4, 4), (2, 2, 2)), "kernel_size"),
        (lambda: ag.avg_pool2d(ag.ones(1, 1, 4, 4), 2, divisor_override=0), "divisor_override"),
        (lambda: ag.avg_pool2d(ag.ones(1, 1, 4, 4), 2, stride=-1), "stride"),
        (lambda: ag.max_pool1d(ag.ones(1, 1, 4, 4), 2), "max_pool1d: expected input to be 2-D"),
        (lambda: ag.avg_pool1d(ag.ones(1, 1, 2), 3), "avg_pool1d.*too small"),
        (lambda: ag.adaptive_avg_pool2d(ag.ones(1, 1, 4, 4), 0), "output_size"),
        (lambda: ag.adaptive_max_pool2d(ag.ones(1, 1, 4, 4), (1, 2, 3)), "output_size"),
        (lambda: ag.adaptive_max_pool2d(ag.ones(4, 4), 1), "adaptive_max_pool2d: expected"),
        # Only the batch may be empty, as in PyTorch.
        (lambda: ag.max_pool2d(ag.ones(1, 0, 4, 4), 2), "max_pool2d: .*must be non-zero"),
        (lambda: ag.avg_pool1d(ag.ones(1, 2, 0), 1), "avg_pool1d: .*must be non-zero"),
        (lambda: ag.adaptive_avg_pool2d(ag.ones(1, 1, 0, 4), 1), "must be non-zero"),
        (lambda: ag.max_pool1d(ag.ones(1, 1, 4), (2, 2)), "max_pool1d: kernel_size"),
        (lambda: ag.adaptive_avg_pool2d(ag.ones(1, 1, 4, 4), (2,)), "output_size"),
        (lambda: ag.adaptive_avg_pool1d(ag.ones(4), 2), "adaptive_avg_pool1d: expected input"),
        (lambda: ag.adaptive_max_pool1d(ag.ones(1, 4), 0), "output_size must be a positive"),
        (lambda: ag.adaptive_avg_pool1d(ag.ones(1, 4), (2, 2)), "output_size must be a pos"),
    ],
)  # fmt: skip
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_single_element_tuples_stand_for_every_axis():
    x = ag.randn(2, 3, 9, 8)
    for op in (ag.max_pool2d, ag.avg_pool2d):
        got = op(x, (3,), stride=(2,), padding=(1,))
        np.testing.assert_array_equal(got.numpy(), op(x, 3, 2, 1).numpy())
    assert ag.max_pool2d(ag.ones(0, 1, 4, 4), 2).shape == (0, 1, 2, 2)


def test_adaptive_1d_pools_are_the_2d_pools_over_one_row():
    x = ag.randn(2, 3, 7)
    for op1, op2 in ((ag.adaptive_avg_pool1d, ag.adaptive_avg_pool2d),
                     (ag.adaptive_max_pool1d, ag.adaptive_max_pool2d)):  # fmt: skip
        expected = op2(x.unsqueeze(2), (1, 3)).squeeze(2)
        np.testing.assert_array_equal(op1(x, (3,)).numpy(), expected.numpy())
    values, idx = ag.adaptive_max_pool1d(ag.tensor([[1.0, 4.0, 2.0, 3.0]]), 2, return_indices=True)
    assert idx.tolist() == [[1, 3]] and values.tolist() == [[4.0, 3.0]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_global_average_pool_of_large_values_is_their_mean(dtype):
    # PyTorch 2.13 (CPU) sums a float32 plane in float32 and returns inf for the first plane;
    # the mean of values that all fit is finite, and that is what the math gives.
    big = np.finfo(dtype).max / 2
    x = np.full((1, 3, 4, 4), big, dtype)
    x[0, 1] = -big
    x[0, 2, 0, 0] = np.inf  # an inf still makes the mean inf
    y = ag.adaptive_avg_pool2d(ag.tensor(x), 1).numpy().ravel()
    assert y.dtype == dtype
    np.testing.assert_allclose(y[:2], [big, -big], rtol=1e-6)
    assert y[2] == np.inf
    # Non-contiguous planes give the same means.
    strided = ag.tensor(np.ascontiguousarray(np.swapaxes(x, 2, 3))).transpose(2, 3)
    np.testing.assert_array_equal(ag.adaptive_avg_pool2d(strided, 1).numpy().ravel(), y)
