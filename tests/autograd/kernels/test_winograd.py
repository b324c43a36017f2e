"""Tests for autograd/kernels/winograd.py and its use by autograd/kernels/conv.py."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conv_reference import record_plans
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import _blas, _conv_drivers, _conv_plan, _jit, _winograd_kernels, conv
from autograd.kernels import winograd as wino
from autograd.kernels._args import ConvGeometry

ONE = (1, 1)

# --------------------------------------------------------------------------------------------
# A float64 reference: each of the 9 taps is a shifted slice of the zero-padded input.


def ref_forward(x, w, p):
    x, w = x.astype(np.float64), w.astype(np.float64)
    H, W = x.shape[2:]
    oh, ow = H + 2 * p[0] - 2, W + 2 * p[1] - 2
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(3):
        for j in range(3):
            y += np.einsum("oc,nchw->nohw", w[:, :, i, j], xp[:, :, i : i + oh, j : j + ow])
    return y


def ref_backward(x, w, gy, p):
    # gy may be smaller than the output: the missing outputs have zero gradient.
    x, w, gy = x.astype(np.float64), w.astype(np.float64), gy.astype(np.float64)
    H, W = x.shape[2:]
    gh, gw_ = gy.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    gxp = np.zeros_like(xp)
    gw = np.zeros(w.shape)
    for i in range(3):
        for j in range(3):
            gw[:, :, i, j] = np.einsum("nohw,nchw->oc", gy, xp[:, :, i : i + gh, j : j + gw_])
            gxp[:, :, i : i + gh, j : j + gw_] += np.einsum("oc,nohw->nchw", w[:, :, i, j], gy)
    return gxp[:, :, p[0] : p[0] + H, p[1] : p[1] + W], gw


@st.composite
def wino_case(draw, max_channels=5):
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    # Odd sizes and sizes that are not multiples of the 2x2 tile; output at least 1x1.
    H = draw(st.integers(3 - 2 * p[0] if p[0] < 2 else 1, 11))
    W = draw(st.integers(3 - 2 * p[1] if p[1] < 2 else 1, 11))
    N = draw(st.integers(1, 4))
    C = draw(st.integers(1, max_channels))
    O = draw(st.integers(1, max_channels))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((O, C, 3, 3))
    gy = rng.standard_normal((N, O, H + 2 * p[0] - 2, W + 2 * p[1] - 2))
    return x, w, gy, p


def run_winograd(x, w, gy, p):
    return (
        wino.winograd_forward(x, w, p),
        wino.winograd_backward_input(gy, w, x.shape, p),
        wino.winograd_backward_weight(x, gy, w.shape, p),
    )


def run_gemm(x, w, gy, p):
    # The im2col + GEMM drivers, which the plan would otherwise choose.
    g = ConvGeometry(padding=p)
    y = np.empty((x.shape[0], w.shape[0], *gy.shape[2:]), dtype=x.dtype)
    gx, gw = np.empty_like(x), np.empty_like(w)
    _conv_drivers.forward_gemm(x, w, g, np.empty(0, x.dtype), y, wide=True)
    _conv_drivers.backward_input_gemm(gy, w, g, gx, wide=True)
    _conv_drivers.backward_weight_gemm(x, gy, g, gw, can_wide=True)
    return y, gx, gw


# --------------------------------------------------------------------------------------------
# Against the reference and the GEMM path


@settings(deadline=None)
@given(wino_case())
def test_matches_float64_reference(case):
    x, w, gy, p = case
    y, gx, gw = run_winograd(x, w, gy, p)
    ref_gx, ref_gw = ref_backward(x, w, gy, p)
    np.testing.assert_allclose(y, ref_forward(x, w, p), atol=1e-11)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-11)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-11)
    for a in (y, gx, gw):
        assert a.dtype == np.float64 and a.flags.c_contiguous


@settings(deadline=None)
@given(wino_case(max_channels=9))
def test_float32_matches_gemm_path(case):
    x, w, gy = (a.astype(np.float32) for a in case[:3])
    p = case[3]
    for ours, theirs in zip(run_winograd(x, w, gy, p), run_gemm(x, w, gy, p)):
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4 * np.abs(theirs).max())


@pytest.mark.parametrize("shape", [(4, 64, 64, 9, 10), (2, 96, 32, 16, 16), (3, 16, 128, 7, 5)])
@pytest.mark.parametrize("p", [(0, 0), (1, 1), (2, 1)])
def test_float32_accuracy_at_layer_sizes(shape, p):
    # Unit-scale data through realistic channel counts: float32 within 1e-4 of float64,
    # relative to the largest magnitude (Winograd's transforms must not lose digits).
    N, C, O, H, W = shape
    rng = np.random.default_rng(C + O + H)
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    w = (rng.standard_normal((O, C, 3, 3)) / np.sqrt(9 * C)).astype(np.float32)
    gy = rng.standard_normal((N, O, H + 2 * p[0] - 2, W + 2 * p[1] - 2)).astype(np.float32)
    ref_gx, ref_gw = ref_backward(x, w, gy, p)
    for ours, ref in zip(run_winograd(x, w, gy, p), (ref_forward(x, w, p), ref_gx, ref_gw)):
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


@settings(deadline=None)
@given(wino_case())
def test_fused_backward_matches_reference(case):
    x, w, gy, p = case
    gx, gw, gsum = wino.winograd_backward(x, gy, w, p)
    ref_gx, ref_gw = ref_backward(x, w, gy, p)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-11)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-11)
    np.testing.assert_allclose(gsum, gy.sum(axis=(0, 2, 3)), atol=1e-11)
    assert gsum.dtype == np.float64 and gx.flags.c_contiguous and gw.flags.c_contiguous


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_backward_reports_non_finite_gy_in_its_sums(dtype):
    x, w, gy = _layer(np.random.default_rng(5), dtype=dtype)
    gy[2, 5, 3, 1] = np.nan
    gy[0, 1, 0, 0] = np.inf
    with np.errstate(invalid="ignore"):
        gsum = wino.winograd_backward(x, gy, w, (1, 1))[2]
    assert np.isnan(gsum[5]) and np.isposinf(gsum[1])
    assert np.isfinite(np.delete(gsum, [1, 5])).all()


@settings(deadline=None)
@given(wino_case(), st.sampled_from([np.float32, np.float64]))
def test_forward_adds_the_bias_as_it_writes(case, dtype):
    x, w = (a.astype(dtype) for a in case[:2])
    p = case[3]
    b = np.linspace(-2.0, 3.0, w.shape[0]).astype(dtype)
    y = wino.winograd_forward(x, w, p, bias=b)
    np.testing.assert_allclose(y, wino.winograd_forward(x, w, p) + b.reshape(-1, 1, 1),
                               rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (64, 32)])
def test_weight_transform_is_g_w_gt(dtype, shape):
    # u[4a + b] = (G w G^T)[a, b], and with flip the filter turned by 180 degrees, transposed.
    O, C = shape
    w = np.random.default_rng(O * C).standard_normal((O, C, 3, 3)).astype(dtype)
    G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
    u, uf = np.empty((16, O, C), dtype), np.empty((16, C, O), dtype)
    _winograd_kernels._weight_transform(w, False, u)
    _winograd_kernels._weight_transform(w, True, uf)
    ref = np.einsum("ai,ocij,bj->aboc", G, w.astype(np.float64), G).reshape(16, O, C)
    flipped = w[:, :, ::-1, ::-1].astype(np.float64)
    ref_f = np.einsum("ai,ocij,bj->abco", G, flipped, G).reshape(16, C, O)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(u, ref, atol=tol)
    np.testing.assert_allclose(uf, ref_f, atol=tol)


# --------------------------------------------------------------------------------------------
# gy smaller than the conv output (conv_transpose2d's output_padding)


@settings(deadline=None)
@given(wino_case(), st.integers(0, 3), st.integers(0, 3))
def test_backward_accepts_smaller_gy(case, cut_h, cut_w):
    x, w, gy, p = case
    gy = gy[:, :, : max(1, gy.shape[2] - cut_h), : max(1, gy.shape[3] - cut_w)]
    ref_gx, ref_gw = ref_backward(x, w, gy, p)
    np.testing.assert_allclose(wino.winograd_backward_input(gy, w, x.shape, p), ref_gx, atol=1e-11)
    np.testing.assert_allclose(wino.winograd_backward_weight(x, gy, w.shape, p), ref_gw, atol=1e-11)


def test_dispatch_with_smaller_gy_matches_zero_padded_gy(monkeypatch):
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 16, 13, 12)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    full = rng.standard_normal((2, 16, 13, 12)).astype(np.float32)
    full[:, :, -2:] = 0.0
    full[:, :, :, -1:] = 0.0
    small = np.ascontiguousarray(full[:, :, :-2, :-1])
    for full_out, small_out in [
        (conv.conv2d_backward_input(g, w, x.shape, ONE, ONE) for g in (full, small)),
        (conv.conv2d_backward_weight(x, g, w.shape, ONE, ONE) for g in (full, small)),
    ]:
        np.testing.assert_allclose(small_out, full_out, rtol=1e-5, atol=1e-4)
    assert {path for _, path in plans} == {"winograd"}


# --------------------------------------------------------------------------------------------
# Dispatch from conv.py


def _layer(rng, N=3, C=16, O=16, H=13, W=12, dtype=np.float32):
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C, 3, 3)).astype(dtype)
    gy = rng.standard_normal((N, O, H, W)).astype(dtype)
    return x, w, gy


def test_conv_dispatches_to_winograd(monkeypatch):
    plans = record_plans(monkeypatch)
    x, w, gy = _layer(np.random.default_rng(0))
    y = conv.conv2d_forward(x, w, padding=ONE)
    gx = conv.conv2d_backward_input(gy, w, x.shape, padding=ONE)
    gw = conv.conv2d_backward_weight(x, gy, w.shape, padding=ONE)
    assert plans == [("forward", "winograd"), ("input_grad", "winograd"),
                     ("weight_grad", "winograd")]  # fmt: skip
    ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1))
    for ours, ref in zip((y, gx, gw), (ref_forward(x, w, (1, 1)), ref_gx, ref_gw)):
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


@pytest.mark.parametrize("where", ["x", "w", "gy"])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_inputs_fall_back_to_exact_placement(where, value):
    # Winograd would spread a non-finite value over its whole tile; the dispatch must take the
    # direct path so inf/NaN reach exactly the entries the maths sends them to.
    rng = np.random.default_rng(1)
    x, w, gy = _layer(rng, dtype=np.float64)
    {"x": x, "w": w, "gy": gy}[where][(1, 3, 2, 4) if where != "w" else (2, 3, 1, 1)] = value
    with np.errstate(invalid="ignore"):
        ref_y = ref_forward(x, w, (1, 1))
        ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1))
    y = conv.conv2d_forward(x, w, padding=ONE)
    gx = conv.conv2d_backward_input(gy, w, x.shape, padding=ONE)
    gw = conv.conv2d_backward_weight(x, gy, w.shape, padding=ONE)
    for ours, ref in ((y, ref_y), (gx, ref_gx), (gw, ref_gw)):
        np.testing.assert_allclose(ours, ref, atol=1e-10)
    assert np.isfinite(gx).any() and np.isfinite(gw).any()


def test_all_finite():
    assert conv.all_finite(np.ones((2, 2))) and conv.all_finite(np.zeros(3))
    assert not conv.all_finite(np.array([0.0, np.nan]))
    assert not conv.all_finite(np.array([np.float32(3e38)] * 4))  # overflow: conservatively no


@pytest.mark.parametrize("p", [(0, 0), (1, 2)])
def test_tile_major_input_transform_is_the_transpose(p):
    # The weight gradient's GEMM reads V tile-major; it must hold exactly V's entries.
    x = np.random.default_rng(4).standard_normal((3, 5, 7, 6)).astype(np.float32)
    th, tp = wino._tiles(7 + 2 * p[0] - 2, 6 + 2 * p[1] - 2)
    v = np.empty((16, 5, 2 * th * tp), dtype=np.float32)
    vt = np.empty((16, 2 * th * tp, 5), dtype=np.float32)
    _winograd_kernels._input_transform(x, 1, 3, *p, th, tp, v)
    _winograd_kernels._input_transform_tiles(x, 1, 3, *p, th, tp, vt)
    np.testing.assert_array_equal(vt, v.transpose(0, 2, 1))


@pytest.mark.parametrize("finite", [True, False])
def test_finite_hint_replaces_the_check(monkeypatch, finite):
    # A caller's answer is used as is: True takes Winograd without reading the arrays, False
    # the exact path (which is what a non-finite input needs).
    plans = record_plans(monkeypatch)
    monkeypatch.setattr(conv, "all_finite", lambda *a: pytest.fail("checked despite the hint"))
    x, w, gy = _layer(np.random.default_rng(2), dtype=np.float64)
    known = (finite,) * 3
    y = conv.conv2d_forward(x, w, padding=ONE, finite=known)
    gx = conv.conv2d_backward_input(gy, w, x.shape, padding=ONE, finite=known)
    gw = conv.conv2d_backward_weight(x, gy, w.shape, padding=ONE, finite=known)
    winograd = [product for product, path in plans if path == "winograd"]
    assert len(winograd) == (3 if finite else 0)
    ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1))
    for ours, ref in zip((y, gx, gw), (ref_forward(x, w, (1, 1)), ref_gx, ref_gw)):
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("where", ["none", "x", "w", "gy"])
def test_conv2d_op_checks_each_array_once_and_falls_back(monkeypatch, where, bias):
    # autograd.conv2d checks x and w in forward; backward computes both gradients in one fused
    # Winograd pass whose sums of gy say whether gy was finite (no separate check), and any
    # non-finite operand still gets the exact placement of the direct path.
    import autograd

    checked = []
    real_all_finite = conv.all_finite
    monkeypatch.setattr(conv, "all_finite", lambda a: checked.append(a) or real_all_finite(a))
    plans = record_plans(monkeypatch)
    x, w, gy = _layer(np.random.default_rng(3), dtype=np.float64)
    b = np.linspace(-1.0, 1.0, w.shape[0])
    if where != "none":
        {"x": x, "w": w, "gy": gy}[where][(1, 3, 2, 4) if where != "w" else (2, 3, 1, 1)] = np.inf
    xt = autograd.tensor(x, requires_grad=True)
    wt = autograd.tensor(w, requires_grad=True)
    bt = autograd.tensor(b, requires_grad=True) if bias else None
    y = autograd.conv2d(xt, wt, bt, padding=1)
    y.backward(autograd.tensor(gy))
    with np.errstate(invalid="ignore"):
        ref_y = ref_forward(x, w, (1, 1)) + (b.reshape(-1, 1, 1) if bias else 0.0)
        ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1))
    pairs = [(y._array, ref_y), (xt.grad._array, ref_gx), (wt.grad._array, ref_gw)]
    if bias:
        pairs.append((bt.grad._array, gy.sum(axis=(0, 2, 3))))
    for ours, ref in pairs:
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)
    # x and w are checked in forward; gy only when the fused pass cannot run (x or w not
    # finite) and no bias gradient gives its sums for free.
    assert len(checked) == (3 if where in ("x", "w") and not bias else 2)
    expected = {
        "none": [("forward", "winograd"), ("backward", "winograd")],
        # gy's sums come back non-finite: the fused results are dropped, exact paths after.
        "gy": [("forward", "winograd"), ("backward", "winograd")],
        "x": [("input_grad", "winograd")],  # (gy, w) finite
        "w": [("weight_grad", "winograd")],  # (x, gy) finite
    }[where]
    assert [plan for plan in plans if plan[1] == "winograd"] == expected


# --------------------------------------------------------------------------------------------
# Chunks, worker threads and the BLAS thread setting


@pytest.mark.parametrize("budget", [1, 20_000])
def test_chunking_over_the_batch(monkeypatch, budget):
    limits = dataclasses.replace(_conv_plan.LIMITS, winograd_chunk_bytes=budget)
    monkeypatch.setattr(_conv_plan, "LIMITS", limits)
    rng = np.random.default_rng(2)
    x, w, gy = _layer(rng, N=5, C=3, O=4, H=7, W=6, dtype=np.float64)
    y, gx, gw = run_winograd(x, w, gy, (1, 1))
    ref_gx, ref_gw = ref_backward(x, w, gy, (1, 1))
    np.testing.assert_allclose(y, ref_forward(x, w, (1, 1)), atol=1e-11)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-11)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-11)


def test_blas_threads_restored_and_concurrent_calls_agree():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = blas_threads()
    rng = np.random.default_rng(3)
    x, w, gy = _layer(rng, N=6, C=8, O=8, H=10, W=10, dtype=np.float64)
    expected = ref_forward(x, w, (1, 1))
    results, errors = [], []

    def call():
        try:
            for _ in range(5):
                results.append(wino.winograd_forward(x, w, (1, 1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 15
    for y in results:
        np.testing.assert_allclose(y, expected, atol=1e-11)
    assert blas_threads() == before


def test_python_source_paths_match_compiled(tmp_path):
    # The kernels as plain Python (NUMBA_DISABLE_JIT=1) in a subprocess, against this process.
    script = tmp_path / "run_winograd.py"
    script.write_text(
        "import sys, numpy as np\n"
        "from autograd.kernels import winograd as wino\n"
        "rng = np.random.default_rng(0)\n"
        "x = rng.standard_normal((2, 3, 5, 6)); w = rng.standard_normal((4, 3, 3, 3))\n"
        "gy = rng.standard_normal((2, 4, 5, 6))\n"
        "out = [wino.winograd_forward(x, w, (1, 1), bias=np.arange(4.0)),\n"
        "       wino.winograd_backward_input(gy, w, x.shape, (1, 1)),\n"
        "       wino.winograd_backward_weight(x, gy, w.shape, (1, 1)),\n"
        "       *wino.winograd_backward(x, gy, w, (1, 1))]\n"
        "np.savez(sys.argv[1], *out)\n"
    )
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    result = tmp_path / "nojit.npz"
    subprocess.run([sys.executable, str(script), str(result)], env=env, check=True, timeout=300)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 3))
    gy = rng.standard_normal((2, 4, 5, 6))
    y, gx, gw = run_winograd(x, w, gy, (1, 1))
    expected = [y + np.arange(4.0).reshape(-1, 1, 1), gx, gw, gx, gw, gy.sum(axis=(0, 2, 3))]
    with np.load(result) as nojit:
        assert len(nojit.files) == len(expected)
        for key, value in zip(nojit.files, expected):
            np.testing.assert_allclose(nojit[key], value, atol=1e-12)


# --------------------------------------------------------------------------------------------
# One parallel kernel per stage, BLAS on the kernel threads (_conv_stage, _backward_stage)

needs_blas = pytest.mark.skipif(
    not _blas.AVAILABLE, reason="NumPy's BLAS has no 64-bit-integer CBLAS GEMM (or no JIT)"
)


@needs_blas
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("N", [1, 2, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stage_kernels_match_run_shares(monkeypatch, threads, N, dtype):
    # Fewer samples than threads: each stage split between the threads; as many or more: each
    # thread its share of the samples. Both against the run_shares path, to rounding.
    monkeypatch.setattr(wino, "get_num_threads", lambda: threads)
    rng = np.random.default_rng(N + threads)
    x, w, gy = _layer(rng, N=N, C=6, O=5, H=9, W=8, dtype=dtype)
    gy = gy[:, :, :7, :6].copy()  # with padding (0, 0) gy is smaller than the output too
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for p in [(1, 1), (0, 0), (2, 1)]:
        out_shape = (N, 5, 9 + 2 * p[0] - 2, 8 + 2 * p[1] - 2)
        bias = rng.standard_normal(5).astype(dtype)
        ours, theirs = np.empty(out_shape, dtype), np.empty(out_shape, dtype)
        wino._conv_in_one_kernel(x, w, False, p, bias, ours)
        wino._conv_on_shares(x, w, False, p, bias, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
        g = rng.standard_normal(out_shape).astype(dtype)
        for weight in (w, None):
            got = wino._backward_in_one_kernel(x, g, w.shape, p, weight)
            expected = wino._backward_on_shares(x, g, w.shape, p, weight)
            if weight is None:
                assert got[0] is None
            else:
                np.testing.assert_allclose(got[0], expected[0], rtol=tol, atol=tol)
            np.testing.assert_allclose(got[1], expected[1], rtol=tol, atol=tol)
            np.testing.assert_allclose(got[2], expected[2], rtol=1e-12, atol=1e-12)
            assert got[1].dtype == dtype and got[2].dtype == np.float64


class _NanScratch:
    """NumPy, with ``empty`` arrays full of NaN: a buffer read before it is written shows."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def empty(shape, dtype=float):
        return np.full(shape, np.nan, dtype=dtype)


@needs_blas
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("N", [1, 3])
def test_stage_kernels_write_every_buffer_before_reading_it(monkeypatch, threads, N):
    # The weight gradient's partial sums are written by each thread's first GEMM (beta = 0),
    # not zeroed beforehand; the buffers come from np.empty.
    monkeypatch.setattr(wino, "get_num_threads", lambda: threads)
    rng = np.random.default_rng(N)
    x, w, gy = _layer(rng, N=N, C=6, O=5, H=9, W=8, dtype=np.float64)
    expected = wino._backward_on_shares(x, gy, w.shape, (1, 1), w)
    monkeypatch.setattr(wino, "np", _NanScratch())
    got = wino._backward_in_one_kernel(x, gy, w.shape, (1, 1), w)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@needs_blas
def test_main_thread_runs_the_stage_kernels_other_threads_run_shares(monkeypatch):
    # The main thread holds BLAS at one thread while kernel threads call it; another thread
    # cannot, and keeps the run_shares path.
    used = []
    monkeypatch.setattr(
        wino, "run_parallel", lambda k, *a: used.append(k) or _jit.run_parallel(k, *a)
    )
    x, w, gy = _layer(np.random.default_rng(4), N=2, C=3, O=4, H=6, W=7, dtype=np.float64)
    expected = ref_forward(x, w, ONE)
    np.testing.assert_allclose(wino.winograd_forward(x, w, ONE), expected, atol=1e-11)
    gx, gw, _ = wino.winograd_backward(x, gy, w, ONE)
    assert used and set(used) <= {_winograd_kernels._conv_stage, _winograd_kernels._backward_stage}
    used.clear()
    out = []
    worker = threading.Thread(target=lambda: out.append(wino.winograd_forward(x, w, ONE)))
    worker.start()
    worker.join()
    assert not used
    np.testing.assert_allclose(out[0], expected, atol=1e-11)
    ref_gx, ref_gw = ref_backward(x, w, gy, ONE)
    np.testing.assert_allclose(gx, ref_gx, atol=1e-11)
    np.testing.assert_allclose(gw, ref_gw, atol=1e-11)
