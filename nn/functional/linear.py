"""Affine maps and table lookups: ``linear``, ``bilinear``, ``embedding``."""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor
from autograd.extend import name_node

__all__ = ["linear", "bilinear", "embedding"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Examples
    --------
    >>> import autograd, nn
    >>> w = autograd.tensor([[1.0, 2.0]])
    >>> nn.functional.linear(autograd.tensor([[3.0, 4.0]]), w, autograd.tensor([0.5]))
    tensor([[11.5000]])
    """
    if weight.ndim != 2:
        raise ValueError(
            f"linear: weight must be 2-D (out_features, in_features), got {weight.shape}"
        )
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input's last dim must equal in_features={weight.shape[1]}, got input shape "
            f"{tuple(input.shape)}"
        )
    # PyTorch's graph: one addmm node for a matrix input with a bias (AddmmBackward0), viewed
    # back to the batch shape for other inputs; a plain product without a bias.
    w_t = weight.t()
    if bias is None:
        return input.matmul(w_t)
    if input.ndim == 2:
        return autograd.addmm(bias, input, w_t)
    rows = math.prod(input.shape[:-1])
    out = autograd.addmm(bias, input.reshape(rows, input.shape[-1]), w_t)
    return out.view(*input.shape[:-1], weight.shape[0])


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``, weight ``(out, in1, in2)``.

    Examples
    --------
    >>> import autograd, nn
    >>> w = autograd.ones(1, 2, 2)
    >>> nn.functional.bilinear(autograd.tensor([[1.0, 2.0]]), autograd.tensor([[3.0, 4.0]]), w)
    tensor([[21.]])
    """
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be 3-D (out, in1, in2), got {weight.shape}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise ValueError(
            f"bilinear: input1's last dim must be {in1} and input2's {in2}, got shapes "
            f"{tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise ValueError(
            f"bilinear: input1 and input2 must share their leading dims, got "
            f"{tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    # One GEMM against weight laid out as (in1, out * in2), then a contraction with input2.
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = (input1 @ w).reshape(tuple(input1.shape[:-1]) + (out_f, in2))
    out = (t * input2.unsqueeze(-2)).sum(dim=-1)
    if bias is not None:
        out = out + bias
    return out


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input``.

    ``padding_idx``: that row is returned as stored but receives no gradient. ``max_norm``: the
    looked-up rows whose ``norm_type``-norm exceeds it are rescaled to it *in place* (as PyTorch).
    ``scale_grad_by_freq``: each row's gradient is divided by its count in ``input``.

    Examples
    --------
    >>> import autograd, nn
    >>> w = autograd.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    >>> y = nn.functional.embedding(autograd.tensor([1, 0, 1]), w, padding_idx=0)
    >>> y.sum().backward()
    >>> w.grad
    tensor([[0., 0.],
            [2., 2.]])
    """
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported")
    if not isinstance(input, Tensor):
        input = autograd.tensor(input)
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must be an integer tensor, got dtype {input.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    num = weight.shape[0]
    idx = input.numpy()
    if idx.size and (idx.min() < -num or idx.max() >= num):
        raise ValueError(
            f"embedding: index out of range for {num} embeddings (got min {idx.min()}, "
            f"max {idx.max()})"
        )
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(
                f"embedding: padding_idx must be within [-{num}, {num}), got {padding_idx}"
            )
        padding_idx %= num
    if max_norm is not None:
        _renorm_rows(weight, np.unique(idx % num if num else idx), max_norm, norm_type)
    out = name_node(weight[input], "EmbeddingBackward0")
    if out.requires_grad and (padding_idx is not None or scale_grad_by_freq):
        factor = np.ones(idx.shape, dtype=weight.dtype)
        if scale_grad_by_freq:
            _, inverse, counts = np.unique(idx % num, return_inverse=True, return_counts=True)
            factor /= counts[inverse.reshape(idx.shape)]
        if padding_idx is not None:
            factor[(idx % num) == padding_idx] = 0.0
        factor_t = autograd.from_numpy(factor[..., None])
        # A gradient hook scales what reaches the lookup, leaving the forward values exact.
        out.register_hook(lambda g: g * factor_t)
    return out


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    if rows.size == 0:
        return
    with autograd.no_grad():
        index = autograd.from_numpy(rows.astype(np.int64))
        selected = weight[index]
        norms = autograd.norm(selected, norm_type, dim=1, keepdim=True)
        scale = autograd.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[index] = selected * scale
