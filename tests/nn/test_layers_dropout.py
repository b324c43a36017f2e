"""Dropout layers: mask statistics, scaling, channel-wise masks, eval mode, seeding."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    x = autograd.ones(200, 100, requires_grad=True)
    y = nn.Dropout(p)(x)
    vals = y.detach().numpy()
    kept = vals != 0
    np.testing.assert_allclose(vals[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.02
    y.sum().backward()  # the gradient is the same mask, scaled
    np.testing.assert_array_equal(x.grad.numpy(), vals)


def test_dropout_eval_and_edge_probabilities():
    x = autograd.randn(4, 5)
    m = nn.Dropout(0.5).eval()
    assert m(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert not nn.Dropout(1.0)(x).detach().numpy().any()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)


def test_dropout_is_seeded():
    x = autograd.ones(50)
    autograd.manual_seed(7)
    a = F.dropout(x, 0.5).numpy()
    autograd.manual_seed(7)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5).numpy())


@pytest.mark.parametrize("cls,shape", [("Dropout2d", (8, 16, 3, 4)), ("Dropout1d", (8, 16, 5)),
                                       ("Dropout2d", (16, 5, 6))])  # fmt: skip
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    y = getattr(nn, cls)(0.5)(autograd.ones(*shape)).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert np.all(per_channel == per_channel[:, :, :1])
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0.3 < (per_channel[:, :, 0] != 0).mean() < 0.7


def test_dropout1d_unbatched():
    y = nn.Dropout1d(0.5)(autograd.ones(32, 4)).numpy()
    assert np.all(y == y[:, :1])


def test_dropout_inplace_modifies_input():
    x = autograd.ones(100) * 1.0
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0}


def test_alpha_dropout_keeps_mean_and_variance(torch):
    autograd.manual_seed(0)
    x = autograd.randn(200000, dtype=autograd.float64)
    y = F.alpha_dropout(x, 0.3, training=True).numpy()
    t = torch.nn.functional.alpha_dropout(torch.tensor(x.numpy()), 0.3, training=True).numpy()
    assert abs(y.mean() - t.mean()) < 0.01 and abs(y.std() - t.std()) < 0.01
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    assert nn.AlphaDropout(0.3).eval()(x) is x


def test_repr_matches_torch(torch):
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))
    assert repr(nn.Dropout2d(0.1, inplace=True)) == repr(torch.nn.Dropout2d(0.1, inplace=True))
