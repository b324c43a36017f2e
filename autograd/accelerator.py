"""``autograd.accelerator``: PyTorch's device-generic accelerator API, with no accelerator.

numbagrad computes on the CPU only, which PyTorch does not count as an accelerator: there is
none available, and ``current_accelerator()`` is ``None``. As in PyTorch without an accelerator,
calls that need one (``synchronize``, ``current_device_index``) raise ``RuntimeError``.

Examples
--------
>>> import autograd
>>> acc = autograd.accelerator.current_accelerator()
>>> device = acc if autograd.accelerator.is_available() else autograd.device("cpu")
>>> device
device(type='cpu')
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "is_available", "current_accelerator", "device_count", "current_device_index", "synchronize",
]  # fmt: skip


def _none(fn: str) -> NoReturn:
    raise RuntimeError(
        f"accelerator.{fn}: no accelerator is available (numbagrad runs on the CPU only)"
    )


def is_available() -> bool:
    """Always ``False``: numbagrad has no accelerator.

    Examples
    --------
    >>> import autograd
    >>> autograd.accelerator.is_available()
    False
    """
    return False


def current_accelerator(check_available: bool = False) -> None:
    """Always ``None``: there is no accelerator.

    Examples
    --------
    >>> import autograd
    >>> autograd.accelerator.current_accelerator() is None
    True
    """
    return None


def device_count() -> int:
    """Always 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.accelerator.device_count()
    0
    """
    return 0


def current_device_index() -> NoReturn:
    """Raise ``RuntimeError``: there is no accelerator device.

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.accelerator.current_device_index()
    ... except RuntimeError:
    ...     print("no accelerator")
    no accelerator
    """
    _none("current_device_index")


def synchronize(device: Any = None) -> NoReturn:
    """Raise ``RuntimeError``: there is no accelerator to wait for.

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.accelerator.synchronize()
    ... except RuntimeError as e:
    ...     print(str(e)[:47])
    accelerator.synchronize: no accelerator is avai
    """
    _none("synchronize")
