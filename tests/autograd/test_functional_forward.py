"""Forward-mode Jacobians (``jacobian(strategy="forward-mode")``, ``func.jacfwd``) and
forward-over-reverse Hessian products (``hvp``, ``func.hessian``): against finite differences
always, and against torch.autograd.functional / torch.func when torch is installed."""

import numpy as np
import pytest
from gradcheck_functions import Cube

import autograd
from autograd import func as F
from autograd import functional as AF

RNG = np.random.default_rng(1)
X = RNG.standard_normal(3)
Y = RNG.standard_normal((2, 3))
V3 = RNG.standard_normal(3)


def _tall(lib):
    """Few inputs, many outputs: forward mode's case."""
    return lambda a, b: (lib.tanh(a)[:, None] * b.T * a.sum(), (a**3).sum() * lib.exp(b))


def _scalar(lib):
    return lambda a: (lib.exp(a) * a).sum() + (a[0] * a[1]) ** 2 + a.softmax(0).log()[2]


def _numeric_jacobian(f, xs: list, j: int, i: int, eps: float = 1e-6) -> np.ndarray:
    """d output i / d input j by central differences, shaped output + input."""
    x = xs[j]
    cols = []
    for k in range(x.size):
        d = np.zeros(x.size)
        d[k] = eps
        hi = [a if n != j else a + d.reshape(a.shape) for n, a in enumerate(xs)]
        lo = [a if n != j else a - d.reshape(a.shape) for n, a in enumerate(xs)]
        f_hi = f(*(autograd.tensor(a) for a in hi))
        f_lo = f(*(autograd.tensor(a) for a in lo))
        f_hi = f_hi[i] if isinstance(f_hi, tuple) else f_hi
        f_lo = f_lo[i] if isinstance(f_lo, tuple) else f_lo
        cols.append((f_hi.numpy() - f_lo.numpy()) / (2 * eps))
    out_shape = cols[0].shape
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


class ForwardOnlyCube(autograd.Function):
    """x**3 with a forward-mode rule and a backward that refuses to run: a forward-mode result
    can only have come from forward-mode AD."""

    @staticmethod
    def forward(ctx, x):
        return x**3

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("ForwardOnlyCube: reverse mode was used")

    @staticmethod
    def jvp(ctx, u):
        (x,) = ctx.primals
        return 3 * x**2 * u


class ReverseOnlyCube(Cube):
    """x**3 without a forward-mode rule."""


@pytest.mark.parametrize("vectorize", [False, True])
def test_forward_mode_jacobian_matches_finite_differences(vectorize):
    f = _tall(autograd)
    jac = AF.jacobian(f, (autograd.tensor(X), autograd.tensor(Y)), strategy="forward-mode",
                      vectorize=vectorize)  # fmt: skip
    for i in range(2):
        for j in range(2):
            assert jac[i][j].grad_fn is None
            np.testing.assert_allclose(
                jac[i][j].numpy(), _numeric_jacobian(f, [X, Y], j, i), rtol=1e-6, atol=1e-8
            )


def test_forward_mode_jacobian_runs_forward_mode_ad():
    x = autograd.tensor(X)
    jac = AF.jacobian(lambda a: ForwardOnlyCube.apply(a) * 2, x, strategy="forward-mode")
    np.testing.assert_allclose(jac.numpy(), np.diag(6 * X**2), rtol=1e-12)
    with pytest.raises(RuntimeError, match="ReverseOnlyCube: this op has no forward-mode AD"):
        AF.jacobian(ReverseOnlyCube.apply, x, strategy="forward-mode")


def test_forward_mode_jacobian_strict_shapes_and_create_graph():
    f = lambda a, b: a * 2  # noqa: E731 - b is unused
    jac = AF.jacobian(f, (autograd.tensor(X), autograd.tensor(V3)), strategy="forward-mode")
    np.testing.assert_array_equal(jac[1].numpy(), np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match="output 0 of func is independent of input 1"):
        AF.jacobian(f, (autograd.tensor(X), autograd.tensor(V3)), strict=True,
                    strategy="forward-mode")  # fmt: skip
    empty = AF.jacobian(lambda a: a.sum() * 3, autograd.zeros(0, dtype=autograd.float64),
                        strategy="forward-mode")  # fmt: skip
    assert empty.shape == (0,)
    # create_graph: the columns are double-backward products, differentiable again.
    x = autograd.tensor(X, requires_grad=True)
    jac = AF.jacobian(lambda a: a**3, x, create_graph=True, strategy="forward-mode")
    jac.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * X, rtol=1e-12)


def test_forward_mode_jacobian_matches_torch(torch):
    for vectorize in (False, True):
        ours = AF.jacobian(_tall(autograd), (autograd.tensor(X), autograd.tensor(Y)),
                           strategy="forward-mode", vectorize=vectorize)  # fmt: skip
        theirs = torch.autograd.functional.jacobian(
            _tall(torch), (torch.tensor(X), torch.tensor(Y)), strategy="forward-mode",
            vectorize=True,
        )  # fmt: skip
        for i in range(2):
            for j in range(2):
                np.testing.assert_allclose(ours[i][j].numpy(), theirs[i][j].numpy(), rtol=1e-10)


def test_hvp_forward_over_reverse_matches_finite_differences(monkeypatch):
    f = _scalar(autograd)

    def grad_at(a: np.ndarray) -> np.ndarray:
        return AF.vjp(f, autograd.tensor(a))[1].numpy()

    eps = 1e-6
    expected = (grad_at(X + eps * V3) - grad_at(X - eps * V3)) / (2 * eps)
    with monkeypatch.context() as m:  # no fallback to reverse-over-reverse here
        m.setattr(AF, "vhp", None)
        out, hv = AF.hvp(f, autograd.tensor(X), autograd.tensor(V3))
    np.testing.assert_allclose(hv.numpy(), expected, rtol=1e-6)
    assert out.grad_fn is None and hv.grad_fn is None
    np.testing.assert_allclose(out.numpy(), f(autograd.tensor(X)).numpy())
    # The same through reverse-over-reverse (vhp), and with several inputs.
    np.testing.assert_allclose(hv.numpy(), AF.vhp(f, autograd.tensor(X), autograd.tensor(V3))[1],
                               rtol=1e-10)  # fmt: skip
    g = lambda a, b: (a * b.sin()).sum() * a.sum()  # noqa: E731
    ins, vs = (autograd.tensor(X), autograd.tensor(V3)), (autograd.tensor(V3), autograd.tensor(X))
    for ours, ref in zip(AF.hvp(g, ins, vs)[1], AF.vhp(g, ins, vs)[1]):
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-10)


def test_hvp_falls_back_to_reverse_mode_without_forward_rules():
    f = lambda a: ReverseOnlyCube.apply(a).sum()  # noqa: E731
    _, hv = AF.hvp(f, autograd.tensor(X), autograd.tensor(V3))
    np.testing.assert_allclose(hv.numpy(), 6 * X * V3, rtol=1e-12)
    with pytest.raises(RuntimeError, match="hvp: v can be omitted only"):
        AF.hvp(f, autograd.tensor(X))


def test_hvp_matches_torch(torch):
    ours = AF.hvp(_scalar(autograd), autograd.tensor(X), autograd.tensor(V3))
    theirs = torch.autograd.functional.hvp(_scalar(torch), torch.tensor(X), torch.tensor(V3))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


def test_transforms_compose_under_forward_mode():
    x = autograd.tensor(X)
    h = AF.hessian(_scalar(autograd), x)
    np.testing.assert_allclose(F.hessian(_scalar(autograd))(x).numpy(), h.numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        AF.hessian(_scalar(autograd), x, outer_jacobian_strategy="forward-mode").numpy(),
        h.numpy(), rtol=1e-10,
    )  # fmt: skip
    # jacfwd of grad (a func transform inside a forward-mode one) is the Hessian too.
    np.testing.assert_allclose(F.jacfwd(F.grad(_scalar(autograd)))(x).numpy(), h.numpy(),
                               rtol=1e-10)  # fmt: skip
    # And the Hessian itself against finite differences of the gradient.
    numeric = _numeric_jacobian(lambda a: F.grad(_scalar(autograd))(a), [X], 0, 0)
    np.testing.assert_allclose(h.numpy(), numeric, rtol=1e-5, atol=1e-7)


def test_func_jacfwd_and_hessian_match_torch_func(torch):
    tfn = torch.func
    f = lambda lib: lambda a, b: lib.tanh(a) * (b**2).sum() + a * b  # noqa: E731
    for argnums in (0, 1, (0, 1)):
        ours = F.jacfwd(f(autograd), argnums=argnums)(autograd.tensor(X), autograd.tensor(V3))
        theirs = tfn.jacfwd(f(torch), argnums=argnums)(torch.tensor(X), torch.tensor(V3))
        for a, b in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, tuple) else (theirs,)):  # fmt: skip
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    s = lambda lib: lambda a, b: (lib.sin(a) * b).sum() * (a * a).sum()  # noqa: E731
    ours = F.hessian(s(autograd), argnums=(0, 1))(autograd.tensor(X), autograd.tensor(V3))
    theirs = tfn.hessian(s(torch), argnums=(0, 1))(torch.tensor(X), torch.tensor(V3))
    for row_o, row_t in zip(ours, theirs):
        for a, b in zip(row_o, row_t):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


class _ForwardOnly(ForwardOnlyCube):
    """ForwardOnlyCube whose forward-mode rule reads what forward saved with
    ``save_for_forward``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_forward(x)
        return x**3

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * t


class _ReverseOnly(autograd.Function):
    forward = staticmethod(lambda ctx, x: x * 2)
    backward = staticmethod(lambda ctx, g: g * 2)


def test_func_jvp_is_one_forward_mode_pass():
    # Neither the graph nor a backward pass is involved: a Function whose backward fails works,
    # and one without a jvp rule is named in the error.
    x = autograd.tensor(X, requires_grad=False)
    out, jv = F.jvp(lambda a: _ForwardOnly.apply(a).sin(), (x,), (autograd.tensor(V3),))
    np.testing.assert_allclose(out.numpy(), np.sin(X**3))
    np.testing.assert_allclose(jv.numpy(), np.cos(X**3) * 3 * X**2 * V3, rtol=1e-12)
    assert out.grad_fn is None and jv.grad_fn is None
    out, jv = F.jvp(lambda a: autograd.ones(2), (x,), (autograd.tensor(V3),))
    np.testing.assert_array_equal(jv.numpy(), np.zeros(2))  # no dependence: a zero tangent
    with pytest.raises(RuntimeError, match="_ReverseOnly: this op has no forward-mode AD rule"):
        F.jvp(lambda a: _ReverseOnly.apply(a), (x,), (autograd.tensor(V3),))


def test_func_jvp_matches_finite_differences():
    f = _tall(autograd)
    xs, vs = [X, Y], [V3, RNG.standard_normal(Y.shape)]
    outs, jvs = F.jvp(f, tuple(autograd.tensor(a) for a in xs),
                      tuple(autograd.tensor(v) for v in vs))  # fmt: skip
    eps = 1e-6
    hi = f(*(autograd.tensor(a + eps * v) for a, v in zip(xs, vs)))
    lo = f(*(autograd.tensor(a - eps * v) for a, v in zip(xs, vs)))
    for o, jv, h, low in zip(outs, jvs, hi, lo):
        np.testing.assert_allclose(o.numpy(), ((h + low) / 2).numpy(), rtol=1e-9)
        np.testing.assert_allclose(jv.numpy(), ((h - low) / (2 * eps)).numpy(), rtol=1e-6,
                                   atol=1e-8)  # fmt: skip


def test_func_jvp_matches_torch_func(torch):
    f = lambda lib: lambda a, b: (lib.tanh(a) * b.sum(), (a * a).sum(), a * 0 + 1)  # noqa: E731
    vy = RNG.standard_normal(Y.shape)
    ours = F.jvp(f(autograd), (autograd.tensor(X), autograd.tensor(Y)),
                 (autograd.tensor(V3), autograd.tensor(vy)))  # fmt: skip
    theirs = torch.func.jvp(f(torch), (torch.tensor(X), torch.tensor(Y)),
                            (torch.tensor(V3), torch.tensor(vy)))  # fmt: skip
    for mine, ref in zip(ours, theirs):
        assert isinstance(mine, tuple) and len(mine) == len(ref)
        for a, b in zip(mine, ref):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-15)
    out, jv, aux = F.jvp(lambda a: (a.exp(), a.sum()), (autograd.tensor(X),),
                         (autograd.tensor(V3),), has_aux=True)  # fmt: skip
    tout, tjv, taux = torch.func.jvp(lambda a: (a.exp(), a.sum()), (torch.tensor(X),),
                                     (torch.tensor(V3),), has_aux=True)  # fmt: skip
    for a, b in ((out, tout), (jv, tjv), (aux, taux)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_func_jvp_nested_in_reverse_mode_stays_differentiable():
    # grad of <jvp(f), 1> with f = sum(x**3): the tangent 3 x**2 v differentiated in x.
    def g(a):
        return F.jvp(lambda b: (b**3).sum(), (a,), (autograd.tensor(V3),))[1]

    np.testing.assert_allclose(F.grad(g)(autograd.tensor(X)).numpy(), 6 * X * V3, rtol=1e-12)


def test_func_jvp_bad_arguments_are_named():
    x = autograd.tensor(X)
    with pytest.raises(RuntimeError, match="jvp: expected primals and tangents of the same"):
        F.jvp(lambda a: a, (x,), (x, x))
    with pytest.raises(TypeError, match=r"jvp: tangents\[0\] must be a Tensor, got list"):
        F.jvp(lambda a: a, (x,), ([1.0, 2.0, 3.0],))
    with pytest.raises(RuntimeError, match=r"jvp: tangents\[0\] has shape \(2,\)"):
        F.jvp(lambda a: a, (x,), (autograd.ones(2),))
    with pytest.raises(TypeError, match="jvp: func must return a Tensor or a tuple of Tensors"):
        F.jvp(lambda a: 3.0, (x,), (x,))


def test_func_jvp_composes_with_grad_and_itself():
    x, v = autograd.tensor(X), autograd.tensor(V3)
    # Forward over reverse: the tangent of the gradient of sum(x**3) is H v = 6 x v.
    _, hv = F.jvp(F.grad(lambda a: (a**3).sum()), (x,), (v,))
    np.testing.assert_allclose(hv.numpy(), 6 * X * V3, rtol=1e-12)
    # jvp of jvp (the inner one inside the outer's dual level): 6 x v v.
    _, second = F.jvp(lambda a: F.jvp(lambda b: b**3, (a,), (v,))[1], (x,), (v,))
    np.testing.assert_allclose(second.numpy(), 6 * X * V3 * V3, rtol=1e-12)
