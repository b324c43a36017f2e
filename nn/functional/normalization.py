"""Normalization functions. Batch, layer and group norm are the engine's fused one-node ops
(``autograd.batch_norm`` and friends, re-exported here); instance norm is a group norm with one
group per channel; the rest are composed from public engine ops.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor, batch_norm, group_norm, layer_norm

__all__ = [
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "normalize", "cosine_similarity",
    "pairwise_distance",
]  # fmt: skip


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of each sample over its spatial dims (``(N, C, ...)`` input).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.instance_norm(autograd.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """
    if input.ndim < 3:
        raise ValueError(
            f"instance_norm: expected an input of shape (N, C, L, ...), got {input.shape}"
        )
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    # One group per channel: each channel of each sample normalized on its own. Checked and
    # computed before the running statistics change.
    out = group_norm(input, input.shape[1], weight, bias, eps)
    if running_mean is not None or running_var is not None:
        with autograd.no_grad():
            dims = tuple(range(2, input.ndim))
            n = input.numel() // (input.shape[0] * input.shape[1]) if input.numel() else 0
            mean = input.mean(dim=dims)
            var = input.var(dim=dims, correction=0) * (n / max(n - 1, 1))
            if running_mean is not None:
                running_mean.mul_(1.0 - momentum).add_(mean.mean(dim=0) * momentum)
            if running_var is not None:
                running_var.mul_(1.0 - momentum).add_(var.mean(dim=0) * momentum)
    return out


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: None = None
) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.normalize(autograd.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise ValueError("normalize: out= is not supported")
    norm = autograd.norm(input, p, dim=dim, keepdim=True)
    return input / autograd.clamp(norm, min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (after broadcasting).

    Each vector is divided by ``max(||v||, eps)`` before the dot product, as PyTorch does.

    Examples
    --------
    >>> import autograd, nn
    >>> a, b = autograd.tensor([[1.0, 0.0]]), autograd.tensor([[1.0, 1.0]])
    >>> nn.functional.cosine_similarity(a, b)
    tensor([0.7071])
    """
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(
            f"cosine_similarity: shapes {tuple(x1.shape)} and {tuple(x2.shape)} cannot be "
            "broadcast together"
        ) from None
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = autograd.clamp(autograd.norm(x1, 2, dim=dim, keepdim=True), min=eps)
    n2 = autograd.clamp(autograd.norm(x2, 2, dim=dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim.

    Examples
    --------
    >>> import autograd, nn
    >>> a, b = autograd.tensor([[3.0, 0.0]]), autograd.tensor([[0.0, 4.0]])
    >>> nn.functional.pairwise_distance(a, b, eps=0.0)
    tensor([5.])
    """
    diff = x1 - x2 + eps
    return autograd.norm(diff, p, dim=-1, keepdim=keepdim)
