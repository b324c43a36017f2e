"""One step of an LSTM layer's backward recurrence, elementwise, in one compiled pass.

Given a step's gate activations ``a = [sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)]`` (``N`` by
``4H``), the tanh of its cell state, the previous cell state and the gradients reaching the step
(the output's ``gy``, the carried ``dh`` and ``dc``), the step's gate gradients are a dozen
products per element: as NumPy passes, about twenty ufunc calls on arrays of a few thousand
values, each paying its fixed cost; here one loop that LLVM vectorizes. Float32 and float64 (two
signatures); the NumPy twin computes the same products in the same order and stands in until the
kernel pays for its compile (:class:`~autograd.kernels._jit.StandIn`).
"""

from __future__ import annotations

import numpy as np

from ._jit import StandIn, jit

__all__ = ["lstm_cell_backward"]


@jit
def _cell_backward(a, tc, c_prev, gy, dh, dc, dg):
    n_rows, hid = tc.shape
    one = tc.dtype.type(1)
    for r in range(n_rows):
        for j in range(hid):
            i = a[r, j]
            f = a[r, hid + j]
            g = a[r, 2 * hid + j]
            o = a[r, 3 * hid + j]
            t = tc[r, j]
            h_grad = dh[r, j] + gy[r, j]
            c_grad = dc[r, j] + h_grad * o * (one - t * t)
            dg[r, j] = c_grad * g * (i * (one - i))
            dg[r, hid + j] = c_grad * c_prev[r, j] * (f * (one - f))
            dg[r, 2 * hid + j] = c_grad * i * (one - g * g)
            dg[r, 3 * hid + j] = h_grad * t * (o * (one - o))
            dc[r, j] = c_grad * f


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


_KERNELS = StandIn(_cell_backward)


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
    _KERNELS.call(_cell_backward, _cell_backward_numpy, a, tc, c_prev, gy, dh, dc, dg)
