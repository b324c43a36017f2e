"""Tensor methods PyTorch programs use to build and inspect tensors: ``new_*``, ``type_as``,
``narrow``, ``data_ptr``, ``cuda``, ``__format__``; and the functions ``is_tensor`` and ``numel``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .creation import _finish, _size
from .tensor import Tensor, normalize_dim, tensor, tensor_method

__all__ = ["is_tensor", "numel"]


def _new(t: Tensor, fill: Any, size: tuple, fn: str, dtype: Any, device: Any, rg: bool) -> Tensor:
    dt = t.dtype if dtype is None else _dt.to_dtype(dtype)
    shape = _size(size, fn)
    arr = np.empty(shape, dt) if fill is None else np.full(shape, fill, dt)
    return _finish(arr, rg, device)


@tensor_method
def new_tensor(
    self: Tensor, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new leaf tensor holding a copy of ``data``, with this tensor's dtype unless ``dtype``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.ones(2, dtype=autograd.float64)
    >>> x.new_tensor([1, 2])
    tensor([1., 2.], dtype=autograd.float64)
    """
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)  # fmt: skip


@tensor_method
def new_zeros(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros of shape ``size`` (``new_zeros(2, 3)`` or ``new_zeros((2, 3))``), this dtype.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(1, dtype=autograd.int64).new_zeros(2, 2)
    tensor([[0, 0],
            [0, 0]])
    """
    return _new(self, 0, size, "new_zeros", dtype, device, requires_grad)


@tensor_method
def new_ones(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones of shape ``size``, with this tensor's dtype unless ``dtype`` is given.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(1).new_ones(3)
    tensor([1., 1., 1.])
    """
    return _new(self, 1, size, "new_ones", dtype, device, requires_grad)


@tensor_method
def new_empty(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialized tensor of shape ``size``, with this tensor's dtype unless ``dtype``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(1).new_empty(2, 3).shape
    (2, 3)
    """
    return _new(self, None, size, "new_empty", dtype, device, requires_grad)


@tensor_method
def new_full(
    self: Tensor,
    size: Any,
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``, this tensor's dtype unless ``dtype``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(1).new_full((2,), 7)
    tensor([7., 7.])
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(
            f"new_full: fill_value must be a number, got {type(fill_value).__name__} "
            f"({fill_value!r})"
        )
    return _new(self, fill_value, (size,), "new_full", dtype, device, requires_grad)


@tensor_method
def type_as(self: Tensor, other: Any) -> Tensor:
    """This tensor converted to ``other``'s dtype (``self`` itself when they already match).

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([1, 2]).type_as(autograd.zeros(1))
    tensor([1., 2.])
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as: other must be a Tensor, got {type(other).__name__}")
    return self.to(other.dtype)


@tensor_method
def narrow(self: Tensor, dim: Any, start: Any, length: Any) -> Tensor:
    """The view of ``length`` entries of dimension ``dim`` from ``start`` (negative counts back).

    Shares storage with this tensor, and gradients flow back to it.

    Examples
    --------
    >>> import autograd
    >>> autograd.arange(10).narrow(0, 2, 3)
    tensor([2, 3, 4])
    """
    if self.ndim == 0:
        raise RuntimeError("narrow: cannot be applied to a 0-d tensor")
    d = normalize_dim(dim, self.ndim, "narrow")
    n = self.shape[d]
    values = []
    for name, v in (("start", start), ("length", length)):
        if isinstance(v, Tensor) and v.ndim == 0 and v.dtype.kind in "iu":
            v = v.item()
        if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
            raise TypeError(f"narrow: {name} must be an int, got {type(v).__name__} ({v!r})")
        values.append(int(v))
    begin, size = values
    if not -n <= begin <= n:
        raise ValueError(
            f"narrow: start {begin} is out of range for dimension {d} of size {n} "
            f"(expected {-n} <= start <= {n})"
        )
    if size < 0:
        raise ValueError(f"narrow: length must be non-negative, got {size}")
    begin %= n if n else 1
    if begin + size > n:
        raise RuntimeError(
            f"narrow: start ({begin}) + length ({size}) exceeds dimension {d}'s size ({n})"
        )
    return self[(slice(None),) * d + (slice(begin, begin + size),)]


@tensor_method
def data_ptr(self: Tensor) -> int:
    """The address of the first element (0 for a tensor with no elements, as in PyTorch).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.arange(4.0)
    >>> x[1:].data_ptr() - x.data_ptr() == x.element_size()
    True
    """
    arr = self._array
    return 0 if arr.size == 0 else arr.__array_interface__["data"][0]


@tensor_method(name="__format__")
def format_(self, format_spec: str) -> str:
    """A 0-d tensor formats as its value (``f"{loss:.4f}"``); others only with no spec.

    Examples
    --------
    >>> import autograd
    >>> "{:.2f}".format(autograd.tensor(1.5)), f"{autograd.tensor([1.5])}"
    ('1.50', 'tensor([1.5000])')
    """
    if self._array.ndim == 0:
        return format(self._array.item(), format_spec)
    if format_spec:
        raise TypeError(
            f"format: the spec {format_spec!r} applies to 0-d tensors only, got a tensor of "
            f"shape {self.shape}; format t.item() (one element) or t.tolist() instead"
        )
    return str(self)


@tensor_method
def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
    """Raise ``RuntimeError``: numbagrad runs on the CPU only (there is no CUDA device).

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.ones(1).cuda()
    ... except RuntimeError as e:
    ...     print(str(e)[:46])
    cuda(): numbagrad runs on the CPU only and has
    """
    raise RuntimeError(
        "cuda(): numbagrad runs on the CPU only and has no CUDA device; choose the device "
        "with device = 'cuda' if autograd.cuda.is_available() else 'cpu' and call .to(device)"
    )


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor (a Parameter counts).

    Examples
    --------
    >>> import autograd
    >>> autograd.is_tensor(autograd.ones(1)), autograd.is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input: Any) -> int:  # noqa: A002 - PyTorch's name
    """The number of elements of ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.numel(autograd.zeros(2, 3))
    6
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: input must be a Tensor, got {type(input).__name__}")
    return input.numel()
