"""The extension surface: what ``nn`` and ``optim`` use beyond PyTorch's names.

``nn`` and ``optim`` may use only autograd's public names and this module: the fused optimizer
updates below, :func:`run_inplace` (how an in-place op writes into a tensor or rebases it onto
the graph), :func:`queue_callback` (run a function when the current backward pass ends), and the
:func:`zero_grad` (what ``Module.zero_grad`` and ``Optimizer.zero_grad`` do), the
argument checks layers and losses share with the engine's ops (:func:`check_device`,
:func:`check_reduction`, :data:`REDUCTIONS`, :func:`to_dtype`), :func:`name_node`
(PyTorch's node name for a composite op, such as ``MseLossBackward0``),
:class:`ArrayFunction` (a Function whose rules take and return NumPy arrays), and
:func:`resize_output_size` (``interpolate``'s output size from ``size`` or ``scale_factor``),
:func:`lstm_layer` and :func:`gru_layer` (one direction of an LSTM or GRU layer over a whole
sequence, one graph node), :func:`scaled_dot_product_attention` (attention's products and
softmax, one graph node)
and :func:`generator_or_default` (the generator a random function draws from).

Each fused update kernel (one per algorithm,
from :mod:`autograd.kernels.optim`) updates a parameter and its state in one compiled pass;
:func:`apply_update` runs one on Tensors: it hands the kernel flat arrays of one floating dtype,
copying in (and back out) any tensor that is not laid out that way, and bumps the version
counter of every tensor it changed, so backward still detects a saved tensor that the optimizer
modified, as with the in-place tensor methods.

Examples
--------
>>> import autograd
>>> from autograd import extend
>>> p, g = autograd.tensor([1.0, 2.0]), autograd.tensor([0.5, -1.0])
>>> # coefficients of sgd_update: -lr, sign, weight_decay, momentum, 1 - dampening
>>> extend.apply_update(extend.sgd_update, p, g, [None], (-0.1, 1.0, 0.0, 0.0, 1.0),
...                    (False, False, False), op="sgd")
>>> p
tensor([0.9500, 2.1000])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .device import check_device
from .dtypes import to_dtype
from .engine import queue_callback
from .function import ArrayFunction, name_node
from .grad_mode import no_grad
from .kernels.optim import (
    adadelta_update,
    adagrad_update,
    adam_update,
    adamax_update,
    nadam_update,
    radam_update,
    rmsprop_update,
    sgd_update,
)
from .ops import run_inplace
from .ops.attention import scaled_dot_product_attention
from .ops.loss import REDUCTIONS, check_reduction
from .ops.recurrent import gru_layer, lstm_layer
from .ops.resize import resize_output_size
from .random import generator_or_default
from .tensor import Tensor

__all__ = [
    "run_inplace", "queue_callback", "zero_grad", "check_device", "check_reduction",
    "REDUCTIONS", "to_dtype", "apply_update", "count_step", "sgd_update", "adam_update",
    "nadam_update", "radam_update", "adamax_update", "adagrad_update", "adadelta_update",
    "rmsprop_update", "name_node", "ArrayFunction", "resize_output_size", "generator_or_default",
    "lstm_layer", "gru_layer", "scaled_dot_product_attention",
]  # fmt: skip

# The dtype a kernel computes in, by the parameter's dtype: float16 is widened to float32 (and
# rounded back when stored), since Numba has no float16 arithmetic.
_COMPUTE_DTYPE = {
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.float32): np.dtype(np.float32),
    np.dtype(np.float64): np.dtype(np.float64),
}
# What a kernel gets for a state entry the options turn off (never read).
_UNUSED = {dt: np.empty(0, dt) for dt in set(_COMPUTE_DTYPE.values())}


def apply_update(
    kernel: Callable[..., Any],
    param: Tensor,
    grad: Tensor,
    state: Sequence[Tensor | None],
    coefficients: Sequence[float],
    flags: Sequence[bool] = (),
    *,
    op: str = "update",
) -> None:
    """Run ``kernel(param, grad, *state, coefficients, *flags)`` on the tensors' arrays.

    Parameters
    ----------
    kernel : callable
        One of this module's ``*_update`` kernels.
    param : Tensor
        The floating-point parameter, updated in place.
    grad : Tensor
        Its gradient, same shape (read only).
    state : sequence of Tensor or None
        The state tensors the kernel takes, same shape as ``param``, updated in place; None for
        an entry the options turn off.
    coefficients : sequence of float
        The kernel's scalars, in its order; they are rounded to the dtype the update computes in
        (the parameter's; float32 for a float16 parameter).
    flags : sequence of bool
        The kernel's options, in its order.
    op : str
        The name errors are reported under.

    Raises
    ------
    TypeError
        ``param``, ``grad`` or a state entry is not a Tensor, or ``param`` is not floating-point.
    ValueError
        A gradient or state tensor does not have the parameter's shape.
    RuntimeError
        A tensor to update is read-only.
    """
    compute = _COMPUTE_DTYPE.get(param._array.dtype) if isinstance(param, Tensor) else None
    if compute is None:
        what = f"dtype {param.dtype}" if isinstance(param, Tensor) else type(param).__name__
        raise TypeError(f"{op}: expected a floating-point Tensor parameter, got {what}")
    shape = param._array.shape
    tensors = (param, grad, *state)
    arrays = []
    staged = []
    for k, t in enumerate(tensors):
        if t is None and k > 1:
            arrays.append(_UNUSED[compute])
            continue
        a = t._array if isinstance(t, Tensor) else None
        flags_k = None if a is None else a.flags
        if a is None or a.shape != shape or not (k == 1 or flags_k.writeable):
            _refuse(op, k, t, shape)
        if (a.dtype is compute or a.dtype == compute) and flags_k.c_contiguous:
            arrays.append(a if a.ndim == 1 else a.reshape(-1))
        else:  # computed on a contiguous copy, stored back below
            copy = np.ascontiguousarray(a, dtype=compute)
            arrays.append(copy.reshape(-1))
            if k != 1:
                staged.append((t, copy))
    kernel(*arrays, np.array(coefficients, compute), *flags)
    for t, copy in staged:
        t._array[...] = copy.reshape(shape)
    param._vc[0] += 1
    for t in state:
        if t is not None:
            t._vc[0] += 1


def zero_grad(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Clear the gradient of each of ``params``: set ``.grad`` to None, or with
    ``set_to_none=False`` detach it from any graph and fill it with zeros in place.

    Examples
    --------
    >>> import autograd
    >>> from autograd import extend
    >>> w = autograd.ones(2, requires_grad=True)
    >>> w.grad = autograd.ones(2)
    >>> extend.zero_grad([w], set_to_none=False); w.grad
    tensor([0., 0.])
    >>> extend.zero_grad([w]); w.grad is None
    True
    """
    for p in params:
        g = p.grad
        if g is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if g.grad_fn is not None:
            g.detach_()
        else:
            g.requires_grad_(False)
        with no_grad():
            g.zero_()


def count_step(step: Tensor) -> float:
    """Add one to a step counter (a one-element Tensor) in place; return the new count.

    Examples
    --------
    >>> import autograd
    >>> from autograd import extend
    >>> step = autograd.tensor(0.0)
    >>> extend.count_step(step), step
    (1.0, tensor(1.))
    """
    if not isinstance(step, Tensor) or step._array.size != 1:
        what = f"shape {step.shape}" if isinstance(step, Tensor) else type(step).__name__
        raise TypeError(f"count_step: expected a one-element Tensor step counter, got {what}")
    a = step._array
    a += 1
    step._vc[0] += 1
    return a.item()


def _refuse(op: str, k: int, t: Any, shape: tuple) -> None:
    """Raise the error that ``tensors[k]`` (0: the parameter, 1: its gradient, then the state
    entries) deserves: not a Tensor, not the parameter's shape, or read-only."""
    what = ("param", "grad")[k] if k < 2 else f"state tensor {k - 2}"
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(t).__name__}")
    if t.shape != shape:
        raise ValueError(f"{op}: {what} has shape {t.shape}, expected the parameter's {shape}")
    raise RuntimeError(f"{op}: {what} is read-only; clone() it before updating it in place")
