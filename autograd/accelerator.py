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

from ._absent import answers, refuses

__all__ = [
    "is_available", "current_accelerator", "device_count", "current_device_index", "synchronize",
]  # fmt: skip


_NONE = "no accelerator is available (numbagrad runs on the CPU only)"


@answers(False)
def is_available() -> bool:
    """Always ``False``: numbagrad has no accelerator."""


@answers(None)
def current_accelerator(check_available: bool = False) -> None:
    """Always ``None``: there is no accelerator."""


@answers(0)
def device_count() -> int:
    """Always 0."""


@refuses("accelerator", _NONE)
def current_device_index() -> NoReturn:
    """Raise ``RuntimeError``: there is no accelerator device."""


@refuses("accelerator", _NONE)
def synchronize(device: Any = None) -> NoReturn:
    """Raise ``RuntimeError``: there is no accelerator to wait for."""
