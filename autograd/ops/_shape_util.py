"""Helpers shared by the shape-op families (shape, join, rearrange, diagonals) and indexing."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import grad_mode
from ..tensor import Tensor
from ._mutate import register_view, register_views


def _as_views(outs: tuple[Tensor, ...], base: Tensor) -> tuple[Tensor, ...]:
    """:func:`_as_view` of each of ``outs`` (one op's views of ``base``: ``split``, ``chunk``,
    ``unbind``), in one pass."""
    root = base if base._base is None else base._base
    vc = base._vc
    for out in outs:
        out._vc = vc
        out._base = root
    if outs and outs[0]._array.dtype.kind == "f" and grad_mode._state.grad_enabled:
        register_views(outs, root)
    return outs


def _as_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark ``out``, whose array is a NumPy view of ``base``'s, as a view of it (shared version
    counter, so in-place changes through either are seen by backward; and registered with the
    root base, so an in-place op on either rebases the other's history)."""
    root = base if base._base is None else base._base
    out._vc = base._vc
    out._base = root
    if out._array.dtype.kind == "f" and grad_mode._state.grad_enabled:  # it may be rebased
        register_view(out, root)
    return out


def _ints(value: Any, op: str, argname: str) -> tuple[int, ...]:
    """A sequence of ints (or one int) as a tuple of Python ints."""
    if type(value) is tuple and all(type(v) is int for v in value):
        return value  # the common case, kept cheap: shape ops sit on hot paths
    if isinstance(value, Tensor):
        value = value._array.tolist()
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(
            f"{op}: {argname} must be an int or a sequence of ints, got {type(value).__name__}"
        ) from None
    for v in items:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{op}: {argname} must contain ints, got {items!r}")
    return tuple(int(v) for v in items)


def _draw_x(draw: Any, dtype: np.dtype, min_dims: int = 0, max_dims: int = 3) -> np.ndarray:
    """A small array (at most 27 elements) for the samplers."""
    from .. import testing

    return draw(testing.arrays(draw(testing.shapes(min_dims, max_dims, max_side=3)), dtype))
