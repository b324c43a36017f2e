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
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._exp import exp, sigmoid32, tanh32
from ._jit import StandIn, jit

__all__ = ["gru_cell_backward", "gru_cell_forward", "lstm_cell_backward", "lstm_cell_forward"]

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
