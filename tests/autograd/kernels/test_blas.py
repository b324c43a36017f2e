"""Tests for autograd/kernels/_blas.py: NumPy's BLAS GEMM called from compiled kernels."""

from __future__ import annotations

import threading
import time

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
def test_gemm_rows_with_beta_zero_overwrites_whatever_c_held():
    # As BLAS does: a buffer that the first product writes need not be zeroed, even when that
    # product is an empty sum.
    for k in (0, 3):
        a, b = np.ones((2, k)), np.ones((k, 4))
        c = np.full((2, 4), np.nan)
        _blas.gemm_rows(a, b, c, 0, 2, 0.0)
        np.testing.assert_array_equal(c, np.full((2, 4), float(k)))


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 7, 6), (1, 300, 2), (3, 0, 4), (0, 3, 4), (3, 4, 0)])
@pytest.mark.parametrize("beta", [0.0, 1.0])
@pytest.mark.parametrize("which", ["nt", "tn"])
def test_gemm_with_a_transposed_operand_matches_numpy(dtype, shape, beta, which):
    # gemm_nt: c = a @ b.T + beta * c, b given row-major as (n, k); gemm_tn: c = a.T @ b + beta
    # * c, a given row-major as (k, m). beta = 0 overwrites whatever c held.
    m, k, n = shape
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k) if which == "nt" else (k, m)).astype(dtype)
    b = rng.standard_normal((n, k) if which == "nt" else (k, n)).astype(dtype)
    c = rng.standard_normal((m, n)).astype(dtype)
    expected = (a @ b.T if which == "nt" else a.T @ b) + beta * c
    if beta == 0.0:
        c.fill(np.nan)
    (_blas.gemm_nt if which == "nt" else _blas.gemm_tn)(a, b, c, beta)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol)


def test_in_one_kernel_only_on_the_main_thread():
    seen = []
    worker = threading.Thread(target=lambda: seen.append(_blas.in_one_kernel()))
    worker.start()
    worker.join()
    assert seen == [False]
    assert _blas.in_one_kernel() == (_blas.AVAILABLE and not _jit._SERIAL_ONLY)


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


# --------------------------------------------------------------------------------------------
# add_product: c += a @ b by one accumulating GEMM, from Python

needs_gemm = pytest.mark.skipif(not _blas._from_python, reason="NumPy's OpenBLAS GEMM not found")


def _layout(x: np.ndarray, column_major: bool) -> np.ndarray:
    return np.asfortranarray(x) if column_major else np.ascontiguousarray(x)


@needs_gemm
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layouts", [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)])
def test_add_product_adds_into_c_in_every_layout(dtype, layouts):
    rng = np.random.default_rng(0)
    m, k, n = 96, 128, 112  # above the size where the accumulating GEMM is used
    a = _layout(rng.standard_normal((m, k)).astype(dtype), layouts[0])
    b = _layout(rng.standard_normal((k, n)).astype(dtype), layouts[1])
    c0 = rng.standard_normal((m, n)).astype(dtype)
    c = _layout(c0.copy(), layouts[2])
    assert _blas.add_product(a, b, c)
    expected = c0 + a.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol)


@needs_gemm
def test_add_product_of_transposed_views_as_a_weight_gradient_is_made():
    # What a product's rule passes: h.T @ g for a weight's gradient, into the sum so far.
    rng = np.random.default_rng(1)
    h, g = rng.standard_normal((16, 512)), rng.standard_normal((16, 256))
    total = rng.standard_normal((512, 256))
    expected = total + h.T @ g
    assert _blas.add_product(h.T, g, total)
    np.testing.assert_allclose(total, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "case",
    ["small", "dtypes", "shape", "read-only", "strided", "not-arrays", "vector", "empty-k"],
)
def test_add_product_declines_and_leaves_c_alone(case):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((128, 64)), rng.standard_normal((64, 128))
    c = rng.standard_normal((128, 128))
    if case == "small":
        a, b, c = a[:8, :8].copy(), b[:8, :8].copy(), c[:8, :8].copy()
    elif case == "dtypes":
        b = b.astype(np.float32)
    elif case == "shape":
        c = c[:, :127].copy()
    elif case == "read-only":
        c.flags.writeable = False
    elif case == "strided":
        a = np.repeat(a, 2, axis=1)[:, ::2]
    elif case == "not-arrays":
        a = a.tolist()
    elif case == "vector":
        b = b[:, 0].copy()
    elif case == "empty-k":
        a, b = a[:, :0], b[:0]
    before = np.array(c, copy=True)
    assert not _blas.add_product(a, b, c)
    np.testing.assert_array_equal(c, before)


@pytest.mark.parametrize(
    "multiply_adds, ran_parallel, expected",
    [
        (64 * 400 * 120, True, True),  # a small linear layer's product, the pool in use
        (64 * 400 * 120, False, False),  # the pool idle: OpenBLAS keeps its threads
        (64 * 64 * 64, True, False),  # OpenBLAS runs it on one thread anyway
        (2048 * 2048 * 2048, True, False),  # large: its second thread saves milliseconds
    ],
)  # fmt: skip
def test_small_products_go_to_one_thread_while_the_kernels_pool_is_in_use(
    monkeypatch, multiply_adds, ran_parallel, expected
):
    last = time.perf_counter() if ran_parallel else time.perf_counter() - 10.0
    monkeypatch.setattr(_jit, "_pool_last_used", last)
    assert _blas.small_on_one_thread(multiply_adds) == (expected and _blas.AVAILABLE)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(_blas.small_on_one_thread(3 << 20)))
    worker.start()
    worker.join()
    assert seen == [False]  # only the main thread can hold BLAS at one thread


@needs_blas
def test_held_products_are_exact_and_restore_blas_threads(monkeypatch):
    # A matrix product and an accumulating one while the pool is in use: the same numbers as
    # NumPy's, and OpenBLAS's thread count as it was afterwards.
    from autograd.ops import linalg

    monkeypatch.setattr(_jit, "_pool_last_used", time.perf_counter() + 60.0)
    rng = np.random.default_rng(3)
    a = rng.standard_normal((64, 400)).astype(np.float32)
    b = rng.standard_normal((400, 120)).astype(np.float32)
    assert _blas.small_on_one_thread(64 * 400 * 120)
    before = _blas._get_threads()
    np.testing.assert_allclose(linalg._gemm2(a, b), a @ b, rtol=1e-5, atol=1e-4)
    c = np.ones((64, 120), np.float32)
    assert _blas.add_product(a, b, c)
    np.testing.assert_allclose(c, 1.0 + a @ b, rtol=1e-5, atol=1e-4)
    assert _blas._get_threads() == before
