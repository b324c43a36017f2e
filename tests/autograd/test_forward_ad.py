"""Forward-mode AD: dual levels, make_dual/unpack_dual, tangents through ops, clear errors."""

import numpy as np
import pytest

import autograd
import autograd.forward_ad as fwAD
from autograd.ops import REGISTRY
from autograd.ops._table import elementwise_op  # noqa: F401 - the rows' module is loaded

X = np.array([0.3, 1.2, -0.7])
U = np.array([1.0, -0.5, 2.0])
ROWS = [n for n, info in REGISTRY.items() if getattr(info.fn, "__module__", "").endswith(
    ("transcendental", "elementwise")) and n not in ("round", "clone")]  # fmt: skip


@pytest.mark.parametrize("name", ROWS)
def test_elementwise_rows_tangent_equals_jacobian_vector_product(name):
    fn = REGISTRY[name].fn
    x = autograd.tensor(np.abs(X) + 0.5 if name in ("log", "log2", "log10", "sqrt", "rsqrt")
                        else X)  # fmt: skip
    x = x.to(autograd.float64)
    with fwAD.dual_level():
        out = fn(fwAD.make_dual(x, autograd.tensor(U)))
        tangent = fwAD.unpack_dual(out).tangent
    xr = x.detach().requires_grad_()
    (g,) = autograd.grad(fn(xr), xr, autograd.ones(3, dtype=autograd.float64))
    expected = g.numpy() * U  # elementwise: J is diagonal, J u = diag(J) * u
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_matches_torch_forward_ad(torch):
    x = np.array([0.3, 1.2])
    with fwAD.dual_level():
        d = fwAD.make_dual(autograd.tensor(x), autograd.tensor([1.0, 2.0]))
        ours = fwAD.unpack_dual(autograd.tanh(autograd.exp(d))).tangent.numpy()
    tf = torch.autograd.forward_ad
    with tf.dual_level():
        d = tf.make_dual(torch.tensor(x), torch.tensor([1.0, 2.0], dtype=torch.float64))
        theirs = tf.unpack_dual(torch.tanh(torch.exp(d))).tangent.numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_levels_and_unpacking():
    x = autograd.ones(2)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, autograd.zeros(2))
        primal, tangent = fwAD.unpack_dual(d)
        assert tangent.tolist() == [0.0, 0.0] and primal.tolist() == [1.0, 1.0]
        assert fwAD.unpack_dual(x).tangent is None  # the original has no tangent
        kept = d
    assert fwAD.unpack_dual(kept).tangent is None  # leaving the level drops tangents
    with fwAD.dual_level(), pytest.raises(RuntimeError, match="already active"):
        fwAD.enter_dual_level()


def test_dual_of_a_leaf_that_requires_grad_stays_differentiable():
    x = autograd.tensor([0.5, 1.0], requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, autograd.ones(2))
        y = autograd.exp(d)
        assert fwAD.unpack_dual(y).tangent.tolist() == pytest.approx(np.exp([0.5, 1.0]).tolist())
        y.backward(autograd.ones(2))
    assert x.grad.tolist() == pytest.approx(np.exp([0.5, 1.0]).tolist())


def test_errors_are_named():
    with pytest.raises(RuntimeError, match="make_dual: no dual level is active"):
        fwAD.make_dual(autograd.ones(1), autograd.ones(1))
    with fwAD.dual_level():
        with pytest.raises(ValueError, match="make_dual: tangent has shape"):
            fwAD.make_dual(autograd.ones(2), autograd.ones(3))
        with pytest.raises(TypeError, match="make_dual: tensor must be floating point"):
            fwAD.make_dual(autograd.tensor([1, 2]), autograd.ones(2))
        with pytest.raises(TypeError, match="unpack_dual: expected a Tensor"):
            fwAD.unpack_dual(3.0)
    with pytest.raises(RuntimeError, match="exit_dual_level: no dual level"):
        fwAD.exit_dual_level()


def test_op_without_a_rule_names_itself():
    class Opaque(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with fwAD.dual_level():
        d = fwAD.make_dual(autograd.ones(2), autograd.ones(2))
        with pytest.raises(RuntimeError, match="Opaque: this op has no forward-mode AD rule"):
            Opaque.apply(d)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_in_place_ops_update_the_tangent(requires_grad):
    x = autograd.tensor([0.5, 2.0], dtype=autograd.float64)
    u, w = autograd.tensor([1.0, -1.0]), autograd.tensor([10.0, 20.0])
    with fwAD.dual_level():
        base = x.clone().requires_grad_() * 1 if requires_grad else x.clone()
        d = fwAD.make_dual(base, u)
        e = fwAD.make_dual(x.clone(), w)
        d.mul_(e)
        d.exp_()
        got = fwAD.unpack_dual(d).tangent.numpy()
        y = autograd.zeros(3, dtype=autograd.float64)
        y[1:] = e  # an in-place write into a view
        z = autograd.zeros(2, dtype=autograd.float64)
        z.copy_(e)
        written = fwAD.unpack_dual(y).tangent.numpy(), fwAD.unpack_dual(z).tangent.numpy()
    xs = x.numpy()
    # d(exp(x * x)) = exp(x * x) * (u * x + x * w)
    np.testing.assert_allclose(got, np.exp(xs * xs) * (u.numpy() * xs + xs * w.numpy()))
    np.testing.assert_array_equal(written[0], [0.0, 10.0, 20.0])
    np.testing.assert_array_equal(written[1], [10.0, 20.0])
