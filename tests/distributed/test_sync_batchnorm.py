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


def test_forward_mode_on_half_batches_equals_batchnorm_on_the_whole_batch(training_run):
    for result in training_run:
        assert result["sync_bn_forward_mode"] < 1e-12, result["rank"]


def test_forward_mode_rule_matches_torch_func(world_of_one):
    # The Function itself on a one-process group (the layer would fall back to BatchNorm).
    torch = pytest.importorskip("torch")
    import autograd.forward_ad as fwAD
    from nn.layers.sync_batchnorm import _global_moments, _SyncBatchNormFunction

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3, 5)) * 2 + 1, rng.standard_normal(3), rng.standard_normal(3)
    tangents = [rng.standard_normal(a.shape) for a in (x, w, b)]
    pg = world_of_one.group.WORLD
    mean, var, count = _global_moments(x, pg)
    invstd = 1.0 / np.sqrt(var + 1e-5)

    def theirs(*active):
        def f(*args):
            full = [torch.tensor(a) for a in (x, w, b)]
            for i, a in zip(active, args):
                full[i] = a
            return torch.nn.functional.batch_norm(full[0], None, None, full[1], full[2], True)

        primals = tuple(torch.tensor((x, w, b)[i]) for i in active)
        return torch.func.jvp(f, primals, tuple(torch.tensor(tangents[i]) for i in active))[1]

    for active in ((0, 1, 2), (0,), (1,), (2,), (1, 2)):
        with fwAD.dual_level():
            args = [autograd.tensor(a) for a in (x, w, b)]
            for i in active:
                args[i] = fwAD.make_dual(args[i], autograd.tensor(tangents[i]))
            y = _SyncBatchNormFunction.apply(*args, mean, invstd, count, pg)
            found = fwAD.unpack_dual(y).tangent
        np.testing.assert_allclose(found.numpy(), theirs(*active).numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=str(active))  # fmt: skip


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
