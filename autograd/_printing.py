"""How a Tensor prints: PyTorch's ``repr`` format (precision, suffixes, dtype and grad notes)."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes as _dt

if TYPE_CHECKING:
    from .tensor import Tensor


_INITIAL = {"precision": 4, "threshold": None, "edgeitems": None, "linewidth": None,
            "sci_mode": None}  # fmt: skip
_options = dict(_INITIAL)  # None: NumPy's default for that setting


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """How tensors print, as PyTorch's ``set_printoptions``: ``precision`` (digits after the
    point), ``threshold`` (elements above which the middle is summarized with ``...``),
    ``edgeitems`` (items kept at each end then), ``linewidth`` (characters per line),
    ``sci_mode`` (True/False force scientific notation on/off, None chooses), ``profile``
    (``'default'``, ``'short'`` or ``'full'``, applied first).

    Examples
    --------
    >>> import autograd
    >>> autograd.set_printoptions(precision=2)
    >>> autograd.tensor([1.2345])
    tensor([1.23])
    >>> autograd.set_printoptions(profile="default")
    """
    if profile is not None:
        profiles = {
            "default": dict(_INITIAL),
            "short": {**_INITIAL, "precision": 2, "edgeitems": 2},
            "full": {**_INITIAL, "threshold": math.inf},
        }
        if profile not in profiles:
            raise ValueError(
                f"set_printoptions: profile must be 'default', 'short' or 'full', got {profile!r}"
            )
        _options.update(profiles[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):  # fmt: skip
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"set_printoptions: {name} must be a non-negative number, got "
                             f"{value!r}")  # fmt: skip
        _options[name] = value
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise TypeError(f"set_printoptions: sci_mode must be True, False or None, got {sci_mode!r}")
    _options["sci_mode"] = sci_mode


def _layout() -> dict[str, Any]:
    """The array2string arguments the print options set."""
    out: dict[str, Any] = {}
    if _options["threshold"] is not None:
        t = _options["threshold"]
        out["threshold"] = sys.maxsize if math.isinf(t) else int(t)
    if _options["edgeitems"] is not None:
        out["edgeitems"] = int(_options["edgeitems"])
    if _options["linewidth"] is not None:
        out["max_line_width"] = int(_options["linewidth"])
    return out


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
        if _options["sci_mode"] is not None:
            big = _options["sci_mode"]
        p = int(_options["precision"])
        if integral and not big:
            opts = {"floatmode": "unique", "precision": 0}
            body = np.array2string(arr, separator=", ", prefix=prefix, **opts, **_layout())
        else:
            sci = {"float_kind": (lambda v: f"{v:.{p}e}")} if big else None
            body = np.array2string(
                arr, separator=", ", prefix=prefix, precision=p, floatmode="fixed",
                suppress_small=_options["sci_mode"] is False, formatter=sci, **_layout(),
            )  # fmt: skip
    else:
        fmt = None
        if arr.dtype.kind == "b":
            # PyTorch pads True to the width of False only when a False is printed.
            width = 5 if not arr.all() else 4
            fmt = {"bool": lambda v: str(bool(v)).rjust(width)}
        body = np.array2string(arr, separator=", ", prefix=prefix, formatter=fmt, **_layout())
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
