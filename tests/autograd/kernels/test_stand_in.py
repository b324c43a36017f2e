"""A path stands in for kernels never compiled on this machine until they pay (_jit.StandIn)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from fresh_process import DOUBLE, run_json, uncached_kernel

from autograd.kernels import _conv_drivers, _jit, batchnorm, conv, masked, pool
from autograd.kernels import optim as optim_kernels

needs_jit = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no machine code without the JIT")


@needs_jit
def test_cold_until_the_stand_in_has_run_long_enough(monkeypatch):
    family = _jit.StandIn(uncached_kernel())
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    assert family.cold()
    assert family.run(True, sum, range(100_000)) == sum(range(100_000))
    assert family.run(False, sum, range(100_000)) == sum(range(100_000))  # not counted
    spent = family.seconds
    assert 0 < spent < 3600.0
    assert family.cold()
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", spent)
    assert not family.cold()
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    assert not family.cold()  # once ready, for good


@needs_jit
def test_compiling_the_stand_in_is_not_rent(monkeypatch):
    # The stand-in's first call compiles its kernel: the one-time compile, not time the
    # stand-in ran in the family's place.
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    family = _jit.StandIn(uncached_kernel())
    stand_in = uncached_kernel()
    assert family.run(True, stand_in, 2.0) == 4.0
    assert len(stand_in.overloads) == 1
    assert family.seconds == 0.0
    assert family.run(True, stand_in, 3.0) == 6.0
    assert family.seconds > 0.0


@needs_jit
def test_ready_at_once_when_compiled_in_this_process(monkeypatch):
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    kernel = uncached_kernel()
    family = _jit.StandIn(kernel)
    assert family.cold()
    assert kernel(3.0) == 6.0
    assert not family.cold()


def test_a_family_of_plain_python_functions_is_never_cold(monkeypatch):
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    assert not _jit.StandIn(len).cold()


PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from autograd.kernels import _jit
_jit.STAND_IN_SECONDS = 3600.0
import double_kernel
family = _jit.StandIn(double_kernel.double)
cold = family.cold()
if sys.argv[2] == "compile":
    double_kernel.double(1.0)
print(json.dumps(cold))
"""


@needs_jit
def test_ready_at_once_when_in_the_disk_cache(tmp_path):
    (tmp_path / "double_kernel.py").write_text("from autograd.kernels._jit import jit\n\n" + DOUBLE)
    assert run_json(PROBE, tmp_path, "nothing")  # an empty cache: cold
    assert run_json(PROBE, tmp_path, "compile")  # still cold when probed; the call fills it
    assert not run_json(PROBE, tmp_path, "nothing")  # found in the cache


@needs_jit
def test_conv_runs_im2col_in_place_of_cold_direct_kernels_then_the_direct_ones(monkeypatch):
    # A 1-channel 3x3 layer plans the direct kernels; while they are cold, im2col + GEMM stands
    # in with the same results, and its time is the rent.
    monkeypatch.setattr(conv, "_DIRECT", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    calls: list[str] = []
    for table in (_conv_drivers.FORWARD, _conv_drivers.INPUT_GRAD, _conv_drivers.WEIGHT_GRAD):
        for name, fn in list(table.items()):
            monkeypatch.setitem(
                table, name, lambda *a, _n=name, _f=fn, **k: calls.append(_n) or _f(*a, **k)
            )
    direct_one_pass = _conv_drivers.direct_one_pass
    monkeypatch.setattr(
        _conv_drivers, "direct_one_pass",
        lambda *a, **k: calls.append("direct_one_pass") or direct_one_pass(*a, **k),
    )  # fmt: skip
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 8, 8))
    w = rng.standard_normal((5, 1, 3, 3))
    gy = rng.standard_normal((4, 5, 8, 8))

    def both():
        y = conv.conv2d_forward(x, w, padding=(1, 1))
        return y, conv.conv2d_backward(x, gy, w, padding=(1, 1))

    y, grads = both()
    # 256 GEMM columns: a batch shared out to pipelines, in the plain layout
    assert calls == ["gemm", "gemm", "gemm"]
    assert conv._DIRECT.seconds > 0
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", conv._DIRECT.seconds)
    calls.clear()
    y_direct, grads_direct = both()
    assert calls == ["direct_wide", "direct_one_pass"]
    np.testing.assert_allclose(y, y_direct, rtol=1e-12, atol=1e-12)
    for a, b in zip(grads, grads_direct):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("special", [None, np.inf, np.nan])
def test_batch_norm_numpy_stand_in_computes_what_the_kernels_do(dtype, affine, special):
    rng = np.random.default_rng(1)
    x = (3 + 2 * rng.standard_normal((5, 3, 7))).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    if special is not None:
        x[1, 0, 2] = special
        g[2, 2, 3] = special
    w = rng.standard_normal(3).astype(dtype) if affine else np.empty(0, dtype)
    b = rng.standard_normal(3).astype(dtype) if affine else np.empty(0, dtype)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}

    def forward(step):
        out, stats = np.empty_like(x), [np.empty(3) for _ in range(3)]
        step(x, w, b, 1e-5, out, *stats)
        return out, *stats

    def backward(step, mean, invstd):
        dx, gxhat, gsum = np.empty_like(x), np.empty(3), np.empty(3)
        step(g, x, mean, invstd, w, True, dx, gxhat, gsum)
        return dx, gxhat, gsum

    with np.errstate(invalid="ignore"):
        ours = forward(batchnorm._forward_numpy)
        kernel = forward(batchnorm._forward)
        for a, k in zip(ours, kernel):
            np.testing.assert_allclose(a, k, **tol)
        mean, invstd = kernel[1], kernel[3]
        for a, k in zip(backward(batchnorm._backward_numpy, mean, invstd),
                        backward(batchnorm._backward, mean, invstd)):  # fmt: skip
            np.testing.assert_allclose(a, k, **tol)


@needs_jit
def test_batch_norm_runs_the_numpy_stand_in_while_its_kernels_are_cold(monkeypatch):
    monkeypatch.setattr(batchnorm, "_KERNELS", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    used: list[str] = []
    for name in ("_forward_numpy", "_backward_numpy"):
        fn = getattr(batchnorm, name)
        monkeypatch.setattr(batchnorm, name, lambda *a, _n=name, _f=fn: used.append(_n) or _f(*a))
    x = np.array([[[1.0, 2.0]], [[3.0, 6.0]]])
    out, mean, var, invstd = batchnorm.batch_norm_forward(x, None, None, 0.0)
    dx, dw, db = batchnorm.batch_norm_backward(np.ones_like(x), x, mean, invstd, None, True)
    assert used == ["_forward_numpy", "_backward_numpy"]
    np.testing.assert_allclose(mean, [3.0])
    np.testing.assert_allclose(out.sum(), 0.0, atol=1e-12)
    np.testing.assert_allclose(dx, 0.0, atol=1e-12)
    np.testing.assert_allclose(db, [4.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad", [True, False])
@pytest.mark.parametrize(("sign", "weight_decay", "decay", "w1"), [
    (1.0, 0.0, 1.0, 0.1), (-1.0, 0.01, 1.0, 0.1), (1.0, 0.0, 0.999, 0.7),
])  # fmt: skip
def test_adam_numpy_stand_in_computes_what_the_kernel_does(
    dtype, amsgrad, sign, weight_decay, decay, w1
):
    rng = np.random.default_rng(2)
    n = 50
    arrays = [rng.standard_normal(n).astype(dtype) for _ in range(2)]
    arrays += [rng.standard_normal(n).astype(dtype), rng.random(n).astype(dtype)]
    arrays.append(rng.random(n).astype(dtype) if amsgrad else np.empty(0, dtype))
    arrays[1][3] = np.nan
    arrays[1][4] = np.inf
    coef = np.array([sign, weight_decay, decay, w1, 0.999, 0.001, 1e-8, -0.01, 0.3], dtype)
    ours = [a.copy() for a in arrays]
    kernel = [a.copy() for a in arrays]
    with np.errstate(invalid="ignore"):
        optim_kernels._adam_numpy(*ours, coef, amsgrad)
    optim_kernels._adam_kernel(*kernel, coef, amsgrad)
    for a, k in zip(ours, kernel):
        np.testing.assert_array_equal(a, k)


@needs_jit
def test_adam_runs_the_numpy_stand_in_while_its_kernel_is_cold(monkeypatch):
    monkeypatch.setattr(optim_kernels, "_ADAM", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    used = []
    twin = optim_kernels._adam_numpy
    monkeypatch.setattr(optim_kernels, "_adam_numpy", lambda *a: used.append(1) or twin(*a))
    p, m, v = np.ones(3), np.zeros(3), np.zeros(3)
    coef = np.array([1, 0, 1, 0.1, 0.999, 0.001, 1e-8, -1.0, np.sqrt(0.001)])
    optim_kernels.adam_update(p, np.full(3, 0.5), m, v, np.empty(0), coef, False)
    assert used == [1]
    np.testing.assert_allclose(p, 0.9)
    with pytest.raises(ValueError, match="max_exp_avg_sq must have param's size"):
        optim_kernels.adam_update(p, p, m, v, np.empty(0), coef, True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_select_or_zero_stand_in_selects_what_the_kernel_does(dtype, monkeypatch):
    mask = np.array([True, False, True, False, True])
    g = np.array([np.inf, np.inf, np.nan, np.nan, -0.0], dtype)
    kernel = masked.select_or_zero(mask, g)
    monkeypatch.setattr(masked, "_KERNEL", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    ours = masked.select_or_zero(mask, g)
    assert ours.dtype == kernel.dtype == dtype
    np.testing.assert_array_equal(ours, kernel)
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(kernel))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("k", "s", "p", "d"), [
    ((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 3), (1, 1), (0, 0), (1, 1)),
    ((3, 2), (2, 1), (1, 1), (1, 1)), ((2, 2), (1, 2), (0, 0), (2, 1)),
])  # fmt: skip
def test_max_pool_numpy_stand_ins_compute_what_the_kernels_do(dtype, k, s, p, d, monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 3, (2, 3, 9, 8)).astype(dtype)  # many ties
    x[0, 0, 1, 1] = x[0, 0, 1, 2] = x[1, 2, 4, 4] = np.nan
    x[0, 1, :3, :3] = -np.inf
    x[1, 0, :2, :4] = [[-0.0, 0.0, 0.0, -0.0], [0.0, -0.0, -0.0, 0.0]]  # ties of signed zeros
    kernel_y, kernel_at = pool.max_pool2d_forward(x, k, s, p, d)
    gy = rng.standard_normal(kernel_y.shape).astype(dtype)
    kernel_gx = pool.max_pool2d_backward(gy, kernel_at, x.shape, k, s, p, d)
    monkeypatch.setattr(pool, "_MAX", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    y, at = pool.max_pool2d_forward(x, k, s, p, d)
    gx = pool.max_pool2d_backward(gy, kernel_at, x.shape, k, s, p, d)
    np.testing.assert_array_equal(y, kernel_y)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(kernel_y))
    np.testing.assert_array_equal(at, kernel_at)
    assert at.dtype == kernel_at.dtype
    np.testing.assert_array_equal(gx, kernel_gx)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("c", "o", "k", "s", "p", "d", "groups", "short"), [
    (9, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, 0),
    (16, 8, (3, 3), (1, 1), (1, 1), (1, 1), 1, 0),
    (8, 12, (3, 2), (2, 1), (1, 0), (1, 2), 2, 0),
    (2, 3, (4, 4), (2, 2), (1, 1), (1, 1), 1, 1),
])  # fmt: skip
def test_conv_numpy_stand_ins_compute_what_the_column_paths_do(
    dtype, c, o, k, s, p, d, groups, short, monkeypatch
):
    # Columns and GEMMs alike, so equal up to the order of the GEMMs' additions; ``short`` cuts
    # gy by a row and a column (a transposed convolution's output_padding).
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, c, 9, 8)).astype(dtype)
    w = rng.standard_normal((o, c // groups, *k)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    geometry = dict(stride=s, padding=p, dilation=d, groups=groups)
    y = conv.conv2d_forward(x, w, bias=b, **geometry)
    gy = rng.standard_normal(y.shape).astype(dtype)[
        :, :, : y.shape[2] - short, : y.shape[3] - short
    ]
    grads = conv.conv2d_backward(x, gy, w, **geometry)
    for family in (conv._WIDE, conv._STRIDED):
        assert not family.cold()  # the kernels ran above (tests plan kernels at once)
    monkeypatch.setattr(conv, "_WIDE", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(conv, "_STRIDED", _jit.StandIn(uncached_kernel()))
    monkeypatch.setattr(conv, "_COLUMNS", {"gemm_wide": conv._WIDE, "gemm": conv._STRIDED,
                                           "batched": conv._STRIDED})  # fmt: skip
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", 3600.0)
    tol = {"rtol": 2e-5, "atol": 2e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    np.testing.assert_allclose(conv.conv2d_forward(x, w, bias=b, **geometry), y, **tol)
    for ours, theirs in zip(conv.conv2d_backward(x, gy, w, **geometry), grads):
        np.testing.assert_allclose(ours, theirs, **tol)
        assert ours.flags.c_contiguous
    assert conv._WIDE.seconds + conv._STRIDED.seconds > 0  # the twins ran, as rent


@needs_jit
def test_a_family_can_ask_for_more_rent(monkeypatch):
    # rent=N: the stand-in runs N times the usual seconds before the family compiles.
    family = _jit.StandIn(uncached_kernel(), rent=3.0)
    family.run(True, sum, range(100_000))
    spent = family.seconds
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", spent)
    assert family.cold()  # the usual rent paid, not three times it
    monkeypatch.setattr(_jit, "STAND_IN_SECONDS", spent / 3.0)
    assert not family.cold()
