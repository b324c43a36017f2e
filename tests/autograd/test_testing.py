"""autograd.testing: the strategies draw what they promise, and the op checkers catch bugs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import autograd
from autograd import testing
from autograd.gradcheck import GradcheckError


# ------------------------------------------------------------------------------ strategies
@given(testing.shapes())
def test_shapes_are_small_tuples(shape):
    assert isinstance(shape, tuple) and len(shape) <= 3
    assert all(1 <= s <= 4 for s in shape)


def test_shapes_include_zero_dim_and_size_one():
    assert find(testing.shapes(), lambda s: s == ()) == ()
    assert 1 in find(testing.shapes(min_dims=2), lambda s: 1 in s)


@given(testing.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


def test_broadcastable_shapes_include_stretched_dims():
    a, b = find(
        testing.broadcastable_shapes(2, min_dims=1),
        lambda ab: len(ab[0]) == len(ab[1]) and ab[0] != ab[1],
    )
    assert np.broadcast_shapes(a, b) != a or np.broadcast_shapes(a, b) != b


@given(st.data(), st.sampled_from([np.float32, np.float64]))
def test_arrays_respect_bounds_and_dtype(data, dtype):
    a = data.draw(testing.arrays(testing.shapes(), dtype, low=0.3, high=2.0))
    assert a.dtype == dtype
    assert np.all((a >= np.float32(0.3) if dtype == np.float32 else a >= 0.3) & (a <= 2.0))
    assert np.all(np.isfinite(a))


@given(testing.arrays((5,), np.int64, low=-2, high=3))
def test_integer_arrays(a):
    assert a.dtype == np.int64 and a.min() >= -2 and a.max() <= 3


def test_arrays_draw_the_kinks():
    a = find(testing.arrays((3,), kinks=(0.5,)), lambda a: bool((a == 0.5).any()))
    assert 0.5 in a


@given(testing.arrays((6,), kinks=(0.0, 1.0)))
def test_values_near_a_kink_are_moved_onto_it(a):
    for k in (0.0, 1.0):
        d = np.abs(a - k)
        assert np.all((d == 0) | (d >= testing.KINK_MARGIN))


@given(st.data())
def test_avoiding_kinks_keeps_values_apart(data):
    with testing.avoiding_kinks():
        a = data.draw(testing.arrays(testing.shapes(), kinks=(0.0, 1.0)))
        b = data.draw(testing.arrays(testing.shapes(), kinks=(0.0, 1.0)))
        mask = data.draw(testing.tie_mask((2, 2)))
    margin = testing.KINK_MARGIN * (1 - 1e-6)
    for k in (0.0, 1.0):
        assert np.all(np.abs(a - k) >= margin) and np.all(np.abs(b - k) >= margin)
    flat = np.sort(a.reshape(-1))
    assert np.all(np.diff(flat) >= margin)  # no ties inside an array
    assert np.min(np.abs(a.reshape(-1, 1) - b.reshape(1, -1))) > 1e-5  # nor across arrays
    assert not mask.any()


def test_strategy_built_outside_avoiding_kinks_obeys_it_when_drawn():
    strategy = testing.arrays((4,), kinks=(0.0,))

    @settings(max_examples=20, database=None)
    @given(st.data())
    def check(data):
        with testing.avoiding_kinks():
            a = data.draw(strategy)
        assert np.all(np.abs(a) >= testing.KINK_MARGIN * (1 - 1e-6))

    check()


def test_tie_mask_draws_ties_outside_avoiding_kinks():
    assert find(testing.tie_mask((3,)), lambda m: bool(m.any())).any()


@given(testing.tensors(autograd.float64, requires_grad=True))
def test_tensors(t):
    assert isinstance(t, autograd.Tensor) and t.dtype == np.float64 and t.requires_grad


@given(testing.tensors(autograd.int64, shape=(2, 3), requires_grad=True))
def test_int_tensors_never_require_grad(t):
    assert t.shape == (2, 3) and not t.requires_grad


@given(st.data(), st.integers(0, 3))
def test_dims_are_valid(data, ndim):
    d = data.draw(testing.dims(ndim, allow_none=True))
    if d is None:
        return
    for k in d if isinstance(d, tuple) else (d,):
        assert -max(ndim, 1) <= k < max(ndim, 1)


# ------------------------------------------------------------------------------ OpCall
def test_opcall_turns_float_arrays_into_leaves():
    call = testing.OpCall(
        lambda xs, idx, scale=1.0: xs[0] * xs[1] * scale + idx,
        [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
        np.array([1, 2]),
        kwargs={"scale": 2.0},
    )
    assert len(call.leaves) == 2 and all(t.requires_grad for t in call.leaves)
    np.testing.assert_allclose(call().detach().numpy(), [7.0, 18.0])
    new = (autograd.tensor([1.0, 1.0]), autograd.tensor([1.0, 1.0]))
    np.testing.assert_allclose(call(*new).numpy(), [3.0, 4.0])


def test_opcall_non_contiguous_leaves():
    call = testing.OpCall(autograd.exp, np.ones((2, 3)), contiguous=False)
    (leaf,) = call.leaves
    assert not leaf.is_contiguous()
    np.testing.assert_allclose(call().detach().numpy(), np.e)


def test_opcall_does_not_alias_the_given_arrays():
    a = np.array([1.0, 2.0])
    call = testing.OpCall(autograd.neg, a)
    call.leaves[0].detach().numpy()[0] = 99
    assert a[0] == 1.0


# ------------------------------------------------------------------------------ check_op
class Cube(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class CubeWrongGrad(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x


def test_check_op_passes_a_correct_op():
    out = testing.check_op(Cube.apply, lambda x: x**3, np.array([0.5, -1.0, 2.0]))
    assert out.shape == (3,)


def test_check_op_accepts_tensors_and_float32():
    x = autograd.tensor([0.5, -1.0])  # float32: gradients are checked on a float64 copy
    testing.check_op(Cube.apply, lambda x: x**3, x)


def test_check_op_catches_a_wrong_forward():
    with pytest.raises(AssertionError, match="reference"):
        testing.check_op(Cube.apply, lambda x: x**2, np.array([0.5, 2.0]))


def test_check_op_catches_a_wrong_shape():
    with pytest.raises(AssertionError, match="shape"):
        testing.check_op(Cube.apply, lambda x: x.reshape(1, -1) ** 3, np.array([0.5, 2.0]))


def test_check_op_catches_a_wrong_gradient():
    with pytest.raises(GradcheckError):
        testing.check_op(CubeWrongGrad.apply, lambda x: x**3, np.array([0.5, 2.0]))


def test_check_op_kwargs_and_no_ref():
    testing.check_op(autograd.clamp, None, np.array([0.5, 2.0]), kwargs={"min": 1.0})


# ------------------------------------------------------------------------------ op_test
@testing.op_test(lambda x: x**3, testing.arrays(testing.shapes()), max_examples=5)
def test_op_test_decorator_on_a_correct_op(x):
    return Cube.apply(x)


@testing.op_test(
    lambda x, min: np.maximum(x, min),
    testing.arrays(testing.shapes(), kinks=(0.0,)),
    kwargs=st.fixed_dictionaries({"min": st.just(0.0)}),
    max_examples=5,
)
def test_op_test_decorator_with_kinks_and_kwargs(x, min):  # noqa: A002
    return autograd.clamp(x, min=min)


def test_op_test_decorator_fails_for_a_wrong_gradient():
    @testing.op_test(lambda x: x**3, testing.arrays((2,)), max_examples=5)
    def broken(x):
        return CubeWrongGrad.apply(x)

    with pytest.raises(GradcheckError):
        broken()
