"""Sliding blocks and sub-pixel rearrangement: ``unfold`` (im2col), ``fold`` (col2im),
``pixel_shuffle`` and ``pixel_unshuffle``.

``unfold`` reads every block element of the zero-padded input through one index table, so its
gradient is the engine's indexing backward (overlapping blocks add up); ``fold`` is its adjoint,
a ``scatter_add`` through the same table. The pixel shuffles are a reshape and a permutation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["unfold", "fold", "pixel_shuffle", "pixel_unshuffle"]

_Pair = int | Sequence[int]


def _pair(fn: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{fn}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{fn}: {name} must be >= {minimum}, got {value!r}")
    return pair


def _geometry(
    fn: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any
) -> tuple[tuple[int, int], ...]:
    return (
        _pair(fn, "kernel_size", kernel_size, 1),
        _pair(fn, "dilation", dilation, 1),
        _pair(fn, "padding", padding, 0),
        _pair(fn, "stride", stride, 1),
    )


def _blocks(
    fn: str, size: tuple[int, int], kernel: tuple, dilation: tuple, padding: tuple, stride: tuple
) -> tuple[int, int]:
    """Number of block positions along each spatial axis."""
    counts = tuple(
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, d, p, s in zip(size, kernel, dilation, padding, stride)
    )
    if min(counts) < 1:
        raise ValueError(
            f"{fn}: kernel_size {kernel} with dilation {dilation} does not fit the spatial size "
            f"{size} padded by {padding}: calculated number of blocks per axis {counts}"
        )
    return counts


def _block_index(
    channels: int, size: tuple[int, int], counts: tuple[int, int], kernel: tuple,
    dilation: tuple, padding: tuple, stride: tuple,
) -> np.ndarray:  # fmt: skip
    """``(C * kh * kw, L)`` flat offsets into the padded ``(C, H + 2 ph, W + 2 pw)`` input:
    row ``(c, i, j)``, column ``y * ow + x`` reads ``(c, y sh + i dh, x sw + j dw)``."""
    hp, wp = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    c = np.arange(channels).reshape(-1, 1, 1, 1, 1)
    i = np.arange(kernel[0]).reshape(1, -1, 1, 1, 1)
    j = np.arange(kernel[1]).reshape(1, 1, -1, 1, 1)
    y = np.arange(counts[0]).reshape(1, 1, 1, -1, 1)
    x = np.arange(counts[1]).reshape(1, 1, 1, 1, -1)
    rows = y * stride[0] + i * dilation[0]
    cols = x * stride[1] + j * dilation[1]
    flat = c * (hp * wp) + rows * wp + cols
    return flat.reshape(channels * kernel[0] * kernel[1], counts[0] * counts[1]).astype(np.int64)


def _float_input(fn: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if not input.is_floating_point():
        raise TypeError(f"{fn}: input must be a floating-point tensor, got dtype {input.dtype}")
    return input


def unfold(
    input: Tensor, kernel_size: _Pair, dilation: _Pair = 1, padding: _Pair = 0, stride: _Pair = 1
) -> Tensor:
    """Extract sliding local blocks: ``(N, C, H, W)`` -> ``(N, C * kh * kw, L)`` (im2col).

    Column ``l`` holds the block at position ``l`` (row-major over the block grid), its rows
    ordered channel, kernel row, kernel column, as ``torch.nn.functional.unfold``. A 3-D input
    ``(C, H, W)`` gives ``(C * kh * kw, L)``.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.arange(9.0).reshape(1, 1, 3, 3)
    >>> nn.functional.unfold(x, kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    fn = "unfold"
    x = _float_input(fn, input)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{fn}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {x.shape}"
        )
    kernel, dilation, padding, stride = _geometry(fn, kernel_size, dilation, padding, stride)
    batched = x.ndim == 4
    if not batched:
        x = x.unsqueeze(0)
    n, c, h, w = x.shape
    counts = _blocks(fn, (h, w), kernel, dilation, padding, stride)
    index = _block_index(c, (h, w), counts, kernel, dilation, padding, stride)
    if padding != (0, 0):
        x = autograd.pad(x, (padding[1], padding[1], padding[0], padding[0]))
    flat = x.reshape(n, -1).index_select(1, autograd.from_numpy(index.reshape(-1)))
    out = flat.reshape(n, index.shape[0], index.shape[1])
    return out if batched else out.squeeze(0)


def fold(
    input: Tensor, output_size: _Pair, kernel_size: _Pair, dilation: _Pair = 1,
    padding: _Pair = 0, stride: _Pair = 1,
) -> Tensor:  # fmt: skip
    """Combine sliding blocks into an image, summing overlaps: ``(N, C * kh * kw, L)`` ->
    ``(N, C, H, W)`` (col2im), the adjoint of :func:`unfold`.

    Examples
    --------
    >>> import autograd, nn
    >>> cols = autograd.ones(1, 4, 4)
    >>> nn.functional.fold(cols, output_size=3, kernel_size=2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    fn = "fold"
    x = _float_input(fn, input)
    if x.ndim not in (2, 3):
        raise ValueError(
            f"{fn}: expected a 2-D (C * kh * kw, L) or 3-D (N, C * kh * kw, L) input, "
            f"got shape {x.shape}"
        )
    size = _pair(fn, "output_size", output_size, 1)
    kernel, dilation, padding, stride = _geometry(fn, kernel_size, dilation, padding, stride)
    batched = x.ndim == 3
    if not batched:
        x = x.unsqueeze(0)
    n, rows, length = x.shape
    block = kernel[0] * kernel[1]
    if rows % block:
        raise ValueError(
            f"{fn}: expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size ({block}), got {rows}"
        )
    counts = _blocks(fn, size, kernel, dilation, padding, stride)
    if counts[0] * counts[1] != length:
        raise ValueError(
            f"{fn}: given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, expected size of input's dimension 2 to be "
            f"{counts[0] * counts[1]}, got {length}"
        )
    c = rows // block
    index = _block_index(c, size, counts, kernel, dilation, padding, stride).reshape(-1)
    hp, wp = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    target = autograd.zeros(n, c * hp * wp, dtype=x.dtype)
    index_t = autograd.from_numpy(np.ascontiguousarray(np.broadcast_to(index, (n, index.size))))
    out = target.scatter_add(1, index_t, x.reshape(n, -1)).reshape(n, c, hp, wp)
    out = out[:, :, padding[0] : padding[0] + size[0], padding[1] : padding[1] + size[1]]
    return out if batched else out.squeeze(0)


def _shuffle_args(fn: str, input: Any, name: str, value: Any) -> int:
    """Check a pixel (un)shuffle's input (a Tensor of at least 3 dims) and its factor (an int
    >= 1, returned)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{fn}: {name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{fn}: {name} must be greater than 0, got {value}")
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"{fn}: expected an input of at least 3 dims, got shape {input.shape}")
    return int(value)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C r^2, H, W)`` -> ``(*, C, H r, W r)``: each group of ``r^2`` channels becomes an
    ``r x r`` patch of pixels (sub-pixel convolution, Shi et al., 2016).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.pixel_shuffle(autograd.arange(4.0).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    fn = "pixel_shuffle"
    r = _shuffle_args(fn, input, "upscale_factor", upscale_factor)
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(
            f"{fn}: number of input channels ({c}) must be divisible by upscale_factor squared "
            f"({r * r})"
        )
    nb = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    order = (*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.permute(*order).reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H r, W r)`` -> ``(*, C r^2, H, W)``, the inverse of :func:`pixel_shuffle`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.functional.pixel_unshuffle(autograd.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    fn = "pixel_unshuffle"
    r = _shuffle_args(fn, input, "downscale_factor", downscale_factor)
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(
            f"{fn}: height ({h}) and width ({w}) must be divisible by downscale_factor ({r})"
        )
    nb = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    order = (*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.permute(*order).reshape(*batch, c * r * r, h // r, w // r)
