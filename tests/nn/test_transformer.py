"""TransformerDecoderLayer, TransformerDecoder and Transformer vs PyTorch (weights copied over by
state_dict), plus their masks, init and argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from layers_reference import check_against_torch, same_keys

import autograd
import nn
import nn.functional as F

T, S, N, E, H, FF = 4, 5, 2, 8, 2, 16


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _perturb(torch, m):
    """Non-trivial LayerNorm weights and biases, so a wrong norm placement shows."""
    with torch.no_grad():
        for i, (name, p) in enumerate(m.named_parameters()):
            if "bias" in name or "norm" in name:
                p.add_(torch.tensor(_rand(*p.shape, seed=10 + i)) * 0.2)
    return m


def _seqs(batch_first, t=T, s=S, seed=0):
    if batch_first:
        return _rand(N, t, E, seed=seed), _rand(N, s, E, seed=seed + 1)
    return _rand(t, N, E, seed=seed), _rand(s, N, E, seed=seed + 1)


def _decoder_layer(torch, **kw):
    kw = {"dim_feedforward": FF, "dropout": 0.0, **kw}
    theirs = _perturb(torch, torch.nn.TransformerDecoderLayer(E, H, **kw))
    ours = nn.TransformerDecoderLayer(E, H, **kw)
    return ours, theirs


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_torch(torch, norm_first, batch_first):
    ours, theirs = _decoder_layer(torch, norm_first=norm_first, batch_first=batch_first)
    same_keys(ours, theirs)
    tgt, memory = _seqs(batch_first)
    check_against_torch(torch, ours, theirs, [tgt, memory])


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_masks_match_torch(torch, norm_first):
    ours, theirs = _decoder_layer(torch, norm_first=norm_first)
    tgt, memory = _seqs(False)
    causal = np.triu(np.full((T, T), -np.inf), k=1)
    memory_mask = np.zeros((T, S), dtype=bool)
    memory_mask[0, 1] = memory_mask[2, 3] = True
    tgt_kpm = np.zeros((N, T), dtype=bool)
    tgt_kpm[1, 3] = True
    mem_kpm = np.zeros((N, S), dtype=bool)
    mem_kpm[0, 4] = mem_kpm[1, 0] = True

    def call(m, tgt, memory, tm, mm, tk, mk):
        return m(tgt, memory, tgt_mask=tm, memory_mask=mm, tgt_key_padding_mask=tk,
                 memory_key_padding_mask=mk)  # fmt: skip

    check_against_torch(torch, ours, theirs, [tgt, memory, causal, memory_mask, tgt_kpm, mem_kpm],
                        call=call)  # fmt: skip


@pytest.mark.parametrize("activation", ["gelu", "callable"])
def test_decoder_layer_activation_matches_torch(torch, activation):
    if activation == "callable":
        ours, theirs = nn.TransformerDecoderLayer(E, H, FF, 0.0, activation=F.silu), None
        theirs = torch.nn.TransformerDecoderLayer(
            E, H, FF, 0.0, activation=torch.nn.functional.silu
        )
    else:
        ours, theirs = _decoder_layer(torch, activation=activation)
    check_against_torch(torch, ours, theirs, list(_seqs(False)))


def test_decoder_layer_unbatched_matches_torch(torch):
    ours, theirs = _decoder_layer(torch)
    check_against_torch(torch, ours, theirs, [_rand(T, E), _rand(S, E, seed=1)])


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack_matches_torch(torch, norm_first):
    layer_kw = {"dim_feedforward": FF, "dropout": 0.0, "norm_first": norm_first}
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(E, H, **layer_kw), 2, norm=torch.nn.LayerNorm(E)
    )
    _perturb(torch, theirs)
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, **layer_kw), 2, nn.LayerNorm(E))
    same_keys(ours, theirs)
    tgt, memory = _seqs(False)
    causal = np.triu(np.full((T, T), -np.inf), k=1)
    # with the causal hint PyTorch uses its own causal mask, so the given one gets no gradient
    check_against_torch(
        torch, ours, theirs, [tgt, memory, causal], grad_inputs=[True, True, False],
        call=lambda m, t, s, c: m(t, s, tgt_mask=c, tgt_is_causal=True),
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(torch, norm_first, batch_first):
    kw = {"d_model": E, "nhead": H, "num_encoder_layers": 2, "num_decoder_layers": 2,
          "dim_feedforward": FF, "dropout": 0.0, "norm_first": norm_first,
          "batch_first": batch_first}  # fmt: skip
    theirs = _perturb(torch, torch.nn.Transformer(**kw))
    ours = nn.Transformer(**kw)
    same_keys(ours, theirs)
    tgt, src = _seqs(batch_first)
    src_kpm = np.zeros((N, S), dtype=bool)
    src_kpm[1, 4] = True
    causal = nn.Transformer.generate_square_subsequent_mask(T).numpy().astype(np.float64)

    def call(m, src, tgt, tgt_mask, kpm):
        return m(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=kpm,
                 memory_key_padding_mask=kpm)  # fmt: skip

    # PyTorch detects the causal mask and applies its own, so the given one gets no gradient
    check_against_torch(torch, ours, theirs, [src, tgt, causal, src_kpm], call=call,
                        grad_inputs=[True, True, False, False])  # fmt: skip


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_eval_mode_turns_dropout_off(torch):
    kw = {"d_model": E, "nhead": H, "num_encoder_layers": 1, "num_decoder_layers": 1,
          "dim_feedforward": FF, "dropout": 0.5}  # fmt: skip
    theirs = _perturb(torch, torch.nn.Transformer(**kw)).eval()
    ours = nn.Transformer(**kw).eval()
    tgt, src = _seqs(False)
    check_against_torch(torch, ours, theirs, [src, tgt])
    out1 = ours(autograd.tensor(src), autograd.tensor(tgt))  # ours is float64 now
    out2 = ours(autograd.tensor(src), autograd.tensor(tgt))
    np.testing.assert_array_equal(out1.detach().numpy(), out2.detach().numpy())


def test_dropout_is_active_in_training():
    model = nn.TransformerDecoderLayer(E, H, FF, dropout=0.5)
    tgt, memory = (autograd.tensor(a, dtype=autograd.float32) for a in _seqs(False))
    a, b = model(tgt, memory), model(tgt, memory)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())


def test_generate_square_subsequent_mask_matches_torch(torch):
    ours = nn.Transformer.generate_square_subsequent_mask(5)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(5)
    assert ours.dtype == autograd.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=autograd.float64).dtype == (
        autograd.float64
    )


def test_tgt_is_causal_without_mask_applies_the_causal_mask():
    layer = nn.TransformerDecoderLayer(E, H, FF, dropout=0.0)
    tgt, memory = (autograd.tensor(a, dtype=autograd.float32) for a in _seqs(False))
    mask = nn.Transformer.generate_square_subsequent_mask(T)
    hinted = layer(tgt, memory, tgt_is_causal=True)
    masked = layer(tgt, memory, tgt_mask=mask)
    np.testing.assert_allclose(hinted.detach().numpy(), masked.detach().numpy(), rtol=1e-6)
    # the first target position sees only itself: changing later positions leaves it unchanged
    tgt2 = tgt.detach().clone()
    tgt2[2:] = autograd.tensor(_rand(T - 2, N, E, seed=7), dtype=autograd.float32)
    again = layer(tgt2, memory, tgt_is_causal=True)
    np.testing.assert_allclose(again[0].detach().numpy(), hinted[0].detach().numpy(), rtol=1e-6)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_default_init_matches_torch_statistics(torch):
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1,
                                  num_decoder_layers=1, dim_feedforward=64)  # fmt: skip
    ours = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                          dim_feedforward=64)  # fmt: skip
    t_state = theirs.state_dict()
    for name, ours_value in ours.state_dict().items():
        o = ours_value.numpy()
        t = t_state[name].numpy()
        assert o.shape == t.shape, name
        if o.ndim > 1:  # xavier-uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out))
            bound = math.sqrt(6.0 / (o.shape[0] + o.shape[1]))
            assert np.abs(o).max() <= bound, name
            assert np.abs(o).max() > 0.8 * bound, name
            np.testing.assert_allclose(o.std(), t.std(), rtol=0.15, err_msg=name)
        elif not t.any() or np.all(t == 1.0):  # zero biases, LayerNorm ones/zeros
            np.testing.assert_array_equal(o, t, err_msg=name)
        else:  # Linear's bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
            assert np.abs(o).max() <= np.abs(t).max() * 1.5 + 1e-6, name


def test_transformer_custom_encoder_and_decoder():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0), 1)
    model = nn.Transformer(d_model=E, nhead=H, custom_encoder=enc, custom_decoder=dec)
    assert model.encoder is enc and model.decoder is dec
    tgt, src = (autograd.tensor(a, dtype=autograd.float32) for a in _seqs(False))
    assert model(src, tgt).shape == (T, N, E)


def test_transformer_is_differentiable_end_to_end():
    model = nn.Transformer(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF, dropout=0.0)  # fmt: skip
    tgt, src = (
        autograd.tensor(a, dtype=autograd.float32, requires_grad=True) for a in _seqs(False)
    )
    model(src, tgt).sum().backward()
    assert src.grad is not None and np.abs(src.grad.numpy()).sum() > 0
    assert all(p.grad is not None for p in model.parameters())


def test_errors_name_the_argument():
    model = nn.Transformer(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF)  # fmt: skip
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(autograd.randn(S, 3, E), autograd.randn(T, 2, E))
    with pytest.raises(RuntimeError, match="d_model"):
        model(autograd.randn(S, N, 4), autograd.randn(T, N, 4))
    with pytest.raises(ValueError, match="tgt and src"):
        model(autograd.randn(S, N, E), autograd.randn(T, E))
    with pytest.raises(TypeError, match="src must be a Tensor"):
        model(np.zeros((S, N, E)), autograd.randn(T, N, E))
    with pytest.raises(ValueError, match="activation should be relu/gelu, not 'tanh'"):
        nn.TransformerDecoderLayer(E, H, activation="tanh")
    with pytest.raises(TypeError, match="activation must be"):
        nn.TransformerDecoderLayer(E, H, activation=3)
    with pytest.raises(ValueError, match="num_layers"):
        nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H), 0)
    with pytest.raises(TypeError, match="decoder_layer"):
        nn.TransformerDecoder("layer", 2)
    with pytest.raises(ValueError, match="sz"):
        nn.Transformer.generate_square_subsequent_mask(-1)
    with pytest.raises(ValueError, match="memory_mask|attn_mask"):
        layer = nn.TransformerDecoderLayer(E, H, FF)
        layer(autograd.randn(T, N, E), autograd.randn(S, N, E),
              memory_mask=autograd.zeros(T, T))  # fmt: skip
