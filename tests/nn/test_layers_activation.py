"""Activation layers vs PyTorch, at generic points and at the kinks."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import check_against_torch

import autograd
import nn

CASES = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (0.2,), {}), ("ELU", (), {"alpha": 0.7}),
    ("SELU", (), {}), ("CELU", (), {"alpha": 1.5}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Mish", (), {}), ("Sigmoid", (), {}),
    ("Tanh", (), {}), ("Hardtanh", (-2.0, 1.5), {}), ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}), ("Softplus", (), {"beta": 2.0, "threshold": 5.0}), ("Softsign", (), {}),
    ("Softmax", (), {"dim": 1}), ("LogSoftmax", (), {"dim": -1}), ("Softmin", (), {"dim": 0}),
    ("Threshold", (0.5, -3.0), {}), ("LogSigmoid", (), {}), ("Tanhshrink", (), {}),
    ("GLU", (), {"dim": 1}),
]  # fmt: skip

KINKS = np.array([-3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 3.0, 6.0, 7.0, -0.3, 2.2])


def _input(kinks: bool) -> np.ndarray:
    if kinks:
        return np.stack([KINKS, KINKS[::-1]])
    return np.random.default_rng(0).standard_normal((3, 4, 2)) * 3


@pytest.mark.parametrize("kinks", [False, True])
@pytest.mark.parametrize(
    "name,args,kwargs", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)]
)
def test_activation_matches_torch(torch, name, args, kwargs, kinks):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    # PyTorch's hardsigmoid backward uses the float32 constant 1/6 even in float64
    rtol = 1e-7 if name == "Hardsigmoid" else 1e-9
    check_against_torch(torch, ours, theirs, [_input(kinks)], rtol=rtol)


@pytest.mark.parametrize("num", [1, 3])
def test_prelu_matches_torch(torch, num):
    ours, theirs = nn.PReLU(num), torch.nn.PReLU(num)
    assert list(ours.state_dict()) == ["weight"]
    np.testing.assert_array_equal(ours.weight.detach().numpy(), np.full(num, 0.25, np.float32))
    with torch.no_grad():
        theirs.weight.copy_(torch.linspace(-0.5, 0.7, num))
    check_against_torch(torch, ours, theirs, [np.random.default_rng(1).standard_normal((2, 3, 4))])
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name,args", [("ReLU", ()), ("LeakyReLU", (0.1,)), ("ELU", ()),
                                       ("Hardtanh", ()), ("ReLU6", ()), ("SiLU", ()),
                                       ("Hardswish", ()), ("Threshold", (0.1, 2.0))])  # fmt: skip
def test_inplace_variants(torch, name, args):
    x = np.random.default_rng(2).standard_normal((3, 4))
    ours = getattr(nn, name)(*args, inplace=True)
    theirs = getattr(torch.nn, name)(*args, inplace=True)
    assert repr(ours) == repr(theirs)
    a = autograd.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ya, yt = a * 1.0, t * 1.0
    ra, rt = ours(ya), theirs(yt)
    assert ra is ya  # the result is the input, modified
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    (ra * ra).sum().backward()
    (rt * rt).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_inplace_on_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf"):
        nn.ELU(inplace=True)(autograd.ones(2, requires_grad=True))


def test_softmax_without_dim_warns_and_uses_legacy_dim(torch):
    x = np.random.default_rng(3).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="dim"):
        y = nn.Softmax()(autograd.tensor(x))
    np.testing.assert_allclose(y.numpy(), torch.softmax(torch.tensor(x), 1).numpy(), rtol=1e-12)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("erf")
