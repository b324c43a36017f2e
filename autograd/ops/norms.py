"""Norms and distances: linalg.vector_norm, linalg.matrix_norm, linalg.norm, dist, cdist.

All are composed from differentiable primitives (``norm``'s vector p-norm, ``abs``/``sum``/
``amax``, ``linalg.svdvals``), so their gradients, second derivatives and forward-mode tangents
are those of the primitives, with PyTorch's subgradients at zero (0 for the 2-norm of zeros) and
at ties (shared evenly by the tied extremes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import floating_tensor
from .decomp import svdvals
from .registry import Sample, register
from .stats import _p_norm_ref
from .stats import norm as _pnorm


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


# ----------------------------------------------------------------------------- vector_norm
def _sample_vector_norm(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    shape = draw(testing.shapes())
    x = draw(testing.arrays(shape, dtype, low=0.3, high=3.0))
    x = np.where(draw(testing.tie_mask(shape)), -x, x).astype(dtype)
    ord_ = draw(st.sampled_from([2, 1, 3, 1.5, math.inf, -math.inf]))
    dim = draw(testing.dims(len(shape), allow_none=True))
    return Sample((x,), {"ord": ord_, "dim": dim, "keepdim": draw(st.booleans())})


def _vector_norm_ref(x: np.ndarray, ord: Any = 2, dim: Any = None, keepdim: bool = False):
    axes = None if dim is None or x.ndim == 0 else tuple(d % x.ndim for d in np.atleast_1d(dim))
    return _p_norm_ref(x, ord, axes, keepdim)


@register(namespace="linalg", sample=_sample_vector_norm, ref=_vector_norm_ref, atol=1e-4)
def vector_norm(
    x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None): ``ord`` is any
    number, ``inf`` (largest ``|x|``), ``-inf`` or 0 (count of non-zeros).

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.vector_norm(autograd.tensor([3.0, -4.0]))
    tensor(5.)
    >>> autograd.linalg.vector_norm(autograd.tensor([[1.0, -2.0], [3.0, 0.5]]), 1, dim=1)
    tensor([3.0000, 3.5000])
    """
    t = floating_tensor("linalg.vector_norm", x, dtype, "x")
    if not _is_number(ord):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _pnorm(t, p=ord, dim=dim, keepdim=keepdim)


# ----------------------------------------------------------------------------- matrix_norm
_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def _matrix_dims(op: str, ndim: int, dim: Any) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{op}: dim must be a 2-tuple of ints, got {dim!r}")
    if ndim < 2:
        raise ValueError(f"{op}: A must have at least 2 dimensions, got {ndim}")
    d0, d1 = (int(d) % ndim if -ndim <= int(d) < ndim else None for d in dim)
    if d0 is None or d1 is None:
        raise ValueError(f"{op}: dim {tuple(dim)} is out of range for a {ndim}-D tensor")
    if d0 == d1:
        raise ValueError(f"{op}: dim must name two different dims, got {tuple(dim)}")
    return d0, d1


def _sample_matrix_norm(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,)]))
    ord_ = draw(st.sampled_from(_MATRIX_ORDS))
    if ord_ in ("nuc", 2, -2):  # distinct singular values, away from 0
        k = min(m, n)
        d = np.zeros((m, n))
        d[range(k), range(k)] = 1.0 + 1.5 * np.arange(k)
        x = draw(testing.arrays(batch + (m, n), dtype, low=-1.0, high=1.0))
        a = (0.1 * x + d).astype(dtype)
    else:  # distinct magnitudes away from 0 keep the row/column sums apart
        a = draw(testing.arrays(batch + (m, n), dtype, low=0.3, high=3.0))
        a = np.where(draw(testing.tie_mask(a.shape)), -a, a).astype(dtype)
    dim = (-2, -1) if a.ndim == 2 else draw(st.sampled_from([(-2, -1), (0, 2), (2, 1)]))
    a = np.moveaxis(a, (-2, -1), dim)  # the matrices drawn above lie along dim
    return Sample((a,), {"ord": ord_, "dim": dim, "keepdim": draw(st.booleans())})


def _matrix_norm_ref(a: np.ndarray, ord: Any = "fro", dim: Any = (-2, -1), keepdim=False):
    return np.linalg.norm(a, ord=ord, axis=tuple(dim), keepdims=keepdim)


@register(namespace="linalg", sample=_sample_matrix_norm, ref=_matrix_norm_ref, atol=1e-4)
def matrix_norm(
    A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The matrix norm of ``A`` over the two dims ``dim``: ``'fro'`` (Frobenius), ``'nuc'``
    (sum of singular values), 2 / -2 (largest / smallest singular value), 1 / -1 (largest /
    smallest column sum of ``|A|``), ``inf`` / ``-inf`` (largest / smallest row sum).

    Examples
    --------
    >>> import autograd
    >>> A = autograd.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> autograd.linalg.matrix_norm(A, ord=1)
    tensor(6.)
    >>> autograd.linalg.matrix_norm(A, ord=float("inf"))
    tensor(7.)
    """
    op = "linalg.matrix_norm"
    t = floating_tensor(op, A, dtype, "A")
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise ValueError(f"{op}: ord must be 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2, got {ord!r}")
    d0, d1 = _matrix_dims(op, t.ndim, dim)
    if ord == "fro":
        return _pnorm(t, p=2, dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(t.movedim((d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)  # sum over rows, then extreme
    sums = t.abs().sum(inner, keepdim=True)
    out = sums.amax(outer, keepdim=True) if ord > 0 else sums.amin(outer, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


# ------------------------------------------------------------------------------ linalg.norm
def _sample_linalg_norm(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    kind = draw(st.sampled_from(["flat", "vector", "vector_dim", "matrix"]))
    if kind == "matrix":
        return _sample_matrix_norm(draw, dtype)
    x, kw = _sample_vector_norm(draw, dtype).args[0], {}
    if kind == "vector":
        x, kw["ord"] = x.reshape(-1), draw(st.sampled_from([2, 1, 3, math.inf, -math.inf]))
    elif kind == "vector_dim" and x.ndim:
        kw["ord"] = draw(st.sampled_from([None, 2, 1, math.inf]))
        kw["dim"] = draw(st.integers(-x.ndim, x.ndim - 1))
    kw["keepdim"] = draw(st.booleans())
    return Sample((x,), kw)


def _linalg_norm_ref(x: np.ndarray, ord: Any = None, dim: Any = None, keepdim: bool = False):
    if dim is None and ord is None:
        out = np.sqrt(np.sum(x * x))
        return out.reshape((1,) * x.ndim) if keepdim else out
    if dim is None:
        dim = tuple(range(x.ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 2:
        return _matrix_norm_ref(x, "fro" if ord is None else ord, dims, keepdim)
    return _vector_norm_ref(x, 2 if ord is None else ord, dims, keepdim)


@register(namespace="linalg", sample=_sample_linalg_norm, ref=_linalg_norm_ref, atol=1e-4)
def norm(
    A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """A vector or matrix norm, chosen as PyTorch's ``torch.linalg.norm``: with ``dim`` an int
    a vector norm, with ``dim`` a 2-tuple a matrix norm; with ``dim=None`` the 2-norm of all
    elements when ``ord`` is None, else a vector norm of a 1-D ``A`` or a matrix norm of a 2-D
    one.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.norm(autograd.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    >>> autograd.linalg.norm(autograd.tensor([[3.0, 0.0], [0.0, 4.0]]), ord="nuc")
    tensor(7.)
    """
    op = "linalg.norm"
    t = floating_tensor(op, A, dtype, "A")
    if dim is None:
        if ord is None:
            out = _vector_norm_all(t)
            return out.reshape((1,) * t.ndim) if keepdim else out
        if t.ndim == 1:
            return vector_norm(t, ord, None, keepdim)
        if t.ndim == 2:
            return matrix_norm(t, ord, (-2, -1), keepdim)
        raise ValueError(
            f"{op}: with ord={ord!r} and dim=None A must be 1-D or 2-D, got {t.ndim}-D (pass dim)"
        )
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) == 2:
        return matrix_norm(t, "fro" if ord is None else ord, dims, keepdim)
    if len(dims) != 1:
        raise ValueError(f"{op}: dim must be an int or a 2-tuple, got {dim!r}")
    if isinstance(ord, str):
        raise ValueError(f"{op}: ord={ord!r} is a matrix norm and needs a 2-tuple dim")
    return vector_norm(t, 2 if ord is None else ord, dims, keepdim)


def _vector_norm_all(t: Tensor) -> Tensor:
    return vector_norm(t, 2)


# ---------------------------------------------------------------------------- dist, cdist
def _sample_dist(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    sa, sb = draw(testing.broadcastable_shapes(2))
    a = draw(testing.arrays(sa, dtype, low=-3.0, high=3.0))
    b = draw(testing.arrays(sb, dtype, low=-3.0, high=3.0))
    diff = np.abs(np.subtract(a, b, dtype=np.float64))
    if diff.size and np.unique(np.round(diff, 3)).size != diff.size or np.any(diff < 0.1):
        b = np.asarray(b + 4.0 + np.arange(b.size).reshape(b.shape) * 0.37, dtype)  # distinct
    return Sample((a, b), {"p": draw(st.sampled_from([2, 1, 3, 1.5, math.inf]))})


def _dist_ref(a: np.ndarray, b: np.ndarray, p: float = 2) -> np.ndarray:
    return _vector_norm_ref(np.subtract(a, b), p)


@register(method=True, sample=_sample_dist, ref=_dist_ref, atol=1e-4)
def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast), a 0-d tensor.

    Examples
    --------
    >>> import autograd
    >>> autograd.dist(autograd.tensor([1.0, 1.0]), autograd.tensor([4.0, 5.0]))
    tensor(5.)
    """
    if not _is_number(p):
        raise TypeError(f"dist: p must be a number, got {p!r}")
    a = floating_tensor("dist", input, None, "input")
    b = floating_tensor("dist", other, None, "other")
    return vector_norm(a - b, p)


def _sample_cdist(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    p_, r, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(st.sampled_from([(), (2,)]))
    a = draw(testing.arrays(batch + (p_, m), dtype, low=-1.0, high=1.0))
    # rows of x2 far from x1's and from each other: no zero or tied differences
    offsets = 3.0 + 2.0 * np.arange(r * m).reshape(r, m)
    b = (draw(testing.arrays(batch + (r, m), dtype, low=-0.5, high=0.5)) + offsets).astype(dtype)
    return Sample((a, b), {"p": draw(st.sampled_from([2.0, 1.0, 3.0, math.inf]))})


def _cdist_ref(a: np.ndarray, b: np.ndarray, p: float = 2.0) -> np.ndarray:
    return _vector_norm_ref(a[..., :, None, :] - b[..., None, :, :], p, -1)


@register(sample=_sample_cdist, ref=_cdist_ref, atol=1e-4)
def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """Pairwise ``p``-norm distances between the rows of ``x1`` ``(*, P, M)`` and of ``x2``
    ``(*, R, M)``: a ``(*, P, R)`` tensor (batch dims broadcast). ``compute_mode`` is accepted
    for PyTorch's signature; distances are always computed directly (exact, not through
    matrix products).

    Examples
    --------
    >>> import autograd
    >>> autograd.cdist(autograd.tensor([[0.0, 0.0]]), autograd.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    op = "cdist"
    if not _is_number(p) or p < 0:
        raise ValueError(f"{op}: p must be a non-negative number, got {p!r}")
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):  # fmt: skip
        raise ValueError(f"{op}: unknown compute_mode {compute_mode!r}")
    a = floating_tensor(op, x1, None, "x1")
    b = floating_tensor(op, x2, None, "x2")
    for name, t in (("x1", a), ("x2", b)):
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} must have at least 2 dimensions, got {tuple(t.shape)}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{op}: x1 and x2 must have the same number of columns, got {a.shape[-1]} and "
            f"{b.shape[-1]}"
        )
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: x1 and x2 must have the same dtype, got {a.dtype} and {b.dtype}")
    return vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, dim=-1)
