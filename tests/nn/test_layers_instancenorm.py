"""InstanceNorm1d/2d/3d vs PyTorch: outputs, gradients, running statistics, train/eval."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn
from nn.modules.batchnorm import _BatchNorm, _NormBase


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 0.5


SHAPES = [("InstanceNorm1d", (4, 3, 5)), ("InstanceNorm1d", (3, 6)),
          ("InstanceNorm2d", (2, 3, 4, 5)), ("InstanceNorm2d", (3, 2, 2)),
          ("InstanceNorm3d", (2, 3, 2, 3, 2))]  # fmt: skip


@pytest.mark.parametrize("cls,shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
def test_instancenorm_train_and_eval_match_torch(torch, cls, shape, affine, track):
    theirs = getattr(torch.nn, cls)(3, affine=affine, track_running_stats=track).double()
    ours = getattr(nn, cls)(3, affine=affine, track_running_stats=track)
    if affine:
        with torch.no_grad():
            theirs.weight.normal_()
            theirs.bias.normal_()
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(*shape)])
    check_against_torch(torch, ours, theirs, [_rand(*shape, seed=1)], load=False)
    if track:
        np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy())
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy())
        assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 0
    ours.eval()
    theirs.eval()
    check_against_torch(torch, ours, theirs, [_rand(*shape, seed=2)], load=False)


def test_instancenorm_momentum_none_keeps_running_stats():
    ours = nn.InstanceNorm1d(2, momentum=None, track_running_stats=True)
    ours(autograd.tensor(_rand(3, 2, 4)))
    np.testing.assert_array_equal(ours.running_mean.numpy(), np.zeros(2))


def test_instancenorm_is_a_normbase_not_a_batchnorm():
    m = nn.InstanceNorm2d(3)
    assert isinstance(m, _NormBase) and not isinstance(m, _BatchNorm)
    assert isinstance(nn.BatchNorm2d(3), _NormBase)
    assert nn.modules.instancenorm.InstanceNorm3d is nn.InstanceNorm3d


def test_instancenorm_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"InstanceNorm2d: expected 3D or 4D input \(got 2D"):
        nn.InstanceNorm2d(3)(autograd.zeros(3, 4))
    with pytest.raises(ValueError, match="to match num_features"):
        nn.InstanceNorm1d(3, affine=True)(autograd.zeros(2, 4, 5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)(autograd.zeros(2, 4, 5))
    assert any("does not match num_features" in str(w.message) for w in caught)
