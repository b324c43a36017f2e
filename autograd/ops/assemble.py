"""Tensors assembled from others: meshgrid, cartesian_prod, block_diag, diff.

All are composed from differentiable primitives (reshape, expand, stack, cat, narrow, sub), so
their gradients of every order and forward-mode tangents are those of the primitives.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import as_tensor, normalize_dim, promote_operands
from .join import cat, stack
from .registry import Sample, register


def _tensor_list(op: str, tensors: tuple) -> list[Tensor]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return [as_tensor(t, f"tensors[{i}]") for i, t in enumerate(tensors)]


def _sample_vectors(min_count: int = 1) -> Any:
    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        count = draw(st.integers(min_count, 3))
        shapes = [(draw(st.integers(1, 3)),) for _ in range(count)]
        return Sample(tuple(draw(testing.arrays(s, dtype)) for s in shapes))

    return sample


# -------------------------------------------------------------------------------- meshgrid
def _sample_meshgrid(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    sample = _sample_vectors()(draw, dtype)
    return Sample(sample.args, {"indexing": draw(st.sampled_from(["ij", "xy"]))})


def _meshgrid_ref(*arrays: np.ndarray, indexing: str = "ij") -> tuple:
    return tuple(np.meshgrid(*arrays, indexing=indexing))


@register(sample=_sample_meshgrid, ref=_meshgrid_ref)
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D (or 0-d) tensors: with ``indexing='ij'`` output ``k`` varies
    along dim ``k``; with ``'xy'`` the first two dims are swapped (NumPy's default). Without
    ``indexing``, ``'ij'`` with a warning, as PyTorch.

    Examples
    --------
    >>> import autograd
    >>> x, y = autograd.tensor([1, 2]), autograd.tensor([3, 4, 5])
    >>> xs, ys = autograd.meshgrid(x, y, indexing="ij")
    >>> xs
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    ts = _tensor_list("meshgrid", tensors)
    if indexing is None:
        warnings.warn(
            "meshgrid: pass the indexing argument; it defaults to 'ij' as in PyTorch",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise ValueError(f"meshgrid: tensors[{i}] must be 0-d or 1-d, got {tuple(t.shape)}")
    ts = [t.reshape(-1) for t in ts]
    if not ts:
        return ()
    dtypes = {t.dtype for t in ts}
    if len(dtypes) > 1:
        raise TypeError(
            f"meshgrid: all tensors must have the same dtype, got {sorted(map(str, dtypes))}"
        )
    order = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        order[0], order[1] = 1, 0
    sizes = [ts[k].shape[0] for k in order]
    out = []
    for i, t in enumerate(ts):
        pos = order.index(i)
        shape = [1] * len(ts)
        shape[pos] = -1
        out.append(t.reshape(tuple(shape)).expand(*sizes))
    return tuple(out)


@register(
    sample=_sample_vectors(),
    ref=lambda *a: np.stack(np.meshgrid(*a, indexing="ij"), -1).reshape(-1, len(a)).squeeze(-1)
    if len(a) == 1 else np.stack(np.meshgrid(*a, indexing="ij"), -1).reshape(-1, len(a)),
)  # fmt: skip
def cartesian_prod(*tensors: Any) -> Tensor:
    """All combinations of the elements of 1-D tensors, one per row (the first tensor varies
    slowest); one tensor is returned as it is.

    Examples
    --------
    >>> import autograd
    >>> autograd.cartesian_prod(autograd.tensor([1, 2]), autograd.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    ts = _tensor_list("cartesian_prod", tensors)
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise ValueError(f"cartesian_prod: tensors[{i}] must be 1-D, got {tuple(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack(grids, -1).reshape(-1, len(ts))


# ------------------------------------------------------------------------------ block_diag
def _sample_block_diag(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    count = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from([(), (2,), (2, 3), (1, 1), (3, 2)])) for _ in range(count)]
    return Sample(tuple(draw(testing.arrays(s, dtype)) for s in shapes))


def _block_diag_ref(*arrays: np.ndarray) -> np.ndarray:
    mats = [np.atleast_2d(a) for a in arrays]
    rows, cols = sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)
    out = np.zeros((rows, cols), np.result_type(*arrays))
    r = c = 0
    for m in mats:
        out[r : r + m.shape[0], c : c + m.shape[1]] = m
        r, c = r + m.shape[0], c + m.shape[1]
    return out


@register(sample=_sample_block_diag, ref=_block_diag_ref)
def block_diag(*tensors: Any) -> Tensor:
    """A block-diagonal matrix of the given tensors (0-d, 1-d as one row, or 2-d), zeros
    elsewhere; dtypes promote.

    Examples
    --------
    >>> import autograd
    >>> autograd.block_diag(autograd.tensor([[1, 2]]), autograd.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    ts = list(tensors)
    for i, t in enumerate(ts):
        if np.ndim(t) > 2:
            raise ValueError(f"block_diag: tensors[{i}] must have at most 2 dims, got "
                             f"{np.shape(t)}")  # fmt: skip
    if not ts:
        return Tensor._make(np.zeros((1, 0), np.float32))
    names = tuple(f"tensors[{i}]" for i in range(len(ts)))
    ts = [as_tensor(t, n) for t, n in zip(promote_operands(tuple(ts), names), names)]
    mats = [t.reshape(1, -1) if t.ndim < 2 else t for t in ts]
    cols = sum(m.shape[1] for m in mats)
    rows, before = [], 0
    for m in mats:
        r, c = m.shape
        zeros = Tensor._make(np.zeros((r, before), m.dtype))
        after = Tensor._make(np.zeros((r, cols - before - c), m.dtype))
        rows.append(cat([zeros, m, after], 1))
        before += c
    return cat(rows, 0)


# ------------------------------------------------------------------------------------ diff
def _sample_diff(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes(min_dims=1))
    x = draw(testing.arrays(shape, dtype))
    d = draw(st.integers(-len(shape), len(shape) - 1))
    kwargs: dict = {"n": draw(st.integers(0, 3)), "dim": d}
    for side in ("prepend", "append"):
        if draw(st.booleans()):
            s = list(shape)
            s[d] = draw(st.integers(1, 2))
            kwargs[side] = draw(testing.arrays(tuple(s), dtype))
    return Sample((x,), kwargs)


def _diff_ref(x, n=1, dim=-1, prepend=None, append=None):
    kw = {}
    if prepend is not None:
        kw["prepend"] = prepend
    if append is not None:
        kw["append"] = append
    return np.diff(x, n=n, axis=dim, **kw)


@register(method=True, numpy=np.diff, sample=_sample_diff, ref=_diff_ref)
def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``out[i] = x[i+1] - x[i]`` once),
    after joining ``prepend`` and ``append`` to ``input`` along ``dim``; for bool tensors
    ``x[i+1] != x[i]``.

    Examples
    --------
    >>> import autograd
    >>> autograd.diff(autograd.tensor([1.0, 4.0, 9.0, 16.0]))
    tensor([3., 5., 7.])
    >>> autograd.diff(autograd.tensor([1.0, 4.0, 9.0, 16.0]), n=2)
    tensor([2., 2.])
    """
    t = as_tensor(input)
    if t.ndim == 0:
        raise ValueError("diff: expected an input with at least 1 dimension, got a 0-d one")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    d = normalize_dim(dim, t.ndim, "diff")
    if n == 0:
        return t  # prepend and append are not joined then, as in PyTorch
    parts = []
    for name, extra in (("prepend", prepend), (None, t), ("append", append)):
        if extra is None:
            continue
        e = as_tensor(extra, name or "input")
        if e.ndim == 0:
            shape = list(t.shape)
            shape[d] = 1
            e = e.expand(*shape)
        if e.ndim != t.ndim or any(a != b for k, (a, b) in enumerate(zip(e.shape, t.shape))
                                   if k != d):  # fmt: skip
            raise ValueError(
                f"diff: {name} of shape {tuple(e.shape)} must match input's shape "
                f"{tuple(t.shape)} except in dim {d}"
            )
        parts.append(e)
    x = cat(parts, d) if len(parts) > 1 else t
    for _ in range(int(n)):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = (hi != lo) if x.dtype == np.bool_ else hi - lo
    return x
