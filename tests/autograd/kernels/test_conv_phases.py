"""Tests for autograd/kernels/_conv_phases.py: 4x4 stride-2 convolutions (padding 1) by parity
phases and Winograd F(2x2, 2x2), against the slow NumPy reference and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from conv_reference import record_plans, ref_backward, ref_forward

import autograd
from autograd.kernels import _blas, conv
from autograd.kernels import _conv_drivers as drivers
from autograd.kernels import _conv_phases as phases
from autograd.kernels._args import ConvGeometry
from autograd.kernels._jit import StandIn

S2, P1, D1 = (2, 2), (1, 1), (1, 1)
G2 = ConvGeometry(S2, P1, D1, 1)
kernel_here = pytest.mark.skipif(
    not _blas.in_one_kernel(), reason="BLAS is not callable from kernels here"
)


def layer(n, c, o, h, w, seed=3):
    """x, w, b, gy in float64 and the reference y (no bias), gx and gw."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c, 4, 4))
    b = rng.standard_normal(o)
    y = ref_forward(x, wt, S2, P1, D1, 1)
    gy = rng.standard_normal(y.shape)
    gx, gw = ref_backward(x, wt, gy, S2, P1, D1, 1)
    return (x, wt, b, gy), (y, gx, gw)


def no_kernel(*args, **kwargs):
    raise AssertionError("the phases kernel ran")


def kernel_runs(monkeypatch):
    """The ops the phases kernel runs from now on (on two threads' shares, however many the
    machine has, so that a batch of 8 reaches it)."""
    monkeypatch.setattr(drivers.PHASES, "ready", True)
    monkeypatch.setattr(drivers, "get_num_threads", lambda: 2)
    real, ops = drivers._run_phases, []

    def spy(op, *args):
        ops.append(op)
        return real(op, *args)

    monkeypatch.setattr(drivers, "_run_phases", spy)
    return ops


@kernel_here
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n, c, o, h, w",
    [
        (1, 3, 2, 4, 4),  # one sample: the other thread's share is empty, its sums zero
        (3, 5, 7, 8, 12),  # odd channel counts, a plane that is not square
        (5, 16, 8, 16, 8),
    ],
)
def test_phases_kernel_runs_every_product(monkeypatch, dtype, n, c, o, h, w):
    # The parallel kernel, through its drivers, for each of its operations, one sample a chunk
    # and whole shares, against the float64 reference.
    (x, wt, b, gy), (y_ref, gx_ref, gw_ref) = layer(n, c, o, h, w)
    x, wt, b, gy = (a.astype(dtype) for a in (x, wt, b, gy))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(atol=1e-10)
    for chunk_bytes, min_columns in [(1, 1), (1 << 30, 64)]:
        monkeypatch.setattr(drivers, "PHASES_CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr(drivers, "PHASES_MIN_COLUMNS", min_columns)
        y = drivers._forward_phases(x, wt, G2, b)
        np.testing.assert_allclose(y, y_ref + b.reshape(-1, 1, 1), **tol)
        gx = drivers.input_phases(gy, wt, x.shape, G2)
        np.testing.assert_allclose(gx, gx_ref, **tol)
        bx = np.linspace(-2, 2, c).astype(dtype)  # a transposed convolution's bias
        gx = drivers.input_phases(gy, wt, x.shape, G2, bx)
        np.testing.assert_allclose(gx, gx_ref + bx.reshape(-1, 1, 1), **tol)
        gw, gb = drivers._weight_phases(x, gy, wt.shape, G2, True)
        np.testing.assert_allclose(gw, gw_ref, **tol)
        np.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3), dtype=np.float64), **tol)
        y, gw = np.full(y_ref.shape, np.nan, dtype), np.full(wt.shape, np.nan, dtype)
        drivers.forward_and_weight_phases(x, wt, gy, G2, y, gw)
        np.testing.assert_allclose(y, y_ref, **tol)
        np.testing.assert_allclose(gw, gw_ref, **tol)
        assert y.dtype == gw.dtype == gx.dtype == dtype


@kernel_here
def test_conv_functions_take_the_phases_path_and_leave_it_for_inf_and_nan(monkeypatch):
    # A layer with enough channels and tiles runs all four products on the phases (exact to
    # rounding); an operand holding inf or NaN goes to the column paths, which keep them where
    # the direct sum does (Winograd's transforms would smear them over a tile).
    ran = kernel_runs(monkeypatch)
    plans = record_plans(monkeypatch)
    (x, wt, _, gy), (y_ref, gx_ref, gw_ref) = layer(8, 16, 16, 32, 32)
    np.testing.assert_allclose(conv.conv2d_forward(x, wt, S2, P1), y_ref, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_backward_input(gy, wt, x.shape, S2, P1), gx_ref,
                               atol=1e-10)  # fmt: skip
    np.testing.assert_allclose(conv.conv2d_backward_weight(x, gy, wt.shape, S2, P1), gw_ref,
                               atol=1e-10)  # fmt: skip
    y, gw = conv.conv2d_forward_and_weight_grad(x, wt, gy, S2, P1)
    np.testing.assert_allclose(y, y_ref, atol=1e-10)
    np.testing.assert_allclose(gw, gw_ref, atol=1e-10)
    products = ["forward", "input_grad", "weight_grad", "forward_and_weight_grad"]
    assert plans == [(p, "phases") for p in products]
    assert ran == [phases.FORWARD, phases.INPUT, phases.WEIGHT, phases.FORWARD_WEIGHT]
    x[1, 2, 5, 7], x[3, 0, 0, 0] = np.inf, np.nan
    gy[2, 1, 3, 3] = -np.inf
    with np.errstate(invalid="ignore"):  # the reference's own sums meet inf - inf
        y_ref = ref_forward(x, wt, S2, P1, D1, 1)
        gx_ref, gw_ref = ref_backward(x, wt, gy, S2, P1, D1, 1)
    del plans[:]
    np.testing.assert_allclose(conv.conv2d_forward(x, wt, S2, P1), y_ref, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_backward_input(gy, wt, x.shape, S2, P1), gx_ref,
                               atol=1e-10)  # fmt: skip
    np.testing.assert_allclose(conv.conv2d_backward_weight(x, gy, wt.shape, S2, P1), gw_ref,
                               atol=1e-10)  # fmt: skip
    assert np.isnan(y_ref).any() and np.isfinite(y_ref).any()
    assert all(path != "phases" for _, path in plans)


@kernel_here
@pytest.mark.parametrize("kernel", [True, False])
def test_transposed_bias_added_once_by_the_kernel_or_after_the_columns(monkeypatch, kernel):
    # conv2d_backward_input's bias (conv_transpose2d's): the phases kernel adds it as it writes
    # gx, with no pass after; where the kernel cannot run, the column path's gx gets it after.
    ran = kernel_runs(monkeypatch)
    passes = []
    real_add = conv.add_channel_bias
    monkeypatch.setattr(conv, "add_channel_bias", lambda y, b: passes.append(real_add(y, b)))
    if not kernel:
        monkeypatch.setattr(drivers, "phases_here", lambda *args: False)
    (x, wt, _, gy), (_, gx_ref, _) = layer(8, 16, 24, 32, 32)
    bias = np.linspace(-1, 1, 16)
    gx = conv.conv2d_backward_input(gy, wt, x.shape, S2, P1, bias=bias)
    np.testing.assert_allclose(gx, gx_ref + bias.reshape(-1, 1, 1), atol=1e-10)
    assert ran == ([phases.INPUT] if kernel else [])
    assert len(passes) == (0 if kernel else 1)
    with pytest.raises(ValueError, match=r"bias has shape \(24,\), expected \(16,\)"):
        conv.conv2d_backward_input(gy, wt, x.shape, S2, P1, bias=np.zeros(24))


@kernel_here
@pytest.mark.parametrize("why", ["one sample", "read-only"])
def test_columns_stand_in_where_the_kernel_cannot_run(monkeypatch, why):
    # The plan takes the phases for the shapes; the kernel needs a batch to share between its
    # threads and arrays it may be handed as they are (Numba would compile a read-only array's
    # signature anew): otherwise the strided column path computes the same.
    monkeypatch.setattr(drivers.PHASES, "ready", True)
    monkeypatch.setattr(drivers, "_run_phases", no_kernel)
    monkeypatch.setattr(drivers, "get_num_threads", lambda: 2)  # one sample: fewer than these
    plans = record_plans(monkeypatch)
    shape = (1, 16, 64, 128) if why == "one sample" else (8, 16, 32, 32)
    (x, wt, _, gy), (y_ref, gx_ref, gw_ref) = layer(shape[0], 16, 16, *shape[2:])
    if why == "read-only":
        x.setflags(write=False)
        gy.setflags(write=False)
    np.testing.assert_allclose(conv.conv2d_forward(x, wt, S2, P1), y_ref, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_backward_input(gy, wt, x.shape, S2, P1), gx_ref,
                               atol=1e-10)  # fmt: skip
    y, gw = conv.conv2d_forward_and_weight_grad(x, wt, gy, S2, P1)
    np.testing.assert_allclose(y, y_ref, atol=1e-10)
    np.testing.assert_allclose(gw, gw_ref, atol=1e-10)
    assert [path for _, path in plans] == ["phases"] * 3


@pytest.mark.parametrize("pipes_cold", [False, True])
def test_columns_stand_in_while_the_kernel_is_cold(monkeypatch, pipes_cold):
    # Until the kernel pays for its compile, the column path runs, its time counted as rent, and
    # the call is kept for the worker that compiles at exit. Its pipelines run on the worker
    # threads while their own kernel is cold too: the compile worker is not handed that kernel
    # for a layer the next run takes to the phases.
    kept = []

    class Cold(StandIn):
        def cold(self) -> bool:
            return True

        def compile_elsewhere(self, fn, *args) -> None:
            kept.append(fn)

    cold = Cold(*drivers.PHASES.kernels, rent=1e9)
    monkeypatch.setattr(drivers, "PHASES", cold)
    monkeypatch.setattr(drivers, "_run_phases", no_kernel)
    monkeypatch.setattr(drivers, "phases_here", lambda *args: True)

    class Warm(StandIn):
        def cold(self) -> bool:
            return False

    monkeypatch.setattr(drivers, "_PIPES", (Cold if pipes_cold else Warm)(*drivers._PIPES.kernels))
    (x, wt, b, gy), (y_ref, _, gw_ref) = layer(8, 16, 16, 32, 32)
    y = conv.conv2d_forward(x, wt, S2, P1, bias=b)
    np.testing.assert_allclose(y, y_ref + b.reshape(-1, 1, 1), atol=1e-10)
    y, gw = conv.conv2d_forward_and_weight_grad(x, wt, gy, S2, P1)
    np.testing.assert_allclose(y, y_ref, atol=1e-10)
    np.testing.assert_allclose(gw, gw_ref, atol=1e-10)
    assert kept == [drivers.FORWARD["phases"], drivers.forward_and_weight_phases]
    assert cold.seconds > 0


@kernel_here
def test_conv_transpose2d_on_the_phases_matches_pytorch(monkeypatch):
    # An image generator's upsampling layer: the forward is the input gradient of the 4x4
    # stride-2 convolution, the backward its forward and weight gradient on one input transform.
    torch = pytest.importorskip("torch")
    ran = kernel_runs(monkeypatch)
    plans = record_plans(monkeypatch)
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((8, 16, 16, 16)), rng.standard_normal((16, 24, 4, 4))
    b, g = rng.standard_normal(24), rng.standard_normal((8, 24, 32, 32))
    ours = [autograd.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = autograd.conv_transpose2d(*ours, stride=2, padding=1)
    y.backward(autograd.tensor(g))
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    yt = torch.nn.functional.conv_transpose2d(*theirs, stride=2, padding=1)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), atol=1e-10)
    assert ("input_grad", "phases") in plans
    assert ("forward_and_weight_grad", "phases") in plans
    assert ran == [phases.INPUT, phases.FORWARD_WEIGHT]


def test_conv_transpose2d_checks_each_operand_once(monkeypatch):
    # The forward checks g and w for inf and NaN (its path needs them finite); the backward
    # reuses those answers and learns the output gradient's from the bias gradient's sums, so
    # no array is read just to be checked twice.
    checked = []
    real = conv.all_finite
    monkeypatch.setattr(conv, "all_finite", lambda a: checked.append(a.shape) or real(a))
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((8, 16, 16, 16)), rng.standard_normal((16, 24, 4, 4))
    b, h = rng.standard_normal(24), rng.standard_normal((8, 24, 32, 32))
    args = [autograd.tensor(a.astype(np.float32), requires_grad=True) for a in (x, w, b)]
    y = autograd.conv_transpose2d(*args, stride=2, padding=1)
    y.backward(autograd.tensor(h.astype(np.float32)))
    assert sorted(checked) == sorted([x.shape, w.shape])
    # an output gradient holding NaN and inf: its sums say so, and the backward leaves the
    # paths that need it finite, as a check of its own would
    h[1, 2, 3, 4], h[5, 0, 31, 31] = np.nan, np.inf
    for a in args:
        a.grad = None
    h, x, w = (a.astype(np.float32) for a in (h, x, w))
    y = autograd.conv_transpose2d(*args, stride=2, padding=1)
    y.backward(autograd.tensor(h))
    want_x, want_w = conv.conv2d_forward_and_weight_grad(h, w, x, S2, P1)
    with np.errstate(invalid="ignore"):
        want_b = h.sum(axis=(0, 2, 3), dtype=np.float64)
    np.testing.assert_allclose(args[0].grad.numpy(), want_x, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(args[1].grad.numpy(), want_w, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(args[2].grad.numpy(), want_b, rtol=1e-4, atol=1e-3)
    assert np.isnan(want_w).any() and np.isfinite(want_w).any()
