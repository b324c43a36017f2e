"""Matrix decompositions: linalg.cholesky, linalg.eigh / eigvalsh, linalg.svd / svdvals,
linalg.qr. NumPy's LAPACK computes them (a stack ``(*, m, n)`` at once); the backward and
forward-mode rules are PyTorch's (real case), written with ``@``, ``np.tril`` and
``np.linalg.inv`` so they are differentiable again under ``create_graph=True``.

``cholesky`` and ``eigh`` read one triangle of a symmetric input; their gradients are symmetric
(the derivative along symmetric directions), as PyTorch's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .linalg import _mT
from .matrix import _inv, _lapack, _matrix_arg
from .registry import Sample, register


def _sym(x: Any) -> Any:
    return (x + _mT(x)) * 0.5


def _eye(n: int, like: Any) -> np.ndarray:
    return np.eye(n, dtype=like.dtype)


def _gap_matrix(w: Any) -> Any:
    """``E[i, j] = w[j] - w[i]``, with 1 on the diagonal (there it only divides zeros)."""
    n = w.shape[-1]
    return w[..., None, :] - w[..., :, None] + _eye(n, w)


def _sample_matrix(kind: str) -> Any:
    """Sampler for the decompositions: ``"spd"`` (symmetric positive definite), ``"sym"``
    (symmetric, eigenvalues at least 0.3 apart), ``"tall"``/``"any"`` (singular values at least
    0.3 apart, ``m >= n`` for ``"tall"``).

    For ``"tall"``/``"any"`` no entry off the diagonal is near 0: where the part of a column
    below its pivot is exactly 0, LAPACK's Householder step is the identity, and the slightest
    change there reflects instead, flipping the signs of Q's column and R's row (and of the
    singular vectors): finite differences straddle the flip and gradcheck fails, PyTorch's too
    (``[[0.99], [0.0]]``)."""

    def sample(draw: Any, dtype: np.dtype) -> Sample:
        from hypothesis import strategies as st

        from .. import testing

        m = draw(st.integers(1, 3))
        n = m if kind in ("spd", "sym") else draw(st.integers(1, m if kind == "tall" else 3))
        batch = draw(st.sampled_from([(), (2,)]))
        x = draw(testing.arrays(batch + (m, n), dtype, low=-1.0, high=1.0)).astype(np.float64)
        if kind == "spd":
            a = x @ _mT(x) + n * np.eye(n)
        elif kind == "sym":
            a = 0.2 * _sym(x) + np.diag(np.arange(n) * 1.5)
        else:
            k = min(m, n)
            d = np.zeros((m, n))
            d[range(k), range(k)] = 1.0 + 1.5 * np.arange(k)
            a = 0.1 * np.where(x < 0, -1.0, 1.0) * (0.2 + 0.8 * np.abs(x)) + d
        return Sample((a.astype(dtype),))

    return sample


# ------------------------------------------------------------------------------- cholesky
class Cholesky(Function):
    @staticmethod
    def forward(ctx, a):
        try:
            l_ = np.linalg.cholesky(a)
        except np.linalg.LinAlgError as e:
            raise RuntimeError(
                "linalg.cholesky: the factorization could not be completed because the input "
                "is not positive-definite"
            ) from e
        ctx.save_for_backward(l_)
        return l_

    @staticmethod
    def backward(ctx, g):
        (l_,) = ctx.saved_tensors
        x = _mT(l_) @ g
        inner = (np.tril(x) + _mT(np.tril(x, -1))) * 0.5
        li = _inv(l_)
        return _mT(li) @ inner @ li

    @staticmethod
    def jvp(ctx, u):
        (l_,) = ctx.saved_tensors
        li = np.linalg.inv(l_)
        x = li @ _sym(u) @ _mT(li)
        return l_ @ (np.tril(x) - 0.5 * x * _eye(x.shape[-1], x))


def _cholesky_ref(a: np.ndarray, upper: bool = False) -> np.ndarray:
    l_ = np.linalg.cholesky(a)
    return _mT(l_) if upper else l_


def _sample_cholesky(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    sample = _sample_matrix("spd")(draw, dtype)
    return Sample(sample.args, {"upper": draw(st.booleans())})


@register(
    namespace="linalg", sample=_sample_cholesky, ref=_cholesky_ref, gradcheck=False,
    gradgradcheck=False,
)  # fmt: skip
def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix (or stack): lower triangular
    ``L`` with ``A = L L^T``, or ``U = L^T`` with ``upper=True``. Only the lower triangle of
    ``A`` is read; the gradient is symmetric, as PyTorch's. A matrix that is not positive
    definite raises RuntimeError.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.cholesky(autograd.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    l_ = Cholesky.apply(_matrix_arg("linalg.cholesky", A, "A"))
    return l_.swapaxes(-1, -2) if upper else l_


# ----------------------------------------------------------------------------------- eigh
class Eigh(Function):
    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        n = w.shape[-1]
        inner = _eye(n, w) * gw[..., None, :]
        if gv is not None:
            x = _mT(v) @ gv
            inner = inner + (x - _mT(x)) * 0.5 / _gap_matrix(w)
        return v @ inner @ _mT(v), None

    @staticmethod
    def jvp(ctx, u, uplo):
        w, v = ctx.saved_tensors
        x = _mT(v) @ _sym(u) @ v
        eye = _eye(w.shape[-1], w)
        dw = (x * eye).sum(axis=-1)
        return dw, v @ (x * (1 - eye) / _gap_matrix(w))


class EigenvaluesEigenvectors(NamedTuple):
    """``linalg.eigh``'s result: ascending ``eigenvalues`` and the ``eigenvectors`` (columns)."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def _uplo(op: str, UPLO: Any) -> str:
    if UPLO not in ("L", "U"):
        raise ValueError(f"{op}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO


def _eigh_ref(a: np.ndarray, UPLO: str = "L") -> tuple:
    return tuple(np.linalg.eigh(a, UPLO=UPLO))


@register(
    namespace="linalg", sample=_sample_matrix("sym"), ref=_eigh_ref, gradcheck=False,
    gradgradcheck=False,
)  # fmt: skip
def eigh(A: Any, UPLO: str = "L") -> EigenvaluesEigenvectors:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (or stack), reading its
    lower (``UPLO='L'``) or upper triangle. The gradient is symmetric and needs distinct
    eigenvalues (eigenvectors of a repeated eigenvalue are not unique), as PyTorch's.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.eigh(autograd.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    a = _matrix_arg("linalg.eigh", A, "A")
    return EigenvaluesEigenvectors(*Eigh.apply(a, _uplo("linalg.eigh", UPLO)))


@register(
    namespace="linalg", sample=_sample_matrix("sym"), gradcheck=False, gradgradcheck=False,
    ref=lambda a, UPLO="L": np.linalg.eigvalsh(a, UPLO=UPLO),
)  # fmt: skip
def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of a symmetric matrix (or stack); see :func:`eigh`.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.eigvalsh(autograd.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    a = _matrix_arg("linalg.eigvalsh", A, "A")
    return Eigh.apply(a, _uplo("linalg.eigvalsh", UPLO))[0]


# ------------------------------------------------------------------------------------ svd
class Svd(Function):
    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = _lapack("linalg.svd", lambda x: np.linalg.svd(x, full_matrices), a)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        eye = _eye(k, s)
        inner = eye * gs[..., None, :] if gs is not None else 0
        if gu is None and gvh is None:
            return u @ inner @ vh, None
        v = _mT(vh)
        s2 = s * s
        f = (1 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)  # 1 / (s_j^2 - s_i^2)
        term = 0
        if gu is not None:
            gu = gu[..., :k]
            j = _mT(u) @ gu
            inner = inner + (f * (j - _mT(j))) * s[..., None, :]
            # the part of gu outside U's columns
            term = (gu - u @ j) / s[..., None, :] @ vh
        if gvh is not None:
            gv = _mT(gvh[..., :k, :])
            kk = vh @ gv
            inner = inner + s[..., :, None] * (f * (kk - _mT(kk)))
            term = term + u @ _mT((gv - v @ kk) / s[..., None, :])
        return u @ inner @ vh + term, None

    @staticmethod
    def jvp(ctx, da, full_matrices):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        completed = u.shape[-1] != k or vh.shape[-2] != k
        u, vh = u[..., :k], vh[..., :k, :]
        eye = _eye(k, s)
        v = _mT(vh)
        s2 = s * s
        f = (1 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)
        dp = _mT(u) @ da @ v
        ds = (dp * eye).sum(axis=-1)
        sd = s[..., None, :]  # right-multiplication by diag(s)
        du = u @ (f * (dp * sd + s[..., :, None] * _mT(dp)))
        du = du + (da @ v - u @ dp) / sd
        dv = v @ (f * (s[..., :, None] * dp + _mT(dp) * sd))
        dv = dv + (_mT(da) @ u - v @ _mT(dp)) / sd
        if completed:
            return None, ds, None  # the completed columns have no tangent
        return du, ds, _mT(dv)


class SVDResult(NamedTuple):
    """``linalg.svd``'s result: ``A = U diag(S) Vh``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


def _sample_svd(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    (a,) = _sample_matrix("any")(draw, dtype).args
    full = a.shape[-1] == a.shape[-2] and draw(st.booleans())
    return Sample((a,), {"full_matrices": full})


def _svd_ref(a: np.ndarray, full_matrices: bool = True) -> tuple:
    return tuple(np.linalg.svd(a, full_matrices))


# Signs of singular vectors are LAPACK's choice, which may differ from PyTorch's: the comparison
# with PyTorch (on sign-invariant quantities) is in tests/autograd/test_decomp.py.
@register(namespace="linalg", sample=_sample_svd, ref=_svd_ref, torch=None, atol=1e-4)
def svd(A: Any, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``A = U diag(S) Vh`` of a matrix or stack ``(*, m, n)``,
    singular values descending. With ``full_matrices=False`` ``U`` is ``(*, m, k)`` and ``Vh``
    ``(*, k, n)``, ``k = min(m, n)``.

    Gradients need distinct, non-zero singular values (the vectors are not unique otherwise);
    with ``full_matrices=True`` the columns beyond ``k`` get no gradient, as in PyTorch.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.svd(autograd.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    a = _matrix_arg("linalg.svd", A, "A", square=False)
    return SVDResult(*Svd.apply(a, bool(full_matrices)))


@register(
    namespace="linalg", sample=_sample_matrix("any"),
    ref=lambda a: np.linalg.svd(a, compute_uv=False),
)  # fmt: skip
def svdvals(A: Any) -> Tensor:
    """The singular values of a matrix or stack ``(*, m, n)``, descending.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.svdvals(autograd.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    a = _matrix_arg("linalg.svdvals", A, "A", square=False)
    return Svd.apply(a, False)[1]


# ------------------------------------------------------------------------------------- qr
def _qr_square_grad(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """Gradient of ``A = QR`` for ``m >= n`` (reduced): ``(gQ + Q copyltu(M)) R^-T`` with
    ``M = R gR^T - gQ^T Q`` and ``copyltu(M)`` the symmetric matrix of M's lower triangle."""
    m_ = r @ _mT(gr) - _mT(gq) @ q
    sym = np.tril(m_) + _mT(np.tril(m_, -1))
    return (gq + q @ sym) @ _mT(_inv(r))


class Qr(Function):
    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a, mode=mode)
        ctx.mode = mode
        ctx.save_for_backward(a, q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                "nrows > ncols"
            )
        gq = q * 0 if gq is None else gq
        gr = r * 0 if gr is None else gr
        if m >= n:
            return _qr_square_grad(q, r, gq, gr), None
        # A = [X | Y] with X square: X = Q U, Y = Q V (R = [U | V])
        y, u = a[..., m:], r[..., :m]
        gu, gv = gr[..., :m], gr[..., m:]
        gx = _qr_square_grad(q, u, gq + y @ _mT(gv), gu)
        return np.concatenate([gx, q @ gv], axis=-1), None

    @staticmethod
    def jvp(ctx, da, mode):
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        if mode == "complete" and m > n:
            raise RuntimeError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                "nrows > ncols"
            )
        if m >= n:
            return _qr_square_jvp(q, r, da)
        # A = [X | Y] with X = Q U square and V = Q^T Y
        dq, du = _qr_square_jvp(q, r[..., :m], da[..., :m])
        dv = _mT(dq) @ a[..., m:] + _mT(q) @ da[..., m:]
        return dq, np.concatenate([du, dv], axis=-1)


def _qr_square_jvp(q: np.ndarray, r: np.ndarray, da: np.ndarray) -> tuple:
    """Tangents of ``Q, R`` for ``m >= n``: with ``C = Q^T dA R^-1``, ``Q^T dQ`` is the
    skew-symmetric ``Omega`` made of C's strictly lower part and ``dR R^-1 = C - Omega``."""
    ri = np.linalg.inv(r)
    c = _mT(q) @ da @ ri
    low = np.tril(c, -1)
    omega = low - _mT(low)
    return da @ ri - q @ (c - omega), (c - omega) @ r


class QRResult(NamedTuple):
    """``linalg.qr``'s result: ``A = Q R``."""

    Q: Tensor
    R: Tensor


def _sample_qr(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    (a,) = _sample_matrix("any")(draw, dtype).args
    mode = "complete" if a.shape[-2] <= a.shape[-1] and draw(st.booleans()) else "reduced"
    return Sample((a,), {"mode": mode})


def _qr_ref(a: np.ndarray, mode: str = "reduced") -> tuple:
    return tuple(np.linalg.qr(a, mode=mode))


@register(namespace="linalg", sample=_sample_qr, ref=_qr_ref)
def qr(A: Any, mode: str = "reduced") -> QRResult:
    """QR decomposition ``A = Q R`` of a matrix or stack ``(*, m, n)``: ``Q`` with orthonormal
    columns, ``R`` upper triangular. ``mode`` is ``'reduced'`` (``Q`` is ``(*, m, k)``),
    ``'complete'`` (``Q`` is ``(*, m, m)``) or ``'r'`` (``R`` only; ``Q`` is empty).

    Differentiable except for ``mode='complete'`` with ``m > n`` and ``mode='r'``, as PyTorch.

    Examples
    --------
    >>> import autograd
    >>> q, r = autograd.linalg.qr(autograd.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> (q @ r).round(decimals=4)
    tensor([[3., 1.],
            [4., 2.]])
    """
    a = _matrix_arg("linalg.qr", A, "A", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    if mode == "r":
        r = np.linalg.qr(a._array, mode="r")
        return QRResult(Tensor._make(np.zeros((0,), a.dtype)), Tensor._make(np.asarray(r)))
    return QRResult(*Qr.apply(a, mode))
