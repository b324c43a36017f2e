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


# ------------------------------------------------------------------------- forward mode
class FwdCube(Cube):
    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        return 3 * x * x * u


class FwdCubeWrongJvp(Cube):
    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        return 2 * x * x * u


class FwdCubeWrongGrad(FwdCube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x


X = np.array([0.5, -1.0, 2.0])


def test_check_op_checks_forward_mode_when_the_op_has_rules():
    testing.check_op(FwdCube.apply, lambda x: x**3, X)
    testing.check_op(autograd.exp, np.exp, X)
    with pytest.raises(GradcheckError, match="forward-mode Jacobian mismatch"):
        testing.check_op(FwdCubeWrongJvp.apply, lambda x: x**3, X)  # auto: it has a rule
    with pytest.raises(GradcheckError, match="forward-mode Jacobian mismatch"):
        testing.check_op(FwdCubeWrongJvp.apply, lambda x: x**3, X, forward_ad=True)
    testing.check_op(FwdCubeWrongJvp.apply, lambda x: x**3, X, forward_ad=False)


def test_check_op_skips_forward_mode_for_ops_without_rules_unless_asked():
    testing.check_op(Cube.apply, lambda x: x**3, X)  # no jvp: reverse mode only
    with pytest.raises(GradcheckError, match="Cube: this op has no forward-mode AD rule"):
        testing.check_op(Cube.apply, lambda x: x**3, X, forward_ad=True)


def test_check_op_forward_mode_alone():
    kw = {"gradcheck": False, "gradgradcheck": False, "forward_ad": True}
    testing.check_op(FwdCubeWrongGrad.apply, lambda x: x**3, X, **kw)  # backward not checked
    with pytest.raises(GradcheckError):
        testing.check_op(FwdCubeWrongGrad.apply, lambda x: x**3, X)
    with pytest.raises(GradcheckError, match="forward-mode"):
        testing.check_op(FwdCubeWrongJvp.apply, lambda x: x**3, X, **kw)


def test_op_test_passes_forward_ad_on():
    @testing.op_test(lambda x: x**3, testing.arrays((2,)), max_examples=3)
    def wrong_jvp(x):
        return FwdCubeWrongJvp.apply(x)

    @testing.op_test(lambda x: x**3, testing.arrays((2,)), max_examples=3, forward_ad=False)
    def wrong_jvp_unchecked(x):
        return FwdCubeWrongJvp.apply(x)

    with pytest.raises(GradcheckError, match="forward-mode"):
        wrong_jvp()
    wrong_jvp_unchecked()


def test_ops_without_forward_rule_lists_each_op_once():
    x = autograd.tensor([0.5, 1.5], requires_grad=True)
    out = (Cube.apply(Cube.apply(autograd.exp(x))), FwdCube.apply(x), x * 2)
    assert testing.ops_without_forward_rule(out) == ["Cube"]  # every library op has a rule
    assert testing.ops_without_forward_rule(autograd.tanh(x)) == []
    assert testing.ops_without_forward_rule(autograd.tensor([1.0]) * 2) == []  # no graph


# ------------------------------------------------------------------------ check_module
nn = pytest.importorskip("nn")

BATCHES = testing.arrays(st.tuples(st.integers(1, 3), st.just(4)))
ONE_BATCH = st.just(np.array([[0.5, -1.0, 2.0, 1.5], [0.25, 1.0, -0.5, 3.0]]))  # nothing to shrink


class MulByWeight(autograd.Function):
    """x * w; ``wrong`` makes the gradient of w off by a factor of two."""

    wrong = False

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @classmethod
    def backward(cls, ctx, g):
        x, w = ctx.saved_tensors
        return g * w, g * x * (2 if cls.wrong else 1)


class MulByWeightWrong(MulByWeight):
    wrong = True


class Scale(nn.Module):
    def __init__(self, fn=MulByWeight):
        super().__init__()
        self.fn = fn
        self.weight = nn.Parameter(autograd.tensor([0.5, -1.0, 2.0, 1.5]))

    def forward(self, x):
        return self.fn.apply(x, self.weight)


def test_check_module_passes_layers():
    testing.check_module(lambda: nn.Linear(4, 2), BATCHES, max_examples=5)
    testing.check_module(
        lambda: nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)), BATCHES,
        max_examples=3, fast_mode=True,
    )  # fmt: skip
    testing.check_module(Scale, BATCHES, max_examples=3, gradgradcheck=True)


def test_check_module_with_inputs_fitted_to_the_module():
    def images(conv):
        side = st.integers(3, 4)
        return testing.arrays(st.tuples(st.just(1), st.just(conv.in_channels), side, side))

    testing.check_module(lambda: nn.Conv2d(2, 2, 3, padding=1), images, max_examples=2)


def test_check_module_integer_inputs_and_several_outputs():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 3)
            self.lin = nn.Linear(3, 2)

        def forward(self, idx, x):
            e = self.emb(idx)
            return {"a": e.tanh(), "b": (self.lin(e * x), e.sum())}

    inputs = st.tuples(testing.arrays((2,), np.int64, low=0, high=4), testing.arrays((2, 3)))
    testing.check_module(TwoHeads, inputs, max_examples=3)


def test_check_module_catches_a_wrong_parameter_gradient_and_names_it():
    with pytest.raises(GradcheckError) as info:
        testing.check_module(lambda: Scale(MulByWeightWrong), ONE_BATCH, max_examples=3)
    msg = str(info.value)
    assert msg.startswith("check_module(Scale)")
    assert "with respect to input 1" in msg and "input 1: parameter 'weight'" in msg


def test_check_module_shared_parameter():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 4, bias=False)
            self.b = nn.Linear(4, 4, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x).tanh())

    testing.check_module(Tied, BATCHES, max_examples=3)

    class TiedWrong(Tied):
        def forward(self, x):
            return self.b(MulByWeightWrong.apply(self.a(x), self.a.weight[0]))

    with pytest.raises(GradcheckError, match="parameter 'a.weight'"):
        testing.check_module(TiedWrong, ONE_BATCH, max_examples=2)


def test_check_module_checks_forward_mode_when_every_op_has_a_rule():
    class FwdScale(MulByWeight):
        @staticmethod
        def jvp(ctx, ux, uw):
            x, w = ctx.saved_tensors
            return ux * w + x * uw * 2  # wrong in w

    testing.check_module(lambda: Scale(FwdScale), BATCHES, max_examples=2, forward_ad=False)
    with pytest.raises(GradcheckError, match="(?s)forward-mode.*parameter 'weight'"):
        testing.check_module(lambda: Scale(FwdScale), ONE_BATCH, max_examples=2)
    testing.check_module(nn.Tanh, BATCHES, max_examples=2)  # exp-family rules: checked
    testing.check_module(lambda: nn.Linear(4, 2), ONE_BATCH, max_examples=2, forward_ad=True)
    with pytest.raises(GradcheckError, match="no forward-mode AD rule"):
        testing.check_module(lambda: Scale(MulByWeight), ONE_BATCH, max_examples=2,
                             forward_ad=True)  # fmt: skip


def test_check_module_refuses_a_cached_parameter():
    class Cached(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(autograd.ones(4))
            self.cache = [self.weight]

        def forward(self, x):
            return x * self.cache[0]

    with pytest.raises(RuntimeError, match="parameter 'weight' without reading its attribute"):
        testing.check_module(Cached, ONE_BATCH, max_examples=2)


def test_check_module_builds_seeded_modules_and_restores_the_generator():
    built = []

    def factory():
        m = nn.Linear(4, 2)
        built.append(m.weight.detach().numpy().copy())
        return m

    autograd.manual_seed(5)
    expected = autograd.rand(3).numpy()
    autograd.manual_seed(5)
    testing.check_module(factory, BATCHES, max_examples=3)
    np.testing.assert_array_equal(autograd.rand(3).numpy(), expected)
    assert autograd.initial_seed() == 5
    assert len(built) >= 2 and all(np.array_equal(w, built[0]) for w in built)


def test_check_module_bad_arguments():
    with pytest.raises(TypeError, match="module_factory must be a callable returning .* Linear"):
        testing.check_module(nn.Linear(4, 2), BATCHES)
    with pytest.raises(TypeError, match="input_strategy must be a Hypothesis strategy"):
        testing.check_module(lambda: nn.Linear(4, 2), (2, 4))
    with pytest.raises(TypeError, match="module_factory must return a Module, got function"):
        testing.check_module(lambda: lambda x: x, BATCHES, max_examples=1)
    with pytest.raises(TypeError, match=r"input_strategy\(module\) must return"):
        testing.check_module(lambda: nn.Linear(4, 2), lambda m: (2, 4), max_examples=1)
