"""How a Tensor prints: PyTorch's ``repr`` format (precision, suffixes, dtype and grad notes)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
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
        element = _float_formatter(arr)
        body = np.array2string(
            arr, separator=", ", prefix=prefix, formatter={"float_kind": element}, **_layout()
        )
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


def _float_formatter(arr: np.ndarray) -> Callable[[Any], str]:
    """PyTorch's choice for a floating tensor's elements, made from its nonzero finite values:
    integer-valued ones print as ``2.``, others with ``precision`` digits, in scientific
    notation when the largest is above 1e8, the smallest below 1e-4 or the two more than 1000
    apart (``set_printoptions(sci_mode=)`` overrides the choice); every element is right-aligned
    to the widest finite one, and nan/inf print as ``nan``/``inf``."""
    values = arr[np.isfinite(arr) & (arr != 0)].astype(np.float64)
    p = int(_options["precision"])
    int_mode, sci_mode, width = True, False, 1
    if values.size:
        lo, hi = float(np.abs(values).min()), float(np.abs(values).max())
        int_mode = bool(np.all(values == np.ceil(values)))
        sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if _options["sci_mode"] is not None:
            sci_mode = _options["sci_mode"]
        # A formatted number's length grows with its magnitude: the extremes of each sign decide.
        neg, pos = values[values < 0], values[values > 0]
        ends = [float(f(a)) for a in (neg, pos) if a.size for f in (np.min, np.max)]
        if sci_mode:
            width = max(len(f"{v:.{p}e}") for v in ends)
        elif int_mode:
            width = max(len(f"{v:.0f}") + 1 for v in ends)
        else:
            width = max(len(f"{v:.{p}f}") for v in ends)

    def element(value: Any) -> str:
        v = float(value)
        if sci_mode:
            text = f"{v:{width}.{p}e}"
        elif int_mode:
            text = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            text = f"{v:.{p}f}"
        return text.rjust(width)

    return element


def _dt_name(dtype: np.dtype) -> str:
    return "bool" if dtype.kind == "b" else str(dtype)
