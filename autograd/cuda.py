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

__all__ = [
    "is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed",
    "seed_all", "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
    "is_bf16_supported", "synchronize", "current_device", "get_device_name", "set_device",
    "get_rng_state",
]  # fmt: skip


def _no_cuda(fn: str) -> NoReturn:
    raise RuntimeError(
        f"cuda.{fn}: numbagrad has no CUDA support and runs on the CPU only "
        "(autograd.cuda.is_available() is False)"
    )


def is_available() -> bool:
    """Always ``False``: numbagrad has no CUDA devices.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.is_available()
    False
    """
    return False


def device_count() -> int:
    """Always 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.device_count()
    0
    """
    return 0


def is_initialized() -> bool:
    """Always ``False``: CUDA is never initialized.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.is_initialized()
    False
    """
    return False


def _check_seed(seed: Any, fn: str) -> None:
    try:
        operator.index(seed)
    except TypeError:
        if not isinstance(seed, float):  # PyTorch converts with int(), so 1.5 is accepted
            raise TypeError(
                f"cuda.{fn}: seed must be an int, got {type(seed).__name__} ({seed!r})"
            ) from None


def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's generator: with no CUDA device, nothing to do.

    As on a CPU-only PyTorch build the CPU generator is not touched; seed it with
    ``autograd.manual_seed``.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.manual_seed(0)
    """
    _check_seed(seed, "manual_seed")


def manual_seed_all(seed: int) -> None:
    """Seed every CUDA device's generator: with no CUDA device, nothing to do.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.manual_seed_all(0)
    """
    _check_seed(seed, "manual_seed_all")


def seed() -> None:
    """Seed the current CUDA device randomly: with no CUDA device, nothing to do.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.seed()
    """


def seed_all() -> None:
    """Seed every CUDA device randomly: with no CUDA device, nothing to do.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.seed_all()
    """


def empty_cache() -> None:
    """Release cached CUDA memory: there is none, so nothing to do.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.empty_cache()
    """


def memory_allocated(device: Any = None) -> int:
    """Bytes of CUDA memory held by tensors: always 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.memory_allocated()
    0
    """
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """Peak bytes of CUDA memory held by tensors: always 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.max_memory_allocated()
    0
    """
    return 0


def memory_reserved(device: Any = None) -> int:
    """Bytes of CUDA memory reserved by the caching allocator: always 0.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.memory_reserved()
    0
    """
    return 0


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Always ``False``: there is no CUDA device.

    Examples
    --------
    >>> import autograd
    >>> autograd.cuda.is_bf16_supported()
    False
    """
    return False


def synchronize(device: Any = None) -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device to wait for (PyTorch raises too).

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.cuda.synchronize()
    ... except RuntimeError as e:
    ...     print(str(e)[:41])
    cuda.synchronize: numbagrad has no CUDA s
    """
    _no_cuda("synchronize")


def current_device() -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device.

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.cuda.current_device()
    ... except RuntimeError:
    ...     print("no CUDA device")
    no CUDA device
    """
    _no_cuda("current_device")


def get_device_name(device: Any = None) -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device to name.

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.cuda.get_device_name()
    ... except RuntimeError:
    ...     print("no CUDA device")
    no CUDA device
    """
    _no_cuda("get_device_name")


def set_device(device: Any) -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA device to select.

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.cuda.set_device(0)
    ... except RuntimeError:
    ...     print("no CUDA device")
    no CUDA device
    """
    _no_cuda("set_device")


def get_rng_state(device: Any = "cuda") -> NoReturn:
    """Raise ``RuntimeError``: there is no CUDA generator (use ``autograd.default_generator``).

    Examples
    --------
    >>> import autograd
    >>> try:
    ...     autograd.cuda.get_rng_state()
    ... except RuntimeError:
    ...     print("no CUDA generator")
    no CUDA generator
    """
    _no_cuda("get_rng_state")
