"""All ops, one module per family. Each op is declared once, with ``register`` (or a table row
that calls it): the declaration exports it and derives its Tensor method, in-place twin, operators
and NumPy dispatch entry. The public names here are exactly what the declarations export."""

from . import (
    arithmetic, compare, elementwise, transcendental, reduce, extrema, stats, scan, activation,
    softmax, normalization, loss, piecewise, shape, join, rearrange, diagonals, index,
    gather_scatter, linalg, contract, conv, pool, resize, inplace, sorting, sampling,
    matrix, decomp, decomp_forms, norms, products, index_update, pointwise, assemble, quantiles,
    special_fns, solvers,
    numpy_dispatch,
)  # fmt: skip
from ._mutate import run_inplace
from .extrema import MinMax
from .registry import EXPORTS, REGISTRY, OpInfo, Sample, register

globals().update(EXPORTS)
__all__ = sorted(EXPORTS) + ["run_inplace"]
