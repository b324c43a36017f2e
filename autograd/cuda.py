"""``autograd.cuda``: what PyTorch's ``torch.cuda`` answers on a build without CUDA.

numbagrad computes on the CPU only, so ``is_available()`` is ``False`` and ``device_count()`` is
0. The calls a program makes unconditionally behave as on a CPU-only PyTorch build: seeding is
accepted and does nothing (it does not touch the CPU generator, which ``autograd.manual_seed``
seeds), ``empty_cache()`` does nothing, memory counters read 0. Calls that need a CUDA device
(``synchronize``, ``current_device``, ``get_device_name``, ``set_device``, ``get_rng_state``)
raise ``RuntimeError`` where PyTorch raises "Torch not compiled with CUDA enabled".

Examples
--------
>>> import autograd
>>> autograd.cuda.is_available(), autograd.cuda.device_count()
(False, 0)
>>> device = autograd.device("cuda" if autograd.cuda.is_available() else "cpu")
>>> autograd.ones(2).to(device).device
device(type='cpu')
"""

from __future__ import annotations

import operator
from typing import Any, NoReturn

from ._absent import answers, refuses

__all__ = [
    "is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
    "seed_all", "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
    "is_bf16_supported", "synchronize", "current_device", "get_device_name", "set_device",
    "get_rng_state",
]  # fmt: skip


_NO_CUDA = (
    "numbagrad has no CUDA support and runs on the CPU only (autograd.cuda.is_available() is False)"
)


@answers(False)
def is_available() -> bool:
    """Always ``False``: numbagrad has no CUDA devices."""


@answers(0)
def device_count() -> int:
    """Always 0."""


@answers(False)
def is_initialized() -> bool:
    """Always ``False``: CUDA is never initialized."""


def _check_seed(seed: Any, fn: str) -> None:
    try:
        operator.index(seed)
    except TypeError:
        if not isinstance(seed, float):  # PyTorch converts with int(), so 1.5 is accepted
            raise TypeError(
                f"cuda.{fn}: seed must be an int, got {type(seed).__name__} ({seed!r})"
            ) from None


@answers(None, "0")
def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's generator: with no CUDA device, nothing to do.

    As on a CPU-only PyTorch build the CPU generator is not touched; seed it with
    ``autograd.manual_seed``."""
    _check_seed(seed, "manual_seed")


@answers(None, "0")
def manual_seed_all(seed: int) -> None:
    """Seed every CUDA device's generator: with no CUDA device, nothing to do."""
    _check_seed(seed, "manual_seed_all")


@answers(None)
def seed() -> None:
    """Seed the current CUDA device randomly: with no CUDA device, nothing to do."""


@answers(None)
def seed_all() -> None:
    """Seed every CUDA device randomly: with no CUDA device, nothing to do."""


@answers(None)
def empty_cache() -> None:
    """Release cached CUDA memory: there is none, so nothing to do."""


@answers(0)
def memory_allocated(device: Any = None) -> int:
    """Bytes of CUDA memory held by tensors: always 0."""


@answers(0)
def max_memory_allocated(device: Any = None) -> int:
    """Peak bytes of CUDA memory held by tensors: always 0."""


@answers(0)
def memory_reserved(device: Any = None) -> int:
    """Bytes of CUDA memory reserved by the caching allocator: always 0."""


@answers(False)
def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Always ``False``: there is no CUDA device."""


@refuses("cuda", _NO_CUDA)
def synchronize(device: Any = None) -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device to wait for (PyTorch raises too)."""


@refuses("cuda", _NO_CUDA)
def current_device() -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device."""


@refuses("cuda", _NO_CUDA)
def get_device_name(device: Any = None) -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device to name."""


@refuses("cuda", _NO_CUDA, "0")
def set_device(device: Any) -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device to select."""


@refuses("cuda", _NO_CUDA)
def get_rng_state(device: Any = "cuda") -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA generator (use ``autograd.default_generator``)."""
