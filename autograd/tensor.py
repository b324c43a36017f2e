"""Tensor: one NumPy array plus what autograd needs to know about it.

This file holds storage, conversion, the autograd attributes and printing. The methods that need
the layers above it -- ``backward`` (the engine), the op methods and operators (each op's
declaration in ``autograd/ops``) -- are bound by those layers through :func:`tensor_method`, so
imports only ever go one way: dtypes -> tensor -> function -> engine -> ops.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes as _dt
from ._printing import format_tensor
from .device import CPU, check_device, device
from .hooks import RemovableHandle
from .size import Size


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Create tensors with :func:`autograd.tensor` or the factories (``zeros``, ``randn``, ...).
    Called directly it is PyTorch's legacy constructor: ``Tensor(2, 3)`` is an uninitialized
    float32 tensor of that shape, ``Tensor([1, 2])`` holds the data as float32 (see
    :mod:`autograd.tensor_types`); ``dtype=`` and ``requires_grad=`` are numbagrad's additions.

    Examples
    --------
    >>> import autograd
    >>> x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = (
        "_array", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_vc", "_base",
        "_retains_grad", "_hooks", "_post_accumulate_hooks", "__weakref__",
    )  # fmt: skip
    # Make NumPy defer to Tensor's reflected operators (ndarray * Tensor -> Tensor.__rmul__).
    __array_priority__ = 1000

    def __init__(
        self, *args: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
    ) -> None:
        # PyTorch's legacy constructor: Tensor(2, 3) is uninitialized float32 of that shape,
        # Tensor([1, 2]) holds the data as float32; dtype= and requires_grad= are numbagrad's.
        from .tensor_types import legacy_init

        check_device(device)
        dt = _dt.default_float if dtype is None else _dt.to_dtype(dtype)
        legacy_init(self, args, dt, "Tensor")
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(
        array: np.ndarray, requires_grad: bool = False, grad_fn: Any = None, output_nr: int = 0
    ) -> Tensor:
        """Wrap ``array`` without copying or checking (internal fast path)."""
        t = _new(Tensor)
        t._array = array
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = [0]
        t._base = None
        t._retains_grad = False
        t._hooks = None
        t._post_accumulate_hooks = None
        return t

    # ---------------------------------------------------------------- array-like attributes
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension, as a tuple."""
        return self._array.shape

    @property
    def dtype(self) -> np.dtype:
        """The element type (``autograd.float32`` and friends are NumPy dtypes)."""
        return self._array.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._array.ndim

    @property
    def device(self) -> device:
        """Always ``device("cpu")``: numbagrad computes on the CPU."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        """Always ``False``: numbagrad has no CUDA tensors."""
        return False

    def dim(self) -> int:
        """Number of dimensions (PyTorch's method form of ``ndim``)."""
        return self._array.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape as a :class:`Size`, or the size of dimension ``dim``.

        Examples
        --------
        >>> import autograd
        >>> autograd.zeros(2, 3).size(), autograd.zeros(2, 3).size(-1)
        (autograd.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[normalize_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """Number of elements."""
        return self._array.size

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._array.itemsize

    def stride(self, dim: int | None = None) -> Any:
        """Strides in elements, as in PyTorch."""
        st = tuple(s // self._array.itemsize for s in self._array.strides)
        return st if dim is None else st[normalize_dim(dim, self.ndim, "stride")]

    def is_contiguous(self) -> bool:
        """Whether the storage is C-contiguous."""
        return self._array.flags.c_contiguous

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._array.dtype.kind == "f"

    # ----------------------------------------------------------------------- conversion
    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying array (shared memory).

        Raises ``RuntimeError`` for a tensor that requires grad, as PyTorch does; call
        ``detach().numpy()`` or pass ``force=True``.
        """
        if self._requires_grad and not force:
            raise RuntimeError(
                "numpy(): can't call numpy() on a tensor that requires grad; "
                "use tensor.detach().numpy() instead"
            )
        return self._array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self._array.dtype:
            return self._array.astype(dtype)
        if copy:
            return self._array.copy()
        return self._array

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise RuntimeError(
                f"item(): a tensor with {self._array.size} elements cannot be converted to a "
                "Python scalar; expected exactly one element"
            )
        return self._array.item()

    def tolist(self) -> Any:
        """Nested Python lists (a number for a 0-d tensor)."""
        return self._array.tolist()

    def detach(self) -> Tensor:
        """A tensor sharing storage (and version counter) with no history."""
        t = Tensor._make(self._array)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from its history in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """A tensor sharing storage with no history (assignment replaces the storage).

        Unlike :meth:`detach` it has its own version counter, as in PyTorch: a change made
        through ``.data`` is invisible to autograd (no error at backward, and no guarantee
        that the gradients account for it).
        """
        return Tensor._make(self._array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self._array = value._array

    def cpu(self) -> Tensor:
        """Return self (numbagrad only has a CPU)."""
        return self

    # ----------------------------------------------------------------------- autograd
    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "requires_grad_(): you can only change requires_grad of leaf tensors; "
                "use detach() to get a tensor that does not require grad"
            )
        if requires_grad and self._array.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad: only floating-point tensors can require gradients, "
                f"got dtype {self._array.dtype}"
            )
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op."""
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (leaves, and non-leaves with retain_grad)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"grad: assigned grad has shape {value.shape}, expected {self.shape}"
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        """Whether a non-leaf keeps its ``.grad`` after backward."""
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError(
                "retain_grad(): can't retain_grad on a tensor that doesn't require grad"
            )
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ctx = self.grad_fn
        if ctx._retained is None:
            ctx._retained = {}
        ctx._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

        Examples
        --------
        >>> import autograd
        >>> x = autograd.ones(2, requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 10)
        >>> x.sum().backward()
        >>> x.grad
        tensor([10., 10.])
        """
        if not self._requires_grad:
            raise RuntimeError(
                "register_hook(): cannot register a hook on a tensor that doesn't require grad"
            )
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            ctx = self.grad_fn
            if ctx._hooks is None:
                ctx._hooks = {}
            hooks = ctx._hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(self)`` during backward, right after this leaf's ``.grad`` was accumulated.

        The hook sees the final gradient of this pass while backward is still running (e.g. to
        start communicating it); it returns None. Not called by ``autograd.grad``.

        Examples
        --------
        >>> import autograd
        >>> w = autograd.ones(2, requires_grad=True)
        >>> h = w.register_post_accumulate_grad_hook(lambda p: print("grad:", p.grad))
        >>> (w * 3).sum().backward()
        grad: tensor([3., 3.])
        """
        if not self._requires_grad:
            raise RuntimeError(
                "register_post_accumulate_grad_hook(): cannot register a hook on a tensor that "
                "doesn't require grad"
            )
        if self.grad_fn is not None:
            raise RuntimeError(
                "register_post_accumulate_grad_hook(): post accumulate grad hooks cannot be "
                "registered on non-leaf tensors"
            )
        if not callable(hook):
            raise TypeError(
                f"register_post_accumulate_grad_hook(): expected a callable, got "
                f"{type(hook).__name__}"
            )
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return RemovableHandle(self._post_accumulate_hooks, hook)

    @property
    def _version(self) -> int:
        """How many times this tensor's storage was changed in place."""
        return self._vc[0]

    # ---------------------------------------------------------------- Python protocols
    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._array.size} values is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._array)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._array)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return format_tensor(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._array, self._requires_grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only leaf tensors support the deepcopy protocol")
        t = Tensor._make(self._array.copy(), self._requires_grad)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._array.copy())
        memo[id(self)] = t
        return t


_new = object.__new__


def tensor_method(fn: Any = None, *, name: str | None = None) -> Any:
    """Bind ``fn`` (a function, or a property) to Tensor as ``name`` (default: its own name).

    The engine and the op declarations give Tensor its methods this way; each name is bound
    once, so two declarations of one method are an error rather than a silent override.
    Usable as a decorator, with or without ``name``.

    Examples
    --------
    >>> import autograd
    >>> from autograd.tensor import Tensor, tensor_method
    >>> @tensor_method(name="double_it")
    ... def _double_it(self):
    ...     return self * 2
    >>> autograd.tensor([1.0]).double_it()
    tensor([2.])
    >>> del Tensor.double_it
    """
    if fn is None:
        return lambda f: tensor_method(f, name=name)
    key = name or fn.__name__
    existing = Tensor.__dict__.get(key)
    if existing is not None and existing is not fn:
        raise RuntimeError(f"Tensor.{key} is declared twice")
    setattr(Tensor, key, fn)
    return fn


def _init_slots(t: Tensor, array: np.ndarray, rg: bool, grad_fn: Any, nr: int) -> None:
    """Set every slot of ``t`` (a Tensor subclass's fresh instance) as ``Tensor._make`` does."""
    made = Tensor._make(array, rg, grad_fn, nr)
    for name in Tensor.__slots__:
        if name != "__weakref__":
            setattr(t, name, getattr(made, name))


def _rebuild(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(array, requires_grad)


_TYPE_NAMES = {
    _dt.float32: "Float", _dt.float64: "Double", _dt.float16: "Half", _dt.int64: "Long",
    _dt.int32: "Int", _dt.int16: "Short", _dt.int8: "Char", _dt.uint8: "Byte", _dt.bool_: "Bool",
}  # fmt: skip


# --------------------------------------------------------------------------- conversion helpers
def as_array(data: Any, dtype: np.dtype | None = None, argname: str = "data") -> np.ndarray:
    """Convert Python/NumPy data to an array with PyTorch's dtype inference.

    Python floats become float32, ints int64, bools bool; NumPy arrays keep their dtype.
    """
    if isinstance(data, Tensor):
        arr = data._array
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if dtype is None and arr.dtype not in _dt._SUPPORTED:
            raise TypeError(f"{argname}: NumPy dtype {arr.dtype} is not supported")
    else:
        arr = nested_array(data, f"{argname}: expected")
        if dtype is None:
            kind = arr.dtype.kind
            if kind == "f":
                arr = arr.astype(_dt.default_float)
            elif kind in "iu":
                arr = arr.astype(_dt.int64)
            elif kind != "b":
                raise TypeError(
                    f"{argname}: expected numbers (or nested sequences of numbers), "
                    f"got elements of type {arr.dtype}"
                )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def nested_array(data: Any, expected: str) -> np.ndarray:
    """``data`` (nested sequences of numbers or Tensors) as one array; a ragged one raises
    ``ValueError("{expected} a rectangular nested sequence of numbers, ...")``."""
    try:
        return np.array(_unwrap_nested(data))
    except ValueError as e:
        raise ValueError(
            f"{expected} a rectangular nested sequence of numbers, got a ragged one ({e})"
        ) from None


def _unwrap_nested(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._array
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Build a new leaf tensor, copying ``data``.

    Python floats give float32, ints int64 and bools bool (as PyTorch); NumPy arrays keep their
    dtype.

    Examples
    --------
    >>> import autograd
    >>> autograd.tensor([[1, 2], [3, 4]]).dtype
    dtype('int64')
    >>> autograd.tensor([1.5, 2.0], requires_grad=True)
    tensor([1.5000, 2.0000], requires_grad=True)
    """
    check_device(device)
    dt = None if dtype is None else _dt.to_dtype(dtype)
    arr = np.array(as_array(data, dt), copy=True)
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def normalize_dim(dim: Any, ndim: int, op: str = "dim") -> int:
    """Turn a possibly negative ``dim`` into an index in ``range(ndim)``, or raise IndexError-free.

    0-d tensors accept dims -1 and 0 as PyTorch does.
    """
    if type(dim) is int and 0 <= dim < ndim:  # the common case, first
        return dim
    if isinstance(dim, Tensor):
        dim = int(dim)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise ValueError(
            f"{op}: dim {dim} is out of range for a tensor with {ndim} dimensions "
            f"(expected {-n} <= dim < {n})"
        )
    return int(dim) % n
