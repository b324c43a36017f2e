"""gradcheck / gradgradcheck: they pass correct gradients and catch every kind of wrong one."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck_functions import Cube, Double, FwdSquare, HalfSquare, SecondWrong, Square, t64

import autograd
from autograd.gradcheck import GradcheckError


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

    class Off(Double):  # 1% off
        @staticmethod
        def backward(ctx, g):
            return g * 2.02

    assert not autograd.gradcheck(Off.apply, (x,), raise_exception=False)
    assert autograd.gradcheck(Off.apply, (x,), rtol=0.05)
    assert autograd.gradcheck(Off.apply, (x,), atol=0.05, rtol=0.0)


def test_detached_output_is_caught():
    x = t64([1.0, 2.0])
    with pytest.raises(GradcheckError, match="does not require grad"):
        autograd.gradcheck(lambda t: t.detach() * 2, (x,))


def test_backward_wrong_shape_is_reported():
    class BadShape(Double):
        @staticmethod
        def backward(ctx, g):
            return np.ones((5,))

    with pytest.raises(GradcheckError, match="BadShape"):
        autograd.gradcheck(BadShape.apply, (t64([1.0, 2.0]),))
    assert not autograd.gradcheck(BadShape.apply, (t64([1.0, 2.0]),), raise_exception=False)


def test_backward_crash_is_reported():
    class Crash(Double):
        @staticmethod
        def backward(ctx, g):
            raise ZeroDivisionError("boom")

    with pytest.raises(GradcheckError, match="ZeroDivisionError: boom"):
        autograd.gradcheck(Crash.apply, (t64([1.0]),))


def test_backward_ignoring_upstream_gradient_is_caught():
    class IgnoresG(Double):
        @staticmethod
        def backward(ctx, g):
            return np.full(np.shape(g), 2.0)

    assert not autograd.gradcheck(IgnoresG.apply, (t64([1.0, 2.0]),), raise_exception=False)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_nondeterministic_backward_is_caught_and_nondet_tol_allows_it(fast_mode):
    rng = np.random.default_rng(0)

    class Noisy(Double):
        @staticmethod
        def backward(ctx, g):
            return g * (2 + rng.standard_normal(np.shape(g)) * 1e-10)

    x = t64([1.0, 2.0])
    with pytest.raises(GradcheckError, match="not reproducible"):
        autograd.gradcheck(Noisy.apply, (x,), fast_mode=fast_mode)
    assert autograd.gradcheck(Noisy.apply, (x,), nondet_tol=1e-8, fast_mode=fast_mode)


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
    assert autograd.gradgradcheck(lambda t: t.tanh() * t, (x,), fast_mode=True)


def test_gradgradcheck_multiple_inputs_and_outputs():
    a, b = t64([[1.0, 2.0], [3.0, 4.0]]), t64([[0.5, -2.0], [1.5, 0.25]])
    assert autograd.gradgradcheck(lambda a, b: (a * b, (a / b).exp()), (a, b))


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_catches_backward_that_cuts_the_graph(fast_mode):
    class CutCube(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # np.array() makes a constant: the result is right but not differentiable in x.
            x = np.array(x.detach() if isinstance(x, autograd.Tensor) else x)
            return g * 3 * x**2

    x = t64([0.5, -1.0])
    assert autograd.gradcheck(CutCube.apply, (x,))
    with pytest.raises(GradcheckError, match="input 0"):
        autograd.gradgradcheck(CutCube.apply, (x,), fast_mode=fast_mode)
    assert autograd.gradgradcheck(CutCube.apply, (x,), raise_exception=False) is False


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
def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        autograd.gradcheck(Square.apply, (t64([1.0]),), 1e-6)


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
def test_gradgradcheck_non_contiguous_grad_outputs():
    seen = []

    class Spy(Square):
        @staticmethod
        def backward(ctx, g):
            seen.append(np.asarray(g).flags.c_contiguous)
            return Square.backward(ctx, g)

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
