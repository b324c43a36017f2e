"""nn.utils: gradient clipping and parameter <-> vector conversions, against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
import nn
from nn import utils


def _pair(torch, shapes, scale=1.0, dtype=np.float32):
    arrays = [np.asarray(np.random.randn(*s), dtype=dtype) * scale for s in shapes]
    grads = [np.asarray(np.random.randn(*s), dtype=dtype) * scale for s in shapes]
    ours, theirs = [], []
    for a, g in zip(arrays, grads):
        p = nn.Parameter(autograd.tensor(a))
        p.grad = autograd.tensor(g)
        ours.append(p)
        q = torch.nn.Parameter(torch.tensor(a))
        q.grad = torch.tensor(g)
        theirs.append(q)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours, theirs = _pair(torch, [(3, 4), (5,), ()], dtype=np.float64)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, autograd.Tensor) and total.ndim == 0
    assert total.item() == pytest.approx(ref.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_float32_and_result():
    ours = [nn.Parameter(autograd.zeros(2)), nn.Parameter(autograd.zeros(1))]
    ours[0].grad = autograd.tensor([3.0, 0.0])
    ours[1].grad = autograd.tensor([4.0])
    ours.append(nn.Parameter(autograd.zeros(1)))  # no grad: skipped
    total = utils.clip_grad_norm_(iter(ours), max_norm=1.0)
    assert total.dtype == autograd.float32 and total.item() == pytest.approx(5.0)
    new = math.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in ours[:2]))
    assert new == pytest.approx(1.0, rel=1e-5)
    assert utils.clip_grad_norm_([nn.Parameter(autograd.zeros(1))], 1.0).item() == 0.0


def test_clip_grad_norm_single_tensor_and_nonfinite():
    p = nn.Parameter(autograd.zeros(2))
    p.grad = autograd.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert p.grad.numpy()[1] == 1.0  # nothing changed on error
    assert math.isinf(utils.clip_grad_norm_(p, 1.0).item())
    with pytest.raises(ValueError, match="norm_type"):
        utils.clip_grad_norm_(p, 1.0, norm_type="fro")
    with pytest.raises(TypeError, match="parameters"):
        utils.clip_grad_norm_(3, 1.0)


def test_clip_grad_value_matches_torch(torch):
    ours, theirs = _pair(torch, [(4, 4), (7,)], scale=2.0)
    utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    with pytest.raises(ValueError, match="clip_value"):
        utils.clip_grad_value_(ours, -1.0)


def test_parameters_to_vector_and_back(torch):
    ours, theirs = _pair(torch, [(2, 3), (4,), (1, 1, 2)])
    vec = utils.parameters_to_vector(ours)
    np.testing.assert_array_equal(
        vec.detach().numpy(), torch.nn.utils.parameters_to_vector(theirs).detach().numpy()
    )
    # differentiable, as in PyTorch
    for p in ours:
        p.grad = None
    (vec * autograd.arange(vec.shape[0], dtype=autograd.float32)).sum().backward()
    assert ours[1].grad.tolist() == [6.0, 7.0, 8.0, 9.0]
    new = autograd.arange(12, dtype=autograd.float32)
    utils.vector_to_parameters(new, ours)
    torch.nn.utils.vector_to_parameters(torch.arange(12, dtype=torch.float32), theirs)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        assert isinstance(p, nn.Parameter) and p.requires_grad
    with pytest.raises(ValueError, match="11 elements but the parameters need 12"):
        utils.vector_to_parameters(autograd.zeros(11), ours)
    with pytest.raises(ValueError, match="1-D"):
        utils.vector_to_parameters(autograd.zeros(3, 4), ours)
    with pytest.raises(TypeError, match="Tensor"):
        utils.vector_to_parameters(np.zeros(12), ours)
