"""Sums over middle axes: NumPy's sums bit for bit (signed zeros, inf and NaN included), in any
number of parts; the shapes left to NumPy; and the broadcast ops' gradients summed by them."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.kernels import reduce
from autograd.kernels._jit import run_parallel

CASES = [((128, 32, 64), (1,)), ((4, 5, 6, 70), (1, 2)), ((3, 300, 8), (1,)),
         ((2, 3, 1, 40, 16), (1, 2, 3)), ((50, 2, 9), (1,))]  # fmt: skip


def _values(shape: tuple, dtype: type) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype) * 100
    flat = x.reshape(-1)
    flat[:4] = [-0.0, np.inf, np.nan, -np.inf]
    flat[-2:] = -0.0
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axes", CASES, ids=str)
@pytest.mark.parametrize("parts", [1, 2, 7])
def test_sums_are_numpys_bit_for_bit(dtype, shape, axes, parts):
    x = _values(shape, dtype)
    before, across, after = reduce.blocks(shape, axes)
    out = np.empty((before, after), dtype)
    reduce._sum_between.serial(x.reshape(before, across, after), out, parts)
    want = x.sum(axis=axes, keepdims=True)
    assert out.reshape(want.shape).view(np.uint8).tobytes() == want.view(np.uint8).tobytes()
    out[...] = 1
    run_parallel(reduce._sum_between, x.reshape(before, across, after), out, parts)
    assert out.reshape(want.shape).view(np.uint8).tobytes() == want.view(np.uint8).tobytes()


@pytest.mark.parametrize(
    "shape, axes",
    [
        ((64, 128), (0,)),
        ((64, 128), (1,)),
        ((8, 16, 4), (1,)),
        ((4, 5, 6, 70), (1, 3)),
        ((1, 30, 70), (1,)),
    ],  # fmt: skip
    ids=["leading", "last", "few-after", "not-adjacent", "nothing-before"],
)
def test_blocks_leave_the_other_sums(shape, axes):
    assert reduce.blocks(shape, axes) is None


def test_sum_between_leaves_small_strided_and_integer_arrays():
    assert reduce.sum_between(np.ones((4, 8, 16), np.float32), (1,)) is None  # small
    assert reduce.sum_between(np.ones((64, 32, 64), np.float32)[:, :, ::2], (1,)) is None
    assert reduce.sum_between(np.ones((64, 32, 64), np.int64), (1,)) is None


def test_broadcast_gradients_are_the_engines_sums():
    rng = np.random.default_rng(3)
    a_np = rng.standard_normal((128, 1, 64)).astype(np.float32)
    b_np = rng.standard_normal((128, 32, 64)).astype(np.float32)
    g = rng.standard_normal((128, 32, 64)).astype(np.float32)
    for op in (autograd.add, autograd.sub, autograd.mul):
        a = autograd.tensor(a_np, requires_grad=True)
        b = autograd.tensor(b_np, requires_grad=True)
        op(a, b).backward(autograd.tensor(g))
        want = {autograd.add: g, autograd.sub: g, autograd.mul: g * b_np}[op]
        np.testing.assert_array_equal(a.grad.numpy(), want.sum(axis=1, keepdims=True))
    # Under create_graph the rules' gradients are Tensors: the engine sums them, the same way.
    a = autograd.tensor(a_np.astype(np.float64), requires_grad=True)
    b = autograd.tensor(b_np.astype(np.float64), requires_grad=True)
    (ga,) = autograd.grad((a * b).pow(2).sum(), a, create_graph=True)
    np.testing.assert_allclose(
        ga.detach().numpy(), (2 * a_np * b_np * b_np).astype(np.float64).sum(1, keepdims=True),
        rtol=1e-5,
    )  # fmt: skip
