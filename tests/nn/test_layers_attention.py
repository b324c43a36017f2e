"""MultiheadAttention, TransformerEncoderLayer, TransformerEncoder and scaled_dot_product_attention
vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn
import nn.functional as F

L, S, N, E, H = 4, 5, 2, 8, 2


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _perturb_biases(torch, m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "bias" in name:
                p.add_(torch.tensor(_rand(*p.shape, seed=3)) * 0.2)
    return m


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_mha_self_attention_matches_torch(torch, batch_first, average):
    theirs = _perturb_biases(torch, torch.nn.MultiheadAttention(E, H, batch_first=batch_first))
    ours = nn.MultiheadAttention(E, H, batch_first=batch_first)
    same_keys(ours, theirs)
    x = _rand(N, L, E) if batch_first else _rand(L, N, E)
    check_against_torch(
        torch, ours, theirs, [x], call=lambda m, x: m(x, x, x, average_attn_weights=average)
    )


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
def test_mha_cross_attention_with_masks_matches_torch(torch):
    theirs = _perturb_biases(torch, torch.nn.MultiheadAttention(E, H))
    ours = nn.MultiheadAttention(E, H)
    q, k, v = _rand(L, N, E), _rand(S, N, E, seed=1), _rand(S, N, E, seed=2)
    kpm = np.array([[False, False, True, False, True], [False, False, False, False, False]])
    bool_mask = np.triu(np.ones((L, S), dtype=bool), k=2)
    float_mask = _rand(L, S, seed=4)
    for attn_mask in (bool_mask, float_mask):

        def call(m, q, k, v, kpm, mask):
            return m(q, k, v, key_padding_mask=kpm, attn_mask=mask)

        check_against_torch(torch, ours, theirs, [q, k, v, kpm, attn_mask], call=call)
    head_mask = _rand(N * H, L, S, seed=5)
    check_against_torch(
        torch,
        ours,
        theirs,
        [q, k, v, head_mask],
        call=lambda m, q, k, v, a: m(q, k, v, attn_mask=a, need_weights=False),
    )


def test_mha_kdim_vdim_bias_kv_zero_attn_matches_torch(torch):
    kw = {"kdim": 3, "vdim": 5, "add_bias_kv": True, "add_zero_attn": True, "bias": True}
    theirs = _perturb_biases(torch, torch.nn.MultiheadAttention(E, H, **kw))
    ours = nn.MultiheadAttention(E, H, **kw)
    same_keys(ours, theirs)
    q, k, v = _rand(L, N, E), _rand(S, N, 3, seed=1), _rand(S, N, 5, seed=2)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, 1] = True
    check_against_torch(
        torch,
        ours,
        theirs,
        [q, k, v, kpm],
        call=lambda m, q, k, v, p: m(q, k, v, key_padding_mask=p),
    )


def test_mha_unbatched_and_no_bias(torch):
    theirs = torch.nn.MultiheadAttention(E, 4, bias=False)
    ours = nn.MultiheadAttention(E, 4, bias=False)
    same_keys(ours, theirs)
    x = _rand(L, E)
    check_against_torch(torch, ours, theirs, [x], call=lambda m, x: m(x, x, x))


def test_mha_default_init(torch):
    m = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier_uniform on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    assert np.abs(m.out_proj.weight.detach().numpy()).max() <= 1 / 8


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder_layer_matches_torch(torch, norm_first, activation, batch_first):
    kw = {"dim_feedforward": 16, "dropout": 0.0, "activation": activation,
          "batch_first": batch_first, "norm_first": norm_first}  # fmt: skip
    theirs = _perturb_biases(torch, torch.nn.TransformerEncoderLayer(E, H, **kw))
    ours = nn.TransformerEncoderLayer(E, H, **kw)
    same_keys(ours, theirs)
    x = _rand(N, L, E) if batch_first else _rand(L, N, E)
    kpm = np.array([[False, False, False, True], [False, False, False, False]])
    check_against_torch(
        torch, ours, theirs, [x, kpm], call=lambda m, x, p: m(x, src_key_padding_mask=p)
    )
    causal = np.triu(np.full((L, L), -np.inf), k=1)
    check_against_torch(
        torch,
        ours,
        theirs,
        [x, causal],
        load=False,
        grad_inputs=[True, False],
        call=lambda m, x, c: m(x, src_mask=c, is_causal=True),
    )


def test_transformer_encoder_matches_torch(torch):
    layer_t = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0)
    theirs = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(E),
                                         enable_nested_tensor=False)  # fmt: skip
    _perturb_biases(torch, theirs)
    layer_o = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.0)
    ours = nn.TransformerEncoder(layer_o, 2, norm=nn.LayerNorm(E))
    same_keys(ours, theirs)
    check_against_torch(torch, ours, theirs, [_rand(L, N, E)])
    # the layers are independent copies
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight


def test_transformer_dropout_active_only_in_training():
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.5).double()
    x = autograd.tensor(_rand(L, N, E))
    a, b = layer(x).detach().numpy(), layer(x).detach().numpy()
    assert not np.allclose(a, b)
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_sdpa_matches_torch(torch, mask):
    q, k, v = _rand(2, 3, L, 6), _rand(2, 3, S, 6, seed=1), _rand(2, 3, S, 7, seed=2)
    kwargs = {}
    if mask == "bool":
        m = _rand(L, S, seed=3) > 0
        m[:, 0] = True
        kwargs["attn_mask"] = m
    elif mask == "float":
        kwargs["attn_mask"] = _rand(2, 1, L, S, seed=3)
    elif mask == "causal":
        kwargs["is_causal"] = True
    ta = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    oa = [autograd.tensor(a, requires_grad=True) for a in (q, k, v)]
    tk = {k_: torch.tensor(v_) if isinstance(v_, np.ndarray) else v_ for k_, v_ in kwargs.items()}
    ok = {
        k_: autograd.tensor(v_) if isinstance(v_, np.ndarray) else v_ for k_, v_ in kwargs.items()
    }
    yt = torch.nn.functional.scaled_dot_product_attention(*ta, scale=0.3, **tk)
    yo = F.scaled_dot_product_attention(*oa, scale=0.3, **ok)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = _rand(*yt.shape, seed=8)
    (yt * torch.tensor(g)).sum().backward()
    (yo * autograd.tensor(g)).sum().backward()
    for a, b in zip(oa, ta):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_sdpa_fully_masked_row_gives_zeros(torch):
    q = autograd.tensor(_rand(1, 2, 3))
    mask = autograd.tensor([[False, False], [True, True]])
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    assert np.isfinite(out.numpy()).all() and not out.numpy()[0, 0].any()


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(E, H)
    x = autograd.randn(L, N, E)
    with pytest.raises(ValueError, match="attn_mask"):
        m(x, x, x, attn_mask=autograd.zeros(L, L + 1))
    with pytest.raises(ValueError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=autograd.zeros(N, L + 1, dtype=autograd.bool))
