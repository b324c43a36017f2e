"""Tests of autograd/ops/activation.py: forward and gradients vs PyTorch (including PyTorch's
derivative at every kink), finite differences, stability at ±1e4 in float32, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_reference import torch_fn

import autograd
from autograd.ops.registry import REGISTRY


def ours_and_torch_grads(torch, name, values, dtype=np.float64, extra=(), **kwargs):
    """Value and input gradient of ``sum(op(x) * w)`` in numbagrad and in PyTorch."""
    x_np = np.asarray(values, dtype=dtype)
    w = np.arange(1.0, x_np.size + 1).reshape(x_np.shape).astype(dtype)
    x = autograd.tensor(x_np, requires_grad=True)
    y = getattr(autograd, name)(x, *extra, **kwargs)
    (y * autograd.tensor(w)).sum().backward()
    tx = torch.tensor(x_np, requires_grad=True)
    textra = [torch.tensor(np.asarray(e)) if isinstance(e, np.ndarray) else e for e in extra]
    ty = torch_fn(torch, REGISTRY[name])(tx, *textra, **kwargs)
    (ty * torch.tensor(w)).sum().backward()
    return (y.detach().numpy(), x.grad.numpy()), (ty.detach().numpy(), tx.grad.numpy())


# -------------------------------------------------------------- conventions at the kinks
KINKS = [
    ("leaky_relu", [0.0, -1.0, 2.0], {"negative_slope": 0.1}),
    ("leaky_relu", [0.0], {"negative_slope": -0.5}),
    ("elu", [0.0, -1.0], {"alpha": 2.0}),
    ("elu", [0.0, -1.0], {"alpha": -1.0}),
    ("selu", [0.0, -0.5, 0.5], {}),
    ("celu", [0.0, -1.0], {"alpha": 0.5}),
    ("hardtanh", [-1.0, 1.0, 0.5, 2.0, -2.0], {}),
    ("hardtanh", [-0.5, 2.0, 0.0], {"min_val": -0.5, "max_val": 2.0}),
    ("relu6", [0.0, 6.0, 3.0, 7.0, -1.0], {}),
    ("hardsigmoid", [-3.0, 3.0, 0.0, 4.0, -4.0], {}),
    ("hardswish", [-3.0, 3.0, 0.0, 4.0, -4.0, -2.9999, 2.9999], {}),
    ("threshold", [1.0, 1.5, 0.5], {"threshold": 1.0, "value": -2.0}),
    ("softplus", [2.0, 5.0, 5.0001, 4.99, 0.0], {"beta": 2.0, "threshold": 10.0}),
    ("softsign", [0.0, 1.0, -2.0], {}),
    ("gelu", [0.0, 1.0], {"approximate": "tanh"}),
    ("mish", [0.0], {}),
    ("silu", [0.0], {}),
    ("logsigmoid", [0.0], {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "values", "kwargs"), KINKS)
def test_kink_conventions_match_torch(torch, name, values, kwargs, dtype):
    (y, g), (ty, tg) = ours_and_torch_grads(torch, name, values, dtype, **kwargs)
    assert y.dtype == dtype and g.dtype == dtype
    np.testing.assert_allclose(y, ty, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g, tg, rtol=1e-6, atol=1e-7)


def test_prelu_at_zero_and_weight_gradient_match_torch(torch):
    x = np.array([[0.0, -1.0, 2.0], [-3.0, 0.0, 4.0]])
    for w in (np.array([0.1, 0.2, -0.3]), np.array([0.25]), np.array(0.25)):
        xa, wa = autograd.tensor(x, requires_grad=True), autograd.tensor(w, requires_grad=True)
        autograd.prelu(xa, wa).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        tw = torch.tensor(w, requires_grad=True)
        torch.nn.functional.prelu(tx, tw).sum().backward()
        np.testing.assert_allclose(xa.grad.numpy(), tx.grad.numpy())
        np.testing.assert_allclose(wa.grad.numpy(), tw.grad.numpy())
        assert wa.grad.shape == tuple(tw.shape)
    # a 0-d input with a one-element weight
    xa, wa = autograd.tensor(-2.0, requires_grad=True), autograd.tensor([0.5], requires_grad=True)
    y = autograd.prelu(xa, wa)
    y.backward()
    assert y.shape == () and float(y) == -1.0
    np.testing.assert_allclose(wa.grad.numpy(), [-2.0])


# -------------------------------------------------------------------------------- stability
STABLE = ["softplus", "logsigmoid", "gelu", "silu", "mish", "elu", "selu", "celu", "softsign"]


@pytest.mark.parametrize("name", STABLE)
def test_pointwise_stable_at_1e4_float32(torch, name):
    values = [-1e4, -100.0, 0.5, 100.0, 1e4]
    (y, g), (ty, tg) = ours_and_torch_grads(torch, name, values, np.float32)
    assert np.isfinite(y).all() and np.isfinite(g).all()
    np.testing.assert_allclose(y, ty, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(g, tg, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_stable_at_1e4_float32(torch, name):
    values = [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4], [0.0, 1.0, 2.0]]
    for dim in (0, 1, -1):
        (y, g), (ty, tg) = ours_and_torch_grads(torch, name, values, np.float32, dim=dim)
        assert np.isfinite(y).all() and np.isfinite(g).all()
        np.testing.assert_allclose(y, ty, rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-4)


def test_log_softmax_nll_loss_and_grad_are_finite():
    logits = autograd.tensor([[1e4, -1e4], [-1e4, 1e4]], requires_grad=True)
    out = autograd.log_softmax(logits, dim=1)
    loss = -(out * autograd.tensor([[1.0, 0.0], [1.0, 0.0]])).sum()
    loss.backward()
    assert float(loss) == pytest.approx(2e4)
    np.testing.assert_allclose(logits.grad.numpy(), [[0.0, 0.0], [-1.0, 1.0]])  # softmax - onehot


# --------------------------------------------------------------- softmax arguments and dims
@given(data=st.data())
def test_softmax_forward_matches_numpy_over_dims(data):
    from autograd import testing

    shape = data.draw(testing.shapes(min_dims=1))
    x = data.draw(testing.arrays(shape, np.float32))
    dim = data.draw(testing.dims(len(shape), allow_tuple=False))
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    expect = e / e.sum(axis=dim, keepdims=True)
    t = autograd.tensor(x)
    np.testing.assert_allclose(t.softmax(dim).numpy(), expect, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(autograd.softmax(t, axis=dim).numpy(), expect, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        t.log_softmax(dim).numpy(), np.log(expect), rtol=1e-5, atol=1e-5
    )  # fmt: skip


def test_softmax_dtype_argument_and_zero_dim(torch):
    x = autograd.tensor([1, -1, 7])
    y = autograd.softmax(x, 0, dtype=autograd.float64)
    assert y.dtype == autograd.float64
    np.testing.assert_allclose(
        y.numpy(), torch.softmax(torch.tensor([1, -1, 7]), 0, dtype=torch.float64).numpy()
    )
    f32 = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = autograd.log_softmax(f32, 0, dtype=autograd.float64)
    y.sum().backward()
    assert y.dtype == autograd.float64 and f32.grad.dtype == autograd.float32
    s = autograd.tensor(3.0, requires_grad=True)
    assert float(autograd.softmax(s, 0)) == 1.0 and float(autograd.log_softmax(s, -1)) == 0.0
    autograd.softmax(s, 0).backward()
    assert float(s.grad) == 0.0


# ------------------------------------------------------------------------ dtypes and errors
def test_integer_inputs_like_torch(torch):
    ints = np.array([1, -1, 7])
    for name, kwargs in (
        ("relu6", {}),
        ("hardtanh", {}),
        ("threshold", {"threshold": 1, "value": 5}),
    ):
        ours = getattr(autograd, name)(autograd.tensor(ints), **kwargs)
        theirs = getattr(torch.nn.functional, name)(torch.tensor(ints), **kwargs)
        assert ours.dtype == autograd.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    y = autograd.softsign(autograd.tensor(ints))
    assert y.dtype == autograd.float32
    for name in ("leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus", "logsigmoid",
                 "hardsigmoid", "hardswish", "celu"):  # fmt: skip
        with pytest.raises(TypeError, match=f"{name}: expected a floating point tensor"):
            getattr(autograd, name)(autograd.tensor(ints))


def test_bad_arguments_raise_clear_errors():
    x = autograd.ones(2, 3)
    with pytest.raises(TypeError, match="softmax: expected a floating point tensor"):
        autograd.softmax(autograd.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match="log_softmax: missing the required argument dim"):
        autograd.log_softmax(x)
    with pytest.raises(ValueError, match="softmax: dim 2 is out of range"):
        autograd.softmax(x, 2)
    with pytest.raises(ValueError, match="log_softmax: dim -3 is out of range"):
        x.log_softmax(-3)
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) cannot be greater"):
        autograd.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        autograd.celu(x, alpha=0.0)
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        autograd.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match="prelu: weight has 2 elements, expected 1 or .* 3"):
        autograd.prelu(x, autograd.ones(2))
    with pytest.raises(ValueError, match="prelu: weight must be 0-d or 1-d"):
        autograd.prelu(x, autograd.ones(3, 1))
    with pytest.raises(ValueError, match="prelu: weight has 3 elements"):
        autograd.prelu(autograd.ones(3), autograd.ones(3))  # a 1-d input has one channel


@pytest.mark.parametrize("name", ["elu", "selu", "celu"])
def test_elu_family_second_derivative_at_zero_is_zero(name):
    # PyTorch's double backward keeps the negative branch strictly below 0.
    x = autograd.tensor([0.0, -1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad(getattr(autograd, name)(x).sum(), x, create_graph=True)
    (gg,) = autograd.grad(g.sum(), x)
    assert gg.tolist()[0] == 0.0 and gg.tolist()[2] == 0.0 and gg.tolist()[1] > 0.0


def test_elu_gradient_with_inf_upstream_far_left_matches_torch(torch):
    # The slope exp(x) is tiny, not 0: inf * tiny is inf (the output-based rule gave NaN).
    x = np.array([-100.0, 1.0], np.float32)
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    autograd.elu(ours).backward(autograd.tensor([np.inf, 1.0]))
    torch.nn.functional.elu(theirs).backward(torch.tensor([np.inf, 1.0]))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
