"""The in-place mechanism every in-place op shares: write into the array, or rebase onto a node.

Outside graph recording (``no_grad``, or no operand requires grad) an in-place op is one NumPy
call writing into the tensor's array: this is the optimizers' hot path. When the graph is being
recorded, the op is computed out of place from a snapshot of the old value and the tensor is
rebased onto the new node, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import grad_mode
from ..tensor import Tensor

__all__ = ["run_inplace"]


def _records(self: Tensor, others: tuple) -> bool:
    if not grad_mode._state.grad_enabled:
        return False
    return self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)


def run_inplace(
    self: Tensor,
    op: str,
    fast: Callable[[np.ndarray], Any],
    graph: Callable[[Tensor], Tensor],
    others: tuple = (),
) -> Tensor:
    """Apply an in-place op: ``fast(array)`` writes into ``self``'s array when nothing is being
    recorded; otherwise ``graph(old)`` computes the new value out of place and ``self`` is rebased
    onto it. Either way the version counter is bumped, so backward still detects a saved tensor
    that was changed.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> x = autograd.tensor([1.0, 4.0])
    >>> autograd.run_inplace(x, "sqrt_", lambda a: np.sqrt(a, out=a), autograd.sqrt)
    tensor([1., 2.])
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(self).__name__}")
    if not self._array.flags.writeable:  # NumPy's own error would blame broadcasting
        what = (
            "a read-only broadcast view (from expand/broadcast_to)"
            if 0 in self._array.strides
            else "backed by a read-only array"
        )
        raise RuntimeError(f"{op}: this tensor is {what}; clone() it before writing in place")
    if not _records(self, others):
        try:
            fast(self._array)
        except TypeError as e:  # e.g. float into an int tensor (NumPy's UFuncTypeError)
            raise RuntimeError(
                f"{op}: result type can't be cast to dtype {self.dtype} ({e})"
            ) from None
        except ValueError as e:
            raise ValueError(
                f"{op}: operand does not broadcast to shape {self.shape} ({e})"
            ) from None
        self._vc[0] += 1
        return self
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
            "wrap the update in autograd.no_grad() or use the out-of-place op"
        )
    if self._base is not None and self._base._requires_grad:
        raise RuntimeError(
            f"{op}: in-place change of a view of a tensor that requires grad is not supported; "
            "clone() the view first or use the out-of-place op"
        )
    if self._array.dtype.kind != "f":
        raise RuntimeError(f"{op}: an in-place op recorded for autograd needs a float tensor")
    old = Tensor._make(self._array.copy(), self._requires_grad, self.grad_fn, self._output_nr)
    new = graph(old)
    if new.shape != self.shape:
        raise ValueError(f"{op}: result shape {new.shape} does not match tensor shape {self.shape}")
    self._array[...] = new._array
    self.grad_fn = new.grad_fn
    self._output_nr = new._output_nr
    self._requires_grad = new._requires_grad
    self._vc[0] += 1
    return self
