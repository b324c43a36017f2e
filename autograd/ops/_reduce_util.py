"""Shared by the reduction families: argument normalization, the differentiable broadcast of a
reduced gradient back to the input's shape (``ExpandReduced``), and registry samplers.

``dim`` is an int, a tuple of ints or None (all dims); ``keepdim`` keeps reduced dims as size 1.
NumPy's ``axis``/``keepdims`` are accepted aliases (the engine un-broadcasts with them). One
difference is kept on purpose: ``dim=()`` reduces every dim, as PyTorch does, while ``axis=()``
reduces none, as NumPy does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..function import Function, linear_jvp
from ..tensor import Tensor
from ._util import as_tensor, dim_or_axis, dim_tuple, named_op, normalize_dim
from .registry import Sample

_builtin_max = max


# ----------------------------------------------------------------------------- arguments
def _axes(op: str, ndim: int, dim: Any, axis: Any) -> tuple[int, ...] | None:
    """Reduced axes as a sorted tuple, or None for all of them."""
    if axis is not None:
        axes = dim_tuple(dim_or_axis(op, dim, axis), ndim, op)
        return axes if axes or ndim == 0 else ()  # NumPy: axis=() reduces nothing
    axes = dim_tuple(dim, ndim, op)
    return axes if axes else None  # PyTorch: dim=() reduces everything


def _reduce_args(
    op: str, ndim: int, dim: Any, keepdim: Any, axis: Any, keepdims: Any
) -> tuple[tuple[int, ...] | None, bool]:
    """The reduced axes (see ``_axes``) and ``keepdim`` from PyTorch's ``dim``/``keepdim`` or
    NumPy's ``axis``/``keepdims``, as every reduction over several dims takes them."""
    axes = None if dim is None and axis is None else _axes(op, ndim, dim, axis)
    return axes, bool(keepdim if keepdims is None else keepdims)


def _dim_reduction(
    module: str,
    name: str,
    body: Callable[..., Any],
    doc: str,
    returns: str = "Tensor",
    dim_type: str = "Any",
) -> Callable[..., Any]:
    """The public reduction ``name(input, dim=None, keepdim=False, *, axis=None, keepdims=None)``
    (PyTorch's signature with NumPy's aliases) that returns
    ``body(name, input, dim, keepdim, axis, keepdims)``.

    ``module`` is the defining module's ``__name__``; that module lists the function in its
    ``__test__`` so that doctest runs the docstring's example. ``returns`` is the return
    annotation, ``dim_type`` that of ``dim`` and ``axis`` (``"int | None"`` for a reduction
    over one dim).
    """

    def reduction(
        input: Tensor,
        dim: Any = None,
        keepdim: bool = False,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        return body(name, input, dim, keepdim, axis, keepdims)

    reduction.__annotations__["dim"] = reduction.__annotations__["axis"] = dim_type
    return named_op(reduction, module, name, doc, returns)


def _dtype_reduction(
    module: str, name: str, body: Callable[[Tensor, Any, bool, bool], Tensor], doc: str
) -> Callable[..., Tensor]:
    """As :func:`_dim_reduction` with PyTorch's ``dtype``, for sum, mean and prod:
    ``name(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None)``.

    The arguments are normalized here and the input cast to ``dtype`` when one is given; the
    result is ``body(t, axes, keepdim, cast)`` (``cast``: whether ``dtype`` was given).
    """

    def reduction(
        input: Tensor,
        dim: Any = None,
        keepdim: bool = False,
        dtype: Any = None,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        t = input if isinstance(input, Tensor) else as_tensor(input)
        axes, keep = _reduce_args(name, t._array.ndim, dim, keepdim, axis, keepdims)
        if dtype is not None:
            t = t.to(_dt.to_dtype(dtype))
        return body(t, axes, keep, dtype is not None)

    return named_op(reduction, module, name, doc)


def _np_reduce_ref(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The registry's NumPy reference ``ref(x, dim=None, keepdim=False)`` for reduction ``fn``."""
    return lambda x, dim=None, keepdim=False: fn(x, _np_axes(x, dim), keepdims=keepdim)


def _one_dim(op: str, ndim: int, dim: Any, axis: Any) -> int | None:
    dim = dim_or_axis(op, dim, axis)
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) != 1:
            raise TypeError(f"{op}: dim must be a single int, got {tuple(dim)}")
        dim = dim[0]
    return normalize_dim(dim, ndim, op)


def _count(shape: tuple, axes: tuple | None) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def _keep_shape(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _check_nonempty(op: str, shape: tuple, axes: tuple | None) -> None:
    if axes is None:
        if math.prod(shape) == 0:
            raise ValueError(f"{op}: cannot reduce an empty tensor of shape {shape}; give a dim")
    else:
        for a in axes:
            if shape[a] == 0:
                raise ValueError(f"{op}: cannot reduce dim {a} of size 0 (shape {shape})")


def _expand(g: Any, shape: tuple, axes: tuple | None, keepdim: bool) -> Any:
    """Broadcast the gradient of a reduction back to the input's ``shape``."""
    if isinstance(g, Tensor):
        return ExpandReduced.apply(g, shape, axes, keepdim)
    if not keepdim:
        g = g.reshape(_keep_shape(shape, axes))
    return np.broadcast_to(g, shape)


class ExpandReduced(Function):
    """The adjoint of a sum: broadcasts a reduced tensor back to ``shape`` (used by backward
    rules under ``create_graph``)."""

    @staticmethod
    def forward(ctx, g, shape, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        if not keepdim:
            g = g.reshape(_keep_shape(shape, axes))
        return np.broadcast_to(g, shape).copy()

    @staticmethod
    def backward(ctx, gg):
        return gg.sum(axis=ctx.axes, keepdims=ctx.keepdim), None, None, None

    jvp = staticmethod(linear_jvp)  # linear: the op applied to the tangent


# ------------------------------------------------------------------------------ samplers
def _reduce_sample(
    low: float = -3.0, high: float = 3.0, distinct: bool = False, kinks: tuple = ()
) -> Any:
    """``f(x, dim=..., keepdim=...)`` with dim drawn from None, ints and tuples."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        shape = draw(testing.shapes())
        x = _draw_values(draw, shape, dtype, low, high, distinct, kinks)
        dim = draw(testing.dims(len(shape), allow_none=True))
        return Sample((x,), {"dim": dim, "keepdim": draw(st.booleans())})

    return sample


def _draw_values(
    draw: Any, shape: tuple, dtype: np.dtype, low: float, high: float, distinct: bool,
    kinks: tuple = (),
) -> np.ndarray:  # fmt: skip
    from hypothesis import strategies as st

    from .. import testing

    if not distinct:
        return draw(testing.arrays(shape, dtype, low=low, high=high, kinks=kinks))
    # Distinct values far apart (finite differences cannot see PyTorch's tie conventions).
    n = math.prod(shape)
    perm = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    return (low + (high - low) * (perm + 0.5) / _builtin_max(n, 1)).astype(dtype).reshape(shape)


def _dim_sample(distinct: bool = False, low: float = -3.0, high: float = 3.0) -> Any:
    """``f(x, dim, keepdim)`` with one int dim."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        shape = draw(testing.shapes())
        x = _draw_values(draw, shape, dtype, low, high, distinct)
        dim = draw(testing.dims(len(shape), allow_tuple=False))
        return Sample((x, dim), {"keepdim": draw(st.booleans())})

    return sample


def _scan_sample(low: float = -3.0, high: float = 3.0, kinks: tuple = ()) -> Any:
    """``f(x, dim)`` for the scans."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from .. import testing

        shape = draw(testing.shapes(min_dims=1))
        x = draw(testing.arrays(shape, dtype, low=low, high=high, kinks=kinks))
        return Sample((x, draw(testing.dims(len(shape), allow_tuple=False))))

    return sample


def _torch_over_dims(fn: Any, x: Any, dim: Any, keepdim: bool) -> Any:
    """Call a PyTorch reduction that takes one int dim over None / a tuple of dims."""
    dims = range(x.ndim) if dim is None else (dim,) if isinstance(dim, int) else dim
    dims = sorted({d % _builtin_max(x.ndim, 1) for d in dims}, reverse=True)
    if x.ndim == 0:
        return fn(x.reshape(1), 0)
    for d in dims:
        x = fn(x, d, keepdim=True)
    return x if keepdim else x.reshape([s for i, s in enumerate(x.shape) if i not in dims])


def _np_axes(x: np.ndarray, dim: Any) -> Any:
    if dim is None or (isinstance(dim, tuple) and not dim):
        return None
    if x.ndim == 0:
        return None
    return dim
