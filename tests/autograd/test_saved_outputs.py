"""Ops save what PyTorch saves, so in-place changes refuse exactly the programs PyTorch refuses.

Each program changes a tensor in place after an op used it, then backpropagates. Where PyTorch's
derivative formula reads neither that tensor nor the op's output (``x ** 3`` keeps only ``x``),
backward must run and give the hand-computed gradients; where it does (``std`` keeps its
output), backward must raise. With PyTorch installed each program also runs there: both raise,
or both give the same gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn

X22 = [[1.0, 2.0], [3.0, 4.0]]
W = [[1.0, -1.0], [2.0, 0.5]]


def _f(lib):
    return nn.functional if lib is autograd else lib.nn.functional


def _leaf(lib, values):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


def _named(name, program):
    program.__name__ = name  # the test's id
    return program


def _change_result(name, values, op, change):
    """A program: ``y = op(lib, x)`` on a leaf ``x``, then ``change(y)`` in place."""

    def program(lib):
        x = _leaf(lib, values)
        y = op(lib, x)
        change(y)
        y.sum().backward()
        return [x]

    return _named(name, program)


def _change_input(name, values, op):
    """A program: ``y = op(lib, h)`` on ``h``, a copy of a leaf, then ``h`` changed in place."""

    def program(lib):
        x = _leaf(lib, values)
        h = x * 1
        y = op(lib, h)
        h.add_(1)
        y.sum().backward()
        return [x]

    return _named(name, program)


def _scale(y):
    y.mul_(2)


def _change_through(name, alias):
    """A program: ``y * y`` saves ``y``, then ``alias(y)``, sharing its storage, changes it."""

    def program(lib):
        x = _leaf(lib, [1.0, 2.0])
        y = x * 2
        z = y * y
        alias(y).add_(1)
        z.sum().backward()
        return [x]

    return _named(name, program)


def lerp_scalar_weight_then_change_ends(lib):
    a, e = _leaf(lib, [1.0, -2.0]), _leaf(lib, [3.0, 3.0])
    s, t = a * 1, e * 1
    y = lib.lerp(s, t, 0.25)
    s.add_(1)
    t.add_(1)
    y.sum().backward()
    return [a, e]


def lerp_tensor_weight_then_change_weight(lib):
    a, w = _leaf(lib, [1.0, -2.0]), _leaf(lib, [0.5, 0.25])
    v = w * 1
    y = lib.lerp(a, lib.tensor([3.0, 3.0], dtype=lib.float64), v)
    v.add_(1)
    y.sum().backward()
    return [a, w]


def matmul_then_change_the_other_operand(lib):
    x, w = _leaf(lib, X22), _leaf(lib, W)
    h = x * 1
    y = h @ w
    h.add_(1)  # w's gradient reads h
    y.sum().backward()
    return [x, w]


# program, expected gradients (None: backward raises the in-place error)
PROGRAMS = [
    (_change_result("pow_scalar_then_relu_", [1.0, -2.0], lambda lib, x: x**3, lambda y: y.relu_()),
     [[3.0, 0.0]]),
    (_change_result("var_then_scale_result", [1.0, -2.0, 3.0], lambda lib, x: x.var(), _scale),
     [[2 / 3, -16 / 3, 14 / 3]]),  # 2 * (x - mean)
    (_change_input("var_then_change_input", [1.0, -2.0, 3.0], lambda lib, h: h.var()), None),
    (_change_result("std_then_scale_result", [1.0, -2.0, 3.0], lambda lib, x: x.std(), _scale),
     None),
    (_change_result("elu_then_scale_result", [1.0, -2.0], lambda lib, x: _f(lib).elu(x), _scale),
     [[2.0, 2 * np.exp(-2.0)]]),
    (_change_result("selu_then_scale_result", [1.0, -2.0], lambda lib, x: _f(lib).selu(x), _scale),
     [[2 * 1.0507009873554805, 2 * 1.7580993408473766 * np.exp(-2.0)]]),
    (lerp_scalar_weight_then_change_ends, [[0.75, 0.75], [0.25, 0.25]]),
    (lerp_tensor_weight_then_change_weight, None),
    (_change_input("mul_by_constant_then_change_input", [1.0, 2.0], lambda lib, h: h * 3 + h / 4),
     [[3.25, 3.25]]),
    (_change_input("matmul_then_change_the_differentiated_operand", X22,
                   lambda lib, h: h @ lib.tensor(W, dtype=lib.float64)),
     [[[0.0, 2.5], [0.0, 2.5]]]),
    (matmul_then_change_the_other_operand, None),
    (_change_input("einsum_sum_then_change_input", X22, lambda lib, h: lib.einsum("ij->j", h)),
     [[[1.0, 1.0], [1.0, 1.0]]]),
    # .data is invisible to autograd: the gradient reads the changed values
    (_change_through("change_through_data", lambda y: y.data), [[12.0, 20.0]]),
    (_change_through("change_through_detach", lambda y: y.detach()), None),
]  # fmt: skip

IDS = [p.__name__ for p, _ in PROGRAMS]


def _grads(leaves) -> list[np.ndarray]:
    return [leaf.grad.detach().numpy() for leaf in leaves]


@pytest.mark.parametrize("program, expected", PROGRAMS, ids=IDS)
def test_saved_tensors_and_in_place_changes(program, expected):
    if expected is None:
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            program(autograd)
        return
    for got, want in zip(_grads(program(autograd)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("program, expected", PROGRAMS, ids=IDS)
def test_saved_tensors_match_torch(program, expected, torch):
    try:
        theirs = _grads(program(torch))
    except RuntimeError as e:
        assert "inplace" in str(e)
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            program(autograd)
        return
    for got, want in zip(_grads(program(autograd)), theirs):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_data_does_not_share_the_version_counter():
    x = autograd.tensor([1.0, 2.0])
    d = x.data
    d.add_(1)
    assert x._version == 0 and x.tolist() == [2.0, 3.0]
    x.detach().add_(1)
    assert x._version == 1
