"""autograd.functional and autograd.func against torch.autograd.functional and torch.func,
and against finite differences (gradcheck) always."""

import numpy as np
import pytest

import autograd
from autograd import func as F
from autograd import functional as AF

RNG = np.random.default_rng(0)
X = RNG.standard_normal(3)
Y = RNG.standard_normal((2, 3))
V3 = RNG.standard_normal(3)
V23 = RNG.standard_normal((2, 3))


def _two_in_two_out(lib):
    return lambda a, b: ((lib.tanh(a) * b).sum(0), (a**2).sum() * b)


def _scalar(lib):
    return lambda a: (lib.exp(a) * a).sum() + (a[0] * a[1]) ** 2


def _eq(ours, theirs):
    if isinstance(ours, (tuple, list)):
        assert isinstance(theirs, (tuple, list)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _eq(a, b)
    else:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9)


def _t(lib, *arrays):
    return tuple(lib.tensor(a) for a in arrays)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_several_inputs_and_outputs(strategy, torch):
    ours = AF.jacobian(_two_in_two_out(autograd), _t(autograd, X, Y), strategy=strategy)
    theirs = torch.autograd.functional.jacobian(
        _two_in_two_out(torch), _t(torch, X, Y), strategy=strategy, vectorize=True
    )
    _eq(ours, theirs)


def test_vjp_jvp_hvp_vhp_hessian(torch):
    tf = torch.autograd.functional
    _eq(
        AF.vjp(_two_in_two_out(autograd), _t(autograd, X, Y), _t(autograd, V3, V23)),
        tf.vjp(_two_in_two_out(torch), _t(torch, X, Y), _t(torch, V3, V23)),
    )
    _eq(
        AF.jvp(_two_in_two_out(autograd), _t(autograd, X, Y), _t(autograd, V3, V23)),
        tf.jvp(_two_in_two_out(torch), _t(torch, X, Y), _t(torch, V3, V23)),
    )
    for ours, theirs in ((AF.hvp, tf.hvp), (AF.vhp, tf.vhp)):
        _eq(
            ours(_scalar(autograd), autograd.tensor(X), autograd.tensor(V3)),
            theirs(_scalar(torch), torch.tensor(X), torch.tensor(V3)),
        )
    for strategy in ("reverse-mode", "forward-mode"):
        _eq(
            AF.hessian(_scalar(autograd), autograd.tensor(X), outer_jacobian_strategy=strategy),
            tf.hessian(_scalar(torch), torch.tensor(X)),
        )
    _eq(
        AF.hessian(lambda a, b: (a * b).sum() ** 2, _t(autograd, X, V3)),
        tf.hessian(lambda a, b: (a * b).sum() ** 2, _t(torch, X, V3)),
    )


def test_create_graph_gives_differentiable_results(torch):
    x = autograd.tensor(X, requires_grad=True)
    AF.hessian(_scalar(autograd), x, create_graph=True).sum().backward()
    xt = torch.tensor(X, requires_grad=True)
    torch.autograd.functional.hessian(_scalar(torch), xt, create_graph=True).sum().backward()
    _eq(x.grad, xt.grad)
    assert AF.jacobian(lambda a: a**2, autograd.tensor(X)).grad_fn is None


def test_against_finite_differences():
    x = autograd.tensor(X, requires_grad=True)

    def grad_of(a):
        return AF.vjp(_scalar(autograd), a, create_graph=True)[1]

    assert autograd.gradcheck(grad_of, (x,))
    jac = AF.jacobian(lambda a: autograd.sin(a) * a.sum(), autograd.tensor(X))
    eps = 1e-6
    for k in range(3):
        e = np.zeros(3)
        e[k] = eps
        col = (np.sin(X + e) * (X + e).sum() - np.sin(X - e) * (X - e).sum()) / (2 * eps)
        np.testing.assert_allclose(jac.numpy()[:, k], col, rtol=1e-6)


def test_strict_and_unused_inputs(torch):
    f = lambda a, b: a * 2  # noqa: E731 - b is unused
    ours = AF.jacobian(f, _t(autograd, X, V3))
    theirs = torch.autograd.functional.jacobian(f, _t(torch, X, V3))
    _eq(ours, theirs)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(f, _t(autograd, X, V3), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.vjp(lambda a, b: (a * 2).sum(), _t(autograd, X, V3), strict=True)


def test_bad_inputs_are_named():
    with pytest.raises(TypeError, match="jacobian: inputs must be a Tensor"):
        AF.jacobian(lambda a: a, [1.0, 2.0][0])
    with pytest.raises(RuntimeError, match="vjp: v can be omitted only"):
        AF.vjp(lambda a: a * 2, autograd.tensor(X))
    with pytest.raises(RuntimeError, match=r"jvp: v\[0\] has shape"):
        AF.jvp(lambda a: a * 2, autograd.tensor(X), autograd.ones(2))
    with pytest.raises(ValueError, match="jacobian: strategy"):
        AF.jacobian(lambda a: a, autograd.tensor(X), strategy="sideways")
    with pytest.raises(RuntimeError, match="hessian: func must return a single tensor"):
        AF.hessian(lambda a: a * 2, autograd.tensor(X))
    with pytest.raises(TypeError, match="inputs\\[0\\] must be a floating-point"):
        AF.jacobian(lambda a: a, autograd.tensor([1, 2]))


def test_func_transforms_match_torch_func(torch):
    tfn = torch.func
    f = lambda lib: lambda a, b: (lib.sin(a) * b**2).sum()  # noqa: E731
    for argnums in (0, 1, (0, 1)):
        _eq(
            F.grad(f(autograd), argnums=argnums)(*_t(autograd, X, V3)),
            tfn.grad(f(torch), argnums=argnums)(*_t(torch, X, V3)),
        )
    quartic = lambda b: (b**4).sum()  # noqa: E731
    _eq(
        F.grad(lambda a: F.grad(quartic)(a).sum())(autograd.tensor(X)),
        tfn.grad(lambda a: tfn.grad(quartic)(a).sum())(torch.tensor(X)),
    )
    _eq(
        F.hessian(_scalar(autograd))(autograd.tensor(X)),
        tfn.hessian(_scalar(torch))(torch.tensor(X)),
    )
    g = lambda lib: lambda a: lib.tanh(a) * a.sum()  # noqa: E731
    _eq(F.jacrev(g(autograd))(autograd.tensor(X)), tfn.jacrev(g(torch))(torch.tensor(X)))
    _eq(F.jacfwd(g(autograd))(autograd.tensor(X)), tfn.jacfwd(g(torch))(torch.tensor(X)))
    out, fn = F.vjp(g(autograd), autograd.tensor(X))
    tout, tfn_ = tfn.vjp(g(torch), torch.tensor(X))
    _eq((out, fn(autograd.tensor(V3))), (tout, tfn_(torch.tensor(V3))))
    _eq(
        F.jvp(g(autograd), (autograd.tensor(X),), (autograd.tensor(V3),)),
        tfn.jvp(g(torch), (torch.tensor(X),), (torch.tensor(V3),)),
    )
    (gr, val), aux = F.grad_and_value(lambda a: ((a**2).sum(), a * 3), has_aux=True)(
        autograd.tensor(X)
    )
    assert aux.grad_fn is None and np.allclose(gr.numpy(), 2 * X)


def test_func_bad_arguments_are_named():
    with pytest.raises(ValueError, match="grad: argnums 2 is out of range"):
        F.grad(lambda a: a.sum(), argnums=2)(autograd.tensor(X))
    with pytest.raises(RuntimeError, match="grad: the function must return a tensor with one"):
        F.grad(lambda a: a * 2)(autograd.tensor(X))
    with pytest.raises(RuntimeError, match="has_aux=True the function must return"):
        F.grad(lambda a: a.sum(), has_aux=True)(autograd.tensor(X))
    with pytest.raises(TypeError, match="jvp: primals and tangents must be tuples"):
        F.jvp(lambda a: a, autograd.tensor(X), autograd.tensor(X))
