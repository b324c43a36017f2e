"""extend.lstm_layer: the recurrence of one LSTM direction as one node, against the same
recurrence written with the engine's ops, by finite differences (first and second order, and
forward mode), and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import extend
from autograd.kernels import recurrent as kernels


def _inputs(steps=4, batch=3, hid=2, dtype=np.float64, seed=0, bias=True):
    rng = np.random.default_rng(seed)

    def t(*shape, scale=1.0):
        a = (rng.standard_normal(shape) * scale).astype(dtype)
        return autograd.tensor(a, requires_grad=True)

    xw = t(steps, batch, 4 * hid)
    h0, c0 = t(batch, hid), t(batch, hid)
    w = t(4 * hid, hid, scale=0.5)
    b = t(4 * hid) if bias else None
    return xw, h0, c0, w, b


def _composite(xw, h0, c0, w, b, reverse=False):
    # The recurrence with the engine's ops, one node per op (nn.LSTM's cell).
    h, c = h0, c0
    ys = [None] * xw.shape[0]
    order = range(xw.shape[0] - 1, -1, -1) if reverse else range(xw.shape[0])
    for t in order:
        gates = xw[t] + h @ w.t()
        if b is not None:
            gates = gates + b
        i, f, g, o = gates.chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        ys[t] = h
    return autograd.stack(ys), h, c


def test_some_outputs_unused_and_inputs_without_grad():
    xw, h0, c0, w, b = _inputs(seed=3)
    h0 = h0.detach()
    ys, _, _ = extend.lstm_layer(xw, h0, c0, w, b)
    (ys * ys).sum().backward()
    ref_ys, _, _ = _composite(xw, h0, c0, w, b)
    want = autograd.grad((ref_ys * ref_ys).sum(), [xw, c0, w, b])
    for leaf, r in zip([xw, c0, w, b], want):
        np.testing.assert_allclose(leaf.grad.numpy(), r.numpy(), rtol=1e-10, atol=1e-12)
    assert h0.grad is None


def test_float32_stays_float32_and_matches_the_composite():
    args = _inputs(steps=6, batch=5, hid=8, dtype=np.float32, seed=4)
    ys, h, c = extend.lstm_layer(*args)
    ref = _composite(*args)
    assert ys.dtype == autograd.float32 and h.dtype == autograd.float32
    np.testing.assert_allclose(ys.detach().numpy(), ref[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    ys.sum().backward()
    got = [a.grad.numpy() for a in args]
    want = autograd.grad(ref[0].sum(), list(args))
    for a, r in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, r.numpy(), rtol=1e-4, atol=1e-5)


def test_output_may_change_in_place_and_a_changed_input_is_detected():
    # As PyTorch's layer: the output is not saved, so changing it in place (a mask, a ReLU)
    # leaves the gradient of the forward's values; an input changed in place is caught.
    args = _inputs(seed=5)
    ys, _, _ = extend.lstm_layer(*args)
    ref, _, _ = _composite(*args)
    want = autograd.grad(ref.sum(), list(args))
    loss = ys.sum()
    with autograd.no_grad():
        ys.mul_(2)
    got = autograd.grad(loss, list(args))
    for a, r in zip(got, want):
        np.testing.assert_allclose(a.numpy(), r.numpy(), rtol=1e-10, atol=1e-12)
    ys, _, _ = extend.lstm_layer(*args)
    loss = ys.sum()
    with autograd.no_grad():
        args[3].add_(1.0)  # the recurrent weight
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_kernel_and_numpy_twin_agree():
    rng = np.random.default_rng(6)
    n, hid = 3, 5
    a = rng.uniform(0.05, 0.95, (n, 4 * hid))
    tc, c_prev, gy, dh, dc = (rng.standard_normal((n, hid)) for _ in range(5))
    outs = []
    for fn in (kernels._cell_backward, kernels._cell_backward_numpy):
        d_c, d_g = dc.copy(), np.empty((n, 4 * hid))
        fn(a, tc, c_prev, gy, dh, d_c, d_g)
        outs.append((d_c, d_g))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-14)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-14)


@pytest.mark.skipif(not kernels._blas.AVAILABLE, reason="the compiled loops call NumPy's BLAS")
@pytest.mark.parametrize("batch, hid", [(2, 9), (5, 4)])  # w @ h.T added transposed; h @ w.T
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("with_gy, need_h", [(True, True), (False, False)])
def test_compiled_step_loops_match_their_python_twins(batch, hid, reverse, with_gy, need_h):
    from autograd.ops import recurrent as ops

    assert kernels._few_rows(batch, hid) == (batch == 2)  # both ways of the step's product
    rng = np.random.default_rng(7)
    steps = 5

    def f32(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    pre, h0, c0, w = f32(steps, batch, 4 * hid), f32(batch, hid), f32(batch, hid), f32(4 * hid, hid)
    gys = f32(steps, batch, hid) if with_gy else np.zeros((1, batch, hid), np.float32)
    dh0, dc0 = f32(batch, hid), f32(batch, hid)
    results = []
    for loop in ("compiled", "python"):
        fwd = [
            pre.copy(),
            *(np.empty((steps, batch, n), np.float32) for n in (4 * hid, hid, hid, hid)),
        ]
        bwd = [dh0.copy(), dc0.copy(), np.empty((steps, batch, 4 * hid), np.float32)]
        if loop == "compiled":
            kernels._lstm_steps_forward(*fwd[:1], h0, c0, w, *fwd[1:], reverse,
                                        np.empty((4 * hid, batch), np.float32))  # fmt: skip
            kernels._lstm_steps_backward(fwd[1], fwd[3], fwd[2], c0, gys, *bwd, w, reverse,
                                         need_h, np.empty((hid, batch), np.float32))  # fmt: skip
        else:
            ops._lstm_forward_steps(*fwd[:1], h0, c0, w, *fwd[1:], reverse)
            ops._lstm_backward_steps(fwd[1], fwd[3], fwd[2], c0, gys, *bwd, w, reverse, need_h)
        results.append(fwd + (bwd if need_h else bwd[1:]))
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


@pytest.mark.skipif(not kernels._blas.AVAILABLE, reason="the compiled loops call NumPy's BLAS")
@pytest.mark.parametrize("batch, hid", [(2, 9), (5, 4)])  # w @ h.T added transposed; h @ w.T
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("with_gy, need_h, bias", [(True, True, True), (False, False, False)])
def test_compiled_gru_step_loops_match_their_python_twins(
    batch, hid, reverse, with_gy, need_h, bias
):
    from autograd.ops import recurrent as ops

    rng = np.random.default_rng(8)
    steps = 5

    def f32(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    xw, h0, w = f32(steps, batch, 3 * hid), f32(batch, hid), f32(3 * hid, hid)
    b = f32(3 * hid) if bias else None
    gys = f32(steps, batch, hid) if with_gy else np.zeros((1, batch, hid), np.float32)
    dh0 = f32(batch, hid)
    results = []
    for loop in (kernels, None):
        acts = np.empty((steps, batch, 4 * hid), np.float32)
        hs = np.empty((steps, batch, hid), np.float32)
        d_x, d_h = (np.empty((steps, batch, 3 * hid), np.float32) for _ in range(2))
        dh = dh0.copy()
        if loop is kernels:
            kernels.gru_steps_forward(xw, h0, w, b, acts, hs, reverse, _no_twin)
            kernels.gru_steps_backward(acts, hs, h0, gys, dh, d_x, d_h, w, reverse, need_h,
                                       _no_twin)  # fmt: skip
        else:
            ops._gru_forward_steps(xw, h0, w, b, acts, hs, reverse)
            ops._gru_backward_steps(acts, hs, h0, gys, dh, d_x, d_h, w, reverse, need_h)
        results.append([acts, hs, d_x, d_h] + ([dh] if need_h else []))
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def _no_twin(*args):
    raise AssertionError("the compiled loop was expected to run")


def test_errors_name_the_argument():
    xw, h0, c0, w, b = _inputs()
    with pytest.raises(TypeError, match="xw must be a Tensor"):
        extend.lstm_layer(xw.detach().numpy(), h0, c0, w, b)
    with pytest.raises(ValueError, match="h0 must have shape"):
        extend.lstm_layer(xw, h0[:1], c0, w, b)
    with pytest.raises(ValueError, match="xw must be 3-D"):
        extend.lstm_layer(xw[0], h0, c0, w, b)
    with pytest.raises(ValueError, match="b_hh must have shape"):
        extend.lstm_layer(xw, h0, c0, w, b[:2])
    with pytest.raises(TypeError, match="share one dtype"):
        extend.lstm_layer(xw, h0.float(), c0, w, b)
    with pytest.raises(ValueError, match="at least one step"):
        extend.lstm_layer(xw[:0], h0, c0, w, b)
    with pytest.raises(ValueError, match="4 \\* hidden"):
        extend.lstm_layer(xw[..., :7], h0, c0, w, b)
    with pytest.raises(ValueError, match="w_hh must have shape"):
        extend.lstm_layer(xw, h0, c0, w.t(), b)


def test_forward_kernel_matches_numpy_passes():
    rng = np.random.default_rng(7)
    n, hid = 3, 6
    gates = (rng.standard_normal((n, 4 * hid)) * 3).astype(np.float32)
    gates[0, 2 * hid : 2 * hid + 4] = [0.0, -0.0, 0.2, -25.0]  # tanh's series, and saturated
    gates[1, :2] = [-90.0, 90.0]  # saturated sigmoids
    c_prev = rng.standard_normal((n, hid)).astype(np.float32)
    outs = []
    for run in (kernels._cell_forward, None):
        bufs = [np.empty((n, 4 * hid), np.float32)]
        bufs += [np.empty((n, hid), np.float32) for _ in range(3)]
        if run is None:
            kernels._cell_forward_numpy(gates, c_prev, *bufs, _sigmoid)
        else:
            run(gates, c_prev, *bufs)
        outs.append(bufs)
    for k, (a, b) in enumerate(zip(*outs)):
        np.testing.assert_allclose(a, b, rtol=4e-7, atol=1e-7, err_msg=f"output {k}")


def _sigmoid(x):
    with np.errstate(over="ignore"):  # exp(90) is inf in float32: 1 / inf, the right 0
        return 1 / (1 + np.exp(-x))


def test_float32_tanh_is_within_a_few_ulp_and_keeps_special_values():
    import numba

    from autograd.kernels._exp import exp, tanh32

    minus_two = np.float32(-2.0)

    @numba.njit
    def run(x, out):
        for i in range(x.size):
            out[i] = tanh32(x[i], exp(minus_two * abs(x[i])))

    x = np.concatenate(
        [np.linspace(-12, 12, 240_001), [0.3, -0.3, 0.29999998, 1e-30, -1e-30, 1e-6]]
    ).astype(np.float32)
    out = np.empty_like(x)
    run(x, out)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert (np.abs(out - exact) / ulp).max() <= 2.5  # 2.07 measured; NumPy's own: 1.32
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32)
    got = np.empty_like(special)
    run(special, got)
    np.testing.assert_array_equal(got, [0.0, -0.0, 1.0, -1.0, np.nan])
    assert np.signbit(got[1])


# ------------------------------------------------------------------------------------- GRU
def _gru_inputs(steps=4, batch=3, hid=2, dtype=np.float64, seed=0, bias=True):
    rng = np.random.default_rng(seed)

    def t(*shape, scale=1.0):
        return autograd.tensor(
            (rng.standard_normal(shape) * scale).astype(dtype), requires_grad=True
        )

    return (
        t(steps, batch, 3 * hid),
        t(batch, hid),
        t(3 * hid, hid, scale=0.5),
        (t(3 * hid) if bias else None),
    )


def _gru_composite(xw, h0, w, b, reverse=False):
    # nn.GRU's cell with the engine's ops, one node per op.
    h = h0
    ys = [None] * xw.shape[0]
    for t in range(xw.shape[0] - 1, -1, -1) if reverse else range(xw.shape[0]):
        hw = h @ w.t()
        if b is not None:
            hw = hw + b
        x_r, x_z, x_n = xw[t].chunk(3, dim=-1)
        h_r, h_z, h_n = hw.chunk(3, dim=-1)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        h = n + z * (h - n)
        ys[t] = h
    return autograd.stack(ys), h


# (inputs, the recurrence with the engine's ops, the layer as one node) per kind of layer
LAYERS = {
    "lstm": (_inputs, _composite, extend.lstm_layer),
    "gru": (_gru_inputs, _gru_composite, extend.gru_layer),
}


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_values_and_gradients_match_the_composite_recurrence(kind, reverse, bias):
    inputs, composite, layer = LAYERS[kind]
    args = inputs(bias=bias, seed=8)
    leaves = [a for a in args if a is not None]
    rng = np.random.default_rng(9)
    outs = layer(*args, reverse=reverse)
    ref = composite(*args, reverse=reverse)
    seeds = [autograd.tensor(rng.standard_normal(o.shape)) for o in outs]
    for a, r in zip(outs, ref):
        np.testing.assert_allclose(a.detach().numpy(), r.detach().numpy(), rtol=1e-12, atol=1e-14)
    got = autograd.grad(outs, leaves, seeds)
    want = autograd.grad(ref, leaves, seeds)
    for a, r in zip(got, want):
        np.testing.assert_allclose(a.numpy(), r.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_gradgradcheck_and_forward_mode(kind, reverse):
    inputs, _, layer = LAYERS[kind]
    args = inputs(steps=3, batch=2, hid=2, seed=10)

    def f(*a):
        return layer(*a, reverse=reverse)

    assert autograd.gradcheck(f, args, check_forward_ad=True)
    assert autograd.gradgradcheck(f, args)


def test_gru_float32_output_in_place_and_unused_final_state():
    xw, h0, w, b = _gru_inputs(steps=6, batch=5, hid=8, dtype=np.float32, seed=11)
    h0 = h0.detach()
    ys, _ = extend.gru_layer(xw, h0, w, b)
    ref, _ = _gru_composite(xw, h0, w, b)
    assert ys.dtype == autograd.float32
    np.testing.assert_allclose(ys.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    loss = ys.sum()
    with autograd.no_grad():
        ys.mul_(3)  # the output is a copy: the gradient is the forward's
    got = autograd.grad(loss, [xw, w, b])
    want = autograd.grad(ref.sum(), [xw, w, b])
    for a, r in zip(got, want):
        assert a.dtype == autograd.float32
        np.testing.assert_allclose(a.numpy(), r.numpy(), rtol=1e-4, atol=1e-5)


def test_gru_kernels_and_numpy_twins_agree():
    rng = np.random.default_rng(12)
    n, hid = 3, 5
    xw, hw = (rng.standard_normal((n, 3 * hid)).astype(np.float32) for _ in range(2))
    h = rng.standard_normal((n, hid)).astype(np.float32)
    outs = []
    for run in (kernels._gru_forward, None):
        a, y = np.empty((n, 4 * hid), np.float32), np.empty((n, hid), np.float32)
        if run is None:
            kernels._gru_forward_numpy(xw, hw, h, a, y, _sigmoid)
        else:
            run(xw, hw, h, a, y)
        outs.append((a, y))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=4e-7, atol=1e-7)
    a = rng.uniform(0.05, 0.95, (n, 4 * hid))
    gy, dh = rng.standard_normal((n, hid)), rng.standard_normal((n, hid))
    grads = []
    for run in (kernels._gru_backward, kernels._gru_backward_numpy):
        d = dh.copy()
        d_x, d_h = np.empty((n, 3 * hid)), np.empty((n, 3 * hid))
        run(a, h.astype(np.float64), gy, d, d_x, d_h)
        grads.append((d, d_x, d_h))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_gru_errors_name_the_argument():
    xw, h0, w, b = _gru_inputs()
    with pytest.raises(TypeError, match="xw must be a Tensor"):
        extend.gru_layer(xw.detach().numpy(), h0, w, b)
    with pytest.raises(ValueError, match="h0 must have shape"):
        extend.gru_layer(xw, h0[:1], w, b)
    with pytest.raises(ValueError, match="at least one step"):
        extend.gru_layer(xw[:0], h0, w, b)
    with pytest.raises(ValueError, match="b_hh must have shape"):
        extend.gru_layer(xw, h0, w, b[:2])
    with pytest.raises(TypeError, match="share one dtype"):
        extend.gru_layer(xw, h0.float(), w, b)
