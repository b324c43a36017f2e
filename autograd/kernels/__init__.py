"""Numba kernels: plain functions of NumPy arrays, no Tensor anywhere.

``conv``, ``pool`` and ``matmul`` hold the heavy array-level work of the ops layer; ``_jit``
holds the Numba flags and the thread-count controls re-exported here.
"""

from autograd.kernels._jit import get_num_threads, set_num_threads

__all__ = ["get_num_threads", "set_num_threads"]
