"""``autograd.backends.mps``: Apple's Metal backend, which numbagrad does not have.

Examples
--------
>>> import autograd
>>> autograd.backends.mps.is_available(), autograd.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Always ``False``: numbagrad runs on the CPU only.

    Examples
    --------
    >>> import autograd
    >>> autograd.backends.mps.is_available()
    False
    """
    return False


def is_built() -> bool:
    """Always ``False``: numbagrad is not built with Metal support.

    Examples
    --------
    >>> import autograd
    >>> autograd.backends.mps.is_built()
    False
    """
    return False
