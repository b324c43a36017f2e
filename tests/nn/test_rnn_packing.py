"""nn.utils.rnn (pad / pack / unpack of variable-length sequences) and RNN, LSTM, GRU on
PackedSequence inputs, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import check_against_torch

import autograd
import nn
from nn.utils import rnn

LENGTHS_SORTED = [5, 4, 4, 2, 1]
LENGTHS_UNSORTED = [2, 5, 1, 4, 4]


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _np(t):
    return t.detach().numpy() if hasattr(t, "numpy") else np.asarray(t)


def _backward_both(torch, ours_out, theirs_out, seed=1):
    g = _rand(*theirs_out.shape, seed=seed)
    (ours_out * autograd.tensor(g)).sum().backward()
    (theirs_out * torch.tensor(g)).sum().backward()


# ------------------------------------------------------------------------------ pad_sequence
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(torch, batch_first, padding_side):
    arrays = [_rand(n, 3, 2, seed=n) for n in (3, 5, 1)]
    ours_in = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    kw = {"batch_first": batch_first, "padding_value": -2.5, "padding_side": padding_side}
    ours = rnn.pad_sequence(ours_in, **kw)
    theirs = torch.nn.utils.rnn.pad_sequence(theirs_in, **kw)
    np.testing.assert_array_equal(_np(ours), _np(theirs))
    _backward_both(torch, ours, theirs)
    for o, t in zip(ours_in, theirs_in):
        np.testing.assert_array_equal(_np(o.grad), _np(t.grad))


def test_pad_sequence_integer_and_single(torch):
    seqs = [[1, 2, 3], [4]]
    ours = rnn.pad_sequence([autograd.tensor(s) for s in seqs])
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs])
    np.testing.assert_array_equal(_np(ours), _np(theirs))
    assert ours.dtype == autograd.int64
    one = rnn.pad_sequence([autograd.tensor([1.0, 2.0])], batch_first=True)
    np.testing.assert_array_equal(one.numpy(), [[1.0, 2.0]])


# ---------------------------------------------------------------------- pack_padded_sequence
def _packed_fields(p):
    return [p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices]


def _assert_same_packed(ours, theirs):
    for name, o, t in zip(("data", "batch_sizes", "sorted", "unsorted"), _packed_fields(ours),
                          _packed_fields(theirs)):  # fmt: skip
        if t is None:
            assert o is None, name
        else:
            np.testing.assert_array_equal(_np(o), _np(t), err_msg=name)
            assert o.dtype == _np(t).dtype, name


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [LENGTHS_SORTED, LENGTHS_UNSORTED])
def test_pack_padded_sequence_matches_torch(torch, batch_first, lengths):
    enforce_sorted = lengths is LENGTHS_SORTED
    shape = (len(lengths), 5, 3) if batch_first else (5, len(lengths), 3)
    x = _rand(*shape)
    xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for lens in (lengths, autograd.tensor(lengths)):
        ours = rnn.pack_padded_sequence(xo, lens, batch_first, enforce_sorted)
        theirs = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
        _assert_same_packed(ours, theirs)
    _backward_both(torch, ours.data, theirs.data)
    np.testing.assert_array_equal(_np(xo.grad), _np(xt.grad))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("total_length", [None, 7])
@pytest.mark.parametrize("lengths", [LENGTHS_SORTED, LENGTHS_UNSORTED])
def test_pad_packed_sequence_matches_torch(torch, batch_first, total_length, lengths):
    data = _rand(sum(lengths), 2)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(
        torch.zeros(5, len(lengths), 2), lengths, enforce_sorted=False
    )
    dt = torch.tensor(data, requires_grad=True)
    do = autograd.tensor(data, requires_grad=True)
    theirs = torch.nn.utils.rnn.PackedSequence(dt, *t_packed[1:])
    ours = rnn.PackedSequence(do, *(autograd.tensor(_np(f)) for f in t_packed[1:3]))
    kw = {"batch_first": batch_first, "padding_value": 9.0, "total_length": total_length}
    o_pad, o_len = rnn.pad_packed_sequence(ours, **kw)
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(theirs, **kw)
    np.testing.assert_array_equal(_np(o_pad), _np(t_pad))
    np.testing.assert_array_equal(_np(o_len), _np(t_len))
    assert o_len.dtype == autograd.int64
    _backward_both(torch, o_pad, t_pad)
    np.testing.assert_array_equal(_np(do.grad), _np(dt.grad))


def test_pack_sequence_and_unpack_match_torch(torch):
    arrays = [_rand(n, 2, seed=n) for n in (2, 4, 3)]
    ours = rnn.pack_sequence([autograd.tensor(a) for a in arrays], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays],
                                              enforce_sorted=False)  # fmt: skip
    _assert_same_packed(ours, theirs)
    back = rnn.unpack_sequence(ours)
    assert [tuple(b.shape) for b in back] == [(2, 2), (4, 2), (3, 2)]
    for b, a in zip(back, arrays):
        np.testing.assert_array_equal(b.numpy(), a)
    padded = rnn.pad_sequence([autograd.tensor(a) for a in arrays])
    before = padded.numpy().copy()
    pieces = rnn.unpad_sequence(padded, [2, 4, 3])
    for p, a in zip(pieces, arrays):
        np.testing.assert_array_equal(p.numpy(), a)
    np.testing.assert_array_equal(padded.numpy(), before)  # the input is not modified


def test_packed_sequence_tuple_behaviour():
    p = rnn.PackedSequence(autograd.ones(3, 2), autograd.tensor([2, 1]), autograd.tensor([1, 0]))
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert data is p.data and batch_sizes.dtype == autograd.int64
    np.testing.assert_array_equal(unsorted_indices.numpy(), [1, 0])
    assert p.double().data.dtype == autograd.float64 and p.float() is p
    assert p.to(autograd.float32) is p and p.cpu() is p and not p.is_cuda
    legacy = rnn.PackedSequence((autograd.ones(3), [2, 1]))
    np.testing.assert_array_equal(legacy.batch_sizes.numpy(), [2, 1])
    np.testing.assert_array_equal(
        rnn.invert_permutation(autograd.tensor([2, 0, 3, 1])).numpy(), [1, 3, 0, 2]
    )


def test_packing_errors_name_the_argument(torch):
    x = autograd.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(4, 3, 2), [2, 3, 1])
    with pytest.raises(RuntimeError, match="greater than 0"):
        rnn.pack_padded_sequence(x, [3, 2, 0])
    with pytest.raises(ValueError, match="len\\(lengths\\).*batch_size"):
        rnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="exceeds the padded sequence length 4"):
        rnn.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(ValueError, match="at least 2 dims"):
        rnn.pack_padded_sequence(autograd.zeros(4), [4])
    with pytest.raises(TypeError, match="lengths must be"):
        rnn.pack_padded_sequence(x, [2.5, 2, 1])
    with pytest.raises(TypeError, match="input must be a Tensor"):
        rnn.pack_padded_sequence(np.zeros((4, 3)), [3, 2, 1])
    with pytest.raises(RuntimeError, match="must be sorted"):
        rnn.pack_sequence([autograd.zeros(2), autograd.zeros(3)])
    packed = rnn.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="total_length=2"):
        rnn.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(TypeError, match="PackedSequence"):
        rnn.pad_packed_sequence(x)
    with pytest.raises(RuntimeError, match="empty list"):
        rnn.pad_sequence([])
    with pytest.raises(ValueError, match="trailing dims"):
        rnn.pad_sequence([autograd.zeros(2, 3), autograd.zeros(3, 4)])
    with pytest.raises(ValueError, match="padding_side"):
        rnn.pad_sequence([autograd.zeros(2)], padding_side="middle")
    with pytest.raises(TypeError, match="sequences\\[1\\] must be a Tensor"):
        rnn.pad_sequence([autograd.zeros(2), [1.0]])
    with pytest.raises(ValueError, match="permutation"):
        rnn.invert_permutation(autograd.tensor([0, 0]))


# ----------------------------------------------------------------- RNNs on packed sequences
def _pack_for(m, x, lengths, enforce_sorted, batch_first=False):
    if isinstance(m, nn.Module):
        return rnn.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)
    import torch

    return torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first, enforce_sorted)


def _modules(torch, mode, **kw):
    t_cls = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[mode]
    o_cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    return o_cls(3, 4, **kw), t_cls(3, 4, **kw)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("lengths", [LENGTHS_SORTED, LENGTHS_UNSORTED])
def test_rnn_on_packed_sequence_matches_torch(torch, mode, bidirectional, lengths):
    enforce_sorted = lengths is LENGTHS_SORTED
    ours, theirs = _modules(torch, mode, num_layers=2, bidirectional=bidirectional)
    x = _rand(5, len(lengths), 3)

    def call(m, x):
        out, state = m(_pack_for(m, x, lengths, enforce_sorted))
        return out.data, state

    check_against_torch(torch, ours, theirs, [x], call=call)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_rnn_on_packed_sequence_with_initial_state_matches_torch(torch, mode):
    ours, theirs = _modules(torch, mode, bidirectional=True, batch_first=True)
    lengths = LENGTHS_UNSORTED
    x = _rand(len(lengths), 5, 3)
    h0 = _rand(2, len(lengths), 4, seed=1)
    c0 = _rand(2, len(lengths), 4, seed=2)

    def call(m, x, h0, c0):
        packed = _pack_for(m, x, lengths, False, batch_first=True)
        out, state = m(packed, (h0, c0) if mode == "LSTM" else h0)
        assert type(out).__name__ == "PackedSequence"
        np.testing.assert_array_equal(_np(out.batch_sizes), [5, 4, 3, 3, 1])
        return out.data, state

    check_against_torch(torch, ours, theirs, [x, h0, c0], call=call,
                        grad_inputs=[True, True, mode == "LSTM"])  # fmt: skip


def test_lstm_proj_size_on_packed_sequence_matches_torch(torch):
    ours, theirs = (
        nn.LSTM(3, 5, proj_size=2, num_layers=2),
        torch.nn.LSTM(3, 5, proj_size=2, num_layers=2),
    )
    x = _rand(5, 5, 3)

    def call(m, x):
        out, state = m(_pack_for(m, x, LENGTHS_UNSORTED, False))
        return out.data, state

    check_against_torch(torch, ours, theirs, [x], call=call)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_packed_final_state_is_each_sequences_last_step(mode):
    """Running each sequence alone gives the same outputs and final states as the packed batch,
    whatever the padding holds."""
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    model = cls(3, 4, bidirectional=True).double()
    lengths = LENGTHS_UNSORTED
    x = _rand(5, len(lengths), 3)
    for b, n in enumerate(lengths):
        x[n:, b] = 1e6  # padding must not leak into anything
    packed = rnn.pack_padded_sequence(autograd.tensor(x), lengths, enforce_sorted=False)
    out, state = model(packed)
    padded, out_lengths = rnn.pad_packed_sequence(out)
    np.testing.assert_array_equal(out_lengths.numpy(), lengths)
    h_n = state[0] if mode == "LSTM" else state
    for b, n in enumerate(lengths):
        alone, alone_state = model(autograd.tensor(x[:n, b : b + 1]))
        alone_h = alone_state[0] if mode == "LSTM" else alone_state
        np.testing.assert_allclose(_np(padded)[:n, b], _np(alone)[:, 0], rtol=1e-12)
        np.testing.assert_array_equal(_np(padded)[n:, b], 0.0)
        np.testing.assert_allclose(_np(h_n)[:, b], _np(alone_h)[:, 0], rtol=1e-12)


def test_packed_input_errors():
    lstm = nn.LSTM(3, 4)
    packed = rnn.pack_sequence([autograd.zeros(3, 2), autograd.zeros(2, 2)])
    with pytest.raises(ValueError, match="input_size=3"):
        lstm(packed)
    packed = rnn.pack_sequence([autograd.zeros(3, 3), autograd.zeros(2, 3)])
    with pytest.raises(ValueError, match="h_0 of shape \\(1, 2, 4\\)"):
        lstm(packed, (autograd.zeros(1, 3, 4), autograd.zeros(1, 3, 4)))
    with pytest.raises(TypeError, match="hx must be a tuple"):
        lstm(packed, autograd.zeros(1, 2, 4))
