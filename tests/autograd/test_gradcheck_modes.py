"""gradcheck's modes: forward mode (check_forward_ad), fast mode, undefined gradients and
tangents, each catching a wrong derivative and passing a right one, with PyTorch's verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck_functions import (
    Double,
    FwdMul,
    FwdMulWrong,
    FwdSquare,
    HalfSquare,
    HalfSquareRightJvp,
    SecondWrong,
    Square,
    WrongJvpSquare,
    t64,
)

import autograd
from autograd.gradcheck import GradcheckError


# ---------------------------------------------------------------------------- forward mode
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


# ------------------------------------------------------------------------------- fast mode
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


# ---------------------------------------------------------------- undefined gradients
class NanOnZeroGrad(Double):
    """Right for every nonzero upstream gradient; 0/0 for a zero one."""

    @staticmethod
    def backward(ctx, g):
        with np.errstate(invalid="ignore"):
            scale = np.abs(g).max()
            return g * 2 * (scale / scale)


class CrashOnZeroGrad(Double):
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
    class Tiny(Double):
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
