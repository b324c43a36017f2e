"""Linear-family layers (Identity, Linear, Bilinear, Maxout, Flatten, Unflatten) vs PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn


def _rand(*shape):
    return np.random.default_rng(sum(shape) + len(shape)).standard_normal(shape)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,)])
def test_linear_matches_torch(torch, bias, shape):
    theirs = torch.nn.Linear(3, 6, bias=bias)
    ours = nn.Linear(3, 6, bias=bias)
    same_keys(ours, theirs)
    check_against_torch(torch, ours, theirs, [_rand(*shape)])


def test_bilinear_matches_torch(torch):
    theirs = torch.nn.Bilinear(3, 4, 5)
    ours = nn.Bilinear(3, 4, 5)
    same_keys(ours, theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 7, 3), _rand(2, 7, 4)])


def test_identity_flatten_unflatten(torch):
    x = _rand(2, 3, 4, 5)
    check_against_torch(torch, nn.Identity(), torch.nn.Identity(), [x])
    check_against_torch(torch, nn.Flatten(), torch.nn.Flatten(), [x])
    check_against_torch(torch, nn.Flatten(0, 2), torch.nn.Flatten(0, 2), [x])
    check_against_torch(torch, nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), [x])
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())


def test_repr_matches_torch(torch):
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))
    assert repr(nn.Bilinear(3, 4, 5)) == repr(torch.nn.Bilinear(3, 4, 5))


@pytest.mark.parametrize("fan_in,fan_out", [(256, 128), (20, 300)])
def test_linear_default_init_statistics(torch, fan_in, fan_out):
    """kaiming_uniform(a=sqrt(5)) weights and bias both U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(fan_in)
    ours = nn.Linear(fan_in, fan_out)
    theirs = torch.nn.Linear(fan_in, fan_out)
    for name in ("weight", "bias"):
        o = getattr(ours, name).detach().numpy()
        t = getattr(theirs, name).detach().numpy()
        assert o.dtype == np.float32
        assert np.abs(o).max() <= bound
        assert np.abs(o).max() > 0.9 * bound
        n = o.size
        # std of U(-b, b) is b / sqrt(3); allow 5 standard errors
        tol = 5 * bound / math.sqrt(3) / math.sqrt(2 * n)
        assert abs(o.std() - bound / math.sqrt(3)) < tol + 1e-3 * (n < 1000)
        assert abs(o.std() - t.std()) < 2 * tol + 0.1 * bound * (n < 1000)


def test_bilinear_default_init(torch):
    ours = nn.Bilinear(50, 20, 30)
    bound = 1 / math.sqrt(50)
    w = ours.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound


def test_maxout_is_max_over_linear_pieces():
    m = nn.Maxout(4, 3, pieces=5).double()
    x = autograd.tensor(_rand(6, 4), requires_grad=True)
    y = m(x)
    z = x.detach().numpy() @ m.weight.detach().numpy().T + m.bias.detach().numpy()
    want = z.reshape(6, 3, 5).max(-1)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-12)
    # the gradient reaches only the selected piece of each output
    y.sum().backward()
    sel = z.reshape(6, 3, 5).argmax(-1)
    gw = np.zeros((3, 5, 4))
    for n in range(6):
        for j in range(3):
            gw[j, sel[n, j]] += x.detach().numpy()[n]
    np.testing.assert_allclose(m.weight.grad.numpy(), gw.reshape(15, 4), rtol=1e-12)
    assert autograd.gradcheck(lambda t: m(t), (autograd.tensor(_rand(2, 4), requires_grad=True),))


def test_maxout_init_and_errors():
    m = nn.Maxout(16, 2, pieces=3)
    assert m.weight.shape == (6, 16) and list(m.state_dict()) == ["weight", "bias"]
    assert np.abs(m.weight.detach().numpy()).max() <= 0.25
    with pytest.raises(ValueError, match="pieces"):
        nn.Maxout(3, 2, pieces=0)


def test_linear_errors_name_the_shapes():
    m = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="in_features=3"):
        m(autograd.ones(4, 5))
    with pytest.raises(ValueError, match="bilinear"):
        nn.Bilinear(2, 3, 4)(autograd.ones(5, 2), autograd.ones(5, 2))


def test_dtype_argument():
    assert nn.Linear(2, 3, dtype=autograd.float64).weight.dtype == np.float64
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        nn.Linear(2, 3, device="cuda")


_LAYERS_WITH_DEVICE = {
    "Linear": lambda d: nn.Linear(2, 3, device=d),
    "Bilinear": lambda d: nn.Bilinear(2, 3, 4, bias=False, device=d),
    "Maxout": lambda d: nn.Maxout(2, 3, pieces=2, device=d),
    "PReLU": lambda d: nn.PReLU(device=d),
    "Conv2d": lambda d: nn.Conv2d(1, 2, 3, device=d),
    "ConvTranspose1d": lambda d: nn.ConvTranspose1d(1, 2, 3, device=d),
    "LSTM": lambda d: nn.LSTM(2, 3, num_layers=2, device=d),
    "GRUCell": lambda d: nn.GRUCell(2, 3, device=d),
    "MultiheadAttention": lambda d: nn.MultiheadAttention(4, 2, kdim=3, device=d),
    "TransformerDecoderLayer": lambda d: nn.TransformerDecoderLayer(4, 2, 8, device=d),
    "Transformer": lambda d: nn.Transformer(4, 2, 1, 1, 8, device=d),
    "BatchNorm1d": lambda d: nn.BatchNorm1d(3, affine=False, track_running_stats=False, device=d),
    "InstanceNorm2d": lambda d: nn.InstanceNorm2d(3, device=d),
    "LayerNorm": lambda d: nn.LayerNorm(3, elementwise_affine=False, device=d),
    "GroupNorm": lambda d: nn.GroupNorm(1, 3, affine=False, device=d),
    "Embedding": lambda d: nn.Embedding(5, 2, _weight=autograd.zeros(5, 2), device=d),
    "EmbeddingBag": lambda d: nn.EmbeddingBag(5, 2, device=d),
}


@pytest.mark.parametrize("name", sorted(_LAYERS_WITH_DEVICE))
def test_layers_accept_the_cpu_and_reject_other_devices(name):
    # Whether or not the layer creates a tensor with the device (as the affine-free norms and
    # an Embedding given its weight do not), a non-CPU device is refused at construction.
    make = _LAYERS_WITH_DEVICE[name]
    for ok in (None, "cpu", "cpu:0", autograd.device("cpu")):
        assert isinstance(make(ok), nn.Module)
    with pytest.raises(RuntimeError, match="CPU only"):
        make("cuda")
    with pytest.raises(RuntimeError, match="accelerator"):
        make(1)
