"""nn.SyncBatchNorm: statistics over every rank's batch; conversion from BatchNorm layers."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn


@pytest.mark.parametrize("momentum", ["0.1", "None"])
def test_half_batch_on_two_ranks_equals_batchnorm_on_the_whole_batch(training_run, momentum):
    for result in training_run:
        found = result[f"sync_bn_momentum_{momentum}"]
        for what in ("forward", "input_grad", "weight_grad", "bias_grad", "running"):
            assert found[what] < 1e-12, (result["rank"], what, found)
        assert found["eval_forward"] < 1e-12


def test_double_backward_is_refused(training_run):
    assert training_run[0]["sync_bn_double_backward"] == (
        "SyncBatchNorm: double backward (create_graph=True) is not supported"
    )


def test_without_process_group_it_is_batchnorm():
    x = autograd.randn(4, 3, 5, dtype=autograd.float64, requires_grad=True)
    bn, sbn = nn.BatchNorm1d(3).double(), nn.SyncBatchNorm(3).double()
    np.testing.assert_array_equal(bn(x).detach().numpy(), sbn(x).detach().numpy())
    np.testing.assert_array_equal(bn.running_var.numpy(), sbn.running_var.numpy())


def test_with_a_one_process_group_it_is_batchnorm(world_of_one):
    x = autograd.randn(4, 3, 2, 2, dtype=autograd.float64)
    bn, sbn = nn.BatchNorm2d(3).double(), nn.SyncBatchNorm(3).double()
    np.testing.assert_array_equal(bn(x).detach().numpy(), sbn(x).detach().numpy())


def test_convert_replaces_batchnorms_keeping_their_tensors_and_mode():
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4, momentum=None),
        nn.Sequential(nn.Flatten(), nn.BatchNorm1d(4 * 6 * 6, affine=False)),
    )  # fmt: skip
    net[2][1].eval()
    old_bn = net[1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert converted is net
    new_bn, new_inner = net[1], net[2][1]
    assert type(new_bn) is nn.SyncBatchNorm and type(new_inner) is nn.SyncBatchNorm
    assert new_bn.weight is old_bn.weight and new_bn.running_mean is old_bn.running_mean
    assert new_bn.momentum is None and new_bn.training
    assert new_inner.weight is None and not new_inner.affine and not new_inner.training
    assert list(net.state_dict()) == list(
        nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4),
                      nn.Sequential(nn.Flatten(), nn.BatchNorm1d(4 * 6 * 6, affine=False)))
        .state_dict()
    )  # fmt: skip
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(2))
    assert type(single) is nn.SyncBatchNorm


def test_state_dict_matches_pytorch(torch):
    ours = list(nn.SyncBatchNorm(3).state_dict())
    assert ours == list(torch.nn.SyncBatchNorm(3).state_dict())


def test_errors():
    with pytest.raises(ValueError, match=r"SyncBatchNorm: expected at least 2D input \(got 1D"):
        nn.SyncBatchNorm(3)(autograd.zeros(3))
    with pytest.raises(TypeError, match="convert_sync_batchnorm: module must be an nn.Module"):
        nn.SyncBatchNorm.convert_sync_batchnorm("bn")
