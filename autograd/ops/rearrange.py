"""Ops that copy elements to new positions: repeat/tile, flip, roll, pad.

All of them copy, as in PyTorch, so writing into a result never changes the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context, Function, linear_jvp
from ..tensor import Tensor
from ._shape_util import _draw_x, _ints
from ._util import as_tensor, normalize_dim
from .index import _index_add_into
from .registry import Sample, register, sizes_method


# ------------------------------------------------------------------------------- repeat and tile
class Repeat(Function):
    @staticmethod
    def forward(ctx, x, reps):
        ctx.in_shape, ctx.reps = x.shape, reps
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        reps = ctx.reps
        shape = (1,) * (len(reps) - len(ctx.in_shape)) + ctx.in_shape
        # rows of g are (copy, element) pairs: sum over the copies
        g = g.reshape(tuple(v for pair in zip(reps, shape) for v in pair))
        g = g.sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(ctx.in_shape), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_repeat(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype, max_dims=2)
    extra = draw(st.integers(0, 1))
    return Sample((x, tuple(draw(st.integers(1, 2)) for _ in range(x.ndim + extra))))


@register(
    method=sizes_method, sample=_sample_repeat, ref=np.tile, torch=lambda torch, x, s: x.repeat(s)
)
def repeat(input: Tensor, sizes: Any) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along dim ``i`` (``len(sizes) >= input.ndim``; extra
    sizes add leading dims). A copy.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    t = as_tensor(input)
    sizes = _ints(sizes, "repeat", "sizes")
    if len(sizes) < t.ndim:
        raise ValueError(
            f"repeat: sizes {sizes} must have at least as many entries as the tensor has dims "
            f"({t.ndim})"
        )
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: sizes must be non-negative, got {sizes}")
    return Repeat.apply(t, sizes)


@register(method=sizes_method)
def tile(input: Tensor, dims: Any) -> Tensor:
    """As :func:`repeat`, but ``dims`` shorter than ``input.ndim`` is padded with leading 1s.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3).tile(2).shape
    (2, 6)
    """
    t = as_tensor(input)
    dims = _ints(dims, "tile", "dims")
    return repeat(t, (1,) * (t.ndim - len(dims)) + dims)


# -------------------------------------------------------------------------------- flip and roll
class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return (np.flip(g, ctx.dims) if isinstance(g, np.ndarray) else flip(g, ctx.dims)), None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_flip(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    if x.ndim == 0:
        return Sample((x, ()))
    return Sample((x, tuple(draw(st.lists(st.integers(-x.ndim, x.ndim - 1), max_size=x.ndim,
                                          unique_by=lambda d: d % x.ndim)))))  # fmt: skip


@register(
    method=sizes_method,
    numpy=np.flip,
    sample=_sample_flip,
    ref=lambda x, dims: np.flip(x, dims) if x.ndim else x,
)
def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims``. A copy (as PyTorch).

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1, 2, 3]).flip(0)
    tensor([3, 2, 1])
    """
    t = as_tensor(input)
    dims = _ints(dims, "flip", "dims")
    norm = tuple(normalize_dim(d, t.ndim, "flip") for d in dims)
    if len(set(norm)) != len(norm):
        raise ValueError(f"flip: dims {dims} repeats a dimension")
    return Flip.apply(t, norm if t.ndim else ())


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts)
        if ctx.dims is None:
            back = back[0]
        if isinstance(g, np.ndarray):
            return np.roll(g, back, ctx.dims), None, None
        return roll(g, back, ctx.dims), None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _sample_roll(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    x = _draw_x(draw, dtype)
    if x.ndim == 0 or draw(st.booleans()):
        return Sample((x, draw(st.integers(-5, 5))))
    dims = tuple(draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim)))
    return Sample((x, tuple(draw(st.integers(-4, 4)) for _ in dims), dims))


@register(
    method=True,
    numpy=np.roll,
    sample=_sample_roll,
    ref=lambda x, shifts, dims=None: np.roll(x, shifts, dims),
)
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when ``dims``
    is None). A copy.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1, 2, 3]).roll(1)
    tensor([3, 1, 2])
    """
    t = as_tensor(input)
    shifts = _ints(shifts, "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: shifts {shifts} must be one int when dims is None")
        return Roll.apply(t, shifts, None)
    dims = _ints(dims, "roll", "dims")
    if len(dims) != len(shifts):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    dims = tuple(normalize_dim(d, t.ndim, "roll") for d in dims)
    return Roll.apply(t, shifts, dims if t.ndim else None)


# -------------------------------------------------------------------------------------- pad
class PadConstant(Function):
    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, widths, value):
        inner = tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape))
        ctx.inner = inner
        out = np.full(tuple(n + a + b for (a, b), n in zip(widths, x.shape)), value, x.dtype)
        out[inner] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.inner], None, None

    @staticmethod
    def jvp(ctx, tx, widths, value):
        # The padding is a constant: its tangent is 0.
        return PadConstant.forward(Context(PadConstant, ctx.needs_input_grad), tx, widths, 0)


class PadIndexed(Function):
    """Reflect / replicate / circular padding: per padded dim, an index map into the input."""

    @staticmethod
    def forward(ctx, x, maps):
        ctx.maps = maps
        ctx.in_shape = x.shape
        for d, idx in maps:
            x = np.take(x, idx, axis=d)
        return x

    @staticmethod
    def backward(ctx, g):
        for d, idx in reversed(ctx.maps):
            g = _index_add_into(g, d, idx, ctx.in_shape[d])
        return g, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


def _pad_map(n: int, before: int, after: int, mode: str) -> np.ndarray:
    i = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    i = np.abs(i)  # reflect about the first element, then about the last
    return np.where(i >= n, 2 * (n - 1) - i, i)


def _sample_pad(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    # PyTorch pads at most 3 dims in the non-constant modes, after 1 or 2 batch dims
    x = _draw_x(draw, dtype, min_dims=1 if mode == "constant" else 2)
    k = draw(st.integers(1, x.ndim if mode == "constant" else x.ndim - 1))
    widths = []
    for d in range(k):
        n = x.shape[x.ndim - 1 - d]
        hi = {"reflect": n - 1, "circular": n}.get(mode, 2)
        lo = -1 if mode == "constant" and n > 2 else 0
        widths += [draw(st.integers(lo, hi)), draw(st.integers(lo, hi))]
    kwargs = {"mode": mode}
    if mode == "constant":
        kwargs["value"] = draw(st.sampled_from([0.0, 1.5]))
    return Sample((x, tuple(widths)), kwargs)


def _ref_pad(x: np.ndarray, pad: tuple, mode: str = "constant", value: float = 0.0) -> np.ndarray:
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2) + [
        (pad[2 * i], pad[2 * i + 1]) for i in reversed(range(len(pad) // 2))
    ]
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(pairs, x.shape))
    pos = [(max(a, 0), max(b, 0)) for a, b in pairs]
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if np_mode is None:
        return np.pad(x[crop], pos, constant_values=value)
    return np.pad(x[crop], pos, mode=np_mode)


@register(sample=_sample_pad, ref=_ref_pad,
          torch=lambda torch, x, p, **kw: torch.nn.functional.pad(x, p, **kw))  # fmt: skip
def pad(input: Tensor, pad: Any, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims, last dim first: ``pad = (left, right, top, bottom,
    ...)`` as in ``torch.nn.functional.pad``.

    ``mode`` is ``"constant"`` (fill with ``value``; negative widths crop), ``"reflect"``
    (mirror without repeating the edge; widths < size), ``"replicate"`` (repeat the edge) or
    ``"circular"`` (wrap around; widths <= size).

    Examples
    --------
    >>> import autograd
    >>> autograd.pad(autograd.tensor([1.0, 2.0, 3.0]), (2, 1), mode="reflect")
    tensor([3., 2., 1., 2., 3., 2.])
    """
    t = as_tensor(input)
    widths = _ints(pad, "pad", "pad")
    if len(widths) % 2 or len(widths) // 2 > t.ndim:
        raise ValueError(
            f"pad: pad {widths} must have an even length of at most 2 * ndim = {2 * t.ndim}"
        )
    k = len(widths) // 2
    pairs = [(0, 0)] * (t.ndim - k) + [(widths[2 * i], widths[2 * i + 1]) for i in range(k)][::-1]
    if mode == "constant":
        if any(a < 0 or b < 0 for a, b in pairs):
            crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(pairs, t.shape))
            if any(c.start > c.stop for c in crop):
                raise ValueError(f"pad: negative pad {widths} crops more than shape {t.shape}")
            t = t[crop]
            pairs = [(max(a, 0), max(b, 0)) for a, b in pairs]
        return PadConstant.apply(t, tuple(pairs), value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    maps = []
    for d, ((a, b), n) in enumerate(zip(pairs, t.shape)):
        if a == 0 and b == 0:
            continue
        limit = {"reflect": n - 1, "circular": n, "replicate": n and float("inf")}[mode]
        if min(a, b) < 0 or max(a, b) > limit:
            raise ValueError(
                f"pad: {mode} padding ({a}, {b}) of dim {d} with size {n} is invalid; expected "
                f"non-negative widths {'< size' if mode == 'reflect' else '<= size'}"
                + (" and a non-empty dim" if mode == "replicate" else "")
            )
        maps.append((d, _pad_map(n, a, b, mode)))
    return PadIndexed.apply(t, tuple(maps))
