"""A whole LSTM layer (one direction) as one graph node: the recurrence ``nn.LSTM`` runs.

Why
---
Written with the engine's ops, an LSTM step is about a dozen nodes (a product, sums, a chunk,
three sigmoids, two tanhs, products of gates), and a sequence of a hundred steps records and
walks over a thousand of them, each paying the engine's cost per op for arrays of a few
thousand values: ``nn.LSTM(64, 128)`` over 100 steps of a batch of 16 took 27 ms for forward
and backward, 4.5x PyTorch's fused layer. :func:`lstm_layer` runs the same recurrence on arrays
inside one :class:`~autograd.function.Function`: per step one GEMM and a few vectorized passes
forward, and backward the gate gradients of every step into one array, whose products with the
previous hidden states give the recurrent weight's gradient in a single GEMM after the loop.

What it saves: the gate activations, the cell states and their tanh (arrays of the node's own,
``L * N * 6H`` values, freed with the graph), and the inputs, version-checked as any saved
tensor; not its output, which the caller may change in place.
With ``create_graph=True`` the backward recomputes the recurrence with differentiable ops and
runs the backward recurrence on those, so higher-order gradients work; forward-mode AD
propagates tangents through the same recurrence (:meth:`LstmLayer.jvp`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..kernels.recurrent import (
    gru_cell_backward,
    gru_cell_forward,
    gru_steps_backward,
    gru_steps_forward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_steps_backward,
    lstm_steps_forward,
)
from ..tensor import Tensor
from .join import cat, stack
from .transcendental import _sigmoid_array

__all__ = ["gru_layer", "lstm_layer"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``, computed as ``(b.T @ a.T).T`` when ``b`` has more columns than ``a`` rows: BLAS
    runs a product of few rows slowly (a step's ``h @ w_hh.T``, 16 x 128 x 512: 31 us, against
    15 the other way round; 128 x 128 x 512: 92 against 70)."""
    if b.shape[1] > a.shape[0]:
        return np.matmul(b.T, a.T).T
    return np.matmul(a, b)


def _lstm_forward_steps(pre, h0, c0, w_hh, acts, cs, tcs, ys, reverse):
    # The recurrence step by step from Python: lstm_steps_forward's twin.
    h, c, w_t = h0, c0, w_hh.T
    for t in _order(pre.shape[0], reverse):
        gates = pre[t]
        gates += _product(h, w_t)
        lstm_cell_forward(gates, c, acts[t], cs[t], tcs[t], ys[t], _sigmoid_array)
        h, c = ys[t], cs[t]


def _lstm_backward_steps(acts, tcs, cs, c0, gys, dh, dc, d_gates, w_hh, reverse, need_h):
    # The recurrence backward step by step from Python: lstm_steps_backward's twin.
    steps = cs.shape[0]
    order = _order(steps, reverse)
    first = order[0]
    for t in reversed(order):
        c_prev = c0 if t == first else cs[t + 1 if reverse else t - 1]
        gy = gys[t] if gys.shape[0] == steps else gys[0]
        lstm_cell_backward(acts[t], tcs[t], c_prev, gy, dh, dc, d_gates[t])
        if t != first or need_h:  # the first step's product is h0's gradient only
            dh[...] = _product(d_gates[t], w_hh)


class LstmLayer(Function):
    """The recurrence of :func:`lstm_layer`; arguments as there, ``xw`` with its bias added."""

    node_name = "LstmLayerBackward0"

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, b_hh, reverse):
        steps, batch, four_h = xw.shape
        hid = four_h // 4
        dt = xw.dtype
        # The gates, filled step by step (C-contiguous, as the kernels take them).
        pre = np.add(xw, b_hh, order="C") if b_hh is not None else xw.copy(order="C")
        acts = np.empty((steps, batch, four_h), dt)  # sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
        cs = np.empty((steps, batch, hid), dt)
        tcs = np.empty((steps, batch, hid), dt)  # tanh of the cell states
        ys = np.empty((steps, batch, hid), dt)
        h0c, c0c, w_c = (np.ascontiguousarray(a) for a in (h0, c0, w_hh))
        lstm_steps_forward(pre, h0c, c0c, w_c, acts, cs, tcs, ys, reverse, _lstm_forward_steps)
        last = 0 if reverse else -1
        h, c = (ys[last], cs[last]) if steps else (h0, c0)
        ctx.reverse = reverse
        # The output is not saved: each step's hidden state is o * tanh(c) again, exactly as it
        # was computed, so the caller may change the output in place (as PyTorch's layer allows).
        ctx.save_for_backward(xw, h0, c0, w_hh, b_hh, acts, cs, tcs)
        return ys, h.copy(), c.copy()

    @staticmethod
    def backward(ctx, gys, ghn, gcn):
        xw, h0, c0, w_hh, b_hh, acts, cs, tcs = ctx.saved_tensors
        if isinstance(xw, Tensor) or any(isinstance(g, Tensor) for g in (gys, ghn, gcn)):
            return _graph_backward(ctx, xw, h0, c0, w_hh, b_hh, gys, ghn, gcn)
        reverse = ctx.reverse
        steps, batch, hid = cs.shape
        dt = cs.dtype
        d_gates = np.empty((steps, batch, 4 * hid), dt)
        dh = np.zeros((batch, hid), dt) if ghn is None else np.array(ghn, dtype=dt, order="C")
        dc = np.zeros((batch, hid), dt) if gcn is None else np.array(gcn, dtype=dt, order="C")
        c0 = np.ascontiguousarray(c0)
        gys = np.zeros((1, batch, hid), dt) if gys is None else np.ascontiguousarray(gys, dt)
        need_x, need_h, need_c, need_w, need_b = ctx.needs_input_grad[:5]
        if steps:
            w_c = np.ascontiguousarray(w_hh)
            lstm_steps_backward(
                acts, tcs, cs, c0, gys, dh, dc, d_gates, w_c, reverse, need_h,
                _lstm_backward_steps,
            )  # fmt: skip
        dw = db = None
        if need_w:
            # Each step's gates against the hidden state it read: one GEMM over all the steps.
            ys = acts[:, :, 3 * hid :] * tcs  # the outputs, as the forward computed them
            prev = (ys[1:], h0[None]) if reverse else (h0[None], ys[:-1])
            h_prev = np.concatenate(prev).reshape(steps * batch, hid)
            dw = np.matmul(d_gates.reshape(steps * batch, 4 * hid).T, h_prev)
        if need_b:
            db = d_gates.sum(axis=(0, 1))
        return (
            d_gates if need_x else None,
            dh if need_h else None,
            dc if need_c else None,
            dw,
            db,
            None,
        )

    @staticmethod
    def jvp(ctx, txw, th0, tc0, tw, tb, _):
        xw, h0, c0, w_hh = ctx.primals[:4]
        has_x, has_h, has_c, has_w, has_b = ctx.has_tangent[:5]
        acts, cs, tcs = ctx.saved_tensors[5:]
        steps, batch, four_h = xw.shape
        hid = four_h // 4
        dt = xw.dtype
        tys = np.empty((steps, batch, hid), dt)
        th = th0 if has_h else np.zeros((batch, hid), dt)
        tc = tc0 if has_c else np.zeros((batch, hid), dt)
        h_prev, c_prev = h0, c0
        for t in _order(steps, ctx.reverse):
            dgates = np.matmul(th, w_hh.T)
            if has_x:
                dgates += txw[t]
            if has_w:
                dgates += np.matmul(h_prev, tw.T)
            if has_b:
                dgates += tb
            a = acts[t]
            i, f, g, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            di = dgates[:, :hid] * i * (1 - i)
            df = dgates[:, hid : 2 * hid] * f * (1 - f)
            dg = dgates[:, 2 * hid : 3 * hid] * (1 - g * g)
            do = dgates[:, 3 * hid :] * o * (1 - o)
            tc = df * c_prev + f * tc + di * g + i * dg
            th = do * tcs[t] + o * (1 - tcs[t] * tcs[t]) * tc
            tys[t] = th
            h_prev, c_prev = o * tcs[t], cs[t]
        return tys, th.copy(), tc


def _graph_backward(ctx: Any, xw: Any, h0: Any, c0: Any, w_hh: Any, b_hh: Any, gys: Any,
                    ghn: Any, gcn: Any) -> tuple:  # fmt: skip
    # The backward recurrence with differentiable ops on a recomputed forward (create_graph).
    steps = xw.shape[0]
    hid = h0.shape[-1]
    order = _order(steps, ctx.reverse)
    need_x, need_h, need_c, need_w, need_b = ctx.needs_input_grad[:5]
    w_t = w_hh.t()
    h, c = h0, c0
    states = []
    for t in order:
        gates = xw[t] + h @ w_t
        if b_hh is not None:
            gates = gates + b_hh
        i, f, g, o = gates.chunk(4, dim=-1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c_new = f * c + i * g
        tc = c_new.tanh()
        states.append((t, h, c, i, f, g, o, tc))
        h, c = o * tc, c_new
    dh = ghn if ghn is not None else h0 * 0
    dc = gcn if gcn is not None else c0 * 0
    d_gates: list[Any] = [None] * steps
    h_prev: list[Any] = [None] * steps
    for t, h_in, c_in, i, f, g, o, tc in reversed(states):
        if gys is not None:
            dh = dh + gys[t]
        dc = dc + dh * o * (1 - tc * tc)
        dg = cat(
            [dc * g * i * (1 - i), dc * c_in * f * (1 - f), dc * i * (1 - g * g),
             dh * tc * o * (1 - o)], -1,
        )  # fmt: skip
        d_gates[t], h_prev[t] = dg, h_in
        dc = dc * f
        dh = dg @ w_hh
    all_gates = stack(d_gates)
    dw = db = None
    if need_w:
        flat = all_gates.reshape(-1, 4 * hid)
        dw = flat.t() @ stack(h_prev).reshape(-1, hid)
    if need_b:
        db = all_gates.sum((0, 1))
    return (
        all_gates if need_x else None,
        dh if need_h else None,
        dc if need_c else None,
        dw,
        db,
        None,
    )


def lstm_layer(
    xw: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, b_hh: Tensor | None, reverse: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one direction of an LSTM layer over a whole sequence as a single graph node.

    Step ``t`` (in order, or from the last step back with ``reverse``) computes
    ``gates = xw[t] + h @ w_hh.T + b_hh``, splits them into ``i, f, g, o`` (in that order),
    ``c = sigmoid(f) * c + sigmoid(i) * tanh(g)`` and ``h = sigmoid(o) * tanh(c)``: PyTorch's
    ``nn.LSTM`` cell, with the input's product ``xw = x @ w_ih.T + b_ih`` computed beforehand
    for all the steps at once.

    Parameters
    ----------
    xw : Tensor
        ``(L, N, 4H)``, the input's contribution to each step's gates.
    h0, c0 : Tensor
        ``(N, H)``, the initial hidden and cell states.
    w_hh : Tensor
        ``(4H, H)``, the recurrent weight.
    b_hh : Tensor or None
        ``(4H,)``, the recurrent bias.
    reverse : bool
        Run from the last step to the first (a bidirectional layer's second direction).

    Returns
    -------
    tuple of Tensor
        The hidden states of every step ``(L, N, H)``, in input order, and the final hidden
        and cell states ``(N, H)``.

    Examples
    --------
    >>> import autograd
    >>> from autograd import extend
    >>> xw = autograd.ones(3, 2, 8, requires_grad=True)
    >>> h0, c0, w = autograd.zeros(2, 2), autograd.zeros(2, 2), autograd.zeros(8, 2)
    >>> ys, h, c = extend.lstm_layer(xw, h0, c0, w, None)
    >>> ys.shape, h.shape
    ((3, 2, 2), (2, 2))
    >>> ys.sum().backward()
    >>> xw.grad.shape
    (3, 2, 8)
    """
    _check_layer("lstm_layer", 4, xw, {"h0": h0, "c0": c0}, w_hh, b_hh)
    return LstmLayer.apply(xw, h0, c0, w_hh, b_hh, bool(reverse))


def _gru_forward_steps(xw, h0, w_hh, b_hh, acts, hs, reverse):
    # The recurrence step by step from Python: gru_steps_forward's twin.
    h, w_t = h0, w_hh.T
    for t in _order(xw.shape[0], reverse):
        hw = _product(h, w_t)
        hw = np.add(hw, b_hh, order="C") if b_hh is not None else np.ascontiguousarray(hw)
        gru_cell_forward(xw[t], hw, h, acts[t], hs[t], _sigmoid_array)
        h = hs[t]


def _gru_backward_steps(acts, hs, h0, gys, dh, d_x, d_h, w_hh, reverse, need_h):
    # The recurrence backward step by step from Python: gru_steps_backward's twin.
    steps = hs.shape[0]
    order = _order(steps, reverse)
    first = order[0]
    for t in reversed(order):
        h_prev = h0 if t == first else hs[t + 1 if reverse else t - 1]
        gy = gys[t] if gys.shape[0] == steps else gys[0]
        gru_cell_backward(acts[t], h_prev, gy, dh, d_x[t], d_h[t])
        if t != first or need_h:  # the first step's product is h0's gradient only
            dh += _product(d_h[t], w_hh)


class GruLayer(Function):
    """The recurrence of :func:`gru_layer`; arguments as there, ``xw`` with its bias added."""

    node_name = "GruLayerBackward0"

    @staticmethod
    def forward(ctx, xw, h0, w_hh, b_hh, reverse):
        steps, batch, three_h = xw.shape
        hid = three_h // 3
        dt = xw.dtype
        xw = np.ascontiguousarray(xw)
        acts = np.empty((steps, batch, 4 * hid), dt)  # r, z, n and the recurrent part of n
        hs = np.empty((steps, batch, hid), dt)  # the states, the node's own (see below)
        h0c, w_c = np.ascontiguousarray(h0), np.ascontiguousarray(w_hh)
        b_c = None if b_hh is None else np.ascontiguousarray(b_hh)
        gru_steps_forward(xw, h0c, w_c, b_c, acts, hs, reverse, _gru_forward_steps)
        h = hs[0 if reverse else -1] if steps else h0c
        ctx.reverse = reverse
        # The states are saved as an array of the node's own, and the output is a copy: the
        # caller may change the output in place (as PyTorch's layer allows).
        ctx.save_for_backward(xw, h0, w_hh, b_hh, acts, hs)
        return hs.copy(), h.copy()

    @staticmethod
    def backward(ctx, gys, ghn):
        xw, h0, w_hh, b_hh, acts, hs = ctx.saved_tensors
        if isinstance(xw, Tensor) or any(isinstance(g, Tensor) for g in (gys, ghn)):
            return _gru_graph_backward(ctx, xw, h0, w_hh, b_hh, gys, ghn)
        reverse = ctx.reverse
        steps, batch, hid = hs.shape
        dt = hs.dtype
        d_x = np.empty((steps, batch, 3 * hid), dt)
        d_h = np.empty((steps, batch, 3 * hid), dt)
        dh = np.zeros((batch, hid), dt) if ghn is None else np.array(ghn, dtype=dt, order="C")
        h0c = np.ascontiguousarray(h0)
        gys = np.zeros((1, batch, hid), dt) if gys is None else np.ascontiguousarray(gys, dt)
        need_x, need_h, need_w, need_b = ctx.needs_input_grad[:4]
        if steps:
            w_c = np.ascontiguousarray(w_hh)
            gru_steps_backward(
                acts, hs, h0c, gys, dh, d_x, d_h, w_c, reverse, need_h, _gru_backward_steps
            )
        dw = db = None
        if need_w:
            # Each step's gates against the state it read: one GEMM over all the steps.
            prev = (hs[1:], h0c[None]) if reverse else (h0c[None], hs[:-1])
            h_prev = np.concatenate(prev).reshape(steps * batch, hid)
            dw = np.matmul(d_h.reshape(steps * batch, 3 * hid).T, h_prev)
        if need_b:
            db = d_h.sum(axis=(0, 1))
        return (d_x if need_x else None, dh if need_h else None, dw, db, None)

    @staticmethod
    def jvp(ctx, txw, th0, tw, tb, _):
        xw, h0, w_hh = ctx.primals[:3]
        has_x, has_h, has_w, has_b = ctx.has_tangent[:4]
        acts, hs = ctx.saved_tensors[4:]
        steps, batch, three_h = xw.shape
        hid = three_h // 3
        dt = xw.dtype
        tys = np.empty((steps, batch, hid), dt)
        th = th0 if has_h else np.zeros((batch, hid), dt)
        h_prev = h0
        for t in _order(steps, ctx.reverse):
            dhw = np.matmul(th, w_hh.T)
            if has_w:
                dhw = dhw + np.matmul(h_prev, tw.T)
            if has_b:
                dhw = dhw + tb
            dxw = txw[t] if has_x else 0.0
            a = acts[t]
            rg, z, n, hn = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]

            def part(v, k):
                return v[:, k * hid : (k + 1) * hid] if isinstance(v, np.ndarray) else v

            dr = (part(dxw, 0) + part(dhw, 0)) * rg * (1 - rg)
            dz = (part(dxw, 1) + part(dhw, 1)) * z * (1 - z)
            dn = (part(dxw, 2) + dr * hn + rg * part(dhw, 2)) * (1 - n * n)
            th = dn + dz * (h_prev - n) + z * (th - dn)
            tys[t] = th
            h_prev = hs[t]
        return tys, th.copy()


def _gru_graph_backward(ctx: Any, xw: Any, h0: Any, w_hh: Any, b_hh: Any, gys: Any,
                        ghn: Any) -> tuple:  # fmt: skip
    # The backward recurrence with differentiable ops on a recomputed forward (create_graph).
    steps = xw.shape[0]
    hid = h0.shape[-1]
    order = _order(steps, ctx.reverse)
    need_x, need_h, need_w, need_b = ctx.needs_input_grad[:4]
    w_t = w_hh.t()
    h = h0
    states = []
    for t in order:
        hw = h @ w_t
        if b_hh is not None:
            hw = hw + b_hh
        x_r, x_z, x_n = xw[t].chunk(3, dim=-1)
        h_r, h_z, h_n = hw.chunk(3, dim=-1)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        states.append((t, h, r, z, n, h_n))
        h = n + z * (h - n)
    dh = ghn if ghn is not None else h0 * 0
    d_x: list[Any] = [None] * steps
    d_h: list[Any] = [None] * steps
    h_prev: list[Any] = [None] * steps
    for t, h_in, r, z, n, h_n in reversed(states):
        if gys is not None:
            dh = dh + gys[t]
        dn = dh * (1 - z) * (1 - n * n)
        dr = dn * h_n * r * (1 - r)
        dz = dh * (h_in - n) * z * (1 - z)
        d_x[t] = cat([dr, dz, dn], -1)
        d_h[t] = cat([dr, dz, dn * r], -1)
        h_prev[t] = h_in
        dh = dh * z + d_h[t] @ w_hh
    dw = db = None
    gates = stack(d_h)
    if need_w:
        dw = gates.reshape(-1, 3 * hid).t() @ stack(h_prev).reshape(-1, hid)
    if need_b:
        db = gates.sum((0, 1))
    return (stack(d_x) if need_x else None, dh if need_h else None, dw, db, None)


def gru_layer(
    xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None, reverse: bool = False
) -> tuple[Tensor, Tensor]:
    """Run one direction of a GRU layer over a whole sequence as a single graph node.

    Step ``t`` (in order, or from the last step back with ``reverse``) computes
    ``hw = h @ w_hh.T + b_hh``, splits ``xw[t]`` and ``hw`` into ``r, z, n`` parts (in that
    order), ``r = sigmoid(x_r + h_r)``, ``z = sigmoid(x_z + h_z)``,
    ``n = tanh(x_n + r * h_n)`` and ``h = n + z * (h - n)``: PyTorch's ``nn.GRU`` cell, with
    ``xw = x @ w_ih.T + b_ih`` computed beforehand for all the steps.

    Parameters
    ----------
    xw : Tensor
        ``(L, N, 3H)``, the input's contribution to each step's gates.
    h0 : Tensor
        ``(N, H)``, the initial state.
    w_hh : Tensor
        ``(3H, H)``, the recurrent weight.
    b_hh : Tensor or None
        ``(3H,)``, the recurrent bias.
    reverse : bool
        Run from the last step to the first (a bidirectional layer's second direction).

    Returns
    -------
    tuple of Tensor
        The states of every step ``(L, N, H)``, in input order, and the final state ``(N, H)``.

    Examples
    --------
    >>> import autograd
    >>> from autograd import extend
    >>> xw = autograd.zeros(3, 2, 6, requires_grad=True)
    >>> ys, h = extend.gru_layer(xw, autograd.ones(2, 2), autograd.zeros(6, 2), None)
    >>> ys[-1].tolist()
    [[0.125, 0.125], [0.125, 0.125]]
    >>> ys.sum().backward()
    >>> xw.grad.shape
    (3, 2, 6)
    """
    _check_layer("gru_layer", 3, xw, {"h0": h0}, w_hh, b_hh)
    return GruLayer.apply(xw, h0, w_hh, b_hh, bool(reverse))


def _check_layer(
    op: str, gates: int, xw: Any, states: dict[str, Any], w_hh: Any, b_hh: Any
) -> None:
    """The argument checks of a recurrent layer with ``gates`` gates per hidden unit: Tensors
    of the shapes ``xw`` implies (``(L, N, gates * H)``, at least one step), one float dtype."""
    named = {"xw": (xw, 3), **{k: (v, 2) for k, v in states.items()}, "w_hh": (w_hh, 2)}
    for name, (t, ndim) in named.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim != ndim:
            raise ValueError(f"{op}: {name} must be {ndim}-D, got shape {tuple(t.shape)}")
    if b_hh is not None and not isinstance(b_hh, Tensor):
        raise TypeError(f"{op}: b_hh must be a Tensor or None, got {type(b_hh).__name__}")
    steps, batch, width = xw.shape
    if width % gates or steps == 0:
        raise ValueError(
            f"{op}: xw must be (L, N, {gates} * hidden) with at least one step, got shape "
            f"{tuple(xw.shape)}"
        )
    hid = width // gates
    expected = {**{k: (batch, hid) for k in states}, "w_hh": (gates * hid, hid)}
    for name, want in expected.items():
        got = tuple(named[name][0].shape)
        if got != want:
            raise ValueError(
                f"{op}: {name} must have shape {want} for xw of shape {tuple(xw.shape)}, got {got}"
            )
    if b_hh is not None and tuple(b_hh.shape) != (gates * hid,):
        raise ValueError(f"{op}: b_hh must have shape ({gates * hid},), got {tuple(b_hh.shape)}")
    tensors = [t for t, _ in named.values()] + ([b_hh] if b_hh is not None else [])
    if len({t.dtype for t in tensors}) != 1 or np.dtype(xw._array.dtype) not in _FLOATS:
        names = ", ".join(named) + " and b_hh"
        raise TypeError(
            f"{op}: {names} must share one dtype, float32 or float64; "
            f"got {', '.join(str(t.dtype) for t in tensors)}"
        )
