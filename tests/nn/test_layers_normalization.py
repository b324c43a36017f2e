"""BatchNorm1d/2d, LayerNorm, GroupNorm vs PyTorch: outputs, gradients, running statistics."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import check_against_torch, load_from_torch, same_keys

import autograd
import nn


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 0.5


def _perturb(torch, m):
    """Non-trivial affine parameters so their gradients are tested at a generic point."""
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.tensor(np.random.default_rng(1).standard_normal(tuple(p.shape))) * 0.3)
    return m


@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (2, 3, 4, 5))])  # fmt: skip
def test_batchnorm_training_steps_match_torch(torch, cls, shape, momentum):
    theirs = _perturb(torch, getattr(torch.nn, cls)(3, momentum=momentum).double())
    ours = getattr(nn, cls)(3, momentum=momentum)
    same_keys(ours, theirs)
    # three training steps: running stats (and the cumulative average) evolve identically
    check_against_torch(torch, ours, theirs, [_rand(*shape, seed=0)])
    for seed in (1, 2):
        check_against_torch(torch, ours, theirs, [_rand(*shape, seed=seed)], load=False)
    assert ours.num_batches_tracked.item() == 3
    assert ours.num_batches_tracked.dtype == np.int64
    ours.eval()
    theirs.eval()
    check_against_torch(torch, ours, theirs, [_rand(*shape, seed=3)], load=False)
    assert ours.num_batches_tracked.item() == 3


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
def test_batchnorm_affine_and_tracking_options(torch, affine, track):
    theirs = torch.nn.BatchNorm2d(4, affine=affine, track_running_stats=track).double()
    ours = nn.BatchNorm2d(4, affine=affine, track_running_stats=track)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(3, 4, 2, 2)])
    ours.eval()
    theirs.eval()  # without running stats, eval still uses the batch statistics
    check_against_torch(torch, ours, theirs, [_rand(3, 4, 2, 2, seed=5)], load=False)


def test_batchnorm_eval_uses_running_stats():
    bn = nn.BatchNorm1d(2).double()
    with autograd.no_grad():
        bn.running_mean.copy_(autograd.tensor([1.0, -1.0], dtype=autograd.float64))
        bn.running_var.copy_(autograd.tensor([4.0, 0.25], dtype=autograd.float64))
    bn.eval()
    x = autograd.tensor([[3.0, 0.0]], dtype=autograd.float64)
    y = bn(x).detach().numpy()
    np.testing.assert_allclose(y, [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)]])
    assert bn.num_batches_tracked.item() == 0


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(autograd.ones(1, 3))
    with pytest.raises(ValueError, match="4D"):
        nn.BatchNorm2d(3)(autograd.ones(2, 3))
    with pytest.raises(ValueError, match="channels"):
        nn.BatchNorm2d(3)(autograd.ones(2, 4, 2, 2))


def test_batchnorm_loads_checkpoint_without_counter(torch):
    """A state dict without metadata and without num_batches_tracked (pre-version-2 layout)
    loads, keeping the current count, as in PyTorch."""
    theirs = torch.nn.BatchNorm1d(3)
    state = {k: v for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    ours = nn.BatchNorm1d(3)
    ours(autograd.randn(4, 3))
    theirs(torch.randn(4, 3))
    theirs.load_state_dict(state)
    ours.load_state_dict({k: autograd.from_numpy(v.numpy().copy()) for k, v in state.items()})
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 1


@pytest.mark.parametrize("by_name", [False, True])
def test_batchnorm_subclass_override_reaches_the_upgrade(by_name):
    """A subclass overriding _load_from_state_dict with PyTorch's signature may call the base
    with its arguments by position or by name; the old-layout upgrade still runs."""
    seen = []

    class Counting(nn.BatchNorm1d):
        def _load_from_state_dict(
            self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
            error_msgs,
        ):  # fmt: skip
            seen.append(prefix)
            args = (state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                    error_msgs)  # fmt: skip
            if by_name:
                names = ("state_dict", "prefix", "local_metadata", "strict", "missing_keys",
                         "unexpected_keys", "error_msgs")  # fmt: skip
                super()._load_from_state_dict(**dict(zip(names, args)))
            else:
                super()._load_from_state_dict(*args)

    m = Counting(2)
    m(autograd.randn(3, 2))
    state = {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"}
    assert str(m.load_state_dict(state)) == "<All keys matched successfully>"
    assert seen == [""] and m.num_batches_tracked.item() == 1


@pytest.mark.parametrize("shape,normalized", [((4, 6), 6), ((2, 3, 4), (3, 4)), ((5, 2, 7), 7)])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, True)])
def test_layernorm_matches_torch(torch, shape, normalized, affine, bias):
    theirs = _perturb(torch, torch.nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias))
    ours = nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(*shape)])


@pytest.mark.parametrize("groups", [1, 2, 6])
@pytest.mark.parametrize("shape", [(3, 6), (2, 6, 5), (2, 6, 3, 4)])
def test_groupnorm_matches_torch(torch, groups, shape):
    theirs = _perturb(torch, torch.nn.GroupNorm(groups, 6))
    ours = nn.GroupNorm(groups, 6)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(*shape)])


def test_norm_default_init(torch):
    for ours, theirs in [(nn.BatchNorm2d(5), torch.nn.BatchNorm2d(5)),
                         (nn.LayerNorm((2, 3)), torch.nn.LayerNorm((2, 3))),
                         (nn.GroupNorm(1, 4), torch.nn.GroupNorm(1, 4))]:  # fmt: skip
        for k, v in theirs.state_dict().items():
            np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    assert nn.BatchNorm2d(5).weight.dtype == np.float32


def test_groupnorm_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)


def test_layernorm_shape_error():
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(4)(autograd.ones(2, 5))


def test_state_dict_roundtrip_into_torch(torch):
    ours = nn.BatchNorm1d(3).double()
    ours(autograd.tensor(_rand(5, 3)))
    theirs = torch.nn.BatchNorm1d(3).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    load_from_torch(ours, theirs)
    assert theirs.num_batches_tracked.item() == 1
