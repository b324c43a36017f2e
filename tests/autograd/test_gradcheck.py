"""gradcheck / gradgradcheck: they pass correct gradients and catch every kind of wrong one."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd.gradcheck import GradcheckError


def t64(values, requires_grad=True):
    return autograd.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


class Square(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class HalfSquare(autograd.Function):
    """Backward off by a factor of two."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return x * g


class SecondWrong(autograd.Function):
    """Mul whose gradient for the second input is wrong in one place only."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = g * a
        bump = np.zeros(np.shape(gb))
        bump.reshape(-1)[-1] = 1.0
        return g * b, gb + bump


# ------------------------------------------------------------------------------- passing
def test_passes_for_correct_function_and_returns_true():
    x = t64([0.5, -1.0, 2.0])
    assert autograd.gradcheck(Square.apply, (x,)) is True
    assert autograd.gradcheck(lambda t: (t * t).sin(), x) is True  # a bare Tensor as inputs


def test_tuple_outputs_and_several_inputs():
    a, b = t64([[1.0, 2.0], [3.0, 4.0]]), t64([0.5, -2.0])
    assert autograd.gradcheck(lambda a, b: (a * b, a - b, (a * b).exp()), (a, b))


def test_non_tensor_and_non_grad_inputs_are_ignored():
    a = t64([1.0, 2.0])
    c = t64([3.0, 4.0], requires_grad=False)
    assert autograd.gradcheck(lambda a, k, c: a * k + c * a, (a, 2.5, c))


def test_non_tensor_outputs_are_ignored():
    a = t64([1.0, 2.0])
    assert autograd.gradcheck(lambda a: (a * 3, "label", 7), (a,))


def test_integer_outputs_are_ignored():
    a = t64([1.0, -2.0])
    assert autograd.gradcheck(lambda a: (a > 0, a * 2), (a,))


def test_same_tensor_twice():
    a = t64([1.0, -2.0])
    assert autograd.gradcheck(lambda x, y: x * y, (a, a))


def test_non_leaf_input():
    leaf = t64([1.0, -2.0])
    x = leaf * 3
    assert autograd.gradcheck(lambda t: t.tanh(), (x,))


def test_inputs_are_left_untouched():
    x = t64([0.5, -1.0, 2.0])
    before = x.detach().numpy().copy()
    autograd.gradcheck(Square.apply, (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None and x._version == 0


def test_zero_dim_input():
    assert autograd.gradcheck(lambda t: t.exp() * t, (t64(0.7),))


# ------------------------------------------------------------------------------- failing
def test_wrong_gradient_raises_with_location_and_values():
    with pytest.raises(GradcheckError) as info:
        autograd.gradcheck(HalfSquare.apply, (t64([0.5, -1.0, 2.0]),))
    msg = str(info.value)
    assert "output 0" in msg and "input 0" in msg
    # The worst element is the largest |x|: d(out[2]) / d(in[2]), 2 vs 4.
    assert "output 0[2]" in msg and "input 0[2]" in msg
    assert "analytical 2" in msg and "numerical 4" in msg


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_names_the_right_input_index():
    a, b = t64([[1.0, 2.0], [3.0, 4.0]]), t64([[0.5, 1.5], [2.5, 3.5]])
    with pytest.raises(GradcheckError, match=r"input 1") as info:
        autograd.gradcheck(SecondWrong.apply, (a, b))
    assert "input 1[1, 1]" in str(info.value)
    assert "input 0" not in str(info.value).split("\n")[0]


def test_names_the_right_output_index():
    x = t64([1.0, 2.0])
    with pytest.raises(GradcheckError, match="output 1 with respect to input 0"):
        autograd.gradcheck(lambda t: (t * 2, HalfSquare.apply(t)), (x,))


def test_raise_exception_false_returns_false():
    assert autograd.gradcheck(HalfSquare.apply, (t64([1.0]),), raise_exception=False) is False


def test_tolerances_are_used():
    x = t64([1.0])

    class Off(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * 1.01

    assert not autograd.gradcheck(Off.apply, (x,), raise_exception=False)
    assert autograd.gradcheck(Off.apply, (x,), rtol=0.05)
    assert autograd.gradcheck(Off.apply, (x,), atol=0.05, rtol=0.0)


def test_detached_output_is_caught():
    x = t64([1.0, 2.0])
    with pytest.raises(GradcheckError, match="does not require grad"):
        autograd.gradcheck(lambda t: t.detach() * 2, (x,))


def test_backward_wrong_shape_is_reported():
    class BadShape(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones((5,))

    with pytest.raises(GradcheckError, match="BadShape"):
        autograd.gradcheck(BadShape.apply, (t64([1.0, 2.0]),))
    assert not autograd.gradcheck(BadShape.apply, (t64([1.0, 2.0]),), raise_exception=False)


def test_backward_crash_is_reported():
    class Crash(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ZeroDivisionError("boom")

    with pytest.raises(GradcheckError, match="ZeroDivisionError: boom"):
        autograd.gradcheck(Crash.apply, (t64([1.0]),))


def test_backward_ignoring_upstream_gradient_is_caught():
    class IgnoresG(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, g):
            return np.full(np.shape(g), 3.0)

    assert not autograd.gradcheck(IgnoresG.apply, (t64([1.0, 2.0]),), raise_exception=False)


def test_nondeterministic_backward_is_caught_and_nondet_tol_allows_it():
    rng = np.random.default_rng(0)

    class Noisy(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * (2 + rng.standard_normal(np.shape(g)) * 1e-10)

    x = t64([1.0, 2.0])
    with pytest.raises(GradcheckError, match="not reproducible"):
        autograd.gradcheck(Noisy.apply, (x,))
    assert autograd.gradcheck(Noisy.apply, (x,), nondet_tol=1e-8)


def test_float32_input_warns():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        autograd.gradcheck(lambda t: t * 2, (x,), eps=1e-3, atol=1e-2)


def test_float64_input_does_not_warn(recwarn):
    autograd.gradcheck(lambda t: t * 2, (t64([1.0]),))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_no_differentiable_input_is_an_error():
    with pytest.raises(ValueError, match="requires_grad"):
        autograd.gradcheck(lambda t: t * 2, (t64([1.0], requires_grad=False),))


def test_non_tensor_result_is_an_error():
    with pytest.raises(TypeError, match="Tensor"):
        autograd.gradcheck(lambda t: 3.0, (t64([1.0]),))


def test_one_forward_per_perturbation():
    calls = []

    def f(t):
        calls.append(1)
        return t * 2

    autograd.gradcheck(f, (t64([1.0, 2.0, 3.0]),))
    # one analytical forward, one unperturbed forward, two per element
    assert len(calls) == 2 + 2 * 3


# --------------------------------------------------------------------------- gradgradcheck
def test_gradgradcheck_passes_for_differentiable_backward():
    x = t64([0.5, -1.0, 2.0])
    assert autograd.gradgradcheck(lambda t: t.tanh() * t, (x,)) is True
    assert autograd.gradgradcheck(Square.apply, (x,))


def test_gradgradcheck_multiple_inputs_and_outputs():
    a, b = t64([[1.0, 2.0], [3.0, 4.0]]), t64([[0.5, -2.0], [1.5, 0.25]])
    assert autograd.gradgradcheck(lambda a, b: (a * b, (a / b).exp()), (a, b))


def test_gradgradcheck_catches_backward_that_cuts_the_graph():
    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # np.array() makes a constant: the result is right but not differentiable in x.
            x = np.array(x.detach() if isinstance(x, autograd.Tensor) else x)
            return g * 3 * x**2

    x = t64([0.5, -1.0])
    assert autograd.gradcheck(Cube.apply, (x,))
    with pytest.raises(GradcheckError, match="input 0"):
        autograd.gradgradcheck(Cube.apply, (x,))
    assert autograd.gradgradcheck(Cube.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_with_given_grad_outputs():
    x = t64([0.5, -1.0])
    go = t64([2.0, 3.0])
    assert autograd.gradgradcheck(lambda t: t * t * t, (x,), grad_outputs=(go,))
    assert autograd.gradgradcheck(lambda t: t * t * t, (x,), grad_outputs=go)


def test_gradgradcheck_wrong_number_of_grad_outputs():
    x = t64([0.5, -1.0])
    with pytest.raises(ValueError, match="grad_outputs"):
        autograd.gradgradcheck(lambda t: t * t, (x,), grad_outputs=(t64([1.0, 1.0]),) * 2)


def test_gradgradcheck_unused_input():
    a, b = t64([1.0, 2.0]), t64([3.0])
    assert autograd.gradgradcheck(lambda a, b: a * a, (a, b))


# ------------------------------------------------------------------------------- options
class FwdSquare(autograd.Function):
    """x * x with a backward and a forward-mode rule."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g

    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        return 2 * x * u


class FwdMul(autograd.Function):
    """a * b; ``wrong`` makes the forward-mode rule of ``b`` off by a factor of two."""

    wrong = False

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a

    @classmethod
    def jvp(cls, ctx, ua, ub):
        a, b = ctx.saved_tensors
        return ua * b + a * ub * (2 if cls.wrong else 1)


class FwdMulWrong(FwdMul):
    wrong = True


class WrongJvpSquare(FwdSquare):
    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        return x * u


class HalfSquareRightJvp(FwdSquare):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return x * g


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        autograd.gradcheck(Square.apply, (t64([1.0]),), 1e-6)


def test_check_forward_ad_passes_correct_rules():
    a, b = t64([[0.5, -1.0], [2.0, 0.3]]), t64([1.5, -0.5])
    assert autograd.gradcheck(FwdSquare.apply, (a,), check_forward_ad=True)
    assert autograd.gradcheck(FwdMul.apply, (a, b), check_forward_ad=True)
    f = lambda t: autograd.tanh(autograd.sin(autograd.exp(t)))  # noqa: E731 - table ops' rules
    assert autograd.gradcheck(f, (a,), check_forward_ad=True)
    assert autograd.gradcheck(f, (a,), check_forward_ad=True, check_backward_ad=False)


def test_check_forward_ad_with_tuple_outputs_shared_and_plain_inputs():
    a = t64([0.5, -1.0, 2.0])
    c = t64([3.0, 4.0, 5.0], requires_grad=False)
    assert autograd.gradcheck(FwdMul.apply, (a, a), check_forward_ad=True)
    assert autograd.gradcheck(
        lambda x, k, y: (FwdMul.apply(x, y), autograd.exp(x), k), (a, "label", c),
        check_forward_ad=True,
    )  # fmt: skip


def test_check_forward_ad_catches_a_wrong_jvp_and_names_the_input():
    a, b = t64([0.5, -1.0]), t64([2.0, 3.0])
    # The backward is right, so the default (reverse mode only) passes.
    assert autograd.gradcheck(FwdMulWrong.apply, (a, b))
    with pytest.raises(GradcheckError) as info:
        autograd.gradcheck(FwdMulWrong.apply, (a, b), check_forward_ad=True)
    msg = str(info.value)
    assert "forward-mode Jacobian mismatch for output 0 with respect to input 1" in msg
    # d(a*b)/db[1] = a[1] = -1; the rule says -2.
    assert "input 1[1]" in msg and "forward-mode -2, numerical -1" in msg


def test_check_backward_ad_false_checks_only_forward_mode():
    x = t64([0.5, -1.0, 2.0])
    assert not autograd.gradcheck(HalfSquareRightJvp.apply, (x,), raise_exception=False)
    assert autograd.gradcheck(
        HalfSquareRightJvp.apply, (x,), check_forward_ad=True, check_backward_ad=False
    )
    assert not autograd.gradcheck(
        WrongJvpSquare.apply, (x,), check_forward_ad=True, check_backward_ad=False,
        raise_exception=False,
    )  # fmt: skip


def test_check_forward_ad_names_an_op_without_a_forward_rule():
    x = t64([0.5, -1.0])
    with pytest.raises(GradcheckError, match="Square: this op has no forward-mode AD rule"):
        autograd.gradcheck(Square.apply, (x,), check_forward_ad=True)
    assert autograd.gradcheck(Square.apply, (x,), check_forward_ad=True,
                              raise_exception=False) is False  # fmt: skip


def test_check_forward_ad_catches_an_output_without_a_tangent():
    x = t64([0.5, -1.0])
    with pytest.raises(GradcheckError, match="forward-mode Jacobian mismatch.*does not require"):
        autograd.gradcheck(lambda t: autograd.exp(t.detach()), (x,), check_forward_ad=True,
                           check_backward_ad=False)  # fmt: skip


def test_check_forward_ad_leaves_inputs_untouched():
    x = t64([0.5, -1.0, 2.0])
    autograd.gradcheck(FwdSquare.apply, (x,), check_forward_ad=True, fast_mode=True)
    autograd.gradcheck(FwdSquare.apply, (x,), check_forward_ad=True)
    np.testing.assert_array_equal(x.detach().numpy(), [0.5, -1.0, 2.0])
    assert x.grad is None and x._version == 0


def test_fast_mode_passes_correct_functions():
    a, b = t64([[1.0, 2.0], [3.0, 4.0]]), t64([0.5, -2.0])
    c = t64([3.0, 4.0], requires_grad=False)
    kw = {"fast_mode": True}
    assert autograd.gradcheck(lambda a, b: (a * b, a - b, (a * b).exp()), (a, b), **kw)
    assert autograd.gradcheck(lambda a, k, c: a * k + c * a, (t64([1.0, 2.0]), 2.5, c), **kw)
    assert autograd.gradcheck(lambda x, y: x * y, (b, b), **kw)
    assert autograd.gradcheck(lambda t: (t > 0, t * 2), (b,), **kw)
    assert autograd.gradcheck(FwdMul.apply, (b, b), check_forward_ad=True, **kw)
    assert autograd.gradcheck(lambda t: t.exp() * t, (t64(0.7),), **kw)


def test_fast_mode_catches_a_wrong_backward_and_shows_the_full_jacobians():
    with pytest.raises(GradcheckError) as info:
        autograd.gradcheck(HalfSquare.apply, (t64([0.5, -1.0, 2.0]),), fast_mode=True)
    msg = str(info.value)
    assert "output 0 with respect to input 0" in msg and "fast mode" in msg
    assert "v^T J u" in msg
    assert "output 0[2]" in msg and "analytical 2, numerical 4" in msg  # recomputed in full
    a, b = t64([[1.0, 2.0], [3.0, 4.0]]), t64([[0.5, 1.5], [2.5, 3.5]])
    with pytest.raises(GradcheckError, match=r"with respect to input 1 \(fast mode"):
        autograd.gradcheck(SecondWrong.apply, (a, b), fast_mode=True)


def test_fast_mode_catches_a_wrong_jvp():
    x = t64([0.5, -1.0, 2.0])
    with pytest.raises(GradcheckError, match="forward-mode Jacobian mismatch") as info:
        autograd.gradcheck(WrongJvpSquare.apply, (x,), check_forward_ad=True, fast_mode=True)
    assert "J u" in str(info.value) and "forward-mode 2, numerical 4" in str(info.value)


def test_fast_mode_catches_a_detached_output():
    with pytest.raises(GradcheckError, match="does not require grad"):
        autograd.gradcheck(lambda t: t.detach() * 2, (t64([1.0, 2.0]),), fast_mode=True)


def test_fast_mode_runs_two_forwards_per_input():
    calls = []

    def f(t):
        calls.append(1)
        return t.sin() * 2

    x = t64(np.linspace(-1, 1, 40))
    autograd.gradcheck(f, (x,), fast_mode=True)
    assert len(calls) == 1 + 2  # the analytical forward, then x + eps u and x - eps u
    calls.clear()
    autograd.gradcheck(f, (x,))
    assert len(calls) == 2 + 2 * 40


def test_fast_mode_says_when_the_full_jacobians_agree():
    # Errors of 5e-4, relative 5e-4 < rtol elementwise; the alternating signs make v^T J u small,
    # so the projection's relative tolerance is tighter than the elementwise one.
    signs = np.where(np.arange(50) % 2 == 0, 1.0, -1.0)

    class Alternating(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x * signs).sum()

        @staticmethod
        def backward(ctx, g):
            return g * (signs + 5e-4)

    x = t64(np.linspace(-1, 1, 50))
    assert autograd.gradcheck(Alternating.apply, (x,), atol=0.0)
    with pytest.raises(GradcheckError, match="fast_mode=False") as info:
        autograd.gradcheck(Alternating.apply, (x,), atol=0.0, fast_mode=True)
    assert "full Jacobians agree" in str(info.value)


def test_fast_mode_nondeterminism_and_nondet_tol():
    rng = np.random.default_rng(0)

    class Noisy(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * (2 + rng.standard_normal(np.shape(g)) * 1e-10)

    x = t64([1.0, 2.0])
    with pytest.raises(GradcheckError, match="not reproducible"):
        autograd.gradcheck(Noisy.apply, (x,), fast_mode=True)
    assert autograd.gradcheck(Noisy.apply, (x,), fast_mode=True, nondet_tol=1e-8)


class NanOnZeroGrad(autograd.Function):
    """Right for every nonzero upstream gradient; 0/0 for a zero one."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        with np.errstate(invalid="ignore"):
            scale = np.abs(g).max()
            return g * 2 * (scale / scale)


class CrashOnZeroGrad(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        if not np.any(np.asarray(g)):
            raise ValueError("all upstream gradients are zero")
        return g * 2


@pytest.mark.parametrize("fast_mode", [False, True])
def test_check_undefined_grad_catches_zero_gradients_gone_wrong(fast_mode):
    x = t64([1.0, -2.0])
    with pytest.raises(GradcheckError, match="every output's gradient is zero") as info:
        autograd.gradcheck(NanOnZeroGrad.apply, (x,), fast_mode=fast_mode)
    assert "input 0" in str(info.value) and "nan" in str(info.value)
    with pytest.raises(GradcheckError, match="ValueError: all upstream gradients are zero"):
        autograd.gradcheck(CrashOnZeroGrad.apply, (x,), fast_mode=fast_mode)
    for fn in (NanOnZeroGrad.apply, CrashOnZeroGrad.apply):
        assert autograd.gradcheck(fn, (x,), check_undefined_grad=False, fast_mode=fast_mode)
        assert not autograd.gradcheck(fn, (x,), fast_mode=fast_mode, raise_exception=False)


def test_check_undefined_grad_with_several_outputs():
    class Two(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            return 2 * g1 + 2 * x * g2

    assert autograd.gradcheck(Two.apply, (t64([0.5, -1.5]),), check_undefined_grad=True)


def test_masked_loosens_the_zero_gradient_check():
    class Tiny(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2 + 1e-12  # rounding-level garbage, even for a zero upstream gradient

    x = t64([1.0, -2.0])
    with pytest.raises(GradcheckError, match="zero"):
        autograd.gradcheck(Tiny.apply, (x,))
    assert autograd.gradcheck(Tiny.apply, (x,), masked=True)
    assert autograd.gradcheck(Tiny.apply, (x,), masked=False, check_undefined_grad=False)


class NanOnZeroTangent(FwdSquare):
    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            scale = np.abs(u).max()
            return 2 * x * u * (scale / scale)


def test_check_undefined_grad_in_forward_mode():
    x = t64([0.5, -1.0])
    with pytest.raises(GradcheckError, match="zero tangent"):
        autograd.gradcheck(NanOnZeroTangent.apply, (x,), check_forward_ad=True)
    assert autograd.gradcheck(
        NanOnZeroTangent.apply, (x,), check_forward_ad=True, check_undefined_grad=False
    )
    # Two inputs: one of them without a tangent reaches the rule as zeros.
    assert autograd.gradcheck(FwdMul.apply, (x, t64([2.0, 3.0])), check_forward_ad=True)


def test_check_grad_dtypes(monkeypatch):
    x = t64([0.5, -1.0])
    assert autograd.gradcheck(FwdSquare.apply, (x,), check_grad_dtypes=True,
                              check_forward_ad=True)  # fmt: skip
    import autograd._gradcheck_derivs as derivs

    real_grad = derivs._grad

    def float32_grads(*args, **kwargs):  # an engine that forgets to cast
        return tuple(None if g is None else g.float() for g in real_grad(*args, **kwargs))

    monkeypatch.setattr(derivs, "_grad", float32_grads)
    for fast_mode in (False, True):
        with pytest.raises(GradcheckError, match="dtype float32, expected the input's dtype"):
            autograd.gradcheck(Square.apply, (x,), check_grad_dtypes=True, fast_mode=fast_mode)
        assert autograd.gradcheck(Square.apply, (x,), fast_mode=fast_mode)


def test_check_batched_grad_is_refused_clearly():
    x = t64([1.0])
    with pytest.raises(RuntimeError, match="check_batched_grad=True.*vmap"):
        autograd.gradcheck(Square.apply, (x,), check_batched_grad=True)
    with pytest.raises(ValueError, match="check_batched_grad=True requires check_backward_ad"):
        autograd.gradcheck(Square.apply, (x,), check_batched_grad=True,
                           check_backward_ad=False, check_forward_ad=True)  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"eps": 0.0}, ValueError, "eps must be a positive finite number, got 0.0"),
        ({"eps": float("nan")}, ValueError, "eps"),
        ({"atol": -1.0}, ValueError, "atol must be a finite number >= 0, got -1.0"),
        ({"rtol": "0.1"}, TypeError, "rtol must be a real number, got str"),
        ({"nondet_tol": True}, TypeError, "nondet_tol"),
        ({"fast_mode": 1}, TypeError, "fast_mode must be True or False, got 1"),
        ({"check_forward_ad": None}, TypeError, "check_forward_ad"),
        ({"masked": "yes"}, TypeError, "masked must be None, True or False"),
        ({"check_backward_ad": False}, ValueError, "at least one must be True"),
    ],
)
def test_bad_options_are_named(kwargs, error, pattern):
    x = t64([1.0])
    calls = []
    with pytest.raises(error, match=pattern):
        autograd.gradcheck(lambda t: calls.append(1) or t * 2, (x,), **kwargs)
    assert not calls  # rejected before anything runs


def test_func_must_be_callable():
    with pytest.raises(TypeError, match="func must be callable, got Tensor"):
        autograd.gradcheck(t64([1.0]), (t64([1.0]),))


# --------------------------------------------------------------------- gradgradcheck options
def test_gradgradcheck_fast_mode():
    x = t64([0.5, -1.0, 2.0])
    assert autograd.gradgradcheck(lambda t: t.tanh() * t, (x,), fast_mode=True)

    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            x = np.array(x.detach() if isinstance(x, autograd.Tensor) else x)
            return g * 3 * x**2

    with pytest.raises(GradcheckError, match="fast mode"):
        autograd.gradgradcheck(Cube.apply, (x,), fast_mode=True)


def test_gradgradcheck_non_contiguous_grad_outputs():
    seen = []

    class Spy(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            seen.append(np.asarray(g).flags.c_contiguous)
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = t64([[0.5, -1.0], [2.0, 0.25]])
    assert autograd.gradgradcheck(Spy.apply, (x,), gen_non_contig_grad_outputs=True)
    assert False in seen
    seen.clear()
    assert autograd.gradgradcheck(Spy.apply, (x,))
    assert all(seen)


def test_gradgradcheck_option_errors():
    x = t64([0.5])
    with pytest.raises(RuntimeError, match="check_fwd_over_rev=True is not supported"):
        autograd.gradgradcheck(Square.apply, (x,), check_fwd_over_rev=True)
    with pytest.raises(ValueError, match="at least one must be True"):
        autograd.gradgradcheck(Square.apply, (x,), check_rev_over_rev=False)
    with pytest.raises(ValueError, match="check_undefined_grad=True requires check_rev_over_rev"):
        autograd.gradgradcheck(Square.apply, (x,), check_rev_over_rev=False,
                               check_fwd_over_rev=True)  # fmt: skip
    with pytest.raises(ValueError, match="gradgradcheck: eps"):
        autograd.gradgradcheck(Square.apply, (x,), eps=-1.0)
    with pytest.raises(RuntimeError, match="vmap"):
        autograd.gradgradcheck(Square.apply, (x,), check_batched_grad=True)


# ------------------------------------------------------------------------- against PyTorch
def _square_functions(lib, base, backward_scale, jvp_scale, noise, nan_on_zero):
    """The same x*x Function for numbagrad (arrays) and PyTorch (tensors), with the same bugs."""
    rng = np.random.default_rng(0)

    def saved(ctx):
        return ctx.saved_tensors[0]

    def perturb(g):
        if noise:
            r = rng.standard_normal(tuple(g.shape)) * noise
            g = g * (1 + (lib.as_tensor(r) if lib is not None else r))
        if nan_on_zero:
            with np.errstate(invalid="ignore"):
                scale = abs(g).max()
                g = g * (scale / scale)
        return g

    class Sq(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            if hasattr(ctx, "save_for_forward"):
                ctx.save_for_forward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            return perturb(backward_scale * saved(ctx) * g)

        @staticmethod
        def jvp(ctx, u):
            return jvp_scale * saved(ctx) * u

    return Sq


CASES = {
    "correct": (2.0, 2.0, 0.0, False),
    "wrong backward": (1.0, 2.0, 0.0, False),
    "wrong jvp": (2.0, 1.0, 0.0, False),
    "nondeterministic backward": (2.0, 2.0, 1e-10, False),
    "nan for a zero upstream gradient": (2.0, 2.0, 0.0, True),
}
OPTIONS = [
    {},
    {"fast_mode": True},
    {"check_forward_ad": True},
    {"check_forward_ad": True, "check_backward_ad": False},
    {"check_forward_ad": True, "fast_mode": True},
    {"nondet_tol": 1e-6},
    {"nondet_tol": 1e-6, "fast_mode": True},
]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
def test_verdict_matches_pytorch(torch, case, options):
    values = [0.5, -1.0, 2.0]
    ours = _square_functions(None, autograd.Function, *CASES[case])
    theirs = _square_functions(torch, torch.autograd.Function, *CASES[case])
    x = t64(values)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    expected = torch.autograd.gradcheck(theirs.apply, (tx,), raise_exception=False, **options)
    assert autograd.gradcheck(ours.apply, (x,), raise_exception=False, **options) == expected
