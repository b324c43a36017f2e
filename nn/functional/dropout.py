"""Dropout functions; masks come from autograd's seeded generator (``autograd.manual_seed``)."""

from __future__ import annotations

import math

import autograd
from autograd import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]

_SELU_ALPHA_PRIME = 1.7580993408473766  # -selu's negative saturation value, scale * alpha


def _check_p(p: float, fn: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: dropout probability has to be between 0 and 1, got {p}")


def _keep_mask(shape: tuple[int, ...], p: float, dtype: object) -> Tensor:
    """1 with probability ``1 - p`` else 0, already scaled by ``1 / (1 - p)``."""
    mask = autograd.empty(shape, dtype=dtype).bernoulli_(1.0 - p)
    return mask.mul_(1.0 / (1.0 - p))


def _apply(input: Tensor, mask_shape: tuple[int, ...], p: float, inplace: bool) -> Tensor:
    if not inplace:  # one primitive that draws its mask (autograd.compile replays it)
        feature = mask_shape != tuple(input.shape)
        return (autograd.feature_dropout if feature else autograd.dropout)(input, p, True)
    if p == 1.0:
        out = input * 0.0
    else:
        out = input * _keep_mask(mask_shape, p, input.dtype)
    return input.copy_(out)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The identity when ``training`` is False or ``p`` is 0.

    Examples
    --------
    >>> import autograd, nn
    >>> _ = autograd.manual_seed(0)
    >>> y = nn.functional.dropout(autograd.ones(1000), p=0.5)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> nn.functional.dropout(autograd.ones(2), training=False)
    tensor([1., 1.])
    """
    _check_p(p, "dropout")
    if not training or p == 0.0:
        return input
    return _apply(input, tuple(input.shape), p, inplace)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, fn: str) -> Tensor:
    _check_p(p, fn)
    if input.ndim < 2:
        raise ValueError(
            f"{fn}: expected an input with a batch and a channel dim, got {input.shape}"
        )
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _apply(input, shape, p, inplace)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` input (a ``(C, L)`` input is one sample).

    Examples
    --------
    >>> import autograd, nn
    >>> y = nn.functional.dropout1d(autograd.ones(1, 8, 3), p=0.5)
    >>> bool(((y == y[:, :, :1]).all()))
    True
    """
    if input.ndim == 2:
        return _feature_dropout(input.unsqueeze(0), p, training, False, "dropout1d").squeeze(0)
    if input.ndim != 3:
        raise ValueError(f"dropout1d: expected a 2-D or 3-D input, got shape {input.shape}")
    return _feature_dropout(input, p, training, inplace, "dropout1d")


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels: the mask has shape ``(N, C, 1, 1)`` and is scaled by ``1 / (1 - p)``.

    As PyTorch, a 3-D input is read as ``(N, C, L)`` (channel-wise dropout over dim 1).

    Examples
    --------
    >>> import autograd, nn
    >>> y = nn.functional.dropout2d(autograd.ones(2, 6, 3, 3), p=0.5)
    >>> bool((y == y[:, :, :1, :1]).all())
    True
    """
    return _feature_dropout(input, p, training, inplace, "dropout2d")


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, D, H, W)`` input.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.dropout3d(autograd.ones(1, 2, 1, 1, 1), training=False).shape
    (1, 2, 1, 1, 1)
    """
    return _feature_dropout(input, p, training, inplace, "dropout3d")


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks (Klambauer et al., 2017): keeps zero mean and unit variance.

    Dropped elements are set to SELU's negative saturation value, then an affine map
    ``a * x + b`` restores the input's mean and variance.

    Examples
    --------
    >>> import autograd, nn
    >>> _ = autograd.manual_seed(0)
    >>> y = nn.functional.alpha_dropout(autograd.randn(20000), 0.2, training=True)
    >>> abs(y.mean().item()) < 0.05 and abs(y.std().item() - 1) < 0.05
    True
    """
    _check_p(p, "alpha_dropout")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = input * 0.0
        return input.copy_(out) if inplace else out
    alpha = _SELU_ALPHA_PRIME
    a = 1.0 / math.sqrt((alpha * alpha * p + 1.0) * (1.0 - p))
    keep = autograd.empty(tuple(input.shape), dtype=input.dtype).bernoulli_(1.0 - p)
    shift = (keep - 1.0) * (alpha * a) + alpha * a * p
    out = input * (keep * a) + shift
    return input.copy_(out) if inplace else out
