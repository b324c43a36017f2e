"""Square-matrix functions: inverse, det, slogdet, logdet, linalg.solve, matrix_power.

Every op takes a matrix or a stack of them (``(*, n, n)``; NumPy's LAPACK runs the whole stack at
once) and differentiates with PyTorch's formulas, written with ``@`` and ``np.linalg.inv`` so that
under ``create_graph=True`` they run on Tensors and are themselves differentiable::

    inverse:  gA = -Y^T g Y^T                (Y = A^-1)
    det:      gA = g det(A) A^-T
    slogdet:  gA = g_logabsdet A^-T
    solve:    gB = A^-T g,  gA = -gB X^T     (X = A^-1 B)

Unlike PyTorch, ``det``'s gradient at a singular matrix is not defined (PyTorch falls back to an
SVD there); these rules need an invertible matrix.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._util import as_tensor
from .linalg import _mT, matmul
from .registry import Sample, register


def _matrix_arg(op: str, x: Any, argname: str = "A", square: bool = True) -> Tensor:
    """``x`` as a floating Tensor of at least 2 dims (square ones if ``square``), or an error
    naming ``argname``."""
    t = as_tensor(x, argname)
    if t._array.dtype.kind != "f":
        raise TypeError(
            f"{op}: expected {argname} to be a floating point tensor, got dtype {t.dtype}; "
            "convert it first (e.g. .float())"
        )
    if t.ndim < 2:
        raise ValueError(
            f"{op}: {argname} must have at least 2 dimensions (a matrix or a stack of them), "
            f"got shape {tuple(t.shape)}"
        )
    if square and t.shape[-1] != t.shape[-2]:
        raise ValueError(
            f"{op}: {argname} must be a batch of square matrices, got shape {tuple(t.shape)}"
        )
    return t


def _lapack(op: str, fn: Any, *arrays: np.ndarray) -> Any:
    """Run a NumPy LAPACK routine, turning its LinAlgError into PyTorch's RuntimeError."""
    try:
        return fn(*arrays)
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"{op}: {e}: the input matrix is singular (or not invertible)") from e


def _inv(a: Any) -> Any:
    """``a^-1`` of an array (LAPACK) or a Tensor (differentiable, under create_graph)."""
    return np.linalg.inv(a)


def _unsqueeze2(x: Any) -> Any:
    return x[..., None, None]


def _sample_square(sign_flips: bool = False, max_n: int = 3, extra: Any = None) -> Any:
    """Sampler of well-conditioned square matrices: entries in [-1, 1] plus ``n + 1`` on the
    diagonal, so strictly diagonally dominant (and, with ``sign_flips``, some rows negated so
    determinants of both signs are drawn)."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        n = draw(st.integers(1, max_n))
        batch = draw(st.sampled_from([(), (2,), (1, 2)]))
        x = draw(testing.arrays(batch + (n, n), dtype, low=-1.0, high=1.0))
        a = x + (n + 1) * np.eye(n, dtype=dtype)
        if sign_flips:
            flips = draw(testing.arrays((n, 1), np.dtype(bool)))
            a = np.where(flips, -a, a)
        a = a.astype(dtype)
        if extra is None:
            return Sample((a,))
        return extra(draw, dtype, a)

    return sample


# -------------------------------------------------------------------------------- inverse
class Inverse(Function):
    @staticmethod
    def forward(ctx, a):
        y = _lapack("inverse", np.linalg.inv, a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        yt = _mT(y)
        return -(yt @ g @ yt)

    @staticmethod
    def jvp(ctx, u):
        (y,) = ctx.saved_tensors
        return -(y @ u @ y)


@register(
    method=True, numpy=np.linalg.inv, sample=_sample_square(sign_flips=True), ref=np.linalg.inv
)
def inverse(input: Any) -> Tensor:
    """The inverse of a square matrix, or of each matrix of a stack ``(*, n, n)``.

    ``autograd.linalg.inv`` is the same function. A singular matrix raises RuntimeError.

    Examples
    --------
    >>> import autograd
    >>> autograd.inverse(autograd.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    return Inverse.apply(_matrix_arg("inverse", input, "input"))


# ------------------------------------------------------------------------------------ det
class Det(Function):
    @staticmethod
    def forward(ctx, a):
        y = np.asarray(np.linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, y = ctx.saved_tensors
        return _unsqueeze2(g * y) * _mT(_inv(a))

    @staticmethod
    def jvp(ctx, u):
        a, y = ctx.saved_tensors
        # d det = det * trace(A^-1 dA)
        return y * (_mT(np.linalg.inv(a)) * u).sum(axis=(-2, -1))


@register(
    method=True, numpy=np.linalg.det, sample=_sample_square(sign_flips=True), ref=np.linalg.det
)
def det(input: Any) -> Tensor:
    """The determinant of a square matrix, or of each matrix of a stack ``(*, n, n)``.

    ``autograd.linalg.det`` is the same function. Its gradient ``g det(A) A^-T`` needs an
    invertible matrix (PyTorch also differentiates at singular ones).

    Examples
    --------
    >>> import autograd
    >>> autograd.det(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    return Det.apply(_matrix_arg("det", input, "input"))


# -------------------------------------------------------------------------------- slogdet
class SignLogAbsDet(NamedTuple):
    """``slogdet``'s result: ``sign`` (-1, 0 or 1) and ``logabsdet`` (log |det|)."""

    sign: Tensor
    logabsdet: Tensor


class Slogdet(Function):
    @staticmethod
    def forward(ctx, a):
        sign, lad = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return np.asarray(sign, dtype=a.dtype), np.asarray(lad, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g_sign, g_lad):
        (a,) = ctx.saved_tensors
        return _unsqueeze2(g_lad) * _mT(_inv(a))

    @staticmethod
    def jvp(ctx, u):
        (a,) = ctx.saved_tensors
        return None, (_mT(np.linalg.inv(a)) * u).sum(axis=(-2, -1))


def _slogdet_ref(a: np.ndarray) -> tuple:
    return tuple(np.linalg.slogdet(a))


@register(method=True, sample=_sample_square(sign_flips=True), ref=_slogdet_ref)
def slogdet(input: Any) -> SignLogAbsDet:
    """The sign and the log of the absolute value of the determinant, as
    ``(sign, logabsdet)``; only ``logabsdet`` is differentiable (the sign's gradient is 0).

    ``autograd.linalg.slogdet`` is the same function.

    Examples
    --------
    >>> import autograd
    >>> autograd.slogdet(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
    SignLogAbsDet(sign=tensor(-1.), logabsdet=tensor(0.6931))
    """
    return SignLogAbsDet(*Slogdet.apply(_matrix_arg("slogdet", input, "input")))


class Logdet(Function):
    @staticmethod
    def forward(ctx, a):
        sign, lad = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        # log(det): -inf at a singular matrix, NaN where the determinant is negative
        return np.asarray(np.where(sign < 0, np.nan, lad), dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return _unsqueeze2(g) * _mT(_inv(a))

    @staticmethod
    def jvp(ctx, u):
        (a,) = ctx.saved_tensors
        return (_mT(np.linalg.inv(a)) * u).sum(axis=(-2, -1))


def _logdet_ref(a: np.ndarray) -> np.ndarray:
    sign, lad = np.linalg.slogdet(a)
    return np.where(sign < 0, np.nan, lad)


@register(method=True, sample=_sample_square(), ref=_logdet_ref)
def logdet(input: Any) -> Tensor:
    """``log(det(input))`` of a square matrix or a stack: NaN where the determinant is
    negative and ``-inf`` where it is 0, as PyTorch.

    Examples
    --------
    >>> import autograd
    >>> autograd.logdet(autograd.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    return Logdet.apply(_matrix_arg("logdet", input, "input"))


# ---------------------------------------------------------------------------------- solve
class Solve(Function):
    """``X = A^-1 B`` for a matrix right-hand side ``B`` of shape ``(*, n, k)``."""

    @staticmethod
    def forward(ctx, a, b):
        x = _lapack("linalg.solve", np.linalg.solve, a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        need_a, _ = ctx.needs_input_grad
        gb = _mT(_inv(a)) @ g
        return (-(gb @ _mT(x)) if need_a else None), gb

    @staticmethod
    def jvp(ctx, da, db):
        a, x = ctx.saved_tensors
        return np.linalg.solve(a, db - da @ x)


def _sample_solve(draw: Any, dtype: np.dtype, a: np.ndarray) -> Sample:
    from hypothesis import strategies as st

    from .. import testing

    n = a.shape[-1]
    kind = draw(st.sampled_from(["vector", "matrix", "batched_vector", "right"]))
    if kind == "vector":
        a = a[(0,) * (a.ndim - 2)]
        b = draw(testing.arrays((n,), dtype, low=-2.0, high=2.0))
        return Sample((a, b))
    if kind == "batched_vector":
        b = draw(testing.arrays(a.shape[:-1], dtype, low=-2.0, high=2.0))
        return Sample((a, b))
    k = draw(st.integers(1, 3))
    shape = a.shape[:-1] + (k,) if kind == "matrix" else a.shape[:-2] + (k, n)
    b = draw(testing.arrays(shape, dtype, low=-2.0, high=2.0))
    return Sample((a, b), {"left": kind != "right"})


def _solve_ref(a: np.ndarray, b: np.ndarray, left: bool = True) -> np.ndarray:
    if not left:
        return _mT(np.linalg.solve(_mT(a), _mT(b)))
    if b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]):
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


@register(namespace="linalg", sample=_sample_square(extra=_sample_solve), ref=_solve_ref)
def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``) for square ``A``.

    ``B`` is a batch of vectors when it is 1-D or has the shape ``A.shape[:-1]``, else a batch
    of matrices ``(*, n, k)``; batch dimensions broadcast. A singular ``A`` raises RuntimeError.

    Examples
    --------
    >>> import autograd
    >>> A = autograd.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> autograd.linalg.solve(A, autograd.tensor([1.0, 1.0]))
    tensor([0.5000, 0.2500])
    """
    a = _matrix_arg("linalg.solve", A, "A")
    b = as_tensor(B, "B")
    if b.dtype != a.dtype:
        raise TypeError(f"linalg.solve: A and B must have the same dtype, got {a.dtype} and "
                        f"{b.dtype}")  # fmt: skip
    if not left:
        if b.ndim < 2:
            raise ValueError(
                f"linalg.solve: with left=False B must be a matrix, got shape {tuple(b.shape)}"
            )
        return solve(_mT(a), _mT(b)).swapaxes(-1, -2)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b.unsqueeze(-1) if vector else b
    n = a.shape[-1]
    if bm.ndim < 2 or bm.shape[-2] != n:
        raise ValueError(
            f"linalg.solve: A of shape {tuple(a.shape)} and B of shape {tuple(b.shape)} do not "
            f"align: B needs {n} rows"
        )
    try:
        batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    except ValueError:
        raise ValueError(
            f"linalg.solve: batch dimensions of A {tuple(a.shape)} and B {tuple(b.shape)} "
            "cannot be broadcast together"
        ) from None
    a = a.expand(*batch, n, n) if a.shape[:-2] != batch else a
    bm = bm.expand(*batch, *bm.shape[-2:]) if bm.shape[:-2] != batch else bm
    x = Solve.apply(a, bm)
    return x.squeeze(-1) if vector else x


# --------------------------------------------------------------------------- matrix_power
def _sample_power(draw: Any, dtype: np.dtype, a: np.ndarray) -> Sample:
    from hypothesis import strategies as st

    return Sample(((a * 0.4).astype(dtype), draw(st.integers(-2, 3))))


def _power_ref(a: np.ndarray, n: int) -> np.ndarray:
    return np.linalg.matrix_power(a, n)


@register(method=True, sample=_sample_square(extra=_sample_power), ref=_power_ref)
def matrix_power(input: Any, n: int) -> Tensor:
    """``input`` (a square matrix or a stack) to the integer power ``n``: the identity for 0,
    the inverse's power for negative ``n``; by repeated squaring.

    ``autograd.linalg.matrix_power`` is the same function.

    Examples
    --------
    >>> import autograd
    >>> autograd.matrix_power(autograd.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    a = _matrix_arg("matrix_power", input, "input")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an integer, got {type(n).__name__}")
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return Tensor._make(eye.copy())
    if n < 0:
        a, n = inverse(a), -n
    result = None
    while True:
        if n & 1:
            result = a if result is None else matmul(result, a)
        n >>= 1
        if not n:
            return result if result is not a else a * 1
        a = matmul(a, a)
