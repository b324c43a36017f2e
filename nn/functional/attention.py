"""Attention: ``scaled_dot_product_attention`` and the multi-head attention forward pass."""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor, extend

from .dropout import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")


def _additive_mask(mask: Tensor, dtype: object, true_means_masked: bool, fn: str) -> Tensor:
    """A float mask to add to attention scores: bool masks become 0 / -inf."""
    if not isinstance(mask, Tensor):
        mask = autograd.tensor(mask)
    if mask.dtype.kind == "b":
        blocked = mask if true_means_masked else ~mask
        return autograd.zeros(tuple(mask.shape), dtype=dtype).masked_fill(blocked, _NEG_INF)
    if mask.dtype.kind != "f":
        raise TypeError(f"{fn}: a mask must be bool or floating point, got dtype {mask.dtype}")
    return mask if mask.dtype == dtype else mask.to(dtype)


def _fusable(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None) -> bool:
    """Whether attention over these operands can be one node
    (:func:`autograd.extend.scaled_dot_product_attention`): stacks of one batch shape and one
    floating dtype, and a mask (if any) that needs no gradient."""
    return (
        q.ndim >= 3
        and q.ndim == k.ndim == v.ndim
        and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
        and q.dtype == k.dtype == v.dtype
        and q.dtype.kind == "f"
        and (mask is None or not mask.requires_grad)
    )


def _causal_mask(tgt_len: int, src_len: int, dtype: object) -> Tensor:
    blocked = np.triu(np.ones((tgt_len, src_len), dtype=bool), k=1)
    return autograd.zeros((tgt_len, src_len), dtype=dtype).masked_fill(
        autograd.from_numpy(blocked), _NEG_INF
    )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key.mT * scale + mask) @ value`` over shapes ``(..., L, E)``, ``(..., S,
    E)``, ``(..., S, Ev)``.

    ``attn_mask``: bool (True = may attend) or float (added to the scores), broadcastable to
    ``(..., L, S)``. ``is_causal`` masks the upper triangle (no mask may be given with it).
    ``scale`` defaults to ``1 / sqrt(E)``. Dropout is applied to the attention weights whenever
    ``dropout_p > 0``. As PyTorch, a query row that may attend to nothing gives zeros.

    Without dropout, on operands of at least 3 dims, of one batch shape and dtype, and with a
    mask (if any) that needs no gradient, it is one graph node
    (:func:`autograd.extend.scaled_dot_product_attention`); otherwise the ops are written out.

    Examples
    --------
    >>> import autograd, nn
    >>> q = autograd.ones(1, 2, 4)
    >>> v = autograd.tensor([[[1.0], [3.0]]])
    >>> nn.functional.scaled_dot_product_attention(q, q, v, is_causal=True)
    tensor([[[1.],
             [2.]]])
    """
    if enable_gqa:
        raise ValueError("scaled_dot_product_attention: enable_gqa is not supported")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(
            "scaled_dot_product_attention: query, key and value need at least 2 dims, got "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            "scaled_dot_product_attention: expected query (..., L, E), key (..., S, E) and value "
            f"(..., S, Ev), got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.dtype.kind != "f":
            raise TypeError(
                f"scaled_dot_product_attention: {name} must be floating point, got {t.dtype}"
            )
    tgt_len, src_len = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    dtype = autograd.result_type(query, key)
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
        mask = _causal_mask(tgt_len, src_len, dtype)
    elif attn_mask is not None:
        mask = _additive_mask(attn_mask, dtype, False, "scaled_dot_product_attention")
        scores_shape = (
            *np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2])),
            tgt_len,
            src_len,
        )
        try:
            fits = np.broadcast_shapes(tuple(mask.shape), scores_shape) == scores_shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"scaled_dot_product_attention: attn_mask of shape {tuple(mask.shape)} does not "
                f"broadcast to the attention scores' shape {scores_shape}"
            )
    else:
        mask = None
    return _attend(query, key, value, scale, mask, dropout_p)


def _attend(
    q: Tensor, k: Tensor, v: Tensor, scale: float, mask: Tensor | None, dropout_p: float
) -> Tensor:
    """``softmax(q @ k.mT * scale + mask) @ v``, dropout on the weights; a query row the
    additive ``mask`` blocks whole gives zeros. One node where it can be
    (:func:`autograd.extend.scaled_dot_product_attention`), else the ops written out."""
    if dropout_p <= 0.0 and _fusable(q, k, v, mask):
        return extend.scaled_dot_product_attention(q, k, v, scale, mask)
    scores = (q * scale) @ k.transpose(-2, -1)
    dead = None
    if mask is not None:
        blocked = np.isneginf(mask.detach().numpy())
        dead = np.broadcast_to(blocked, np.broadcast_shapes(blocked.shape, scores.shape))
        dead = np.ascontiguousarray(dead.all(axis=-1, keepdims=True))
        if dead.any():  # a row with nothing to attend to gives zeros, not NaN (as PyTorch)
            dead = autograd.from_numpy(dead)
            mask = autograd.where(dead, 0.0, mask)
        else:
            dead = None
        scores = scores + mask
    weights = autograd.softmax(scores, dim=-1)
    if dead is not None:
        weights = autograd.where(dead, 0.0, weights)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ v


def _in_projection(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    w_q: Tensor,
    w_k: Tensor,
    w_v: Tensor,
    b: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor]:
    b_q = b_k = b_v = None
    if b is not None:
        b_q, b_k, b_v = b.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on sequence-first inputs ``(L, N, E)`` (or unbatched ``(L, E)``).

    The arguments are PyTorch's. ``key_padding_mask`` ``(N, S)`` and ``attn_mask`` ``(L, S)`` or
    ``(N * num_heads, L, S)``: a bool True means *may not attend*; float masks are added to the
    scores. ``is_causal`` without ``attn_mask`` builds the causal mask. Returns the output
    ``(L, N, E)`` and, if ``need_weights``, the attention weights ``(N, L, S)`` (averaged over
    heads) or ``(N, num_heads, L, S)``.

    Examples
    --------
    >>> import autograd, nn
    >>> e = 4
    >>> x = autograd.randn(3, 2, e)
    >>> out, w = nn.functional.multi_head_attention_forward(
    ...     x, x, x, e, 2, autograd.randn(3 * e, e), None, None, None, False, 0.0,
    ...     autograd.randn(e, e), None)
    >>> out.shape, w.shape
    ((3, 2, 4), (2, 3, 3))
    """
    fn = "multi_head_attention_forward"
    if query.ndim not in (2, 3):
        raise ValueError(f"{fn}: query must be (L, N, E) or (L, E), got shape {tuple(query.shape)}")
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{fn}: query, key and value must have the same number of dims, got "
            f"{tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise ValueError(f"{fn}: expected embedding dim {embed_dim_to_check}, got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise ValueError(f"{fn}: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != bsz:
        raise ValueError(
            f"{fn}: key {tuple(key.shape)} and value {tuple(value.shape)} must share their "
            f"sequence and batch dims, and the batch must match query's ({bsz})"
        )
    dtype = query.dtype

    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError(f"{fn}: use_separate_proj_weight needs q/k/v_proj_weight")
        q, k, v = _in_projection(
            query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias
        )
    else:
        if in_proj_weight is None:
            raise ValueError(f"{fn}: in_proj_weight is None and use_separate_proj_weight is False")
        if query is key and key is value:  # self-attention: one GEMM for q, k and v
            q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            q, k, v = _in_projection(query, key, value, w_q, w_k, w_v, in_proj_bias)

    if attn_mask is not None:
        attn_mask = _additive_mask(attn_mask, dtype, True, fn)
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise ValueError(
                    f"{fn}: 2-D attn_mask must have shape {(tgt_len, src_len)}, got "
                    f"{tuple(attn_mask.shape)}"
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            want = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != want:
                raise ValueError(
                    f"{fn}: 3-D attn_mask must have shape {want}, got {tuple(attn_mask.shape)}"
                )
        else:
            raise ValueError(f"{fn}: attn_mask must be 2-D or 3-D, got {attn_mask.ndim}-D")
    elif is_causal:
        attn_mask = _causal_mask(tgt_len, src_len, dtype).unsqueeze(0)
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise ValueError(
                f"{fn}: key_padding_mask must have shape {(bsz, src_len)}, got "
                f"{tuple(key_padding_mask.shape)}"
            )
        key_padding_mask = _additive_mask(key_padding_mask, dtype, True, fn)

    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{fn}: bias_k/bias_v cannot be added to static_k/static_v")
        k = autograd.cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = autograd.cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise ValueError(f"{fn}: bias_k and bias_v must be given together")

    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (
        static_k
        if static_k is not None
        else (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1))
    )
    v = (
        static_v
        if static_v is not None
        else (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1))
    )
    if add_zero_attn:
        zeros = autograd.zeros((bsz * num_heads, 1, head_dim), dtype=dtype)
        k = autograd.cat([k, zeros], dim=1)
        v = autograd.cat([v, zeros], dim=1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]

    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    scale = 1.0 / math.sqrt(head_dim)
    dropping = training and dropout_p > 0.0
    if not need_weights:  # as PyTorch, by scaled dot-product attention: blocked rows give zeros
        # over (N, H, L, head_dim), as PyTorch calls it (its node then named as PyTorch's)
        def heads(t: Tensor) -> Tensor:
            return t.reshape(bsz, num_heads, t.shape[-2], t.shape[-1])

        # attn_mask is 3-D here: one for all heads (1, L, S), or one each (N * H, L or 1, S)
        mask4 = attn_mask
        if attn_mask is not None:
            one_each = attn_mask.shape[0] == bsz * num_heads
            mask4 = heads(attn_mask) if one_each else attn_mask.unsqueeze(0)
        out = _attend(heads(q), heads(k), heads(v), scale, mask4, dropout_p if dropping else 0.0)
        out, weights = out.reshape(bsz * num_heads, tgt_len, head_dim), None
    else:  # the weights returned: a query row blocked whole gives NaN, as in PyTorch
        scores = (q * scale) @ k.transpose(1, 2)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = autograd.softmax(scores, dim=-1)
        if dropping:
            weights = dropout(weights, dropout_p)
        out = weights @ v  # (N * H, L, head_dim)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not batched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        weights = weights.squeeze(0)
    return out, weights


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """Append one zero (= may attend) column to an additive mask."""
    if mask is None:
        return None
    zeros = autograd.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype)
    return autograd.cat([mask, zeros], dim=-1)
