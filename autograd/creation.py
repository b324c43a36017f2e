"""Factories: new leaf tensors from shapes, fills, ranges and the seeded generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .random import Generator, generator_or_default
from .tensor import Tensor, check_device, tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like",
    "ones_like", "full_like", "empty_like", "rand", "randn", "randint", "rand_like",
    "randn_like", "randperm", "arange", "linspace", "eye",
]  # fmt: skip


def _size(size: tuple, fn: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{fn}: size must be ints, got {type(s).__name__} in {size!r}")
        if s < 0:
            raise ValueError(f"{fn}: sizes must be non-negative, got {tuple(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(arr: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    check_device(device)
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype(dtype: Any, default: np.dtype | None = None) -> np.dtype:
    """``dtype`` as a NumPy dtype; None gives ``default``, or the default float dtype."""
    if dtype is None:
        return _dt.default_float if default is None else default
    return _dt.to_dtype(dtype)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with a NumPy array or Tensor when it can.

    Examples
    --------
    >>> import numpy as np, autograd
    >>> a = np.zeros(2, dtype=np.float32)
    >>> t = autograd.as_tensor(a)
    >>> a[0] = 5
    >>> t
    tensor([5., 0.])
    """
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or _dt.to_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or _dt.to_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (no copy).

    Examples
    --------
    >>> import numpy as np, autograd
    >>> autograd.from_numpy(np.arange(3)).dtype
    dtype('int64')
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype not in _dt._SUPPORTED:
        raise TypeError(f"from_numpy: dtype {array.dtype} is not supported")
    return Tensor._make(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of zeros.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros(2, 3).shape
    (2, 3)
    """
    return _finish(np.zeros(_size(size, "zeros"), _dtype(dtype)), requires_grad, device)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ones.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones(2)
    tensor([1., 1.])
    """
    return _finish(np.ones(_size(size, "ones"), _dtype(dtype)), requires_grad, device)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """An uninitialized tensor.

    Examples
    --------
    >>> import autograd
    >>> autograd.empty(3).shape
    (3,)
    """
    return _finish(np.empty(_size(size, "empty"), _dtype(dtype)), requires_grad, device)


def full(
    size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it like :func:`tensor`).

    Examples
    --------
    >>> import autograd
    >>> autograd.full((2,), 7)
    tensor([7, 7])
    """
    value = _fill_value(fill_value, "full")
    dt = _dt.number_dtype(value) if dtype is None else _dt.to_dtype(dtype)
    dims = _size((size,) if not isinstance(size, (tuple, list)) else tuple(size), "full")
    return _finish(np.full(dims, _fill_as(value, dt, "full"), dt), requires_grad, device)


def _fill_value(value: Any, fn: str) -> Any:
    """``fill_value`` as a number (a 0-d tensor gives its value), as PyTorch's Scalar argument."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise TypeError(
                f"{fn}: fill_value must be a number or a 0-d tensor, got a tensor of shape "
                f"{value.shape}"
            )
        value = value.item()
    if not isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"{fn}: fill_value must be a number, got {type(value).__name__}")
    return value


def _fill_as(value: Any, dtype: np.dtype, fn: str) -> Any:
    """``value`` converted for a tensor of ``dtype``, refusing what would overflow (as PyTorch;
    a negative integer into an unsigned dtype wraps, as there)."""
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind == "f":
        if np.isfinite(value) and abs(float(value)) > float(np.finfo(dtype).max):
            raise RuntimeError(
                f"{fn}: fill_value {value!r} cannot be converted to {dtype} without overflow"
            )
        return value
    info = np.iinfo(dtype)
    lowest = -int(info.max) if dtype.kind == "u" else int(info.min)
    if not (np.isfinite(value) and lowest <= value <= info.max):
        raise RuntimeError(
            f"{fn}: fill_value {value!r} cannot be converted to {dtype} without overflow "
            f"(expected a value in [{lowest}, {info.max}])"
        )
    return int(value) % (int(info.max) + 1) if dtype.kind == "u" else int(value)


def _like(t: Any, fn: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}: expected a Tensor, got {type(t).__name__}")
    return t


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:  # fmt: skip
    """Zeros with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.zeros_like(autograd.ones(2, dtype=autograd.float64)).dtype
    dtype('float64')
    """
    t = _like(input, "zeros_like")
    return _finish(np.zeros(t.shape, _dtype(dtype, t.dtype)), requires_grad, device)


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:  # fmt: skip
    """Ones with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.ones_like(autograd.zeros(2))
    tensor([1., 1.])
    """
    t = _like(input, "ones_like")
    return _finish(np.ones(t.shape, _dtype(dtype, t.dtype)), requires_grad, device)


def empty_like(input: Tensor, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:  # fmt: skip
    """Uninitialized, with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.empty_like(autograd.zeros(2, 3, dtype=autograd.float64))
    >>> x.shape, x.dtype
    ((2, 3), dtype('float64'))
    """
    t = _like(input, "empty_like")
    return _finish(np.empty(t.shape, _dtype(dtype, t.dtype)), requires_grad, device)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:  # fmt: skip
    """``fill_value`` with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.full_like(autograd.zeros(2), 3.5)
    tensor([3.5000, 3.5000])
    """
    t = _like(input, "full_like")
    dt = _dtype(dtype, t.dtype)
    value = _fill_as(_fill_value(fill_value, "full_like"), dt, "full_like")
    return _finish(np.full(t.shape, value, dt), requires_grad, device)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
         generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Uniform samples in [0, 1) from the seeded generator.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.rand(3)
    >>> bool(((x >= 0) & (x < 1)).all())
    True
    """
    dt = _dtype(dtype)
    rng = generator_or_default(generator, "rand")
    arr = rng.random(_size(size, "rand")).astype(dt)
    return _finish(arr, requires_grad, device)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
          generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Standard normal samples from the seeded generator.

    Examples
    --------
    >>> import autograd
    >>> autograd.randn(2, 2).shape
    (2, 2)
    """
    dt = _dtype(dtype)
    rng = generator_or_default(generator, "randn")
    arr = rng.standard_normal(_size(size, "randn")).astype(dt)
    return _finish(arr, requires_grad, device)


def rand_like(input: Tensor, dtype: Any = None) -> Tensor:
    """:func:`rand` with the shape and dtype of ``input``.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.rand_like(autograd.zeros(4, dtype=autograd.float64))
    >>> x.dtype, bool(((x >= 0) & (x < 1)).all())
    (dtype('float64'), True)
    """
    t = _like(input, "rand_like")
    return rand(t.shape, dtype=_dtype(dtype, t.dtype))


def randn_like(input: Tensor, dtype: Any = None) -> Tensor:
    """:func:`randn` with the shape and dtype of ``input``.

    Examples
    --------
    >>> import autograd
    >>> autograd.randn_like(autograd.zeros(2, 3)).shape
    (2, 3)
    """
    t = _like(input, "randn_like")
    return randn(t.shape, dtype=_dtype(dtype, t.dtype))


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = None,
            device: Any = None, generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Integers in ``[low, high)`` (``randint(high, size)`` also works).

    Examples
    --------
    >>> import autograd
    >>> x = autograd.randint(0, 10, (5,))
    >>> x.dtype, bool(((x >= 0) & (x < 10)).all())
    (dtype('int64'), True)
    """
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    dims = _size(tuple(size) if isinstance(size, (tuple, list)) else (size,), "randint")
    rng = generator_or_default(generator, "randint")
    arr = rng.integers(low, high, dims).astype(_dtype(dtype, _dt.int64))
    return _finish(arr, False, device)


def randperm(n: int, dtype: Any = None, generator: Generator | None = None) -> Tensor:
    """A random permutation of ``0 .. n-1``.

    Examples
    --------
    >>> import autograd
    >>> sorted(autograd.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    rng = generator_or_default(generator, "randperm")
    return Tensor._make(rng.permutation(n).astype(_dtype(dtype, _dt.int64)))


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:  # fmt: skip
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 when all are ints.

    Examples
    --------
    >>> import autograd
    >>> autograd.arange(3)
    tensor([0, 1, 2])
    >>> autograd.arange(0, 1, 0.5)
    tensor([0.0000, 0.5000])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: upper bound and step have inconsistent signs ({start}, {end}, {step})"
        )
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dt = _dtype(dtype, _dt.int64 if ints else None)
    return _finish(np.arange(start, end, step).astype(dt), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:  # fmt: skip
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Examples
    --------
    >>> import autograd
    >>> autograd.linspace(0, 1, 3)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return _finish(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:  # fmt: skip
    """The identity matrix (n x m).

    Examples
    --------
    >>> import autograd
    >>> autograd.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    if n < 0 or (m is not None and m < 0):
        raise ValueError(f"eye: sizes must be non-negative, got n={n}, m={m}")
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, device)
