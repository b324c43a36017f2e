"""3-D convolution and pooling (``conv3d``, ``max_pool3d``, ``avg_pool3d``) composed from the
engine's 2-D ops, so they differentiate (to any order) through them.

- ``conv3d``: the ``kD`` depth taps of the input are stacked into the channel dim (an im2col
  along depth only), then one ``conv2d`` over ``N * D_out`` images does every (H, W) window and
  the depth sum in a single GEMM.
- ``max_pool3d``: ``max_pool2d`` on every depth slice, then a max over the depth taps; the
  gradient reaches the first maximum in (d, h, w) order, as in PyTorch.
- ``avg_pool3d``: ``avg_pool2d`` on every depth slice, then the depth taps summed and divided
  by the depth part of PyTorch's divisor (the divisor is a product over the axes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor

__all__ = ["conv3d", "max_pool3d", "avg_pool3d"]

_Size = int | Sequence[int]


# ------------------------------------------------------------------------- argument checks
def _triple(fn: str, name: str, value: Any, minimum: int) -> tuple[int, int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * 3
    else:
        try:
            items = tuple(value)
            ok = len(items) in (1, 3) and all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items
            )
        except TypeError:
            ok = False
        if not ok:
            raise TypeError(f"{fn}: {name} must be an int or a tuple of 3 ints, got {value!r}")
        out = tuple(int(v) for v in items) * (3 if len(items) == 1 else 1)
    if min(out) < minimum:
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{fn}: {name} must be {what}, got {value!r}")
    return out  # type: ignore[return-value]


def _batched_5d(input: Any, fn: str) -> tuple[Tensor, bool]:
    """``input`` as ``(N, C, D, H, W)``, and whether it came unbatched ``(C, D, H, W)``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (4, 5):
        raise ValueError(
            f"{fn}: expected input of shape (N, C, D, H, W) or unbatched (C, D, H, W), got "
            f"{tuple(input.shape)}"
        )
    if input.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be floating point, got dtype {input.dtype}")
    return (input, False) if input.ndim == 5 else (input.unsqueeze(0), True)


def _output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """Windows along one axis, with PyTorch's ceil-mode rule (no window starting in the right
    padding)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _pool_geometry(
    fn: str, x: Tensor, kernel_size: _Size, stride: _Size | None, padding: _Size, dilation: _Size,
    ceil_mode: bool,
) -> tuple[tuple[int, int, int], ...]:  # fmt: skip
    k = _triple(fn, "kernel_size", kernel_size, 1)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    s = k if no_stride else _triple(fn, "stride", stride, 1)
    p = _triple(fn, "padding", padding, 0)
    d = _triple(fn, "dilation", dilation, 1)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{fn}: padding {p} must be at most half of kernel_size {k}")
    out = tuple(_output_size(x.shape[2 + a], k[a], s[a], p[a], d[a], ceil_mode) for a in range(3))
    if min(out) < 1:
        raise ValueError(
            f"{fn}: input size {tuple(x.shape[2:])} is too small for kernel_size {k} with stride "
            f"{s}, padding {p}, dilation {d}: the output would be {out}"
        )
    return k, s, p, d, out


def _depth_taps(
    x: Tensor, kernel: int, stride: int, dilation: int, out: int, pad_left: int, value: float
) -> list[Tensor]:
    """The ``kernel`` strided depth slices of ``x`` (dim 2) that depth window ``j`` of tap
    ``t`` reads: ``x_padded[:, :, j * stride + t * dilation]`` for ``j < out``. The depth is
    padded with ``value`` on the left by ``pad_left`` and on the right as far as needed."""
    span = (out - 1) * stride + dilation * (kernel - 1) + 1
    pad_right = max(0, span - pad_left - x.shape[2])
    if pad_left or pad_right:
        x = autograd.pad(x, [0, 0, 0, 0, pad_left, pad_right], value=value)
    last = (out - 1) * stride + 1
    return [x[:, :, t * dilation : t * dilation + last : stride] for t in range(kernel)]


# --------------------------------------------------------------------------------- conv3d
def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: str | _Size = 0,
    dilation: _Size = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution (cross-correlation) of ``(N, C_in, D, H, W)`` (or unbatched ``(C_in, D, H,
    W)``) with ``weight`` ``(C_out, C_in / groups, kD, kH, kW)``; PyTorch's arguments, including
    ``padding="same"`` / ``"valid"``.

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.ones(1, 1, 3, 3, 3)
    >>> nn.functional.conv3d(x, autograd.ones(1, 1, 2, 2, 2))
    tensor([[[[[8., 8.],
               [8., 8.]],
    <BLANKLINE>
              [[8., 8.],
               [8., 8.]]]]])
    >>> nn.functional.conv3d(x, autograd.ones(4, 1, 3, 3, 3), padding="same").shape
    (1, 4, 3, 3, 3)
    """
    fn = "conv3d"
    x, unbatched = _batched_5d(input, fn)
    if not isinstance(weight, Tensor) or weight.ndim != 5:
        got = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{fn}: weight must be a 5-D Tensor (C_out, C_in/groups, kD, kH, kW), "
                         f"got {got}")  # fmt: skip
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive int, got {groups!r}")
    n, c, depth = x.shape[0], x.shape[1], x.shape[2]
    c_out, c_group = weight.shape[0], weight.shape[1]
    if c_group * groups != c or c_out % groups:
        raise ValueError(
            f"{fn}: weight {tuple(weight.shape)} with groups={groups} expects {c_group * groups} "
            f"input channels and C_out divisible by groups; got input {tuple(input.shape)}"
        )
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{fn}: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"{fn}: input and weight must have the same dtype, got {x.dtype} and {weight.dtype}"
        )
    k = tuple(weight.shape[2:])
    s = _triple(fn, "stride", stride, 1)
    d = _triple(fn, "dilation", dilation, 1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{fn}: padding must be 'same', 'valid' or ints, got {padding!r}")
        if padding == "same" and s != (1, 1, 1):
            raise ValueError(f"{fn}: padding='same' is not supported for strided convolutions")
        totals = [di * (ki - 1) if padding == "same" else 0 for di, ki in zip(d, k)]
        if any(t % 2 for t in totals):  # the odd element goes on the right, as in PyTorch
            pads = [v for t in reversed(totals) for v in (t // 2, t - t // 2)]
            x = autograd.pad(x, pads)
            depth, totals = x.shape[2], [0, 0, 0]
        p = tuple(t // 2 for t in totals)
    else:
        p = _triple(fn, "padding", padding, 0)
    d_out = (depth + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    if d_out < 1:
        raise ValueError(
            f"{fn}: input depth {depth} (padded by {p[0]}) is smaller than the dilated kernel "
            f"depth {d[0] * (k[0] - 1) + 1}"
        )
    h, w = x.shape[3], x.shape[4]
    taps = _depth_taps(x, k[0], s[0], d[0], d_out, p[0], 0.0)
    # (N, C, kD, D_out, H, W) -> (N, D_out, groups, kD, C/groups, H, W): each group's channels
    # stay together, ordered (tap, channel) as in the reshaped weight below.
    cols = autograd.stack(taps, dim=2).reshape(n, groups, c_group, k[0], d_out, h, w)
    cols = cols.permute(0, 4, 1, 3, 2, 5, 6).reshape(n * d_out, groups * k[0] * c_group, h, w)
    w2 = weight.permute(0, 2, 1, 3, 4).reshape(c_out, k[0] * c_group, k[1], k[2])
    out = autograd.conv2d(cols, w2, bias, s[1:], p[1:], d[1:], groups)
    out = out.reshape(n, d_out, c_out, out.shape[2], out.shape[3]).permute(0, 2, 1, 3, 4)
    return out.squeeze(0) if unbatched else out


# ------------------------------------------------------------------------------- pooling
def max_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over ``(kD, kH, kW)`` windows of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) inputs;
    PyTorch's arguments. Padding counts as ``-inf``. With ``return_indices`` also returns each
    maximum's flat index into its ``D * H * W`` input volume (int64).

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> nn.functional.max_pool3d(x, 2, return_indices=True)
    (tensor([[[[[7.]]]]]), tensor([[[[[7]]]]]))
    """
    fn = "max_pool3d"
    x, unbatched = _batched_5d(input, fn)
    k, s, p, d, out = _pool_geometry(fn, x, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, depth, h, w = x.shape
    planes = autograd.max_pool2d(
        x.reshape(n, c * depth, h, w), k[1:], s[1:], p[1:], d[1:], ceil_mode, return_indices
    )
    if return_indices:
        planes, plane_index = planes
    planes = planes.reshape(n, c, depth, out[1], out[2])
    taps = _depth_taps(planes, k[0], s[0], d[0], out[0], p[0], float("-inf"))
    result, tap = autograd.stack(taps, dim=2).max(dim=2)
    if unbatched:
        result = result.squeeze(0)
    if not return_indices:
        return result
    # input depth of the winning tap, then its (h, w) index from the 2-D pooling of that slice
    slice_d = np.arange(out[0])[:, None, None] * s[0] - p[0] + tap.numpy() * d[0]
    plane_index = plane_index.numpy().reshape(n, c, depth, out[1], out[2])
    safe_d = np.clip(slice_d, 0, depth - 1)  # a tap in the padding never wins
    hw = np.take_along_axis(plane_index, safe_d, axis=2)
    index = autograd.from_numpy(np.ascontiguousarray(safe_d * (h * w) + hw, dtype=np.int64))
    return result, (index.squeeze(0) if unbatched else index)


def avg_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over ``(kD, kH, kW)`` windows of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) inputs;
    PyTorch's arguments and divisor (zero padding counted when ``count_include_pad``; a window
    reaching past the padding in ``ceil_mode`` counts only what it covers).

    Examples
    --------
    >>> import autograd, nn
    >>> x = autograd.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> nn.functional.avg_pool3d(x, 2)
    tensor([[[[[3.5000]]]]])
    """
    fn = "avg_pool3d"
    x, unbatched = _batched_5d(input, fn)
    if divisor_override is not None and (
        isinstance(divisor_override, bool)
        or not isinstance(divisor_override, int)
        or divisor_override <= 0
    ):
        raise ValueError(f"{fn}: divisor_override must be a positive int, got {divisor_override!r}")
    k, s, p, _, out = _pool_geometry(fn, x, kernel_size, stride, padding, 1, ceil_mode)
    n, c, depth, h, w = x.shape
    flat = x.reshape(n, c * depth, h, w)
    if divisor_override is None:
        planes = autograd.avg_pool2d(flat, k[1:], s[1:], p[1:], ceil_mode, count_include_pad)
    else:  # window sums: the override replaces the whole divisor
        planes = autograd.avg_pool2d(flat, k[1:], s[1:], p[1:], ceil_mode, True, 1)
    planes = planes.reshape(n, c, depth, out[1], out[2])
    total = None
    for tap in _depth_taps(planes, k[0], s[0], 1, out[0], p[0], 0.0):
        total = tap if total is None else total + tap
    if divisor_override is not None:
        divisor = np.full(out[0], float(divisor_override))
    else:
        start = np.arange(out[0]) * s[0] - p[0]
        end = np.minimum(start + k[0], depth + p[0])
        divisor = (end - start).astype(np.float64)
        if not count_include_pad:
            divisor = np.minimum(end, depth) - np.maximum(start, 0)
    divisor = autograd.from_numpy(divisor.reshape(out[0], 1, 1).astype(x.dtype))
    result = total / divisor
    return result.squeeze(0) if unbatched else result
