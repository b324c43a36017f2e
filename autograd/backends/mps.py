"""``autograd.backends.mps``: Apple's Metal backend, which numbagrad does not have.

Examples
--------
>>> import autograd
>>> autograd.backends.mps.is_available(), autograd.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations

from .._absent import answers

__all__ = ["is_available", "is_built"]


@answers(False)
def is_available() -> bool:
    """Always ``False``: numbagrad runs on the CPU only."""


@answers(False)
def is_built() -> bool:
    """Always ``False``: numbagrad is not built with Metal support."""
