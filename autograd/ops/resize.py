"""Resizing: ``interpolate`` (mode "nearest") for (N, C, L) and (N, C, H, W) inputs.

Nearest resizing is linear: ``Nearest`` reads each output pixel from one source pixel and its
backward, the adjoint ``NearestAdjoint``, adds the gradients back onto the sources; each is the
other's backward, so second order works. The index tables follow PyTorch's ``nearest`` mode
exactly, including its float32 rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..kernels import resize as _k
from ..tensor import Tensor
from ._linear import LinearOp
from ._util import float_tensor
from .conv import _functional
from .registry import Sample, register

_MODES = ("nearest",)


def _nearest(x: np.ndarray, tables: tuple) -> np.ndarray:
    return _k.nearest_forward(x, *tables)


def _nearest_adjoint(g: np.ndarray, tables: tuple, x_shape: tuple) -> np.ndarray:
    return _k.nearest_backward(g, *tables, x_shape)


class Nearest(LinearOp):
    """``y[n, c, i, j] = x[n, c, rows[i], cols[j]]`` with ``params = (rows, cols)``."""

    node_name = "UpsampleNearest2DBackward0"
    array_map = staticmethod(_nearest)
    array_adjoint = staticmethod(_nearest_adjoint)


def _source_index(n_in: int, n_out: int, scale: float | None) -> np.ndarray:
    """PyTorch's ``nearest_idx``: the source of each output position along one axis."""
    dst = np.arange(n_out)
    if n_out == n_in:
        return dst
    if n_out == 2 * n_in:
        return dst >> 1
    # PyTorch computes this in float32: floor(dst * scale), scale = 1/scale_factor or in/out.
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / n_out
    src = np.floor(dst.astype(np.float32) * np.float32(s)).astype(np.int64)
    return np.minimum(src, n_in - 1)


def _per_axis(op: str, name: str, value: Any, nd: int, kind: type) -> tuple:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd
    if len(values) != nd:
        raise ValueError(
            f"{op}: {name} must have {nd} entries for a {nd + 2}-D input, got {value!r}"
        )
    ok = (int, np.integer) if kind is int else (int, float, np.integer, np.floating)
    if not all(isinstance(v, ok) and not isinstance(v, bool) for v in values):
        raise TypeError(
            f"{op}: {name} must be {kind.__name__} or a sequence of them, got {value!r}"
        )
    return tuple(kind(v) for v in values)


def resize_output_size(
    op: str, spatial: tuple[int, ...], size: Any, scale_factor: Any,
    recompute_scale_factor: bool | None,
) -> tuple[tuple[int, ...], tuple]:  # fmt: skip
    """The output's spatial size and the scale of each axis for ``interpolate``'s arguments.

    Exactly one of ``size`` and ``scale_factor`` is given, a number or one per axis. The size
    from a scale factor is ``floor(input_size * scale_factor)``; the scales are those factors,
    or None per axis (the index maps then use ``input_size / output_size``) when they come from
    ``size`` or ``recompute_scale_factor`` is set. Sizes are not checked for being positive.

    Examples
    --------
    >>> resize_output_size("interpolate", (5, 4), None, 1.5, None)
    ((7, 6), (1.5, 1.5))
    >>> resize_output_size("interpolate", (5,), 3, None, None)
    ((3,), (None,))
    """
    nd = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        return _per_axis(op, "size", size, nd, int), (None,) * nd
    factors = _per_axis(op, "scale_factor", scale_factor, nd, float)
    out = tuple(math.floor(float(n * f)) for n, f in zip(spatial, factors))
    return out, (None,) * nd if recompute_scale_factor else factors


def _sample_interpolate(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    nd = draw(st.sampled_from([1, 2]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    shape += tuple(draw(st.integers(1, 4)) for _ in range(nd))
    if draw(st.booleans()):
        kwargs: dict = {"size": tuple(draw(st.integers(1, 6)) for _ in range(nd))}
    else:
        factors = st.sampled_from([0.5, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0])
        kwargs = {"scale_factor": draw(st.one_of(factors, st.tuples(*[factors] * nd)))}
        n_out = [math.floor(n * f) for n, f in zip(shape[2:], np.broadcast_to(
            np.asarray(kwargs["scale_factor"]), (nd,)))]  # fmt: skip
        if min(n_out) < 1:
            kwargs["scale_factor"] = 2.0
    return Sample((draw(testing.arrays(shape, dtype)),), kwargs)


@register(sample=_sample_interpolate, torch=_functional("interpolate"))
def interpolate(
    input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
    align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
) -> Tensor:  # fmt: skip
    """Resize ``(N, C, L)`` or ``(N, C, H, W)`` input, as ``torch.nn.functional.interpolate``.

    Parameters
    ----------
    input : Tensor, 3-D or 4-D
    size : int or tuple of ints, optional
        Output spatial size. Exactly one of ``size`` and ``scale_factor`` is given.
    scale_factor : float or tuple of floats, optional
        Output size ``floor(input_size * scale_factor)`` per axis.
    mode : str
        Only ``"nearest"``: output index ``i`` reads input index
        ``min(floor(i * scale), in - 1)`` with ``scale = 1 / scale_factor`` when
        ``scale_factor`` is given (and ``recompute_scale_factor`` is not set), else
        ``in / out``; computed in float32, as PyTorch does.
    align_corners : None
        Not allowed with ``"nearest"`` (as in PyTorch).
    recompute_scale_factor : bool, optional
        Use ``in / out`` even when ``scale_factor`` is given.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([[[1.0, 2.0, 3.0]]])
    >>> autograd.interpolate(x, scale_factor=2)
    tensor([[[1., 1., 2., 2., 3., 3.]]])
    >>> autograd.interpolate(x, size=2)
    tensor([[[1., 2.]]])
    """
    op = "interpolate"
    if mode not in _MODES:
        raise ValueError(f"{op}: mode {mode!r} is not supported; supported modes: {_MODES}")
    if align_corners is not None:
        raise ValueError(f"{op}: align_corners can only be set with interpolating modes, "
                         f"not mode={mode!r}")  # fmt: skip
    x = float_tensor(input, "input")
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{op}: expected 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape {x.shape}"
        )
    nd = x.ndim - 2
    spatial = x.shape[2:]
    out, scales = resize_output_size(op, spatial, size, scale_factor, recompute_scale_factor)
    if min(out) < 1 or min(spatial) < 1:
        raise ValueError(
            f"{op}: input and output sizes should be greater than 0, got input size {spatial} "
            f"and output size {out}"
        )
    tables = tuple(_source_index(n, o, s) for n, o, s in zip(spatial, out, scales))
    if nd == 1:
        tables = (np.zeros(1, np.int64), tables[0])
        y = Nearest.apply(x.reshape((x.shape[0], x.shape[1], 1, spatial[0])), params=tables)
        return y.reshape((x.shape[0], x.shape[1], out[0]))
    return Nearest.apply(x, params=tables)
