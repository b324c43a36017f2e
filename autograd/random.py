"""The one seeded source of randomness: every random draw in the library goes through it."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state"]  # fmt: skip


class Generator:
    """A reseedable wrapper around ``numpy.random.Generator`` (PCG64).

    Examples
    --------
    >>> from autograd.random import Generator
    >>> g = Generator().manual_seed(3)
    >>> a = g.normal(0, 1, (2,))
    >>> bool((Generator().manual_seed(3).normal(0, 1, (2,)) == a).all())
    True
    """

    def __init__(self, device: Any = "cpu", *, seed: int | None = None) -> None:
        if isinstance(device, int) and not isinstance(device, bool) and seed is None:
            device, seed = "cpu", device  # Generator(seed): numbagrad's older positional form
        if str(device) not in ("cpu", "cpu:0"):
            raise RuntimeError(f"Generator: numbagrad only runs on the CPU, got device={device!r}")
        self._seed = 0 if seed is None else seed
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reset to a fixed seed; returns self (as PyTorch)."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed % 2**64)
        return self

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def get_state(self) -> dict:
        """The bit generator's state (restorable with ``set_state``)."""
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        """Restore a state returned by ``get_state``."""
        self._rng.bit_generator.state = state

    # Draws: thin pass-throughs so callers never touch NumPy's global RNG.
    def normal(self, loc: Any, scale: Any, size: Any) -> np.ndarray:
        return self._rng.normal(loc, scale, size)

    def uniform(self, low: Any, high: Any, size: Any) -> np.ndarray:
        return self._rng.uniform(low, high, size)

    def random(self, size: Any) -> np.ndarray:
        return self._rng.random(size)

    def integers(self, low: int, high: int, size: Any) -> np.ndarray:
        return self._rng.integers(low, high, size)

    def permutation(self, n: int) -> np.ndarray:
        return self._rng.permutation(n)

    def standard_normal(self, size: Any, dtype: Any = np.float64) -> np.ndarray:
        return self._rng.standard_normal(size, dtype=dtype)


default_generator = Generator()


def generator_or_default(generator: Any, op: str) -> Generator:
    """``generator``, or :data:`default_generator` when it is None: where each random function
    draws from (a TypeError naming ``op`` for anything but a :class:`Generator`).

    Examples
    --------
    >>> generator_or_default(None, "rand") is default_generator
    True
    >>> generator_or_default(0, "rand")
    Traceback (most recent call last):
    ...
    TypeError: rand: generator must be an autograd.Generator, got int
    """
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"{op}: generator must be an autograd.Generator, got {type(generator).__name__}"
        )
    return generator


def manual_seed(seed: int) -> Generator:
    """Seed the global generator; every random function of the library draws from it.

    Examples
    --------
    >>> import autograd
    >>> _ = autograd.manual_seed(0)
    >>> a = autograd.rand(2)
    >>> _ = autograd.manual_seed(0)
    >>> bool((autograd.rand(2) == a).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator non-deterministically; returns the seed.

    Examples
    --------
    >>> import autograd
    >>> s = autograd.seed()
    >>> autograd.initial_seed() == s
    True
    """
    s = int(np.random.SeedSequence().entropy % 2**63)
    default_generator.manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed of the global generator.

    Examples
    --------
    >>> import autograd
    >>> _ = autograd.manual_seed(7)
    >>> autograd.initial_seed()
    7
    """
    return default_generator.initial_seed()


# The global generator's state as PyTorch hands it out: a flat uint8 tensor. Layout (little
# endian): PCG64 state (16 bytes), increment (16), has_uint32 (8), uinteger (8), seed (8).
_STATE_BYTES = 56


def get_rng_state() -> Any:
    """The global generator's state as a uint8 tensor, for :func:`set_rng_state`.

    Examples
    --------
    >>> import autograd
    >>> state = autograd.get_rng_state()
    >>> a = autograd.rand(2)
    >>> autograd.set_rng_state(state)
    >>> bool((autograd.rand(2) == a).all())
    True
    """
    from .tensor import Tensor

    st = default_generator.get_state()
    words = (
        st["state"]["state"].to_bytes(16, "little"),
        st["state"]["inc"].to_bytes(16, "little"),
        int(st["has_uint32"]).to_bytes(8, "little"),
        int(st["uinteger"]).to_bytes(8, "little"),
        (default_generator.initial_seed() % 2**64).to_bytes(8, "little"),
    )
    return Tensor._make(np.frombuffer(b"".join(words), dtype=np.uint8).copy())


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator's state from :func:`get_rng_state`'s tensor.

    Examples
    --------
    >>> import autograd
    >>> autograd.set_rng_state(autograd.get_rng_state())
    """
    arr = np.asarray(getattr(new_state, "_array", new_state))
    if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
        raise TypeError(
            f"set_rng_state: new_state must be a uint8 tensor of {_STATE_BYTES} bytes from "
            f"get_rng_state(), got dtype {arr.dtype} and shape {arr.shape}"
        )
    raw = arr.tobytes()
    state = {
        "bit_generator": "PCG64",
        "state": {
            "state": int.from_bytes(raw[0:16], "little"),
            "inc": int.from_bytes(raw[16:32], "little"),
        },
        "has_uint32": int.from_bytes(raw[32:40], "little"),
        "uinteger": int.from_bytes(raw[40:48], "little"),
    }
    default_generator.set_state(state)
    default_generator._seed = int.from_bytes(raw[48:56], "little")
