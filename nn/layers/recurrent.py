"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional); the cells are re-exported.

Parameter names, shapes, gate order and default init follow PyTorch, so weights load by name:
``weight_ih_l{k}`` ``(G * hidden_size, input)``, ``weight_hh_l{k}`` ``(G * hidden_size,
hidden)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, with a ``_reverse`` suffix for the backward
direction; G = 1 (RNN), 4 (LSTM: gates i, f, g, o), 3 (GRU: gates r, z, n). Every parameter
starts from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
"""

from __future__ import annotations

import warnings
from typing import Any

import autograd
from autograd import Tensor, extend

from .. import functional as F
from ..module import Module
from ..utils.rnn import PackedSequence
from ._util import new_parameter
from .recurrent_cell import (
    GRUCell,
    LSTMCell,
    RNNCell,
    _gru_step,
    _lstm_step,
    _rnn_step,
    batched_input,
    reset_recurrent_parameters,
)

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The base of RNN, LSTM and GRU (PyTorch's ``nn.RNNBase``): parameters, init and the
    layer/direction loop. ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``;
    the other arguments are those of :class:`LSTM`. ``forward(input, hx=None)`` as the
    subclass of that mode.

    Examples
    --------
    >>> import autograd, nn
    >>> base = nn.RNNBase("GRU", 3, 4)
    >>> isinstance(nn.GRU(3, 4), nn.RNNBase), list(base.state_dict())[:2]
    (True, ['weight_ih_l0', 'weight_hh_l0'])
    >>> out, h = base(autograd.randn(5, 2, 3))
    >>> out.shape, h.shape
    ((5, 2, 4), (1, 2, 4))
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: mode must be one of {list(_GATES)}, got {mode!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{name}: hidden_size and num_layers must be positive, got {hidden_size} and "
                f"{num_layers}"
            )
        if proj_size < 0 or (proj_size and mode != "LSTM"):
            raise ValueError(f"{name}: proj_size must be 0 (or, for LSTM, >= 0), got {proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size ({proj_size}) must be smaller than hidden_size")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} applies between layers, so it has no effect with "
                "num_layers=1",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else out_size * directions
            for d in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [(f"weight_ih{sfx}", (gate_size, layer_in)),
                          (f"weight_hh{sfx}", (gate_size, out_size))]  # fmt: skip
                if bias:
                    shapes += [(f"bias_ih{sfx}", (gate_size,)), (f"bias_hh{sfx}", (gate_size,))]
                if proj_size:
                    shapes.append((f"weight_hr{sfx}", (proj_size, hidden_size)))
                for pname, shape in shapes:
                    setattr(self, pname, new_parameter(shape, dtype, device))
                    self._flat_weights_names.append(pname)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` (PyTorch)."""
        reset_recurrent_parameters(self)

    def flatten_parameters(self) -> None:
        """A no-op kept so PyTorch code that calls it runs unchanged (no cuDNN weight buffer)."""

    def _layer_params(self, layer: int, d: int) -> tuple[Tensor | None, ...]:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        get = self._parameters.get
        return (get("weight_ih" + sfx), get("weight_hh" + sfx), get("bias_ih" + sfx),
                get("bias_hh" + sfx), get("weight_hr" + sfx))  # fmt: skip

    def _prepare(self, input: Tensor, hx: Any) -> tuple[Tensor, Any, bool]:
        name = type(self).__name__
        shapes = "(L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in)"
        input, hx, batched = batched_input(self, input, hx, 3, shapes, 1)
        if batched and self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise ValueError(f"{name}: the input sequence is empty (length 0)")
        return input, hx, batched

    def _check_state(self, h: Tensor, size: int, batch: int, what: str) -> None:
        want = (self.num_layers * (2 if self.bidirectional else 1), batch, size)
        if tuple(h.shape) != want:
            raise ValueError(
                f"{type(self).__name__}: expected {what} of shape {want}, got {tuple(h.shape)}"
            )

    def _run(
        self, input: Tensor, h0: Tensor, c0: Tensor | None, batch_sizes: list[int] | None = None
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """The stacked, possibly bidirectional recurrence over a ``(L, N, H_in)`` input, or over
        packed ``(sum(lengths), H_in)`` data when ``batch_sizes`` is given: there step ``t``
        runs only the first ``batch_sizes[t]`` sequences, and a sequence's final state is the
        one at its last step."""
        directions = 2 if self.bidirectional else 1
        h_states = h0.unbind(0)
        c_states = c0.unbind(0) if c0 is not None else None
        h_last, c_last = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for d in range(directions):
                idx = layer * directions + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, d)
                h0_d = h_states[idx]
                c0_d = c_states[idx] if c_states is not None else None
                if batch_sizes is None:
                    seq_len, batch = layer_input.shape[0], layer_input.shape[1]
                    # Sizes spelled out: an empty batch leaves no -1 to infer.
                    rows = layer_input.reshape(seq_len * batch, layer_input.shape[-1])
                    xw = F.linear(rows, w_ih, b_ih)
                    xw = xw.reshape(seq_len, batch, xw.shape[-1])
                    fusable = _fusable(xw, h0_d, c0_d, w_hh, b_hh)
                    if self.mode == "LSTM" and w_hr is None and fusable:
                        # The whole recurrence as one node (see extend.lstm_layer).
                        ys, h, c = extend.lstm_layer(xw, h0_d, c0_d, w_hh, b_hh, reverse=bool(d))
                        outputs.append(ys)
                        h_last.append(h)
                        c_last.append(c)
                        continue
                    if self.mode == "GRU" and fusable:
                        ys, h = extend.gru_layer(xw, h0_d, w_hh, b_hh, reverse=bool(d))
                        outputs.append(ys)
                        h_last.append(h)
                        c_last.append(None)
                        continue
                    steps = xw.unbind(0)
                else:
                    steps = F.linear(layer_input, w_ih, b_ih).split(batch_sizes)
                    seq_len = len(steps)
                w_hh_t = w_hh.t()  # once for every step (see _affine)
                w_hr_t = w_hr.t() if w_hr is not None else None
                h, c = h0_d, c0_d
                if batch_sizes is not None and d:  # the reverse pass starts with the longest
                    h = h[: batch_sizes[-1]]
                    c = c[: batch_sizes[-1]] if c is not None else None
                finished: list[tuple[Tensor, Tensor | None]] = []
                seq: list[Tensor] = [None] * seq_len  # type: ignore[list-item]
                for t in range(seq_len - 1, -1, -1) if d else range(seq_len):
                    n = steps[t].shape[0]
                    if n < h.shape[0]:  # sequences that just ended keep their state
                        finished.append((h[n:], c[n:] if c is not None else None))
                        h = h[:n]
                        c = c[:n] if c is not None else None
                    elif n > h.shape[0]:  # (reverse pass) sequences starting at their end
                        h = autograd.cat([h, h0_d[h.shape[0] : n]])
                        c = autograd.cat([c, c0_d[c.shape[0] : n]]) if c is not None else None
                    if self.mode == "LSTM":
                        h, c = _lstm_step(steps[t], h, c, w_hh_t, b_hh, w_hr_t)
                    elif self.mode == "GRU":
                        h = _gru_step(steps[t], h, w_hh_t, b_hh)
                    else:
                        h = _rnn_step(steps[t], h, w_hh_t, b_hh, self.mode == "RNN_RELU")
                    seq[t] = h
                if finished:  # the shortest sequences ended first and sit last in the batch
                    h = autograd.cat([h] + [f[0] for f in reversed(finished)])
                    if c is not None:
                        c = autograd.cat([c] + [f[1] for f in reversed(finished)])
                outputs.append(autograd.stack(seq) if batch_sizes is None else autograd.cat(seq))
                h_last.append(h)
                c_last.append(c)
            layer_input = outputs[0] if directions == 1 else autograd.cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = autograd.stack(h_last)
        c_n = autograd.stack(c_last) if c0 is not None else None
        return layer_input, h_n, c_n

    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Any, Any]:
        """Check the input and initial state, run the recurrence, shape the results; a
        PackedSequence in gives a PackedSequence out, states in the batch's original order."""
        name = type(self).__name__
        lstm = self.mode == "LSTM"
        if lstm and hx is not None and not (isinstance(hx, tuple) and len(hx) == 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        packed = isinstance(input, PackedSequence)
        batch_sizes = None
        if packed:
            x, batched = input.data, True
            if x.ndim != 2 or x.shape[-1] != self.input_size:
                raise ValueError(
                    f"{name}: a PackedSequence's data must be (sum(lengths), input_size="
                    f"{self.input_size}), got {tuple(x.shape)}"
                )
            batch_sizes = input.batch_sizes.numpy().tolist()
            batch = batch_sizes[0]
        else:
            x, hx, batched = self._prepare(input, hx)
            batch = x.shape[1]
        layers = self.num_layers * (2 if self.bidirectional else 1)
        out_size = self.proj_size or self.hidden_size
        if hx is None:
            h0 = autograd.zeros((layers, batch, out_size), dtype=x.dtype)
            c0 = autograd.zeros((layers, batch, self.hidden_size), dtype=x.dtype) if lstm else None
        else:
            h0, c0 = hx if lstm else (hx, None)
        self._check_state(h0, out_size, batch, "h_0" if lstm else "hx")
        if c0 is not None:
            self._check_state(c0, self.hidden_size, batch, "c_0")
        if packed and input.sorted_indices is not None and hx is not None:
            h0 = h0.index_select(1, input.sorted_indices)
            c0 = c0.index_select(1, input.sorted_indices) if c0 is not None else None
        output, h_n, c_n = self._run(x, h0, c0, batch_sizes)
        if packed:
            output = PackedSequence(
                output, input.batch_sizes, input.sorted_indices, input.unsorted_indices
            )
            if input.unsorted_indices is not None:
                h_n = h_n.index_select(1, input.unsorted_indices)
                c_n = c_n.index_select(1, input.unsorted_indices) if c_n is not None else None
        else:
            output = self._finish(output, batched)
            if not batched:
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if c_n is not None else None
        return output, ((h_n, c_n) if lstm else h_n)

    def _finish(self, output: Tensor, batched: bool) -> Tensor:
        if not batched:
            return output.squeeze(1)
        return output.transpose(0, 1) if self.batch_first else output

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).

    ``forward(input, hx=None)`` takes ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``) or
    unbatched ``(L, H_in)``, and an initial state ``(num_layers * D, N, H)`` (zeros by default;
    D = 2 if bidirectional). Returns ``(output, h_n)``: ``output`` ``(L, N, D * H)`` holds the
    last layer's states at every step (both directions concatenated), ``h_n`` the final state of
    every layer and direction. ``dropout`` applies to the outputs of every layer but the last,
    in training. ``input`` may also be a :class:`nn.utils.rnn.PackedSequence`: then ``output``
    is one too, steps past a sequence's length are not computed, and ``h_n`` holds each
    sequence's state at its own last step (``hx`` and ``h_n`` in the batch's original order).

    Examples
    --------
    >>> import autograd, nn
    >>> rnn = nn.RNN(3, 5, num_layers=2, bidirectional=True)
    >>> out, h = rnn(autograd.randn(7, 2, 3))
    >>> out.shape, h.shape
    ((7, 2, 10), (4, 2, 5))
    >>> list(rnn.state_dict())[:4]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    >>> from nn.utils.rnn import pack_sequence
    >>> packed = pack_sequence([autograd.randn(4, 3), autograd.randn(2, 3)])
    >>> out, h = rnn(packed)
    >>> out.data.shape, h.shape
    ((6, 10), (4, 2, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            0, device, dtype,
        )  # fmt: skip


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), PyTorch's formulation.

    Gates (order i, f, g, o in the weights): ``i, f, o = sigmoid(.)``, ``g = tanh(.)``;
    ``c_t = f * c_{t-1} + i * g``; ``h_t = o * tanh(c_t)`` (then ``h_t W_hr^T`` with
    ``proj_size > 0``). ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``;
    shapes as :class:`RNN`.

    Examples
    --------
    >>> import autograd, nn
    >>> lstm = nn.LSTM(3, 4, batch_first=True)
    >>> out, (h, c) = lstm(autograd.randn(2, 5, 3))
    >>> out.shape, h.shape, c.shape
    ((2, 5, 4), (1, 2, 4), (1, 2, 4))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, proj_size, device, dtype,
        )  # fmt: skip


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014), PyTorch's formulation.

    Gates (order r, z, n): ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z`` likewise,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h_t = (1 - z) * n + z * h_{t-1}``.
    ``forward(input, hx=None)`` returns ``(output, h_n)``; shapes as :class:`RNN`.

    Examples
    --------
    >>> import autograd, nn
    >>> gru = nn.GRU(3, 4, num_layers=2)
    >>> out, h = gru(autograd.randn(5, 3))
    >>> out.shape, h.shape
    ((5, 4), (2, 4))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, 0, device, dtype,
        )  # fmt: skip


def _fusable(xw: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor, b_hh: Tensor | None) -> bool:
    """Whether an LSTM or GRU layer's direction runs as one node (:func:`autograd.extend.
    lstm_layer`, :func:`autograd.extend.gru_layer`): a non-empty batch and sequence, and one
    floating dtype for its state and parameters."""
    return (
        xw.shape[0] > 0
        and xw.shape[1] > 0
        and xw.dtype in (autograd.float32, autograd.float64)
        and all(t.dtype == xw.dtype for t in (h0, c0, w_hh, b_hh) if t is not None)
    )
