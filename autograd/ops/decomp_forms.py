"""Forms built on the decompositions of decomp.py: PyTorch's older top-level ``svd`` (U, S, V),
``qr(some=)`` and ``cholesky(upper)``, and ``linalg.pinv``, ``linalg.matrix_rank``.

Their gradients come from the decompositions' rules.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from .decomp import (
    QRResult,
    Svd,
    _cholesky_ref,
    _qr_ref,
    _sample_cholesky,
    _sample_matrix,
    _sample_svd,
    cholesky,
    qr,
    svdvals,
)  # fmt: skip
from .linalg import _mT
from .matrix import _matrix_arg
from .registry import Sample, register


# ------------------------------------------------------- PyTorch's older top-level forms
class SVDLegacyResult(NamedTuple):
    """``svd``'s result: ``A = U diag(S) V^T`` (``V``, not ``Vh``)."""

    U: Tensor
    S: Tensor
    V: Tensor


def _sample_legacy_svd(draw: Any, dtype: np.dtype) -> Sample:
    s = _sample_svd(draw, dtype)  # some=True is full_matrices=False
    return Sample(s.args, {"some": not s.kwargs["full_matrices"]})


def _legacy_svd_ref(a: np.ndarray, some: bool = True) -> tuple:
    u, s, vh = np.linalg.svd(a, full_matrices=not some)
    return u, s, _mT(vh)


@register(name="svd", method=True, sample=_sample_legacy_svd, ref=_legacy_svd_ref, torch=None,
          atol=1e-4)  # fmt: skip
def legacy_svd(input: Any, some: bool = True, compute_uv: bool = True) -> SVDLegacyResult:
    """PyTorch's older ``svd``: ``(U, S, V)`` with ``A = U diag(S) V^T``; ``some=True`` gives
    the reduced factors. With ``compute_uv=False`` ``U`` and ``V`` are zero matrices. Prefer
    :func:`autograd.linalg.svd` (it returns ``Vh``).

    Examples
    --------
    >>> import autograd
    >>> u, s, v = autograd.svd(autograd.tensor([[3.0, 0.0], [0.0, -4.0]]))
    >>> s
    tensor([4., 3.])
    """
    a = _matrix_arg("svd", input, "input", square=False)
    if not compute_uv:
        m, n = a.shape[-2], a.shape[-1]
        zeros = np.zeros  # PyTorch returns zero-filled U and V then
        return SVDLegacyResult(
            Tensor._make(zeros(a.shape[:-2] + (m, m), a.dtype)), svdvals(a),
            Tensor._make(zeros(a.shape[:-2] + (n, n), a.dtype)),
        )  # fmt: skip
    u, s, vh = Svd.apply(a, not some)
    return SVDLegacyResult(u, s, vh.swapaxes(-1, -2))


def _sample_legacy_qr(draw: Any, dtype: np.dtype) -> Sample:
    from hypothesis import strategies as st

    (a,) = _sample_matrix("any")(draw, dtype).args
    return Sample((a,), {"some": a.shape[-2] > a.shape[-1] or draw(st.booleans())})


@register(
    name="qr", method=True, sample=_sample_legacy_qr,
    ref=lambda a, some=True: _qr_ref(a, "reduced" if some else "complete"),
)  # fmt: skip
def legacy_qr(input: Any, some: bool = True) -> QRResult:
    """PyTorch's older ``qr``: :func:`autograd.linalg.qr` with ``mode='reduced'`` when
    ``some`` is True, else ``'complete'``.

    Examples
    --------
    >>> import autograd
    >>> autograd.qr(autograd.eye(2)).R
    tensor([[1., 0.],
            [0., 1.]])
    """
    return qr(input, "reduced" if some else "complete")


@register(
    name="cholesky", method=True, sample=_sample_cholesky, ref=_cholesky_ref, gradcheck=False,
    gradgradcheck=False,
)  # fmt: skip
def legacy_cholesky(input: Any, upper: bool = False) -> Tensor:
    """PyTorch's older ``cholesky``: :func:`autograd.linalg.cholesky` with ``upper`` as a
    positional argument.

    Examples
    --------
    >>> import autograd
    >>> autograd.cholesky(autograd.tensor([[4.0, 2.0], [2.0, 5.0]]), upper=True)
    tensor([[2., 1.],
            [0., 2.]])
    """
    return cholesky(input, upper=upper)


# ------------------------------------------------------------------- pinv, matrix_rank
def _tolerance(op: str, s: np.ndarray, shape: tuple, atol: Any, rtol: Any) -> np.ndarray:
    """PyTorch's cutoff ``max(atol, rtol * largest singular value)`` per matrix; with neither
    given, ``rtol = eps * max(m, n)``."""
    for name, v in (("atol", atol), ("rtol", rtol)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
            raise ValueError(f"{op}: {name} must be a non-negative number or None, got {v!r}")
    if rtol is None:
        rtol = np.finfo(s.dtype).eps * max(shape[-2:]) if atol is None or atol == 0 else 0.0
    smax = s.max(axis=-1, keepdims=True, initial=0.0)
    return np.maximum(0.0 if atol is None else atol, rtol * smax)


@register(namespace="linalg", sample=_sample_matrix("any"), ref=np.linalg.pinv, atol=1e-4)
def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudoinverse ``V diag(1/s) U^T`` of a matrix or stack, dropping
    singular values at or below ``max(atol, rtol * s_max)`` (default ``rtol``: eps times the
    larger side). ``hermitian`` is accepted (the SVD is used either way). The gradient goes
    through the SVD, so it needs distinct singular values.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.pinv(autograd.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    a = _matrix_arg("linalg.pinv", A, "A", square=False)
    u, s, vh = Svd.apply(a, False)
    cutoff = _tolerance("linalg.pinv", s._array, tuple(a.shape), atol, rtol)
    kept = s._array > cutoff
    # 1/s where kept, 0 elsewhere; written with ops so reverse and forward mode both see it
    inv_s = Tensor._make(kept.astype(a._array.dtype)) / s.masked_fill(Tensor._make(~kept), 1.0)
    return (_mT(vh) * inv_s[..., None, :]) @ _mT(u)


@register(namespace="linalg")
def matrix_rank(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """The number of singular values above ``max(atol, rtol * s_max)`` (int64), as
    :func:`pinv` counts them.

    Examples
    --------
    >>> import autograd
    >>> autograd.linalg.matrix_rank(autograd.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    a = _matrix_arg("linalg.matrix_rank", A, "A", square=False)
    s = np.linalg.svd(a._array, compute_uv=False)
    cutoff = _tolerance("linalg.matrix_rank", s, tuple(a.shape), atol, rtol)
    return Tensor._make(np.asarray((s > cutoff).sum(axis=-1), dtype=np.int64))
