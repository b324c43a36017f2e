"""Single-step recurrent cells (RNNCell, LSTMCell, GRUCell) and the step functions that the
multi-layer RNN, LSTM and GRU of :mod:`nn.layers.recurrent` share with them.

Parameter names (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), gate order and default
init (``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``) follow PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import autograd
from autograd import Tensor

from .. import functional as F
from .. import init
from ..module import Module
from ._util import new_parameter, optional_parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


# ------------------------------------------------------------------------------ one time step
# Each step takes ``xw`` = input @ W_ih.T + b_ih (precomputed for the whole sequence in one GEMM)
# and returns the new state. The recurrent weights come transposed (``w_hh_t`` = W_hh.T, as
# F.linear would make it): a layer transposes each once for all its steps, so every step's
# product sends its weight gradient to that one transpose, where the products add them up (see
# ``Function._accumulates``) and the transpose reaches the weight once.
def _affine(h: Tensor, w_t: Tensor, b: Tensor | None) -> Tensor:
    """``F.linear(h, w, b)`` for a 2-D ``h`` and ``w_t`` = ``w.t()``: the same nodes."""
    return h @ w_t if b is None else autograd.addmm(b, h, w_t)


def _rnn_step(xw: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    pre = xw + _affine(h, w_hh_t, b_hh)
    return autograd.relu(pre) if relu else autograd.tanh(pre)


def _lstm_step(
    xw: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, b_hh: Tensor | None,
    w_hr_t: Tensor | None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    gates = xw + _affine(h, w_hh_t, b_hh)
    i, f, g, o = gates.chunk(4, dim=-1)
    c = autograd.sigmoid(f) * c + autograd.sigmoid(i) * autograd.tanh(g)
    h = autograd.sigmoid(o) * autograd.tanh(c)
    if w_hr_t is not None:
        h = h @ w_hr_t
    return h, c


def _gru_step(xw: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    hw = _affine(h, w_hh_t, b_hh)
    x_r, x_z, x_n = xw.chunk(3, dim=-1)
    h_r, h_z, h_n = hw.chunk(3, dim=-1)
    r = autograd.sigmoid(x_r + h_r)
    z = autograd.sigmoid(x_z + h_z)
    n = autograd.tanh(x_n + r * h_n)  # PyTorch's form: r gates (W_hn h + b_hn)
    return n + z * (h - n)  # = (1 - z) * n + z * h


def reset_recurrent_parameters(module: Module) -> None:
    """Every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` (PyTorch's default
    for the recurrent layers and cells)."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def add_batch_dim(input: Tensor, hx: Any, dim: int) -> tuple[Tensor, Any]:
    """An unbatched ``input`` and its initial state (a Tensor, a tuple of them, or None) with a
    batch dim of size 1 inserted at ``dim``."""
    if hx is not None:
        hx = tuple(h.unsqueeze(dim) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(dim)
    return input.unsqueeze(dim), hx


def batched_input(
    layer: Module, input: Any, hx: Any, batched_ndim: int, shapes: str, batch_dim: int
) -> tuple[Tensor, Any, bool]:
    """A recurrent layer's checked ``input`` (``batched_ndim`` dims, or one fewer unbatched;
    ``shapes`` describes them for the error) and initial state, with a batch dim at
    ``batch_dim`` if there was none, and whether there was one."""
    name = type(layer).__name__
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise ValueError(f"{name}: expected input of shape {shapes}; got {tuple(input.shape)}")
    if input.shape[-1] != layer.input_size:
        raise ValueError(
            f"{name}: input.size(-1) must be equal to input_size. Expected "
            f"{layer.input_size}, got {input.shape[-1]}"
        )
    batched = input.ndim == batched_ndim
    if not batched:
        input, hx = add_batch_dim(input, hx, batch_dim)
    return input, hx, batched


# ------------------------------------------------------------------------------------- cells
class _CellBase(Module):
    """The cells' parameters, checks and repr; ``_gates`` stacked gates per weight matrix.
    ``LSTMCell`` and ``GRUCell`` take exactly these arguments."""

    _gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = self._gates * hidden_size
        self.weight_ih = new_parameter((g, input_size), dtype, device)
        self.weight_hh = new_parameter((g, hidden_size), dtype, device)
        optional_parameter(self, "bias_ih", (g,), bias, dtype, device)
        optional_parameter(self, "bias_hh", (g,), bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_recurrent_parameters(self)

    def _prepare(self, input: Tensor, hx: Any) -> tuple[Tensor, Any, bool]:
        return batched_input(self, input, hx, 2, "(N, H_in) or (H_in,)", 0)

    def _zeros(self, input: Tensor) -> Tensor:
        return autograd.zeros((input.shape[0], self.hidden_size), dtype=input.dtype)

    def _check_state(self, h: Tensor, input: Tensor, what: str) -> None:
        want = (input.shape[0], self.hidden_size)
        if tuple(h.shape) != want:
            raise ValueError(
                f"{type(self).__name__}: expected {what} of shape {want}, got {tuple(h.shape)}"
            )

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(_CellBase):
    """One step of :class:`RNN`: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    Examples
    --------
    >>> import autograd, nn
    >>> nn.RNNCell(3, 4)(autograd.randn(2, 3)).shape
    (2, 4)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._prepare(input, hx)
        h = self._zeros(input) if hx is None else hx
        self._check_state(h, input, "hx")
        xw = F.linear(input, self.weight_ih, self.bias_ih)
        relu = self.nonlinearity == "relu"
        h = _rnn_step(xw, h, self.weight_hh.t(), self.bias_hh, relu)
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    """One step of :class:`LSTM`; ``forward(input, (h, c)=None)`` returns ``(h', c')``.

    Examples
    --------
    >>> import autograd, nn
    >>> h, c = nn.LSTMCell(3, 4)(autograd.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))
    """

    _gates = 4

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        input, hx, batched = self._prepare(input, hx)
        if hx is None:
            h, c = self._zeros(input), self._zeros(input)
        else:
            h, c = hx
        self._check_state(h, input, "h")
        self._check_state(c, input, "c")
        xw = F.linear(input, self.weight_ih, self.bias_ih)
        h, c = _lstm_step(xw, h, c, self.weight_hh.t(), self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_CellBase):
    """One step of :class:`GRU`.

    Examples
    --------
    >>> import autograd, nn
    >>> nn.GRUCell(3, 4)(autograd.randn(3)).shape
    (4,)
    """

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._prepare(input, hx)
        h = self._zeros(input) if hx is None else hx
        self._check_state(h, input, "hx")
        xw = F.linear(input, self.weight_ih, self.bias_ih)
        h = _gru_step(xw, h, self.weight_hh.t(), self.bias_hh)
        return h if batched else h.squeeze(0)
