"""Geometry checks and path choices shared by the convolution kernels (see ``conv.py``)."""

from __future__ import annotations

import numpy as np

from autograd.kernels._args import Pair, pair


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Return the length of a convolution's output along one spatial axis.

    ``(size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1``, as in PyTorch.

    Examples
    --------
    >>> conv_output_size(28, 3, 1, 1, 1)
    28
    >>> conv_output_size(7, 3, 2, 0, 1)
    3
    """
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _check(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: int | Pair,
    padding: int | Pair,
    dilation: int | Pair,
    groups: int,
) -> tuple[Pair, Pair, Pair, int, int]:
    s = pair("stride", stride, 1)
    p = pair("padding", padding, 0)
    d = pair("dilation", dilation, 1)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    C, O, cg = x_shape[1], w_shape[0], w_shape[1]
    if C % groups or O % groups:
        raise ValueError(f"channels must be divisible by groups={groups}: in {C}, out {O}")
    if cg != C // groups:
        raise ValueError(
            f"weight shape {tuple(w_shape)} expects {cg * groups} input channels "
            f"with groups={groups}, got {C}"
        )
    oh = conv_output_size(x_shape[2], w_shape[2], s[0], p[0], d[0])
    ow = conv_output_size(x_shape[3], w_shape[3], s[1], p[1], d[1])
    if oh < 1 or ow < 1:
        raise ValueError(
            f"input spatial size {tuple(x_shape[2:])} (padding {p}) is smaller than the "
            f"dilated kernel {tuple(w_shape[2:])} (dilation {d})"
        )
    return s, p, d, oh, ow


def _use_direct(groups: int, cg: int, og: int) -> bool:
    # Thin groups make tiny GEMMs that cost more in copies than they save in FLOPs. Measured
    # (3x3, fwd + both backward): 2 channels a group, direct 2.3x faster; 4 and 8, even;
    # 16, GEMM 2.8x faster.
    return groups > 1 and min(cg, og) < 8


# Dense stride-1 convolutions with at most this many products per output (Cg*kh*kw) run
# directly too: their GEMMs are memory-bound and the layout copies around them cost more than
# the products (1->32 channels 3x3: forward and input gradient 2x faster than the GEMMs; the
# one-pass backward, weight gradient included, 1.9 -> 1.0 ms).
_DIRECT_MAX_K = 9


# Weight gradients with at most this many products per output (Cg*kh*kw, groups == 1) that the
# direct pass does not take (stride > 1, or x holding inf/NaN) run one GEMM per sample
# (_backward_weight_batched); measured 2x faster than the column path at K = 9.
_BATCHED_MAX_K = 9


def _direct_dense(w_shape: tuple[int, ...], s: Pair, groups: int) -> bool:
    return groups == 1 and s == (1, 1) and w_shape[1] * w_shape[2] * w_shape[3] <= _DIRECT_MAX_K


def _direct_stride1(w_shape: tuple[int, ...], s: Pair, groups: int) -> bool:
    # Where the one-pass direct backward (_conv_drivers._direct_backward) applies.
    return s == (1, 1) and (
        _use_direct(groups, w_shape[1], w_shape[0] // groups) or _direct_dense(w_shape, s, groups)
    )


def _is_pointwise(w_shape: tuple[int, ...], s: Pair, p: Pair, groups: int) -> bool:
    return w_shape[2:] == (1, 1) and s == (1, 1) and p == (0, 0) and groups == 1


def _check_gy(gy: np.ndarray, n: int, o: int, oh: int, ow: int, dtype: np.dtype) -> None:
    if gy.dtype != dtype:
        raise TypeError(f"gy has dtype {gy.dtype}, expected {dtype}")
    if gy.shape[:2] != (n, o) or gy.shape[2] > oh or gy.shape[3] > ow:
        raise ValueError(f"gy has shape {gy.shape}, expected {(n, o, oh, ow)}")
