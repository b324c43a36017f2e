"""Copying rearrangements (autograd/ops/rearrange.py): pad modes and negative widths against
PyTorch, NumPy-function dispatch and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from torch_reference import grad_vs_torch

import autograd as ag


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("widths", [(1, 2), (2, 0, 1, 1), (0, 0, 2, 1)])
def test_pad_modes_vs_torch(torch, mode, widths):
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    kw = {"value": 0.5} if mode == "constant" else {}
    grad_vs_torch(
        torch,
        lambda x: ag.pad(x, widths, mode=mode, **kw),
        lambda x: torch.nn.functional.pad(x, widths, mode=mode, **kw),
        a,
    )


def test_pad_negative_crops(torch):
    a = np.random.default_rng(4).standard_normal((3, 4))
    grad_vs_torch(
        torch,
        lambda x: ag.pad(x, (-1, 2, 1, -2)),
        lambda x: torch.nn.functional.pad(x, (-1, 2, 1, -2)),
        a,
    )


def _a(*shape):
    return np.random.default_rng(5).standard_normal(shape)


def test_numpy_flip_maps_axis_to_dims():
    a = _a(2, 3)
    x = ag.tensor(a, requires_grad=True)
    y = np.flip(x, axis=0)
    assert isinstance(y, ag.Tensor) and y.grad_fn is not None
    np.testing.assert_array_equal(y.detach().numpy(), np.flip(a, axis=0))
    np.testing.assert_array_equal(np.flip(x, axis=(0, 1)).detach().numpy(), a[::-1, ::-1])
    np.testing.assert_array_equal(np.flip(x).detach().numpy(), a[::-1, ::-1])  # every axis


def test_numpy_roll_maps_axis_and_shift():
    a = _a(2, 3)
    x = ag.tensor(a, requires_grad=True)
    y = np.roll(x, 1, axis=0)
    assert isinstance(y, ag.Tensor) and y.grad_fn is not None
    np.testing.assert_array_equal(y.detach().numpy(), np.roll(a, 1, axis=0))
    np.testing.assert_array_equal(
        np.roll(x, shift=(1, -1), axis=(0, 1)).detach().numpy(), np.roll(a, (1, -1), (0, 1))
    )
    np.testing.assert_array_equal(np.roll(x, 2).detach().numpy(), np.roll(a, 2))


def test_bad_rearrange_arguments():
    with pytest.raises(ValueError, match="repeat: sizes"):
        ag.zeros(2, 3).repeat(2)
    with pytest.raises(ValueError, match="reflect padding"):
        ag.pad(ag.zeros(2, 3), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="pad: mode"):
        ag.pad(ag.zeros(2, 3), (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="even length"):
        ag.pad(ag.zeros(2, 3), (1,))
    with pytest.raises(ValueError, match="roll: shifts"):
        ag.zeros(2, 3).roll((1, 2), 0)
