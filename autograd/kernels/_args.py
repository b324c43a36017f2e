"""Argument normalization shared by the convolution and pooling ops and their kernels.

The ops layer calls these once per call. They turn PyTorch-style arguments (an int, or a tuple
of one or ``nd`` ints; ``padding="same"`` or ``"valid"`` for a convolution) into the 2-D pairs
the kernels take (a 1-D op is a 2-D one of height 1), check them against the input's and the
weight's shapes, and raise ``TypeError`` or ``ValueError`` naming the op, the argument, what
came and what was expected. The kernels then trust the geometry they are given; they check
only that their arrays fit (:func:`float_nchw`, :func:`gradient`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

import numpy as np

Pair = tuple[int, int]
R = TypeVar("R")


class ConvGeometry(NamedTuple):
    """A 2-D convolution's checked stride, zero padding (each side), dilation and groups."""

    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1


class PoolWindow(NamedTuple):
    """A 2-D pooling window: kernel, stride, padding (each side), dilation and ceil mode."""

    kernel: Pair
    stride: Pair
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    ceil_mode: bool = False


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


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Return a pooling output's length along one axis, with PyTorch's ``ceil_mode`` rule.

    ``floor`` (or ``ceil``) of ``(size + 2*padding - dilation*(kernel - 1) - 1) / stride``, plus
    one; in ceil mode a last window that would start beyond the input and its left padding is
    dropped.

    Examples
    --------
    >>> pool_output_size(5, 2, 2, 0)
    2
    >>> pool_output_size(5, 2, 2, 0, ceil_mode=True)
    3
    >>> pool_output_size(4, 2, 2, 1, ceil_mode=True)  # a 4th window would start in the padding
    3
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


# --------------------------------------------------------------------------------------------
# Single arguments


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def ints(op: str, name: str, value: Any, nd: int, minimum: int) -> tuple[int, ...]:
    """An int, or a tuple/list of 1 or ``nd`` ints, as an ``nd``-tuple of ints >= ``minimum``.

    A single-element tuple stands for every axis, as in PyTorch.

    Examples
    --------
    >>> ints("conv2d", "stride", 2, 2, 1), ints("conv2d", "stride", (2,), 2, 1)
    ((2, 2), (2, 2))
    >>> ints("conv2d", "stride", (1, 2, 3), 2, 1)
    Traceback (most recent call last):
        ...
    TypeError: conv2d: stride must be an int or a tuple of 2 ints, got (1, 2, 3)
    """
    if _is_int(value):
        out = (int(value),) * nd
    else:
        ok = isinstance(value, Sequence) and not isinstance(value, str)
        ok = ok and len(value) in (1, nd) and all(_is_int(v) for v in value)
        if not ok:
            what = f"an int or a tuple of {nd} int{'s' if nd > 1 else ''}"
            raise TypeError(f"{op}: {name} must be {what}, got {value!r}")
        out = tuple(int(v) for v in value) * (nd if len(value) == 1 else 1)
    if min(out) < minimum:
        what = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{op}: {name} must be {what}, got {value!r}")
    return out


def to_pair(t: tuple[int, ...], fill: int) -> Pair:
    """An ``nd``-tuple (1 or 2 entries) as a 2-D pair, a 1-D axis being the width."""
    return (t[0], t[1]) if len(t) == 2 else (fill, t[0])


def groups_arg(op: str, groups: Any) -> int:
    """``groups`` checked: a positive int."""
    if not _is_int(groups):
        raise TypeError(f"{op}: groups must be a positive int, got {groups!r}")
    if groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def batch_dims(op: str, shape: tuple[int, ...], nd: int) -> bool:
    """Check an input of ``nd`` spatial dims, with or without a batch; True if unbatched."""
    if len(shape) not in (nd + 1, nd + 2):
        names = "(C, L)" if nd == 1 else "(C, H, W)"
        raise ValueError(
            f"{op}: expected input to be {nd + 1}-D {names} or {nd + 2}-D (N, {names[1:]}, "
            f"got shape {tuple(shape)}"
        )
    return len(shape) == nd + 1


def _check_planes(op: str, shape: tuple[int, ...], nd: int, conv: bool) -> None:
    # As PyTorch: an empty batch is fine, and so (for a convolution) are zero channels; an
    # empty plane otherwise is not, and pooling needs channels.
    n = shape[0] if len(shape) == nd + 2 else 1
    c = shape[-nd - 1]
    if conv and (n == 0 or c == 0):
        return
    if min(shape[-nd:]) < 1 or (not conv and c < 1):
        what = "spatial size" if conv else "channel and spatial sizes"
        raise ValueError(
            f"{op}: input {what} must be non-zero (only the batch may be empty), got shape "
            f"{tuple(shape)}"
        )


def _weight(op: str, w_shape: tuple[int, ...], nd: int) -> None:
    if len(w_shape) != nd + 2:
        raise ValueError(f"{op}: weight must be {nd + 2}-D, got shape {tuple(w_shape)}")
    if min(w_shape[2:]) < 1:
        raise ValueError(
            f"{op}: kernel size must be positive, got weight of shape {tuple(w_shape)}"
        )


# --------------------------------------------------------------------------------------------
# Remembered checks

#: Argument combinations each of :func:`conv_args`, :func:`conv_transpose_args` and
#: :func:`pool_args` remembers (the oldest is forgotten first).
MEMO_SIZE = 256


def _plain_key(args: tuple) -> tuple | None:
    # The arguments as a key that tells apart what the checks tell apart: exact ints, bools,
    # strings and None, and tuples of exact ints (shapes, a module's pairs). Anything else (a
    # list, a NumPy integer, a float) is checked afresh every call. Each entry carries its type,
    # so that True (rejected as a stride) never meets the result of 1.
    key = []
    for a in args:
        t = type(a)
        if isinstance(a, tuple):  # a tuple, or a shape (a Size)
            for e in a:
                if type(e) is not int:
                    return None
        elif t is not int and t is not str and t is not bool and a is not None:
            return None
        key.append((t, a))
    return tuple(key)


def _memo(check: Callable[..., R]) -> Callable[..., R]:
    """``check`` remembering its results for plain arguments (:func:`_plain_key`): a model calls
    its layers with the same shapes and settings every step, and the checks cost about as much
    as a small layer's kernel. A call that raises is not remembered, so it raises again."""
    seen: dict[tuple, R] = {}

    @functools.wraps(check)
    def remembered(*args: Any, **kwargs: Any) -> R:
        key = None if kwargs else _plain_key(args)
        if key is None:
            return check(*args, **kwargs)
        out = seen.get(key)
        if out is None:
            out = check(*args)
            if len(seen) >= MEMO_SIZE:
                seen.pop(next(iter(seen)), None)
            seen[key] = out
        return out

    remembered.seen = seen  # type: ignore[attr-defined]
    return remembered


# --------------------------------------------------------------------------------------------
# Convolutions


@_memo
def conv_args(
    op: str, nd: int, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: Any,
    padding: Any, dilation: Any, groups: Any,
) -> tuple[ConvGeometry, Pair]:  # fmt: skip
    """Check a convolution's arguments against its input and weight shapes.

    Parameters
    ----------
    op : str
        The op's name, for messages (``"conv2d"``).
    nd : int
        Spatial dims: 1 or 2.
    x_shape, w_shape : tuple of int
        Input ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``; weight
        ``(C_out, C // groups, *kernel)``.
    stride, padding, dilation, groups
        As ``torch.nn.functional.conv2d`` takes them (``padding`` may be ``"same"`` or
        ``"valid"``).

    Returns
    -------
    geometry : ConvGeometry
        Pairs for the 2-D kernels (a 1-D op has height 1).
    crop : (int, int)
        Leading output rows and columns to drop: ``padding="same"`` with an even total pads
        ``total // 2`` before and the rest after, done as a symmetric pad of the larger side
        and one dropped output.

    Examples
    --------
    >>> conv_args("conv1d", 1, (2, 3, 9), (4, 3, 4), (2,), "valid", 1, 1)
    (ConvGeometry(stride=(1, 2), padding=(0, 0), dilation=(1, 1), groups=1), (0, 0))
    >>> conv_args("conv2d", 2, (2, 3, 9, 9), (4, 3, 2, 2), 1, "same", 1, 1)[1]
    (1, 1)
    """
    batch_dims(op, x_shape, nd)
    _weight(op, w_shape, nd)
    groups = groups_arg(op, groups)
    s = ints(op, "stride", stride, nd, 1)
    d = ints(op, "dilation", dilation, nd, 1)
    c_in, c_out, cg = x_shape[-nd - 1], w_shape[0], w_shape[1]
    if c_out < 1:
        raise ValueError(f"{op}: weight must have at least one output channel, got shape "
                         f"{tuple(w_shape)}")  # fmt: skip
    if c_out % groups:
        raise ValueError(
            f"{op}: out_channels (weight.shape[0] = {c_out}) must be divisible by groups={groups}"
        )
    if c_in != cg * groups:
        raise ValueError(
            f"{op}: input has {c_in} channels, but weight expects {cg * groups} "
            f"(weight.shape[1] = {cg} x groups = {groups})"
        )
    _check_planes(op, x_shape, nd, conv=True)
    span = tuple(di * (k - 1) + 1 for di, k in zip(d, w_shape[2:]))
    crop = (0,) * nd
    if isinstance(padding, str):
        if padding == "valid":
            p = (0,) * nd
        elif padding == "same":
            if any(v != 1 for v in s):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride!r}")
            p = tuple((sp - 1) - (sp - 1) // 2 for sp in span)
            crop = tuple((sp - 1) % 2 for sp in span)
        else:
            raise ValueError(f"{op}: padding must be 'same', 'valid', an int or a tuple, "
                             f"got {padding!r}")  # fmt: skip
    else:
        p = ints(op, "padding", padding, nd, 0)
    padded = tuple(n + 2 * pi for n, pi in zip(x_shape[-nd:], p))
    if any(sp > n for sp, n in zip(span, padded)):
        raise ValueError(
            f"{op}: kernel size {tuple(w_shape[2:])} (dilated to {span}) is larger than the "
            f"padded input {padded}"
        )
    geometry = ConvGeometry(to_pair(s, 1), to_pair(p, 0), to_pair(d, 1), groups)
    return geometry, to_pair(crop, 0)


@_memo
def conv_transpose_args(
    op: str, nd: int, x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: Any,
    padding: Any, output_padding: Any, groups: Any, dilation: Any,
) -> tuple[ConvGeometry, Pair]:  # fmt: skip
    """Check a transposed convolution's arguments; return its geometry and output size.

    ``w_shape`` is ``(C_in, C_out // groups, *kernel)``; the geometry is that of the convolution
    this one is the adjoint of. The output size is ``(n - 1)*stride - 2*padding +
    dilation*(k - 1) + output_padding + 1`` per axis, as a 2-D pair.

    Examples
    --------
    >>> conv_transpose_args("conv_transpose2d", 2, (1, 4, 5, 5), (4, 2, 3, 3), 2, 1, (1,), 1, 1)
    (ConvGeometry(stride=(2, 2), padding=(1, 1), dilation=(1, 1), groups=1), (10, 10))
    """
    batch_dims(op, x_shape, nd)
    _weight(op, w_shape, nd)
    groups = groups_arg(op, groups)
    s = ints(op, "stride", stride, nd, 1)
    d = ints(op, "dilation", dilation, nd, 1)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    p = ints(op, "padding", padding, nd, 0)
    op_ = ints(op, "output_padding", output_padding, nd, 0)
    c_in = x_shape[-nd - 1]
    if c_in != w_shape[0]:
        raise ValueError(
            f"{op}: input has {c_in} channels, but weight expects {w_shape[0]} (weight.shape[0])"
        )
    if min(w_shape[:2]) < 1:
        raise ValueError(f"{op}: weight must have at least one input and one output channel, "
                         f"got shape {tuple(w_shape)}")  # fmt: skip
    if c_in % groups:
        raise ValueError(f"{op}: in_channels {c_in} must be divisible by groups={groups}")
    _check_planes(op, x_shape, nd, conv=True)
    if any(o >= si and o >= di for o, si, di in zip(op_, s, d)):
        raise ValueError(
            f"{op}: output_padding {op_} must be smaller than either stride {s} or dilation {d}"
        )
    spatial = x_shape[-nd:]
    out = tuple((n - 1) * si - 2 * pi + di * (k - 1) + o + 1
                for n, si, pi, di, k, o in zip(spatial, s, p, d, w_shape[2:], op_))  # fmt: skip
    if min(out) < 1:
        raise ValueError(
            f"{op}: output size {out} is not positive (input {tuple(spatial)}, kernel "
            f"{tuple(w_shape[2:])}, stride {s}, padding {p}, dilation {d}, output_padding {op_})"
        )
    return ConvGeometry(to_pair(s, 1), to_pair(p, 0), to_pair(d, 1), groups), to_pair(out, 1)


# --------------------------------------------------------------------------------------------
# Pooling


@_memo
def pool_args(
    op: str, nd: int, x_shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any,
    dilation: Any, ceil_mode: Any,
) -> PoolWindow:  # fmt: skip
    """Check a max or average pool's window against its input shape.

    ``stride`` None (or an empty tuple) means ``kernel_size``; padding is at most half the
    kernel; the output must be non-empty.

    Examples
    --------
    >>> pool_args("max_pool1d", 1, (2, 3, 9), (3,), None, 1, 1, False)
    PoolWindow(kernel=(1, 3), stride=(1, 3), padding=(0, 1), dilation=(1, 1), ceil_mode=False)
    """
    batch_dims(op, x_shape, nd)
    _check_planes(op, x_shape, nd, conv=False)
    k = ints(op, "kernel_size", kernel_size, nd, 1)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    s = k if no_stride else ints(op, "stride", stride, nd, 1)
    p = ints(op, "padding", padding, nd, 0)
    d = ints(op, "dilation", dilation, nd, 1)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    size = x_shape[-nd:]
    out = tuple(pool_output_size(*a, bool(ceil_mode)) for a in zip(size, k, s, p, d))
    if min(out) < 1:
        raise ValueError(
            f"{op}: input size {tuple(size)} is too small for kernel_size {k} with stride {s}, "
            f"padding {p}, dilation {d}: the output would be {out}"
        )
    return PoolWindow(to_pair(k, 1), to_pair(s, 1), to_pair(p, 0), to_pair(d, 1), bool(ceil_mode))


def divisor_arg(op: str, divisor_override: Any) -> int | None:
    """``divisor_override`` checked: None, or a non-zero int."""
    if divisor_override is None:
        return None
    if not _is_int(divisor_override):
        raise TypeError(f"{op}: divisor_override must be an int, got {divisor_override!r}")
    if divisor_override == 0:
        raise ValueError(f"{op}: divisor_override must be non-zero")
    return int(divisor_override)


def adaptive_output_size(op: str, x_shape: tuple[int, ...], output_size: Any) -> Pair:
    """An adaptive 2-D pool's ``output_size``: an int, or a pair of ints or None (keep that
    input size), as PyTorch takes it.

    Examples
    --------
    >>> adaptive_output_size("adaptive_avg_pool2d", (1, 2, 5, 7), (3, None))
    (3, 7)
    """
    batch_dims(op, x_shape, 2)
    _check_planes(op, x_shape, 2, conv=False)
    if _is_int(output_size):
        sizes: tuple = (output_size, output_size)
    else:
        ok = isinstance(output_size, Sequence) and len(output_size) == 2
        if not ok or not all(v is None or _is_int(v) for v in output_size):
            raise TypeError(
                f"{op}: output_size must be an int or a pair of ints/None, got {output_size!r}"
            )
        sizes = tuple(output_size)
    out = tuple(n if v is None else int(v) for v, n in zip(sizes, x_shape[-2:]))
    if min(out) < 1:
        raise ValueError(f"{op}: output_size must hold positive ints, got {output_size!r}")
    return out  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------
# Array contracts of the kernels


def float_nchw(name: str, a: np.ndarray) -> np.ndarray:
    """Check a 4-D float32/float64 array and return it C-contiguous.

    One layout per dtype means each kernel compiles once per dtype.
    """
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {a.dtype}")
    if a.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {a.shape}")
    return np.ascontiguousarray(a)


def gradient(name: str, gy: np.ndarray, x_shape: tuple[int, ...], out: tuple) -> np.ndarray:
    """Check an output gradient of shape ``(N, C, *out)`` for an input of ``x_shape``."""
    gy = float_nchw(name, gy)
    expected = (*x_shape[:2], *out)
    if gy.shape != expected:
        raise ValueError(f"{name} has shape {gy.shape}, expected {expected}")
    return gy
