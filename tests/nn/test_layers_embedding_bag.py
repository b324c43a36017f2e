"""EmbeddingBag and embedding_bag vs PyTorch: modes, offsets, padding, per-sample weights."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import load_from_torch, same_keys

import autograd
import nn
import nn.functional as F

IDX = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 0], dtype=np.int64)


def _weight(seed=0):
    return np.random.default_rng(seed).standard_normal((10, 4))


def _run(lib, fn, weight, idx, offsets=None, psw=None, **kwargs):
    w = lib.tensor(weight, requires_grad=True)
    o = None if offsets is None else lib.tensor(np.asarray(offsets, dtype=np.int64))
    p = None if psw is None else lib.tensor(psw, requires_grad=True)
    y = fn(lib.tensor(idx), w, o, per_sample_weights=p, **kwargs)
    g = np.random.default_rng(5).standard_normal(tuple(y.shape))
    (y * lib.tensor(g)).sum().backward()
    grads = [w.grad.numpy()] + ([] if p is None else [p.grad.numpy()])
    return y.detach().numpy(), grads


CASES = [
    ({"offsets": [0, 3, 3, 7]}, {}),  # an empty bag
    ({"offsets": [0, 5, 12]}, {"include_last_offset": True}),
    ({"offsets": [0, 2, 6]}, {"padding_idx": 5}),
    ({"offsets": [0, 4, 8, 10]}, {"padding_idx": 1}),
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("case,kwargs", CASES)
def test_embedding_bag_matches_torch(torch, mode, case, kwargs):
    ours = _run(autograd, F.embedding_bag, _weight(), IDX, case["offsets"], mode=mode, **kwargs)
    theirs = _run(torch, torch.nn.functional.embedding_bag, _weight(), IDX, case["offsets"],
                  mode=mode, **kwargs)  # fmt: skip
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_scale_grad_by_freq_divides_by_each_index_count(torch, mode):
    # PyTorch 2.13's CPU kernel divides some rows by another index's count (pytorch#190063),
    # so the reference is its unscaled gradient divided by the true counts.
    offsets, kw = [0, 4, 8, 10], {"mode": mode, "padding_idx": 1}
    ours = _run(autograd, F.embedding_bag, _weight(), IDX, offsets, scale_grad_by_freq=True, **kw)
    theirs = _run(torch, torch.nn.functional.embedding_bag, _weight(), IDX, offsets, **kw)
    counts = np.maximum(np.bincount(IDX, minlength=10), 1)[:, None]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours[1][0], theirs[1][0] / counts, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_matches_torch(torch, mode):
    idx = IDX.reshape(3, 4)
    ours = _run(autograd, F.embedding_bag, _weight(), idx, mode=mode, padding_idx=3)
    theirs = _run(torch, torch.nn.functional.embedding_bag, _weight(), idx, mode=mode,
                  padding_idx=3)  # fmt: skip
    for a, b in zip([ours[0], *ours[1]], [theirs[0], *theirs[1]]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("idx,offsets", [(IDX, [0, 4, 9]), (IDX.reshape(2, 6), None)])
def test_per_sample_weights_match_torch_with_their_gradient(torch, idx, offsets):
    psw = np.random.default_rng(2).standard_normal(idx.shape)
    ours = _run(autograd, F.embedding_bag, _weight(), idx, offsets, psw, mode="sum")
    theirs = _run(torch, torch.nn.functional.embedding_bag, _weight(), idx, offsets, psw,
                  mode="sum")  # fmt: skip
    for a, b in zip([ours[0], *ours[1]], [theirs[0], *theirs[1]]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_embedding_bag_module_matches_torch(torch):
    theirs = torch.nn.EmbeddingBag(10, 4, mode="max", padding_idx=2, max_norm=1.5).double()
    ours = nn.EmbeddingBag(10, 4, mode="max", padding_idx=2, max_norm=1.5).double()
    same_keys(ours, theirs)
    assert repr(ours) == repr(theirs)
    assert ours.weight[2].tolist() == [0.0] * 4
    load_from_torch(ours, theirs)
    offsets = np.array([0, 5, 6])
    yo = ours(autograd.tensor(IDX), autograd.tensor(offsets))
    yt = theirs(torch.tensor(IDX), torch.tensor(offsets))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    # max_norm renormalized the looked-up rows of both tables in place
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-12)  # fmt: skip
    frozen = nn.EmbeddingBag.from_pretrained(autograd.tensor(_weight()), mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"
    assert nn.modules.sparse.EmbeddingBag is nn.EmbeddingBag


@pytest.mark.parametrize("bad,err,match", [
    (lambda w: F.embedding_bag(autograd.tensor(IDX), w), ValueError, "offsets has to be"),
    (lambda w: F.embedding_bag(autograd.tensor(IDX.reshape(3, 4)), w, autograd.tensor([0])),
     ValueError, "if input is 2D"),
    (lambda w: F.embedding_bag(autograd.tensor(IDX), w, autograd.tensor([1, 3])), ValueError,
     r"offsets\[0\] has to be 0"),
    (lambda w: F.embedding_bag(autograd.tensor(IDX), w, autograd.tensor([0, 5, 3])), ValueError,
     "non-decreasing"),
    (lambda w: F.embedding_bag(autograd.tensor(IDX.reshape(3, 4)), w, mode="mean",
                               per_sample_weights=autograd.ones(3, 4)), ValueError,
     "only supported for mode='sum'"),
    (lambda w: F.embedding_bag(autograd.tensor(IDX.reshape(3, 4)), w, mode="sum",
                               per_sample_weights=autograd.ones(4, 3)), ValueError,
     "per_sample_weights must be a Tensor of the input's shape"),
    (lambda w: F.embedding_bag(autograd.tensor(IDX.reshape(3, 4)), w, mode="median"),
     ValueError, "mode has to be one of"),
    (lambda w: F.embedding_bag(autograd.tensor([0.5]), w, autograd.tensor([0])), TypeError,
     "input must be an integer tensor"),
])  # fmt: skip
def test_embedding_bag_bad_arguments_are_named(bad, err, match):
    with pytest.raises(err, match=match):
        bad(autograd.tensor(_weight()))
