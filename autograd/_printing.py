"""How a Tensor prints: PyTorch's ``repr`` format (precision, suffixes, dtype and grad notes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt

if TYPE_CHECKING:
    from .tensor import Tensor


def format_tensor(t: Tensor) -> str:
    """PyTorch's ``repr`` of a tensor: ``tensor(...)`` with its printing precision and suffixes.

    Examples
    --------
    >>> import autograd
    >>> from autograd._printing import format_tensor
    >>> format_tensor(autograd.tensor([1.0, 2.5], requires_grad=True))
    'tensor([1.0000, 2.5000], requires_grad=True)'
    """
    arr = t._array
    prefix = "tensor("
    if arr.size == 0:
        body = "[]" if arr.ndim <= 1 else f"[], size={arr.shape}"
    elif arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size > 0 and (
            np.abs(finite).max() >= 1e8 or (np.abs(finite[finite != 0]).min(initial=1.0) < 1e-4)
        )
        if integral and not big:
            opts = {"floatmode": "unique", "precision": 0}
            body = np.array2string(arr, separator=", ", prefix=prefix, **opts)
        else:
            body = np.array2string(
                arr, separator=", ", prefix=prefix, precision=4, floatmode="fixed",
                suppress_small=False, formatter={"float_kind": (lambda v: f"{v:.4e}")} if big
                else None,
            )  # fmt: skip
    else:
        fmt = None
        if arr.dtype.kind == "b":
            # PyTorch pads True to the width of False only when a False is printed.
            width = 5 if not arr.all() else 4
            fmt = {"bool": lambda v: str(bool(v)).rjust(width)}
        body = np.array2string(arr, separator=", ", prefix=prefix, formatter=fmt)
    extras = []
    if arr.dtype not in (_dt.float32, _dt.int64, _dt.bool_):
        extras.append(f"dtype=autograd.{_dt_name(arr.dtype)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"


def _dt_name(dtype: np.dtype) -> str:
    return "bool" if dtype.kind == "b" else str(dtype)
