"""``autograd.backends.cudnn``: cuDNN's switches, settable and without effect (no cuDNN here).

Attributes
----------
enabled : bool
    ``True``, PyTorch's default.
benchmark : bool
    ``False``, PyTorch's default.
deterministic : bool
    ``False``, PyTorch's default. numbagrad's kernels give the same result run to run whatever
    this says.
allow_tf32 : bool
    ``True``, PyTorch's default.

Examples
--------
>>> import autograd
>>> autograd.backends.cudnn.deterministic
False
"""

from __future__ import annotations

from .._absent import answers

__all__ = ["enabled", "benchmark", "deterministic", "allow_tf32", "is_available", "version"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


@answers(False)
def is_available() -> bool:
    """Always ``False``: numbagrad has no cuDNN."""


@answers(None)
def version() -> None:
    """``None``, as PyTorch answers without cuDNN."""
