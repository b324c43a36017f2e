"""Linear solvers built on ``linalg.solve`` and ``linalg.qr``: ``linalg.solve_triangular``,
the older ``triangular_solve``, ``cholesky_solve`` and ``linalg.lstsq``.

Each is a composite of differentiable ops, so reverse mode, forward mode and higher orders come
from their parts. The gradients are PyTorch's: ``solve_triangular``'s gradient for ``A`` keeps
only the triangle it reads (strictly, with ``unitriangular``), ``cholesky_solve`` differentiates
``(L L^T)^-1 B`` in the full matrix ``L``, and ``lstsq`` differentiates ``pinv(A) B``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from ._util import as_tensor
from .decomp import _sample_matrix, qr
from .diagonals import tril, triu
from .linalg import _mT
from .matrix import _matrix_arg, solve
from .registry import Sample, register


def _rhs_arg(op: str, a: Tensor, B: Any, argname: str = "B") -> Tensor:
    """``B`` as a matrix (or stack) of ``a``'s dtype, or an error naming ``argname``."""
    b = as_tensor(B, argname)
    if b.dtype != a.dtype:
        raise TypeError(f"{op}: expected {argname} to have dtype {a.dtype} (the matrix's), got "
                        f"{b.dtype}")  # fmt: skip
    if b.ndim < 2:
        raise ValueError(
            f"{op}: {argname} must have at least 2 dimensions (a matrix or a stack of them), "
            f"got shape {tuple(b.shape)}"
        )
    return b


def _as_stack(b: Tensor, ndim: int) -> Tensor:
    """``b`` with leading size-1 dims up to ``ndim``, so ``linalg.solve`` reads it as matrices."""
    while b.ndim < ndim:
        b = b.unsqueeze(0)
    return b


# ------------------------------------------------------------------------ solve_triangular
def _triangle(a: Tensor, upper: bool, unitriangular: bool) -> Tensor:
    """The triangle of ``a`` a triangular solver reads (its diagonal taken as ones if
    ``unitriangular``)."""
    if not unitriangular:
        return triu(a) if upper else tril(a)
    strict = triu(a, 1) if upper else tril(a, -1)
    return strict + Tensor._make(np.eye(a.shape[-1], dtype=a._array.dtype))


def _sample_triangular(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    n = draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,)]))
    left = draw(st.booleans())
    a = draw(testing.arrays(batch + (n, n), dtype, low=-1.0, high=1.0))
    a = (a + (n + 1) * np.eye(n)).astype(dtype)
    b_batch = draw(st.sampled_from([batch, ()]))
    b = draw(testing.arrays(b_batch + ((n, k) if left else (k, n)), dtype, low=-2.0, high=2.0))
    kwargs = {"upper": draw(st.booleans()), "left": left, "unitriangular": draw(st.booleans())}
    return Sample((a, b), kwargs)


def _triangle_ref(a: np.ndarray, upper: bool, unitriangular: bool) -> np.ndarray:
    t = np.triu(a, 1 if unitriangular else 0) if upper else np.tril(a, -1 if unitriangular else 0)
    return t + np.eye(a.shape[-1]) if unitriangular else t


def _solve_triangular_ref(
    a: np.ndarray, b: np.ndarray, upper: bool, left: bool = True, unitriangular: bool = False
) -> np.ndarray:
    t = _triangle_ref(a, upper, unitriangular)
    if left:
        return np.linalg.solve(t, b)
    return _mT(np.linalg.solve(_mT(t), _mT(b)))


@register(namespace="linalg", sample=_sample_triangular, ref=_solve_triangular_ref)
def solve_triangular(
    A: Any, B: Any, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``) for a triangular
    ``A``: only its upper (``upper=True``) or lower triangle is read, and with
    ``unitriangular`` its diagonal is taken as ones. ``B`` is a matrix or a stack ``(*, n, k)``
    (``(*, k, n)`` with ``left=False``); batch dimensions broadcast. The gradient for ``A`` is
    zero outside the triangle read, as PyTorch's. A zero on the diagonal raises RuntimeError.

    Examples
    --------
    >>> import autograd
    >>> A = autograd.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> autograd.linalg.solve_triangular(A, autograd.tensor([[3.0], [4.0]]), upper=True)
    tensor([[1.],
            [1.]])
    """
    op = "linalg.solve_triangular"
    a = _matrix_arg(op, A, "A")
    b = _rhs_arg(op, a, B)
    for name, flag in (("upper", upper), ("left", left), ("unitriangular", unitriangular)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{op}: {name} must be a bool, got {type(flag).__name__}")
    n = a.shape[-1]
    if b.shape[-2 if left else -1] != n:
        side = "rows" if left else "columns"
        raise ValueError(
            f"{op}: A of shape {tuple(a.shape)} and B of shape {tuple(b.shape)} do not align: "
            f"B needs {n} {side}"
        )
    return solve(_triangle(a, upper, unitriangular), _as_stack(b, a.ndim), left=left)


# ------------------------------------------------------------------------ triangular_solve
class TriangularSolveResult(NamedTuple):
    """``triangular_solve``'s result: the solution and a copy of the coefficient matrix."""

    solution: Tensor
    cloned_coefficient: Tensor


def _sample_legacy_triangular(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    s = _sample_triangular(draw, dtype)
    a, b = s.args
    if not s.kwargs["left"]:
        b = _mT(b).copy()
    kwargs = {"upper": s.kwargs["upper"], "transpose": draw(st.booleans()),
              "unitriangular": s.kwargs["unitriangular"]}  # fmt: skip
    return Sample((b, a), kwargs)


def _legacy_triangular_ref(
    b: np.ndarray, a: np.ndarray, upper: bool = True, transpose: bool = False,
    unitriangular: bool = False,
) -> tuple:  # fmt: skip
    t = _triangle_ref(a, upper, unitriangular)
    return np.linalg.solve(_mT(t) if transpose else t, b), a


@register(
    name="triangular_solve", method=True, sample=_sample_legacy_triangular,
    ref=_legacy_triangular_ref,
)  # fmt: skip
def triangular_solve(
    input: Any, A: Any, upper: bool = True, transpose: bool = False, unitriangular: bool = False
) -> TriangularSolveResult:
    """PyTorch's older triangular solver: ``X`` with ``A X = input`` (``A^T X = input`` with
    ``transpose``), returned with a copy of ``A``. Note the argument order (right-hand side
    first) and that ``upper`` defaults to True. Prefer :func:`autograd.linalg.solve_triangular`.

    Examples
    --------
    >>> import autograd
    >>> A = autograd.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> autograd.triangular_solve(autograd.tensor([[3.0], [4.0]]), A).solution
    tensor([[1.],
            [1.]])
    """
    op = "triangular_solve"
    a = _matrix_arg(op, A, "A")
    b = _rhs_arg(op, a, input, "input")
    if transpose:
        x = solve_triangular(_mT(a), b, upper=not upper, unitriangular=unitriangular)
    else:
        x = solve_triangular(a, b, upper=upper, unitriangular=unitriangular)
    return TriangularSolveResult(x, a.clone())


# -------------------------------------------------------------------------- cholesky_solve
def _sample_cholesky_solve(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    (spd,) = _sample_matrix("spd")(draw, dtype).args
    upper = draw(st.booleans())
    l_ = np.linalg.cholesky(spd.astype(np.float64))
    factor = (_mT(l_) if upper else l_).astype(dtype)
    k = draw(st.integers(1, 3))
    b = draw(testing.arrays(spd.shape[:-1] + (k,), dtype, low=-2.0, high=2.0))
    return Sample((b, factor), {"upper": upper})


def _cholesky_solve_ref(b: np.ndarray, f: np.ndarray, upper: bool = False) -> np.ndarray:
    return np.linalg.solve(_mT(f) @ f if upper else f @ _mT(f), b)


@register(method=True, sample=_sample_cholesky_solve, ref=_cholesky_solve_ref)
def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:
    """The solution ``X`` of ``A X = B`` given the Cholesky factor of ``A``: ``A = L L^T``
    (lower ``L``) or ``A = U^T U`` with ``upper=True``. ``B`` is a matrix or a stack
    ``(*, n, k)``; batch dimensions broadcast. As PyTorch, the whole of ``L`` enters the
    formula (the gradient for ``L`` is not restricted to its triangle).

    Examples
    --------
    >>> import autograd
    >>> L = autograd.tensor([[2.0, 0.0], [1.0, 2.0]])
    >>> autograd.cholesky_solve(autograd.tensor([[4.0], [2.0]]), L)
    tensor([[1.],
            [0.]])
    """
    op = "cholesky_solve"
    f = _matrix_arg(op, L, "L")
    b = _rhs_arg(op, f, B)
    n = f.shape[-1]
    if b.shape[-2] != n:
        raise ValueError(
            f"{op}: L of shape {tuple(f.shape)} and B of shape {tuple(b.shape)} do not align: "
            f"B needs {n} rows"
        )
    a = _mT(f) @ f if upper else f @ _mT(f)
    return solve(a, _as_stack(b, f.ndim))


# -------------------------------------------------------------------------------- lstsq
class LstsqResult(NamedTuple):
    """``linalg.lstsq``'s result, PyTorch's fields: ``residuals`` are the squared residual
    norms (drivers other than ``'gelsy'``, when ``m > n``), ``rank`` is empty for ``'gels'``,
    ``singular_values`` are filled for ``'gelsd'`` and ``'gelss'``."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


_DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


def _sample_lstsq(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    (a,) = _sample_matrix("any")(draw, dtype).args
    shape = a.shape[:-1] if draw(st.booleans()) else a.shape[:-1] + (draw(st.integers(1, 2)),)
    b = draw(testing.arrays(shape, dtype, low=-2.0, high=2.0))
    # the other drivers fill residuals and singular values, which are not differentiable
    return Sample((a, b), {"driver": draw(st.sampled_from([None, "gelsy"]))})


def _lstsq_ref(a: np.ndarray, b: np.ndarray, rcond: Any = None, driver: Any = None) -> tuple:
    vector = b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]
    bm = b[..., None] if vector else b
    x = np.linalg.pinv(a) @ bm
    m, n = a.shape[-2:]
    empty = np.zeros(0, dtype=a.dtype)
    res = empty
    if driver not in (None, "gelsy") and m > n:
        res = ((a @ x - bm) ** 2).sum(axis=-2)
    rank = empty if driver == "gels" else np.linalg.matrix_rank(a).astype(np.int64)
    sv = np.linalg.svd(a, compute_uv=False) if driver in ("gelsd", "gelss") else empty
    return (x[..., 0] if vector else x), res, rank, sv


@register(namespace="linalg", sample=_sample_lstsq, ref=_lstsq_ref, atol=1e-4)
def lstsq(A: Any, B: Any, rcond: Any = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution ``X`` minimizing ``||A X - B||`` for ``A`` of shape
    ``(*, m, n)`` and ``B`` of shape ``(*, m, k)`` (or ``(*, m)``, a batch of vectors); the
    minimum-norm solution when ``m < n``. Batch dimensions broadcast.

    Computed from a QR factorization of ``A`` (of ``A^T`` when ``m < n``), so ``A`` must have
    full rank: unlike PyTorch's LAPACK drivers, which all accept rank-deficient matrices, a
    rank-deficient ``A`` gives an inaccurate ``solution``. ``driver`` selects which of the
    other fields are filled, as in PyTorch; ``rank`` counts singular values above
    ``rcond * s_max`` (default ``rcond``: eps times the larger side). Only ``solution`` is
    differentiable.

    Examples
    --------
    >>> import autograd
    >>> A = autograd.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> autograd.linalg.lstsq(A, autograd.tensor([[1.0], [2.0], [3.0]])).solution
    tensor([[1.],
            [2.]])
    """
    op = "linalg.lstsq"
    a = _matrix_arg(op, A, "A", square=False)
    b = as_tensor(B, "B")
    if b.dtype != a.dtype:
        raise TypeError(f"{op}: expected B to have dtype {a.dtype} (A's), got {b.dtype}")
    if driver not in _DRIVERS:
        raise ValueError(f"{op}: driver must be one of 'gels', 'gelsy', 'gelsd', 'gelss' or "
                         f"None, got {driver!r}")  # fmt: skip
    if rcond is not None and (isinstance(rcond, bool) or not isinstance(rcond, (int, float))):
        raise TypeError(f"{op}: rcond must be a number or None, got {type(rcond).__name__}")
    m, n = a.shape[-2:]
    vector = b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]
    if not vector and b.ndim != a.ndim:
        raise ValueError(
            f"{op}: B must have A's number of dimensions ({a.ndim}), or one fewer for a batch of "
            f"vectors of shape A.shape[:-1], got shape {tuple(b.shape)}"
        )
    bm = b.unsqueeze(-1) if vector else b
    if bm.shape[-2] != m:
        raise ValueError(
            f"{op}: A of shape {tuple(a.shape)} and B of shape {tuple(b.shape)} do not align: "
            f"B needs {m} rows"
        )
    if m >= n:
        q, r = qr(a)
        x = solve_triangular(r, _mT(q) @ bm, upper=True)
    else:
        q, r = qr(_mT(a))
        x = q @ solve_triangular(_mT(r), bm, upper=False)
    empty = Tensor._make(np.zeros(0, dtype=a._array.dtype))
    residuals = empty
    s = np.linalg.svd(a._array, compute_uv=False) if driver != "gels" or m > n else None
    tol = None
    if s is not None:
        cutoff = np.finfo(s.dtype).eps * max(m, n) if rcond is None else rcond
        tol = cutoff * s.max(axis=-1, keepdims=True, initial=0.0)
    if driver not in (None, "gelsy") and m > n and bool(((s > tol).sum(axis=-1) == n).all()):
        diff = (a @ x - bm).detach()
        residuals = (diff * diff).sum(-2)  # (*, 1) for a vector B, as PyTorch
    rank = Tensor._make(np.zeros(0, dtype=np.int64))
    if driver != "gels":
        rank = Tensor._make(np.asarray((s > tol).sum(axis=-1), dtype=np.int64))
    values = Tensor._make(s) if driver in ("gelsd", "gelss") else empty
    return LstsqResult(x.squeeze(-1) if vector else x, residuals, rank, values)
