"""Tests for autograd/kernels/matmul.py: the small-matrix kernel and the dispatcher."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import matmul as mm


def ref_batched(a, b):
    out = np.zeros((a.shape[0], a.shape[1], b.shape[2]), dtype=np.float64)
    for t in range(a.shape[0]):
        for i in range(a.shape[1]):
            for j in range(b.shape[2]):
                out[t, i, j] = sum(a[t, i, p] * b[t, p, j] for p in range(a.shape[2]))
    return out


@settings(deadline=None, max_examples=50)
@given(
    st.integers(0, 6),
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(0, 5),
    st.sampled_from([np.float32, np.float64]),
)
def test_batched_small_matmul_matches_reference(B, m, k, n, dtype):
    rng = np.random.default_rng(B * 1000 + m * 100 + k * 10 + n)
    a = rng.standard_normal((B, m, k)).astype(dtype)
    b = rng.standard_normal((B, k, n)).astype(dtype)
    out = mm.batched_small_matmul(a, b)
    assert out.dtype == dtype and out.shape == (B, m, n)
    np.testing.assert_allclose(out, ref_batched(a, b), rtol=1e-5, atol=1e-5)


def test_batched_small_matmul_accepts_non_contiguous():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 3, 4)).transpose(0, 2, 1)
    b = rng.standard_normal((5, 3, 2))
    np.testing.assert_allclose(mm.batched_small_matmul(a, b), a @ b, atol=1e-12)


def test_batched_small_matmul_propagates_nan():
    a = np.ones((2, 2, 2))
    a[1, 0, 1] = np.nan
    out = mm.batched_small_matmul(a, np.ones((2, 2, 2)))
    assert np.isnan(out[1, 0]).all()
    assert not np.isnan(out[0]).any() and not np.isnan(out[1, 1]).any()


@settings(deadline=None, max_examples=25)
@given(
    st.lists(st.integers(1, 2), min_size=0, max_size=2),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
)
def test_matmul_dispatcher_equals_numpy(batch, m, k, n, big):
    rng = np.random.default_rng(0)
    batch = [mm._MIN_BATCH, *batch] if big else batch  # big batches of tiny matrices: kernel
    a = rng.standard_normal((*batch, m, k))
    b = rng.standard_normal((*batch, k, n))
    np.testing.assert_allclose(mm.matmul(a, b), np.matmul(a, b), atol=1e-12)


def test_matmul_uses_the_kernel_only_where_measured_faster():
    big = mm._MIN_BATCH
    assert mm.use_small_kernel((big, 2, 2), (big, 2, 2))
    assert mm.use_small_kernel((2, big // 2, 3, 3), (2, big // 2, 3, 3))
    assert not mm.use_small_kernel((big, 4, 4), (big, 4, 4))
    assert not mm.use_small_kernel((4096, 2, 2), (4096, 2, 2))
    assert not mm.use_small_kernel((big, 2, 2), (1, 2, 2))  # broadcasting: np.matmul
    assert not mm.use_small_kernel((2, 2), (2, 2))


def test_matmul_numpy_semantics_for_other_inputs():
    v = np.arange(3.0)
    assert mm.matmul(v, v) == 5.0
    a = np.ones((mm._MIN_BATCH, 2, 2), np.float32)
    assert mm.matmul(a, np.ones(a.shape)).dtype == np.float64  # mixed dtypes: np.matmul
    with pytest.raises(ValueError):
        mm.matmul(np.ones((2, 3)), np.ones((2, 3)))


def test_batched_small_matmul_errors():
    with pytest.raises(ValueError, match="not \\(B, m, k\\)"):
        mm.batched_small_matmul(np.ones((2, 2, 3)), np.ones((2, 2, 3)))
    with pytest.raises(TypeError, match="float32"):
        mm.batched_small_matmul(np.ones((2, 2, 2), np.float32), np.ones((2, 2, 2)))


# --------------------------------------------------------------------------------------------
# Products large enough for threads: OpenBLAS's own stay asleep


def _blas_threads() -> list[int]:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return [
        lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"
    ]


SHARED = [
    ((300, 200), (200, 150)),  # rows shared out
    ((20, 2000), (2000, 420)),  # columns shared out
    ((8, 300, 200), (200, 100)),  # a batch times one matrix
    ((300, 200), (8, 200, 100)),  # one matrix times a batch
    ((8, 300, 200), (8, 200, 100)),  # batch times batch
    ((1, 300, 200), (8, 200, 100)),  # a broadcast batch: one thread
    ((2, 3, 300, 200), (200, 100)),  # two batch dimensions: one thread
    ((3000,), (3000, 2000)),  # vector operands: one thread
    ((3000, 2000), (2000,)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("a_shape", "b_shape"), SHARED)
def test_large_products_equal_numpy_and_leave_blas_threads_as_they_were(a_shape, b_shape, dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    before = _blas_threads()
    expected = np.matmul(a, b)
    got = mm.matmul(a, b)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * 10)
    if a.ndim >= 2 and b.ndim >= 2:  # into an out array, also a non-contiguous one
        out = np.full(expected.shape, np.nan, dtype)
        assert mm.matmul(a, b, out=out) is out
        np.testing.assert_allclose(out, expected, rtol=tol, atol=tol * 10)
        wide = np.full(expected.shape[:-1] + (2 * expected.shape[-1],), np.nan, dtype)
        mm.matmul(a, b, out=wide[..., ::2])
        np.testing.assert_allclose(wide[..., ::2], expected, rtol=tol, atol=tol * 10)
        assert np.isnan(wide[..., 1::2]).all()
    assert _blas_threads() == before


def test_large_products_of_transposed_operands_and_other_dtypes():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((400, 300))
    b = rng.standard_normal((500, 400))
    np.testing.assert_allclose(mm.matmul(a.T, b.T), a.T @ b.T, rtol=1e-10)
    ints = rng.integers(-5, 5, (300, 300))
    np.testing.assert_array_equal(mm.matmul(ints, ints), ints @ ints)  # no BLAS: NumPy's loop
    c = (a + 1j * a)[:300, :300]
    np.testing.assert_allclose(mm.matmul(c, c), c @ c, rtol=1e-10)


def test_products_run_with_blas_at_one_thread(monkeypatch):
    # What the product sees: one BLAS thread, whether it runs whole or in shares.
    seen = []
    matmul = np.matmul

    def spy(a, b, out=None):
        seen.append(_blas_threads())
        return matmul(a, b, out=out)

    monkeypatch.setattr(mm.np, "matmul", spy)
    a = np.ones((600, 600), np.float32)
    for shape in [(300, 300), (600, 600)]:  # below and above SHARE_MIN_MACS
        x = a[: shape[0], : shape[1]]
        np.testing.assert_array_equal(mm.matmul(x, x), np.full(shape, shape[1], np.float32))
    monkeypatch.undo()
    assert seen and all(set(threads) <= {1} for threads in seen)


def test_a_failing_product_restores_blas_threads():
    before = _blas_threads()
    with pytest.raises(ValueError):
        mm.matmul(np.ones((300, 300)), np.ones((300, 300)), out=np.empty((2, 2)))
    assert _blas_threads() == before
