"""Keep freed array memory in the process, so that a training step does not fault it back in.

A step allocates its activations and gradients afresh and frees them at its end. With glibc's
default settings, freed memory at the top of the heap beyond a small threshold (twice the size
above which blocks are mapped on their own) goes back to the kernel, and the next step's arrays
fault it in again page by page: a hand-written LSTM step of batch 128 took about 8 000 page
faults and 20 ms of system time, where PyTorch's step takes about ten.

:func:`tune` raises both thresholds once, at import, as an allocator tuned for tensors does:
blocks under :data:`MMAP_THRESHOLD` come from the heap, and the heap keeps up to
:data:`TRIM_THRESHOLD` of free memory at its top. Peak memory is unchanged; memory freed after a
peak stays with the process, up to that much, for the next step to reuse.

Nothing changes when the platform's C library is not glibc, when the environment already tunes
glibc's allocator (``GLIBC_TUNABLES`` with ``glibc.malloc``, or ``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_``), or with ``AUTOGRAD_MALLOC_TUNING=0``.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

#: Blocks of this many bytes or more are mapped on their own (glibc's own ceiling for its
#: adaptive threshold on 64-bit systems).
MMAP_THRESHOLD = 32 << 20
#: Free memory at the top of the heap kept for reuse before any goes back to the kernel.
TRIM_THRESHOLD = 256 << 20

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")

_tuned = False


def tune() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (once); whether they are raised.

    Examples
    --------
    >>> import autograd
    >>> from autograd import _malloc
    >>> isinstance(_malloc.tune(), bool)
    True
    """
    global _tuned
    if _tuned:
        return True
    if os.environ.get("AUTOGRAD_MALLOC_TUNING", "1") == "0":
        return False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", "") or any(
        name in os.environ for name in _USER_SETTINGS
    ):
        return False  # the user's own settings stand
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # The trim threshold first: setting either one turns glibc's adaptive thresholds off.
    _tuned = bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    )
    return _tuned
