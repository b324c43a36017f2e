"""The transformer decoder and the full encoder-decoder Transformer (Vaswani et al., 2017).

Built from :class:`MultiheadAttention` and :class:`TransformerEncoder` (``attention.py``); module
names, state_dict keys and default init are PyTorch's, so weights move between the two by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tensor
from autograd.extend import check_device

from .. import functional as F
from .. import init
from ..module import Module
from .attention import (
    TransformerEncoder,
    TransformerEncoderLayer,
    _TransformerLayer,
    _TransformerStack,
)
from .normalization import LayerNorm

__all__ = ["TransformerDecoderLayer", "TransformerDecoder", "Transformer"]


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, cross-attention over ``memory``, then a feed-forward block; each with a
    residual connection and LayerNorm.

    Post-norm (default): ``x = norm1(x + sa(x)); x = norm2(x + mha(x, memory)); x = norm3(x +
    ff(x))``; with ``norm_first``: ``x = x + sa(norm1(x)); x = x + mha(norm2(x), memory); x = x +
    ff(norm3(x))``, where ``ff(x) = linear2(dropout(act(linear1(x))))``. Submodule names as
    PyTorch (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``..``norm3``,
    ``dropout1``..``dropout3``). ``activation`` is ``"relu"``, ``"gelu"`` or a callable.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)``: ``tgt``
    ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``, or unbatched ``(T, E)``), ``memory`` ``(S,
    N, E)``. Masks as :class:`MultiheadAttention`'s (bool True = may not attend, float added).
    Unlike PyTorch, which asks for the mask along with the hint, ``tgt_is_causal=True`` without a
    ``tgt_mask`` applies the causal mask.

    Examples
    --------
    >>> import autograd, nn
    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> tgt, memory = autograd.randn(2, 4, 8), autograd.randn(2, 6, 8)
    >>> layer(tgt, memory, tgt_is_causal=True).shape
    (2, 4, 8)
    """

    _ff_dropout = "dropout3"
    _cross_attention = True

    def _mha_block(
        self,
        x: Tensor,
        memory: Tensor,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        x = self.multihead_attn(
            x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout2(x)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        _check_sequences(tgt, memory, "TransformerDecoderLayer", "tgt", "memory")
        x = tgt
        tgt_is_causal, memory_is_causal = bool(tgt_is_causal), bool(memory_is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            )  # fmt: skip
            x = self.norm3(x + self._ff_block(x))
        return x


class TransformerDecoder(_TransformerStack):
    """A stack of ``num_layers`` deep copies of ``decoder_layer`` (state_dict keys
    ``layers.{i}.…``), followed by ``norm`` if given.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)`` passes the masks
    to every layer; see :class:`TransformerDecoderLayer`.

    Examples
    --------
    >>> import autograd, nn
    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> dec = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(8))
    >>> mask = nn.Transformer.generate_square_subsequent_mask(4)
    >>> dec(autograd.randn(4, 3, 8), autograd.randn(6, 3, 8), tgt_mask=mask).shape
    (4, 3, 8)
    """

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__(decoder_layer, num_layers, norm, "TransformerDecoder", "decoder_layer")

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        return self._run_layers(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal,
        )  # fmt: skip


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need", PyTorch's layout.

    ``encoder`` is a :class:`TransformerEncoder` of ``num_encoder_layers`` layers plus a final
    LayerNorm, ``decoder`` a :class:`TransformerDecoder` likewise (or ``custom_encoder`` /
    ``custom_decoder``). Every parameter with more than one dim is re-drawn Xavier-uniform, as
    PyTorch does. ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)`` returns the decoder output,
    shaped like ``tgt``.

    Examples
    --------
    >>> import autograd, nn
    >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                        dim_feedforward=16, dropout=0.0)
    >>> src, tgt = autograd.randn(6, 2, 8), autograd.randn(4, 2, 8)
    >>> mask = model.generate_square_subsequent_mask(4)
    >>> model(src, tgt, tgt_mask=mask).shape
    (4, 2, 8)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = F.relu,
        custom_encoder: Any | None = None,
        custom_decoder: Any | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        check_device(device)
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias)  # fmt: skip

        def stack(custom: Any, stack_cls: type, layer_cls: type, num_layers: int) -> Any:
            if custom is not None:
                return custom
            layer = layer_cls(*args, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            return stack_cls(layer, num_layers, norm)

        self.encoder = stack(
            custom_encoder, TransformerEncoder, TransformerEncoderLayer, num_encoder_layers
        )
        self.decoder = stack(
            custom_decoder, TransformerDecoder, TransformerDecoderLayer, num_decoder_layers
        )
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self) -> None:
        """Xavier-uniform for every parameter with more than one dim (PyTorch's default)."""
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        _check_sequences(tgt, src, "Transformer", "tgt", "src")
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError(
                "Transformer: the batch number of src and tgt must be equal, got src "
                f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} (batch_first={self.batch_first})"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                "Transformer: the feature number of src and tgt must be equal to d_model "
                f"({self.d_model}), got src {tuple(src.shape)} and tgt {tuple(tgt.shape)}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """A ``(sz, sz)`` float causal mask: ``-inf`` above the diagonal, ``0`` elsewhere.

        Examples
        --------
        >>> import nn
        >>> nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
        """
        if isinstance(sz, bool) or not isinstance(sz, int) or sz < 0:
            raise ValueError(f"generate_square_subsequent_mask: sz must be an int >= 0, got {sz!r}")
        full = autograd.full((sz, sz), float("-inf"), dtype=dtype, device=device)
        return autograd.triu(full, diagonal=1)


def _check_sequences(x: Tensor, other: Tensor, layer: str, x_name: str, other_name: str) -> None:
    for t, name in ((x, x_name), (other, other_name)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{layer}: {name} must be a Tensor, got {type(t).__name__}")
    if x.ndim not in (2, 3) or other.ndim != x.ndim:
        raise ValueError(
            f"{layer}: {x_name} and {other_name} must both be batched (3-D) or both unbatched "
            f"(2-D), got shapes {tuple(x.shape)} and {tuple(other.shape)}"
        )
