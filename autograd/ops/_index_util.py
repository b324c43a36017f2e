"""Index handling shared by the indexing ops: PyTorch's meaning of an index as NumPy indices,
bounds and mask checks, and the scatter that is the gradient of a gather.

A normalized index is either a tuple, a NumPy index whose NumPy meaning is PyTorch's, or a
:class:`_Split` of two such steps where the two libraries place indexed dims differently.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from ..kernels.scatter import add_rows
from ..tensor import Tensor

_BASIC = 0  # ints, slices, None, Ellipsis: a view; every element is picked at most once
_MASK = 1  # bool masks (and basic parts): a copy; every element still picked at most once
_INTS = 2  # integer arrays: elements may be picked repeatedly, so gradients must be summed


class _Split:
    """An index PyTorch applies in two steps, which no single NumPy index expresses.

    PyTorch applies ints (``select``), slices, None and Ellipsis first, as a view, and only then
    the tensor indices, so an int never counts as an advanced index when deciding where the
    indexed dims go: for ``x`` of shape (2, 3, 4), ``x[0, :, [1, 2]]`` has shape (3, 2) (NumPy,
    which treats the int as advanced, gives (2, 3)). ``pre`` is that basic step and ``adv`` the
    advanced step on its result (integer and bool arrays and full slices only, where NumPy's
    placement and PyTorch's agree).
    """

    __slots__ = ("pre", "adv")

    def __init__(self, pre: tuple, adv: tuple) -> None:
        self.pre = pre
        self.adv = adv


def _normalize_index(index: Any, shape: tuple, op: str) -> tuple[Any, int]:
    """NumPy's form of a user's index (arrays instead of tensors and lists) and its kind.

    Returns a tuple usable as a NumPy index with PyTorch's meaning, or a :class:`_Split` when
    ints, None, Ellipsis or bool scalars meet tensor indices (PyTorch may place the indexed dims
    differently from NumPy there).
    """
    parts = index if isinstance(index, tuple) else (index,)
    out: list = []
    kind = _BASIC
    selects = False  # ints, None, Ellipsis or bool scalars: applied before tensor indices
    for p in parts:
        if p is None:
            selects = True
            out.append(p)
            continue
        if isinstance(p, slice):
            out.append(p)
            continue
        if p is Ellipsis:  # NumPy counts it as a separator even when it stands for no dims
            selects = True
            out.append(p)
            continue
        if isinstance(p, (bool, np.bool_)):
            selects = True  # a scalar mask: a new dim of size 1 (True) or 0 (False)
            kind = max(kind, _MASK)
            out.append(bool(p))
            continue
        if isinstance(p, (int, np.integer)):
            selects = True
            out.append(int(p))
            continue
        arr = p._array if isinstance(p, Tensor) else np.asarray(p)
        if arr.dtype.kind == "f" and arr.size == 0:
            arr = arr.astype(np.int64)  # ``x[[]]`` selects nothing
        if arr.dtype.kind == "b":
            kind = max(kind, _MASK)
            if arr.ndim == 0:  # a 0-d bool tensor indexes like a bool (PyTorch)
                selects = True
                out.append(bool(arr))
                continue
        elif arr.dtype.kind in "iu":
            if arr.ndim == 0:  # a 0-d integer tensor indexes like an int (PyTorch)
                selects = True
                out.append(int(arr))
                continue
            kind = _INTS
        else:
            raise IndexError(
                f"{op}: only integers, slices, None, Ellipsis and integer or bool tensors are "
                f"valid indices, got {type(p).__name__}"
                + (f" of dtype {arr.dtype}" if arr.dtype != object else "")
            )
        out.append(arr)
    if kind == _BASIC:
        if Ellipsis not in out:
            out.append(Ellipsis)  # keeps a full integer index a 0-d view, not a NumPy scalar
        return tuple(out), kind
    if not selects:  # tensor indices and slices only: NumPy and PyTorch agree
        return tuple(out), kind
    return _split(out, shape, op), kind


def _split(parts: list, shape: tuple, op: str) -> _Split:
    """The two steps of an index mixing ints, None or bool scalars with tensor indices."""
    ndim = len(shape)
    if sum(p is Ellipsis for p in parts) > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis ('...')")
    consumed = sum(
        p.ndim if isinstance(p, np.ndarray) and p.dtype.kind == "b" else 1
        for p in parts
        if p is not None and p is not Ellipsis and type(p) is not bool
    )
    if consumed > ndim:
        raise IndexError(
            f"{op}: too many indices for tensor of dimension {ndim} ({consumed} were indexed)"
        )
    pre: list = []
    adv: list = []
    dim = 0  # the input dim the next part applies to
    for p in parts:
        if p is Ellipsis:
            pre.append(p)
            adv.extend([slice(None)] * (ndim - consumed))
            dim += ndim - consumed
        elif p is None:
            pre.append(None)
            adv.append(slice(None))
        elif type(p) is bool:  # a new dim of size 1, kept (True) or emptied (False)
            pre.append(None)
            adv.append(np.array([p]))
        elif type(p) is int:
            pre.append(p)
            dim += 1
        elif isinstance(p, slice):
            pre.append(p)
            adv.append(slice(None))
            dim += 1
        else:
            _check_array_index(p, shape, dim, op)
            width = p.ndim if p.dtype.kind == "b" else 1
            pre.extend([slice(None)] * width)
            adv.append(p)
            dim += width
    while adv and isinstance(adv[-1], slice):
        adv.pop()
    return _Split(tuple(pre), tuple(adv))


def _check_array_index(arr: np.ndarray, shape: tuple, dim: int, op: str) -> None:
    """Bounds of an integer index and shape of a mask, against the dims they index."""
    if arr.dtype.kind == "b":
        for k, m in enumerate(arr.shape):
            n = shape[dim + k]
            if m != n:
                raise IndexError(
                    f"{op}: boolean index did not match indexed tensor along dim {dim + k}; "
                    f"size of dim is {n} but size of corresponding boolean dim is {m}"
                )
        return
    n = shape[dim]
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < -n or hi >= n:
            bad = lo if lo < -n else hi
            raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size {n}")


def _take(a: Any, index: Any) -> Any:
    """``a[index]`` for an array or a Tensor, with either form of a normalized index."""
    if type(index) is _Split:
        return a[index.pre][index.adv]
    return a[index]


def _put(a: np.ndarray, index: Any, value: Any) -> None:
    """``a[index] = value`` with either form of a normalized index."""
    if type(index) is _Split:
        a[index.pre][index.adv] = value
    else:
        a[index] = value


def _index_error(op: str, e: Exception, shape: tuple) -> IndexError:
    msg = str(e).strip().replace("axis", "dim").replace("array", "tensor")
    msg = re.sub(r"\bnumpy\.newaxis \(`None`\)", "None", msg)
    return IndexError(f"{op}: {msg} (indexing a tensor of shape {shape})")


def _int_array(index: Any, op: str, argname: str = "index") -> np.ndarray:
    arr = index._array if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise TypeError(f"{op}: {argname} must be an integer tensor, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _bool_array(mask: Any, op: str) -> np.ndarray:
    arr = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype.kind != "b":
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {arr.dtype}")
    return arr


def _add_rows(out: np.ndarray, rows: np.ndarray, g: np.ndarray) -> None:
    """``out[rows[i]] += g[i]`` for 2-d ``out``/``g``, with repeated rows summed."""
    if g.dtype == out.dtype and add_rows(out, rows, np.ascontiguousarray(g)):
        return  # one compiled pass (float arrays)
    if len(rows) < 64:
        np.add.at(out, rows, g)
        return
    # Sorting and summing runs of equal rows is about twice as fast as ufunc.at on rows.
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    out[sorted_rows[starts]] += np.add.reduceat(g[order], starts, axis=0)


def _scatter_index(g: np.ndarray, shape: tuple, index: Any, kind: int) -> np.ndarray:
    """The gradient of ``x[index]``: zeros of ``shape`` with ``g`` added at ``index``."""
    out = np.zeros(shape, g.dtype)
    if g.size == 0:
        return out
    if kind != _INTS:
        _put(out, index, g)
        return out
    if type(index) is _Split:  # the basic step picks every element at most once
        view = out[index.pre]
        view[...] = _scatter_index(g, view.shape, index.adv, kind)
        return out
    k = len(index)
    if k <= len(shape) and all(
        type(p) is int or (isinstance(p, np.ndarray) and p.dtype.kind in "iu") for p in index
    ):
        # Integer arrays on the leading dims only (``logp[arange(n), target]``, ``emb[ids]``):
        # one flat index per picked row; the forward already checked the bounds.
        flat = np.ravel_multi_index(index, shape[:k], mode="wrap").ravel()
        rest = math.prod(shape[k:])
        if rest == 1:
            np.add.at(out.reshape(-1), flat, g.reshape(-1))
        else:
            _add_rows(out.reshape(math.prod(shape[:k]), rest), flat, g.reshape(flat.size, rest))
        return out
    np.add.at(out, index, g)
    return out
