"""PyTorch's legacy tensor types: ``FloatTensor(2, 3)``, ``LongTensor([1, 2])``, ``Tensor(2, 3)``.

Each type is a constructor for its dtype (sizes give an uninitialized tensor, a sequence gives
data) and an ``isinstance`` check on the dtype, as in PyTorch:
``isinstance(autograd.ones(1), autograd.FloatTensor)`` is ``True``. ``Tensor.type()`` names them
(``"autograd.FloatTensor"``) and ``Tensor.type(name_or_dtype)`` converts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .device import check_device
from .size import Size
from .tensor import _TYPE_NAMES, Tensor, _init_slots, nested_array

__all__ = [
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
    "CharTensor", "ByteTensor", "BoolTensor",
]  # fmt: skip


def legacy_init(
    self: Tensor, args: tuple, dtype: np.dtype, fn: str, exact_dtype: bool = False
) -> None:
    """Fill the slots of ``self`` from PyTorch's legacy constructor arguments.

    No argument gives an empty 1-d tensor; ints (or a ``Size``) give an uninitialized tensor of
    that shape; one sequence or array gives its data cast to ``dtype``; a Tensor is shared (no
    copy, no history) and, when ``exact_dtype``, must already have ``dtype``.
    """
    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if exact_dtype and other.dtype != dtype:
            raise TypeError(
                f"{fn}: expected a tensor of dtype {dtype}, got {other.dtype}; convert it with "
                f"tensor.to(autograd.{dtype})"
            )
        _init_slots(self, other._array, False, None, 0)
        self._vc = other._vc
        return
    if len(args) == 1 and not _is_size_arg(args[0]):
        data = args[0]
        if isinstance(data, (bool, float, complex, np.bool_, np.floating)) or data is None:
            raise TypeError(
                f"{fn}: data must be a sequence or sizes must be ints, got {type(data).__name__} "
                f"({data!r})"
            )
        arr = nested_array(data, f"{fn}: data must be")
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{fn}: data must hold numbers, got {type(data).__name__} with elements of type "
                f"{arr.dtype}"
            )
        _init_slots(self, arr.astype(dtype), False, None, 0)
        return
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
    for s in sizes:
        if not _is_size_arg(s):
            raise TypeError(
                f"{fn}: sizes must be ints, got {type(s).__name__} ({s!r}) in {args!r}; pass "
                "data as one list"
            )
    shape = tuple(int(s) for s in sizes) if args else (0,)
    if any(s < 0 for s in shape):
        raise ValueError(f"{fn}: sizes must be non-negative, got {shape}")
    _init_slots(self, np.empty(shape, dtype), False, None, 0)


def _is_size_arg(x: Any) -> bool:
    if isinstance(x, Size):
        return True
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


class _TensorType(type):
    """Metaclass of the legacy types: calling builds a Tensor, ``isinstance`` checks the dtype."""

    dtype: np.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[override]
        check_device(device)
        t = object.__new__(Tensor)
        legacy_init(t, args, cls.dtype, cls.__name__, exact_dtype=True)
        return t

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'autograd.{cls.__name__}'>"


def _legacy_type(dtype: np.dtype) -> _TensorType:
    name = _TYPE_NAMES[dtype] + "Tensor"
    doc = (
        f"PyTorch's legacy ``{name}``: builds ``{dtype}`` tensors and matches them in "
        "``isinstance``.\n\n"
        "``{name}(2, 3)`` is uninitialized with that shape, ``{name}([1, 2])`` holds the data "
        "(cast to the dtype), ``{name}()`` is empty.\n\n"
        "Examples\n--------\n>>> import autograd\n"
        ">>> t = autograd.{name}([1, 0])\n"
        ">>> isinstance(t, autograd.{name}), t.shape, autograd.{name}(2, 3).shape\n"
        "(True, (2,), (2, 3))\n"
    ).replace("{name}", name)
    return _TensorType(name, (), {"dtype": dtype, "__doc__": doc, "__module__": "autograd"})


FloatTensor = _legacy_type(_dt.float32)
DoubleTensor = _legacy_type(_dt.float64)
HalfTensor = _legacy_type(_dt.float16)
LongTensor = _legacy_type(_dt.int64)
IntTensor = _legacy_type(_dt.int32)
ShortTensor = _legacy_type(_dt.int16)
CharTensor = _legacy_type(_dt.int8)
ByteTensor = _legacy_type(_dt.uint8)
BoolTensor = _legacy_type(_dt.bool_)

_BY_NAME = {_TYPE_NAMES[t.dtype] + "Tensor": t for t in (
    FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
    ByteTensor, BoolTensor,
)}  # fmt: skip


def type_name(dtype: np.dtype) -> str:
    """The legacy type name of ``dtype``: ``"autograd.FloatTensor"`` for float32.

    Examples
    --------
    >>> import autograd
    >>> from autograd.tensor_types import type_name
    >>> type_name(autograd.int64)
    'autograd.LongTensor'
    """
    return "autograd." + _TYPE_NAMES[dtype] + "Tensor"


def resolve_type(dst: Any) -> np.dtype:
    """The dtype that ``Tensor.type(dst)`` converts to.

    ``dst`` is a legacy type (``autograd.FloatTensor``), its name (``"torch.FloatTensor"`` or
    ``"autograd.FloatTensor"``) or a dtype. A CUDA type name raises ``RuntimeError``; any other
    string raises ``ValueError``, as in PyTorch.

    Examples
    --------
    >>> import autograd
    >>> from autograd.tensor_types import resolve_type
    >>> resolve_type("torch.DoubleTensor"), resolve_type(autograd.LongTensor)
    (dtype('float64'), dtype('int64'))
    """
    if isinstance(dst, _TensorType):
        return dst.dtype
    if isinstance(dst, str):
        module, _, name = dst.rpartition(".")
        if module in ("torch.cuda", "autograd.cuda"):
            check_device("cuda", "type")
        if module in ("torch", "autograd") and name in _BY_NAME:
            return _BY_NAME[name].dtype
        raise ValueError(
            f"type: invalid type {dst!r}; expected a tensor type name such as "
            "'torch.FloatTensor', a legacy type such as autograd.FloatTensor, or a dtype"
        )
    return _dt.to_dtype(dst, "type")
