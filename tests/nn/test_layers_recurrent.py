"""RNN, LSTM, GRU and their cells vs PyTorch: outputs, final states, all gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False},
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_recurrent_matches_torch(torch, cls, cfg):
    theirs = getattr(torch.nn, cls)(3, 4, **cfg)
    ours = getattr(nn, cls)(3, 4, **cfg)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    shape = (2, 5, 3) if cfg.get("batch_first") else (5, 2, 3)
    check_against_torch(torch, ours, theirs, [_rand(*shape)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_an_empty_batch_gives_empty_outputs_and_zero_weight_gradients(torch, cls, batch_first):
    # As PyTorch: no sequences, so empty outputs and final states, and weights that got no
    # contribution.
    ours = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=2, bidirectional=True,
                                    batch_first=batch_first)  # fmt: skip
    shape = (0, 5, 3) if batch_first else (5, 0, 3)
    x = autograd.tensor(np.zeros(shape, np.float32), requires_grad=True)
    out, state = ours(x)
    t_out, t_state = theirs(torch.zeros(shape))
    assert out.shape == tuple(t_out.shape)
    for a, b in zip(state if cls == "LSTM" else (state,),
                    t_state if cls == "LSTM" else (t_state,), strict=True):  # fmt: skip
        assert a.shape == tuple(b.shape)
    (out.sum() + (state[0] if cls == "LSTM" else state).sum()).backward()
    assert x.grad.shape == shape
    for p in ours.parameters():
        assert p.grad is not None and not p.grad.numpy().any()


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_recurrent_with_initial_state_and_unbatched(torch, cls):
    layers = 2 * 2
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=2, bidirectional=True)
    ours = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True)
    x = _rand(6, 2, 3)
    h0 = _rand(layers, 2, 4, seed=1)
    if cls == "LSTM":
        c0 = _rand(layers, 2, 4, seed=2)
        call = lambda m, x, h, c: m(x, (h, c))  # noqa: E731
        check_against_torch(torch, ours, theirs, [x, h0, c0], call=call)
        check_against_torch(torch, ours, theirs, [x[:, 0], h0[:, 0], c0[:, 0]], call=call,
                            load=False)  # fmt: skip
    else:
        check_against_torch(torch, ours, theirs, [x, h0])
        check_against_torch(torch, ours, theirs, [x[:, 0], h0[:, 0]], load=False)


def test_rnn_relu_and_lstm_projection(torch):
    theirs = torch.nn.RNN(3, 4, nonlinearity="relu", num_layers=2)
    ours = nn.RNN(3, 4, nonlinearity="relu", num_layers=2)
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(5, 2, 3)])
    theirs = torch.nn.LSTM(3, 5, proj_size=2, num_layers=2, bidirectional=True)
    ours = nn.LSTM(3, 5, proj_size=2, num_layers=2, bidirectional=True)
    same_keys(ours, theirs)
    check_against_torch(torch, ours, theirs, [_rand(4, 2, 3)])


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_dropout_between_layers(torch, cls):
    """With dropout=1 every layer but the first sees zeros: the output depends only on biases."""
    ours = getattr(nn, cls)(3, 4, num_layers=2, dropout=1.0).double()
    x1 = autograd.tensor(_rand(5, 2, 3))
    x2 = autograd.tensor(_rand(5, 2, 3, seed=9))
    np.testing.assert_allclose(ours(x1)[0].detach().numpy(), ours(x2)[0].detach().numpy())
    ours.eval()
    assert not np.allclose(ours(x1)[0].detach().numpy(), ours(x2)[0].detach().numpy())
    with pytest.warns(UserWarning, match="dropout"):
        getattr(nn, cls)(3, 4, num_layers=1, dropout=0.5)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(torch, cls, batched):
    theirs = getattr(torch.nn, cls)(3, 4)
    ours = getattr(nn, cls)(3, 4)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    x = _rand(2, 3) if batched else _rand(3)
    h = _rand(2, 4, seed=1) if batched else _rand(4, seed=1)
    check_against_torch(torch, ours, theirs, [x])
    if cls == "LSTMCell":
        check_against_torch(torch, ours, theirs, [x, h, h * 0.5], load=False,
                            call=lambda m, x, h, c: m(x, (h, c)))  # fmt: skip
    else:
        check_against_torch(torch, ours, theirs, [x, h], load=False)


def test_rnncell_relu(torch):
    theirs, ours = (
        torch.nn.RNNCell(3, 4, nonlinearity="relu"),
        nn.RNNCell(3, 4, nonlinearity="relu"),
    )
    assert repr(ours) == repr(theirs)
    check_against_torch(torch, ours, theirs, [_rand(2, 3)])


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU", "LSTMCell"])
def test_default_init_bounds(cls):
    m = getattr(nn, cls)(10, 64)
    bound = 1 / math.sqrt(64)
    for name, p in m.named_parameters():
        v = p.detach().numpy()
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.95 * bound, name
        assert abs(v.std() - bound / math.sqrt(3)) < 0.05 * bound, name


def test_errors_name_the_problem():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match="input_size"):
        lstm(autograd.ones(5, 2, 6))
    with pytest.raises(ValueError, match="h_0"):
        lstm(autograd.ones(5, 2, 3), (autograd.zeros(1, 3, 4), autograd.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
