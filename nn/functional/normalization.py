"""Normalization functions, composed from the engine's reductions and elementwise ops.

A fused normalization primitive would save a few graph nodes per call, but ``nn`` may not define
engine primitives; these are built from mean / multiply / rsqrt, whose backward rules the engine
already has.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import autograd
from autograd import Tensor

__all__ = [
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "normalize", "cosine_similarity",
    "pairwise_distance",
]  # fmt: skip


def _standardize(input: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``dims`` (biased variance) and the batch mean/var."""
    mean = input.mean(dim=dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dim=dims, keepdim=True)
    return centered * autograd.rsqrt(var + eps), mean, var


def _channel_shape(input: Tensor) -> tuple[int, ...]:
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization over every dim but the channel dim (1) of an ``(N, C, ...)`` input.

    In training the batch statistics normalize the input (biased variance) and, when given, the
    running statistics are updated in place: ``running = (1 - momentum) * running + momentum *
    batch``, with the *unbiased* batch variance for ``running_var``. Otherwise the running
    statistics normalize the input.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.tensor([[1.0], [3.0]])
    >>> rm, rv = autograd.zeros(1), autograd.ones(1)
    >>> nn.functional.batch_norm(x, rm, rv, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    >>> rm, rv
    (tensor([0.2000]), tensor([1.1000]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({c},) for {c} channels, got {tuple(t.shape)}"
            )
    shape = _channel_shape(input)
    if training:
        dims = (0,) + tuple(range(2, input.ndim))
        n = input.numel() // c if c else 0
        if n <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"shape {tuple(input.shape)}"
            )
        out, mean, var = _standardize(input, dims, eps)
        with autograd.no_grad():
            if running_mean is not None:
                batch_mean = mean.reshape(c).to(running_mean.dtype)
                running_mean.mul_(1.0 - momentum).add_(batch_mean * momentum)
            if running_var is not None:
                batch_var = var.reshape(c).to(running_var.dtype)
                running_var.mul_(1.0 - momentum).add_(batch_var * (momentum * n / (n - 1)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        # Fold the running statistics into one scale and one shift: two graph nodes on x.
        scale = autograd.rsqrt(running_var + eps)
        if weight is not None:
            scale = scale * weight
        shift = -running_mean * scale
        if bias is not None:
            shift = shift + bias
        return input * scale.reshape(shape) + shift.reshape(shape)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


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
    dims = tuple(range(2, input.ndim))
    out, mean, var = _standardize(input, dims, eps)
    n = 1
    for d in dims:
        n *= input.shape[d]
    with autograd.no_grad():
        if running_mean is not None:
            running_mean.mul_(1.0 - momentum).add_(mean.mean(dim=0).reshape(-1) * momentum)
        if running_var is not None:
            unbiased = var.mean(dim=0).reshape(-1) * (n / max(n - 1, 1))
            running_var.mul_(1.0 - momentum).add_(unbiased * momentum)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dims, then scale and shift elementwise.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.layer_norm(autograd.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.ndim - k :]) != normalized_shape or k > input.ndim:
        raise ValueError(
            f"layer_norm: input shape {tuple(input.shape)} does not end with normalized_shape "
            f"{normalized_shape}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise ValueError(
                f"layer_norm: {name} must have shape {normalized_shape}, got {tuple(t.shape)}"
            )
    dims = tuple(range(input.ndim - k, input.ndim))
    out, _, _ = _standardize(input, dims, eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) into ``num_groups`` groups and normalize each group per sample.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.group_norm(autograd.tensor([[1.0, 3.0, 0.0, 4.0]]), 2)
    tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    if input.ndim < 2:
        raise ValueError(f"group_norm: expected an input of shape (N, C, ...), got {input.shape}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(
            f"group_norm: num_groups ({num_groups}) must be positive and divide the number of "
            f"channels ({c})"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"group_norm: {name} must have shape ({c},), got {tuple(t.shape)}")
    grouped = input.reshape(n, num_groups, -1)
    out, _, _ = _standardize(grouped, (2,), eps)
    out = out.reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
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
