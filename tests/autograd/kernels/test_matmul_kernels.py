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
