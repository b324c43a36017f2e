"""Embedding vs PyTorch: lookup, gradients (padding_idx, scale_grad_by_freq), max_norm, init."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn

IDX = np.array([[1, 0, 3, 3], [4, 1, 1, 0]])


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 0}, {"padding_idx": -2},
                                    {"scale_grad_by_freq": True},
                                    {"padding_idx": 1, "scale_grad_by_freq": True}])  # fmt: skip
def test_embedding_matches_torch(torch, kwargs):
    theirs = torch.nn.Embedding(5, 3, **kwargs)
    ours = nn.Embedding(5, 3, **kwargs)
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():  # a non-zero padding row: forward returns it, backward skips it
        theirs.weight.add_(1.0)
    check_against_torch(torch, ours, theirs, [IDX])


def test_padding_row_initialized_to_zero_and_init_is_standard_normal(torch):
    emb = nn.Embedding(4000, 8, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert not w[3].any()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


def test_max_norm_renormalizes_looked_up_rows(torch):
    theirs = torch.nn.Embedding(5, 3, max_norm=1.0).double()
    ours = nn.Embedding(5, 3, max_norm=1.0).double()
    w = np.random.default_rng(0).standard_normal((5, 3)) * 3
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    ours.load_state_dict({"weight": autograd.tensor(w)})
    idx = np.array([0, 2, 2])
    yt = theirs(torch.tensor(idx))
    yo = ours(autograd.tensor(idx))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-9)  # fmt: skip
    np.testing.assert_array_equal(ours.weight.detach().numpy()[1], w[1])  # not looked up


def test_from_pretrained_and_errors():
    w = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(w, freeze=False)
    assert emb.weight.requires_grad
    with pytest.raises(TypeError, match="integer"):
        emb(autograd.tensor([0.0]))
    with pytest.raises(ValueError, match="out of range"):
        emb(autograd.tensor([2]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
