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


def _f(lib):
    return nn.functional if lib is autograd else lib.nn.functional


def _leaf(lib, values):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


def pow_scalar_then_relu_(lib):
    x = _leaf(lib, [1.0, -2.0])
    y = x**3
    y.relu_()
    y.sum().backward()
    return [x]


def var_then_scale_result(lib):
    x = _leaf(lib, [1.0, -2.0, 3.0])
    v = x.var()
    v.mul_(2)
    v.backward()
    return [x]


def var_then_change_input(lib):
    x = _leaf(lib, [1.0, -2.0, 3.0])
    h = x * 1
    v = h.var()
    h.add_(1)
    v.backward()
    return [x]


def std_then_scale_result(lib):
    x = _leaf(lib, [1.0, -2.0, 3.0])
    s = x.std()
    s.mul_(2)
    s.backward()
    return [x]


def elu_then_scale_result(lib):
    x = _leaf(lib, [1.0, -2.0])
    y = _f(lib).elu(x)
    y.mul_(2)
    y.sum().backward()
    return [x]


def selu_then_scale_result(lib):
    x = _leaf(lib, [1.0, -2.0])
    y = _f(lib).selu(x)
    y.mul_(2)
    y.sum().backward()
    return [x]


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


def mul_by_constant_then_change_input(lib):
    x = _leaf(lib, [1.0, 2.0])
    h = x * 1
    y = h * 3 + h / 4
    h.add_(1)
    y.sum().backward()
    return [x]


def matmul_then_change_the_differentiated_operand(lib):
    x = _leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    w = lib.tensor([[1.0, -1.0], [2.0, 0.5]], dtype=lib.float64)
    h = x * 1
    y = h @ w
    h.add_(1)
    y.sum().backward()
    return [x]


def matmul_then_change_the_other_operand(lib):
    x = _leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    w = _leaf(lib, [[1.0, -1.0], [2.0, 0.5]])
    h = x * 1
    y = h @ w
    h.add_(1)  # w's gradient reads h
    y.sum().backward()
    return [x, w]


def einsum_sum_then_change_input(lib):
    x = _leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
    h = x * 1
    y = lib.einsum("ij->j", h)
    h.add_(1)
    y.sum().backward()
    return [x]


def change_through_data(lib):
    x = _leaf(lib, [1.0, 2.0])
    y = x * 2
    z = y * y
    y.data.add_(1)  # invisible to autograd: the gradient reads the changed values
    z.sum().backward()
    return [x]


def change_through_detach(lib):
    x = _leaf(lib, [1.0, 2.0])
    y = x * 2
    z = y * y
    y.detach().add_(1)
    z.sum().backward()
    return [x]


# program, expected gradients (None: backward raises the in-place error)
PROGRAMS = [
    (pow_scalar_then_relu_, [[3.0, 0.0]]),
    (var_then_scale_result, [[2 / 3, -16 / 3, 14 / 3]]),  # 2 * (x - mean)
    (var_then_change_input, None),
    (std_then_scale_result, None),
    (elu_then_scale_result, [[2.0, 2 * np.exp(-2.0)]]),
    (selu_then_scale_result, [[2 * 1.0507009873554805, 2 * 1.7580993408473766 * np.exp(-2.0)]]),
    (lerp_scalar_weight_then_change_ends, [[0.75, 0.75], [0.25, 0.25]]),
    (lerp_tensor_weight_then_change_weight, None),
    (mul_by_constant_then_change_input, [[3.25, 3.25]]),
    (matmul_then_change_the_differentiated_operand, [[[0.0, 2.5], [0.0, 2.5]]]),
    (matmul_then_change_the_other_operand, None),
    (einsum_sum_then_change_input, [[[1.0, 1.0], [1.0, 1.0]]]),
    (change_through_data, [[12.0, 20.0]]),
    (change_through_detach, None),
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
