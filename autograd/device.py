"""Devices: PyTorch's ``device`` object, and the one check that every ``device=`` argument passes.

numbagrad computes on the CPU only. As in a CPU-only build of PyTorch, a device of another type
(``device("cuda")``) can be named and compared, but a tensor cannot be put on it: every
``device=`` argument and ``.to(...)`` call goes through :func:`check_device`, which raises a
``RuntimeError`` for anything but the CPU.
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = ["device"]

# The device types PyTorch knows by name; any of them can be described, only "cpu" can be used.
_KNOWN_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)  # fmt: skip


def _parse_index(text: str, name: str) -> int:
    # PyTorch's grammar: a non-negative decimal without leading zeros ("cpu:0", not "cpu:00").
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0"):
        raise RuntimeError(
            f"device: invalid device string {name!r}; expected e.g. 'cpu' or 'cpu:0'"
        )
    return builtins.int(text)


class device:  # noqa: N801 - PyTorch's name
    """A device: a type (``"cpu"``, ``"cuda"``, ...) and an optional index.

    Built from ``device("cpu")``, ``device("cpu", 0)`` or ``device("cpu:0")``. Two devices are
    equal when type and index both match; as in PyTorch, a device never equals a string
    (``device("cpu") == "cpu"`` is ``False``: compare ``str(d)`` or ``d.type``). Only CPU devices
    can hold tensors; naming another type is allowed, using it raises ``RuntimeError``.

    Parameters
    ----------
    type : str or device
        ``"cpu"``, another PyTorch device type, or ``"type:index"``.
    index : int, optional
        The device index (non-negative).

    Examples
    --------
    >>> import autograd
    >>> d = autograd.device("cpu", 0)
    >>> d, str(d), d.type, d.index
    (device(type='cpu', index=0), 'cpu:0', 'cpu', 0)
    >>> d == autograd.device("cpu:0"), d == autograd.device("cpu")
    (True, False)
    >>> autograd.ones(2).device
    device(type='cpu')
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: Any = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise RuntimeError(
                    f"device: cannot pass index={index!r} with a device object {type!r}"
                )
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, builtins.int) and not isinstance(type, builtins.bool):
            raise RuntimeError(
                f"device: an integer device ({type}) means an accelerator, and none is available "
                "(numbagrad runs on the CPU only); use device('cpu')"
            )
        if not isinstance(type, str):
            raise TypeError(
                "device: expected a device string such as 'cpu', got "
                f"{builtins.type(type).__name__}"
            )
        if index is not None and (
            not isinstance(index, builtins.int) or isinstance(index, builtins.bool)
        ):
            raise TypeError(
                f"device: index must be an int, got {builtins.type(index).__name__} ({index!r})"
            )
        kind, sep, tail = type.partition(":")
        if kind not in _KNOWN_TYPES:
            raise RuntimeError(
                f"device: unknown device type {kind!r} in {type!r}; expected one of "
                f"{', '.join(_KNOWN_TYPES)} (numbagrad can use only 'cpu')"
            )
        if sep:
            if index is not None:
                raise RuntimeError(
                    f"device: {type!r} already holds an index, so index={index!r} cannot be "
                    "passed too"
                )
            index = _parse_index(tail, type)
        if index is not None and index < 0:
            raise RuntimeError(f"device: index must be non-negative, got {index}")
        self._type = kind
        self._index = index

    @property
    def type(self) -> str:  # noqa: A003
        """The device type, e.g. ``"cpu"``."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or ``None`` when none was given."""
        return self._index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __reduce__(self) -> tuple:
        return (device, (self._type, self._index))

    def __enter__(self) -> device:
        # PyTorch makes the device the factories' default inside the block; the CPU already is.
        check_device(self)
        return self

    def __exit__(self, *exc: object) -> None:
        return None


CPU = device("cpu")


def check_device(dev: Any, argname: str = "device") -> None:
    """Accept ``None`` or a CPU device (``"cpu"``, ``"cpu:0"``, ``device("cpu")``); reject others.

    Parameters
    ----------
    dev : str, device or None
        What the user passed.
    argname : str
        The argument's name, for the error message.

    Raises
    ------
    RuntimeError
        For a device of another type (``"cuda"``, ``"mps"``, ``device("cuda")``), naming it.
    TypeError
        For something that is not a device at all.

    Examples
    --------
    >>> from autograd.device import check_device
    >>> check_device("cpu:0")
    >>> try:
    ...     check_device("cuda")
    ... except RuntimeError as e:
    ...     print(str(e)[:57])
    device: numbagrad runs on the CPU only, got device='cuda'
    """
    if dev is None or dev is CPU or (builtins.type(dev) is str and dev == "cpu"):
        return
    if not isinstance(dev, device):
        if not isinstance(dev, (str, builtins.int)) or isinstance(dev, builtins.bool):
            raise TypeError(
                f"{argname}: expected a device (such as 'cpu' or autograd.device('cpu')), got "
                f"{builtins.type(dev).__name__} ({dev!r})"
            )
        try:
            parsed = device(dev)
        except (RuntimeError, TypeError) as e:
            raise RuntimeError(f"{argname}={dev!r} is not a valid device: {e}") from None
    else:
        parsed = dev
    if parsed._type != "cpu":
        raise RuntimeError(
            f"{argname}: numbagrad runs on the CPU only, got {argname}={dev!r}; "
            "autograd.cuda.is_available() is False, so pick the device with "
            "device = 'cuda' if autograd.cuda.is_available() else 'cpu'"
        )


def is_device_like(obj: Any) -> bool:
    """Whether ``obj`` names a device (a ``device``, or a string starting with a device type).

    ``Tensor.to`` uses it to tell ``to("cpu")`` from ``to("float64")``.

    Examples
    --------
    >>> from autograd.device import is_device_like
    >>> is_device_like("cuda:1"), is_device_like("float64")
    (True, False)
    """
    if isinstance(obj, device):
        return True
    return isinstance(obj, str) and obj.partition(":")[0] in _KNOWN_TYPES


def parse_to(args: tuple, kwargs: dict) -> tuple[Any, Any, bool]:
    """``Tensor.to``'s arguments as ``(device, dtype, copy)``; TypeError names what is wrong.

    The three forms are PyTorch's: ``to(dtype, non_blocking, copy)``, ``to(device, dtype,
    non_blocking, copy)`` and ``to(other, non_blocking, copy)`` (``other``'s dtype).

    Examples
    --------
    >>> import autograd
    >>> from autograd.device import parse_to
    >>> parse_to(("cpu", autograd.float64), {"copy": True})
    ('cpu', dtype('float64'), True)
    """
    from .tensor import Tensor

    kw = dict(kwargs)
    dev, dtype = kw.pop("device", None), kw.pop("dtype", None)
    non_blocking, copy = kw.pop("non_blocking", False), kw.pop("copy", False)
    kw.pop("memory_format", None)
    if kw:
        raise TypeError(f"to(): unexpected keyword arguments {sorted(kw)}")
    rest = list(args)
    if rest and is_device_like(rest[0]):
        dev = rest.pop(0)
        if rest and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    elif rest and isinstance(rest[0], Tensor):
        dtype = rest.pop(0).dtype
    elif rest and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    if rest:
        non_blocking = rest.pop(0)
    if rest:
        copy = rest.pop(0)
    if rest or not isinstance(non_blocking, bool) or not isinstance(copy, bool):
        raise TypeError(
            f"to(): expected to(dtype | device | tensor, [dtype,] non_blocking=False, copy=False), "
            f"got positional arguments {args!r}"
        )
    return dev, dtype, copy
