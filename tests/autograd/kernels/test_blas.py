"""Tests for autograd/kernels/_blas.py: NumPy's BLAS GEMM called from compiled kernels."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels import _blas, _jit

needs_blas = pytest.mark.skipif(
    not _blas.AVAILABLE, reason="NumPy's BLAS has no 64-bit-integer CBLAS GEMM (or no JIT)"
)


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [(0, 5), (2, 4), (3, 3), (4, 5)])
@pytest.mark.parametrize("beta", [0.0, 1.0])
def test_gemm_rows_matches_numpy(dtype, rows, beta):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 7)).astype(dtype)
    b = rng.standard_normal((7, 6)).astype(dtype)
    c = rng.standard_normal((5, 6)).astype(dtype)
    expected = c.copy()
    r0, r1 = rows
    expected[r0:r1] = a[r0:r1] @ b + beta * c[r0:r1]
    _blas.gemm_rows(a, b, c, r0, r1, beta)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol)


@needs_blas
@pytest.mark.parametrize("shape", [(3, 0, 4), (0, 3, 4), (3, 4, 0)])
def test_gemm_rows_with_an_empty_dimension(shape):
    m, k, n = shape
    a, b = np.ones((m, k)), np.ones((k, n))
    c = np.full((m, n), 2.0)
    _blas.gemm_rows(a, b, c, 0, m, 0.5)
    np.testing.assert_array_equal(c, np.full((m, n), 1.0))  # an empty sum: beta * c


@needs_blas
def test_gemm_rows_from_every_kernel_thread_at_once():
    # The reason it exists: BLAS on the kernel threads, each on its own rows.
    @_jit.jit(parallel=True)
    def rows_in_parallel(a, b, c, parts):
        for i in _jit.prange(parts):
            _blas.gemm_rows(a, b, c, a.shape[0] * i // parts, a.shape[0] * (i + 1) // parts, 0.0)

    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((64, 48)), rng.standard_normal((48, 40))
    c = np.empty((64, 40))
    with _jit._single_threaded_blas():
        _jit.run_parallel(rows_in_parallel, a, b, c, 4)
    np.testing.assert_allclose(c, a @ b, rtol=1e-12, atol=1e-12)


@needs_blas
def test_one_thread_holds_numpys_blas_and_restores_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def counts():
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = _blas._get_threads()
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        with _blas.one_thread():
            assert _blas._get_threads() == 1
            with _blas.one_thread():  # nested: still one, and the outer hold restores
                assert _blas._get_threads() == 1
            assert _blas._get_threads() == 1
        assert _blas._get_threads() == 2
        assert 2 in counts()
    assert _blas._get_threads() == before
