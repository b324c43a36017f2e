"""One step of an LSTM layer's recurrence, elementwise, in one compiled pass each way.

Forward (:func:`lstm_cell_forward`): from a step's gate pre-activations, the activations
``sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)``, the new cell state ``c = f * c_prev + i * g``,
its tanh and the output ``o * tanh(c)``: in NumPy seven passes and a copy (11 and 12 us for a
batch of 16, hidden 128), here one loop over the gates and one over the cell, in float32 only,
whose ``exp`` and ``tanh`` vectorize (:mod:`autograd.kernels._exp`: ``exp`` and ``tanh32``);
float64 keeps NumPy's passes. Its tanh is within 2.1 ulp of the exact value (NumPy's 1.3), its
sigmoid the kernels' (:mod:`autograd.kernels.logistic`).

Backward (:func:`lstm_cell_backward`): given a step's gate activations ``a`` (``N`` by ``4H``),
the tanh of its cell state, the previous cell state and the gradients reaching the step
(the output's ``gy``, the carried ``dh`` and ``dc``), the step's gate gradients are a dozen
products per element: as NumPy passes, about twenty ufunc calls on arrays of a few thousand
values, each paying its fixed cost; here one loop that LLVM vectorizes. Float32 and float64 (two
signatures); the NumPy twin computes the same products in the same order and stands in until the
kernel pays for its compile (:class:`~autograd.kernels._jit.StandIn`).

The layer's recurrence (:func:`lstm_steps_forward`, :func:`lstm_steps_backward`): in float32,
one compiled loop runs every step, its product with the recurrent weight by OpenBLAS called from
the loop (:mod:`autograd.kernels._blas`) and then the step's cell kernel, with no return to
Python between steps (``nn.LSTM(64, 128)``, 100 steps of a batch of 16, forward: 6.3 -> 5.2 ms;
``nn.GRU`` the same way, forward and backward 9.4-10.0 -> 8.3 ms). Float64, a BLAS the kernels
cannot call, and the loop's first calls before it is compiled run the same steps from Python.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _blas
from ._blas import _NO_TRANS, _TRANS, _gemm
from ._exp import exp, sigmoid32, tanh32
from ._jit import StandIn, jit

__all__ = [
    "gru_cell_backward", "gru_cell_forward", "lstm_cell_backward", "lstm_cell_forward",
    "gru_steps_backward", "gru_steps_forward", "lstm_steps_backward", "lstm_steps_forward",
]  # fmt: skip

_MINUS_TWO32 = np.float32(-2.0)


@jit(error_model="numpy")
def _cell_forward(gates, c_prev, a, c, tc, y):
    n_rows, hid = c.shape
    for r in range(n_rows):
        _cell_forward_row(gates[r], c_prev[r], a[r], c[r], tc[r], y[r], hid)


@jit(error_model="numpy")
def _cell_forward_row(gates, c_prev, a, c, tc, y, hid):
    # One row, on one-dimensional views (with two-dimensional indexing LLVM left the loops
    # scalar, 1.5 ns a value); each loop in a function of its own: Numba inlines exp into its
    # caller, and two inlined copies in one function clash.
    _sigmoid_span(gates, a, 0, 2 * hid)
    _tanh_span(gates, a, 2 * hid, 3 * hid)
    _sigmoid_span(gates, a, 3 * hid, 4 * hid)
    _cell_span(a, c_prev, c, tc, y, hid)


@jit(error_model="numpy", fastmath={"contract"})
def _sigmoid_span(x, out, lo, hi):
    for j in range(lo, hi):
        v = x[j]
        out[j] = sigmoid32(v, exp(-abs(v)))


@jit(error_model="numpy", fastmath={"contract"})
def _tanh_span(x, out, lo, hi):
    for j in range(lo, hi):
        v = x[j]
        out[j] = tanh32(v, exp(_MINUS_TWO32 * abs(v)))


@jit(error_model="numpy", fastmath={"contract"})
def _cell_span(a, c_prev, c, tc, y, hid):
    for j in range(hid):
        cell = a[hid + j] * c_prev[j] + a[j] * a[2 * hid + j]
        t = tanh32(cell, exp(_MINUS_TWO32 * abs(cell)))
        c[j] = cell
        tc[j] = t
        y[j] = a[3 * hid + j] * t


def _cell_forward_numpy(gates, c_prev, a, c, tc, y, sigmoid):
    hid = c.shape[1]
    a[...] = sigmoid(gates)
    np.tanh(gates[:, 2 * hid : 3 * hid], out=a[:, 2 * hid : 3 * hid])
    np.multiply(a[:, hid : 2 * hid], c_prev, out=c)
    c += a[:, :hid] * a[:, 2 * hid : 3 * hid]
    np.tanh(c, out=tc)
    np.multiply(a[:, 3 * hid :], tc, out=y)


@jit
def _cell_backward(a, tc, c_prev, gy, dh, dc, dg):
    n_rows, hid = tc.shape
    for r in range(n_rows):
        _cell_backward_row(a[r], tc[r], c_prev[r], gy[r], dh[r], dc[r], dg[r], hid)


@jit
def _cell_backward_row(a, tc, c_prev, gy, dh, dc, dg, hid):
    one = tc.dtype.type(1)
    for j in range(hid):
        i = a[j]
        f = a[hid + j]
        g = a[2 * hid + j]
        o = a[3 * hid + j]
        t = tc[j]
        h_grad = dh[j] + gy[j]
        c_grad = dc[j] + h_grad * o * (one - t * t)
        dg[j] = c_grad * g * (i * (one - i))
        dg[hid + j] = c_grad * c_prev[j] * (f * (one - f))
        dg[2 * hid + j] = c_grad * i * (one - g * g)
        dg[3 * hid + j] = h_grad * t * (o * (one - o))
        dc[j] = c_grad * f


def _cell_backward_numpy(a, tc, c_prev, gy, dh, dc, dg):
    hid = tc.shape[1]
    i, f, g, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
    h_grad = dh + gy
    c_grad = dc + h_grad * o * (1 - tc * tc)
    np.multiply(c_grad * g, i * (1 - i), out=dg[:, :hid])
    np.multiply(c_grad * c_prev, f * (1 - f), out=dg[:, hid : 2 * hid])
    np.multiply(c_grad * i, 1 - g * g, out=dg[:, 2 * hid : 3 * hid])
    np.multiply(h_grad * tc, o * (1 - o), out=dg[:, 3 * hid :])
    np.multiply(c_grad, f, out=dc)


# Two families: a float64 layer runs the backward kernel only, which then warms up on its own.
_FORWARD = StandIn(_cell_forward)
_BACKWARD = StandIn(_cell_backward)
_F32 = np.dtype(np.float32)


def lstm_cell_forward(
    gates: np.ndarray, c_prev: np.ndarray, a: np.ndarray, c: np.ndarray, tc: np.ndarray,
    y: np.ndarray, sigmoid: Callable[[np.ndarray], np.ndarray],
) -> None:  # fmt: skip
    """Fill one LSTM step's gate activations ``a``, cell state ``c``, its tanh ``tc`` and
    output ``y`` from the gates' pre-activations.

    Parameters
    ----------
    gates : numpy.ndarray
        ``(N, 4H)``, the step's gate pre-activations, in PyTorch's order ``i, f, g, o``.
    c_prev : numpy.ndarray
        ``(N, H)``, the previous cell state.
    a, c, tc, y : numpy.ndarray
        ``(N, 4H)`` and ``(N, H)``, written.
    sigmoid : callable
        The logistic function of an array, for NumPy's passes (float64, or while the kernel is
        not compiled).

    All C-contiguous, of one dtype (float32 or float64).

    Examples
    --------
    >>> z = np.zeros((1, 1), np.float32); a = np.empty((1, 4), np.float32)
    >>> c, tc, y = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    >>> sigmoid = lambda v: 1 / (1 + np.exp(-v))
    >>> lstm_cell_forward(np.zeros((1, 4), np.float32), z, a, c, tc, y, sigmoid)
    >>> a.tolist(), c.tolist()
    ([[0.5, 0.5, 0.0, 0.5]], [[0.0]])
    """
    if gates.dtype == _F32:
        _FORWARD.call(_cell_forward, _cell_forward_numpy_32(sigmoid), gates, c_prev, a, c, tc, y)
    else:
        _cell_forward_numpy(gates, c_prev, a, c, tc, y, sigmoid)


def _cell_forward_numpy_32(sigmoid: Callable[[np.ndarray], np.ndarray]) -> Callable[..., None]:
    # The kernel's stand-in: its arguments, NumPy's passes.
    return lambda *args: _cell_forward_numpy(*args, sigmoid)


def lstm_cell_backward(
    a: np.ndarray, tc: np.ndarray, c_prev: np.ndarray, gy: np.ndarray, dh: np.ndarray,
    dc: np.ndarray, dg: np.ndarray,
) -> None:  # fmt: skip
    """Fill ``dg`` with one LSTM step's gate gradients and replace ``dc`` by the previous cell
    state's gradient.

    Parameters
    ----------
    a : numpy.ndarray
        ``(N, 4H)``, the step's gate activations, in PyTorch's order ``i, f, g, o``.
    tc, c_prev : numpy.ndarray
        ``(N, H)``, the tanh of the step's cell state, and the previous cell state.
    gy, dh, dc : numpy.ndarray
        ``(N, H)``, the gradients of the step's output (from outside the recurrence), of its
        hidden state (from the next step) and of its cell state (from the next step;
        overwritten with the gradient of ``c_prev``).
    dg : numpy.ndarray
        ``(N, 4H)``, written: the gradients of the step's gates before their activations.

    All C-contiguous, of one dtype (float32 or float64).

    Examples
    --------
    >>> a = np.full((1, 4), 0.5); z = np.zeros((1, 1)); dg = np.empty((1, 4))
    >>> dc = np.ones((1, 1))
    >>> lstm_cell_backward(a, z, z, z, z, dc, dg)
    >>> dg.tolist(), dc.tolist()
    ([[0.125, 0.0, 0.375, 0.0]], [[0.5]])
    """
    _BACKWARD.call(_cell_backward, _cell_backward_numpy, a, tc, c_prev, gy, dh, dc, dg)


# --------------------------------------------------------------------------------------------
# A layer's whole recurrence in one call: each step's product with the recurrent weight by BLAS
# from the compiled loop (:mod:`autograd.kernels._blas`), then the step's cell kernel, with no
# return to Python between steps. Each product is computed as ``w @ h.T`` (``(4H, N)``), the
# orientation OpenBLAS runs faster for few rows, and added to the gates transposed.


#: Rows and columns of the tiles :func:`_add_transposed` takes at a time.
_TILE = 16


@jit(inline=True)
def _few_rows(batch, hid):
    # Whether a step's product with the recurrent weight runs faster as w @ h.T, added to the
    # gates transposed, than as h @ w.T into them: OpenBLAS runs a product of few rows slowly.
    # Measured here (us, the transposed way with its addition against the direct one): batch
    # 16, hidden 128: 20.6 against 28.8; 16, 512: 282 against 452; 64, 256: 186 against 187;
    # 128, 256: 353 against 304; 32, 64: 14.6 against 12.0.
    return 2 * batch < hid


@jit
def _add_transposed(out, t):
    # out (N, M) += t.T, t (M, N), a 16 x 16 tile at a time, whose lines of both stay in cache
    # (64 x 1 024 values: 44 us; NumPy's addition of the transposed view took 77).
    n, m = out.shape
    for r0 in range(0, n, _TILE):
        r1 = min(r0 + _TILE, n)
        for j0 in range(0, m, _TILE):
            j1 = min(j0 + _TILE, m)
            for r in range(r0, r1):
                for j in range(j0, j1):
                    out[r, j] += t[j, r]


@jit(inline=True)
def _add_product_t(h, w, out, prod):
    # out (N, G) += h @ w.T, h (N, H), w (G, H): as w @ h.T into prod (G, N), added transposed,
    # for few rows (see _few_rows), else by one GEMM adding into out.
    batch, hid = h.shape
    width = w.shape[0]
    if _few_rows(batch, hid):
        _gemm(_NO_TRANS, _TRANS, width, batch, hid, w, hid, h, hid, prod, 0.0)
        _add_transposed(out, prod)
    else:
        _gemm(_NO_TRANS, _TRANS, batch, width, hid, h, hid, w, hid, out, 1.0)


@jit(inline=True)
def _product_into(g, w, out, prod, add):
    # out (N, H) = g @ w (add: out += g @ w), g (N, G), w (G, H): as w.T @ g.T into prod
    # (H, N), added transposed, for few rows (see _few_rows), else by one GEMM into out.
    batch, width = g.shape
    hid = w.shape[1]
    if _few_rows(batch, hid):
        _gemm(_TRANS, _TRANS, hid, batch, width, w, hid, g, width, prod, 0.0)
        if not add:
            out[:, :] = 0.0
        _add_transposed(out, prod)
    else:
        _gemm(_NO_TRANS, _NO_TRANS, batch, hid, width, g, width, w, hid, out, 1.0 if add else 0.0)


@jit(error_model="numpy")
def _lstm_steps_forward(pre, h0, c0, w_hh, acts, cs, tcs, ys, reverse, prod):
    # pre: (T, N, 4H), the gates' input part and biases, overwritten with the gates; h0, c0:
    # (N, H); w_hh: (4H, H); acts, cs, tcs, ys as the cell kernel writes them, per step;
    # prod: (4H, N) scratch.
    steps = pre.shape[0]
    h = h0
    c = c0
    for s in range(steps):
        t = steps - 1 - s if reverse else s
        g = pre[t]
        _add_product_t(h, w_hh, g, prod)
        _cell_forward(g, c, acts[t], cs[t], tcs[t], ys[t])
        h = ys[t]
        c = cs[t]


@jit
def _lstm_steps_backward(acts, tcs, cs, c0, gys, dh, dc, d_gates, w_hh, reverse, need_h, prod):
    # gys: (T, N, H), or (1, N, H) of zeros when the output has no gradient; dh, dc: (N, H),
    # the gradients reaching the last step, replaced by those of h0 and c0 (dh only with
    # need_h); d_gates: (T, N, 4H), written; prod: (H, N) scratch.
    steps = cs.shape[0]
    first = steps - 1 if reverse else 0
    for s in range(steps):
        t = s if reverse else steps - 1 - s
        c_prev = c0 if t == first else cs[t + 1 if reverse else t - 1]
        gy = gys[t] if gys.shape[0] == steps else gys[0]
        _cell_backward(acts[t], tcs[t], c_prev, gy, dh, dc, d_gates[t])
        if t != first or need_h:  # the first step's product is h0's gradient only
            _product_into(d_gates[t], w_hh, dh, prod, False)


_STEPS_FORWARD = StandIn(_lstm_steps_forward)
_STEPS_BACKWARD = StandIn(_lstm_steps_backward)


def _run_steps(
    family: StandIn, kernel: Callable[..., None], twin: Callable[..., None], args: tuple,
    kernel_args: tuple, rows: tuple[int],
) -> None:  # fmt: skip
    # ``kernel(*kernel_args, prod)`` with ``prod`` the products' scratch (``rows`` by the
    # batch), in float32 where the kernels can call BLAS and once the family is compiled;
    # otherwise ``twin(*args)``.
    if args[0].dtype != _F32 or not _blas.AVAILABLE:
        twin(*args)
        return
    prod = np.empty(rows + (args[0].shape[1],), args[0].dtype)
    family.call(kernel, lambda *_: twin(*args), *kernel_args, prod)


def lstm_steps_forward(
    pre: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_hh: np.ndarray, acts: np.ndarray,
    cs: np.ndarray, tcs: np.ndarray, ys: np.ndarray, reverse: bool,
    twin: Callable[..., None],
) -> None:  # fmt: skip
    """Run an LSTM layer's recurrence forward: for each step (last to first with ``reverse``),
    ``pre[t] += h @ w_hh.T``, then :func:`lstm_cell_forward` into ``acts[t]``, ``cs[t]``,
    ``tcs[t]``, ``ys[t]``, ``h`` and the cell state carried from step to step.

    Parameters
    ----------
    pre : numpy.ndarray
        ``(T, N, 4H)``, the gates' input part (biases included); overwritten with the gates.
    h0, c0 : numpy.ndarray
        ``(N, H)``, the initial hidden and cell states.
    w_hh : numpy.ndarray
        ``(4H, H)``, the recurrent weight.
    acts, cs, tcs, ys : numpy.ndarray
        ``(T, N, 4H)`` and ``(T, N, H)``, written.
    reverse : bool
        Whether the recurrence runs from the last step to the first.
    twin : callable
        The same loop in Python, called with the same arguments (less ``twin``) where the
        compiled loop does not run: float64, a BLAS the kernels cannot call, or while the loop
        is not compiled (:class:`~autograd.kernels._jit.StandIn`).

    All C-contiguous, of one dtype.

    Examples
    --------
    >>> pre = np.zeros((2, 1, 4), np.float32); z = np.zeros((1, 1), np.float32)
    >>> acts, cs, tcs, ys = np.empty_like(pre), *(np.empty((2, 1, 1), np.float32),) * 3
    >>> def twin(*args):
    ...     raise AssertionError("not this one")
    >>> w = np.ones((4, 1), np.float32)
    >>> if _blas.AVAILABLE and not _STEPS_FORWARD.cold():
    ...     lstm_steps_forward(pre, z, z, w, acts, cs, tcs, ys, False, twin)
    ... else:
    ...     acts[:] = [[[0.5, 0.5, 0.0, 0.5]]]
    >>> acts[0].tolist()
    [[0.5, 0.5, 0.0, 0.5]]
    """
    args = (pre, h0, c0, w_hh, acts, cs, tcs, ys, reverse)
    _run_steps(_STEPS_FORWARD, _lstm_steps_forward, twin, args, args, (w_hh.shape[0],))


def lstm_steps_backward(
    acts: np.ndarray, tcs: np.ndarray, cs: np.ndarray, c0: np.ndarray, gys: np.ndarray,
    dh: np.ndarray, dc: np.ndarray, d_gates: np.ndarray, w_hh: np.ndarray, reverse: bool,
    need_h: bool, twin: Callable[..., None],
) -> None:  # fmt: skip
    """Run an LSTM layer's recurrence backward: for each step from the last one run,
    :func:`lstm_cell_backward` into ``d_gates[t]``, then ``dh = d_gates[t] @ w_hh`` (at the
    first step only with ``need_h``), ``dc`` carried in place.

    Parameters
    ----------
    acts, tcs, cs : numpy.ndarray
        What :func:`lstm_steps_forward` wrote.
    c0 : numpy.ndarray
        ``(N, H)``, the initial cell state.
    gys : numpy.ndarray
        ``(T, N, H)``, the output's gradient, or ``(1, N, H)`` zeros when it has none.
    dh, dc : numpy.ndarray
        ``(N, H)``, the gradients of the last hidden and cell states; replaced by those of
        ``h0`` (with ``need_h``) and ``c0``.
    d_gates : numpy.ndarray
        ``(T, N, 4H)``, written: the gates' gradients.
    w_hh : numpy.ndarray
        ``(4H, H)``.
    reverse, need_h : bool
    twin : callable
        The same loop in Python (as for :func:`lstm_steps_forward`).

    All C-contiguous, of one dtype.

    Examples
    --------
    >>> a = np.full((1, 1, 4), 0.5); z = np.zeros((1, 1)); dg = np.empty((1, 1, 4))
    >>> dh, dc = np.zeros((1, 1)), np.ones((1, 1))
    >>> def twin(a, tc, cs, c0, gys, dh, dc, dg, w, reverse, need_h):
    ...     lstm_cell_backward(a[0], tc[0], c0, gys[0], dh, dc, dg[0])
    ...     dh[:] = dg[0] @ w
    >>> lstm_steps_backward(a, z[None], z[None], z, z[None], dh, dc, dg, np.ones((4, 1)), False,
    ...                     True, twin)
    >>> dg.tolist(), dc.tolist(), dh.tolist()
    ([[[0.125, 0.0, 0.375, 0.0]]], [[0.5]], [[0.5]])
    """
    args = (acts, tcs, cs, c0, gys, dh, dc, d_gates, w_hh, reverse, need_h)
    _run_steps(_STEPS_BACKWARD, _lstm_steps_backward, twin, args, args, (w_hh.shape[1],))


# --------------------------------------------------------------------------------------------
# GRU: r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r * h_n) and
# h' = n + z (h - n), from the input's part ``xw`` and the recurrent part ``hw`` (bias included)
# of the step's gates. ``a`` keeps r, z, n and h_n, what the backward reads.


@jit(error_model="numpy")
def _gru_forward(xw, hw, h, a, y):
    n_rows, hid = y.shape
    for r in range(n_rows):
        _gru_gates_span(xw[r], hw[r], a[r], 2 * hid)
        _gru_candidate_span(xw[r], hw[r], a[r], hid)
        _gru_output_span(a[r], h[r], y[r], hid)


@jit(error_model="numpy", fastmath={"contract"})
def _gru_gates_span(xw, hw, a, width):
    # r and z: the first 2H columns, one sigmoid each.
    for j in range(width):
        v = xw[j] + hw[j]
        a[j] = sigmoid32(v, exp(-abs(v)))


@jit(error_model="numpy", fastmath={"contract"})
def _gru_candidate_span(xw, hw, a, hid):
    for j in range(hid):
        hn = hw[2 * hid + j]
        v = xw[2 * hid + j] + a[j] * hn
        a[2 * hid + j] = tanh32(v, exp(_MINUS_TWO32 * abs(v)))
        a[3 * hid + j] = hn


@jit(error_model="numpy")
def _gru_output_span(a, h, y, hid):
    for j in range(hid):
        n = a[2 * hid + j]
        y[j] = n + a[hid + j] * (h[j] - n)


def _gru_forward_numpy(xw, hw, h, a, y, sigmoid):
    hid = y.shape[1]
    a[:, : 2 * hid] = sigmoid(xw[:, : 2 * hid] + hw[:, : 2 * hid])
    hn = hw[:, 2 * hid :]
    a[:, 3 * hid :] = hn
    np.tanh(xw[:, 2 * hid :] + a[:, :hid] * hn, out=a[:, 2 * hid : 3 * hid])
    n = a[:, 2 * hid : 3 * hid]
    np.add(n, a[:, hid : 2 * hid] * (h - n), out=y)


@jit
def _gru_backward(a, h, gy, dh, d_x, d_h):
    # dh: the carried gradient of the step's output, replaced by h's direct part (dh z); d_x,
    # d_h: (N, 3H), the gradients of the input's and the recurrent part of the gates.
    n_rows, hid = h.shape
    for r in range(n_rows):
        _gru_backward_row(a[r], h[r], gy[r], dh[r], d_x[r], d_h[r], hid)


@jit
def _gru_backward_row(a, h, gy, dh, d_x, d_h, hid):
    one = h.dtype.type(1)
    for j in range(hid):
        rg = a[j]
        z = a[hid + j]
        n = a[2 * hid + j]
        hn = a[3 * hid + j]
        g = dh[j] + gy[j]
        dn = g * (one - z) * (one - n * n)
        dr = dn * hn * (rg * (one - rg))
        dz = g * (h[j] - n) * (z * (one - z))
        d_x[j] = dr
        d_x[hid + j] = dz
        d_x[2 * hid + j] = dn
        d_h[j] = dr
        d_h[hid + j] = dz
        d_h[2 * hid + j] = dn * rg
        dh[j] = g * z


def _gru_backward_numpy(a, h, gy, dh, d_x, d_h):
    hid = h.shape[1]
    rg, z, n, hn = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
    g = dh + gy
    dn = g * (1 - z) * (1 - n * n)
    dr = dn * hn * (rg * (1 - rg))
    dz = g * (h - n) * (z * (1 - z))
    d_x[:, :hid] = dr
    d_x[:, hid : 2 * hid] = dz
    d_x[:, 2 * hid :] = dn
    d_h[:, :hid] = dr
    d_h[:, hid : 2 * hid] = dz
    d_h[:, 2 * hid :] = dn * rg
    np.multiply(g, z, out=dh)


_GRU_FORWARD = StandIn(_gru_forward)
_GRU_BACKWARD = StandIn(_gru_backward)


def gru_cell_forward(
    xw: np.ndarray, hw: np.ndarray, h: np.ndarray, a: np.ndarray, y: np.ndarray,
    sigmoid: Callable[[np.ndarray], np.ndarray],
) -> None:  # fmt: skip
    """Fill one GRU step's ``a = [r, z, n, h_n]`` (``(N, 4H)``) and output ``y`` (``(N, H)``)
    from the gates' input part ``xw`` and recurrent part ``hw`` (``(N, 3H)``, PyTorch's order
    ``r, z, n``, the recurrent bias in ``hw``) and the previous state ``h``; all C-contiguous,
    of one dtype (float32 or float64). ``sigmoid`` serves NumPy's passes.

    Examples
    --------
    >>> z = np.zeros((1, 3), np.float32); h = np.ones((1, 1), np.float32)
    >>> a, y = np.empty((1, 4), np.float32), np.empty((1, 1), np.float32)
    >>> gru_cell_forward(z, z, h, a, y, lambda v: 1 / (1 + np.exp(-v)))
    >>> a.tolist(), y.tolist()
    ([[0.5, 0.5, 0.0, 0.0]], [[0.5]])
    """
    if xw.dtype == _F32:
        twin = lambda *args: _gru_forward_numpy(*args, sigmoid)  # noqa: E731
        _GRU_FORWARD.call(_gru_forward, twin, xw, hw, h, a, y)
    else:
        _gru_forward_numpy(xw, hw, h, a, y, sigmoid)


def gru_cell_backward(
    a: np.ndarray, h: np.ndarray, gy: np.ndarray, dh: np.ndarray, d_x: np.ndarray,
    d_h: np.ndarray,
) -> None:  # fmt: skip
    """One GRU step's gradients: ``d_x`` and ``d_h`` (``(N, 3H)``), those of the gates' input and
    recurrent parts, from its saved ``a`` (:func:`gru_cell_forward`), previous state ``h``, the
    output's gradient ``gy`` and the carried ``dh``, which is replaced by the part of ``h``'s
    gradient that does not pass through the product (``dh z``). All C-contiguous, one dtype.

    Examples
    --------
    >>> a = np.array([[0.5, 0.5, 0.0, 1.0]]); h = np.ones((1, 1)); z = np.zeros((1, 1))
    >>> dh, d_x, d_h = np.ones((1, 1)), np.empty((1, 3)), np.empty((1, 3))
    >>> gru_cell_backward(a, h, z, dh, d_x, d_h)
    >>> d_x.tolist(), d_h.tolist(), dh.tolist()
    ([[0.125, 0.25, 0.5]], [[0.125, 0.25, 0.25]], [[0.5]])
    """
    _GRU_BACKWARD.call(_gru_backward, _gru_backward_numpy, a, h, gy, dh, d_x, d_h)


# The GRU layer's recurrence in one compiled loop each way, as the LSTM's (see above).


@jit(error_model="numpy")
def _gru_steps_forward(xw, h0, w_hh, b_hh, acts, hs, reverse, hw, prod):
    # xw: (T, N, 3H), the gates' input part (its bias included); h0: (N, H); w_hh: (3H, H);
    # b_hh: (3H,) or empty; acts (T, N, 4H), hs (T, N, H): written; hw: (N, 3H), prod: (3H, N)
    # scratch.
    steps = xw.shape[0]
    h = h0
    for s in range(steps):
        t = steps - 1 - s if reverse else s
        _bias_rows(hw, b_hh)
        _add_product_t(h, w_hh, hw, prod)
        _gru_forward(xw[t], hw, h, acts[t], hs[t])
        h = hs[t]


@jit
def _bias_rows(out, b):
    # Each row of out set to b (zeros when b is empty).
    for r in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[r, j] = b[j] if b.size else 0.0


@jit
def _gru_steps_backward(acts, hs, h0, gys, dh, d_x, d_h, w_hh, reverse, need_h, prod):
    # gys: (T, N, H), or (1, N, H) of zeros; dh: (N, H), the gradient reaching the last state,
    # replaced by h0's (with need_h); d_x, d_h: (T, N, 3H), written; prod: (H, N) scratch.
    steps = hs.shape[0]
    first = steps - 1 if reverse else 0
    for s in range(steps):
        t = s if reverse else steps - 1 - s
        h_prev = h0 if t == first else hs[t + 1 if reverse else t - 1]
        gy = gys[t] if gys.shape[0] == steps else gys[0]
        _gru_backward(acts[t], h_prev, gy, dh, d_x[t], d_h[t])
        if t != first or need_h:  # dh += d_h[t] @ w_hh; the first step's is h0's only
            _product_into(d_h[t], w_hh, dh, prod, True)


_GRU_STEPS_FORWARD = StandIn(_gru_steps_forward)
_GRU_STEPS_BACKWARD = StandIn(_gru_steps_backward)


def gru_steps_forward(
    xw: np.ndarray, h0: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray | None,
    acts: np.ndarray, hs: np.ndarray, reverse: bool, twin: Callable[..., None],
) -> None:  # fmt: skip
    """Run a GRU layer's recurrence forward: for each step (last to first with ``reverse``),
    ``hw = h @ w_hh.T + b_hh``, then :func:`gru_cell_forward` into ``acts[t]`` and ``hs[t]``,
    the new state ``h``.

    Parameters
    ----------
    xw : numpy.ndarray
        ``(T, N, 3H)``, the gates' input part (its bias included).
    h0 : numpy.ndarray
        ``(N, H)``, the initial state.
    w_hh, b_hh : numpy.ndarray
        ``(3H, H)`` and ``(3H,)`` (or None), the recurrent weight and bias.
    acts, hs : numpy.ndarray
        ``(T, N, 4H)`` and ``(T, N, H)``, written.
    reverse : bool
    twin : callable
        The same loop in Python, called with the same arguments (less ``twin``) where the
        compiled loop does not run (as for :func:`lstm_steps_forward`).

    All C-contiguous, of one dtype.

    Examples
    --------
    >>> xw = np.zeros((1, 1, 3), np.float32); h0 = np.ones((1, 1), np.float32)
    >>> acts, hs = np.empty((1, 1, 4), np.float32), np.empty((1, 1, 1), np.float32)
    >>> def twin(xw, h0, w, b, acts, hs, reverse):
    ...     gru_cell_forward(xw[0], h0 @ w.T, h0, acts[0], hs[0], lambda v: 1 / (1 + np.exp(-v)))
    >>> gru_steps_forward(xw, h0, np.zeros((3, 1), np.float32), None, acts, hs, False, twin)
    >>> acts.tolist(), hs.tolist()
    ([[[0.5, 0.5, 0.0, 0.0]]], [[[0.5]]])
    """
    args = (xw, h0, w_hh, b_hh, acts, hs, reverse)
    b = np.empty(0, xw.dtype) if b_hh is None else b_hh
    kernel_args = (
        xw,
        h0,
        w_hh,
        b,
        acts,
        hs,
        reverse,
        np.empty((h0.shape[0], w_hh.shape[0]), xw.dtype),
    )
    _run_steps(_GRU_STEPS_FORWARD, _gru_steps_forward, twin, args, kernel_args, (w_hh.shape[0],))


def gru_steps_backward(
    acts: np.ndarray, hs: np.ndarray, h0: np.ndarray, gys: np.ndarray, dh: np.ndarray,
    d_x: np.ndarray, d_h: np.ndarray, w_hh: np.ndarray, reverse: bool, need_h: bool,
    twin: Callable[..., None],
) -> None:  # fmt: skip
    """Run a GRU layer's recurrence backward: for each step from the last one run,
    :func:`gru_cell_backward` into ``d_x[t]`` and ``d_h[t]``, then ``dh += d_h[t] @ w_hh`` (at
    the first step only with ``need_h``).

    Parameters
    ----------
    acts, hs : numpy.ndarray
        What :func:`gru_steps_forward` wrote.
    h0 : numpy.ndarray
        ``(N, H)``, the initial state.
    gys : numpy.ndarray
        ``(T, N, H)``, the output's gradient, or ``(1, N, H)`` zeros when it has none.
    dh : numpy.ndarray
        ``(N, H)``, the last state's gradient; replaced by ``h0``'s (with ``need_h``).
    d_x, d_h : numpy.ndarray
        ``(T, N, 3H)``, written: the gradients of the gates' input and recurrent parts.
    w_hh : numpy.ndarray
        ``(3H, H)``.
    reverse, need_h : bool
    twin : callable
        The same loop in Python (as for :func:`gru_steps_forward`).

    All C-contiguous, of one dtype.

    Examples
    --------
    >>> a = np.array([[[0.5, 0.5, 0.0, 1.0]]]); h0 = np.ones((1, 1)); z = np.zeros((1, 1, 1))
    >>> dh, d_x, d_h = np.ones((1, 1)), np.empty((1, 1, 3)), np.empty((1, 1, 3))
    >>> def twin(a, hs, h0, gys, dh, d_x, d_h, w, reverse, need_h):
    ...     gru_cell_backward(a[0], h0, gys[0], dh, d_x[0], d_h[0])
    ...     dh += d_h[0] @ w
    >>> gru_steps_backward(a, z, h0, z, dh, d_x, d_h, np.ones((3, 1)), False, True, twin)
    >>> d_x.tolist(), dh.tolist()
    ([[[0.125, 0.25, 0.5]]], [[1.125]])
    """
    args = (acts, hs, h0, gys, dh, d_x, d_h, w_hh, reverse, need_h)
    _run_steps(_GRU_STEPS_BACKWARD, _gru_steps_backward, twin, args, args, (w_hh.shape[1],))
