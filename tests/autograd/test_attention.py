"""extend.scaled_dot_product_attention: attention's products and softmax as one node, against
NumPy, the same attention written with the engine's ops, finite differences (first and second
order, and forward mode) and PyTorch; and the nn paths that take it."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import extend

NEG = -np.inf


def _tensors(*shapes, dtype=np.float64, seed=0, grad=True):
    rng = np.random.default_rng(seed)
    return [
        autograd.tensor(rng.standard_normal(s).astype(dtype), requires_grad=grad) for s in shapes
    ]


def _reference(q, k, v, scale, mask=None):
    # NumPy, row by row: a row blocked whole gives zeros.
    s = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    if mask is not None:
        s = s + mask
    with np.errstate(invalid="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        w = e / e.sum(axis=-1, keepdims=True)
    w = np.where(np.isneginf(s).all(axis=-1, keepdims=True), 0.0, w)
    return w @ v


def _composite(q, k, v, scale, mask=None):
    # The same attention with one node per op.
    s = (q @ k.transpose(-2, -1)) * scale
    dead = None
    if mask is not None:
        blocked = np.isneginf(np.broadcast_to(mask, tuple(s.shape))).all(-1, keepdims=True)
        dead = autograd.tensor(blocked)
        s = autograd.where(dead, 0.0, s + mask)
    w = autograd.softmax(s, dim=-1)
    if dead is not None:
        w = autograd.where(dead, 0.0, w)
    return w @ v


_MASKS = {
    "none": None,
    "causal": np.triu(np.full((5, 5), NEG), 1),
    # Row 2 blocks every key: zeros, not NaN. Broadcast over the heads.
    "blocked row": np.where(np.arange(5)[:, None] == 2, NEG, np.zeros((2, 1, 5, 5))),
    "finite": np.random.default_rng(3).standard_normal((5, 5)),
}


@pytest.mark.parametrize("name", list(_MASKS))
def test_values_and_gradients_match_numpy_and_the_composite(name):
    mask = _MASKS[name]
    q, k, v = _tensors((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 6))
    out = extend.scaled_dot_product_attention(q, k, v, 0.3, mask)
    assert out.grad_fn.name() == "UnsafeViewBackward0"  # as PyTorch's, where Ev != E
    want = _reference(*(t.detach().numpy() for t in (q, k, v)), 0.3, mask)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12, atol=1e-12)
    g = autograd.tensor(np.random.default_rng(1).standard_normal(out.shape))
    got = autograd.autograd.grad(out, (q, k, v), g)
    ref = autograd.autograd.grad(_composite(q, k, v, 0.3, mask), (q, k, v), g)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    if name == "blocked row":
        assert not out.detach().numpy()[:, :, 2].any()
        assert not got[0].numpy()[:, :, 2].any()


@pytest.mark.parametrize("name", ["none", "blocked row"])
def test_gradcheck_gradgradcheck_and_forward_mode(name):
    mask = _MASKS[name]
    q, k, v = _tensors((2, 1, 5, 3), (2, 1, 5, 3), (2, 1, 5, 2), seed=4)

    def f(q, k, v):
        return extend.scaled_dot_product_attention(q, k, v, 0.7, mask)

    assert autograd.gradcheck(f, (q, k, v), check_forward_ad=True)
    assert autograd.gradgradcheck(f, (q, k, v))


def test_float32_stays_float32_and_a_changed_input_is_detected():
    q, k, v = _tensors((4, 8, 16), (4, 8, 16), (4, 8, 16), dtype=np.float32)
    out = extend.scaled_dot_product_attention(q, k, v, 0.25)
    assert out.dtype == autograd.float32
    want = _reference(*(t.detach().numpy().astype(np.float64) for t in (q, k, v)), 0.25)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-5, atol=1e-6)
    with autograd.no_grad():
        k.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_inputs_without_grad_and_empty_keys():
    q, k = _tensors((2, 3, 4), (2, 5, 4))
    (v,) = _tensors((2, 5, 2), grad=False)
    out = extend.scaled_dot_product_attention(q, k, v, 0.5)
    out.sum().backward()
    assert q.grad is not None and k.grad is not None and v.grad is None
    q, k, v = _tensors((2, 0, 4), (2, 3, 4), (2, 3, 2))
    out = extend.scaled_dot_product_attention(q, k, v, 0.5)
    assert out.shape == (2, 0, 2)
    out.sum().backward()
    assert k.grad.shape == (2, 3, 4) and not k.grad.numpy().any()


def test_blocked_rows_make_no_nan_and_the_mask_is_the_nodes_own():
    # float16 and a large float64 block take NumPy's softmax: no invalid value arises there.
    for dtype, shape in ((np.float16, (1, 2, 4)), (np.float64, (4, 2, 64, 16))):
        q, k, v = _tensors(shape, shape, shape, dtype=dtype)
        mask = np.zeros((*shape[:-2], 1, shape[-2]))
        mask[0] = NEG
        with np.errstate(all="raise"):
            out = extend.scaled_dot_product_attention(q, k, v, 0.5, mask)
            out.sum().backward()
        assert not out.detach().numpy()[0].any() and np.isfinite(q.grad.numpy()).all()
    # The mask is copied: changing the caller's array afterwards changes nothing.
    q, k, v = _tensors((1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4), seed=5)
    mask = np.random.default_rng(6).standard_normal((3, 3))
    out = extend.scaled_dot_product_attention(q, k, v, 0.5, mask)
    g1 = autograd.autograd.grad(out.sum(), q, retain_graph=True)[0]
    mask += 5.0
    g2 = autograd.autograd.grad(out.sum(), q, create_graph=True)[0]
    np.testing.assert_allclose(g2.detach().numpy(), g1.numpy(), rtol=1e-12, atol=1e-14)


def test_errors_name_the_argument():
    q, k, v = _tensors((2, 3, 4), (2, 5, 4), (2, 5, 2))
    with pytest.raises(ValueError, match=r"query \(\*B, L, E\).*\(2, 3, 4\), \(2, 5, 3\)"):
        extend.scaled_dot_product_attention(q, k[..., :3], v, 1.0)
    with pytest.raises(ValueError, match="one batch shape"):
        extend.scaled_dot_product_attention(q, k[:1], v[:1], 1.0)
    with pytest.raises(TypeError, match="one floating dtype, got float64, float32"):
        extend.scaled_dot_product_attention(q, k.float(), v, 1.0)
    with pytest.raises(ValueError, match=r"mask of shape \(4, 4\) does not broadcast to the "):
        extend.scaled_dot_product_attention(q, k, v, 1.0, np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3, 5\) does not broadcast"):
        extend.scaled_dot_product_attention(q[:1], k[:1], v[:1], 1.0, np.zeros((2, 3, 5)))
    with pytest.raises(TypeError, match="mask must be a floating .*got dtype bool"):
        extend.scaled_dot_product_attention(q, k, v, 1.0, np.ones((3, 5), bool))
    with pytest.raises(ValueError, match="mask requires grad"):
        extend.scaled_dot_product_attention(q, k, v, 1.0, autograd.zeros(3, 5, requires_grad=True))
    with pytest.raises(TypeError, match="scale must be a real number, got NoneType"):
        extend.scaled_dot_product_attention(q, k, v, None)
    with pytest.raises(TypeError, match="query must be a Tensor, got list"):
        extend.scaled_dot_product_attention([[[1.0]]], k, v, 1.0)
    with pytest.raises(TypeError, match="key must be floating point, got int64"):
        F.scaled_dot_product_attention(q, autograd.ones(2, 5, 4, dtype=autograd.int64), v)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(2, 1, 3, 5\) does not broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=autograd.zeros(2, 1, 3, 5))


def test_nn_paths_record_one_node_where_they_can():
    q, k, v = _tensors((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4), dtype=np.float32)
    assert F.scaled_dot_product_attention(q, k, v, is_causal=True).grad_fn.name() == (
        "ScaledDotProductFlashAttentionForCpuBackward0"
    )
    # A mask that needs a gradient gets one, through the ops written out (as in PyTorch).
    (m,) = _tensors((5, 5), dtype=np.float32)
    F.scaled_dot_product_attention(q, k, v, attn_mask=m).sum().backward()
    assert m.grad is not None and m.grad.shape == (5, 5)
    autograd.manual_seed(0)
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    (x,) = _tensors((3, 4, 8), dtype=np.float32)
    out, weights = layer(x, x, x, need_weights=False)
    assert weights is None
    fused = autograd.autograd.grad(out.sum(), [x, *layer.parameters()])
    out2, weights = layer(x, x, x)  # weights wanted: the ops written out
    assert weights.shape == (3, 4, 4)
    np.testing.assert_allclose(out2.detach().numpy(), out.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(fused, autograd.autograd.grad(out2.sum(), [x, *layer.parameters()])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_multi_head_attention_without_weights_gives_zeros_for_a_padded_sequence():
    # As PyTorch: need_weights=False goes by scaled dot-product attention, whose blocked rows
    # give zeros, with dropout in training (the ops written out) as without (one node).
    autograd.manual_seed(0)
    layer = nn.MultiheadAttention(8, 2, dropout=0.5)
    (x,) = _tensors((5, 3, 8), dtype=np.float32)
    padding = np.zeros((3, 5), bool)
    padding[0] = True
    for training in (True, False):
        layer.train(training)
        out, _ = layer(x, x, x, key_padding_mask=autograd.tensor(padding), need_weights=False)
        assert not out.detach().numpy()[:, 0].any()
        assert np.isfinite(out.detach().numpy()).all()


@pytest.mark.parametrize(
    ("kind", "shapes"),
    [("none", None), ("causal", None), ("bool", None), ("float", None),
     ("none", ((3, 6, 8),) * 3), ("float", ((2, 3, 6, 8), (2, 3, 5, 8), (2, 3, 5, 4)))],
)  # fmt: skip
def test_matches_pytorch(kind, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    shapes = shapes or ((2, 3, 6, 8),) * 3
    arrays = [rng.standard_normal(s) for s in shapes]
    mask, kwargs = None, {}
    if kind == "causal":
        kwargs["is_causal"] = True
    elif kind == "bool":
        mask = rng.random((6, 6)) > 0.3
        mask[4] = False  # a row that may attend to nothing: zeros in both
    elif kind == "float":
        mask = rng.standard_normal((1, 6, shapes[1][-2]))  # 3-D: PyTorch's math path
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    o = F.scaled_dot_product_attention(
        *ours, attn_mask=None if mask is None else autograd.tensor(mask), scale=0.4, **kwargs
    )
    t = torch.nn.functional.scaled_dot_product_attention(
        *theirs, attn_mask=None if mask is None else torch.tensor(mask), scale=0.4, **kwargs
    )
    assert o.grad_fn.name() == t.grad_fn.name()
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(o.shape)
    (o * autograd.tensor(g)).sum().backward()
    (t * torch.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", ["none", "padding", "mask 2-D", "mask 3-D", "causal"])
def test_multi_head_self_attention_without_weights_matches_pytorch(batch_first, kind):
    # Self-attention without weights (one node on (N, H, L, head_dim) views): values and every
    # gradient as PyTorch's layer gives them, for each kind of mask.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    autograd.manual_seed(0)
    ours = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    theirs.load_state_dict(
        {k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()}
    )
    x = rng.standard_normal((3, 5, 8) if batch_first else (5, 3, 8)).astype(np.float32)
    mask, kwargs = None, {}
    if kind == "padding":
        mask = np.zeros((3, 5), bool)
        mask[0, 2:] = mask[1] = True  # the second sequence all padding: zeros in both
        kwargs["key_padding_mask"] = mask
    elif kind == "mask 2-D":
        kwargs["attn_mask"] = rng.standard_normal((5, 5)).astype(np.float32)
    elif kind == "mask 3-D":
        kwargs["attn_mask"] = rng.standard_normal((6, 5, 5)).astype(np.float32)
    elif kind == "causal":
        kwargs["attn_mask"] = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
        kwargs["is_causal"] = True
    mine = {k: autograd.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    torchs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    o, _ = ours(xo, xo, xo, need_weights=False, **mine)
    t, _ = theirs(xt, xt, xt, need_weights=False, **torchs)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(o.shape).astype(np.float32)
    (o * autograd.tensor(g)).sum().backward()
    (t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5)
